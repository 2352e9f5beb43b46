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
from dataclasses import dataclass

from envadvisor.knowledge.tables import ArchList, Tables, arch_covers, version_ge, vtuple
from envadvisor.model import Facts, NvmlState
from envadvisor.propose.model import GpuTarget, TargetSummary

SASS = "sass"
PTX = "ptx"

_BROKEN_DRIVER_STATES = {
    NvmlState.NO_DRIVER.value: "no NVIDIA driver found",
    NvmlState.DRIVER_NOT_LOADED.value: "the NVIDIA driver is installed but not loaded",
    NvmlState.DRIVER_LIBRARY_MISMATCH.value: "the driver's kernel module and library differ",
    NvmlState.GPU_LOST.value: "the GPU fell off the bus",
    NvmlState.BLOCKED_BY_OS.value: "the OS blocks the GPU (WSL2 bridge missing?)",
}


def target_from_facts(facts: Facts, tables: Tables) -> TargetSummary:
    """What the proposal needs to know about the target; a missing OS is a usage error."""
    from envadvisor.errors import UsageError

    system = (facts.os.system or "").lower() or None
    if system not in ("linux", "windows", "macos"):
        reason = facts.reasons.get("os.system")
        raise UsageError(
            "the target's operating system is unknown"
            + (f" ({reason})" if reason else "")
            + "; pass --os linux|windows|macos"
        )
    assumed: list[str] = []
    arch = (facts.os.arch or "").lower() or None
    arch = {"amd64": "x86_64", "x64": "x86_64"}.get(arch or "", arch)
    if arch == "arm64" and system != "macos":
        arch = "aarch64"
    if arch == "aarch64" and system == "macos":
        arch = "arm64"
    if arch is None:
        arch = "arm64" if system == "macos" else "x86_64"
        assumed.append(f"CPU architecture not known: assumed {arch} (pass --arch)")

    gpus: list[GpuTarget] = []
    gpu_note: str | None = None
    if system == "macos":
        gpu_note = "macOS has no NVIDIA CUDA" if facts.gpu.devices else None
    else:
        for dev in facts.gpu.devices:
            cc = dev.compute_capability or (tables.compute_capability_for(dev.name) if dev.name else None)
            if cc:
                gpus.append(GpuTarget(dev.name, cc))
        if facts.gpu.devices and not gpus:
            gpu_note = "compute capability unknown; pass --compute-capability"
        if not facts.gpu.devices:
            state = facts.gpu.nvml_state
            gpu_note = _BROKEN_DRIVER_STATES.get(state or "") or facts.reasons.get("gpu.devices")
            if facts.gpu.driver_cuda:
                gpu_note = (
                    f"a driver for CUDA {facts.gpu.driver_cuda} is described but no GPU; add --gpu NAME "
                    "for a CUDA build"
                )
    driver = facts.gpu.driver_version if gpus else None
    driver_cuda = facts.gpu.driver_cuda if gpus else None
    if gpus and driver_cuda is None and driver is not None:
        driver_cuda = tables.max_cuda_for_driver(driver, system)
    if gpus and facts.gpu.nvml_state in _BROKEN_DRIVER_STATES:
        assumed.append(
            f"{_BROKEN_DRIVER_STATES[facts.gpu.nvml_state or '']}: fix the driver before using the GPU"
        )
    return TargetSummary(
        system=system,
        arch=arch,
        glibc=facts.os.glibc if system == "linux" else None,
        wsl=bool(facts.os.wsl) and system == "linux",
        gpus=tuple(gpus),
        driver=driver,
        driver_cuda=driver_cuda,
        gpu_note=gpu_note,
        assumed=tuple(assumed),
    )


def platform_of(target: TargetSummary) -> str:
    """The key of the wheel arch-list tables: linux-x86_64 | linux-aarch64 | windows-x86_64 | macos-arm64."""
    return f"{target.system}-{target.arch}"


def coverage(arch_list: ArchList, cc: str) -> str | None:
    """``sass`` when machine code runs on ``cc``, ``ptx`` when only PTX JIT does, None when neither."""
    if arch_covers(ArchList(arch_list.sass), cc):
        return SASS
    if arch_covers(ArchList((), arch_list.ptx), cc):
        return PTX
    return None


@dataclass(frozen=True, slots=True)
class Fit:
    ok: bool | None  # None: the tables cannot tell
    reason: str  # why not, or what was assumed
    based_on: tuple[str, ...] = ()


def gpus_covered(arch_list: ArchList | None, gpus: Sequence[GpuTarget]) -> tuple[Fit, bool]:
    """Whether every GPU runs the build; the flag says whether some GPU needs PTX JIT."""
    if arch_list is None:
        return Fit(None, "its GPU architecture list is not in the tables"), False
    needs_ptx = False
    for g in gpus:
        kind = coverage(arch_list, g.compute_capability)
        if kind is None:
            return Fit(
                False, f"no kernels for compute capability {g.compute_capability} (has {arch_list})"
            ), False
        needs_ptx = needs_ptx or kind == PTX
    return Fit(
        True, f"has kernels for compute capability {', '.join(sorted({g.compute_capability for g in gpus}))}"
    ), needs_ptx


def driver_fit(tables: Tables, target: TargetSummary, cuda: str, *, needs_ptx: bool) -> Fit:
    """Whether the target's driver runs a build made with CUDA ``cuda``."""
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
        return Fit(None, "the driver is unknown")
    if ok and needs_ptx:
        if target.driver_cuda is None:
            return Fit(
                None,
                "PTX JIT needs a driver at least as new as the build; the driver's CUDA is unknown",
                basis,
            )
        if not version_ge(target.driver_cuda, cuda):
            return Fit(
                False,
                f"the GPU needs PTX JIT, which needs a driver for CUDA >= {cuda} "
                f"(minor version compatibility excludes PTX); the driver supports {target.driver_cuda}",
                basis,
            )
    if ok is None:
        return Fit(None, f"the tables cannot tell whether driver {target.driver} runs CUDA {cuda}", basis)
    if not ok:
        floor = tables.minor_compat_floor(major, target.system)
        need = f">= {floor}" if floor else f"for CUDA {cuda}"
        return Fit(
            False,
            f"CUDA {cuda} builds need a driver {need}; the target has "
            f"{target.driver or 'one for CUDA ' + str(target.driver_cuda)}",
            basis,
        )
    return Fit(True, f"driver runs CUDA {cuda}", basis)


def cudnn_fit(tables: Tables, cudnn: str | None, gpus: Sequence[GpuTarget]) -> Fit:
    if cudnn is None:
        return Fit(None, "the cuDNN it brings is not in the tables")
    for g in gpus:
        ok = tables.cudnn_supports_cc(cudnn, g.compute_capability)
        if ok is False:
            return Fit(
                False,
                f"its cuDNN {cudnn} needs compute capability >= {tables.cudnn_min_cc(cudnn)}",
                (f"cudnn_cc_support[{cudnn}]",),
            )
        if ok is None:
            return Fit(None, f"cuDNN {cudnn} is not in the cuDNN support table")
    return Fit(True, f"cuDNN {cudnn} supports the GPU", (f"cudnn_cc_support[{cudnn}]",))
