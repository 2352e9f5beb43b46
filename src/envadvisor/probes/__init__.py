"""Probes: learn this machine's deep-learning stack, fast, without importing torch, TensorFlow or JAX.

``collect()`` runs every probe, each isolated: an exception inside one becomes a ``failed``
:class:`~envadvisor.model.ProbeOutcome` with the reason, and the others go on. Every outside program
runs with a fixed argv, no shell and a timeout; NVML runs in a thread with a join timeout (see
``nvidia.py``), started first so the driver's start-up overlaps the file reading of the others.

Order matters where probes share what they read: conda records and installed distributions are read
once (``ProbeContext``) and reused by the toolkit, library and framework probes.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from envadvisor.model import Facts, GpuFacts, NvmlState, ProbeOutcome, printable_facts, replace
from envadvisor.probes._base import Contribution, ProbeContext, describe_error

__all__ = ["collect"]


def collect(
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    root: str | os.PathLike[str] = "/",
    sys_path: Sequence[str] | None = None,
    nvml: Any = None,
) -> tuple[Facts, tuple[ProbeOutcome, ...]]:
    """Facts about this machine and the outcome of each probe.

    ``environ`` replaces ``os.environ`` (PATH, CUDA_HOME, CONDA_PREFIX ...), ``root`` prefixes system
    paths (/sys, /proc, /etc, /usr/local, /dev), ``sys_path`` replaces the folders searched for
    installed distributions and ``nvml`` replaces the pynvml module: all for tests.
    """
    from envadvisor.probes import conda, cuda_toolkit, frameworks, host, libraries, nvidia, python_env

    ctx = ProbeContext(
        environ=dict(os.environ if environ is None else environ),
        timeout=timeout,
        root=Path(root),
        sys_path=tuple(sys.path if sys_path is None else sys_path),
    )
    outcomes: list[ProbeOutcome] = []
    facts_sections: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    sources: dict[str, str] = {}

    def run(name: str, step: Callable[[], Contribution]) -> None:
        started = time.perf_counter()
        try:
            contribution = step()
        except Exception as exc:  # isolation: one broken probe never ends the run
            contribution = Contribution(status="failed", detail=describe_error(exc))
        facts_sections.update(contribution.sections)
        reasons.update(contribution.reasons)
        sources.update({k: v for k, v in contribution.sources.items() if v})
        outcomes.append(
            ProbeOutcome(
                name=name,
                status=contribution.status,
                seconds=round(time.perf_counter() - started, 4),
                detail=contribution.detail,
            )
        )

    nvml_started = time.perf_counter()
    try:
        query: nvidia.NvmlQuery | None = nvidia.start(ctx, nvml)
    except Exception as exc:  # a thread that cannot start (resource limits): run nvidia inline
        query = None
        reasons["gpu.nvml_state"] = f"NVML thread could not start: {describe_error(exc)}"
    run("host", lambda: host.probe(ctx))
    run("conda", lambda: conda.probe(ctx))
    run("python_env", lambda: python_env.probe(ctx))
    run("cuda_toolkit", lambda: cuda_toolkit.probe(ctx))
    run("libraries", lambda: libraries.probe(ctx))
    run("frameworks", lambda: frameworks.probe(ctx))
    run("nvidia", lambda: nvidia.probe(ctx, query if query is not None else nvidia.start(ctx, nvml)))
    # the NVML thread ran alongside the others: report its wall time from its start
    outcomes[-1] = replace(outcomes[-1], seconds=round(time.perf_counter() - nvml_started, 4))

    if "gpu" not in facts_sections:
        facts_sections["gpu"] = GpuFacts(
            nvml_state=NvmlState.UNAVAILABLE.value, nvml_error="the nvidia probe failed"
        )
    _note_failed_sections(outcomes, reasons)
    facts = Facts(**facts_sections, reasons=reasons, sources=sources)
    return printable_facts(facts), tuple(outcomes)


# Which Facts sections each probe owns, so a failed probe leaves a reason on its facts.
_SECTIONS_BY_PROBE = {
    "host": ("os",),
    "conda": ("conda",),
    "python_env": ("python", "packages"),
    "cuda_toolkit": ("cuda_toolkit",),
    "libraries": ("cuda_runtime", "cudnn", "nccl", "env"),
    "frameworks": ("frameworks",),
    "nvidia": ("gpu",),
}


def _note_failed_sections(outcomes: list[ProbeOutcome], reasons: dict[str, str]) -> None:
    for outcome in outcomes:
        if outcome.status != "failed":
            continue
        for section in _SECTIONS_BY_PROBE.get(outcome.name, ()):
            reasons.setdefault(section, f"the {outcome.name} probe failed: {outcome.detail}")
