"""Shared test fixtures: paths to recorded data and a pinned console for byte-stable output."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
SHARED_REFERENCE = REPO.parent / "shared" / "reference"


@pytest.fixture
def repo_root() -> Path:
    return REPO
