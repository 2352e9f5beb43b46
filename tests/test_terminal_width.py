"""The terminal at 60, 80 and 120 columns, in English and Chinese: the real commands, over the recorded
machines and the report fixtures.

For each output: no line wider than the terminal, no word split (every word is a word of the same
output laid out without a width limit, in each of its layouts: see tests/terminal_support.py), and
the length within its limit (at 80 columns ``diagnose`` is at most a third longer than at 120).
``--brief`` keeps every finding code of the full output, in fewer lines.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from envadvisor.cli import _common, build_parser
from envadvisor.cli.diagnose import build_report, terminal_output
from envadvisor.render import explain as render_explain
from envadvisor.render import fleet as render_fleet
from envadvisor.render import terminal
from tests.terminal_support import (
    LANGS,
    MACHINES,
    REPO,
    REPORTS,
    WIDTHS,
    Vocabulary,
    lines_of,
    run_cli,
    run_in_pty,
    strip_ansi,
    too_wide,
)

# every layout switch, pushed out of reach so a 1,000-column render takes the narrow layouts
NARROW_LAYOUTS = (
    (terminal, "WIDE_COLUMNS"),
    (terminal, "TABLE_COLUMNS"),
    (render_fleet, "FLEET_WIDE_COLUMNS"),
    (render_explain, "RULES_WIDE_COLUMNS"),
)
UNLIMITED = 1000
CODE = re.compile(r"\bEA\d{3}\b")


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "NO_COLOR", "COLUMNS"):
        monkeypatch.delenv(variable, raising=False)


def vocabulary(argv: Sequence[str], monkeypatch: pytest.MonkeyPatch) -> Vocabulary:
    """The words of ``argv``'s output at 1,000 columns, in its wide and in its narrow layouts."""
    outputs = [run_cli(argv, UNLIMITED, monkeypatch)[1]]
    with monkeypatch.context() as patch:
        for module, name in NARROW_LAYOUTS:
            patch.setattr(module, name, 10 * UNLIMITED)
        outputs.append(run_cli(argv, UNLIMITED, patch)[1])
    return Vocabulary(outputs)


