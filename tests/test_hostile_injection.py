"""Issue 17, class 1: nothing a report says can add a key to a written environment.yml.

`propose --from` and `fleet --propose` copy report values (glibc, GPU and host names) into the file's
`# target:` / `# fleet:` comments. Each test writes the file through the real CLI and then parses it:
the YAML must hold exactly the keys and entries envadvisor decided, and every header line must stay
a comment.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from envadvisor.errors import EnvAdvisorError
from envadvisor.propose.model import comment
from tests.reliability_support import get_path, load_machine, run_cli, set_path, string_paths

# Every line break YAML 1.1 (PyYAML), YAML 1.2 (conda's ruamel) or a terminal knows, each followed by
# a key the attacker wants in the file.
BREAKS = ("\n", "\r", "\r\n", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x1c", "\x1e")
PAYLOAD = "variables: {LD_PRELOAD: /tmp/evil.so}"
ALLOWED_TOP = {"name", "channels", "dependencies", "variables"}


def hostile(value: str = "2.39") -> str:
    """A value that tries every line break, then a comment close and a document marker."""
    tail = "".join(f"{br}{PAYLOAD}{br}#" for br in BREAKS)
    return f"{value}{tail}\n---\nname: evil\n\x00\x1b]0;owned\x07\ud800"


def assert_only_meant_keys(text: str, wanted: dict[str, Any] | None = None) -> dict[str, Any]:
    """Parse a written environment file: only the keys envadvisor writes, no planted value anywhere
    outside a comment, the header all comments."""
    assert "\r" not in text and "\x85" not in text and "\u2028" not in text and "\u2029" not in text
    data = yaml.safe_load(text)
    assert isinstance(data, dict), text
    assert set(data) <= ALLOWED_TOP, sorted(data)
    assert data["name"] != "evil"
    assert "LD_PRELOAD" not in (data.get("variables") or {}), data.get("variables")
    for item in data["dependencies"]:
        assert isinstance(item, (str, dict)), item
        if isinstance(item, dict):
            assert set(item) == {"pip"}, item
    body_started = False
    for line in text.splitlines():
        if line.startswith("name:"):
            body_started = True
        if not body_started:
            assert line.startswith("#"), repr(line)
        assert line.isprintable(), repr(line)
    if wanted is not None:
        assert data == wanted
    return data  # type: ignore[no-any-return]


def test_the_reported_glibc_injection_stays_in_its_comment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reproduction from the issue: facts.os.glibc = "2.39\\nvariables: {LD_PRELOAD: ...}\\n#"."""
    report = load_machine("h200-datacenter.json")
    clean_path = tmp_path / "clean.json"
    clean_path.write_text(json.dumps(report), encoding="utf-8")
    code, clean_text, _ = run_cli(["propose", "torch", "--from", str(clean_path)], capsys)
    assert code == 0
    report["facts"]["os"]["glibc"] = "2.39\nvariables: {LD_PRELOAD: /tmp/evil.so}\n#"
    evil = tmp_path / "evil.json"
    evil.write_text(json.dumps(report), encoding="utf-8")
    out = tmp_path / "environment.yml"
    code, _, err = run_cli(["propose", "torch", "--from", str(evil), "-o", str(out)], capsys)
    assert code == 0, err
    written = out.read_text(encoding="utf-8")
    # the same keys and entries as the clean report's file; the value only inside the target comment
    assert_only_meant_keys(written, yaml.safe_load(clean_text))
    target_line = next(line for line in written.splitlines() if line.startswith("# target:"))
    assert "LD_PRELOAD" in target_line


