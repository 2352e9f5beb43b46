"""The common target: one machine description every servable node satisfies, over the real tables."""

from __future__ import annotations

import pytest

from envadvisor.fleet import CommonTarget, FleetAggregator, common_target, node_from_report, version_key
from envadvisor.knowledge import load_knowledge
from envadvisor.knowledge.tables import Tables
from envadvisor.model import Report
from envadvisor.render.fleet import exclusion_reason, note_text
from tests.fleet.nodes import A100, H100, K80, RTX4090, RTX5090, V100, mixed_fleet, node_report, report_data


@pytest.fixture(scope="module")
def tables() -> Tables:
    return load_knowledge().tables


def target_of(reports: list[Report], tables: Tables | None) -> CommonTarget:
    aggregator = FleetAggregator()
    for report in reports:
        aggregator.add(node_from_report(report_data(report), source="test", fallback_name="anon"))
    return common_target(aggregator.summary(), tables)


def test_mixed_fleet_target(tables: Tables) -> None:
    target = target_of(mixed_fleet(), tables)
    assert target.platform == "linux/x86_64"
    assert target.oldest_driver == "535.261.03" and target.max_cuda == "12.2"
    assert target.oldest_driver_nodes == ("gpu04", "gpu05")
    assert target.compute_capabilities == ("8.0", "8.9", "9.0")
    assert target.served_gpu_nodes == 6
    assert target.cpu_only_nodes == ("login01",)  # served on the CPU, not excluded
    assert target.excluded == ()
    gpu = target.facts.gpu
    assert gpu.driver_version == "535.261.03" and gpu.driver_cuda == "12.2"
    # one device per distinct (model, compute capability), oldest architecture first
    assert [(d.name, d.compute_capability) for d in gpu.devices] == [
        (A100.name, "8.0"),
        (RTX4090.name, "8.9"),
        (H100.name, "9.0"),
    ]
    assert target.facts.os.system == "linux" and target.facts.os.glibc == "2.35"
    assert target.facts.python.version == "3.12"  # the fleet's majority


def test_no_shared_cuda_line_needs_more_than_the_oldest_driver_runs(tables: Tables) -> None:
    """Every CUDA release offered to the proposal runs on the oldest driver (own max or minor-version
    compatibility, from the tables) and supports every compute capability in the fleet."""
    target = target_of(mixed_fleet(), tables)
    assert target.cuda_lines, "a fleet of Ampere/Ada/Hopper on 535-580 drivers shares CUDA 12.x"
    for line in target.cuda_lines:
        assert tables.driver_runs_cuda("535.261.03", line, "linux") is True
        for cc in target.compute_capabilities:
            assert tables.cuda_supports_cc(line, cc) is True
    assert all(version_key(line)[0] == 12 or version_key(line) <= (11, 8) for line in target.cuda_lines)
    assert not any(line.startswith("13.") for line in target.cuda_lines)  # 13.x needs a 580 driver


def test_kepler_beside_blackwell_cannot_share(tables: Tables) -> None:
    reports = [
        node_report("k80", K80, driver="470.256.02"),
        node_report("b01", RTX5090, driver="580.95.05"),
        node_report("b02", RTX5090, driver="580.95.05"),
    ]
    target = target_of(reports, tables)
    assert [(e.kind, e.nodes) for e in target.excluded] == [("gpu-unsupported", ("k80",))]
    reason = target.excluded[0].reason
    lines = sorted(
        {f"{r.cuda.split('.')[0]}.{r.cuda.split('.')[1]}" for r in tables.cuda_toolkit_rows}, key=version_key
    )
    for_k80 = [ln for ln in lines if tables.cuda_supports_cc(ln, "3.7")]
    for_blackwell = [ln for ln in lines if tables.cuda_supports_cc(ln, "12.0")]
    assert (
        for_k80[-1] == "11.8" and for_blackwell[0] == "12.8"
    )  # Kepler ends where Blackwell starts: none shared
    assert reason == (
        f"Tesla K80 (compute capability 3.7) is supported by CUDA {for_k80[0]}-{for_k80[-1]} builds, "
        f"the rest of the fleet needs CUDA {for_blackwell[0]}-{for_blackwell[-1]}: "
        "no one CUDA build covers both"
    )
    assert target.compute_capabilities == ("12.0",)
    assert target.oldest_driver == "580.95.05"
    assert "计算能力 3.7" in exclusion_reason(target.excluded[0], "zh")


