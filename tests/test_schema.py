"""The published JSON schema is the model's schema, and it rejects what the model never produces."""

from __future__ import annotations

import json

import pytest

from envadvisor.model import Facts, GpuFacts, Origin, Report, to_data
from envadvisor.render.schema import published_schema_text
from tests.schema_check import SCHEMA_PATH, assert_valid_report


def test_published_schema_matches_the_model() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == published_schema_text(), (
        "regenerate: python -m envadvisor.render.schema > docs/report-schema.json"
    )


def test_a_report_validates_and_unknown_is_null() -> None:
    data = to_data(Report(tool_version="0.1.0", origin=Origin(kind="machine"), facts=Facts()))
    assert data["facts"]["gpu"]["driver_version"] is None
    assert_valid_report(data)


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("facts", "gpu", "driver_version"), ""),
        (("facts", "gpu", "count"), "N/A"),
        (("facts", "os", "cores"), 0.5),
    ],
)
def test_schema_rejects_fake_unknowns(path: tuple[str, ...], bad: object) -> None:
    data = json.loads(
        json.dumps(
            to_data(Report(tool_version="0.1.0", origin=Origin(kind="machine"), facts=Facts(gpu=GpuFacts())))
        )
    )
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = bad
    with pytest.raises(AssertionError, match="does not match"):
        assert_valid_report(data)
