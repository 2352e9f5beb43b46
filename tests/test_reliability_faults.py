"""Faults on the machine: the whole ``diagnose`` still finishes, reports what it could, names what failed.

The probe tests (tests/test_probes_*.py) inject each fault into one probe; these tests inject them
under the whole command, in-process and as a real child process, and check the report that comes out
(JSON against docs/report-schema.json, terminal text in English and Chinese).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pynvml
import pytest

from tests.deep_support import processes_with
from tests.probe_support import make_conda_record, make_dist, write_executable
from tests.reliability_support import (
    assert_valid_json_report,
    inject_machine,
    run_cli,
    run_envadvisor,
    subprocess_env,
)
from tests.test_probes_nvidia import NVML_ERRORS, FakeNvmlInitFails

PROBE_TIMEOUT = 5.0  # collect()'s default: what one hung outside program may cost
# A marker no other process has (this test process's id: other pytest runs on the machine hang their
# own tools at the same time), to find orphans of the hung tools after the run.
HANG_MARKER = f"61.{os.getpid()}"


def _hung_tools(tmp_path: Path) -> Path:
    """nvidia-smi and nvcc that never answer; each leaves a grandchild holding the pipes, as a
    wrapper script would, so killing only the direct child would not be enough."""
    bin_dir = tmp_path / "bin"
    body = f"sleep {HANG_MARKER} &\nsleep {HANG_MARKER}\n"
    write_executable(bin_dir, "nvidia-smi", body)
    write_executable(bin_dir, "nvcc", body)
    return bin_dir


def _no_nvml_binding(tmp_path: Path) -> Path:
    """A sitecustomize that makes ``import pynvml`` fail, so NVML cannot answer even on a GPU node."""
    site = tmp_path / "nonvml"
    site.mkdir()
    (site / "sitecustomize.py").write_text('import sys\nsys.modules["pynvml"] = None\n', encoding="utf-8")
    return site


def test_hung_nvidia_smi_and_nvcc_cost_at_most_their_timeouts_end_to_end(tmp_path: Path) -> None:
    bin_dir = _hung_tools(tmp_path)
    env = subprocess_env(
        {"PYTHONPATH": f"{_no_nvml_binding(tmp_path)}{os.pathsep}{subprocess_env()['PYTHONPATH']}"},
        path=f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
    )
    started = time.monotonic()
    proc = run_envadvisor(["diagnose", "--json", "--fail-on", "never"], env, timeout=60)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    # two hung programs, run one after the other, each bounded by the probe timeout (+ start-up)
    assert elapsed < 2 * PROBE_TIMEOUT + 5, elapsed
    print(f"diagnose with hung nvidia-smi and nvcc: {elapsed:.2f} s")  # recorded in docs/reliability.md
    report = assert_valid_json_report(proc.stdout)
    probes = {p["name"]: p for p in report["probes"]}
    # what failed, and why
    assert probes["nvidia"]["status"] == "timeout"
    assert "nvidia-smi timed out after 5 s" in probes["nvidia"]["detail"]
    assert probes["cuda_toolkit"]["status"] == "timeout"
    assert "nvcc timed out after 5 s" in probes["cuda_toolkit"]["detail"]
    reasons = report["facts"]["reasons"]
    assert "nvidia-smi timed out after 5 s" in reasons["gpu.devices"]
    assert "nvcc timed out after 5 s" in reasons["cuda_toolkit.version"]
    assert report["facts"]["gpu"]["driver_version"] is None  # unknown, not guessed
    assert report["facts"]["cuda_toolkit"]["version"] is None
    # what it could: the rest of the machine
    assert report["facts"]["python"]["version"] and report["facts"]["os"]["system"] == "linux"
    assert probes["host"]["status"] == "ok" and probes["python_env"]["status"] in ("ok", "partial")
    # the hung programs and their children were killed, not left behind
    assert processes_with(HANG_MARKER) == []


def test_hung_tools_are_named_in_the_terminal_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bin_dir = _hung_tools(tmp_path)
    monkeypatch.setitem(__import__("sys").modules, "pynvml", None)
    monkeypatch.setattr("envadvisor.probes.nvidia.nvml_library_present", lambda ctx: True)
    inject_machine(monkeypatch, environ={"PATH": f"{bin_dir}:/usr/bin:/bin"}, root=tmp_path, timeout=0.5)
    for lang, heading in (("en", "Probes that could not finish"), ("zh", "未能完成的探测")):
        code, out, err = run_cli(["diagnose", "--lang", lang, "--fail-on", "never"], capsys)
        assert code == 0 and err == ""
        assert heading in out
        flat = " ".join(out.split())
        assert "nvidia-smi timed out after 0.5 s" in flat and "nvcc timed out after 0.5 s" in flat
    assert processes_with(HANG_MARKER) == []


@pytest.mark.parametrize(("code", "class_name", "message", "state"), NVML_ERRORS)
def test_each_nvml_error_gives_a_valid_report_naming_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    code: int,
    class_name: str,
    message: str,
    state: object,
) -> None:
    # the real class pynvml raises for this code, with its real message
    raised = pynvml.NVMLError(code)
    assert type(raised).__name__ == class_name and str(raised) == message
    inject_machine(
        monkeypatch, environ={"PATH": str(tmp_path / "empty")}, root=tmp_path, nvml=FakeNvmlInitFails(code)
    )
    exit_code, out, err = run_cli(["diagnose", "--json", "--fail-on", "never"], capsys)
    assert exit_code == 0 and err == ""
    report = assert_valid_json_report(out)
    gpu = report["facts"]["gpu"]
    assert gpu["nvml_state"] == getattr(state, "value", state)
    assert gpu["nvml_error"] == f"{class_name}: {message}"
    assert gpu["driver_version"] is None and gpu["driver_cuda"] is None
    assert message in report["facts"]["reasons"]["gpu.driver_version"]
    # a rule over the unknown driver is not evaluated, never a finding about a driver we did not see
    for finding in report["findings"]:
        assert finding["evidence"].get("gpu.driver_version") is None
    exit_code, out, _ = run_cli(["diagnose", "--fail-on", "never"], capsys)
    assert exit_code == 0 and "NVIDIA driver" in out


def _unreadable_system_root(tmp_path: Path) -> Path:
    """/proc and /sys entries that cannot be read: as root, file modes do not stop reads, so a folder
    where a file should be, a symbolic-link loop, and a file where a folder should be do."""
    root = tmp_path / "root"
    for folder_in_place_of_file in (
        "proc/cpuinfo",
        "proc/meminfo",
        "sys/module/nvidia/version",
        "etc/os-release",
    ):
        (root / folder_in_place_of_file).mkdir(parents=True)
    (root / "proc/driver/nvidia").mkdir(parents=True)
    os.symlink("version", root / "proc/driver/nvidia/version")  # ELOOP on open
    (root / "sys/bus/pci").mkdir(parents=True)
    (root / "sys/bus/pci/devices").write_text("not a folder\n")  # ENOTDIR on scandir
    return root


def test_unreadable_proc_and_sys_entries_become_reasons_in_a_valid_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _unreadable_system_root(tmp_path)
    fake = FakeNvmlInitFails(pynvml.NVML_ERROR_DRIVER_NOT_LOADED)
    inject_machine(monkeypatch, environ={"PATH": str(tmp_path / "empty")}, root=root, nvml=fake)
    code, out, err = run_cli(["diagnose", "--json", "--fail-on", "never"], capsys)
    assert code == 0 and err == ""
    report = assert_valid_json_report(out)
    facts = report["facts"]
    reasons = facts["reasons"]
    assert facts["os"]["cpu"] is None and reasons["os.cpu"].startswith("/proc/cpuinfo unreadable")
    assert facts["os"]["memory_mib"] is None and "/proc/meminfo unreadable" in reasons["os.memory_mib"]
    assert "/sys/module/nvidia/version unreadable" in reasons["gpu.kernel_module_version"]
    assert "/proc/driver/nvidia/version unreadable" in reasons["gpu.kernel_module_version"]
    assert facts["gpu"]["count"] is None and "cannot be read" in reasons["gpu.count"]
    assert facts["gpu"]["nvml_state"] == "driver_not_loaded"
    assert facts["python"]["version"]  # what does not depend on those files is still there
    assert {p["name"] for p in report["probes"]} >= {"host", "nvidia", "python_env"}
    for lang in ("en", "zh"):
        code, out, err = run_cli(["diagnose", "--lang", lang, "--fail-on", "never"], capsys)
        assert code == 0 and err == "" and out.strip()


def _broken_python_environment(tmp_path: Path) -> tuple[Path, Path]:
    """A conda environment without pip whose metadata is broken in every way we know of."""
    prefix = tmp_path / "envs" / "broken"
    site = prefix / "lib/python3.11/site-packages"
    make_conda_record(prefix, "python", "3.11.7", "hab00c5b_0_cpython")
    make_conda_record(prefix, "pytorch", "2.5.1", "cuda126_py311")
    meta = prefix / "conda-meta"
    (meta / "truncated-1.0-0.json").write_text('{"name": "truncated", "version": "1.0", "fil')
    (meta / "list-1.0-0.json").write_text("[1, 2, 3]")
    (meta / "binary-1.0-0.json").write_bytes(b"\xff\xfe\x00\x01")
    (meta / "empty-1.0-0.json").write_text("")
    make_dist(site, "torch", "2.5.1", installer="conda")
    make_dist(site, "numpy", None)  # METADATA without a Version header
    make_dist(site, "scipy", "not a version!", folder="scipy-x.dist-info")  # invalid version
    unreadable = site / "pandas-2.2.3.dist-info"
    (unreadable / "METADATA").mkdir(parents=True)  # unreadable METADATA (a folder in its place)
    make_dist(site, "latin", "1.0", metadata=b"Name: latin\nVersion: 1.0\nSummary: caf\xe9\n")  # not UTF-8
    make_dist(site, "transformers", "4.46.0", folder="transformers-4.46.0.dist-info")
    make_dist(site, "transformers", "4.57.1", folder="transformers-4.57.1.dist-info")  # duplicate
    make_dist(site, "huggingface-hub", "0.26.0", metadata=b"")  # empty METADATA
    (site / "accelerate-1.0.0.dist-info").mkdir()  # no METADATA at all
    return prefix, site


def test_corrupt_metadata_and_conda_records_still_give_a_valid_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix, site = _broken_python_environment(tmp_path)
    inject_machine(
        monkeypatch,
        environ={"PATH": str(tmp_path / "empty"), "CONDA_PREFIX": str(prefix), "CONDA_DEFAULT_ENV": "broken"},
        root=tmp_path,
        sys_path=[str(site)],
        prefix=prefix,
        nvml=FakeNvmlInitFails(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND),
    )
    code, out, err = run_cli(["diagnose", "--json", "--fail-on", "never"], capsys)
    assert code == 0 and err == ""
    report = assert_valid_json_report(out)
    facts = report["facts"]
    probes = {p["name"]: p for p in report["probes"]}
    assert facts["python"]["env_kind"] == "conda" and facts["python"]["has_pip"] is False
    assert probes["conda"]["status"] == "partial"
    assert "unreadable conda-meta record" in probes["conda"]["detail"]
    assert probes["python_env"]["status"] == "partial"
    packages = facts["packages"]
    assert packages["torch"]["version"] == "2.5.1"  # the good ones are read
    assert "numpy" not in packages or packages["numpy"]["version"] is None  # never a guessed version
    assert packages["transformers"]["version"] in ("4.46.0", "4.57.1")
    assert set(packages["transformers"]["other_versions"]) | {packages["transformers"]["version"]} == {
        "4.46.0",
        "4.57.1",
    }
    for lang in ("en", "zh"):
        code, out, err = run_cli(["diagnose", "--lang", lang, "--fail-on", "never"], capsys)
        assert code == 0 and err == "" and "Python" in out


def test_uv_venv_without_pip_gives_a_valid_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    venv = tmp_path / ".venv"
    site = venv / "lib/python3.11/site-packages"
    make_dist(site, "numpy", "2.1.3", installer="uv")
    make_dist(site, "torch", "2.9.0", installer="uv")
    (venv / "pyvenv.cfg").write_text(
        "home = /usr/bin\nimplementation = CPython\nuv = 0.9.5\nversion_info = 3.11.7\n"
    )
    inject_machine(
        monkeypatch,
        environ={"PATH": str(tmp_path / "empty"), "VIRTUAL_ENV": str(venv)},
        root=tmp_path,
        sys_path=[str(site)],
        prefix=venv,
        nvml=FakeNvmlInitFails(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND),
    )
    code, out, err = run_cli(["diagnose", "--json", "--fail-on", "never"], capsys)
    assert code == 0 and err == ""
    facts = assert_valid_json_report(out)["facts"]
    assert (facts["python"]["env_kind"], facts["python"]["has_pip"]) == ("uv", False)
    assert facts["packages"]["torch"]["installer"] == "uv"
    code, out, err = run_cli(["diagnose", "--fail-on", "never"], capsys)
    assert code == 0 and err == "" and "uv" in out


def test_a_probe_that_crashes_is_a_failed_outcome_in_the_cli_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from envadvisor.probes import conda

    def explode(ctx: object) -> object:
        raise RuntimeError("conda-meta vanished while being read")

    monkeypatch.setattr(conda, "probe", explode)
    code, out, err = run_cli(["diagnose", "--json", "--fail-on", "never"], capsys)
    assert code == 0 and err == ""
    report = assert_valid_json_report(out)
    (failed,) = [p for p in report["probes"] if p["name"] == "conda"]
    assert failed["status"] == "failed" and "conda-meta vanished" in failed["detail"]
    assert "the conda probe failed" in report["facts"]["reasons"]["conda"]
    code, out, _ = run_cli(["diagnose", "--fail-on", "never"], capsys)
    assert "conda (failed: RuntimeError: conda-meta vanished" in " ".join(out.split())
    json.dumps(report)  # still plain data


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "argv",
    [
        ["diagnose", "--json"],
        ["diagnose", "--lang", "zh"],
        ["propose", "torch", "--no-gpu"],
        ["explain", "cuda"],
        ["rules"],
        ["fleet", str(Path(__file__).resolve().parent / "fleet" / "handwritten-minimal.json")],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_full_disk_under_stdout_is_one_line(argv: list[str]) -> None:
    """`envadvisor diagnose --json > report.json` on a full disk: it was a traceback from the write
    and a second one from the interpreter's final flush."""
    import subprocess
    import sys

    from tests.reliability_support import REPO

    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "envadvisor", *argv, "--fail-on", "never"]
            if argv[0] == "diagnose"
            else [sys.executable, "-m", "envadvisor", *argv],
            env=subprocess_env(),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            cwd=REPO,
            check=False,
        )
    assert proc.returncode == 2
    assert proc.stderr == "envadvisor: error: cannot write the output: No space left on device\n"