def test_kepler_beside_hopper_shares_cuda_11_8(tables: Tables) -> None:
    """CUDA 11.8 supports both CC 3.7 and 9.0, and driver 470 runs 11.8 builds (minor-version
    compatibility from 450.80.02), so the fleet is served by one environment on an old CUDA line."""
    reports = [
        node_report("k80", K80, driver="470.256.02"),
        *[node_report(f"h0{i}", H100) for i in (1, 2, 3)],
    ]
    target = target_of(reports, tables)
    assert target.excluded == ()
    assert target.cuda_lines == ("11.8",)
    assert target.max_cuda == "11.4" and target.oldest_driver == "470.256.02"
    # served, but the one K80 node holds three H100 nodes to CUDA 11.8: said out loud
    assert [(n.kind, n.detail["nodes"], n.detail["newest"]) for n in target.notes] == [
        ("holds-back", "k80", "11.8")
    ]
    assert "把整个集群限制在 CUDA 11.8" in note_text(target.notes[0], "zh")


def test_a_driver_too_old_for_the_fleet_is_named(tables: Tables) -> None:
    # Three Blackwell nodes need CUDA >= 12.8; a V100 node on driver 470 (CUDA 11.x) runs no such build.
    reports = [node_report(f"b{i}", RTX5090) for i in range(3)] + [
        node_report("v01", V100, driver="470.256.02")
    ]
    target = target_of(reports, tables)
    assert [(e.kind, e.nodes) for e in target.excluded] == [("driver-too-old", ("v01",))]
    reason = target.excluded[0].reason
    assert reason.startswith("driver 470.256.02 runs CUDA 11.4 at most; the fleet's GPUs need CUDA 12.8-")
    assert target.oldest_driver == "580.95.05"


def test_platforms_and_broken_drivers_are_excluded(tables: Tables) -> None:
    reports = [
        node_report("h01", H100),
        node_report("h02", H100),
        node_report("mac01", None, system="macos", arch="arm64", glibc=None),
        node_report("bad01", A100, driver=None, nvml_state="driver_library_mismatch"),
        node_report("cpu01", None),
    ]
    target = target_of(reports, tables)
    by_kind = {e.kind: e.nodes for e in target.excluded}
    assert by_kind == {"platform": ("mac01",), "no-driver": ("bad01",)}
    assert "macos/arm64 node in a linux/x86_64 fleet" in target.excluded[0].reason
    assert target.cpu_only_nodes == ("cpu01",)
    assert target.served_gpu_nodes == 2


def test_a_cpu_fleet_targets_no_gpu(tables: Tables) -> None:
    target = target_of([node_report("c1", None), node_report("c2", None)], tables)
    assert target.facts.gpu.devices == () and target.facts.gpu.driver_version is None
    assert target.facts.reasons["gpu.driver_version"].startswith("fleet:")
    assert target.cpu_only_nodes == ("c1", "c2") and target.excluded == ()


def test_driver_cuda_is_inferred_from_the_tables_when_a_report_lacks_it(tables: Tables) -> None:
    report = node_report("h01", H100)
    data = report_data(report)
    data["facts"]["gpu"]["driver_cuda"] = None
    aggregator = FleetAggregator()
    aggregator.add(node_from_report(data, source="x", fallback_name="x"))
    target = common_target(aggregator.summary(), tables)
    assert target.max_cuda == tables.max_cuda_for_driver("580.95.05", "linux") == "13.0"
    without_tables = common_target(aggregator.summary(), None)
    assert [e.kind for e in without_tables.excluded] == ["driver-unknown"]


def test_without_tables_the_target_says_what_was_not_checked() -> None:
    target = target_of(mixed_fleet(), None)
    assert target.max_cuda == "12.2"
    assert [note.kind for note in target.notes] == ["no-tables"]
    assert "not checked" in target.notes[0].text
