"""`envadvisor diagnose --from FILE` end to end: a pasted report in, a report on that machine out.

Runs the real command-line entry point (envadvisor.cli.main) on real fixtures: the facts come from the
text, the JSON output reads back to the same facts, and input that is not a report exits 2 with one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envadvisor.cli import main

REPORTS = Path(__file__).parent / "reports"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_diagnose_from_report_json_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = REPORTS / "pytorch-28321-collect-env-2019-driver-410.txt"
    _code, out, _err = run(["diagnose", "--from", str(source), "--json"], capsys)
    first = json.loads(out)
    assert first["origin"]["kind"] == "report"
    assert "collect_env" in first["origin"]["formats"]
    assert first["facts"]["gpu"]["driver_version"] == "410.104"
    assert first["facts"]["frameworks"]["torch"]["cuda"] == "10.1"
    saved = tmp_path / "report.json"
    saved.write_text(out, encoding="utf-8")
    _code, again, _err = run(["diagnose", "--from", str(saved), "--json"], capsys)
    second = json.loads(again)
    assert second["origin"]["formats"] == ["envadvisor_json"]
    assert second["facts"] == first["facts"]
    assert [f["code"] for f in second["findings"]] == [f["code"] for f in first["findings"]]


def test_diagnose_from_report_finds_the_problem(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(["diagnose", "--from", str(REPORTS / "leggedlab-26-sm120.txt"), "--json"], capsys)
    data = json.loads(out)
    assert code == 1  # an error finding
    assert "gpu_arch_unsupported" in {f["category"] for f in data["findings"]}
    assert "torch-arch-not-compatible" in data["facts"]["evidence"]["signatures"]


@pytest.mark.parametrize(("content", "message"), [(b"", "empty report"), (b"\x00\x01\x02", "binary data")])
def test_diagnose_from_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "paste.txt"
    path.write_bytes(content)
    code, out, err = run(["diagnose", "--from", str(path)], capsys)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