@pytest.mark.parametrize("machine", ["h200-datacenter.json", "wsl2-rtx4070.json", "macos-arm64.json"])
def test_every_string_of_a_report_set_to_an_injection_writes_only_the_meant_keys(
    machine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each string fact in turn (GPU name, host, glibc, distro, CPU, paths, versions ...) set to a value
    that tries ten kinds of line break: propose either refuses in one line or writes a file that parses
    to exactly the keys envadvisor writes."""
    base = load_machine(machine)
    paths = [
        p
        for p in string_paths(base["facts"])
        if p[0] not in ("reasons", "sources") and (p[0] != "packages" or p[1] in _PACKAGES_TRIED)
    ]
    assert len(paths) > 10  # the test really walks the report
    written_files = 0
    for path in paths:
        report = copy.deepcopy(base)
        set_path(report["facts"], path, hostile(str(get_path(base["facts"], path))))
        src = tmp_path / "r.json"
        src.write_text(json.dumps(report), encoding="utf-8")
        code, out, err = run_cli(["propose", "torch", "transformers", "--from", str(src)], capsys)
        assert "Traceback" not in err
        if code == 2:
            assert len(err.strip().splitlines()) == 1, (path, err)
            continue
        assert code in (0, 1), (path, code, err)
        assert_only_meant_keys(out)
        written_files += 1
    assert written_files >= len(paths) // 2  # most fields are not needed to propose at all


# of the hundreds of packages a report lists, those a proposal reads
_PACKAGES_TRIED = ("torch", "transformers", "tensorflow", "jax", "numpy", "nvidia-cudnn-cu12", "pip")


def test_fleet_propose_header_keeps_hostile_host_and_gpu_names_in_comments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`# fleet:` lines name hosts (oldest driver, CPU-only nodes, excluded nodes) and notes."""
    folder = tmp_path / "nodes"
    folder.mkdir()
    machines = ["h200-datacenter.json", "rtx5090-workstation.json", "laptop-no-nvidia.json"]
    for i, machine in enumerate(machines):
        report = load_machine(machine)
        report["facts"]["os"]["hostname"] = hostile(f"node{i}")
        for device in report["facts"]["gpu"]["devices"]:
            device["name"] = hostile(device["name"] or "GPU")
        (folder / f"n{i}.json").write_text(json.dumps(report), encoding="utf-8")
    out = tmp_path / "fleet.yml"
    code, _, err = run_cli(["fleet", str(folder), "--propose", "torch", "-o", str(out)], capsys)
    assert code in (0, 1), err
    text = out.read_text(encoding="utf-8")
    assert_only_meant_keys(text)
    assert any(line.startswith("# fleet:") and "LD_PRELOAD" in line for line in text.splitlines())
    code, stdout, err = run_cli(["fleet", str(folder), "--propose", "torch"], capsys)
    assert code in (0, 1), err
    assert_only_meant_keys(stdout)


def test_comment_is_always_one_printable_line() -> None:
    for br in BREAKS:
        line = comment(f"target: a{br}b: c{br}")
        assert line.startswith("# ") and "\n" not in line and line.isprintable(), repr(line)
        assert yaml.safe_load(f"{line}\nname: x\n") == {"name": "x"}
    assert comment("  conda env create -f environment.yml") == "#   conda env create -f environment.yml"


def test_a_file_that_does_not_read_back_as_decided_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The writer's own guard: a proposal's text with a key it did not decide is never written."""
    from envadvisor.cli import _common
    from envadvisor.propose import ProposeOptions, propose

    report = tmp_path / "r.json"
    report.write_text(json.dumps(load_machine("h200-datacenter.json")), encoding="utf-8")
    knowledge = _common.knowledge_for(type("A", (), {"extra_rules": []})())
    from envadvisor.importers import read_report_file

    facts = _common.complete_driver_cuda(read_report_file(str(report)).facts, knowledge)
    proposal = propose(facts, ["torch"], ProposeOptions(), knowledge)
    text = proposal.to_yaml()
    assert proposal.check_written(text) == text
    for tampered in (
        text + "variables:\n  LD_PRELOAD: /tmp/evil.so\n",
        text.replace("# target:", "prefix: /tmp/x\n# target:"),
        text.replace("name: pytorch", "name: evil"),
        text + "  - evil-package\n",
    ):
        with pytest.raises(EnvAdvisorError, match="refusing to write"):
            proposal.check_written(tampered)


def test_an_output_file_name_cannot_inject_either(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`-o` names the file in the header and the create command: a name with a line break or another
    unprintable character is refused in one line; a name with spaces and shell characters is quoted in
    the create command."""
    from tests.reliability_support import assert_one_line_error

    bad = tmp_path / "env\nvariables: {X: y}\n#.yml"
    code, _, err = run_cli(["propose", "torch", "--no-gpu", "--os", "linux", "-o", str(bad)], capsys)
    assert_one_line_error(code, err, "not a usable file name")
    assert list(tmp_path.iterdir()) == []
    odd = tmp_path / "my env; rm -rf ~.yml"
    code, _, err = run_cli(["propose", "torch", "--no-gpu", "--os", "linux", "-o", str(odd)], capsys)
    assert code == 0, err
    text = odd.read_text(encoding="utf-8")
    assert_only_meant_keys(text)
    assert "#   conda env create -f 'my env; rm -rf ~.yml'" in text
