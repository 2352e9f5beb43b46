"""Run one framework's proof child and turn what it did into a :class:`FrameworkProof`.

The child (``_child.py``) runs under the diagnosed environment's own interpreter, in its own process
group, killed with the group at the time limit (:func:`envadvisor.probes._commands.run_bounded`). Its
output is read bounded. Only the lines that start with this run's random nonce are read as its
answer; a framework that prints garbage, floods its output, hangs, aborts or cannot be imported gives
an outcome (``failed``, ``timeout``, ``crashed``), never an exception here.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from envadvisor.model import FrameworkProof, ProofDevice, ProofOp
from envadvisor.probes._commands import BoundedResult, run_bounded

CHILD_SOURCE = Path(__file__).with_name("_child.py")
MAX_RESULT_BYTES = 1024 * 1024
MAX_TEXT = 300  # characters kept of any string the child reports
_OP_STATUSES = frozenset({"ok", "failed", "mismatch", "skipped"})
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit): ")


def child_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The user's environment (CUDA_VISIBLE_DEVICES, LD_LIBRARY_PATH, PYTHONPATH as they are), with the
    frameworks told not to grab most of the GPU's memory at start: the proof needs a few kilobytes,
    and the GPU may be shared with running jobs."""
    env = dict(environ)
    env.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
    env.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    env.pop("PYTHONINSPECT", None)  # would leave the child waiting at a prompt
    return env


def run_child(
    framework: str,
    *,
    python: str,
    timeout: float,
    environ: Mapping[str, str],
    keep: int = 64 * 1024,
) -> tuple[FrameworkProof, str]:
    """Run the proof of ``framework`` with the interpreter ``python``: (proof, the child's stderr text).

    The prediction and agreement are filled in later (:func:`envadvisor.proof.prove`)."""
    nonce = "envadvisor-proof-" + secrets.token_hex(8)
    if not python:
        return (
            FrameworkProof(
                outcome="failed",
                stage=None,
                exit_status="did not start",
                error_first="this Python does not name its interpreter (sys.executable is empty)",
            ),
            "",
        )
    source = CHILD_SOURCE.read_text(encoding="utf-8")
    # a stack dump shortly before the limit tells where a hang is (faulthandler, in the child)
    hang_dump = max(timeout - min(3.0, timeout * 0.2), 0.1)
    argv = [python, "-c", source, framework, nonce, f"{hang_dump:.3f}"]
    result = run_bounded(argv, timeout=timeout, environ=child_environment(environ), keep=keep)
    return _proof_from(result, nonce, timeout), result.stderr.text()


def _proof_from(result: BoundedResult, nonce: str, timeout: float) -> FrameworkProof:
    stdout = result.stdout.text()
    stderr = result.stderr.text()
    stage: str | None = None
    answer: dict[str, Any] | None = None
    stage_prefix = f"{nonce} stage "
    result_prefix = f"{nonce} result "
    for line in stdout.splitlines():
        if line.startswith(stage_prefix):
            stage = line[len(stage_prefix) :].strip()[:80] or stage
        elif line.startswith(result_prefix) and len(line) <= MAX_RESULT_BYTES:
            try:
                parsed = json.loads(line[len(result_prefix) :])
            except (ValueError, RecursionError):
                continue
            if isinstance(parsed, dict):
                answer = parsed
    seconds = round(result.seconds, 3)
    if result.error and not result.timed_out:  # could not start the interpreter at all
        return FrameworkProof(
            outcome="failed",
            seconds=seconds,
            exit_status="did not start",
            error_first=f"{os.path.basename(result.argv[0]) or 'python'} {result.error}",
            error_last=_text(result.argv[0]),
        )
    if result.timed_out:
        lines = _meaningful(stderr)
        return FrameworkProof(
            outcome="timeout",
            seconds=seconds,
            stage=stage,
            exit_status="killed at the time limit",
            error_first=f"no answer within {timeout:g} s (last step: {stage or 'before start'})",
            error_last=_innermost_frame(lines) or (lines[-1] if lines else None),
            gpu_usable=False if _in_gpu_step(stage) else None,
        )
    code = result.returncode
    if code is not None and _crashed(code):
        lines = _meaningful(stderr)
        fatal = next((ln for ln in lines if ln.startswith("Fatal Python error")), None)
        return FrameworkProof(
            outcome="crashed",
            seconds=seconds,
            stage=stage,
            exit_status=_exit_status(code),
            error_first=fatal or (lines[0] if lines else _exit_status(code)),
            error_last=_innermost_frame(lines) or (lines[-1] if lines else None),
            gpu_usable=False if _in_gpu_step(stage) else None,
        )
    if answer is None:
        lines = _meaningful(stderr)
        where = (
            f" (last step: {stage})" if stage else " before its first step (the interpreter did not start)"
        )
        return FrameworkProof(
            outcome="failed",
            seconds=seconds,
            stage=stage,
            exit_status=_exit_status(code),
            error_first=next((ln for ln in lines if ln.startswith("Fatal Python error")), None)
            or (lines[0] if lines else f"exited with {_exit_status(code)} without an answer{where}"),
            error_last=next((ln for ln in reversed(lines) if _EXCEPTION_LINE.match(ln)), None)
            or (lines[-1] if lines else None),
        )
    failed_at = _text(answer.get("failed_at"))
    return _from_answer(answer, seconds, failed_at[:80] if failed_at else stage, code)


