"""The JSON Schema of ``diagnose --json``, derived from the frozen model so the two cannot drift.

``docs/report-schema.json`` is this schema, published; a test regenerates it and compares.
Nullable fields are ``null`` when unknown: the schema makes every scalar fact nullable, but never
allows ``""`` to stand in for unknown (the model never produces it).
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Mapping
from typing import Any, Union

from envadvisor.model import Report
from envadvisor.records import is_record, record_fields

SCHEMA_ID = "https://envadvisor.invalid/schema/report-1.json"

# Fields added after reports of this schema version were written and kept (recorded fleet nodes,
# pasted reports): a report without them is still a valid report of the version. ``facts.proof``
# exists only since ``diagnose --deep``.
OPTIONAL_FIELDS = frozenset({("Facts", "proof")})
# Strings where "" is a value, not a stand-in for unknown: CUDA_VISIBLE_DEVICES set but empty hides
# every GPU (rule EA005 tests for it).
EMPTY_ALLOWED = frozenset({("GpuFacts", "cuda_visible_devices")})


def report_schema() -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    root = _schema_for(Report, definitions)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "envadvisor diagnose report",
        "description": "Output of `envadvisor diagnose --json`. null means unknown; "
        "facts.reasons says why, facts.sources says where a value came from.",
        **root,
        "$defs": definitions,
    }


def _schema_for(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        inner = [_schema_for(a, defs) for a in non_none]
        options = [*inner, {"type": "null"}] if type(None) in args else inner
        return options[0] if len(options) == 1 else {"anyOf": options}
    if tp is Any:
        return {}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"enum": [m.value for m in tp]}
    if isinstance(tp, type) and is_record(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # reserve first: recursion-safe
            hints = typing.get_type_hints(tp)
            fields = record_fields(tp)
            defs[name] = {
                "type": "object",
                "properties": {
                    field: _allow_empty(_schema_for(hints[field], defs))
                    if (name, field) in EMPTY_ALLOWED
                    else _schema_for(hints[field], defs)
                    for field in fields
                },
                "required": [f for f in fields if (name, f) not in OPTIONAL_FIELDS],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    if origin is tuple:
        return {"type": "array", "items": _schema_for(args[0], defs) if args else {}}
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        value = args[1] if len(args) == 2 else Any
        return {"type": "object", "additionalProperties": _schema_for(value, defs)}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is str:
        return {"type": "string", "minLength": 1}
    raise TypeError(f"no JSON schema for {tp!r}")


def _allow_empty(schema: dict[str, Any]) -> dict[str, Any]:
    options = schema.get("anyOf", [schema])
    return {"anyOf": [{k: v for k, v in o.items() if k != "minLength"} for o in options]}


def published_schema_text() -> str:
    import json

    return json.dumps(report_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # regenerate docs/report-schema.json: python -m envadvisor.render.schema
    import sys

    sys.stdout.write(published_schema_text())
