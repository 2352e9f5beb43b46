"""Shared test fixtures: paths to recorded data and a pinned console for byte-stable output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# A developer's own `envadvisor knowledge refresh --user` overlay must not change what the tests see
# (subprocesses inherit this too); the overlay tests turn it back on for their own cache folder.
os.environ["ENVADVISOR_NO_OVERLAY"] = "1"

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
SHARED_REFERENCE = REPO.parent / "shared" / "reference"


@pytest.fixture
def repo_root() -> Path:
    return REPO
