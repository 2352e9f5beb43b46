"""Recorded machines replayed through the whole pipeline: report JSON -> importer -> engine -> outputs.

Each machine under tests/machines/ is a redacted ``diagnose --json`` report (``recorded`` says where it
came from). Its expected findings live in tests/machines/expected.yaml: the codes that must fire and
the categories that must not appear.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from envadvisor.cli import main
from tests.conftest import TESTS
from tests.schema_check import assert_valid_report

MACHINES = TESTS / "machines"
EXPECTED: dict[str, Any] = yaml.safe_load((MACHINES / "expected.yaml").read_text(encoding="utf-8"))


def _diagnose(*argv: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(["diagnose", "--json", *argv])
    return code, json.loads(out.getvalue())


def test_every_machine_has_expectations() -> None:
    recorded = {p.stem for p in MACHINES.glob("*.json")}
    assert recorded == set(EXPECTED), "tests/machines/expected.yaml and the recorded machines differ"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_machine_replays_through_the_pipeline(name: str) -> None:
    expected = EXPECTED[name]
    path = MACHINES / f"{name}.json"
    recorded = json.loads(path.read_text(encoding="utf-8"))
    code, report = _diagnose("--from", str(path), "--fail-on", "warning")
    assert_valid_report(report)
    assert report["origin"]["formats"] == ["envadvisor_json"]
    # the facts survive the round trip unchanged
    assert report["facts"]["gpu"] == recorded["facts"]["gpu"]
    assert report["facts"]["frameworks"] == recorded["facts"]["frameworks"]
    codes = {f["code"] for f in report["findings"]}
    categories = {f["category"] for f in report["findings"]}
    for must in expected.get("fires", []):
        assert must in codes, f"{name}: {must} did not fire; got {sorted(codes)}"
    for category in expected.get("never_categories", []):
        assert category not in categories, f"{name}: unexpected {category}: {report['findings']}"
    worst = expected["exit_with_fail_on_warning"]
    assert code == worst


def test_h200_collect_env_agrees_with_the_live_probes() -> None:
    """The same H200 seen two ways: envadvisor's probes, and the collect_env its owner would paste."""
    probed = json.loads((MACHINES / "h200-datacenter.json").read_text(encoding="utf-8"))["facts"]
    _, pasted = _diagnose("--from", str(MACHINES / "h200-datacenter.collect_env.txt"), "--fail-on", "never")
    facts = pasted["facts"]
    assert facts["gpu"]["driver_version"] == probed["gpu"]["driver_version"] == "580.159.04"
    assert [d["name"] for d in facts["gpu"]["devices"]] == [d["name"] for d in probed["gpu"]["devices"]]
    assert (
        facts["gpu"]["devices"][0]["compute_capability"] == probed["gpu"]["devices"][0]["compute_capability"]
    )
    assert (
        facts["frameworks"]["torch"]["version"] == probed["frameworks"]["torch"]["version"] == "2.11.0+cu130"
    )
    assert facts["frameworks"]["torch"]["cuda"] == probed["frameworks"]["torch"]["cuda"] == "13.0"
    assert facts["cuda_toolkit"]["version"] == probed["cuda_toolkit"]["version"] == "13.0"
    assert facts["python"]["version"] == probed["python"]["version"]
    # nothing from this (test) machine leaks into a pasted report
    assert facts["os"]["hostname"] is None


def test_h200_nvidia_smi_agrees_with_nvml() -> None:
    probed = json.loads((MACHINES / "h200-datacenter.json").read_text(encoding="utf-8"))["facts"]["gpu"]
    _, pasted = _diagnose("--from", str(MACHINES / "h200-datacenter.nvidia-smi.txt"), "--fail-on", "never")
    gpu = pasted["facts"]["gpu"]
    assert (gpu["driver_version"], gpu["driver_cuda"]) == (probed["driver_version"], probed["driver_cuda"])
    assert [(d["name"], d["compute_capability"], d["memory_mib"]) for d in gpu["devices"]] == [
        (d["name"], d["compute_capability"], d["memory_mib"]) for d in probed["devices"]
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_terminal_report_renders_in_both_languages(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(MACHINES / f"{name}.json")
    for lang, heading in (("en", "The three CUDA versions"), ("zh", "三个不同的 CUDA 版本")):
        main(["diagnose", "--from", path, "--lang", lang, "--fail-on", "never"])
        out = capsys.readouterr().out
        assert heading in out
        assert "Traceback" not in out


def test_redacted_outputs_hold_no_identifiers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    recorded = json.loads((MACHINES / "h200-datacenter.json").read_text(encoding="utf-8"))
    # put identifiers back in, as an unredacted report would have them
    recorded["facts"]["os"]["hostname"] = "dgx-node-042.cluster.example.org"
    recorded["facts"]["gpu"]["devices"][0]["uuid"] = "GPU-8a2b3c4d-1234-5678-9abc-def012345678"
    recorded["facts"]["python"]["executable"] = "/home/alice/miniconda3/envs/dl/bin/python"
    source = tmp_path / "node.json"
    source.write_text(json.dumps(recorded))
    for extra in ([], ["--json"], ["--lang", "zh"]):
        main(["diagnose", "--from", str(source), "--redact", "--fail-on", "never", *extra])
        out = capsys.readouterr().out
        for secret in ("dgx-node-042", "GPU-8a2b3c4d", "alice"):
            assert secret not in out, (extra, secret)
