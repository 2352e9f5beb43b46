"""Malformed knowledge files through the command line: one line naming the file, the rule (or term) and
the field, exit 2, never a traceback.

The loader tests (tests/test_knowledge_loader.py, tests/test_glossary.py) check each validation
message; here every kind of mistake goes through the commands a user runs: ``--rules FILE`` on each
command that takes it, and a copy of the shipped rules/ and data/ folders with one entry broken.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from envadvisor import glossary, knowledge, resources
from tests.reliability_support import assert_one_line_error, run_cli
from tests.test_knowledge_loader import GOOD_RULE

ENV_FILE = "name: t\nchannels: [conda-forge]\ndependencies:\n  - python=3.12\n"


def _alias_bomb(depth: int) -> str:
    """A rule whose condition doubles at each level through YAML aliases (billion laughs)."""
    lines = ["x0: &a0 {any: [{fact: gpu.count, exists: true}, {fact: gpu.count, exists: true}]}"]
    lines += [f"x{i}: &a{i} {{any: [*a{i - 1}, *a{i - 1}]}}" for i in range(1, depth)]
    rule = GOOD_RULE.split("rules:\n", 1)[1]
    rule = rule.replace(
        "    when:\n      all:\n        - {fact: packages.torch.version, exists: true}\n"
        '        - {fact: packages.torch.version, lt: "2.4"}\n',
        f"    when: *a{depth - 1}\n",
    )
    return "\n".join(lines) + "\nrules:\n" + rule


# (id, the file's text, what the one line must name)
BAD_RULE_FILES: list[tuple[str, bytes, tuple[str, ...]]] = [
    ("syntax-error", b"rules:\n  - code: EA950\n    when: {all: [\n", ("not valid YAML",)),
    (
        "unknown-fact-key",
        GOOD_RULE.replace("{fact: packages.torch.version, lt", "{fact: gpu.driver_versoin, lt").encode(),
        ("EA950", "field 'when.all[1].fact'", "unknown fact key 'gpu.driver_versoin'"),
    ),
    (
        "unknown-operator",
        GOOD_RULE.replace('lt: "2.4"}', 'older_than: "2.4"}').encode(),
        ("EA950", "field 'when.all[1].older_than'", "unknown operator"),
    ),
    (
        "duplicate-code",
        GOOD_RULE.replace("EA950", "EA010").encode(),
        ("EA010", "field 'code'", "duplicate code"),
    ),
    (
        "missing-field",
        GOOD_RULE.replace(
            "    why: The shared job templates use torch.compile features of 2.4.\n", ""
        ).encode(),
        ("EA950", "field 'why'", "missing or empty"),
    ),
    (
        "missing-when",
        GOOD_RULE.split("    when:")[0].encode()
        + b"    summary: s\n    message: m\n    why: w\n    fix: [f]\n"
        + b"    references: [https://example.com/]\n    terms: [pytorch]\n    added_in: '0.1.0'\n",
        ("EA950", "field 'when'", "missing"),
    ),
    ("empty-file", b"", ("expected a list of rules",)),
    ("not-utf8", GOOD_RULE.replace("Our cluster", "Caf\xe9").encode("latin-1"), ("not UTF-8",)),
    ("binary", b"\x00\x01\x02\xff" * 64, ("local.yaml",)),
    ("alias-bomb", _alias_bomb(26).encode(), ("YAML aliases",)),
    ("recursive-alias", b"x: &a {any: [*a]}\n" + _alias_bomb(2).encode().split(b"\n", 2)[2], ("local.yaml",)),
    ("deep-nesting", b"rules: " + b"[" * 20000 + b"]" * 20000 + b"\n", ("local.yaml",)),
]

RULES_COMMANDS: list[list[str]] = [
    ["diagnose", "--json"],
    ["diagnose"],
    ["propose", "torch", "--no-gpu"],
    ["check", "{env}"],
    ["rules"],
]


@pytest.mark.parametrize(("case", "text", "needles"), BAD_RULE_FILES, ids=[c[0] for c in BAD_RULE_FILES])
@pytest.mark.parametrize("command", RULES_COMMANDS, ids=lambda c: c[0] + ("-json" if "--json" in c else ""))
def test_bad_rules_file_is_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    text: bytes,
    needles: tuple[str, ...],
    command: list[str],
) -> None:
    rules_file = tmp_path / "local.yaml"
    rules_file.write_bytes(text)
    env_file = tmp_path / "environment.yml"
    env_file.write_text(ENV_FILE, encoding="utf-8")
    argv = [arg.replace("{env}", str(env_file)) for arg in command] + ["--rules", str(rules_file)]
    code, out, err = run_cli(argv, capsys)
    assert out == ""
    assert_one_line_error(code, err, str(rules_file), *needles)


@pytest.mark.parametrize("kind", ["missing", "folder"])
def test_rules_path_that_is_not_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path = tmp_path / "rules.yaml"
    if kind == "folder":
        path.mkdir()
    code, _, err = run_cli(["diagnose", "--json", "--rules", str(path)], capsys)
    assert_one_line_error(code, err, f"--rules {path}")


def test_a_good_local_rule_joins_and_fires_in_the_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the same option with a valid file works (so the failures above are about the file, not the option)
    rules_file = tmp_path / "local.yaml"
    rules_file.write_text(GOOD_RULE.replace('lt: "2.4"', 'lt: "99"'), encoding="utf-8")
    report_file = tmp_path / "pip-freeze.txt"
    report_file.write_text("torch==2.3.1\nnumpy==1.26.4\n", encoding="utf-8")
    code, out, err = run_cli(
        ["diagnose", "--json", "--from", str(report_file), "--rules", str(rules_file), "--fail-on", "never"],
        capsys,
    )
    assert code == 0 and err == ""
    assert "EA950" in {f["code"] for f in json.loads(out)["findings"]}


# --------------------------------------------------------------------------------------------------
# The shipped files, copied and broken
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def copied_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of rules/ that the commands load instead of the shipped one."""
    root = tmp_path / "rules"
    shutil.copytree(resources.rules_dir(), root)
    monkeypatch.setenv("ENVADVISOR_NO_CACHE", "1")  # keep broken copies out of the user's cache
    monkeypatch.setattr(resources, "rules_dir", lambda: root)
    knowledge._load_default.cache_clear()
    yield root
    knowledge._load_default.cache_clear()


