"""``diagnose --deep`` with real child processes: fake frameworks that hang, abort, raise, exit, print
garbage, flood their output or drive a busy, full, hidden or wrong "GPU"; an interpreter that cannot
start; and the whole command end to end with the rest of the report intact.

Every child here is a real process running envadvisor's proof program under a real interpreter; only
the framework package it imports is a fake (see tests/deep_support.py). The real CPU torch build is
tested in tests/test_deep_real.py.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from envadvisor.engine import evaluate
from envadvisor.knowledge import load_knowledge
from envadvisor.model import Facts, Report, from_data
from envadvisor.probes._commands import run_bounded
from envadvisor.proof import prove
from envadvisor.proof.predict import predict
from envadvisor.proof.runner import run_child
from envadvisor.render.terminal import report_renderable
from tests.deep_support import processes_with, write_broken_framework, write_fake_torch
from tests.probe_support import make_dist
from tests.reliability_support import REPO, assert_one_line_error, run_cli, run_envadvisor, subprocess_env
from tests.rule_cases import build_facts, load_cases
from tests.schema_check import assert_valid_report

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="process groups and /proc are POSIX")


def env_with(site: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CUDA_VISIBLE_DEVICES")}
    env["PYTHONPATH"] = str(site)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def knowledge() -> Any:
    return load_knowledge()


@pytest.fixture(scope="module")
def gpu_facts() -> Facts:
    """The rule cases' healthy machine: RTX 4090, driver 570 (CUDA 12.8), torch 2.8.0+cu128."""
    return build_facts(load_cases()["base"], {})


# --------------------------------------------------------------------------------------------------
# The bounded runner
# --------------------------------------------------------------------------------------------------


def test_a_flood_is_drained_and_only_its_ends_are_kept() -> None:
    code = (
        "import os\n"
        "chunk = b'y' * 65535 + b'\\n'\n"
        "for _ in range(480): os.write(1, chunk); os.write(2, chunk)\n"
        "os.write(1, b'the last line\\n')\n"
    )
    started = time.perf_counter()
    result = run_bounded([sys.executable, "-c", code], timeout=30, environ=os.environ, keep=4096)
    assert result.returncode == 0 and result.error is None
    assert result.stdout.total == 480 * 65536 + len(b"the last line\n")  # 30 MiB went through
    assert len(result.stdout.head) + len(result.stdout.tail) <= 2 * 4096
    assert result.stdout.truncated and result.stdout.text().endswith("the last line\n")
    assert "bytes left out" in result.stdout.text()
    assert result.stderr.total == 480 * 65536
    assert time.perf_counter() - started < 20


def test_the_group_is_killed_at_the_limit_and_after_a_normal_exit() -> None:
    marker = f"envadvisor-test-{secrets.token_hex(6)}"
    sleeper = (
        "import subprocess, sys, time; "
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', {marker!r}])"
    )
    started = time.perf_counter()
    hung = run_bounded([sys.executable, "-c", sleeper + "; time.sleep(600)"], timeout=2, environ=os.environ)
    assert hung.timed_out and hung.returncode is None
    assert time.perf_counter() - started < 2 + 5
    exited = run_bounded([sys.executable, "-c", sleeper], timeout=20, environ=os.environ)
    assert exited.returncode == 0
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with(marker) == []


def test_a_program_that_cannot_start_is_an_error_not_an_exception(tmp_path: Path) -> None:
    missing = run_bounded([str(tmp_path / "no-such-python")], timeout=5, environ=os.environ)
    assert missing.returncode is None and missing.error == "cannot run: No such file or directory"
    not_executable = tmp_path / "python"
    not_executable.write_text("#!/bin/sh\n")
    denied = run_bounded([str(not_executable)], timeout=5, environ=os.environ)
    assert denied.error is not None and denied.error.startswith("cannot run: Permission denied")


# --------------------------------------------------------------------------------------------------
# One child per misbehaviour: each gives its outcome within the limit
# --------------------------------------------------------------------------------------------------


def test_an_import_that_hangs_is_a_timeout_with_the_frame_it_hung_in(tmp_path: Path) -> None:
    marker = f"envadvisor-test-{secrets.token_hex(6)}"
    write_broken_framework(tmp_path, "torch", "hang", marker=marker)
    started = time.perf_counter()
    proof, _ = run_child("torch", python=sys.executable, timeout=3, environ=env_with(tmp_path))
    elapsed = time.perf_counter() - started
    assert proof.outcome == "timeout" and elapsed < 3 + 4, elapsed
    assert proof.stage == "import"
    assert proof.exit_status == "killed at the time limit"
    assert proof.error_first == "no answer within 3 s (last step: import)"
    # faulthandler dumped the stack before the limit: the innermost frame is the fake's sleep
    assert proof.error_last is not None and "torch/__init__.py" in proof.error_last, proof.error_last
    assert proof.gpu_usable is None  # it never asked for a GPU
    assert processes_with(marker) == []  # the helper process it started died with the group


