"""Property tests over every command-line option that takes a value, found from the real parsers.

The options come from ``envadvisor.cli.build_parser()``, so an option added later is fuzzed without
touching this file. Each example runs ``envadvisor.cli.main([...])`` in this process with one option
set to a generated value and checks the contract of docs/reliability.md: the exit code is 0, 1 or 2;
exit 2 comes with exactly one line on stderr; nothing raises and no traceback is printed.

Values mix arbitrary Unicode text, text with the surrogate escapes a non-UTF-8 terminal produces, and
near-valid spellings (versions, GPU names, choices with a letter changed, paths that exist, are folders
or are missing). The machine is probed once and replayed (``collect`` returns the recorded result),
so an example costs milliseconds; option values that would reach the network (a remote ``--verify``
channel, or a channel name, which means one on conda.anaconda.org) or write outside the test folder (an
absolute ``-o``) are turned into local, relative ones.

Example counts are recorded in docs/reliability.md (EXAMPLES_PER_OPTION per option, the option count
is printed by test_every_value_option_is_fuzzed).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envadvisor import probes
from envadvisor.cli import build_parser, main

EXAMPLES_PER_OPTION = 30
EXAMPLES_POSITIONAL_COMBOS = 150

REPO = Path(__file__).resolve().parent.parent
FLEET_REPORT = REPO / "tests" / "fleet" / "handwritten-minimal.json"

# A base command line per command: what it needs to run at all (its required positionals), with the
# fastest output (--json where it exists) so the examples test the option, not the renderer.
BASE_ARGV: dict[str, list[str]] = {
    "diagnose": ["diagnose", "--json"],
    "rules": ["rules", "--json"],
    "explain": ["explain", "cuda"],
    "map": ["map", "cuda"],
    "why": ["why", "torch", "--json"],
    "propose": ["propose", "torch", "--json"],
    "check": ["check", "environment.yml", "--json"],
    "fleet": ["fleet", str(FLEET_REPORT), "--json"],
    # replayed registry responses (never the network), one package to keep each example quick
    "knowledge": ["knowledge", "refresh", "--replay", str(REPO / "tests" / "registry" / "recorded"), "--json",
                  "--package", "torch"],
}
# Options that only mean something next to another one: give it, so the value itself is reached.
COMPANIONS: dict[tuple[str, str], list[str]] = {
    ("fleet", "--python"): ["--propose", "numpy"],
    ("fleet", "--name"): ["--propose", "numpy"],
    ("fleet", "--source"): ["--propose", "numpy"],
    ("fleet", "--output"): ["--propose", "numpy"],
    ("fleet", "--verify"): ["--propose", "numpy"],
    ("diagnose", "--format"): ["--from", "report.txt"],
    ("propose", "--format"): ["--from", "report.txt"],
    ("check", "--format"): ["--from", "report.txt"],
    ("why", "--format"): ["--from", "report.txt"],
}


def _value_options() -> list[tuple[str, str, argparse.Action]]:
    """(command, option string or positional name, action) for every action that takes a value."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found = []
    for command, subparser in sub.choices.items():
        for action in subparser._actions:
            if action.nargs == 0 or isinstance(action, argparse._HelpAction):
                continue
            name = max(action.option_strings, key=len) if action.option_strings else action.dest
            found.append((command, name, action))
    return found


VALUE_OPTIONS = _value_options()

NEAR_VALID = [
    "",
    " ",
    "-",
    "--",
    "0",
    "-1",
    "4",
    "3",
    "2.7",
    "3.12",
    "3.99",
    "12.4",
    "13.0",
    "8.6",
    "99.9",
    "x",
    "banana",
    "550.54.15",
    "999.99",
    "1e309",
    "nan",
    "inf",
    "RTX 4090",
    "H100",
    "NVIDIA GeForce RTX 5090",
    "linux",
    "Windows",
    "macos",
    "x86_64",
    "arm64",
    "auto",
    "pip",
    "conda-forge",
    "en",
    "zh",
    "tree",
    "dot",
    "error",
    "never",
    "torch",
    "pytorch",
    "tensorflow",
    "cuda",
    "EA001",
    "EA999",
    "collect_env",
    "pip_freeze",
    "envadvisor_json",
    "report.txt",
    "environment.yml",
    "folder",
    "missing.txt",
    "binary.bin",
    "rules.yaml",
    "bad-rules.yaml",
    "../outside.yml",
    "/dev/null",
    "a" * 5000,
    "中文",
    "💥",
    "caf\udce9",  # a non-UTF-8 byte as Python decodes argv (surrogateescape)
    "\udcff",
    "x\ny",
    "%s%n",
    "{0}",
    "'; rm -rf / #",
    "$(id)",
]


def _mutations(action: argparse.Action) -> list[str]:
    choices = [str(c) for c in action.choices or ()]
    return (
        choices + [c.upper() for c in choices] + [c[:-1] for c in choices if c] + [c + "x" for c in choices]
    )


def values_for(action: argparse.Action) -> st.SearchStrategy[str]:
    surrogate_text = st.text(
        alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(["\udc80", "\udcff", "\udce9"])),
        max_size=20,
    )
    return st.one_of(
        st.sampled_from(NEAR_VALID + _mutations(action)),
        st.text(max_size=40),
        surrogate_text,
        st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,4}){0,3}[a-z]{0,2}", fullmatch=True),
    ).filter(lambda s: "\x00" not in s)  # a command line cannot hold a NUL byte


