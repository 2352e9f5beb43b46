"""Does a build fit a machine? The three questions propose and check both ask.

1. The driver: a build for CUDA X.y runs on a driver of major X or newer (minor version compatibility,
   ``Tables.driver_runs_cuda``), except code that needs PTX JIT, which needs a driver whose own CUDA is
   at least X.y.
2. The GPU: the build carries SASS for the same major compute capability at or below the GPU's, or PTX
   at or below it (``tables.arch_covers``).
3. The cuDNN it brings supports the GPU (``Tables.cudnn_supports_cc``).

Everything answers ``None`` when the tables cannot tell, never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence

from envadvisor.knowledge.tables import ArchList, Tables, arch_covers, version_ge, vtuple
from envadvisor.model import Facts
from envadvisor.propose.phrases import Phrase, joined, phrase
from envadvisor.records import record
from envadvisor.target import GpuTarget, Target, describe_target, require_os

SASS = "sass"
PTX = "ptx"


def target_from_facts(facts: Facts, tables: Tables) -> Target:
    """The target a proposal is made for; an unknown OS is a usage error (``--os``)."""
    target = describe_target(facts, tables)
    require_os(target, facts)
    return target


def platform_of(target: Target) -> str:
    """The key of the wheel arch-list tables: linux-x86_64 | linux-aarch64 | windows-x86_64 | macos-arm64."""
    return f"{target.system}-{target.arch}"


def coverage(arch_list: ArchList, cc: str) -> str | None:
    """``sass`` when machine code runs on ``cc``, ``ptx`` when only PTX JIT does, None when neither."""
    if arch_covers(ArchList(arch_list.sass), cc):
        return SASS
    if arch_covers(ArchList((), arch_list.ptx), cc):
        return PTX
    return None


@record
class Fit:
    ok: bool | None  # None: the tables cannot tell
    reason: Phrase  # why not, or what was assumed (rendered in the language of the output)
    based_on: tuple[str, ...] = ()


def gpus_covered(arch_list: ArchList | None, gpus: Sequence[GpuTarget]) -> tuple[Fit, bool]:
    """Whether every GPU runs the build; the flag says whether some GPU needs PTX JIT."""
    if arch_list is None:
        return Fit(None, phrase("fit.arch_list_unknown")), False
    needs_ptx = False
    for g in gpus:
        kind = coverage(arch_list, g.compute_capability)
        if kind is None:
            return Fit(
                False, phrase("fit.no_kernels", cc=g.compute_capability, arch_list=str(arch_list))
            ), False
        needs_ptx = needs_ptx or kind == PTX
    ccs = joined(sorted({g.compute_capability for g in gpus}), ", ")
    return Fit(True, phrase("fit.kernels", ccs=ccs)), needs_ptx


GPU_DRIVER_BASIS = "gpu_driver_support"


def gpu_driver_fit(tables: Tables, target: Target) -> Fit | None:
    """Whether the driver drives the GPUs at all: a driver that predates a GPU (an RTX 5090 on R560)
    or that comes after its architecture's last branch (a GTX 1080 on R590) runs no build on it.
    None when the driver or the GPUs are not known."""
    if not target.driver or not target.gpus:
        return None
    for g in target.gpus:
        name = g.name or phrase("fit.this_gpu")
        if tables.driver_predates_gpu(target.driver, g.compute_capability, g.name, target.system):
            floor = tables.min_driver_for_gpu(g.compute_capability, g.name, target.system)
            need = floor.label if floor is not None else phrase("fit.newer_branch")
            return Fit(False, phrase("fit.driver_predates_gpu", driver=target.driver, gpu=name, need=need),
                       (f"{GPU_DRIVER_BASIS}[{floor.architecture if floor else g.compute_capability}]",))
        if tables.driver_dropped_gpu(target.driver, g.compute_capability, target.system):
            last = tables.last_driver_branch_for_cc(g.compute_capability)
            dropped = phrase("fit.driver_dropped_gpu", driver=target.driver, gpu=name, branch=str(last))
            return Fit(False, dropped, (f"{GPU_DRIVER_BASIS}.last_branch[{g.compute_capability}]",))
    return Fit(True, phrase("fit.driver_drives_gpus"), (GPU_DRIVER_BASIS,))


def gpu_driver_floor(tables: Tables, target: Target) -> str | None:
    """The oldest driver every GPU of the target works with (a version on a known OS, else the
    branch); None when the tables do not know it."""
    floors = []
    for g in target.gpus:
        floor = tables.min_driver_for_gpu(g.compute_capability, g.name, target.system)
        if floor is None:
            continue
        floors.append(floor.version or str(floor.branch))
    return max(floors, key=lambda v: vtuple(v) or (0,)) if floors else None


def driver_fit(tables: Tables, target: Target, cuda: str, *, needs_ptx: bool) -> Fit:
    """Whether the target's driver runs a build made with CUDA ``cuda`` on its GPUs."""
    gpu_fit = gpu_driver_fit(tables, target)
    if gpu_fit is not None and gpu_fit.ok is False:
        return gpu_fit
    major = (vtuple(cuda) or (0,))[0]
    ok: bool | None
    if target.driver:
        ok = tables.driver_runs_cuda(target.driver, cuda, target.system)
        basis = (f"cuda_minor_version_compatibility[{major}]",)
    elif target.driver_cuda:
        dmajor = (vtuple(target.driver_cuda) or (0,))[0]
        ok = major <= dmajor
        basis = ("gpu.driver_cuda",)
    else:
        return Fit(None, phrase("fit.driver_unknown"))
    if ok and needs_ptx:
        if target.driver_cuda is None:
            return Fit(None, phrase("fit.ptx_driver_cuda_unknown"), basis)
        if not version_ge(target.driver_cuda, cuda):
            return Fit(
                False, phrase("fit.ptx_driver_too_old", cuda=cuda, driver_cuda=target.driver_cuda), basis
            )
    if ok is None:
        return Fit(None, phrase("fit.driver_cannot_tell", driver=str(target.driver), cuda=cuda), basis)
    if not ok:
        floor = tables.minor_compat_floor(major, target.system)
        need = phrase("fit.need_at_least", floor=floor) if floor else phrase("fit.need_for_cuda", cuda=cuda)
        have = target.driver or phrase("fit.driver_for_cuda", cuda=str(target.driver_cuda))
        return Fit(False, phrase("fit.driver_too_old", cuda=cuda, need=need, have=have), basis)
    return Fit(True, phrase("fit.driver_runs_cuda", cuda=cuda), basis)


def cudnn_fit(tables: Tables, cudnn: str | None, gpus: Sequence[GpuTarget]) -> Fit:
    if cudnn is None:
        return Fit(None, phrase("fit.cudnn_unknown"))
    for g in gpus:
        ok = tables.cudnn_supports_cc(cudnn, g.compute_capability)
        if ok is False:
            return Fit(
                False,
                phrase("fit.cudnn_cc_floor", cudnn=cudnn, cc=str(tables.cudnn_min_cc(cudnn))),
                (f"cudnn_cc_support[{cudnn}]",),
            )
        if ok is None:
            return Fit(None, phrase("fit.cudnn_not_in_table", cudnn=cudnn))
    return Fit(True, phrase("fit.cudnn_supports", cudnn=cudnn), (f"cudnn_cc_support[{cudnn}]",))
