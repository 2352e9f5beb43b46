"""The host probe on tmp /proc, /etc and /dev trees: distribution, memory, CPU, WSL2, containers."""

from __future__ import annotations

import os
from pathlib import Path

from envadvisor.probes import host
from tests.probe_support import context

# /proc/sys/kernel/osrelease of a WSL2 kernel, and an /etc/os-release of Ubuntu 24.04
WSL2_OSRELEASE = "6.6.87.2-microsoft-standard-WSL2\n"
UBUNTU_OS_RELEASE = (
    'PRETTY_NAME="Ubuntu 24.04.3 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\n'
    'VERSION="24.04.3 LTS (Noble Numbat)"\nID=ubuntu\nID_LIKE=debian\n'
)


def _write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def test_wsl2_ubuntu_with_gpu_bridge(tmp_path: Path) -> None:
    _write(tmp_path, "/etc/os-release", UBUNTU_OS_RELEASE)
    _write(tmp_path, "/proc/sys/kernel/osrelease", WSL2_OSRELEASE)
    _write(tmp_path, "/proc/meminfo", "MemTotal:       32791612 kB\nMemFree:         1000 kB\n")
    _write(
        tmp_path,
        "/proc/cpuinfo",
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: 13th Gen Intel(R) Core(TM) i9-13900K\n",
    )
    _write(tmp_path, "/dev/dxg", "")
    _write(tmp_path, "/proc/1/cgroup", "0::/init.scope\n")
    out = host.probe(context(root=tmp_path, environ={"WSL_DISTRO_NAME": "Ubuntu"}))
    facts = out.sections["os"]
    assert (facts.system, facts.distro, facts.distro_version) == ("linux", "Ubuntu", "24.04")
    assert (facts.wsl, facts.wsl_gpu_bridge, facts.container) == (True, True, "none")
    assert facts.memory_mib == 32023 and facts.cpu == "13th Gen Intel(R) Core(TM) i9-13900K"


def test_containers_are_recognised(tmp_path: Path) -> None:
    _write(tmp_path, "/.dockerenv", "")
    assert host.probe(context(root=tmp_path, environ={})).sections["os"].container == "docker"
    podman = tmp_path / "podman"
    _write(podman, "/run/.containerenv", 'engine="podman-5.0"\n')
    assert host.probe(context(root=podman, environ={})).sections["os"].container == "podman"
    k8s = tmp_path / "k8s"
    _write(k8s, "/proc/1/cgroup", "0::/kubepods/besteffort/pod1234/abcd\n")
    assert host.probe(context(root=k8s, environ={})).sections["os"].container == "kubernetes"


def test_missing_and_unreadable_files_become_reasons(tmp_path: Path) -> None:
    # As root, file modes do not stop reads; a folder in the file's place does.
    (tmp_path / "proc/cpuinfo").mkdir(parents=True)
    (tmp_path / "proc/meminfo").mkdir(parents=True)
    out = host.probe(context(root=tmp_path, environ={}))
    facts = out.sections["os"]
    assert facts.cpu is None and facts.memory_mib is None and facts.distro is None
    assert out.reasons["os.cpu"].startswith("/proc/cpuinfo unreadable")
    assert out.reasons["os.memory_mib"].startswith("/proc/meminfo unreadable")
    assert out.reasons["os.distro"] == "no /etc/os-release"
    assert out.status == "partial"
    # what does not depend on those files is still there
    assert facts.arch is not None and facts.kernel == os.uname().release


def test_arm_cpuinfo_without_a_model_name(tmp_path: Path) -> None:
    _write(tmp_path, "/proc/cpuinfo", "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n")
    out = host.probe(context(root=tmp_path, environ={}))
    assert out.sections["os"].cpu is None
    assert "names no CPU model" in out.reasons["os.cpu"]