def _edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _first_rule(data: Any) -> dict[str, Any]:
    rule: dict[str, Any] = data["rules"][0]
    return rule


def _set_first_fact(rule: dict[str, Any], key: str, value: Any) -> None:
    """Replace the first leaf condition that names a fact (depth first) with ``{key: value}``."""

    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            if "fact" in node:
                if key == "fact":
                    node["fact"] = value
                else:  # keep the fact, replace its operator
                    fact = node["fact"]
                    node.clear()
                    node.update({"fact": fact, key: value})
                return True
            return any(walk(v) for v in node.values())
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return False

    assert walk(rule["when"])


SHIPPED_BREAKAGES: list[tuple[str, str, Callable[[Any], None] | str, tuple[str, ...]]] = [
    ("compat-syntax-error", "compat.yaml", "include: {tables: [\n", ("compat.yaml", "not valid YAML")),
    (
        "unknown-fact-key",
        "checks/driver.yaml",
        lambda d: _set_first_fact(_first_rule(d), "fact", "gpu.no_such_fact"),
        ("driver.yaml", "EA001", "unknown fact key 'gpu.no_such_fact'"),
    ),
    (
        "unknown-operator",
        "checks/driver.yaml",
        lambda d: _set_first_fact(_first_rule(d), "roughly", "no_driver"),
        ("driver.yaml", "EA001", ".roughly'", "unknown operator"),
    ),
    (
        "duplicate-code",
        "checks/driver.yaml",
        lambda d: _first_rule(d).update(code="EA040"),
        ("EA040", "field 'code'", "duplicate code"),
    ),
    (
        "missing-field",
        "checks/driver.yaml",
        lambda d: _first_rule(d).pop("summary"),
        ("driver.yaml", "EA001", "field 'summary'", "missing or empty"),
    ),
    (
        "table-row-without-source",
        "tables/gpus.yaml",
        lambda d: next(iter(d.values()))[0].pop("source"),
        ("gpus.yaml", "field 'source'"),
    ),
]