def test_an_import_that_aborts_is_a_crash(tmp_path: Path) -> None:
    write_broken_framework(tmp_path, "torch", "abort")
    proof, _ = run_child("torch", python=sys.executable, timeout=20, environ=env_with(tmp_path))
    assert proof.outcome == "crashed"
    assert proof.exit_status == "signal SIGABRT"
    assert proof.stage == "import"
    assert proof.error_first == "Fatal Python error: Aborted"
    assert proof.error_last is not None and "torch/__init__.py" in proof.error_last


def test_an_import_that_raises_is_a_failure_read_by_the_signature_library(
    tmp_path: Path, knowledge: Any, gpu_facts: Facts
) -> None:
    write_broken_framework(tmp_path, "torch", "raise")
    proven = prove(gpu_facts, (), environ=env_with(tmp_path), timeout=20, frameworks=("torch",))
    proof = proven.facts.proof.torch
    assert proof is not None and proof.outcome == "failed" and proof.stage == "import"
    message = "OSError: libcudnn.so.9: cannot open shared object file: No such file or directory"
    assert proof.error_first == message and proof.error_last == message
    assert proof.signatures == ("cuda-library-not-found",)
    assert proven.facts.evidence.signatures == ("cuda-library-not-found",)
    assert f"[torch] {message}" in proven.quotes["cuda-library-not-found"]
    # the GPU was never asked for: the prediction (usable) cannot be checked, so no disagreement
    assert proof.prediction.gpu_usable is True and proof.gpu_usable is None and proof.agrees is None
    findings = {f.code: f for f in evaluate(knowledge, proven.facts, quotes=proven.quotes).findings}
    assert "EA033" in findings and findings["EA033"].fix  # the library finding, with its why and fix
    assert f"[torch] {message}" in findings["EA033"].quotes
    assert "EA406" in findings and message in findings["EA406"].message
    assert "EA400" not in findings


def test_an_import_that_exits_and_a_framework_that_is_not_importable(tmp_path: Path) -> None:
    write_broken_framework(tmp_path, "torch", "exit")
    proof, _ = run_child("torch", python=sys.executable, timeout=20, environ=env_with(tmp_path))
    assert proof.outcome == "failed" and proof.exit_status == "exit status 3" and proof.stage == "import"
    assert proof.error_first == "exited with exit status 3 without an answer (last step: import)"

    import importlib.util

    absent = next((fw for fw in ("jax", "tensorflow") if importlib.util.find_spec(fw) is None), None)
    if absent is None:
        pytest.skip("JAX and TensorFlow are both installed here: no framework to miss")
    metadata_only = tmp_path / "metadata-only"
    make_dist(metadata_only, absent, "0.8.0")  # pip's record of it, but the package itself is gone
    proof, _ = run_child(absent, python=sys.executable, timeout=20, environ=env_with(metadata_only))
    assert proof.outcome == "failed" and proof.stage == "import" and proof.version is None
    assert proof.error_last == f"ModuleNotFoundError: No module named '{absent}'"


def test_garbage_and_a_flood_on_the_output_are_not_trusted(tmp_path: Path) -> None:
    write_fake_torch(tmp_path / "garbage", "cpu", garbage=True)
    proof, stderr = run_child(
        "torch", python=sys.executable, timeout=20, environ=env_with(tmp_path / "garbage")
    )
    assert proof.outcome == "ok", proof
    assert proof.version == "2.8.0+cu128"  # not the 9.9.9 of the look-alike line it printed
    assert proof.cuda_available is False and proof.gpu_usable is False
    assert "garbage on stderr" in stderr and '"outcome": "ok"' in stderr  # its prints went to stderr

    write_fake_torch(tmp_path / "flood", "cpu", flood_mib=40)
    started = time.perf_counter()
    proof, stderr = run_child(
        "torch", python=sys.executable, timeout=60, environ=env_with(tmp_path / "flood")
    )
    assert proof.outcome == "ok" and proof.version == "2.8.0+cu128"
    assert "bytes left out" in stderr and len(stderr) < 256 * 1024
    assert time.perf_counter() - started < 30


