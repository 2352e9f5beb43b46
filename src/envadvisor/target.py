"""Target overrides: describe a machine other than this one (``--gpu``, ``--driver``, ``--no-gpu`` ...).

Every command that judges a machine takes the same overrides. They replace detected (or imported)
facts, and each replaced key is listed in :attr:`Facts.overridden` so reports can say so. Overrides are
validated here: a value that cannot be used is a :class:`UsageError` (one line, exit 2).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from envadvisor.errors import UsageError
from envadvisor.knowledge.tables import driver_branch_input, driver_is_branch
from envadvisor.model import Facts, GpuDevice, NvmlState, replace
from envadvisor.records import record

_DRIVER_RE = re.compile(r"^\d{2,4}(\.\d{1,3}){0,2}$")
# A driver given by its branch: 580, R570, r570, 570.xx (knowledge.tables.driver_branch_input)
_CC_RE = re.compile(r"^\d{1,2}\.\d$")
_GLIBC_RE = re.compile(r"^2\.\d{1,2}$")
_OS_VERSION_RE = re.compile(r"^\d{1,4}(\.\d{1,4}){0,2}$")
_CUDA_RE = re.compile(r"^\d{1,2}\.\d{1,2}$")

OS_CHOICES = ("linux", "windows", "macos")
ARCH_CHOICES = ("x86_64", "aarch64", "arm64")


class GpuKnowledge(Protocol):
    """What target overrides need from the knowledge tables."""

    def compute_capability_for(self, gpu_name: str) -> str | None: ...

    def gpu_names_like(self, gpu_name: str, limit: int = 3) -> list[str]: ...

    def max_cuda_for_driver(self, driver: str, system: str | None) -> str | None: ...


@record
class TargetOverrides:
    os: str | None = None
    arch: str | None = None
    gpus: tuple[str, ...] = ()
    compute_capability: str | None = None
    driver: str | None = None
    no_gpu: bool = False
    conda_override_cuda: str | None = None  # CONDA_OVERRIDE_CUDA: "" means no driver
    glibc: str | None = None  # --glibc 2.17 (Linux): decides which manylinux wheels install
    os_version: str | None = None  # --os-version 13.6 (macOS) / 22.04 (Ubuntu): os.distro_version

    @property
    def any(self) -> bool:
        return (
            bool(self.os or self.arch or self.gpus or self.compute_capability or self.driver or self.no_gpu)
            or bool(self.glibc or self.os_version)
            or self.conda_override_cuda is not None
        )

    @classmethod
    def from_values(
        cls,
        *,
        os: str | None = None,
        arch: str | None = None,
        gpus: Sequence[str] = (),
        compute_capability: str | None = None,
        driver: str | None = None,
        no_gpu: bool = False,
        glibc: str | None = None,
        os_version: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> TargetOverrides:
        if os is not None and os.lower() not in OS_CHOICES:
            raise UsageError(f"--os {os!r}: choose one of {', '.join(OS_CHOICES)}")
        if arch is not None and arch.lower() not in ARCH_CHOICES:
            raise UsageError(f"--arch {arch!r}: choose one of {', '.join(ARCH_CHOICES)}")
        if driver is not None:
            driver = driver_branch_input(driver) or driver.strip()
            if not _DRIVER_RE.match(driver):
                raise UsageError(
                    f"--driver {driver!r}: expected an NVIDIA driver version such as 550.144.03, "
                    "or its branch such as 580 or R570"
                )
        if compute_capability is not None and not _CC_RE.match(compute_capability.strip()):
            raise UsageError(f"--compute-capability {compute_capability!r}: expected MAJOR.MINOR such as 8.6")
        if glibc is not None and not _GLIBC_RE.match(glibc.strip()):
            raise UsageError(f"--glibc {glibc!r}: expected a glibc version such as 2.17 or 2.28")
        if glibc is not None and os is not None and os.lower() != "linux":
            raise UsageError(f"--glibc describes Linux; the target is --os {os.lower()}")
        if os_version is not None and not _OS_VERSION_RE.match(os_version.strip()):
            raise UsageError(f"--os-version {os_version!r}: expected a release such as 14.5 or 22.04")
        if no_gpu and (gpus or compute_capability or driver):
            raise UsageError("--no-gpu cannot be combined with --gpu, --compute-capability or --driver")
        override_cuda = None if environ is None else environ.get("CONDA_OVERRIDE_CUDA")
        if override_cuda is not None:
            override_cuda = override_cuda.strip()
            if override_cuda and not _CUDA_RE.match(override_cuda):
                raise UsageError(
                    f"CONDA_OVERRIDE_CUDA={override_cuda!r}: expected a CUDA version such as 12.9 "
                    "(or empty for no driver)"
                )
        return cls(
            os=os.lower() if os else None,
            arch=_normal_arch(arch.lower()) if arch else None,
            gpus=tuple(g.strip() for g in gpus if g.strip()),
            compute_capability=compute_capability.strip() if compute_capability else None,
            driver=driver.strip() if driver else None,
            no_gpu=no_gpu,
            conda_override_cuda=override_cuda,
            glibc=glibc.strip() if glibc else None,
            os_version=os_version.strip() if os_version else None,
        )


def _normal_arch(arch: str) -> str:
    return arch


def apply_overrides(facts: Facts, target: TargetOverrides, tables: GpuKnowledge) -> Facts:
    """Return ``facts`` with the target's values in place; records each replaced key."""
    if not target.any:
        return facts
    overridden: list[str] = list(facts.overridden)
    sources = dict(facts.sources)
    reasons = dict(facts.reasons)

    def mark(key: str) -> None:
        if key not in overridden:
            overridden.append(key)
        sources[key] = "override"
        reasons.pop(key, None)

    os_facts = facts.os
    if target.os:
        os_facts = replace(os_facts, system=target.os)
        mark("os.system")
        if target.os != "linux":
            os_facts = replace(os_facts, glibc=None, wsl=False if target.os == "windows" else None)
            reasons["os.glibc"] = f"not applicable on {target.os}"
        if target.os == "macos" and not target.arch:
            os_facts = replace(os_facts, arch="arm64")
            mark("os.arch")
    if target.glibc:
        if os_facts.system not in (None, "linux"):
            raise UsageError(f"--glibc describes Linux; the target is {os_facts.system}")
        os_facts = replace(os_facts, glibc=target.glibc)
        mark("os.glibc")
    if target.os_version:
        os_facts = replace(os_facts, distro_version=target.os_version)
        if os_facts.system == "macos":
            os_facts = replace(os_facts, distro="macOS")
        elif target.os and target.os != facts.os.system:
            # Another OS than this machine's: its distribution is not this one's, and was not given.
            os_facts = replace(os_facts, distro="Windows" if target.os == "windows" else None)
            if target.os == "linux":
                reasons["os.distro"] = "not given: --os-version describes the release only"
        mark("os.distro_version")
    if target.arch:
        arch = target.arch
        if (target.os or os_facts.system) == "macos" and arch == "aarch64":
            arch = "arm64"
        os_facts = replace(os_facts, arch=arch)
        mark("os.arch")

    gpu = facts.gpu
    if target.no_gpu or target.conda_override_cuda == "" or (target.os == "macos"):
        gpu = replace(
            gpu,
            nvml_state=NvmlState.NO_DRIVER.value,
            nvml_error=None,
            driver_version=None,
            driver_cuda=None,
            driver_cuda_inferred=None,
            driver_source="override",
            count=0,
            devices=(),
        )
        for key in ("gpu.nvml_state", "gpu.driver_version", "gpu.driver_cuda", "gpu.devices", "gpu.count"):
            mark(key)
        reasons["gpu.driver_version"] = "overridden: no NVIDIA GPU on the target"
        reasons["gpu.driver_cuda"] = "overridden: no NVIDIA GPU on the target"
    else:
        devices = list(gpu.devices)
        if target.gpus:
            devices = []
            for i, name in enumerate(target.gpus):
                cc = tables.compute_capability_for(name)
                if cc is None and target.compute_capability is None:
                    close = tables.gpu_names_like(name)
                    hint = f" (did you mean {', '.join(close)}?)" if close else ""
                    raise UsageError(
                        f"--gpu {name!r}: not in the GPU table{hint}; add --compute-capability X.Y"
                    )
                devices.append(
                    GpuDevice(
                        index=i,
                        name=name,
                        compute_capability=target.compute_capability or cc,
                        compute_capability_source="override" if target.compute_capability else "name-table",
                    )
                )
            mark("gpu.devices")
        elif target.compute_capability:
            if devices:
                devices = [
                    replace(
                        d, compute_capability=target.compute_capability, compute_capability_source="override"
                    )
                    for d in devices
                ]
            else:
                devices = [
                    GpuDevice(
                        index=0,
                        compute_capability=target.compute_capability,
                        compute_capability_source="override",
                    )
                ]
            mark("gpu.devices")
        gpu = replace(gpu, devices=tuple(devices), count=len(devices) if devices else gpu.count)
        if devices and gpu.count:
            mark("gpu.count")
        system = os_facts.system
        if target.driver:
            inferred = tables.max_cuda_for_driver(target.driver, system)
            gpu = replace(
                gpu,
                nvml_state=NvmlState.OK.value,
                nvml_error=None,
                driver_version=target.driver,
                driver_cuda=inferred,
                driver_cuda_inferred=inferred is not None,
                driver_source="override",
            )
            mark("gpu.driver_version")
            if driver_is_branch(target.driver):
                # A branch (580, R570): the version is the branch number; the report says so.
                sources["gpu.driver_version"] = f"override: branch R{target.driver}, patch level not known"
            mark("gpu.nvml_state")
            if inferred is None:
                reasons["gpu.driver_cuda"] = f"driver {target.driver} is not in the driver tables"
            else:
                mark("gpu.driver_cuda")
                sources["gpu.driver_cuda"] = "inferred from --driver"
        if target.conda_override_cuda:
            gpu = replace(gpu, driver_cuda=target.conda_override_cuda, driver_cuda_inferred=False)
            if gpu.nvml_state != NvmlState.OK.value and (devices or target.driver):
                gpu = replace(gpu, nvml_state=NvmlState.OK.value)
            mark("gpu.driver_cuda")
            sources["gpu.driver_cuda"] = "CONDA_OVERRIDE_CUDA"
            if not target.driver and gpu.driver_version is None:
                reasons["gpu.driver_version"] = "not known: only CONDA_OVERRIDE_CUDA describes the driver"
        if (
            (target.gpus or target.compute_capability)
            and not target.driver
            and not target.conda_override_cuda
        ):
            # A GPU described without a driver: the driver stays unknown, never guessed.
            if gpu.driver_version is None:
                reasons["gpu.driver_version"] = "not given: add --driver to describe the target's driver"
                reasons["gpu.driver_cuda"] = "not given: add --driver to describe the target's driver"
            if gpu.nvml_state in (None, NvmlState.NO_DRIVER.value, NvmlState.UNAVAILABLE.value):
                gpu = replace(gpu, nvml_state=None, nvml_error=None)
                reasons["gpu.nvml_state"] = "not given: the target is described by overrides"

    return replace(
        facts,
        os=os_facts,
        gpu=gpu,
        overridden=tuple(overridden),
        sources=sources,
        reasons=reasons,
    )


