"""Every rule fires on one machine, stays quiet on another and is "not evaluated" on a third."""

from __future__ import annotations

from typing import Any

import pytest

from envadvisor.conditions import Signature, _Junction
from envadvisor.engine import evaluate
from envadvisor.knowledge import Knowledge, load_knowledge
from tests.rule_cases import TODAY, build_facts, load_cases

CASES = load_cases()
BY_RULE: dict[str, dict[str, Any]] = {c["rule"]: c for c in CASES["cases"]}


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


def _params(kind: str) -> list[Any]:
    out = []
    for case in CASES["cases"]:
        value = case.get(kind)
        if kind == "unknown" and isinstance(value, dict) and "never" in value:
            continue
        out.append(pytest.param(case["rule"], value, id=case["rule"]))
        for i, extra in enumerate(case.get(f"also_{kind}", ())):
            out.append(pytest.param(case["rule"], extra, id=f"{case['rule']}-also{i}"))
    return out


def test_base_machine_is_clean(knowledge: Knowledge) -> None:
    evaluation = evaluate(knowledge, build_facts(CASES["base"], {}), today=TODAY)
    assert [f.code for f in evaluation.findings] == []
    assert [n.code for n in evaluation.not_evaluated] == []


def test_every_rule_has_three_cases(knowledge: Knowledge) -> None:
    codes = {r.code for r in knowledge.rules}
    assert set(BY_RULE) == codes
    for code, case in BY_RULE.items():
        assert "fires" in case and "quiet" in case and "unknown" in case, code


def test_never_unknown_is_only_claimed_where_true(knowledge: Knowledge) -> None:
    """`unknown: never` for signature-only rules must match their condition: signatures only."""
    for code, case in BY_RULE.items():
        unknown = case["unknown"]
        if isinstance(unknown, dict) and "never" in unknown and unknown["never"].startswith("signature-only"):
            rule = knowledge.rule(code)
            assert rule is not None
            when = rule.when
            nodes = when.items if isinstance(when, _Junction) else (when,)
            assert all(isinstance(n, Signature) for n in nodes), code


@pytest.mark.parametrize(("code", "overrides"), _params("fires"))
def test_rule_fires(knowledge: Knowledge, code: str, overrides: Any) -> None:
    evaluation = evaluate(knowledge, build_facts(CASES["base"], overrides), today=TODAY)
    finding = next((f for f in evaluation.findings if f.code == code), None)
    assert finding is not None, f"{code} did not fire; not evaluated: {evaluation.not_evaluated}"
    assert finding.evidence, "a finding carries the evidence that made it fire"
    assert "{" not in finding.message, finding.message
    assert all("{" not in step for step in finding.fix), finding.fix


@pytest.mark.parametrize(("code", "overrides"), _params("quiet"))
def test_rule_stays_quiet(knowledge: Knowledge, code: str, overrides: Any) -> None:
    evaluation = evaluate(knowledge, build_facts(CASES["base"], overrides), today=TODAY)
    assert code not in {f.code for f in evaluation.findings}
    assert code not in {n.code for n in evaluation.not_evaluated}


@pytest.mark.parametrize(("code", "overrides"), _params("unknown"))
def test_rule_not_evaluated_on_unknown_fact(knowledge: Knowledge, code: str, overrides: Any) -> None:
    evaluation = evaluate(knowledge, build_facts(CASES["base"], overrides), today=TODAY)
    assert code not in {f.code for f in evaluation.findings}, "an unknown fact must never raise an alarm"
    entry = next((n for n in evaluation.not_evaluated if n.code == code), None)
    assert entry is not None, f"{code} should be listed as not evaluated"
    assert entry.missing, "a not-evaluated rule names what was missing"
