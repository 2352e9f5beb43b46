"""The propose/check target matrix (tests/golden/propose/targets.yaml) turned into facts and proposals."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from envadvisor.knowledge import Knowledge, load_knowledge
from envadvisor.model import Facts, Report, from_data
from envadvisor.propose import Proposal, ProposeOptions, propose
from envadvisor.resources import load_yaml_text
from envadvisor.target import TargetOverrides, apply_overrides

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden" / "propose"
CHANNEL = TESTS / "channel"


@dataclass(frozen=True)
class Case:
    id: str
    facts: Facts
    wants: tuple[str, ...]
    options: ProposeOptions
    raw: Mapping[str, Any]


def knowledge() -> Knowledge:
    return load_knowledge()


@cache
def cases() -> tuple[Case, ...]:
    doc = load_yaml_text((GOLDEN / "targets.yaml").read_text(encoding="utf-8"), path="targets.yaml")
    assert isinstance(doc, Mapping)
    out = []
    for raw in doc["targets"]:
        out.append(
            Case(
                raw["id"],
                facts_for(raw),
                tuple(raw["wants"]),
                ProposeOptions(python=raw.get("python"), source=raw.get("source", "auto")),
                raw,
            )
        )
    return tuple(out)


def facts_for(raw: Mapping[str, Any]) -> Facts:
    if "machine" in raw:
        report = json.loads((TESTS / "machines" / f"{raw['machine']}.json").read_text(encoding="utf-8"))
        base = from_data(Report, report).facts
    else:
        base = from_data(Facts, raw.get("base") or {})
    target = TargetOverrides.from_values(
        os=raw.get("os"),
        arch=raw.get("arch"),
        gpus=raw.get("gpus") or (),
        driver=raw.get("driver"),
        no_gpu=bool(raw.get("no_gpu")),
        compute_capability=raw.get("compute_capability"),
    )
    return apply_overrides(base, target, knowledge().tables)


@cache
def proposal(case_id: str, lang: str = "en") -> Proposal:
    case = next(c for c in cases() if c.id == case_id)
    return propose(case.facts, case.wants, case.options, knowledge(), lang=lang)


def case_ids() -> list[str]:
    return [c.id for c in cases()]