# --------------------------------------------------------------------------------------------------
# The target as the decision sees it: one description of the machine, built once from the facts
# --------------------------------------------------------------------------------------------------


@record
class GpuTarget:
    name: str | None
    compute_capability: str


_BROKEN_DRIVER_STATES = {
    NvmlState.NO_DRIVER.value: "no NVIDIA driver found",
    NvmlState.DRIVER_NOT_LOADED.value: "the NVIDIA driver is installed but not loaded",
    NvmlState.DRIVER_LIBRARY_MISMATCH.value: "the driver's kernel module and library differ",
    NvmlState.GPU_LOST.value: "the GPU fell off the bus",
    NvmlState.BLOCKED_BY_OS.value: "the OS blocks the GPU (WSL2 bridge missing?)",
}


@record
class Target:
    """The machine an environment or a fix is made for: the one place the driver's CUDA is inferred.

    ``system`` is None only when the facts do not say (a fix is then written without OS-specific
    commands; ``propose`` asks for ``--os``). ``gpus`` lists the NVIDIA GPUs whose compute capability is
    known; ``driver``/``driver_cuda`` are set only when there is such a GPU.
    """

    system: str | None  # linux | windows | macos
    arch: str  # x86_64 | aarch64 | arm64
    glibc: str | None = None
    wsl: bool = False
    gpus: tuple[GpuTarget, ...] = ()
    driver: str | None = None
    driver_cuda: str | None = None
    gpu_note: str | None = None  # why no GPU is used, when there is none
    assumed: tuple[str, ...] = ()  # facts that had to be assumed, said out loud

    @property
    def subdir(self) -> str:
        """The conda platform subdirectory (linux-64, osx-arm64, win-64 ...)."""
        machine = {"x86_64": "64", "aarch64": "aarch64", "arm64": "arm64"}.get(self.arch, self.arch)
        if self.system == "macos":
            return "osx-arm64" if self.arch == "arm64" else "osx-64"
        if self.system == "windows":
            return f"win-{machine}"
        return f"linux-{machine}"

    @property
    def platform(self) -> str:
        """The key of the wheel arch-list tables: linux-x86_64 | linux-aarch64 | windows-x86_64 ..."""
        return f"{self.system}-{self.arch}"

    def describe(self) -> str:
        os_name = {"linux": "Linux", "windows": "Windows", "macos": "macOS"}.get(
            self.system or "", self.system or "an unknown OS"
        )
        text = f"{os_name} {self.arch}"
        if self.wsl:
            text += " (WSL2)"
        if self.glibc:
            text += f", glibc {self.glibc}"
        return text

    def describe_gpus(self) -> str:
        if not self.gpus:
            return "no NVIDIA GPU" + (f" ({self.gpu_note})" if self.gpu_note else "")
        counts: dict[tuple[str | None, str], int] = {}
        for g in self.gpus:
            counts[(g.name, g.compute_capability)] = counts.get((g.name, g.compute_capability), 0) + 1
        out = []
        for (name, cc), n in counts.items():
            label = name or "NVIDIA GPU"
            out.append(
                f"{n} x {label} (compute capability {cc})" if n > 1 else f"{label} (compute capability {cc})"
            )
        return ", ".join(out)

    def describe_driver(self) -> str:
        if not self.gpus:
            return "none"
        if self.driver and self.driver_cuda:
            return f"{self.driver}, supports CUDA up to {self.driver_cuda}"
        if self.driver_cuda:
            return f"unknown version, supports CUDA up to {self.driver_cuda}"
        if self.driver:
            return f"{self.driver} (its CUDA is not in the tables)"
        return "unknown (pass --driver)"


def describe_target(facts: Facts, tables: GpuKnowledge) -> Target:
    """The target the facts describe. Total: an unknown OS gives ``system=None`` (see :func:`require_os`)."""
    system = (facts.os.system or "").lower() or None
    if system not in ("linux", "windows", "macos"):
        system = None
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
    return Target(
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


def require_os(target: Target, facts: Facts) -> str:
    """The target's OS, or a usage error saying how to give it (``propose`` cannot guess one)."""
    if target.system is None:
        reason = facts.reasons.get("os.system")
        raise UsageError(
            "the target's operating system is unknown"
            + (f" ({reason})" if reason else "")
            + "; pass --os linux|windows|macos"
        )
    return target.system
