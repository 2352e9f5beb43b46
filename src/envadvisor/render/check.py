"""``envadvisor check`` for a terminal: what the file installs, on which target, then the findings.

The findings are drawn as ``diagnose`` draws them (:class:`envadvisor.render.terminal.FindingView`),
so both fit any width from 60 columns up and ``--brief`` means the same in both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.text import Text

from envadvisor.model import Severity
from envadvisor.render.terminal import SEVERITY_LABEL, UI, FindingView, finding_brief
from envadvisor.render.wrap import Wrap

if TYPE_CHECKING:
    from envadvisor.model import Facts

CHECK_UI: dict[str, dict[str, Any]] = {
    "en": {
        "title": "envadvisor check: {path}",
        "target": "Target: {target}",
        "no_gpu": "no NVIDIA GPU",
        "driver": "driver {version}",
        "installs": "Installs: {what}",
        "not_checked": "Not checked: {spec}{where}: {reason}",
        "line": " (line {line})",
        "ok": "No problems found.",
        "not_evaluated": "Not evaluated (facts unknown): {items}",
    },
    "zh": {
        "title": "envadvisor 检查：{path}",
        "target": "目标机器：{target}",
        "no_gpu": "没有 NVIDIA GPU",
        "driver": "驱动 {version}",
        "installs": "将安装：{what}",
        "not_checked": "未检查：{spec}{where}：{reason}",
        "line": "（第 {line} 行）",
        "ok": "没有发现问题。",
        "not_evaluated": "未评估（事实未知）：{items}",
    },
}


def _words(lang: str) -> dict[str, Any]:
    return CHECK_UI.get(lang, CHECK_UI["en"])


def describe_target(facts: Facts, lang: str) -> str:
    words = _words(lang)
    system = " ".join(str(x) for x in (facts.os.system, facts.os.arch) if x) or "?"
    cc = "CC" if lang == "en" else "计算能力"
    gpus = (
        ", ".join(
            f"{d.name or 'GPU'} ({cc} {d.compute_capability})" if d.compute_capability else (d.name or "GPU")
            for d in facts.gpu.devices
        )
        or words["no_gpu"]
    )
    parts = [system, gpus]
    if facts.gpu.driver_version:
        parts.append(words["driver"].format(version=facts.gpu.driver_version))
    return ("; " if lang == "en" else "；").join(parts)


def _installs(result: Any) -> list[str]:
    from envadvisor.resolve import describe

    return describe(result.installed, result.env_facts)


def check_renderable(result: Any, path: str, lang: str = "en", brief: bool = False) -> RenderableType:
    """The check result: title, target, what the file installs, each finding, what was not evaluated."""
    words = _words(lang)
    ui = UI[lang]
    parts: list[RenderableType] = [Wrap(words["title"].format(path=path), style="bold")]
    parts.append(Wrap(words["target"].format(target=describe_target(result.env_facts, lang))))
    installs = _installs(result)
    if installs:
        parts.append(Wrap(words["installs"].format(what=("; " if lang == "en" else "；").join(installs))))
    for nc in result.installed.not_checked:
        where = words["line"].format(line=nc.line) if nc.line else ""
        parts.append(
            Wrap(words["not_checked"].format(spec=nc.spec, where=where, reason=nc.reason(lang)), style="dim")
        )
    parts.append(Text(""))
    parts.append(Text(ui["findings"], style="bold underline"))
    if not result.findings:
        parts.append(Text(words["ok"], style="green"))
    why_seen: dict[str, str] = {}
    for finding in result.findings:
        if brief:
            parts.append(finding_brief(finding, lang))
            continue
        earlier = why_seen.get(finding.why.strip())
        why_seen.setdefault(finding.why.strip(), finding.code)
        parts.append(FindingView(finding, lang, why_shown_for=earlier))
    counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
    parts.append(
        Wrap(
            ui["summary"].format(
                errors=counts[Severity.ERROR], warnings=counts[Severity.WARNING], infos=counts[Severity.INFO]
            )
        )
    )
    if brief:
        if result.findings:
            parts.append(Wrap(ui["more_in_full"], style="dim"))
    elif result.not_evaluated:
        items = ", ".join(f"{n.code} ({', '.join(n.missing)})" for n in result.not_evaluated)
        parts.append(Wrap(words["not_evaluated"].format(items=items), style="dim"))
    return Group(*parts)


__all__ = ["SEVERITY_LABEL", "check_renderable", "describe_target"]
