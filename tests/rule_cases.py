"""Load tests/cases/rules.yaml: per-rule facts that fire, stay quiet, or leave a rule not evaluated."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from envadvisor.model import Facts, from_data
from envadvisor.resources import load_yaml_text

CASES_FILE = Path(__file__).resolve().parent / "cases" / "rules.yaml"
TODAY = datetime.date(2026, 11, 28)


def load_cases() -> dict[str, Any]:
    data = load_yaml_text(CASES_FILE.read_text(encoding="utf-8"), path=str(CASES_FILE))
    assert isinstance(data, dict)
    return data


def merge(into: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``overrides``; a None value removes the key (the model default, unknown, applies)."""
    for key, value in overrides.items():
        if value is None:
            into.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(into.get(key), dict):
            merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)
    return into


def build_facts(base: Mapping[str, Any], overrides: Any) -> Facts:
    data = copy.deepcopy(dict(base))
    for part in overrides if isinstance(overrides, list) else [overrides]:
        merge(data, part or {})
    return from_data(Facts, data)