def _from_answer(
    answer: Mapping[str, Any], seconds: float, stage: str | None, code: int | None
) -> FrameworkProof:
    ops = tuple(_op(item) for item in _list(answer.get("ops"))[:16] if isinstance(item, dict))
    devices = tuple(_device(item) for item in _list(answer.get("devices"))[:16] if isinstance(item, dict))
    import_error = answer.get("import_error") if isinstance(answer.get("import_error"), dict) else None
    fatal = answer.get("fatal_error") if isinstance(answer.get("fatal_error"), dict) else None
    errors = [e for e in _list(answer.get("errors")) if isinstance(e, dict)]
    bad_ops = [op for op in ops if op.status in ("failed", "mismatch")]
    failed = import_error is not None or fatal is not None or bool(bad_ops) or (code not in (0, None))
    first_error = import_error or fatal or (errors[0] if errors else None)
    cuda_available = _bool(answer.get("cuda_available"))
    gpu_ops = [op for op in ops if op.device not in (None, "cpu")]
    gpu_usable: bool | None
    if import_error is not None or (cuda_available is None and fatal is not None):
        gpu_usable = None  # never got to ask for a GPU
    elif cuda_available is False or fatal is not None:
        gpu_usable = False
    elif cuda_available is True:
        gpu_usable = bool(gpu_ops) and all(op.status == "ok" for op in gpu_ops)
    else:
        gpu_usable = None
    return FrameworkProof(
        outcome="failed" if failed else "ok",
        version=_text(answer.get("version")),
        cuda=_text(answer.get("cuda")),
        cudnn=_text(answer.get("cudnn")),
        nccl=_text(answer.get("nccl")),
        rocm=_text(answer.get("rocm")),
        cuda_available=cuda_available,
        device_count=_int(answer.get("device_count")),
        devices=devices,
        arch_list=tuple(t for a in _list(answer.get("arch_list"))[:64] if (t := _text(a))),
        ops=ops,
        gpu_usable=gpu_usable,
        seconds=seconds,
        stage=stage,
        exit_status=_exit_status(code) if code not in (0, None) else None,
        error_first=_text(first_error.get("first")) if first_error else None,
        error_last=_text(first_error.get("last")) if first_error else None,
    )


def _op(item: Mapping[str, Any]) -> ProofOp:
    status = item.get("status")
    diff = item.get("max_abs_diff")
    return ProofOp(
        name=_text(item.get("name")) or "op",
        device=_text(item.get("device")),
        status=status if status in _OP_STATUSES else "failed",
        seconds=_float(item.get("seconds")),
        max_abs_diff=_float(diff),
        detail=_text(item.get("detail")),
    )


def _device(item: Mapping[str, Any]) -> ProofDevice:
    return ProofDevice(
        index=_int(item.get("index")),
        name=_text(item.get("name")),
        compute_capability=_text(item.get("compute_capability")),
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).replace("\x00", "").strip()
    if not text:
        return None
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3] + "..."


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**6 else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _crashed(code: int) -> bool:
    if os.name == "nt":
        return code < 0 or code >= 0xC0000000  # NTSTATUS: access violation, stack overflow ...
    return code < 0


def _exit_status(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    if os.name == "nt" and code >= 0xC0000000:
        return f"exit status 0x{code:08X}"
    return f"exit status {code}"


def _in_gpu_step(stage: str | None) -> bool:
    """Whether the child was asking for or using a GPU (not importing) when it stopped."""
    if not stage:
        return False
    return stage == "devices" or (stage.startswith("op:") and not stage.endswith("@cpu"))


def _meaningful(text: str) -> list[str]:
    return [_text(line) or "" for line in text.splitlines() if line.strip()][-400:]


def _innermost_frame(lines: Sequence[str]) -> str | None:
    """In a faulthandler dump ("most recent call first"), the frame the child was in."""
    for i, line in enumerate(lines):
        if "most recent call first" in line:
            for frame in lines[i + 1 :]:
                if frame.lstrip().startswith("File "):
                    return frame.strip()
    return None
