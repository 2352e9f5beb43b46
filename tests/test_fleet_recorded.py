"""Real node reports (a lent H200 machine and this CPU test machine) through fleet and --propose."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from envadvisor import redact
from envadvisor.cli import main
from envadvisor.fleet import REDACTED, FleetAggregator, common_target, node_from_report
from envadvisor.knowledge import load_knowledge
from envadvisor.model import Facts, from_data
from tests.schema_check import assert_valid_report

RECORDED = Path(__file__).resolve().parent / "fleet" / "recorded"
H200 = RECORDED / "h200-node.json"
CPU = RECORDED / "cpu-node.json"


def test_the_redaction_placeholder_is_the_one_redact_writes() -> None:
    assert REDACTED == redact.REDACTED


@pytest.mark.parametrize("path", [H200, CPU], ids=lambda p: p.stem)
def test_recorded_reports_are_valid_and_read_like_the_model(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert_valid_report(data)
    node = node_from_report(data, source=str(path), fallback_name=path.stem)
    facts = from_data(Facts, data["facts"])
    assert node.name == path.stem  # redacted host name: the file names the node
    assert node.driver_version == facts.gpu.driver_version
    assert [(g.name, g.compute_capability) for g in node.gpus] == [
        (d.name, d.compute_capability) for d in facts.gpu.devices
    ]


def test_the_h200_report_agrees_with_nvidia_smi() -> None:
    smi = (RECORDED / "h200-node.nvidia-smi.txt").read_text(encoding="utf-8")
    driver = re.search(r"Driver Version: (\S+)", smi)
    cuda = re.search(r"CUDA Version: (\S+)", smi)
    assert driver and cuda
    node = node_from_report(json.loads(H200.read_text(encoding="utf-8")), source="h200", fallback_name="h200")
    assert (node.driver_version, node.driver_cuda) == (driver.group(1), cuda.group(1))
    assert [g.name for g in node.gpus] == ["NVIDIA H200"]


def test_a_gpu_node_and_a_cpu_node(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", str(H200), str(CPU), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["node_count"] == 2
    assert data["gpus"] == [{"name": "NVIDIA H200", "compute_capability": "9.0", "gpus": 1, "nodes": 1}]
    assert data["nodes_without_gpu"] == ["cpu-node"]
    assert data["oldest_driver"] == {"version": "580.159.04", "max_cuda": "13.0", "nodes": ["h200-node"]}
    torch = data["dimensions"]["torch"]
    assert torch["counts"] == {"2.11.0+cu130": 1, "not installed": 1} and torch["tie"] is True
    h200_codes = {f["code"] for f in json.loads(H200.read_text(encoding="utf-8"))["findings"]}
    assert {f["code"] for f in data["findings_on_some"]} == h200_codes  # the CPU node has none of them


def test_one_environment_for_the_recorded_nodes(capsys: pytest.CaptureFixture[str]) -> None:
    aggregator = FleetAggregator()
    for path in (H200, CPU):
        aggregator.add(
            node_from_report(json.loads(path.read_text(encoding="utf-8")), source="", fallback_name=path.stem)
        )
    tables = load_knowledge().tables
    target = common_target(aggregator.summary(), tables)
    assert target.excluded == () and target.cpu_only_nodes == ("cpu-node",)
    assert (target.oldest_driver, target.max_cuda) == ("580.159.04", "13.0")
    assert target.facts.os.glibc == "2.36"  # the older of Debian 12's 2.36 and Ubuntu 24.04's 2.39

    assert main(["fleet", str(H200), str(CPU), "--propose", "torch", "--source", "pip"]) == 0
    out = capsys.readouterr().out
    variants = re.findall(r"\+(cu\d+)", out)
    assert variants, out
    for variant in variants:
        cuda = f"{variant[2:-1]}.{variant[-1]}"
        assert tables.driver_runs_cuda("580.159.04", cuda, "linux") is True