@pytest.mark.parametrize(
    ("case", "rel", "change", "needles"), SHIPPED_BREAKAGES, ids=[c[0] for c in SHIPPED_BREAKAGES]
)
def test_broken_shipped_rules_are_one_line_exit_2(
    copied_rules: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    rel: str,
    change: Callable[[Any], None] | str,
    needles: tuple[str, ...],
) -> None:
    path = copied_rules / rel
    if isinstance(change, str):
        path.write_text(path.read_text(encoding="utf-8") + change, encoding="utf-8")
    else:
        _edit_yaml(path, change)
    for argv in (["diagnose", "--json"], ["explain", "EA001"], ["rules"], ["propose", "torch", "--no-gpu"]):
        code, out, err = run_cli(argv, capsys)
        assert out == ""
        assert_one_line_error(code, err, *needles)


def test_an_unbroken_copy_loads_like_the_shipped_rules(
    copied_rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["rules", "--json"], capsys)
    assert code == 0 and err == "" and '"count"' in out


@pytest.fixture
def copied_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of data/ (glossary, signatures, lint catalogue) loaded instead of the shipped one."""
    root = tmp_path / "data"
    shutil.copytree(resources.data_dir(), root)
    monkeypatch.setattr(resources, "data_dir", lambda: root)
    glossary._load_default.cache_clear()
    yield root
    glossary._load_default.cache_clear()


def _term(data: Any, term_id: str) -> dict[str, Any]:
    term: dict[str, Any] = next(t for t in data["terms"] if t["id"] == term_id)
    return term


TERMS_BREAKAGES: list[tuple[str, Callable[[Any], None] | str, tuple[str, ...]]] = [
    ("syntax-error", "terms: [\n", ("terms.yaml", "not valid YAML")),
    ("missing-field", lambda d: _term(d, "cudnn")["zh"].pop("summary"), ("terms.yaml", "cudnn", "summary")),
    ("duplicate-id", lambda d: d["terms"].append(dict(_term(d, "cudnn"))), ("terms.yaml", "cudnn")),
    (
        "unknown-relation-target",
        lambda d: _term(d, "cudnn")["relations"].append({"depends_on": "no-such-term"}),
        ("terms.yaml", "cudnn", "no-such-term"),
    ),
    (
        "unknown-category",
        lambda d: _term(d, "cudnn").update(category="gizmo"),
        ("terms.yaml", "cudnn", "category"),
    ),
    ("not-a-mapping", "", ("terms.yaml",)),
]


@pytest.mark.parametrize(("case", "change", "needles"), TERMS_BREAKAGES, ids=[c[0] for c in TERMS_BREAKAGES])
def test_broken_glossary_is_one_line_exit_2(
    copied_data: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
    change: Callable[[Any], None] | str,
    needles: tuple[str, ...],
) -> None:
    path = copied_data / "terms.yaml"
    if case == "not-a-mapping":
        path.write_text("- just\n- a list\n", encoding="utf-8")
    elif isinstance(change, str):
        path.write_text(path.read_text(encoding="utf-8") + change, encoding="utf-8")
    else:
        _edit_yaml(path, change)
    for argv in (["explain", "cuda"], ["map"], ["diagnose", "--fail-on", "never"]):
        code, out, err = run_cli(argv, capsys)
        assert out == ""
        assert_one_line_error(code, err, *needles)
