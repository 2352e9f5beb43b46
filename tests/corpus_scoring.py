"""Scoring of the real-report corpus (tests/reports/): one place for the test and for bench/bench_corpus.py.

Three parts, read from three index files:

* ``train`` - tests/reports/index.yaml: reports the readers may be improved against;
* ``holdout`` - tests/reports/holdout/index.yaml: frozen; expectations written from the threads before
  any scoring, never tuned to. Its figures are the honest estimate (docs/accuracy.md);
* ``late`` - tests/reports/late/index.yaml: a second frozen holdout, collected after the baseline and
  scored once at the end of the work, so no change can have been fitted to it.

A report is judged "problem" when the engine raises an error or a warning about something broken now;
knowledge gaps and end-of-life notices are advice about the future, not a diagnosis, and do not count.
The category is right when the expected one is among the categories of the most severe such findings
(a report may show two real problems at once, and naming both is right). A false alarm, as issue 13
counts it, is an error on a healthy report; warnings on healthy reports are counted beside it.
A crash is any exception out of reading or evaluating a report (a user would see a traceback).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPORTS = Path(__file__).parent / "reports"
INDEXES = {
    "train": REPORTS / "index.yaml",
    "holdout": REPORTS / "holdout" / "index.yaml",
    "late": REPORTS / "late" / "index.yaml",
}
SPLITS = tuple(INDEXES)
HELD_OUT = ("holdout", "late")
# The engine decides end-of-life rules by date; pin it so the figures do not drift with the calendar.
TODAY = dt.date(2026, 11, 28)
ADVISORY_CATEGORIES = frozenset({"knowledge_gap", "python_eol"})
SERIOUS = ("error", "warning")

# What issue 13 asks of the holdout.
TARGETS = {"verdict": 0.90, "category": 0.85, "false_alarms_per_healthy": 0.10}


@cache
def index(split: str) -> tuple[Mapping[str, Any], ...]:
    from envadvisor.resources import load_yaml_text

    path = INDEXES[split]
    data = load_yaml_text(path.read_text(encoding="utf-8"), path=str(path.relative_to(REPORTS.parent)))
    assert isinstance(data, dict), path
    return tuple(data["reports"])


def entries(splits: Iterable[str] = SPLITS) -> list[tuple[str, Mapping[str, Any]]]:
    return [(split, entry) for split in splits for entry in index(split)]


def report_text(entry: Mapping[str, Any]) -> str:
    return (REPORTS / str(entry["file"])).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Outcome:
    file: str
    split: str
    expected_verdict: str
    expected_category: str | None
    verdict: str
    category: str | None  # the expected one when named among the most severe, else the first named
    worst: str | None  # severity of the most severe serious finding
    findings: tuple[str, ...]  # code:category:severity of every finding
    formats: tuple[str, ...]  # the formats the importer recognised
    crash: str | None = None

    @property
    def verdict_right(self) -> bool:
        return self.crash is None and self.verdict == self.expected_verdict

    @property
    def category_right(self) -> bool:
        return self.verdict_right and self.category == self.expected_category

    @property
    def false_alarm(self) -> bool:
        return self.expected_verdict == "healthy" and self.worst == "error"

    @property
    def warned_healthy(self) -> bool:
        return self.expected_verdict == "healthy" and self.worst == "warning"

    def miss_line(self) -> str:
        if self.crash:
            return f"{self.file}: CRASH {self.crash}"
        expected = self.expected_verdict + (f"/{self.expected_category}" if self.expected_category else "")
        got = self.verdict + (f"/{self.category}" if self.category else "")
        return f"{self.file}: expected {expected}, got {got} {list(self.findings)}"


def diagnose(split: str, entry: Mapping[str, Any]) -> Outcome:
    from envadvisor.engine import evaluate
    from envadvisor.importers import read_report
    from envadvisor.knowledge import load_knowledge

    expected_category = entry.get("category")
    base = {
        "file": str(entry["file"]),
        "split": split,
        "expected_verdict": str(entry["verdict"]),
        "expected_category": str(expected_category) if expected_category else None,
    }
    try:
        imported = read_report(report_text(entry), source_name=str(entry["file"]))
        evaluation = evaluate(load_knowledge(), imported.facts, today=TODAY, quotes=imported.quotes)
    except Exception as exc:  # a crash is a measured outcome here, not a test error
        crash = f"{type(exc).__name__}: {exc}"[:300]
        return Outcome(
            **base, verdict="crash", category=None, worst=None, findings=(), formats=(), crash=crash
        )
    serious = [
        f
        for f in evaluation.findings
        if f.severity.value in SERIOUS and f.category.value not in ADVISORY_CATEGORIES
    ]
    worst_rank = max((f.severity.rank for f in serious), default=None)
    named = tuple(dict.fromkeys(f.category.value for f in serious if f.severity.rank == worst_rank))
    worst = next((f.severity.value for f in serious if f.severity.rank == worst_rank), None)
    expected = base["expected_category"]
    return Outcome(
        **base,
        verdict="problem" if serious else "healthy",
        category=expected if expected in named else (named[0] if named else None),
        worst=worst,
        findings=tuple(f"{f.code}:{f.category.value}:{f.severity.value}" for f in evaluation.findings),
        formats=tuple(imported.formats),
    )


def diagnose_all(splits: Iterable[str] = SPLITS) -> list[Outcome]:
    return [diagnose(split, entry) for split, entry in entries(splits)]


@dataclass(frozen=True)
class Figures:
    name: str
    reports: int
    problems: int
    healthy: int
    verdict_right: int
    category_right: int
    false_alarms: int
    warned_healthy: int
    crashes: int
    misses: tuple[Outcome, ...] = field(default=())

    @property
    def verdict_accuracy(self) -> float:
        return self.verdict_right / self.reports if self.reports else 0.0

    @property
    def category_accuracy(self) -> float:
        return self.category_right / self.problems if self.problems else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.healthy if self.healthy else 0.0

    def line(self) -> str:
        return (
            f"{self.name}: {self.reports} reports; verdict {self.verdict_right}/{self.reports} "
            f"({self.verdict_accuracy:.1%}); category {self.category_right}/{self.problems} problems "
            f"({self.category_accuracy:.1%}); false alarms (error on healthy) {self.false_alarms}/"
            f"{self.healthy}, warnings on healthy {self.warned_healthy}; crashes {self.crashes}"
        )

    def meets_targets(self) -> bool:
        return (
            self.verdict_accuracy >= TARGETS["verdict"]
            and self.category_accuracy >= TARGETS["category"]
            and self.false_alarm_rate <= TARGETS["false_alarms_per_healthy"]
            and self.crashes == 0
        )


def figures(name: str, outcomes: Sequence[Outcome]) -> Figures:
    problems = [o for o in outcomes if o.expected_verdict == "problem"]
    healthy = [o for o in outcomes if o.expected_verdict == "healthy"]
    return Figures(
        name=name,
        reports=len(outcomes),
        problems=len(problems),
        healthy=len(healthy),
        verdict_right=sum(o.verdict_right for o in outcomes),
        category_right=sum(o.category_right for o in problems),
        false_alarms=sum(o.false_alarm for o in healthy),
        warned_healthy=sum(o.warned_healthy for o in healthy),
        crashes=sum(o.crash is not None for o in outcomes),
        misses=tuple(
            o
            for o in outcomes
            if not o.verdict_right or (o.expected_verdict == "problem" and not o.category_right)
        ),
    )


def by_expected_category(outcomes: Sequence[Outcome]) -> dict[str, tuple[int, int, int]]:
    """Per expected category ("healthy" for the healthy reports): (reports, verdict right, category
    right). For a healthy report the category is right when its verdict is (nothing serious named)."""
    rows: dict[str, list[int]] = {}
    for o in outcomes:
        row = rows.setdefault(o.expected_category or "healthy", [0, 0, 0])
        row[0] += 1
        row[1] += o.verdict_right
        row[2] += o.category_right if o.expected_verdict == "problem" else o.verdict_right
    return {name: (row[0], row[1], row[2]) for name, row in sorted(rows.items())}


def coverage(splits: Iterable[str] = SPLITS) -> dict[str, Counter[str]]:
    """How the corpus spreads over formats, years, systems, languages, tags and expected categories."""
    counts: dict[str, Counter[str]] = {
        key: Counter() for key in ("formats", "year", "os", "lang", "tags", "category")
    }
    for _split, entry in entries(splits):
        counts["formats"].update(str(f) for f in entry.get("formats") or ())
        counts["tags"].update(str(t) for t in entry.get("tags") or ())
        counts["year"][str(entry.get("year", "unrecorded"))] += 1
        counts["os"][str(entry.get("os", "unrecorded"))] += 1
        counts["lang"][str(entry.get("lang", "unrecorded"))] += 1
        counts["category"][str(entry.get("category", "healthy"))] += 1
    return counts