def outputs_at(argv: Sequence[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[int, str]]:
    for columns in WIDTHS:
        yield columns, run_cli(argv, columns, monkeypatch)[1]


def assert_fits(argv: Sequence[str], monkeypatch: pytest.MonkeyPatch) -> dict[int, int]:
    """Run ``argv`` at each width; assert it fits and splits no word; the line count at each width."""
    words = vocabulary(argv, monkeypatch)
    counts = {}
    for columns, output in outputs_at(argv, monkeypatch):
        assert output, f"{argv}: no output"
        wide = too_wide(output, columns)
        assert not wide, f"{' '.join(argv)} at {columns} columns: lines wider than the terminal: {wide[:3]}"
        split = words.split_words(output)
        assert not split, f"{' '.join(argv)} at {columns} columns: split words {split[:10]}\n{output}"
        counts[columns] = len(lines_of(output))
    return counts


def assert_diagnose_lengths(name: str, counts: dict[int, int]) -> None:
    """At 80 columns at most a third longer than at 120 (the issue's limit); at 60 at most 60 % longer
    (measured over every fixture in both languages: worst 1.26 and 1.50, all together 1.03 and 1.22)."""
    assert counts[80] <= math.floor(counts[120] * 4 / 3), f"{name}: {counts}: 80 columns more than 4/3 of 120"
    assert counts[60] <= math.floor(counts[120] * 8 / 5), f"{name}: {counts}: 60 columns more than 8/5 of 120"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("machine", MACHINES, ids=lambda p: p.stem)
def test_diagnose_of_recorded_machines_fits_60_80_120(
    machine: Path, lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["diagnose", "--from", str(machine), "--lang", lang, "--fail-on", "never"]
    assert_diagnose_lengths(machine.stem, assert_fits(argv, monkeypatch))


def _drawn(report: object, lang: str, columns: int, *, brief: bool = False) -> str:
    """``report`` as ``diagnose`` draws it at ``columns`` (the command's own renderable and console)."""
    stream = io.StringIO()
    _common.make_console(stream, width=columns).print(terminal_output(report, lang, brief=brief))  # type: ignore[arg-type]
    return stream.getvalue()


# every sixth report fixture (the corpus holds well over a hundred): each is read once and drawn at
# each width in both languages (the recorded machines above run the whole command each time). Every
# report is drawn in Chinese at 120 columns and --brief at 80 in tests/test_chinese_complete.py.
SAMPLED_REPORTS = REPORTS[::6]


@pytest.mark.parametrize("report_file", SAMPLED_REPORTS, ids=lambda p: p.stem)
def test_diagnose_of_report_fixtures_fits_60_80_120(
    report_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Report fixtures in both languages, at every width."""
    for lang in LANGS:
        argv = ["diagnose", "--from", str(report_file), "--lang", lang]
        report = build_report(build_parser().parse_args(argv))
        outputs = [_drawn(report, lang, UNLIMITED)]
        with monkeypatch.context() as patch:
            for module, name in NARROW_LAYOUTS:
                patch.setattr(module, name, 10 * UNLIMITED)
            outputs.append(_drawn(report, lang, UNLIMITED))
        words = Vocabulary(outputs)
        counts = {}
        for columns in WIDTHS:
            output = _drawn(report, lang, columns)
            assert not too_wide(output, columns), (
                report_file.name,
                lang,
                columns,
                too_wide(output, columns)[:3],
            )
            assert not words.split_words(output), (report_file.name, lang, columns, words.split_words(output))
            counts[columns] = len(lines_of(output))
        assert_diagnose_lengths(f"{report_file.stem} ({lang})", counts)
        # --brief: every finding code, never a why paragraph, shorter
        brief = _drawn(report, lang, 80, brief=True)
        assert set(CODE.findall(brief)) == {f.code for f in report.findings}
        assert terminal.UI[lang]["why"] + (":" if lang == "en" else "：") not in brief
        assert len(lines_of(brief)) <= counts[80]


@pytest.mark.parametrize("lang", LANGS)
def test_diagnose_on_a_pseudo_terminal(lang: str) -> None:
    """The real program on a real terminal: it takes the terminal's width (no COLUMNS) and colours."""
    machine = REPO / "tests" / "machines" / "rtx5090-workstation.json"
    argv = ["diagnose", "--from", str(machine), "--lang", lang, "--fail-on", "never"]
    counts = {}
    outputs = {}
    # each run starts an interpreter: English at every width, Chinese at 80 (both run in-process above)
    widths = (*WIDTHS, 250) if lang == "en" else (80, 120, 250)
    for columns in widths:
        code, output = run_in_pty(argv, columns)
        assert code == 0, output
        assert "\x1b[" in output  # a terminal: colours
        assert not too_wide(output, columns), (columns, too_wide(output, columns)[:3])
        counts[columns] = len(lines_of(output))
        outputs[columns] = output
    # the widest run is the vocabulary; the components' narrow layouts add only the explain hint
    words = Vocabulary([outputs[250], outputs[80]])
    for columns in widths:
        assert not words.split_words(outputs[columns]), (columns, words.split_words(outputs[columns]))
    if lang == "en":
        assert_diagnose_lengths("rtx5090 on a pty", counts)
    assert counts[80] <= math.floor(counts[120] * 4 / 3)
    header = "┃ " + terminal.UI[lang]["meaning"]
    assert header in strip_ansi(outputs[120]) and header not in strip_ansi(outputs[80])


@pytest.mark.parametrize("lang", LANGS)
def test_meaning_column_only_where_there_is_room(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    machine = str(REPO / "tests" / "machines" / "h200-datacenter.json")
    argv = ["diagnose", "--from", machine, "--lang", lang]
    meaning = "┃ " + terminal.UI[lang]["meaning"]
    hint = terminal.UI[lang]["meanings_hint"].split("{")[0].strip()
    _, at_120 = run_cli(argv, 120, monkeypatch)
    _, at_109 = run_cli(argv, 109, monkeypatch)
    assert meaning in at_120 and hint not in at_120
    assert meaning not in at_109 and hint in at_109
    assert "explain python, nvidia-driver" in " ".join(at_109.split())


def test_long_paths_are_shortened_in_the_middle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data = json.loads((REPO / "tests" / "machines" / "h200-datacenter.json").read_text(encoding="utf-8"))
    long_python = "/home/researcher/projects/vision/.venv-experiments-2026/lib/python3.12/site-packages/torch"
    data["facts"]["python"]["executable"] = long_python
    report = tmp_path / "long-path.json"
    report.write_text(json.dumps(data), encoding="utf-8")
    _, output = run_cli(["diagnose", "--from", str(report)], 80, monkeypatch)
    assert long_python not in output
    assert re.search(r"/home/\.\.\./(?:[\w.-]+/)*torch\b", output), output


@pytest.mark.parametrize("machine", MACHINES, ids=lambda p: p.stem)
def test_brief_keeps_every_finding_code(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for lang in LANGS:
        argv = ["diagnose", "--from", str(machine), "--lang", lang, "--fail-on", "never"]
        _, full = run_cli(argv, 80, monkeypatch)
        _, brief = run_cli([*argv, "--brief"], 80, monkeypatch)
        _, data = run_cli([*argv, "--json"], 80, monkeypatch)
        codes = {f["code"] for f in json.loads(data)["findings"]}
        finding_codes = set(CODE.findall(full)) - {n["code"] for n in json.loads(data)["not_evaluated"]}
        assert finding_codes == codes
        assert set(CODE.findall(brief)) == codes
        assert len(lines_of(brief)) < len(lines_of(full))
        why = terminal.UI[lang]["why"]
        assert (
            f"{why}:" not in brief
            and f"{why}：" not in brief
            and "https://" not in brief.split("envadvisor")[0]
        )


def test_brief_on_check_and_fleet_keeps_every_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(
        "name: old\nchannels: [pytorch, defaults]\ndependencies:\n  - python=3.8\n  - pytorch=1.13\n"
        "  - cudatoolkit=11.6\n  - pip:\n    - numpy=>1.2\n",
        encoding="utf-8",
    )
    argv = [
        "check",
        str(env),
        "--gpu",
        "RTX 4090",
        "--driver",
        "535.104.05",
        "--os",
        "linux",
        "--fail-on",
        "never",
    ]
    _, data = run_cli([*argv, "--json"], 80, monkeypatch)
    codes = {f["code"] for f in json.loads(data)["findings"]}
    assert len(codes) >= 3
    _, full = run_cli(argv, 80, monkeypatch)
    _, brief = run_cli([*argv, "--brief"], 80, monkeypatch)
    assert set(CODE.findall(brief)) == codes <= set(CODE.findall(full))
    assert len(lines_of(brief)) < len(lines_of(full))

    fleet = [str(p) for p in sorted((REPO / "tests" / "fleet" / "recorded").glob("*.json"))]
    fleet.append(str(REPO / "tests" / "fleet" / "handwritten-minimal.json"))
    _, data = run_cli(["fleet", *fleet, "--json"], 80, monkeypatch)
    summary = json.loads(data)
    codes = {f["code"] for f in summary["findings_on_some"]} | {f["code"] for f in summary["findings_on_all"]}
    assert codes
    _, brief = run_cli(["fleet", *fleet, "--brief"], 80, monkeypatch)
    _, full = run_cli(["fleet", *fleet], 80, monkeypatch)
    assert set(CODE.findall(brief)) == codes == set(CODE.findall(full))
    assert len(lines_of(brief)) < len(lines_of(full))


def _check_file(tmp_path: Path) -> str:
    env = tmp_path / "environment.yml"
    env.write_text(
        "name: legacy\nchannels: [pytorch, nvidia, defaults]\ndependencies:\n  - python=3.9\n"
        "  - pytorch==2.1.0\n  - pytorch-cuda=12.1\n  - cudatoolkit\n  - pip:\n    - transformers>=4.40\n"
        "    - numpy=>1.2\n",
        encoding="utf-8",
    )
    return str(env)


@pytest.mark.parametrize("lang", LANGS)
def test_other_commands_fit_60_80_120(lang: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fleet = [str(p) for p in sorted((REPO / "tests" / "fleet" / "recorded").glob("*.json"))]
    fleet += [
        str(REPO / "tests" / "fleet" / name) for name in ("handwritten-minimal.json", "not-a-report.json")
    ]
    env = _check_file(tmp_path)
    commands = [
        ["check", env, "--gpu", "RTX 4090", "--driver", "535.104.05", "--os", "linux", "--fail-on", "never"],
        ["check", env, "--from", str(MACHINES[0]), "--brief", "--fail-on", "never"],
        ["fleet", *fleet],
        ["fleet", *fleet, "--brief"],
    ]
    for argv in commands:
        assert_fits([*argv, "--lang", lang], monkeypatch)


@pytest.mark.parametrize("lang", LANGS)
def test_explain_rules_and_why_on_a_terminal_fit(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """explain, rules and why print plain text to a pipe (a line per item, for grep): their terminal
    layout is tested on a stream that says it is a terminal (the pty test covers a real one)."""
    commands = [["explain", topic] for topic in ("cudnn", "pytorch", "conda-forge", "EA020", "EA030")]
    commands += [["explain", "--list"], ["rules"], ["why", "cuda-version", "--from", str(MACHINES[0])]]
    for argv in commands:
        argv = [*argv, "--lang", lang]
        outputs = [run_cli(argv, UNLIMITED, monkeypatch, terminal=True)[1]]
        with monkeypatch.context() as patch:
            for module, name in NARROW_LAYOUTS:
                patch.setattr(module, name, 10 * UNLIMITED)
            outputs.append(run_cli(argv, UNLIMITED, patch, terminal=True)[1])
        words = Vocabulary(outputs)
        for columns in WIDTHS:
            code, output = run_cli(argv, columns, monkeypatch, terminal=True)
            assert code == 0 and "\x1b[" in output, output
            assert not too_wide(output, columns), (argv, columns, too_wide(output, columns)[:3])
            assert not words.split_words(output), (argv, columns, words.split_words(output))
