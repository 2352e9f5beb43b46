"""The rules engine: facts in, findings out. Pure (no I/O), deterministic, stable order.

Each rule's ``when`` is evaluated with three-valued logic (:mod:`envadvisor.conditions`): true gives a
:class:`~envadvisor.model.Finding` carrying the evidence (fact key -> value) that made it fire; unknown
gives a :class:`~envadvisor.model.NotEvaluated` listing the facts that were missing, never a false
alarm; false gives nothing. A rule may name others in ``suppressed_by`` (a signature-only rule yields to
the rule that explains the same problem from facts). Findings are ordered by severity, then code.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any

from envadvisor.conditions import Context, render_template
from envadvisor.knowledge import Knowledge, Rule, Tables
from envadvisor.model import Facts, Finding, NotEvaluated
from envadvisor.records import record


@record
class Evaluation:
    findings: tuple[Finding, ...]
    not_evaluated: tuple[NotEvaluated, ...]


def evaluate(
    knowledge: Knowledge,
    facts: Facts,
    *,
    today: _dt.date | None = None,
    quotes: Mapping[str, tuple[str, ...]] | None = None,
    lang: str = "en",
    remedies: str = "commands",
) -> Evaluation:
    """Run every rule over ``facts``. ``today`` (default: the system date) decides end-of-life rules;
    ``quotes`` (fact key or signature id -> report lines, from a pasted report) are attached to findings.
    ``lang='zh'`` renders message/why/fix from a rule's Chinese text where it has one. ``remedies``
    says what computed fixes are: ``commands`` to run on the machine, or ``file`` (``check``): the lines
    to write in the environment file."""
    day = today or _dt.date.today()
    fired: dict[str, Finding] = {}
    unknown: dict[str, NotEvaluated] = {}
    source = _LazyRemedies(facts, knowledge.tables, remedies)
    for rule in knowledge.rules:
        ctx = Context(facts=facts, tables=knowledge.tables, today=day, remedies=source)
        outcome = rule.when.evaluate(ctx)
        if outcome.value is True:
            fired[rule.code] = _finding(rule, ctx, quotes or {}, lang)
        elif outcome.value is None:
            missing = tuple(sorted(outcome.missing))
            unknown[rule.code] = NotEvaluated(code=rule.code, name=rule.name, missing=missing)
    by_code = {r.code: r for r in knowledge.rules}
    for code in list(fired) + list(unknown):
        if any(s in fired for s in by_code[code].suppressed_by):
            fired.pop(code, None)
            unknown.pop(code, None)
    findings = sorted(fired.values(), key=lambda f: (-f.severity.rank, f.code))
    not_evaluated = tuple(sorted(unknown.values(), key=lambda n: n.code))
    return Evaluation(findings=tuple(findings), not_evaluated=not_evaluated)


class _LazyRemedies:
    """The computed fixes of one evaluation; the decision behind them loads only when a fired rule's fix
    asks for one (most runs never do, and ``diagnose`` start-up stays fast)."""

    def __init__(self, facts: Facts, tables: Tables, mode: str) -> None:
        self._facts = facts
        self._tables = tables
        self._mode = mode
        self._remedies: Any = None

    def value(self, name: str, lang: str, derived: Mapping[str, str]) -> str | None:
        if self._remedies is None:
            from envadvisor.remedies import Remedies

            self._remedies = Remedies(self._facts, self._tables, self._mode)
        value: str | None = self._remedies.value(name, lang, derived)
        return value


def target_system(facts: Facts) -> str | None:
    """The OS key fix lines are written for: linux, wsl, windows, macos (None: not known)."""
    system = (facts.os.system or "").lower()
    if system == "linux" and facts.os.wsl:
        return "wsl"
    return system if system in ("linux", "windows", "macos") else None


def _finding(rule: Rule, ctx: Context, quotes: Mapping[str, tuple[str, ...]], lang: str) -> Finding:
    zh = rule.zh if lang == "zh" else {}
    message = render_template(str(zh.get("message", rule.message)), ctx, lang) or ""
    fix = fix_lines(rule, ctx, lang)
    lines: list[str] = []
    for key, value in ctx.evidence.items():
        ids = value if key == "evidence.signatures" and isinstance(value, list) else [key]
        for ident in ids:
            for line in quotes.get(str(ident), ()):
                if line not in lines:
                    lines.append(line)
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=rule.severity,
        category=rule.category,
        message=message,
        why=render_template(str(zh.get("why", rule.why)), ctx, lang) or "",
        fix=fix,
        references=rule.references,
        terms=rule.terms,
        evidence=dict(ctx.evidence),
        quotes=tuple(lines),
    )


def fix_lines(rule: Rule, ctx: Context, lang: str) -> tuple[str, ...]:
    """The rule's fix lines for these facts: lines for another OS are left out, placeholders filled
    (a line whose value is unknown is left out too); with the OS unknown, a line for some OSes only says
    which."""
    zh = rule.zh if lang == "zh" else {}
    steps = zh.get("fix", rule.fix)
    system = target_system(ctx.facts)
    out = []
    for step, on in zip(steps, rule.fix_on, strict=True):
        if on and system is not None and system not in on:
            continue
        text = render_template(str(step), ctx, lang, drop_when_unknown=True)
        if text is None:
            continue
        if on and system is None:
            text = f"{os_label(on, lang)}{text}"
        out.append(text)
    return tuple(out)


_OS_NAMES = {"linux": "Linux", "wsl": "WSL2", "windows": "Windows", "macos": "macOS"}


def os_label(on: Iterable[str], lang: str) -> str:
    names = "/".join(_OS_NAMES.get(o, o) for o in on)
    return f"（{names}）" if lang == "zh" else f"({names}) "
