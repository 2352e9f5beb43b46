"""The rules engine: facts in, findings out. Pure (no I/O), deterministic, stable order.

Each rule's ``when`` is evaluated with three-valued logic (:mod:`envadvisor.conditions`): true gives a
:class:`~envadvisor.model.Finding` carrying the evidence (fact key -> value) that made it fire; unknown
gives a :class:`~envadvisor.model.NotEvaluated` listing the facts that were missing, never a false
alarm; false gives nothing. A rule may name others in ``suppressed_by`` (a signature-only rule yields to
the rule that explains the same problem from facts). Findings are ordered by severity, then code.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

from envadvisor.conditions import Context, render_template
from envadvisor.knowledge import Knowledge, Rule
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
) -> Evaluation:
    """Run every rule over ``facts``. ``today`` (default: the system date) decides end-of-life rules;
    ``quotes`` (fact key or signature id -> report lines, from a pasted report) are attached to findings.
    ``lang='zh'`` renders message/why/fix from a rule's Chinese text where it has one."""
    day = today or _dt.date.today()
    fired: dict[str, Finding] = {}
    unknown: dict[str, NotEvaluated] = {}
    for rule in knowledge.rules:
        ctx = Context(facts=facts, tables=knowledge.tables, today=day)
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


def _finding(rule: Rule, ctx: Context, quotes: Mapping[str, tuple[str, ...]], lang: str) -> Finding:
    zh = rule.zh if lang == "zh" else {}
    message = render_template(str(zh.get("message", rule.message)), ctx, lang)
    fix = tuple(render_template(str(step), ctx, lang) for step in zh.get("fix", rule.fix))
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
        why=render_template(str(zh.get("why", rule.why)), ctx, lang),
        fix=fix,
        references=rule.references,
        terms=rule.terms,
        evidence=dict(ctx.evidence),
        quotes=tuple(lines),
    )
