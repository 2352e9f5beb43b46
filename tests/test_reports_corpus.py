"""Real pasted reports (tests/reports/, sources in index.yaml) through the importer and the engine.

Two layers: every fixture's key facts must be read (the importer's job, checked report by report), and
over the whole corpus the diagnosis must reach the issue's targets: the right verdict for at least 85 %
of the reports, the right category for at least 75 % of the problem reports, at most one false alarm
in eight healthy reports. The holdout reports (tests/reports/holdout/) were not looked at while the
parsers were written; their figures are printed separately as the honest estimate.

A report counts as "problem" when the engine raises an error or warning finding about something broken
now: knowledge gaps and end-of-life notices (advice about the future: an EOL Python still runs the code
in the report) do not count. The category is right when it is among the categories of the most severe
such findings (a report may show two real problems at once, e.g. torch/torchaudio versions apart and an
nvJitLink clash, and naming both is right).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from envadvisor.importers import read_report
from envadvisor.model import Category, Severity
from envadvisor.resources import load_yaml_text

REPORTS = Path(__file__).parent / "reports"
# The engine decides end-of-life rules by date; pin it so the figures do not drift with the calendar.
TODAY = dt.date(2026, 11, 28)
VERDICT_TARGET = 0.85
CATEGORY_TARGET = 0.75
MAX_FALSE_ALARM_RATE = 1 / 8
ADVISORY_CATEGORIES = frozenset({Category.KNOWLEDGE_GAP, Category.PYTHON_EOL})


@cache
def index() -> tuple[Mapping[str, Any], ...]:
    data = load_yaml_text(
        (REPORTS / "index.yaml").read_text(encoding="utf-8"), path="tests/reports/index.yaml"
    )
    assert isinstance(data, dict)
    return tuple(data["reports"])


def entry_id(entry: Mapping[str, Any]) -> str:
    return str(entry["file"]).removesuffix(".txt")


def read(entry: Mapping[str, Any]):  # type: ignore[no-untyped-def]
    text = (REPORTS / entry["file"]).read_text(encoding="utf-8")
    return read_report(text, source_name=str(entry["file"]))


def test_index_lists_every_fixture_once() -> None:
    listed = [str(e["file"]) for e in index()]
    on_disk = sorted(str(p.relative_to(REPORTS)) for p in REPORTS.rglob("*.txt"))
    assert sorted(listed) == on_disk
    assert len(listed) == len(set(listed))


def test_index_entries_are_complete() -> None:
    categories = {c.value for c in Category}
    for entry in index():
        assert str(entry["source"]).startswith("https://github.com/"), entry["file"]
        assert entry["verdict"] in ("problem", "healthy"), entry["file"]
        assert entry.get("note"), entry["file"]
        if entry["verdict"] == "problem":
            assert entry.get("category") in categories, entry["file"]
        else:
            assert "category" not in entry, entry["file"]


def test_corpus_covers_the_issue() -> None:
    entries = index()
    assert len(entries) >= 30
    assert sum(1 for e in entries if e["verdict"] == "healthy") >= 8
    formats = {fmt for e in entries for fmt in e["formats"]}
    assert {
        "collect_env",
        "vllm",
        "hf_env",
        "nvidia_smi",
        "issue_templates",
        "pip_freeze",
        "conda_list",
        "free_text",
        "signatures",
    } <= formats
    problem_categories = {e["category"] for e in entries if e["verdict"] == "problem"}
    assert {
        "driver_too_old",
        "no_driver",
        "nvml_driver_mismatch",
        "gpu_arch_unsupported",
        "cpu_only_build",
        "cuda_libs_missing",
        "cudnn_mismatch",
        "mixed_cuda_runtimes",
        "numpy_abi_mismatch",
    } <= problem_categories


def _expected_value(facts: Any, key: str) -> Any:
    if key == "gpu.devices.names":
        return [device.name for device in facts.gpu.devices]
    if key == "evidence.signatures":
        return list(facts.evidence.signatures)
    value = facts.get(key)
    return list(value) if isinstance(value, tuple) else value


def is_holdout(entry: Mapping[str, Any]) -> bool:
    return str(entry["file"]).startswith("holdout/")


# Holdout reports only count in the diagnosis figures: checking their facts here would invite tuning
# the parsers to them.
@pytest.mark.parametrize("entry", [e for e in index() if not is_holdout(e)], ids=entry_id)
def test_fixture_facts(entry: Mapping[str, Any]) -> None:
    imported = read(entry)
    missing_formats = set(entry["formats"]) - set(imported.formats)
    assert not missing_formats, f"formats not detected: {sorted(missing_formats)} (got {imported.formats})"
    for key, expected in (entry.get("expect") or {}).items():
        got = _expected_value(imported.facts, key)
        if key == "evidence.signatures":
            assert set(expected) <= set(got), f"{key}: expected {expected} within {got}"
        else:
            assert got == expected, f"{key}: expected {expected!r}, got {got!r}"
        if expected is not None and key.count(".") >= 1 and not key.startswith(("gpu.devices", "evidence")):
            # every fact read from the text says where it came from, and quotes the line
            # (a package's fields share the provenance of its version line)
            origin = f"packages.{key.split('.')[1]}.version" if key.startswith("packages.") else key
            assert origin in imported.facts.sources, f"{key} has no provenance"
            assert imported.quotes.get(origin), f"{key} has no quoted line"


# ------------------------------------------------------------------------------------------------
# Diagnosis figures (need the knowledge base and the engine)
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    file: str
    expected_verdict: str
    expected_category: str | None
    verdict: str
    category: str | None
    categories: tuple[str, ...]


def diagnose(entry: Mapping[str, Any]) -> Outcome:
    from envadvisor.engine import evaluate
    from envadvisor.knowledge import load_knowledge

    imported = read(entry)
    evaluation = evaluate(load_knowledge(), imported.facts, today=TODAY, quotes=imported.quotes)
    serious = [
        f
        for f in evaluation.findings
        if f.severity in (Severity.ERROR, Severity.WARNING) and f.category not in ADVISORY_CATEGORIES
    ]
    worst = max((f.severity.rank for f in serious), default=None)
    named = tuple(dict.fromkeys(f.category.value for f in serious if f.severity.rank == worst))
    expected = entry.get("category")
    return Outcome(
        file=str(entry["file"]),
        expected_verdict=str(entry["verdict"]),
        expected_category=expected,
        verdict="problem" if serious else "healthy",
        category=expected if expected in named else (named[0] if named else None),
        categories=tuple(f"{f.code}:{f.category.value}" for f in evaluation.findings),
    )


@dataclass(frozen=True)
class Figures:
    reports: int
    verdict_accuracy: float
    category_accuracy: float
    problems: int
    healthy: int
    false_alarms: int
    misses: tuple[str, ...]

    def line(self, name: str) -> str:
        return (
            f"{name}: {self.reports} reports, verdict {self.verdict_accuracy:.0%}, category "
            f"{self.category_accuracy:.0%} of {self.problems} problems, false alarms {self.false_alarms}/"
            f"{self.healthy} healthy"
        )


def figures(outcomes: list[Outcome]) -> Figures:
    problems = [o for o in outcomes if o.expected_verdict == "problem"]
    healthy = [o for o in outcomes if o.expected_verdict == "healthy"]
    right_verdict = sum(1 for o in outcomes if o.verdict == o.expected_verdict)
    right_category = sum(1 for o in problems if o.category == o.expected_category)
    misses = tuple(
        f"{o.file}: expected {o.expected_verdict}/{o.expected_category}, got {o.verdict}/{o.category} "
        f"{list(o.categories)}"
        for o in outcomes
        if o.verdict != o.expected_verdict
        or (o.expected_verdict == "problem" and o.category != o.expected_category)
    )
    return Figures(
        reports=len(outcomes),
        verdict_accuracy=right_verdict / len(outcomes) if outcomes else 0.0,
        category_accuracy=right_category / len(problems) if problems else 0.0,
        problems=len(problems),
        healthy=len(healthy),
        false_alarms=sum(1 for o in healthy if o.verdict == "problem"),
        misses=misses,
    )


def _engine_available() -> bool:
    try:
        from envadvisor.engine import evaluate  # noqa: F401
        from envadvisor.knowledge import load_knowledge

        return bool(load_knowledge().rules)
    except ImportError:
        return False


needs_engine = pytest.mark.skipif(
    not _engine_available(), reason="the knowledge base and engine are not there yet"
)


@needs_engine
def test_diagnosis_reaches_the_targets_on_the_corpus() -> None:
    outcomes = [diagnose(e) for e in index()]
    seen = figures([o for o, e in zip(outcomes, index(), strict=True) if not is_holdout(e)])
    held = figures([o for o, e in zip(outcomes, index(), strict=True) if is_holdout(e)])
    overall = figures(outcomes)
    report = "\n".join([overall.line("all"), seen.line("seen"), held.line("holdout"), *overall.misses])
    print(report)
    assert overall.verdict_accuracy >= VERDICT_TARGET, report
    assert overall.category_accuracy >= CATEGORY_TARGET, report
    assert overall.false_alarms <= max(1, int(overall.healthy * MAX_FALSE_ALARM_RATE)), report
