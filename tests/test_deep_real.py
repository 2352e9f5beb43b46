"""``diagnose --deep`` with the real CPU build of torch (``pip install torch==2.13.0``), when installed.

One run of the whole command, shared by every assertion (importing torch costs seconds on the 2-core
test machine). It runs with ``CUDA_VISIBLE_DEVICES`` set to hide every GPU, as a job scheduler does;
on a machine without a GPU the answer is the same, and torch must still import and compute.
"""

from __future__ import annotations

import importlib.util
import io
import json
import time
from typing import Any

import pytest
from rich.console import Console

from envadvisor.model import Report, from_data
from envadvisor.render.terminal import report_renderable
from tests.reliability_support import run_envadvisor, subprocess_env
from tests.schema_check import assert_valid_report

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="torch is not installed (CI installs torch==2.13.0)"
)


@pytest.fixture(scope="module")
def real_run() -> tuple[dict[str, Any], float]:
    # the child imports torch from this interpreter's own environment, as a user's program would
    env = subprocess_env({"CUDA_VISIBLE_DEVICES": ""})
    started = time.perf_counter()
    done = run_envadvisor(["diagnose", "--deep", "--json"], env, timeout=180)
    elapsed = time.perf_counter() - started
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout), elapsed


def test_cpu_torch_imports_computes_and_agrees_with_the_prediction(
    real_run: tuple[dict[str, Any], float],
) -> None:
    data, elapsed = real_run
    assert_valid_report(data)
    facts = data["facts"]
    proof = facts["proof"]["torch"]
    print(f"\ntorch child {proof['seconds']} s, whole diagnose --deep {elapsed:.1f} s")
    assert proof["outcome"] == "ok", proof
    assert proof["version"] == facts["frameworks"]["torch"]["version"]  # the static probe read it right
    assert proof["cuda"] is None and proof["cuda_available"] is False and proof["device_count"] == 0
    assert [(op["name"], op["device"], op["status"], op["max_abs_diff"]) for op in proof["ops"]] == [
        ("matmul", "cpu", "ok", 0.0)
    ]
    assert proof["gpu_usable"] is False
    assert proof["prediction"]["gpu_usable"] is False and proof["prediction"]["reason"] == "cpu-build"
    assert proof["agrees"] is True
    assert proof["error_first"] is None and proof["stage"] == "done"
    assert 0 < proof["seconds"] < 60
    # what torch said about itself becomes a fact, with its source
    assert facts["frameworks"]["torch"]["cuda_available"] is False
    assert "diagnose --deep" in facts["sources"]["frameworks.torch.cuda_available"]
    assert facts["proof"]["tensorflow"] is None or facts["frameworks"]["tensorflow"]["version"]
    assert not [f["code"] for f in data["findings"] if f["code"].startswith("EA40")]


def test_the_real_proof_in_the_terminal(real_run: tuple[dict[str, Any], float]) -> None:
    report = from_data(Report, real_run[0])
    for lang, words in (
        ("en", ("Proof:", "PyTorch 2.13.0", "matmul @ cpu ok", "agrees with the prediction")),
        ("zh", ("实测：", "PyTorch 2.13.0", "matmul @ cpu 通过", "与预测一致")),
    ):
        stream = io.StringIO()
        Console(file=stream, width=120, no_color=True).print(report_renderable(report, lang))
        for word in words:
            assert word in stream.getvalue(), (lang, word)
