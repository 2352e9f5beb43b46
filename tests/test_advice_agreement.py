"""diagnose and propose agree: for one target, the build a fix recommends is the build propose writes.

Both read the same decision (envadvisor.propose.decide), so a machine whose PyTorch is a CPU build on a
GPU (EA030 fires) is told to install exactly the ``torch==X+cuYYY`` from the ``/whl/cuYYY`` index that
``propose pytorch --source pip`` pins for it, and, when conda installed torch, the ``pytorch-gpu`` line
and ``cuda-version`` that ``propose pytorch`` writes from conda-forge.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from envadvisor.engine import evaluate
from envadvisor.knowledge import load_knowledge
from envadvisor.model import Facts, from_data
from envadvisor.propose import ProposeOptions, propose
from envadvisor.target import TargetOverrides, apply_overrides
from tests.rule_cases import TODAY

UBUNTU = {"system": "linux", "arch": "x86_64", "glibc": "2.35", "distro": "Ubuntu", "distro_version": "22.04"}
# (GPU, driver): every generation the wheels serve, old and new drivers
TARGETS = (
    ("Tesla K80", "470.82.01"),
    ("NVIDIA GeForce GTX 1080 Ti", "470.82.01"),
    ("NVIDIA GeForce GTX 1080 Ti", "535.104.05"),
    ("Tesla V100-SXM2-16GB", "580.65.06"),
    ("NVIDIA A100-SXM4-80GB", "535.104.05"),
    ("NVIDIA GeForce RTX 4090", "550.54.15"),
    ("NVIDIA H100 80GB HBM3", "580.65.06"),
    ("NVIDIA GeForce RTX 5090", "570.124.06"),
    ("NVIDIA GeForce RTX 5090", "580.65.06"),
)


def _facts(gpu: str, driver: str, installer: str) -> Facts:
    base: dict[str, Any] = {
        "os": UBUNTU,
        "python": {"version": "3.12.3"},
        "gpu": {"nvml_state": "ok"},
        "packages": {"torch": {"version": "2.8.0+cpu", "installer": installer}},
        "frameworks": {"torch": {"version": "2.8.0+cpu", "variant": "cpu"}},
    }
    k = load_knowledge()
    return apply_overrides(
        from_data(Facts, base), TargetOverrides.from_values(gpus=[gpu], driver=driver), k.tables
    )


def _fix(facts: Facts, code: str) -> str:
    finding = next(f for f in evaluate(load_knowledge(), facts, today=TODAY).findings if f.code == code)
    return "\n".join(finding.fix)


@pytest.mark.parametrize(("gpu", "driver"), TARGETS)
def test_pip_fix_installs_the_wheel_propose_pins(gpu: str, driver: str) -> None:
    facts = _facts(gpu, driver, "pip")
    proposal = propose(facts, ["pytorch"], ProposeOptions(source="pip", python="3.12"), load_knowledge())
    pinned = next(d.spec for d in proposal.dependencies if d.name == "torch")
    fix = _fix(facts, "EA030") if "+cpu" not in pinned else None
    if fix is None:  # nothing serves this GPU: no CPU-build alarm to hold a fix against
        return
    assert pinned in fix, f"propose pins {pinned}; the fix says:\n{fix}"
    variant = pinned.split("+", 1)[1]
    assert f"--index-url https://download.pytorch.org/whl/{variant}" in fix


@pytest.mark.parametrize(("gpu", "driver"), TARGETS)
def test_conda_fix_installs_the_build_propose_writes(gpu: str, driver: str) -> None:
    facts = _facts(gpu, driver, "conda")
    proposal = propose(facts, ["pytorch"], ProposeOptions(python="3.12"), load_knowledge())
    specs = {d.name: d.spec for d in proposal.dependencies}
    if "pytorch-gpu" not in specs:
        return  # propose chose the wheels (conda-forge does not fit): the fix is a pip command
    fix = _fix(facts, "EA030")
    line = specs["pytorch-gpu"].removesuffix(".*")
    assert re.search(
        rf"conda install -c conda-forge {re.escape(line)} cuda-version={specs['cuda-version'][13:]}", fix
    ), f"propose writes {specs}; the fix says:\n{fix}"


def test_the_issue_examples() -> None:
    """The cases the issue names, now computed for the machine."""
    # a GTX 1080 Ti on R470 (CUDA 11.4): cu118 wheels, never CUDA 12 or 13
    fix = _fix(_facts("NVIDIA GeForce GTX 1080 Ti", "470.82.01", "pip"), "EA030")
    assert "/whl/cu118" in fix and "cu12" not in fix and "cu13" not in fix, fix
    # an RTX 5090: a CUDA 12.8+ wheel, never cu126 (no sm_120 code)
    fix = _fix(_facts("NVIDIA GeForce RTX 5090", "570.124.06", "pip"), "EA030")
    assert re.search(r"/whl/cu12[89]|/whl/cu13", fix) and "cu126" not in fix, fix
