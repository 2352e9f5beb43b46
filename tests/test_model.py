"""The frozen model: dotted keys, unknown values, JSON round trips."""

from __future__ import annotations

import json

import pytest

from envadvisor.model import (
    Category,
    DataError,
    Facts,
    Finding,
    Frameworks,
    GpuDevice,
    GpuFacts,
    Origin,
    Package,
    Report,
    Severity,
    TorchBuild,
    canonical_name,
    fact_keys,
    from_data,
    to_data,
)


def _sample_facts() -> Facts:
    return Facts(
        gpu=GpuFacts(
            nvml_state="ok",
            driver_version="580.65.06",
            driver_cuda="13.0",
            devices=(
                GpuDevice(index=0, name="NVIDIA H100 80GB HBM3", compute_capability="9.0", memory_mib=81559),
            ),
        ),
        packages={"torch": Package(version="2.9.0", installer="pip", source="pypi")},
        frameworks=Frameworks(torch=TorchBuild(version="2.9.0+cu130", cuda="13.0", variant="cu130")),
        reasons={"cuda_toolkit.version": "nvcc not found"},
        sources={"gpu.driver_version": "nvml"},
    )


def test_dotted_keys_resolve_through_sections_and_mappings() -> None:
    facts = _sample_facts()
    assert facts.get("gpu.driver_version") == "580.65.06"
    assert facts.get("frameworks.torch.cuda") == "13.0"
    assert facts.get("packages.torch.version") == "2.9.0"
    assert facts.get("packages.Torch.version") == "2.9.0"  # canonical names
    assert facts.get("packages.tensorflow.version") is None
    assert facts.get("cuda_toolkit.version") is None
    assert facts.get("no.such.key") is None


def test_fact_keys_lists_the_report_paths_the_issue_promises() -> None:
    keys = fact_keys()
    for key in (
        "os.system",
        "os.arch",
        "python.version",
        "gpu.driver_version",
        "gpu.driver_cuda",
        "gpu.devices",
        "cuda_toolkit.version",
        "packages.*.version",
        "frameworks.torch.cuda",
    ):
        assert key in keys
    assert "reasons" not in keys


def test_report_round_trips_through_json() -> None:
    finding = Finding(
        code="EA001",
        name="x-y",
        severity=Severity.ERROR,
        category=Category.NO_DRIVER,
        message="m",
        why="w",
        fix=("f",),
        evidence={"gpu.driver_version": None},
    )
    report = Report(
        tool_version="0.1.0", origin=Origin(kind="machine"), facts=_sample_facts(), findings=(finding,)
    )
    text = json.dumps(to_data(report))
    again = from_data(Report, json.loads(text))
    assert again == report


def test_from_data_names_the_bad_field() -> None:
    with pytest.raises(DataError, match=r"Facts\.gpu\.devices\[0\]\.memory_mib"):
        from_data(Facts, {"gpu": {"devices": [{"memory_mib": "lots"}]}})
    with pytest.raises(DataError, match="Severity"):
        from_data(
            Finding,
            {
                "code": "EA1",
                "name": "n",
                "severity": "fatal",
                "category": "no_driver",
                "message": "m",
                "why": "w",
                "fix": [],
            },
        )


def test_canonical_name_follows_pep503() -> None:
    assert canonical_name("Tf_Keras") == "tf-keras"
    assert canonical_name("nvidia.cudnn--cu12") == "nvidia-cudnn-cu12"


def test_severity_ranks_order_errors_first() -> None:
    assert Severity.ERROR.rank > Severity.WARNING.rank > Severity.INFO.rank
