"""EA500: a host whose torch has no NumPy gets the note torch itself prints at import.

The warning text was taken from torch 2.13.0+cpu imported without NumPy (the CPU wheel lists no numpy
among its requirements): "UserWarning: Failed to initialize NumPy: No module named 'numpy'", and
``torch.zeros(2).numpy()`` raised "RuntimeError: Numpy is not available".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envadvisor.cli import main

MACHINES = Path(__file__).resolve().parent / "machines"
REPORTS = Path(__file__).resolve().parent / "reports"


def _findings(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, dict[str, object]]:
    main(["diagnose", *argv, "--json", "--fail-on", "never"])
    return {f["code"]: f for f in json.loads(capsys.readouterr().out)["findings"]}


@pytest.mark.parametrize("machine", ["laptop-no-nvidia", "h200-datacenter"])
def test_torch_without_numpy_gets_the_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], machine: str
) -> None:
    """The CPU-only laptop (its recording keeps three packages: torch's own requirements are added so
    it lists the environment as a probe does) and the real H200 listing (197 distributions), each
    without numpy."""
    recorded = MACHINES / f"{machine}.json"
    data = json.loads(recorded.read_text(encoding="utf-8"))
    packages = data["facts"]["packages"]
    assert "EA500" not in _findings(capsys, "--from", str(recorded))
    for name, version in (("sympy", "1.14.0"), ("filelock", "3.20.0")):
        packages.setdefault(name, {"version": version, "installer": "pip", "source": "pypi"})
    del packages["numpy"]
    report = tmp_path / f"{machine}-without-numpy.json"
    report.write_text(json.dumps(data), encoding="utf-8")
    found = _findings(capsys, "--from", str(report))
    assert found["EA500"]["severity"] == "info"
    assert "Failed to initialize NumPy: No module named 'numpy'" in str(found["EA500"]["message"])
    zh = _findings(capsys, "--from", str(report), "--lang", "zh")
    assert "没有 NumPy" in str(zh["EA500"]["message"])


def test_a_pasted_report_naming_only_torch_says_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    """`transformers env` lists torch and not NumPy: it does not list the environment, so no note."""
    assert "EA500" not in _findings(capsys, "--from", str(REPORTS / "transformers-22484-hf-env-healthy.txt"))