def test_an_interpreter_that_cannot_start(tmp_path: Path) -> None:
    proof, _ = run_child("torch", python=str(tmp_path / "bin" / "python"), timeout=10, environ=os.environ)
    assert proof.outcome == "failed" and proof.exit_status == "did not start"
    assert proof.error_first == "python cannot run: No such file or directory"

    # a real interpreter whose environment is broken: it dies before running a line of the proof
    broken = {**os.environ, "PYTHONHOME": str(tmp_path / "no-such-home")}
    proof, _ = run_child("torch", python=sys.executable, timeout=20, environ=broken)
    assert proof.outcome == "failed" and proof.stage is None and proof.exit_status == "exit status 1"
    assert proof.error_first is not None and proof.error_first.startswith("Fatal Python error")
    assert proof.error_last == "ModuleNotFoundError: No module named 'encodings'"

    proof, _ = run_child("torch", python="", timeout=10, environ=os.environ)
    assert (
        proof.outcome == "failed" and proof.error_first is not None and "sys.executable" in proof.error_first
    )


# --------------------------------------------------------------------------------------------------
# A "GPU" (fake torch) held against the prediction of a GPU machine's facts
# --------------------------------------------------------------------------------------------------


def _prove_fake(tmp_path: Path, mode: str, facts: Facts, **env: str) -> tuple[Any, dict[str, Any], Facts]:
    write_fake_torch(tmp_path, mode)
    knowledge = load_knowledge()
    static = evaluate(knowledge, facts).findings
    proven = prove(facts, static, environ=env_with(tmp_path, **env), timeout=30, frameworks=("torch",))
    findings = {f.code: f for f in evaluate(knowledge, proven.facts, quotes=proven.quotes).findings}
    assert proven.facts.proof.torch is not None
    return proven.facts.proof.torch, findings, proven.facts


def test_a_working_gpu_agrees_with_the_prediction(tmp_path: Path, gpu_facts: Facts) -> None:
    proof, findings, facts = _prove_fake(tmp_path, "ok", gpu_facts)
    assert proof.outcome == "ok" and proof.agrees is True
    assert proof.prediction.gpu_usable is True and proof.prediction.reason == "ready"
    assert "frameworks.torch.cuda=12.8" in proof.prediction.basis
    assert [(d.name, d.compute_capability) for d in proof.devices] == [("NVIDIA H200", "9.0")]
    assert (proof.cuda, proof.cudnn, proof.nccl) == ("12.8", "9.10.2", "2.27.3")
    assert [(op.name, op.device, op.status) for op in proof.ops] == [
        ("matmul", "cpu", "ok"),
        ("matmul", "cuda:0", "ok"),
        ("cudnn-conv2d", "cuda:0", "ok"),
    ]
    assert facts.frameworks.torch.cuda_available is True
    assert facts.frameworks.torch.arch_list == ("sm_80", "sm_90", "sm_100", "sm_120")
    assert "diagnose --deep" in facts.sources["frameworks.torch.cuda_available"]
    assert not {code for code in findings if code.startswith("EA40")}


@pytest.mark.parametrize(
    ("mode", "signature", "detail"),
    [
        (
            "busy",
            "cuda-device-busy",
            "RuntimeError: CUDA error: CUDA-capable device(s) is/are busy or unavailable",
        ),
        ("oom", "cuda-out-of-memory", "OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 MiB."),
        ("wrong", None, "differs from the CPU result by 0.5 (tolerance"),
    ],
)
def test_a_busy_full_or_wrong_gpu_disagrees_with_the_prediction(
    tmp_path: Path, gpu_facts: Facts, mode: str, signature: str | None, detail: str
) -> None:
    proof, findings, _ = _prove_fake(tmp_path, mode, gpu_facts)
    assert proof.outcome == "failed" and proof.gpu_usable is False and proof.agrees is False
    gpu_ops = [op for op in proof.ops if op.device == "cuda:0"]
    assert gpu_ops[0].status == ("mismatch" if mode == "wrong" else "failed")
    assert gpu_ops[0].detail is not None and detail in gpu_ops[0].detail, gpu_ops[0].detail
    assert "EA400" in findings and "worth reporting" in findings["EA400"].message
    assert "EA406" not in findings  # the disagreement says it, with the error lines
    if signature:
        assert signature in proof.signatures and "EA409" in findings
    else:
        assert gpu_ops[0].max_abs_diff == pytest.approx(0.5)


def test_cuda_visible_devices_hiding_every_gpu(tmp_path: Path, gpu_facts: Facts, knowledge: Any) -> None:
    from envadvisor.model import replace

    hidden = replace(gpu_facts, gpu=replace(gpu_facts.gpu, cuda_visible_devices=""))
    proof, findings, _ = _prove_fake(tmp_path, "ok", hidden, CUDA_VISIBLE_DEVICES="")
    assert proof.prediction.gpu_usable is False and proof.prediction.reason == "gpus-hidden"
    assert proof.cuda_available is False and proof.gpu_usable is False and proof.agrees is True
    assert "EA005" in findings and not {code for code in findings if code.startswith("EA40")}


