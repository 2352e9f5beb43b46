"""``envadvisor fleet`` end to end through ``main()``: files, folders, stdin, terminal, JSON, --propose."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest

from envadvisor.cli import main
from envadvisor.knowledge import load_knowledge
from envadvisor.knowledge.tables import variant_cuda
from envadvisor.model import Report
from envadvisor.resources import load_yaml_text
from tests.fleet.nodes import K80, RTX5090, mixed_fleet, node_report, report_json

FIXTURES = Path(__file__).resolve().parent / "fleet"


def write_fleet(folder: Path, reports: list[Report]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for report in reports:
        (folder / f"{report.facts.os.hostname}.json").write_text(report_json(report), encoding="utf-8")
    return folder


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    folder = write_fleet(tmp_path / "reports", mixed_fleet())
    (folder / "broken.json").write_text((FIXTURES / "broken-truncated.json").read_text(), encoding="utf-8")
    return folder


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_summary_of_a_mixed_fleet(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["fleet", str(mixed), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["node_count"] == 7 and data["report_count"] == 8
    assert data["oldest_driver"] == {"version": "535.261.03", "max_cuda": "12.2", "nodes": ["gpu04", "gpu05"]}
    assert data["dimensions"]["python"]["differing"] == {"3.10": ["ws01"]}
    assert data["nodes_without_gpu"] == ["login01"]
    assert [u["source"].endswith("broken.json") for u in data["unreadable"]] == [True]
    assert {f["code"] for f in data["findings_on_some"]} == {"EA900", "EA902"}
    assert [f["code"] for f in data["findings_on_all"]] == ["EA901"]


def test_terminal_summary_is_plain_when_piped(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["fleet", str(mixed), "--lang", "en"], capsys)
    assert code == 0
    assert "\x1b[" not in out  # no colour codes when not a terminal
    assert "envadvisor fleet: 7 node(s), 41 GPU(s)" in out
    assert "Oldest driver: 535.261.03 (CUDA 12.2) on gpu[04-05]" in out
    assert re.search(r"3\.10: ws01", out)
    assert "not valid JSON" in out


def test_chinese_summary(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["fleet", str(mixed), "--lang", "zh"], capsys)
    assert code == 0
    assert "最旧的驱动：535.261.03（CUDA 12.2），所在节点：gpu[04-05]" in out


def test_json_lines_on_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    text = "".join(report_json(r, indent=None) + "\n" for r in mixed_fleet())
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out, _ = run(["fleet", "-", "--json"], capsys)
    assert code == 0
    assert json.loads(out)["node_count"] == 7


def test_handwritten_files_and_bad_ones_together(capsys: pytest.CaptureFixture[str]) -> None:
    handwritten = sorted(str(p) for p in FIXTURES.glob("*.json"))  # not the recorded/ subfolder
    code, out, _ = run(["fleet", *handwritten, "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["node_count"] == 1  # handwritten-minimal.json
    assert data["gpus"] == [{"name": "NVIDIA L40S", "compute_capability": "8.9", "gpus": 2, "nodes": 1}]
    assert len(data["unreadable"]) == 5


def test_nothing_readable_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.json").write_text("[]", encoding="utf-8")
    code, out, err = run(["fleet", str(tmp_path)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no readable node report among 1 input(s)" in err


def test_paths_after_propose_are_paths(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["fleet", "--propose", "torch", str(mixed), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["node_count"] == 7 and len(data["proposal"]["wants"]) == 1  # torch, as propose names it
    code, _, err = run(["fleet", "--propose", "torch"], capsys)
    assert code == 2 and "give at least one report file" in err


def test_proposal_options_need_propose(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["fleet", str(mixed), "--python", "3.12"], capsys)
    assert code == 2 and "--python only applies with --propose" in err


def _proposal_cudas(yaml_text: str) -> list[str]:
    """The CUDA versions a proposed environment.yml asks for (conda cuda-version, pip +cuXYZ)."""
    data = load_yaml_text(yaml_text, path="environment.yml")
    assert isinstance(data, dict)
    found: list[str] = []
    for dep in data["dependencies"]:
        lines = dep["pip"] if isinstance(dep, dict) else [dep]
        for line in lines:
            if match := re.match(r"cuda-version\s*=+\s*([\d.]+)", line):
                found.append(match.group(1))
            if match := re.search(r"\+(cu\d+)", line):
                cuda = variant_cuda(match.group(1))
                assert cuda is not None
                found.append(cuda)
    return found


@pytest.mark.parametrize("source", ["auto", "pip", "conda-forge"])
def test_the_common_proposal_runs_on_the_oldest_driver(
    mixed: Path, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        ["fleet", str(mixed), "--propose", "torch", "transformers", "--source", source], capsys
    )
    assert code == 0  # every node can share it
    assert "# fleet: oldest driver 535.261.03 (CUDA 12.2) on gpu[04-05]" in out
    assert "login01" in out  # the CPU node is named as served on the CPU
    cudas = _proposal_cudas(out)
    assert cudas, out
    tables = load_knowledge().tables
    for cuda in cudas:
        assert tables.driver_runs_cuda("535.261.03", cuda, "linux") is True, cuda
        assert not cuda.startswith("13"), "CUDA 13 builds need a 580 driver"
    for cc in ("8.0", "8.9", "9.0"):
        assert f"compute capability {cc}" in out


def test_proposal_names_the_nodes_that_cannot_share(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = [node_report("k80", K80, driver="470.256.02"), *[node_report(f"b{i}", RTX5090) for i in (1, 2)]]
    folder = write_fleet(tmp_path / "r", reports)
    code, out, _ = run(["fleet", str(folder), "--propose", "torch"], capsys)
    assert code == 1
    assert "# fleet: NOT for k80: Tesla K80 (compute capability 3.7) is supported by CUDA " in out
    assert "compute capability 3.7" not in out.split("# target:", 1)[1].split("\n", 1)[0]
    assert all(tuple(map(int, c.split("."))) >= (12, 8) for c in _proposal_cudas(out))


def test_proposal_json_and_output_file(
    mixed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "environment.yml"
    code, out, _ = run(["fleet", str(mixed), "--propose", "torch", "-o", str(target), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert data["common_target"]["oldest_driver"] == "535.261.03"
    assert data["common_target"]["compute_capabilities"] == ["8.0", "8.9", "9.0"]
    assert data["proposal"]["target"]["driver"] == "535.261.03"
    assert target.read_text(encoding="utf-8") == data["environment_yml"]
    code, _, err = run(["fleet", str(mixed), "--propose", "torch", "-o", str(target)], capsys)
    assert code == 2 and "already exists; pass --force" in err
    code, out, _ = run(["fleet", str(mixed), "--propose", "torch", "-o", str(target), "--force"], capsys)
    assert code == 0 and f"wrote {target}" in out


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from envadvisor.cli import fleet as fleet_cli

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stderr = Terminal()
    monkeypatch.setattr(sys, "stderr", stderr)
    items = list(fleet_cli._with_progress(iter(range(500)), 500))
    assert items == list(range(500))
    assert "reading reports" in stderr.getvalue()
    stderr.truncate(0)
    assert list(fleet_cli._with_progress(iter(range(5)), 5)) == list(range(5))
    assert stderr.getvalue() == ""  # a short run draws nothing


def test_the_conda_part_solves_with_the_oldest_drivers_cuda(
    mixed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """rattler solves the proposal against the test channel with __cuda of the oldest driver (12.2)
    and the oldest glibc: the environment installs on the oldest node."""
    pytest.importorskip("rattler")
    channel = Path(__file__).resolve().parent / "channel"
    argv = [
        "fleet",
        str(mixed),
        "--propose",
        "torch",
        "--source",
        "conda-forge",
        "--verify",
        str(channel),
        "--json",
    ]
    code, out, _ = run(argv, capsys)
    data = json.loads(out)
    assert code == 0, data["verify"]["error"]
    assert data["verify"]["ok"] is True
    virtual = {v["name"]: v["version"] for v in data["verify"]["virtual_packages"]}
    assert virtual["__cuda"] == "12.2" and virtual["__glibc"] == "2.35"
    assert any(p.startswith("pytorch=") and "cuda" in p for p in data["verify"]["packages"])
