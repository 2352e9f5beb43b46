"""Issue 17, class 4 (and the setsid item of 9): outside programs cannot flood memory or outlive the run.

``nvidia-smi`` or ``nvcc`` replaced by ``cat /dev/zero`` used to take 16-19 s and 5-7 GB before its
timeout (``communicate()`` keeps everything). Output is now read as it comes and capped; past the cap
or the timeout the program, its process group, and every descendant that carries the run's marker
(a ``setsid`` grandchild left the group, not the environment) are killed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from envadvisor.probes._commands import ERROR_LIMIT, OUTPUT_LIMIT, run_command
from tests.deep_support import processes_with
from tests.probe_support import write_executable
from tests.reliability_support import REPO, assert_valid_json_report, subprocess_env

pytestmark = pytest.mark.skipif(os.name == "nt" or not Path("/dev/zero").exists(), reason="POSIX tools")

# Unique to this test process, to find leftovers in /proc (other runs on the machine use their own)
MARK = f"71.{os.getpid()}"


def _wait_gone(seconds: float = 3.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while processes_with(MARK) and time.monotonic() < deadline:
        time.sleep(0.05)
    return processes_with(MARK)


@pytest.mark.parametrize(
    ("body", "stream"),
    [
        ("exec cat /dev/zero\n", "output"),
        ("exec cat /dev/zero >&2\n", "error output"),
        # the flood comes from a grandchild that left the process group
        (f'"{sys.executable}" -c "import os, sys; os.setsid(); sys.argv.append(\'{MARK}\'); '
         "os.execvp('cat', ['cat', '/dev/zero'])\" &\nsleep {MARK}\n", "output"),
    ],
)  # fmt: skip
def test_a_flooding_program_is_stopped_at_the_cap(tmp_path: Path, body: str, stream: str) -> None:
    tool = write_executable(tmp_path / "bin", "nvidia-smi", body)
    started = time.monotonic()
    result = run_command([str(tool)], timeout=30.0, environ={"PATH": "/usr/bin:/bin"})
    elapsed = time.monotonic() - started
    limit = OUTPUT_LIMIT if stream == "output" else ERROR_LIMIT
    assert result.error == f"printed more than {limit:,} bytes of {stream}; stopped"
    assert len(result.stdout) <= OUTPUT_LIMIT and len(result.stderr) <= ERROR_LIMIT
    assert elapsed < 5.0, elapsed  # the cap, not the 30 s timeout
    print(f"flood on {stream} stopped after {elapsed * 1000:.0f} ms")  # recorded in docs/reliability.md
    assert _wait_gone() == []


def test_a_setsid_grandchild_of_a_hung_tool_is_killed_with_it(tmp_path: Path) -> None:
    """The grandchild leaves the process group (setsid) and the parent exits: the group kill cannot
    reach it, the marker does."""
    body = (
        f'"{sys.executable}" -c "import os, time; os.setsid(); time.sleep(float(\'{MARK}\'))" &\n'
        f"sleep {MARK}\n"
    )
    tool = write_executable(tmp_path / "bin", "nvcc", body)
    started = time.monotonic()
    result = run_command([str(tool), "--version"], timeout=1.0, environ={"PATH": "/usr/bin:/bin"})
    assert result.timed_out and time.monotonic() - started < 4.0
    assert _wait_gone() == []


def test_normal_output_is_read_whole(tmp_path: Path) -> None:
    """Under the cap nothing changes: all of it, both streams, the exit status."""
    line = "0, NVIDIA H100 80GB HBM3, 9.0, 81559\n"
    body = f"i=0\nwhile [ $i -lt 20000 ]; do printf '{line}'; i=$((i+1)); done\necho warn >&2\nexit 3\n"
    tool = write_executable(tmp_path / "bin", "nvidia-smi", body)
    result = run_command([str(tool)], timeout=60.0, environ={"PATH": "/usr/bin:/bin"})
    assert result.error is None and result.returncode == 3
    assert result.stdout == line * 20000 and result.stderr == "warn\n"  # 740 KB, under the cap


def test_diagnose_with_flooding_nvidia_smi_and_nvcc_is_fast_and_small(tmp_path: Path) -> None:
    """End to end, as the issue reproduced it: both tools replaced by `cat /dev/zero`, NVML hidden."""
    bin_dir = tmp_path / "bin"
    for name in ("nvidia-smi", "nvcc"):
        write_executable(bin_dir, name, "exec cat /dev/zero\n")
    site = tmp_path / "nonvml"
    site.mkdir()
    (site / "sitecustomize.py").write_text('import sys\nsys.modules["pynvml"] = None\n', encoding="utf-8")
    env = subprocess_env(
        {"PYTHONPATH": f"{site}{os.pathsep}{REPO / 'src'}"}, path=f"{bin_dir}{os.pathsep}/usr/bin:/bin"
    )
    # a fresh parent, so that its children's peak memory is envadvisor's alone
    measure = (
        "import resource, subprocess, sys, time\n"
        "t = time.monotonic()\n"
        "p = subprocess.run([sys.executable, '-m', 'envadvisor', 'diagnose', '--json', '--fail-on', 'never'],"
        " capture_output=True, text=True)\n"
        "sys.stderr.write(p.stderr)\n"
        "print(time.monotonic() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(p.stdout)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", measure], env=env, capture_output=True, text=True, timeout=120, cwd=REPO
    )
    first, _, report_text = proc.stdout.partition("\n")
    seconds, peak_kib = first.split()
    print(f"diagnose with flooding tools: {float(seconds):.2f} s, {int(peak_kib) / 1024:.0f} MiB peak")
    assert "Traceback" not in proc.stderr, proc.stderr
    report = assert_valid_json_report(report_text)
    assert float(seconds) < 8.0  # 16-19 s before (two 5 s timeouts while reading gigabytes)
    assert int(peak_kib) < 200 * 1024  # 5-7 GB before
    probes = {p["name"]: p for p in report["probes"]}
    assert "printed more than" in (probes["nvidia"]["detail"] or "") + str(report["facts"]["reasons"])
    assert "printed more than" in str(report["facts"]["reasons"].get("cuda_toolkit.version"))
