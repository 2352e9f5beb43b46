"""Fleet summary: lean report reading (checked against the model), aggregation, majority/differs, inputs."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
from pathlib import Path

import pytest

from envadvisor import fleet
from envadvisor.errors import InputError
from envadvisor.fleet import (
    EXTRACTED_FACT_KEYS,
    NOT_INSTALLED,
    FleetAggregator,
    ReportShapeError,
    expand_paths,
    iter_tasks,
    node_from_report,
    parse_tasks,
    summarize,
)
from envadvisor.model import Facts, Report, fact_keys, from_data
from envadvisor.render.fleet import compress_hostlist
from tests.fleet.nodes import A100, H100, RTX4090, finding, mixed_fleet, node_report, report_data, report_json
from tests.schema_check import assert_valid_report

FIXTURES = Path(__file__).resolve().parent / "fleet"


def write_fleet(folder: Path, reports: list[Report]) -> None:
    for report in reports:
        (folder / f"{report.facts.os.hostname or 'anon'}.json").write_text(
            report_json(report), encoding="utf-8"
        )


def summary_of(reports: list[Report]) -> fleet.FleetSummary:
    aggregator = FleetAggregator()
    for report in reports:
        aggregator.add(node_from_report(report_data(report), source="test", fallback_name="anon"))
    return aggregator.summary()


# ------------------------------------------------------------------ the lean reader follows the model


def test_extracted_keys_exist_in_the_model() -> None:
    keys = fact_keys()
    missing = [k for k in EXTRACTED_FACT_KEYS if k not in keys]
    assert missing == []


def test_fixture_reports_are_valid_diagnose_reports() -> None:
    for report in mixed_fleet():
        assert_valid_report(report_data(report))


@pytest.mark.parametrize("report", mixed_fleet(), ids=lambda r: r.facts.os.hostname)
def test_lean_reading_agrees_with_the_model(report: Report) -> None:
    """The lean extraction reads the same values from_data rebuilds from the same JSON."""
    data = json.loads(report_json(report))
    node = node_from_report(data, source="x", fallback_name="x")
    facts = from_data(Facts, data["facts"])
    assert node.name == facts.os.hostname
    assert node.system == facts.os.system and node.arch == facts.os.arch
    assert node.glibc == facts.os.glibc
    assert node.python is not None and facts.python.version is not None
    assert facts.python.version.startswith(node.python + ".")
    assert node.driver_version == facts.gpu.driver_version
    assert node.driver_cuda == facts.gpu.driver_cuda
    assert node.nvml_state == facts.gpu.nvml_state
    assert [(g.name, g.compute_capability) for g in node.gpus] == [
        (d.name, d.compute_capability) for d in facts.gpu.devices
    ]
    assert node.torch == (facts.frameworks.torch.version or NOT_INSTALLED)
    assert node.transformers == (facts.package_version("transformers") or NOT_INSTALLED)
    assert [f.code for f in node.findings] == [f.code for f in report.findings]


def test_redacted_report_is_named_by_its_file() -> None:
    report = node_report(None, H100)
    node = node_from_report(report_data(report), source="reports/n17.json", fallback_name="n17")
    assert node.name == "n17"


def test_unknown_packages_are_unknown_not_absent() -> None:
    data = report_data(node_report("n1", H100, torch=None, filler=False, transformers=None))
    data["facts"]["reasons"] = {"packages": "pip could not be run"}
    node = node_from_report(data, source="x", fallback_name="x")
    assert node.torch is None and node.transformers is None  # unknown
    data["facts"]["reasons"] = {}
    data["facts"]["packages"] = {"numpy": {"version": "2.1.3"}}
    node = node_from_report(data, source="x", fallback_name="x")
    assert node.torch == NOT_INSTALLED


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("broken-truncated.json", "not valid JSON"),
        ("pdsh-prefixed.json", "'host: ' prefix"),
        ("not-a-report.json", "a JSON list, expected an object"),
        ("newer-schema.json", "newer envadvisor (report schema 2"),
        ("wrong-type.json", "facts.gpu.devices: expected a list, got dict"),
    ],
)
def test_bad_reports_say_why_in_one_line(name: str, reason: str) -> None:
    raw = fleet.read_task((str(FIXTURES / name), name, None))
    with pytest.raises(ReportShapeError) as caught:
        fleet.parse_report(raw)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_handwritten_report_is_read() -> None:
    raw = fleet.read_task((str(FIXTURES / "handwritten-minimal.json"), "handwritten-minimal", None))
    node = fleet.parse_report(raw)
    assert node.name == "hand01"
    assert node.gpus[0].name == "NVIDIA L40S" and node.gpus[0].compute_capability == "8.9"
    assert node.torch == "2.5.1+cu124" and node.transformers == "4.46.3" and node.tensorflow == NOT_INSTALLED
    assert node.findings[0].code == "EA950"


# ------------------------------------------------------------------ the summary of a mixed fleet


def test_mixed_fleet_summary() -> None:
    summary = summary_of(mixed_fleet())
    assert summary.node_count == 7
    assert summary.gpu_count == 3 * 8 + 2 * 8 + 1
    by_model = {(g.name, g.compute_capability): (g.gpus, g.nodes) for g in summary.gpus}
    assert by_model == {
        (H100.name, "9.0"): (24, 3),
        (A100.name, "8.0"): (16, 2),
        (RTX4090.name, "8.9"): (1, 1),
    }
    assert summary.nodes_without_gpu == ("login01",)
    drivers = [(d.version, d.max_cuda, d.nodes) for d in summary.drivers]
    assert drivers == [
        ("580.95.05", "13.0", 3),
        ("550.163.01", "12.4", 1),
        ("535.261.03", "12.2", 2),
        (None, None, 1),
    ]
    assert summary.oldest_driver is not None
    assert summary.oldest_driver.version == "535.261.03"
    assert summary.oldest_driver.max_cuda == "12.2"
    assert summary.oldest_driver.nodes == ("gpu04", "gpu05")


def test_majority_and_the_nodes_that_differ() -> None:
    summary = summary_of(mixed_fleet())
    python = summary.dimension("python")
    assert python is not None
    assert python.majority == "3.12" and python.majority_count == 6 and not python.tie
    assert [(v.value, v.nodes) for v in python.differing] == [("3.10", ("ws01",))]
    torch = summary.dimension("torch")
    assert torch is not None and torch.majority == "2.8.0+cu128"
    assert [(v.value, v.nodes) for v in torch.differing] == [("2.7.1+cu126", ("ws01",))]
    driver = summary.dimension("driver")
    assert driver is not None and driver.majority == "580.95.05"
    assert {v.value for v in driver.differing} == {"535.261.03", "550.163.01", "none (no_driver)"}
    platform = summary.dimension("platform")
    assert platform is not None and platform.differing == ()


def test_a_tie_is_said() -> None:
    summary = summary_of([node_report("a1", H100, python="3.11.9"), node_report("a2", H100, python="3.12.3")])
    python = summary.dimension("python")
    assert python is not None and python.tie
    assert python.majority_count == 1


def test_findings_on_some_nodes_and_on_all() -> None:
    summary = summary_of(mixed_fleet())
    assert [(f.code, f.count) for f in summary.findings_on_all] == [("EA901", 7)]
    some = {f.code: f for f in summary.findings_on_some}
    assert set(some) == {"EA900", "EA902"}
    assert some["EA902"].nodes == ("gpu04", "gpu05") and some["EA902"].severity == "error"
    assert some["EA900"].nodes == ("ws01",)
    # errors first
    assert summary.findings_on_some[0].code == "EA902"


def test_a_finding_repeated_on_one_node_counts_once() -> None:
    twice = finding("EA903", "fixture-twice")
    summary = summary_of([node_report("a1", H100, findings=[twice, twice]), node_report("a2", H100)])
    assert [(f.code, f.count, f.nodes) for f in summary.findings_on_some] == [("EA903", 1, ("a1",))]


def test_duplicate_hostnames_are_kept_apart() -> None:
    marked = finding("EA904", "fixture-second-node")
    summary = summary_of([node_report("same", H100), node_report("same", A100, findings=[marked])])
    assert summary.node_count == 2
    assert summary.renamed_duplicates == ("same",)
    gpu = summary.dimension("gpu")
    assert gpu is not None
    assert gpu.tie  # one H100 node, one A100 node
    assert [f.nodes for f in summary.findings_on_some] == [("same#2",)]


# ------------------------------------------------------------------ inputs: folders, JSON Lines, stdin


def test_folder_input_recursive_with_broken_reports(tmp_path: Path) -> None:
    write_fleet(tmp_path, mixed_fleet()[:4])
    (tmp_path / "rack2").mkdir()
    write_fleet(tmp_path / "rack2", mixed_fleet()[4:])
    (tmp_path / "rack2" / "broken.json").write_text('{"facts": {"os": ', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a report, not read", encoding="utf-8")
    summary = summarize([str(tmp_path), str(tmp_path / "missing.json")])
    assert summary.node_count == 7
    assert summary.report_count == 9
    unreadable = {Path(u.source).name: u.reason for u in summary.unreadable}
    assert set(unreadable) == {"broken.json", "missing.json"}
    assert unreadable["missing.json"] == "no such file or folder"


def test_json_lines_on_stdin() -> None:
    lines = [report_json(r, indent=None) for r in mixed_fleet()]
    lines.insert(3, "")  # blank lines are skipped
    lines.insert(2, "gpu09: {not json")
    stdin = io.BytesIO(("\n".join(lines) + "\n").encode())
    summary = summarize(["-"], stdin)
    assert summary.node_count == 7
    assert [(u.source, "not valid JSON" in u.reason) for u in summary.unreadable] == [("stdin:3", True)]


def test_json_lines_file_and_redacted_names(tmp_path: Path) -> None:
    anonymous = [node_report(None, H100), node_report(None, A100, driver="535.261.03")]
    path = tmp_path / "fleet.jsonl"
    path.write_text("".join(report_json(r, indent=None) + "\n" for r in anonymous), encoding="utf-8")
    summary = summarize([str(path)])
    assert summary.oldest_driver is not None
    assert summary.oldest_driver.nodes == (f"{path}:2",)
    assert summary.dimension("driver") is not None
    assert summary.node_count == 2 and summary.renamed_duplicates == ()


def test_reports_concatenated_in_one_file(tmp_path: Path) -> None:
    """`cat reports/*.json > all.json`: each whole JSON document is one node."""
    path = tmp_path / "all.json"
    path.write_text("\n".join(report_json(r) for r in mixed_fleet()[:3]) + "\n", encoding="utf-8")
    summary = summarize([str(path)])
    assert summary.node_count == 3 and summary.unreadable == ()
    path.write_text(report_json(mixed_fleet()[0]) + '\n{"facts": ', encoding="utf-8")
    summary = summarize([str(path)])
    assert summary.node_count == 1  # the whole report before the cut still counts
    assert [u.source for u in summary.unreadable] == [f"{path}#2"]
    assert "not valid JSON" in summary.unreadable[0].reason


def test_parallel_parsing_gives_the_same_summary(tmp_path: Path) -> None:
    reports = [*mixed_fleet(), *[node_report(f"extra{i:02d}", H100) for i in range(30)]]
    write_fleet(tmp_path, reports)
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    files, _ = expand_paths([str(tmp_path)])
    serial = list(parse_tasks(iter_tasks(files), workers=1))
    parallel = list(parse_tasks(iter_tasks(files), workers=2, batch=4))
    assert parallel == serial
    assert sum(isinstance(item, fleet.Unreadable) for item in parallel) == 1


def _killed_worker(tasks: object) -> object:
    os._exit(9)  # what the kernel's OOM killer leaves behind: the worker vanishes mid-batch


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="the patched worker reaches the pool only by fork"
)
def test_a_worker_that_dies_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_fleet(tmp_path, mixed_fleet())
    files, _ = expand_paths([str(tmp_path)])
    monkeypatch.setattr(fleet, "_work", _killed_worker)
    with pytest.raises(InputError, match="a process reading reports died"):
        list(parse_tasks(iter_tasks(files), workers=2, batch=2))


def test_an_empty_folder_is_reported(tmp_path: Path) -> None:
    files, missing = expand_paths([str(tmp_path)])
    assert files == [] and missing == [(str(tmp_path), "folder holds no *.json reports")]


# ------------------------------------------------------------------ host lists


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["node01", "node02", "node03", "node05"], "node[01-03,05]"),
        (["gpu7", "node01", "login"], "gpu7,node01,login"),
        (["a1", "a2", "a10"], "a[1-2,10]"),
        (["n001", "n01"], "n01,n001"),
        (["node098", "node099", "node100", "node101"], "node[098-101]"),
        (["same", "same#2"], "same,same#2"),
    ],
)
def test_compress_hostlist(names: list[str], expected: str) -> None:
    assert compress_hostlist(names) == expected


def test_compress_hostlist_cuts_long_lists() -> None:
    names = [f"r{rack}n{i}" for rack in range(20) for i in (1, 2)]
    text = compress_hostlist(names, limit=3)
    assert text.endswith("(+34 more)")
    assert text.count("[") == 3


def test_one_os_is_one_group_whatever_the_spelling() -> None:
    """Probes report os-release NAME ("Ubuntu"), pasted reports often the ID ("ubuntu")."""
    from envadvisor.fleet import NodeRecord, node_dimensions

    probed = NodeRecord(name="a", source="a.json", distro="Ubuntu", distro_version="24.04")
    pasted = NodeRecord(name="b", source="b.json", distro="ubuntu", distro_version="24.04")
    debian = NodeRecord(name="c", source="c.json", distro="Debian GNU/Linux", distro_version="12")
    assert node_dimensions(probed)["os"] == node_dimensions(pasted)["os"] == "ubuntu 24.04"
    assert node_dimensions(debian)["os"] == "debian 12"
