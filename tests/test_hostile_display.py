"""Issue 17, class 5 and the "Must show" property: what a report says reaches no terminal as markup or
as an escape sequence, through every command's terminal and JSON output and every file writer.

Before: a path, GPU name or dependency holding ``[/]`` crashed the renderer (rich ``MarkupError``; 34
fact fields in ``diagnose --from``, 15 in ``fleet``), ``[old]`` vanished from paths, and ESC sequences
from a report (``\\e]0;title\\a`` sets the window title, ``\\e[2J`` clears the screen) reached the
terminal. The console now takes text as text (``markup=False``) and cleans every rendered segment
(``safetext.printable``); JSON escapes what ``json.dumps`` leaves raw; plain-text writers clean too.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability_support import get_path, load_machine, run_cli, set_path, string_paths
from tests.test_hostile_injection import ALLOWED_TOP

# Anything a terminal acts on, and what no output may carry: C0 controls but tab/newline, DEL, C1
# (CSI \x9b, OSC \x9d ...), line/paragraph separators, bidirectional controls, lone surrogates.
CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

MARKUP = ("[/]", "[old]", "[bold red]x[/bold red]", "[link=file:///etc/passwd]y[/link]", "[/x]", "[")
ESCAPES = ("\x1b]0;owned\x07", "\x1b[2J", "\x1b[31m", "\x9b2J", "\x1bP+q\x1b\\", "\r", "\x08\x08", "\x07")
OTHER = ("\u202eevil", "\u2028", "\x85", "\ufeff", "\ud800", "\n# injected: 1", "9" * 5000, "²³")
OTHER += ("[redacted]",)
VOCABULARY = ("error", "warning", "info", "linux", "x86_64", "report", "ok", "None", "null", "-")
HOSTILE = (*MARKUP, *ESCAPES, *OTHER, *VOCABULARY)


def _poison(report: dict[str, Any], payloads: list[str]) -> dict[str, Any]:
    """Every string fact (not the sources/reasons keys) with a payload appended; a hostile package too."""
    out = copy.deepcopy(report)
    paths = [p for p in string_paths(out["facts"]) if p[0] not in ("sources",)]
    for i, path in enumerate(paths):
        original = path and get_path(report["facts"], path)
        set_path(out["facts"], path, f"{original}{payloads[i % len(payloads)]}")
    out["facts"].setdefault("packages", {})[f"evil{payloads[0]}"] = {"version": f"1.0{payloads[-1]}"}
    return out


def _assert_clean(where: str, code: int, out: str, err: str) -> None:
    assert "Traceback" not in err and "MarkupError" not in err, (where, err[-800:])
    assert code in (0, 1, 2), (where, code)
    if code == 2:
        assert len(err.strip().splitlines()) == 1, (where, err)
    found = CONTROL.search(out)
    assert found is None, (where, repr(out[max(found.start() - 40, 0) : found.end() + 40]))
    found = CONTROL.search(err)
    assert found is None, (where, repr(err[max(found.start() - 40, 0) : found.end() + 40]))


def _run_everything(report: dict[str, Any], tmp: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """Every command that shows a report's facts, in every format; every file writer."""
    src = tmp / "r.json"
    src.write_text(json.dumps(report), encoding="utf-8")
    folder = tmp / "fleet"
    folder.mkdir(exist_ok=True)
    (folder / "a.json").write_text(json.dumps(report), encoding="utf-8")
    (folder / "b.json").write_text(json.dumps(load_machine("rtx5090-workstation.json")), encoding="utf-8")
    env_file = tmp / "environment.yml"
    env_file.write_text("name: x\nchannels: [conda-forge, nodefaults]\ndependencies:\n  - python=3.12\n")
    outputs: dict[str, str] = {}
    runs = {
        "diagnose json": ["diagnose", "--from", str(src), "--json", "--fail-on", "never"],
        "diagnose en": ["diagnose", "--from", str(src), "--lang", "en", "--fail-on", "never"],
        "diagnose zh": ["diagnose", "--from", str(src), "--lang", "zh", "--fail-on", "never"],
        "diagnose redact": ["diagnose", "--from", str(src), "--redact", "--fail-on", "never"],
        "propose": ["propose", "torch", "transformers", "--from", str(src)],
        "propose json": ["propose", "torch", "--from", str(src), "--json"],
        "propose -o": ["propose", "torch", "--from", str(src), "-o", str(tmp / "p.yml"), "--force"],
        "why": ["why", "torch", "--from", str(src)],
        "check": ["check", str(env_file), "--from", str(src), "--fail-on", "never"],
        "check json": ["check", str(env_file), "--from", str(src), "--json", "--fail-on", "never"],
        "fleet en": ["fleet", str(folder)],
        "fleet zh": ["fleet", str(folder), "--lang", "zh"],
        "fleet json": ["fleet", str(folder), "--json"],
        "fleet propose": ["fleet", str(folder), "--propose", "torch"],
        "fleet propose -o": ["fleet", str(folder), "--propose", "torch", "-o", str(tmp / "f.yml"), "--force"],
    }
    for where, argv in runs.items():
        code, out, err = run_cli(argv, capsys)
        _assert_clean(where, code, out, err)
        if code != 2 and "json" in where:
            json.loads(out)
        if code != 2 and where in ("propose", "fleet propose"):
            _assert_meant_keys(where, out)
        outputs[where] = out
    for written in ("p.yml", "f.yml"):
        if (tmp / written).exists():
            text = (tmp / written).read_text(encoding="utf-8")
            _assert_clean(written, 0, text, "")
            _assert_meant_keys(written, text)
    return outputs


