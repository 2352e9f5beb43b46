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
