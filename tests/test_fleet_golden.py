"""Goldens: the fleet summary of the mixed fleet as the terminal shows it, in English and Chinese.

The console is pinned (width 100, no colour, no terminal) so the text is byte-stable. Regenerate after
a deliberate change with ENVADVISOR_REGEN_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console

from envadvisor.fleet import FleetAggregator, common_target, node_from_report
from envadvisor.knowledge import load_knowledge
from envadvisor.render.fleet import fleet_renderable
from tests.fleet.nodes import mixed_fleet, report_data

GOLDEN = Path(__file__).resolve().parent / "fleet" / "golden"
REGEN = os.environ.get("ENVADVISOR_REGEN_GOLDEN") == "1"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mixed_fleet_summary_matches_golden(lang: str) -> None:
    aggregator = FleetAggregator()
    for report in mixed_fleet():
        aggregator.add(node_from_report(report_data(report), source="test", fallback_name="anon"))
    aggregator.add_unreadable("reports/gpu09.json", "not valid JSON: Expecting value at line 1 column 10")
    summary = aggregator.summary()
    target = common_target(summary, load_knowledge().tables)
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=100, no_color=True, force_terminal=False, highlight=False, emoji=False
    )
    console.print(fleet_renderable(summary, lang, target))
    text = buffer.getvalue()
    path = GOLDEN / f"mixed-fleet-{lang}.txt"
    if REGEN:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden {path.name}: run with ENVADVISOR_REGEN_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")