def test_a_gpu_that_works_against_a_prediction_of_no(tmp_path: Path, gpu_facts: Facts) -> None:
    from envadvisor.model import replace

    old_driver = replace(
        gpu_facts, gpu=replace(gpu_facts.gpu, driver_version="470.82.01", driver_cuda="11.4")
    )
    proof, findings, _ = _prove_fake(tmp_path, "ok", old_driver)
    assert proof.prediction.gpu_usable is False and proof.prediction.reason == "blocked"
    assert any(item.startswith("EA010 ") for item in proof.prediction.basis)
    assert proof.gpu_usable is True and proof.agrees is False
    assert "EA403" in findings and "false alarm" in findings["EA403"].message


def test_predictions_from_the_facts_alone(gpu_facts: Facts) -> None:
    from envadvisor.model import replace

    assert predict(gpu_facts, (), "torch").gpu_usable is True
    no_driver = replace(gpu_facts, gpu=replace(gpu_facts.gpu, nvml_state="no_driver", devices=(), count=0))
    assert predict(no_driver, (), "torch").reason == "no-nvidia-gpu"
    unknown = replace(gpu_facts, gpu=replace(gpu_facts.gpu, nvml_state=None, driver_version=None, devices=()))
    assert predict(unknown, (), "torch").gpu_usable is None
    rocm = replace(
        gpu_facts,
        frameworks=replace(
            gpu_facts.frameworks,
            torch=replace(gpu_facts.frameworks.torch, cuda=None, hip="6.4", variant="rocm6.4"),
        ),
    )
    assert predict(rocm, (), "torch").reason == "rocm-build"
    cpu_jax = replace(
        gpu_facts,
        frameworks=replace(
            gpu_facts.frameworks, jax=replace(gpu_facts.frameworks.jax, version="0.8.0", jaxlib="0.8.0")
        ),
    )
    assert predict(cpu_jax, (), "jax").reason == "cpu-build"


# --------------------------------------------------------------------------------------------------
# The whole command: three misbehaving frameworks, one report
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deep_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], float, str]:
    site = tmp_path_factory.mktemp("deep-site")
    marker = f"envadvisor-test-{secrets.token_hex(6)}"
    write_broken_framework(site, "torch", "hang", marker=marker)
    write_broken_framework(site, "tensorflow", "abort")
    write_broken_framework(site, "jax", "raise")
    env = subprocess_env({"PYTHONPATH": f"{site}{os.pathsep}{REPO / 'src'}"})
    started = time.perf_counter()
    done = run_envadvisor(["diagnose", "--deep", "--deep-timeout", "3", "--json"], env, timeout=120)
    elapsed = time.perf_counter() - started
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout), elapsed, marker


def test_each_bad_framework_gives_its_outcome_and_the_report_stays_whole(
    deep_report: tuple[dict[str, Any], float, str],
) -> None:
    data, elapsed, marker = deep_report
    assert_valid_report(data)
    proof = data["facts"]["proof"]
    assert proof["timeout"] == 3
    assert (proof["torch"]["outcome"], proof["tensorflow"]["outcome"], proof["jax"]["outcome"]) == (
        "timeout",
        "crashed",
        "failed",
    )
    assert proof["tensorflow"]["exit_status"] == "signal SIGABRT"
    assert proof["jax"]["signatures"] == ["cuda-library-not-found"]
    assert elapsed < 3 + 15, elapsed  # one time limit, two quick failures, start-up
    assert processes_with(marker) == []
    facts = data["facts"]
    assert facts["os"]["system"] == "linux" and facts["python"]["version"]
    assert facts["packages"]["torch"]["version"] == "2.8.0+cu128"
    assert facts["frameworks"]["torch"]["cuda"] == "12.8"
    codes = {f["code"] for f in data["findings"]}
    assert {"EA406", "EA407", "EA408", "EA033"} <= codes
    # the three proofs ran on a machine without a GPU: all predicted "not usable", none disagreed
    assert all(proof[fw]["prediction"]["gpu_usable"] is False for fw in ("torch", "tensorflow", "jax"))
    assert "gpu.nvml_state=no_driver" in proof["torch"]["prediction"]["basis"]
    assert proof["jax"]["prediction"]["reason"] == "cpu-build"  # no jax-cuda plugin installed
    assert all(proof[fw]["agrees"] is None for fw in ("torch", "tensorflow", "jax"))


