"""Property tests on the parsers the other property tests do not reach: rule files and conditions on
arbitrary YAML-shaped data, the target overrides (and CONDA_OVERRIDE_CUDA) on arbitrary text, and the
whole override-then-evaluate path. Each either gives a value or raises the one error class that the
CLI turns into one line (DataFileError / UsageError); nothing else may escape.

Property tests that already exist elsewhere (counts in docs/reliability.md): importers
(tests/test_importers_properties.py), environment files (tests/test_envfile.py), lint/check
(tests/test_lint.py), probe text parsers (tests/test_probes_parsers.py), explain topics
(tests/test_explain.py), every command-line option (tests/test_cli_fuzz.py).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envadvisor.conditions import OPERATORS as CONDITION_OPERATORS
from envadvisor.conditions import compile_condition
from envadvisor.engine import evaluate
from envadvisor.errors import DataFileError, UsageError
from envadvisor.knowledge import Knowledge, _rules_from_text, load_knowledge
from envadvisor.model import Facts, fact_keys
from envadvisor.target import TargetOverrides, apply_overrides
from tests.test_knowledge_loader import GOOD_RULE

EXAMPLES = {
    "condition_trees": 400,
    "rule_documents": 300,
    "mutated_rules": 300,
    "yaml_text": 300,
    "overrides": 400,
    "overrides_applied": 150,
}

FACT_KEYS = sorted(fact_keys())
# the engine's own operators, plus names it does not have (the "unknown operator" branch)
OPERATORS = [*sorted(CONDITION_OPERATORS), "roughly", "older_than"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(FACT_KEYS),
    st.sampled_from([*OPERATORS, "all", "any", "not", "fact", "check", "signature", "args"]),
    st.sampled_from(["12.4", "550.54.15", "8.6", "2.5.1", "no_driver", "cu124"]),
)
yamlish = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from([*OPERATORS, "all", "any", "not", "fact", "check", "args"]),
                st.text(max_size=8),
            ),
            children,
            max_size=4,
        ),
    ),
    max_leaves=20,
)
# Condition-shaped trees: mostly valid keys, so the compiler's deeper branches are reached.
leaf = st.builds(
    lambda fact, ops: {"fact": fact, **ops},
    st.one_of(st.sampled_from(FACT_KEYS), st.text(max_size=10)),
    st.dictionaries(st.sampled_from(OPERATORS), scalars, max_size=2),
)
conditions = st.recursive(
    st.one_of(leaf, yamlish),
    lambda children: st.one_of(
        st.fixed_dictionaries({"all": st.lists(children, max_size=3)}),
        st.fixed_dictionaries({"any": st.lists(children, max_size=3)}),
        st.fixed_dictionaries({"not": children}),
    ),
    max_leaves=12,
)


def _fail(field: str, message: str) -> DataFileError:
    return DataFileError("generated.yaml", message, entry="EA950", field=field)


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


@settings(
    max_examples=EXAMPLES["condition_trees"], deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(raw=conditions)
def test_any_condition_tree_compiles_or_names_its_field(raw: Any) -> None:
    try:
        condition = compile_condition(raw, _fail)
    except DataFileError as exc:
        assert "\n" not in str(exc) and "generated.yaml: EA950: field 'when" in str(exc)
        return
    # a condition that compiled evaluates over empty facts (everything unknown) without raising
    assert condition.placeholders() is not None


@settings(
    max_examples=EXAMPLES["rule_documents"],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(doc=st.one_of(yamlish, st.lists(yamlish, max_size=3), st.fixed_dictionaries({"rules": yamlish})))
def test_any_yaml_document_as_a_rule_file_loads_or_is_one_line(knowledge: Knowledge, doc: Any) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    _load_or_one_line(knowledge, text)


RULE_LINES = GOOD_RULE.splitlines(keepends=True)


@settings(
    max_examples=EXAMPLES["mutated_rules"],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    drop=st.sets(st.integers(min_value=1, max_value=len(RULE_LINES) - 1), max_size=3),
    replace_at=st.integers(min_value=1, max_value=len(RULE_LINES) - 1),
    replacement=st.one_of(
        st.text(max_size=30),
        st.sampled_from(
            [
                "    severity: fatal\n",
                "    when: {fact: gpu.driver_versoin, eq: 1}\n",
                "    when: {fact: gpu.count, roughly: 1}\n",
                "    code: EA010\n",
                "    terms: [no_such_term]\n",
                "    when: []\n",
                "    fix: []\n",
                "    references: [ftp://x]\n",
            ]
        ),
    ),
)
def test_a_rule_with_lines_dropped_or_replaced_loads_or_is_one_line(
    knowledge: Knowledge, drop: set[int], replace_at: int, replacement: str
) -> None:
    lines = [line for i, line in enumerate(RULE_LINES) if i not in drop]
    lines[min(replace_at, len(lines) - 1)] = replacement
    _load_or_one_line(knowledge, "".join(lines))


@settings(
    max_examples=EXAMPLES["yaml_text"],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=st.text(alphabet=st.sampled_from(list("rules:- {}[]&*!|>'\"#\n \tEA950ab.1,%@`")), max_size=120))
def test_arbitrary_yaml_syntax_as_a_rule_file_loads_or_is_one_line(knowledge: Knowledge, text: str) -> None:
    _load_or_one_line(knowledge, text)


def _load_or_one_line(knowledge: Knowledge, text: str) -> None:
    try:
        rules = _rules_from_text(text, "generated.yaml", knowledge.tables)
    except DataFileError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("generated.yaml")
        return
    for rule in rules:  # a rule that loaded is evaluable over a machine we know nothing about
        rule.when.placeholders()
    evaluate(Knowledge(tables=knowledge.tables, rules=tuple(rules), checked=knowledge.checked), Facts())


override_text = st.one_of(
    st.none(),
    st.text(max_size=20),
    st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,3}){0,3}", fullmatch=True),
    st.sampled_from(
        ["linux", "Windows", "macos", "x86_64", "arm64", "8.6", "12.0", "550.54.15", " 9.0 ", ""]
    ),
)


@settings(max_examples=EXAMPLES["overrides"], deadline=None)
@given(
    os_=override_text,
    arch=override_text,
    gpus=st.lists(
        st.one_of(st.text(max_size=20), st.sampled_from(["RTX 4090", "H100", "A100", "T4"])), max_size=3
    ),
    cc=override_text,
    driver=override_text,
    no_gpu=st.booleans(),
    conda_override_cuda=override_text,
)
def test_target_overrides_parse_or_are_usage_errors(
    os_: str | None,
    arch: str | None,
    gpus: list[str],
    cc: str | None,
    driver: str | None,
    no_gpu: bool,
    conda_override_cuda: str | None,
) -> None:
    environ = {} if conda_override_cuda is None else {"CONDA_OVERRIDE_CUDA": conda_override_cuda}
    try:
        target = TargetOverrides.from_values(
            os=os_, arch=arch, gpus=gpus, compute_capability=cc, driver=driver, no_gpu=no_gpu, environ=environ
        )
    except UsageError as exc:
        assert "\n" not in str(exc)
        return
    if driver is not None:
        assert target.driver is not None  # accepted values are kept, never dropped silently


@settings(
    max_examples=EXAMPLES["overrides_applied"],
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    gpus=st.lists(
        st.one_of(st.text(max_size=16), st.sampled_from(["RTX 4090", "H100", "A100", "T4"])), max_size=2
    ),
    cc=st.one_of(st.none(), st.from_regex(r"[0-9]{1,2}\.[0-9]", fullmatch=True)),
    driver=st.one_of(st.none(), st.from_regex(r"[0-9]{2,4}(\.[0-9]{1,3}){1,2}", fullmatch=True)),
    os_=st.sampled_from([None, "linux", "windows", "macos"]),
)
def test_accepted_overrides_apply_and_evaluate_without_raising(
    knowledge: Knowledge, gpus: list[str], cc: str | None, driver: str | None, os_: str | None
) -> None:
    try:
        target = TargetOverrides.from_values(
            os=os_, gpus=gpus, compute_capability=cc, driver=driver, environ={}
        )
        facts = apply_overrides(Facts(), target, knowledge.tables)
    except UsageError as exc:  # an unknown GPU name without --compute-capability, say
        assert "\n" not in str(exc)
        return
    evaluation = evaluate(knowledge, facts)
    assert all(f.code for f in evaluation.findings)
