"""Loading and validating rule files: every mistake is one line naming the file, the rule and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from envadvisor.errors import DataFileError
from envadvisor.knowledge import load_from_dir, load_knowledge
from envadvisor.resources import rules_dir

GOOD_RULE = """\
rules:
  - code: EA950
    name: local-torch-pin
    severity: warning
    category: framework_version_mismatch
    when:
      all:
        - {fact: packages.torch.version, exists: true}
        - {fact: packages.torch.version, lt: "2.4"}
    summary: Our cluster jobs need torch 2.4 or newer.
    message: "torch {packages.torch.version} is older than the cluster's 2.4 floor."
    why: The shared job templates use torch.compile features of 2.4.
    fix: ["pip install -U 'torch>=2.4'"]
    references: [https://pytorch.org/get-started/locally/]
    terms: [pytorch]
    added_in: "0.1.0"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "local.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(DataFileError) as info:
        load_knowledge(extra_rule_files=[_write(tmp_path, text)])
    message = str(info.value)
    assert "\n" not in message
    assert "local.yaml" in message
    return message


def test_default_knowledge_is_cached_and_extra_rules_join_it(tmp_path: Path) -> None:
    base = load_knowledge()
    assert load_knowledge() is base
    merged = load_knowledge(extra_rule_files=[_write(tmp_path, GOOD_RULE)])
    assert len(merged.rules) == len(base.rules) + 1
    rule = merged.rule("local-torch-pin")
    assert rule is not None and rule.code == "EA950" and merged.rule("ea950") is rule
    assert merged.tables is base.tables


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('{fact: packages.torch.version, lt: "2.4"}', '{fact: gpu.driver_versoin, lt: "2.4"}'),
            "EA950: field 'when.all[1].fact': unknown fact key 'gpu.driver_versoin'",
        ),
        (('lt: "2.4"}', 'older_than: "2.4"}'), "EA950: field 'when.all[1].older_than': unknown operator"),
        (("severity: warning", "severity: fatal"), "EA950: field 'severity': 'fatal' is not one of"),
        (("category: framework_version_mismatch", "category: oops"), "EA950: field 'category'"),
        (
            ("    why: The shared job templates use torch.compile features of 2.4.\n", ""),
            "EA950: field 'why': missing or empty",
        ),
        (("code: EA950", "code: E950"), "field 'code': 'E950' is not EA followed by three digits"),
        (("name: local-torch-pin", "name: Local_Pin"), "field 'name': 'Local_Pin' is not kebab-case"),
        (
            ("references: [https://pytorch.org/get-started/locally/]", "references: [http://example.com]"),
            "field 'references': 'http://example.com' is not an https URL",
        ),
        (
            ('message: "torch {packages.torch.version}', 'message: "torch {packages.torch.versoin}'),
            "field 'message': placeholder {packages.torch.versoin}",
        ),
        (
            ('    added_in: "0.1.0"\n', '    added_in: "0.1.0"\n    colour: red\n'),
            "field 'colour': unknown field",
        ),
        (
            ("{fact: packages.torch.version, exists: true}", "{check: no_such_check, args: []}"),
            "unknown check 'no_such_check'",
        ),
        (
            ("{fact: packages.torch.version, exists: true}", "{check: knows_torch, args: [a, b]}"),
            "check 'knows_torch' takes 1 argument(s)",
        ),
    ],
)
def test_invalid_user_rules_name_file_rule_and_field(
    tmp_path: Path, change: tuple[str, str], expected: str
) -> None:
    old, new = change
    assert old in GOOD_RULE
    message = _error(tmp_path, GOOD_RULE.replace(old, new, 1))
    assert expected in message


def test_yaml_syntax_error(tmp_path: Path) -> None:
    message = _error(tmp_path, "rules:\n  - code: EA950\n    when: {all: [\n")
    assert "not valid YAML" in message


def test_duplicate_code_and_name(tmp_path: Path) -> None:
    assert "EA010: field 'code': duplicate code" in _error(tmp_path, GOOD_RULE.replace("EA950", "EA010"))
    assert "field 'name': duplicate name" in _error(
        tmp_path, GOOD_RULE.replace("local-torch-pin", "driver-too-old-for-torch")
    )


def test_not_a_list_of_rules(tmp_path: Path) -> None:
    assert "expected a list of rules" in _error(tmp_path, "just: text\n")


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read"):
        load_knowledge(extra_rule_files=[tmp_path / "missing.yaml"])


def test_broken_shipped_table_names_file_and_row(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(rules_dir(), root)
    cuda = root / "tables" / "cuda.yaml"
    cuda.write_text(
        cuda.read_text(encoding="utf-8").replace(
            '{cuda: "12.8.1", linux: "570.124.06", windows: "572.61"}', '{cuda: "12.8", linux: "570.124.06"}'
        ),
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=r"cuda\.yaml: rows\[\d+\]: field 'cuda': '12.8' is not a full"):
        load_from_dir(root)


def test_row_without_source_is_rejected(tmp_path: Path) -> None:
    root = tmp_path / "rules"
    shutil.copytree(rules_dir(), root)
    gpus = root / "tables" / "gpus.yaml"
    text = gpus.read_text(encoding="utf-8")
    gpus.write_text(
        text.replace('    source: "https://developer.nvidia.com/cuda-legacy-gpus"\n', "", 1), encoding="utf-8"
    )
    with pytest.raises(DataFileError, match=r"gpu_compute_capability\[0\]: field 'source'"):
        load_from_dir(root)