def test_the_proof_section_in_english_and_chinese(deep_report: tuple[dict[str, Any], float, str]) -> None:
    report = from_data(Report, deep_report[0])
    for lang, words in (
        ("en", ("Proof:", "timeout", "crashed", "failed", "signal SIGABRT", "predicted: GPU not usable")),
        ("zh", ("实测：", "超时", "崩溃", "失败", "signal SIGABRT", "预测：GPU 不可用")),
    ):
        stream = io.StringIO()
        Console(file=stream, width=120, no_color=True).print(report_renderable(report, lang))
        text = stream.getvalue()
        for word in words:
            assert word in text, (lang, word)


def test_fleet_counts_the_nodes_whose_proof_failed_or_disagreed(
    deep_report: tuple[dict[str, Any], float, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(json.dumps(deep_report[0]))
    data["facts"]["os"]["hostname"] = None  # the file names the node
    (tmp_path / "gpu-07.json").write_text(json.dumps(data))
    healthy = json.loads(json.dumps(data))
    for fw in ("torch", "tensorflow", "jax"):
        healthy["facts"]["proof"][fw].update(outcome="ok", agrees=True)
    healthy["facts"]["proof"]["torch"]["agrees"] = False
    (tmp_path / "gpu-08.json").write_text(json.dumps(healthy))
    del healthy["facts"]["proof"]  # a report without --deep
    (tmp_path / "gpu-09.json").write_text(json.dumps(healthy))
    _, out, _ = run_cli(["fleet", str(tmp_path), "--json"], capsys)
    summary = json.loads(out)["proof"]
    assert summary["nodes"] == 2
    assert summary["failed"] == {
        "jax: failed": ["gpu-07"],
        "tensorflow: crashed": ["gpu-07"],
        "torch: timeout": ["gpu-07"],
    }
    assert summary["disagreed"] == {"torch": ["gpu-08"]}
    assert summary["problem_nodes"] == ["gpu-07", "gpu-08"]
    for lang, needle in (
        ("en", "2 node(s) ran their frameworks; 2 of them failed"),
        ("zh", "2 个节点实际运行了框架"),
    ):
        _, out, _ = run_cli(["fleet", str(tmp_path), "--lang", lang], capsys)
        assert needle in out, out


def test_without_deep_nothing_is_run_and_the_proof_code_is_not_loaded(tmp_path: Path) -> None:
    check = (
        "import sys, json, io, contextlib\n"
        "from envadvisor.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out): main(['diagnose', '--json'])\n"
        "data = json.loads(out.getvalue())\n"
        "assert all(v is None for k, v in data['facts']['proof'].items()), data['facts']['proof']\n"
        "loaded = [m for m in sys.modules\n"
        "          if m.startswith('envadvisor.proof') or m == 'envadvisor.render.proof']\n"
        "assert loaded == [], loaded\n"
        "print('clean')\n"
    )
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", check],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.strip() == "clean", done.stderr


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (
            ["diagnose", "--deep", "--from", "report.txt"],
            "--deep runs the frameworks on this machine; it cannot prove --from",
        ),
        (["diagnose", "--deep", "--no-gpu"], "cannot prove --no-gpu"),
        (["diagnose", "--deep-timeout", "5"], "--deep-timeout needs --deep"),
        (["diagnose", "--deep", "--deep-timeout", "0"], "give between 1 and 3600 seconds"),
        (["diagnose", "--deep", "--deep-timeout", "soon"], "is not a number of seconds"),
    ],
)
def test_deep_option_mistakes_are_one_line(
    argv: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(argv, capsys)
    assert_one_line_error(code, err, needle)


def test_redact_reaches_the_proof(tmp_path: Path, gpu_facts: Facts) -> None:
    from envadvisor import __version__
    from envadvisor.model import Origin, to_data
    from envadvisor.redact import redact_report

    package = write_broken_framework(tmp_path, "torch", "raise")
    home_path = "/home/alice-in-lab/envs/train/lib/libcudnn.so.9"
    (package / "__init__.py").write_text(f"raise OSError('{home_path}: cannot open shared object file')\n")
    proven = prove(gpu_facts, (), environ=env_with(tmp_path), timeout=20, frameworks=("torch",))
    proof = proven.facts.proof.torch
    assert proof is not None and proof.error_last is not None and "alice-in-lab" in proof.error_last
    report = Report(tool_version=__version__, origin=Origin(kind="machine"), facts=proven.facts)
    text = json.dumps(to_data(redact_report(report)))
    assert "alice-in-lab" not in text and "/home/[redacted]/envs/train/lib/libcudnn.so.9" in text