def test_a_fifo_where_a_file_should_be_does_not_hang_diagnose(tmp_path: Path) -> None:
    """A FIFO in place of METADATA, a conda-meta record, /proc/cpuinfo or /sys/module/nvidia/version:
    opening one waits for a writer forever. The probes open without waiting and read it as empty.
    Run in a child process with a timeout, so a regression fails instead of hanging the suite."""
    import subprocess
    import sys

    from tests.reliability_support import REPO

    prefix = tmp_path / "env"
    site = prefix / "lib/python3.11/site-packages"
    make_dist(site, "torch", "2.5.1")
    os.mkfifo(make_dist(site, "numpy", "2.1.3", metadata=b"") / "METADATA.fifo")
    (site / "numpy-2.1.3.dist-info" / "METADATA").unlink()
    os.rename(site / "numpy-2.1.3.dist-info" / "METADATA.fifo", site / "numpy-2.1.3.dist-info" / "METADATA")
    make_conda_record(prefix, "python", "3.11.7", "hab00c5b_0_cpython")
    os.mkfifo(prefix / "conda-meta" / "blocked-1.0-0.json")
    root = tmp_path / "root"
    for fifo in ("proc/cpuinfo", "proc/meminfo", "sys/module/nvidia/version", "proc/driver/nvidia/version"):
        (root / fifo).parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(root / fifo)
    script = (
        "import json, sys\n"
        "from envadvisor.probes import collect\n"
        "from envadvisor.model import to_data\n"
        f"facts, outcomes = collect(environ={{'PATH': '/nonexistent', 'CONDA_PREFIX': {str(prefix)!r}}},"
        f" root={str(root)!r}, sys_path=[{str(site)!r}], timeout=2.0)\n"
        "print(json.dumps({'facts': to_data(facts), 'probes': [o.status for o in outcomes]}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads(proc.stdout)
    facts = data["facts"]
    assert facts["packages"]["torch"]["version"] == "2.5.1"
    assert facts["packages"].get("numpy", {}).get("version") is None  # empty METADATA: no version
    assert facts["os"]["cpu"] is None and facts["gpu"]["kernel_module_version"] is None