def _make_local(option: str, value: str) -> str:
    """Keep writes in the test folder and reads off the network."""
    if option in ("--output", "paths", "--write"):  # fleet PATH: never "/" (a search of the whole disk)
        value = value.replace("..", "_").lstrip("/~") or "out.yml"
        value = "out.yml" if value in (".", "-") and option == "--output" else value
    if option == "--verify":
        value = value.replace("://", "_")
        if not os.path.exists(value):  # a channel name (conda-forge) would be read from conda.anaconda.org
            value = os.path.join(".", value)
    return value


@pytest.fixture(scope="module")
def recorded_machine() -> Iterator[None]:
    """Probe this machine once; every example replays it (collect() costs ~0.1 s)."""
    facts_and_outcomes = probes.collect()
    patcher = pytest.MonkeyPatch()
    patcher.setattr(probes, "collect", lambda *args, **kwargs: facts_and_outcomes)
    yield
    patcher.undo()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with the files the near-valid values name, as the current folder."""
    root = tmp_path_factory.mktemp("fuzz")
    (root / "report.txt").write_text("torch==2.5.1\nnumpy==2.1.3\n", encoding="utf-8")
    (root / "environment.yml").write_text(
        "name: t\nchannels: [conda-forge]\ndependencies:\n  - python=3.12\n  - pytorch\n", encoding="utf-8"
    )
    (root / "folder").mkdir()
    (root / "binary.bin").write_bytes(bytes(range(256)))
    (root / "rules.yaml").write_text("rules: []\n", encoding="utf-8")
    (root / "bad-rules.yaml").write_text("rules:\n  - code: EA950\n", encoding="utf-8")
    previous = os.getcwd()
    os.chdir(root)
    yield root
    os.chdir(previous)


def _clean_outputs(root: Path) -> None:
    keep = {"report.txt", "environment.yml", "folder", "binary.bin", "rules.yaml", "bad-rules.yaml"}
    for entry in root.iterdir():
        if entry.name not in keep and entry.is_file():
            entry.unlink()


def check_contract(argv: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    capsys.readouterr()
    previous_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")  # "--from -": empty, never a terminal
    try:
        code = main(argv)
    finally:
        sys.stdin = previous_stdin
    captured = capsys.readouterr()
    assert code in (0, 1, 2), (argv, code, captured.err)
    assert "Traceback" not in captured.err and "Traceback" not in captured.out, (argv, captured.err)
    if code == 2:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("envadvisor: error: "), (argv, captured.err)
    return code


def test_every_value_option_is_fuzzed() -> None:
    commands = {command for command, _, _ in VALUE_OPTIONS}
    assert commands == set(BASE_ARGV), "a new command needs a base command line in BASE_ARGV"
    names = {(c, n) for c, n, _ in VALUE_OPTIONS}
    for expected in (("diagnose", "--driver"), ("propose", "--python"), ("diagnose", "--compute-capability")):
        assert expected in names
    print(f"{len(VALUE_OPTIONS)} value-taking options and positionals fuzzed")


@pytest.mark.parametrize(
    ("command", "option", "action"), VALUE_OPTIONS, ids=[f"{c} {n}" for c, n, _ in VALUE_OPTIONS]
)
def test_any_value_of_any_option_is_exit_0_1_or_one_line_exit_2(
    recorded_machine: None,
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    option: str,
    action: argparse.Action,
) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPTION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(value=values_for(action))
    def run(value: str) -> None:
        value = _make_local(option, value)
        base = list(BASE_ARGV[command])
        extra = COMPANIONS.get((command, option), [])
        if action.option_strings:
            argv = [*base, *extra, f"{option}={value}"]
        else:  # a positional: put the value in the base line's place for it, after '--'
            argv = _with_positional(command, _make_local(option, value), extra)
        if option == "--output":
            argv.append("--force")  # a second example may reuse a name
        check_contract(argv, capsys)
        _clean_outputs(workdir)

    run()


def _with_positional(command: str, value: str, extra: list[str]) -> list[str]:
    options_only = [a for a in BASE_ARGV[command][1:] if a.startswith("--")]
    return [command, *options_only, *extra, "--", value]


@settings(
    max_examples=EXAMPLES_POSITIONAL_COMBOS,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.data(),
    command=st.sampled_from(sorted(BASE_ARGV)),
)
def test_several_options_at_once(
    recorded_machine: None,
    workdir: Path,
    capsys: pytest.CaptureFixture[str],
    data: st.DataObject,
    command: str,
) -> None:
    options = [(n, a) for c, n, a in VALUE_OPTIONS if c == command and a.option_strings]
    chosen = data.draw(st.lists(st.sampled_from(options), min_size=1, max_size=4, unique_by=lambda o: o[0]))
    argv = list(BASE_ARGV[command])
    for option, action in chosen:
        value = _make_local(option, data.draw(values_for(action)))
        argv.append(f"{option}={value}")
    if any(option == "--output" for option, _ in chosen):
        argv.append("--force")
    check_contract(argv, capsys)
    _clean_outputs(workdir)
