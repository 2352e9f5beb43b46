"""envadvisor's own ``diagnose --json`` output, read back (a round trip of ``model.to_data(Facts)``).

The JSON carries its facts with their reasons and sources, so nothing is re-derived: the facts come
back as they were written. JSON of another shape is not this format (and falls to the text readers).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from envadvisor.errors import InputError
from envadvisor.model import DataError, Facts, from_data, newer_schema

NAME = "envadvisor_json"


def detect_text(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith("{") and '"facts"' in stripped[:200_000]


def read(text: str) -> Facts | None:
    """The facts of a ``diagnose --json`` report, or ``None`` when the text is not one."""
    from envadvisor.safetext import json_int

    try:
        data = json.loads(text, parse_int=json_int)  # one absurd number is an unknown, not a lost report
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, Mapping) or not isinstance(data.get("facts"), Mapping):
        return None
    newer = newer_schema(data)  # the same rule as fleet: a newer report is refused, not half read
    if newer is not None:
        raise InputError(f"report: {newer}; update envadvisor to read it")
    try:
        return from_data(Facts, data["facts"])
    except (DataError, RecursionError, TypeError, ValueError):
        return None