def _assert_meant_keys(where: str, text: str) -> None:
    data = yaml.safe_load(text)
    assert isinstance(data, dict) and set(data) <= ALLOWED_TOP, (where, data)
    assert all(line.startswith("#") for line in text.split("name:", 1)[0].splitlines()), where


@pytest.mark.parametrize("machine", ["h200-datacenter.json", "wsl2-rtx4070.json", "windows-cpu.json"])
def test_every_field_hostile_at_once(
    machine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = _run_everything(_poison(load_machine(machine), list(HOSTILE)), tmp_path, capsys)
    # markup is shown as text, not eaten: a "[old]" in a path or a name is still there
    assert "[old]" in outputs["diagnose en"] and "[/]" in outputs["diagnose en"]


def test_markup_in_a_path_is_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The two reproductions: "[/]" crashed the renderer, "[old]" disappeared from a path."""
    report = load_machine("h200-datacenter.json")
    report["facts"]["python"]["executable"] = "/opt/[old]/envs/[/]/bin/python"
    report["facts"]["cuda_toolkit"]["home"] = "/usr/local/[bold]cuda[/bold]"
    src = tmp_path / "r.json"
    src.write_text(json.dumps(report), encoding="utf-8")
    code, out, err = run_cli(["diagnose", "--from", str(src), "--fail-on", "never"], capsys)
    assert code == 0, err
    assert "/opt/[old]/envs/[/]/bin/python" in out
    assert "/usr/local/[bold]cuda[/bold]" in out


def test_escape_sequences_from_a_report_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = load_machine("h200-datacenter.json")
    report["facts"]["gpu"]["devices"][0]["name"] = "NVIDIA H200\x1b]0;owned\x07\x1b[2J\x9b31m"
    report["facts"]["os"]["distro"] = "Ubuntu\u202e\r\x08"
    src = tmp_path / "r.json"
    src.write_text(json.dumps(report), encoding="utf-8")
    for lang in ("en", "zh"):
        argv = ["diagnose", "--from", str(src), "--lang", lang, "--fail-on", "never"]
        code, out, _ = run_cli(argv, capsys)
        assert code == 0 and CONTROL.search(out) is None, repr(out)
        assert "H200" in out  # the name (wrapped in its cell), without its escape sequences
    code, out, _ = run_cli(["diagnose", "--from", str(src), "--json", "--fail-on", "never"], capsys)
    assert CONTROL.search(out) is None
    # the JSON keeps the value (escaped), so a program reading it sees what the report said
    devices = json.loads(out)["facts"]["gpu"]["devices"]
    assert devices[0]["name"].startswith("NVIDIA H200")


def test_a_pasted_text_report_with_escapes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pasted = tmp_path / "issue.txt"
    pasted.write_text(
        "PyTorch version: 2.5.1+cu124\x1b]0;owned\x07\nIs CUDA available: True\n"
        "GPU models and configuration: GPU 0: NVIDIA A100 [/]\x1b[2J\nNvidia driver version: 550.54.15\n",
        encoding="utf-8",
    )
    for argv in (["--json"], ["--lang", "en"], ["--lang", "zh"]):
        code, out, err = run_cli(["diagnose", "--from", str(pasted), "--fail-on", "never", *argv], capsys)
        _assert_clean(str(argv), code, out, err)


# --------------------------------------------------------------------------------------------------
# The property: any mix of hostile strings in any fields, through everything
# --------------------------------------------------------------------------------------------------

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.sampled_from("[]/\x1b\x07\x9b\n\r\u202e\u2028\ud800 a0.-:#\\"), max_size=12),
    st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=4).map("".join),
)


@settings(max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(
    payloads=st.lists(hostile_text, min_size=1, max_size=8),
    machine=st.sampled_from(["h200-datacenter.json", "macos-arm64.json", "laptop-no-nvidia.json"]),
)
def test_any_hostile_strings_in_any_fields_through_every_command(
    payloads: list[str],
    machine: str,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _run_everything(_poison(load_machine(machine), payloads), tmp_path_factory.mktemp("hostile"), capsys)
