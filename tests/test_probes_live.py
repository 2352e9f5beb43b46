"""collect() on the real machine, and its promise that no probe failure escapes.

The test machine (and CI, which runs on the same kind of machine) has a CUDA 13.0 toolkit reached
through ``nvcc`` on PATH and no NVIDIA driver. Where a developer's machine differs, the assertions
that depend on it are skipped with the reason, never weakened.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import envadvisor.probes as probes_package
from envadvisor.model import Facts, to_data
from envadvisor.probes import collect, host
from tests.probe_support import make_dist

PROBE_NAMES = ["host", "conda", "python_env", "cuda_toolkit", "libraries", "frameworks", "nvidia"]


def _driver_present() -> bool:
    return os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidiactl")


@pytest.fixture(scope="module")
def live() -> tuple[Facts, tuple]:
    return collect()


def test_every_probe_reports_an_outcome(live: tuple[Facts, tuple]) -> None:
    _, outcomes = live
    assert [o.name for o in outcomes] == PROBE_NAMES
    assert all(o.status in ("ok", "partial", "absent") for o in outcomes), outcomes
    assert all(o.seconds is not None and o.seconds >= 0 for o in outcomes)


def test_this_python(live: tuple[Facts, tuple]) -> None:
    facts, _ = live
    assert facts.python.version == platform.python_version()
    assert facts.python.executable == sys.executable
    assert facts.python.prefix == sys.prefix
    assert facts.os.system == "linux" if sys.platform == "linux" else facts.os.system is not None
    assert facts.os.cores == os.cpu_count()
    assert facts.packages["pytest"].version == pytest.__version__
    assert facts.packages["packaging"].version is not None


@pytest.mark.skipif(shutil.which("nvcc") is None, reason="no nvcc on PATH on this machine")
def test_the_toolkit_found_through_nvcc(live: tuple[Facts, tuple]) -> None:
    facts, _ = live
    output = subprocess.run(["nvcc", "--version"], capture_output=True, text=True, timeout=10).stdout
    release = output.split("release ", 1)[1].split(",", 1)[0]
    toolkit = facts.cuda_toolkit
    assert toolkit.version == release  # 13.0 on the test machine
    assert toolkit.nvcc_version is not None and toolkit.nvcc_version.startswith(release)
    if not (os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH")):
        assert toolkit.source == "nvcc-on-PATH"


@pytest.mark.skipif(_driver_present(), reason="this machine has an NVIDIA driver")
def test_no_driver_is_reported_as_such(live: tuple[Facts, tuple]) -> None:
    facts, outcomes = live
    gpu = facts.gpu
    assert gpu.nvml_state == "no_driver"
    assert gpu.driver_version is None and gpu.driver_cuda is None and gpu.devices == ()
    assert "gpu.driver_version" in facts.reasons and "gpu.driver_cuda" in facts.reasons
    nvidia_outcome = next(o for o in outcomes if o.name == "nvidia")
    assert nvidia_outcome.status == "absent"


def test_the_facts_survive_a_json_round_trip(live: tuple[Facts, tuple]) -> None:
    from envadvisor.model import from_data

    facts, _ = live
    assert from_data(Facts, to_data(facts)) == facts


def test_no_framework_is_imported(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom envadvisor.probes import collect\ncollect()\n"
        "names = ('torch', 'tensorflow', 'jax', 'pynvml', 'psutil', 'rich', 'yaml')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    heavy = set(filter(None, result.stdout.strip().split(",")))
    if not _driver_present():
        assert heavy == set()  # pynvml too: without a driver the dlopen pre-check answers
    else:
        assert heavy <= {"pynvml"}


def test_a_probe_that_raises_becomes_a_failed_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: object) -> None:
        raise PermissionError(13, "Permission denied", "/proc/cpuinfo")

    monkeypatch.setattr(host, "probe", broken)
    facts, outcomes = collect()
    failed = next(o for o in outcomes if o.name == "host")
    assert failed.status == "failed"
    assert failed.detail == "PermissionError: [Errno 13] Permission denied: '/proc/cpuinfo'"
    assert facts.os.system is None
    assert facts.reasons["os"].startswith("the host probe failed: PermissionError")
    # the other probes went on
    assert facts.python.version == platform.python_version()


def test_collect_with_a_fake_site_folder_and_environment(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_dist(site, "torch", "2.13.0+cpu")
    (site / "torch").mkdir()
    (site / "torch/version.py").write_text("__version__ = '2.13.0+cpu'\ncuda = None\nhip = None\n")
    facts, outcomes = collect(
        environ={"PATH": str(tmp_path)}, sys_path=[str(site)], root=tmp_path, timeout=2.0
    )
    assert facts.frameworks.torch.variant == "cpu"
    assert facts.cuda_toolkit.version is None  # nothing on this PATH or under this root
    assert dict((o.name, o.status) for o in outcomes)["cuda_toolkit"] == "absent"


def test_collect_is_fast_here() -> None:
    collect()  # warm the file cache and the lazy imports
    started = time.perf_counter()
    collect()
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"collect() took {elapsed:.3f} s"
    assert probes_package.__all__ == ["collect"]
