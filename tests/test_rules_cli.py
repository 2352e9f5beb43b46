"""``envadvisor rules``: the catalogue as text and JSON, with the tables' date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envadvisor.cli import main
from envadvisor.knowledge import load_knowledge


def test_rules_plain_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    knowledge = load_knowledge()
    assert (
        out.splitlines()[0]
        == f"{len(knowledge.rules)} rules; compatibility tables checked {knowledge.checked}"
    )
    for rule in knowledge.rules:
        assert f"{rule.code}  {rule.severity.value}" in out and rule.name in out
    assert "\x1b[" not in out  # not a terminal: no colour codes


def test_rules_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tables_checked"] == "2026-11-28"
    assert data["count"] == len(data["rules"]) == len(load_knowledge().rules)
    first = data["rules"][0]
    assert set(first) == {"code", "name", "severity", "category", "summary", "confidence", "added_in"}
    assert [r["code"] for r in data["rules"]] == sorted(r["code"] for r in data["rules"])


def test_rules_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--json", "--lang", "zh"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "驱动" in next(r for r in data["rules"] if r["code"] == "EA010")["summary"]


def test_rules_with_a_bad_local_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text("rules:\n  - code: EA999\n    name: x\n", encoding="utf-8")
    assert main(["rules", "--rules", str(bad)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "mine.yaml: EA999" in err


def test_rules_on_a_terminal_is_a_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from envadvisor.cli import _common

    monkeypatch.setattr(_common, "stdout_is_terminal", lambda stream=None: True)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "160")
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "tables checked 2026-11-28" in out
    assert "EA010" in out and "driver-too-old-for-torch" in out
