"""The "Proof" section of the terminal report: what ``diagnose --deep`` saw each framework do.

One block of short lines per framework (not a wide table), so it reads the same in a narrow terminal:
the outcome and time, the build as the framework states it, the GPUs it saw, each tiny op, the error
lines, and the prediction of the static rules next to the result.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from envadvisor.model import FrameworkProof, ProofFacts

LABELS = {"torch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX"}

UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "Proof: each installed framework run on this machine "
        "(diagnose --deep, up to {timeout} s each)",
        "build": "build",
        "cpu_only": "no CUDA",
        "gpus": "GPUs seen",
        "no_gpu": "none",
        "ops": "ops",
        "error": "error",
        "predicted": "predicted",
        "result": "result",
        "usable": "GPU usable",
        "unusable": "GPU not usable",
        "unknown": "unknown",
        "agrees": "agrees with the prediction",
        "disagrees": "DISAGREES with the prediction: worth reporting (see the findings)",
        "no_verdict": "cannot be compared (one side is unknown)",
        "step": "last step",
        "in": "in",
        "seconds": "s",
        "colon": ": ",
        "diff": "diff",
        "ok": "ok",
        "failed": "failed",
        "timeout": "timeout",
        "crashed": "crashed",
        "mismatch": "WRONG RESULT",
        "skipped": "skipped",
    },
    "zh": {
        "title": "实测：在本机实际运行每个已安装的框架（diagnose --deep，每个最多 {timeout} 秒）",
        "build": "构建",
        "cpu_only": "无 CUDA",
        "gpus": "看到的 GPU",
        "no_gpu": "无",
        "ops": "运算",
        "error": "错误",
        "predicted": "预测",
        "result": "实际",
        "usable": "GPU 可用",
        "unusable": "GPU 不可用",
        "unknown": "未知",
        "agrees": "与预测一致",
        "disagrees": "与预测不一致：值得报告（见下方问题）",
        "no_verdict": "无法比较（有一方未知）",
        "step": "最后的步骤",
        "in": "用时",
        "seconds": "秒",
        "colon": "：",
        "diff": "误差",
        "ok": "通过",
        "failed": "失败",
        "timeout": "超时",
        "crashed": "崩溃",
        "mismatch": "结果错误",
        "skipped": "跳过",
    },
}

_OUTCOME_STYLE = {"ok": "green", "failed": "bold red", "timeout": "bold red", "crashed": "bold red"}
_OP_STYLE = {"ok": "green", "failed": "red", "mismatch": "bold red", "skipped": "dim"}


def has_proof(proofs: ProofFacts) -> bool:
    return any(getattr(proofs, name) is not None for name in LABELS)


def proof_section(proofs: ProofFacts, lang: str = "en") -> RenderableType:
    ui = UI[lang]
    timeout = f"{proofs.timeout:g}" if proofs.timeout else "60"
    parts: list[RenderableType] = [Text(ui["title"].format(timeout=timeout), style="bold underline")]
    for name, label in LABELS.items():
        proof = getattr(proofs, name)
        if proof is not None:
            parts.append(framework_block(label, proof, lang))
    return Group(*parts)


def framework_block(label: str, proof: FrameworkProof, lang: str = "en") -> Text:
    ui = UI[lang]
    text = Text()
    text.append(f"  {label} {proof.version or ''}".rstrip() + "  ", style="bold")
    text.append(ui.get(proof.outcome, proof.outcome), style=_OUTCOME_STYLE.get(proof.outcome, ""))
    if proof.seconds is not None:
        text.append(f"  {ui['in']} {proof.seconds:.1f} {ui['seconds']}")
    if proof.outcome != "ok" and proof.stage:
        text.append(
            f"  ({ui['step']}: {proof.stage}" + (f", {proof.exit_status}" if proof.exit_status else "") + ")"
        )
    text.append("\n")
    build = [
        f"{name} {value}"
        for name, value in (
            ("CUDA", proof.cuda),
            ("cuDNN", proof.cudnn),
            ("NCCL", proof.nccl),
            ("ROCm", proof.rocm),
        )
        if value
    ]
    if proof.version:
        text.append(f"    {ui['build']}{ui['colon']}{', '.join(build) or ui['cpu_only']}\n")
    if proof.cuda_available is not None:
        devices = ", ".join(
            f"{d.name or '?'}" + (f" (CC {d.compute_capability})" if d.compute_capability else "")
            for d in proof.devices
        )
        seen = devices or ui["no_gpu"]
        if proof.device_count and proof.device_count > len(proof.devices):
            seen += f" (+{proof.device_count - len(proof.devices)})"
        text.append(f"    {ui['gpus']}{ui['colon']}{seen}\n")
    if proof.ops:
        text.append(f"    {ui['ops']}{ui['colon']}")
        for i, op in enumerate(proof.ops):
            if i:
                text.append("; ")
            text.append(f"{op.name} @ {op.device or '?'} ")
            text.append(ui.get(op.status, op.status), style=_OP_STYLE.get(op.status, ""))
            if op.status == "mismatch" and op.max_abs_diff is not None:
                text.append(f" ({ui['diff']} {op.max_abs_diff:.3g})")
        text.append("\n")
    if proof.error_first or proof.error_last:
        lines = [ln for ln in dict.fromkeys((proof.error_first, proof.error_last)) if ln]
        text.append(f"    {ui['error']}{ui['colon']}", style="bold")
        text.append(" | ".join(lines) + "\n", style="italic")
    prediction = proof.prediction
    text.append(f"    {ui['predicted']}{ui['colon']}{_usable(prediction.gpu_usable, ui)}")
    reason = _reason(prediction.reason, lang)
    if reason:
        text.append(f" ({reason}")
        text.append(f"; {', '.join(prediction.basis)})" if prediction.basis else ")")
    text.append("\n")
    text.append(f"    {ui['result']}{ui['colon']}{_usable(proof.gpu_usable, ui)} -> ")
    if proof.agrees is True:
        text.append(ui["agrees"], style="green")
    elif proof.agrees is False:
        text.append(ui["disagrees"], style="bold red")
    else:
        text.append(ui["no_verdict"], style="yellow")
    return text


def _usable(value: bool | None, ui: dict[str, str]) -> str:
    return ui["usable"] if value is True else ui["unusable"] if value is False else ui["unknown"]


def _reason(code: str | None, lang: str) -> str | None:
    from envadvisor.proof.predict import REASONS

    if code is None or code not in REASONS:
        return code
    english, chinese = REASONS[code]
    return chinese if lang == "zh" else english
