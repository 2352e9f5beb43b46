"""Goldens: the environment.yml proposed for each target of tests/golden/propose/targets.yaml.

Regenerate after a deliberate change with ENVADVISOR_REGEN_GOLDEN=1 and review the diff; a golden is
never rewritten silently.
"""

from __future__ import annotations

import os

import pytest

from tests.propose_matrix import GOLDEN, case_ids, proposal

REGEN = os.environ.get("ENVADVISOR_REGEN_GOLDEN") == "1"


@pytest.mark.parametrize("case_id", case_ids())
def test_proposal_matches_golden(case_id: str) -> None:
    text = proposal(case_id).to_yaml()
    path = GOLDEN / f"{case_id}.yml"
    if REGEN:
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden for {case_id}: run with ENVADVISOR_REGEN_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_every_golden_file_has_a_target() -> None:
    on_disk = {p.stem for p in GOLDEN.glob("*.yml")}
    assert on_disk == set(case_ids())
