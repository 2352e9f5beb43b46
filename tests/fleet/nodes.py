"""Node reports for fleet tests and the fleet benchmark, built from the frozen model.

Reports are made as :class:`~envadvisor.model.Report` values and serialised with ``model.to_data``,
exactly as ``envadvisor diagnose --json`` writes them, so a change to the model changes the fixtures
too. GPU names, memory sizes and driver/CUDA pairs are those NVIDIA tools print for real cards (driver
-> CUDA pairs from the CUDA toolkit release notes, Table 3; see rules/tables/cuda.yaml).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from envadvisor.model import (
    Category,
    Facts,
    Finding,
    Frameworks,
    GpuDevice,
    GpuFacts,
    NvmlState,
    Origin,
    OsFacts,
    Package,
    ProbeOutcome,
    PythonFacts,
    Report,
    Severity,
    TorchBuild,
    to_data,
)


@dataclass(frozen=True)
class Card:
    name: str
    compute_capability: str
    memory_mib: int


H100 = Card("NVIDIA H100 80GB HBM3", "9.0", 81559)
A100 = Card("NVIDIA A100-SXM4-80GB", "8.0", 81920)
RTX4090 = Card("NVIDIA GeForce RTX 4090", "8.9", 24564)
K80 = Card("Tesla K80", "3.7", 11441)
RTX5090 = Card("NVIDIA GeForce RTX 5090", "12.0", 32607)
V100 = Card("Tesla V100-SXM2-32GB", "7.0", 32768)

# driver -> the CUDA version nvidia-smi prints for it
DRIVER_CUDA = {
    "580.95.05": "13.0",
    "570.172.08": "12.8",
    "550.163.01": "12.4",
    "535.261.03": "12.2",
    "470.256.02": "11.4",
}

# A realistic package listing besides the frameworks: diagnose lists every distribution.
_FILLER = {f"dist-{i:03d}": Package(version=f"1.{i}.0", installer="pip", source="pypi") for i in range(250)}


def finding(
    code: str, name: str, severity: Severity = Severity.WARNING, category: Category = Category.KNOWLEDGE_GAP
) -> Finding:
    return Finding(
        code=code,
        name=name,
        severity=severity,
        category=category,
        message=f"{name} (fixture)",
        why="fixture",
        fix=("fixture",),
    )


def node_report(
    hostname: str | None,
    card: Card | None,
    *,
    gpus: int = 8,
    driver: str | None = "580.95.05",
    nvml_state: str | None = None,
    python: str = "3.12.3",
    torch: str | None = "2.8.0+cu128",
    transformers: str | None = "4.57.1",
    tensorflow: str | None = None,
    system: str = "linux",
    arch: str = "x86_64",
    glibc: str | None = "2.35",
    distro: tuple[str, str] = ("ubuntu", "22.04"),
    findings: Sequence[Finding] = (),
    filler: bool = True,
) -> Report:
    """One node's diagnose report. ``card=None`` is a node without an NVIDIA GPU (no driver)."""
    if card is None:
        gpu = GpuFacts(nvml_state=nvml_state or NvmlState.NO_DRIVER.value, count=0)
    else:
        gpu = GpuFacts(
            nvml_state=nvml_state or NvmlState.OK.value,
            driver_version=driver,
            driver_cuda=DRIVER_CUDA.get(driver or ""),
            driver_source="nvml",
            count=gpus,
            devices=tuple(
                GpuDevice(
                    index=i,
                    name=card.name,
                    compute_capability=card.compute_capability,
                    memory_mib=card.memory_mib,
                    compute_capability_source="nvml",
                )
                for i in range(gpus)
            ),
        )
    packages: dict[str, Package] = dict(_FILLER) if filler else {}
    torch_build = TorchBuild()
    if torch:
        packages["torch"] = Package(version=torch, installer="pip", source="pypi")
        variant = torch.split("+", 1)[1] if "+" in torch else None
        cuda = None
        if variant and variant.startswith("cu"):
            cuda = f"{variant[2:-1]}.{variant[-1]}"
        torch_build = TorchBuild(version=torch, cuda=cuda, variant=variant)
    if transformers:
        packages["transformers"] = Package(version=transformers, installer="pip", source="pypi")
    if tensorflow:
        packages["tensorflow"] = Package(version=tensorflow, installer="pip", source="pypi")
    facts = Facts(
        os=OsFacts(
            system=system,
            distro=distro[0],
            distro_version=distro[1],
            arch=arch,
            glibc=glibc,
            hostname=hostname,
        ),
        python=PythonFacts(version=python, implementation="CPython", env_kind="venv", has_pip=True),
        gpu=gpu,
        packages=packages,
        frameworks=Frameworks(torch=torch_build),
    )
    return Report(
        tool_version="0.1.0",
        origin=Origin(kind="machine"),
        facts=facts,
        findings=tuple(findings),
        probes=(ProbeOutcome(name="nvidia", status="ok" if card else "absent", seconds=0.05),),
    )


def report_json(report: Report, *, indent: int | None = 2) -> str:
    return json.dumps(to_data(report), indent=indent)


def report_data(report: Report) -> dict[str, Any]:
    data = to_data(report)
    assert isinstance(data, dict)
    return data


def mixed_fleet() -> list[Report]:
    """The issue's mixed fleet: H100 on 580, A100 on 535, RTX 4090 on 550, a node without a GPU."""
    out_of_date = finding("EA900", "fixture-python-eol", Severity.WARNING, Category.PYTHON_EOL)
    everywhere = finding("EA901", "fixture-note-everywhere", Severity.INFO)
    old_driver = finding("EA902", "fixture-driver-old", Severity.ERROR, Category.DRIVER_TOO_OLD)
    return [
        node_report("gpu01", H100, findings=[everywhere]),
        node_report("gpu02", H100, findings=[everywhere]),
        node_report("gpu03", H100, findings=[everywhere]),
        node_report("gpu04", A100, driver="535.261.03", findings=[everywhere, old_driver]),
        node_report("gpu05", A100, driver="535.261.03", findings=[everywhere, old_driver]),
        node_report(
            "ws01",
            RTX4090,
            gpus=1,
            driver="550.163.01",
            python="3.10.12",
            torch="2.7.1+cu126",
            findings=[everywhere, out_of_date],
        ),
        node_report("login01", None, torch="2.8.0+cu128", findings=[everywhere]),
    ]
