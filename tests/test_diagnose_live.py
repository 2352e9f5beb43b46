"""A real run on the test machine, checked against what the machine really has.

Each expectation is read independently of envadvisor (nvcc's own output, /proc, the interpreter), so
the test holds on any machine: the development box (CUDA 13.0 toolkit, no driver), CI, or a GPU node.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

import pytest

from envadvisor.cli import main
from tests.schema_check import assert_valid_report


@pytest.fixture(scope="module")
def live_report() -> dict:  # type: ignore[type-arg]
    import io
    from contextlib import redirect_stdout

    buffer = io.StringIO()
    started = time.perf_counter()
    with redirect_stdout(buffer):
        code = main(["diagnose", "--json", "--fail-on", "never"])
    elapsed = time.perf_counter() - started
    assert code == 0
    report = json.loads(buffer.getvalue())
    report["_elapsed"] = elapsed
    return report


def test_report_is_valid_and_names_this_interpreter(live_report: dict) -> None:  # type: ignore[type-arg]
    elapsed = live_report.pop("_elapsed")
    assert_valid_report(live_report)
    facts = live_report["facts"]
    assert facts["python"]["version"] == platform.python_version()
    assert (
        facts["os"]["system"]
        == {"Linux": "linux", "Darwin": "macos", "Windows": "windows"}[platform.system()]
    )
    # every probe reports an outcome; none may be silently missing
    names = {p["name"] for p in live_report["probes"]}
    assert {"host", "nvidia", "cuda_toolkit"} <= names
    assert elapsed < 30  # generous: a hung tool costs at most its timeout


def test_cuda_toolkit_matches_nvcc(live_report: dict) -> None:  # type: ignore[type-arg]
    toolkit = live_report["facts"]["cuda_toolkit"]
    nvcc = shutil.which("nvcc") or (
        "/usr/local/cuda/bin/nvcc" if os.path.exists("/usr/local/cuda/bin/nvcc") else None
    )
    if nvcc is None:
        assert toolkit["version"] is None
        assert "cuda_toolkit.version" in live_report["facts"]["reasons"]
        return
    out = subprocess.run([nvcc, "--version"], capture_output=True, text=True, timeout=30).stdout
    release = re.search(r"release (\d+\.\d+)", out)
    assert release is not None
    assert toolkit["version"] == release.group(1)


def test_driver_state_matches_the_kernel(live_report: dict) -> None:  # type: ignore[type-arg]
    gpu = live_report["facts"]["gpu"]
    if not os.path.exists("/proc/driver/nvidia/version") and not os.path.exists("/dev/nvidiactl"):
        # no NVIDIA kernel driver on this machine: never a guessed driver
        assert gpu["driver_version"] is None
        assert gpu["nvml_state"] in ("no_driver", "driver_not_loaded", "unavailable")
        assert gpu["devices"] == []
        assert "gpu.driver_version" in live_report["facts"]["reasons"]
    else:
        assert gpu["driver_version"]


def test_no_framework_was_imported() -> None:
    code = (
        "import sys; from envadvisor.cli import main; import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()): main(['diagnose', '--json'])\n"
        "print(sorted(m for m in ('torch', 'tensorflow', 'jax') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
