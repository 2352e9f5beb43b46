"""Bad input through the command line: one clear line and exit 2, or a report/finding; never a traceback.

The parser tests (tests/test_importers.py, tests/test_envfile.py, tests/test_fleet*.py) check each
reader's messages; here the same bad files go through the commands a user types, and the property
tests of tests/test_cli_fuzz.py cover every option value.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from envadvisor.importers import MAX_BYTES as REPORT_MAX_BYTES
from tests.reliability_support import assert_one_line_error, assert_valid_json_report, run_cli

FLEET_DIR = Path(__file__).resolve().parent / "fleet"

# --------------------------------------------------------------------------------------------------
# Pasted reports: diagnose --from (and the other commands that take --from)
# --------------------------------------------------------------------------------------------------

BAD_REPORTS: list[tuple[str, bytes, str]] = [
    ("binary", bytes(range(256)) * 8, "binary"),
    ("empty", b"", "empty report"),
    ("whitespace-only", b"  \n\n\t \r\n", "empty report"),
    ("huge", b"torch==2.5.1\n" * (REPORT_MAX_BYTES // 13 + 1000), "too large"),
    ("not-utf8", "Name: torch\nVersion: 2.5.1\nAuthor: Jos\xe9\n".encode("latin-1"), "not UTF-8"),
]


@pytest.mark.parametrize(("case", "content", "needle"), BAD_REPORTS, ids=[c[0] for c in BAD_REPORTS])
@pytest.mark.parametrize("command", ["diagnose", "propose", "why", "check"])
def test_unusable_report_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, content: bytes, needle: str, command: str
) -> None:
    report = tmp_path / "report.txt"
    report.write_bytes(content)
    env_file = tmp_path / "environment.yml"
    env_file.write_text("dependencies: [python=3.12]\n", encoding="utf-8")
    argv = {
        "diagnose": ["diagnose", "--json"],
        "propose": ["propose", "torch"],
        "why": ["why", "torch"],
        "check": ["check", str(env_file)],
    }[command]
    code, out, err = run_cli([*argv, "--from", str(report)], capsys)
    assert out == ""
    assert_one_line_error(code, err, str(report), needle)


def test_huge_report_on_stdin_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    data = b"nvidia-smi\n" * (REPORT_MAX_BYTES // 11 + 10)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, _, err = run_cli(["diagnose", "--json", "--from", "-"], capsys)
    assert_one_line_error(code, err, "too large")


@pytest.mark.parametrize("kind", ["folder", "missing"])
def test_from_a_folder_or_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = tmp_path / "report.txt"
    if kind == "folder":
        path.mkdir()
    code, _, err = run_cli(["diagnose", "--from", str(path)], capsys)
    assert_one_line_error(code, err, str(path), "directory" if kind == "folder" else "no such file")


def test_unknown_report_format_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "r.txt"
    report.write_text("torch==2.5.1\n", encoding="utf-8")
    code, _, err = run_cli(["diagnose", "--from", str(report), "--format", "nosuch"], capsys)
    assert_one_line_error(code, err, "nosuch")
    code, _, err = run_cli(["diagnose", "--format", "pip_freeze"], capsys)  # --format without --from
    assert_one_line_error(code, err, "--format needs --from")


READABLE_ODDITIES: list[tuple[str, bytes]] = [
    ("random-text", b"lorem ipsum dolor sit amet, consectetur adipiscing elit\n" * 40),
    ("json-null", b"null"),
    ("json-wrong-shape", b'{"schema_version": 1, "facts": 7}'),
    ("json-nan", b'{"schema_version": 1, "tool_version": NaN, "facts": {}}'),
    ("json-huge-integer", b'{"facts": {"gpu": {"count": 1' + b"0" * 5000 + b"}}}"),
    ("json-deep", b'{"facts": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"),
    ("traceback-only", b'Traceback (most recent call last):\n  File "x.py", line 1\nKeyError: 12.4\n'),
    ("one-long-line", b"cuda " * 200_000),
]


@pytest.mark.parametrize("case,content", READABLE_ODDITIES, ids=[c[0] for c in READABLE_ODDITIES])
def test_odd_but_readable_reports_give_a_valid_report_and_no_false_alarm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, content: bytes
) -> None:
    report = tmp_path / "report.txt"
    report.write_bytes(content)
    code, out, err = run_cli(["diagnose", "--json", "--from", str(report)], capsys)
    assert err == "" and code in (0, 1)
    data = assert_valid_json_report(out)
    # nothing in these texts states a fact; a finding here would be an alarm about nothing
    assert [f["code"] for f in data["findings"] if f["severity"] == "error"] == []
    code, out, err = run_cli(["diagnose", "--from", str(report), "--fail-on", "never"], capsys)
    assert code == 0 and err == ""
    if case == "random-text":
        # a report that does not mention a toolkit: unknown, never "not found"
        (row,) = [line for line in out.splitlines() if "CUDA toolkit (nvcc)" in line]
        assert "not found" not in row and "unknown" in row


# --------------------------------------------------------------------------------------------------
# environment.yml: check FILE and why --file FILE
# --------------------------------------------------------------------------------------------------


def _billion_laughs(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    lines.append(f"dependencies: [*l{levels - 1}]")
    return "\n".join(lines) + "\n"


BAD_ENV_FILES: list[tuple[str, bytes, str]] = [
    ("not-yaml", b"dependencies: [\n", "not valid YAML"),
    ("a-list", b"- python\n- numpy\n", "not a mapping"),
    ("a-scalar", b"just some words\n", "not a mapping"),
    ("empty", b"", "empty"),
    ("name-a-list", b"name: [1, 2]\ndependencies: [python]\n", "'name' must be a string"),
    ("dependencies-a-mapping", b"dependencies: {python: 3}\n", "dependencies"),
    ("dependency-a-number", b"dependencies: [python=3.12, 7]\n", "is a number"),
    ("billion-laughs", _billion_laughs().encode(), "aliases"),
    ("recursive-alias", b"a: &a [*a]\ndependencies: *a\n", "alias"),
    ("deep-nesting", b"dependencies: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest"),
    ("binary", b"\x00\x01\x02" * 100, "binary"),
    ("not-utf8", "dependencies: [caf\xe9]\n".encode("latin-1"), "UTF-8"),
    ("too-big", b"# " + b"x" * (1024 * 1024 + 10) + b"\ndependencies: [python]\n", "too large"),
]


@pytest.mark.parametrize(("case", "content", "needle"), BAD_ENV_FILES, ids=[c[0] for c in BAD_ENV_FILES])
@pytest.mark.parametrize("command", ["check", "why"])
def test_unusable_environment_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, content: bytes, needle: str, command: str
) -> None:
    env_file = tmp_path / "environment.yml"
    env_file.write_bytes(content)
    argv = ["check", str(env_file)] if command == "check" else ["why", "python", "--file", str(env_file)]
    code, out, err = run_cli([*argv, "--no-gpu"], capsys)
    assert out == ""
    line = assert_one_line_error(code, err, str(env_file))
    assert needle.lower() in line.lower(), line


def test_unknown_keys_and_odd_entries_are_findings_not_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "environment.yml"
    env_file.write_text(
        "name: x\ncolour: blue\nchannels: [conda-forge]\n"
        "dependencies:\n  - python=3.12\n  - uv:\n      - torch\n  - pip:\n      - numpy\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(["check", str(env_file), "--no-gpu", "--json"], capsys)
    assert err == "" and code in (0, 1)
    codes = {f["code"] for f in json.loads(out)["findings"]}
    assert {"EA978"} <= codes  # the '- uv:' block conda ignores
    assert any("colour" in f["message"] for f in json.loads(out)["findings"])


@pytest.mark.parametrize("kind", ["folder", "missing"])
def test_check_a_folder_or_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = tmp_path / "environment.yml"
    if kind == "folder":
        path.mkdir()
    code, _, err = run_cli(["check", str(path)], capsys)
    assert_one_line_error(code, err, str(path), "folder" if kind == "folder" else "no such file")


# --------------------------------------------------------------------------------------------------
# fleet: bad node reports are listed, never fatal; nothing readable is one line
# --------------------------------------------------------------------------------------------------

BAD_NODE_REPORTS: dict[str, bytes] = {
    "binary.json": bytes(range(256)),
    "empty.json": b"",
    "null.json": b"null",
    "huge-integer.json": b'{"facts": {"gpu": {"count": 1' + b"0" * 5000 + b"}}}",
    "deep.json": b"[" * 100_000 + b"]" * 100_000,
    "concatenated-then-huge-integer.json": (FLEET_DIR / "handwritten-minimal.json").read_bytes()
    + b'\n{"facts": {"gpu": {"count": 1'
    + b"0" * 5000
    + b"}}}",
    "not-utf8.json": b'{"facts": {"os": {"hostname": "caf\xe9"}}}',
}


def test_fleet_lists_bad_reports_and_sums_up_the_good(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, content in BAD_NODE_REPORTS.items():
        (tmp_path / name).write_bytes(content)
    good = FLEET_DIR / "handwritten-minimal.json"
    code, out, err = run_cli(["fleet", "--json", str(tmp_path), str(good)], capsys)
    assert code == 0 and err == "", err
    summary = json.loads(out)
    unreadable = {Path(item["source"]).name: item["reason"] for item in summary["unreadable"]}
    for name in ("binary.json", "empty.json", "null.json", "huge-integer.json", "deep.json", "not-utf8.json"):
        assert name in unreadable, (name, unreadable)
    assert "4300 digits" in unreadable["huge-integer.json"]
    assert "nested too deeply" in unreadable["deep.json"]
    assert "concatenated-then-huge-integer.json#2" in unreadable
    code, out, err = run_cli(["fleet", str(tmp_path), str(good), "--lang", "zh"], capsys)
    assert code == 0 and err == "" and out.strip()


def test_fleet_of_only_bad_reports_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, content in BAD_NODE_REPORTS.items():
        if not name.startswith("concatenated"):  # that one holds a good node first
            (tmp_path / name).write_bytes(content)
    code, _, err = run_cli(["fleet", str(tmp_path)], capsys)
    assert_one_line_error(code, err, "no readable node report")


# --------------------------------------------------------------------------------------------------
# Command-line values the issue names (the property tests in test_cli_fuzz.py try arbitrary ones)
# --------------------------------------------------------------------------------------------------

BAD_VALUES: list[tuple[list[str], str]] = [
    (["diagnose", "--driver", "banana"], "--driver 'banana'"),
    (["diagnose", "--driver", ""], "--driver"),
    (["propose", "torch", "--python", "4"], "--python '4'"),
    (["propose", "torch", "--python", "2.7"], "--python"),
    (["why", "torch", "--python", "3.99"], "--python"),
    (
        ["fleet", str(FLEET_DIR / "handwritten-minimal.json"), "--propose", "torch", "--python", "4"],
        "--python",
    ),
    (["diagnose", "--python", "3.12"], "unrecognized arguments"),
    (["diagnose", "--compute-capability", "x"], "--compute-capability 'x'"),
    (["diagnose", "--gpu", "Banana Accelerator 9000"], "not in the GPU table"),
    (["diagnose", "--fail-on", "maybe"], "--fail-on"),
    (["check", "environment.yml", "--fail-on", "maybe"], "--fail-on"),
    (["diagnose", "--lang", "xx"], "--lang"),
    (["map", "--format", "nosuch"], "--format"),
    (["diagnose", "--os", "plan9"], "--os 'plan9'"),
    (["diagnose", "--arch", "z80"], "--arch 'z80'"),
    (["propose", "torch", "--source", "nosuch"], "--source"),
    (
        ["fleet", str(FLEET_DIR / "handwritten-minimal.json"), "--propose", "torch", "--source", "x"],
        "--source",
    ),
    (["propose", "torch==2.5"], "not a package name"),
    (["propose", "torch", "--name", "a/b"], "--name"),
    (["propose", "torch", "--force"], "--force needs -o"),
    (["propose", "torch", "-o", "/nonexistent-folder/environment.yml"], "does not exist"),
    (["fleet", "--propose", "torch", "-o", "/nonexistent-folder/env.yml", str(FLEET_DIR)], "does not exist"),
    (["explain", "no-such-topic-at-all"], "unknown topic"),
    (["fleet", "/nonexistent-folder"], "no readable node report"),
    (["fleet", "-", "-"], "once"),
    (["diagnose", "--rules=--"], "--rules: expected one value"),  # Python 3.11 argparse gave []
    (["diagnose", "--driver=--"], "--driver: expected one value"),
    (["propose", "torch", "--python=--"], "--python: expected one value"),
    (["propose", "torch", "--name", "caf\udce9"], "unprintable"),  # a Latin-1 byte in a UTF-8 argv
    (["propose", "numpy", "--no-gpu", "--verify", "a" * 5000], "--verify"),  # pathlib raised ENAMETOOLONG
    (["nosuchcommand"], "invalid choice"),
    (["diagnose", "--no-such-option"], "unrecognized arguments"),
]


@pytest.mark.parametrize(("argv", "needle"), BAD_VALUES, ids=[" ".join(a[:3])[:40] for a, _ in BAD_VALUES])
def test_bad_command_line_value_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, out, err = run_cli(argv, capsys)
    assert out == ""
    assert_one_line_error(code, err, needle)


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--compute-capability", "99.9"], "EA029"),  # newer than the CUDA runtime's CC range
        (["--driver", "999.99"], "EA903"),  # a driver the tables do not know
    ],
)
def test_values_newer_than_the_tables_are_said_so_not_guessed(
    capsys: pytest.CaptureFixture[str], argv: list[str], code: str
) -> None:
    exit_code, out, err = run_cli(["diagnose", "--json", "--fail-on", "never", *argv], capsys)
    assert exit_code == 0 and err == ""
    data = assert_valid_json_report(out)
    assert code in {f["code"] for f in data["findings"]}
    if argv[0] == "--driver":
        assert data["facts"]["gpu"]["driver_cuda"] is None  # not guessed from a table that ends earlier


def test_non_utf8_bytes_in_argv_are_one_line_exit_2(tmp_path: Path) -> None:
    """The real path: bytes from a Latin-1 terminal reach sys.argv as surrogate escapes."""
    import subprocess
    import sys

    from tests.reliability_support import REPO, subprocess_env

    out_file = bytes(tmp_path) + b"/env-caf\xe9.yml"
    for argv in (
        [b"propose", b"torch", b"--no-gpu", b"-o", out_file],
        [b"diagnose", b"--from", bytes(tmp_path) + b"/caf\xe9.txt"],
        [b"propose", b"torch", b"--no-gpu", b"--name", b"caf\xe9"],
    ):
        proc = subprocess.run(
            [sys.executable.encode(), b"-m", b"envadvisor", *argv],
            env=subprocess_env({"LC_ALL": "C.UTF-8"}),
            capture_output=True,
            cwd=REPO,
            timeout=60,
            check=False,
        )
        err = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode == 2, err
        assert len(err.strip().splitlines()) == 1 and err.startswith("envadvisor: error: "), err
    assert list(tmp_path.iterdir()) == []  # the refused write left no temporary file behind


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["check", "/dev/zero"], "too large"),
        (["why", "torch", "--file", "/dev/zero"], "too large"),
        (["diagnose", "--from", "/dev/zero"], "too large"),
        (["fleet", "/dev/zero"], "too large"),
    ],
)
def test_endless_input_is_read_to_its_limit_only(argv: list[str], needle: str) -> None:
    """A device or pipe reports size 0: a reader that trusted the size read /dev/zero until memory ran
    out (check, why --file and fleet took 11-13 GB before this was bounded). Run in a child process
    under a 2 GiB address-space limit, so a regression fails here instead of exhausting the machine."""
    import resource
    import subprocess
    import sys

    from tests.reliability_support import REPO, subprocess_env

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    proc = subprocess.run(
        [sys.executable, "-m", "envadvisor", *argv],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        preexec_fn=limit_memory,  # only sets a resource limit in the child
        check=False,
    )
    assert_one_line_error(proc.returncode, proc.stderr, "/dev/zero", needle)


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["diagnose", "--from", "-"], {}, "envadvisor: error: standard input is closed"),
        (["propose", "torch", "--from", "-"], {}, "envadvisor: error: standard input is closed"),
        (["fleet", "-"], {}, "stdin is not available"),
        (
            ["explain", "cuda", "--lang", "zh"],
            {"PYTHONIOENCODING": "ascii"},
            "envadvisor: error: the output's encoding (ascii) cannot show this text",
        ),
    ],
    ids=["diagnose-stdin-closed", "propose-stdin-closed", "fleet-stdin-closed", "ascii-output"],
)
def test_closed_stdin_and_an_ascii_terminal_are_one_line(
    argv: list[str], env: dict[str, str], expected: str
) -> None:
    """Started with `<&-` (Python then has no sys.stdin), or printing Chinese to an ASCII-only stream:
    both were tracebacks or a misleading message."""
    import os
    import subprocess
    import sys

    from tests.reliability_support import REPO, subprocess_env

    proc = subprocess.run(
        [sys.executable, "-m", "envadvisor", *argv],
        env=subprocess_env(env),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        preexec_fn=(lambda: os.close(0)) if not env else None,  # the child starts with stdin closed
        check=False,
    )
    assert_one_line_error(proc.returncode, proc.stderr)
    assert expected in proc.stderr


def test_fleet_folder_with_a_fifo_a_symlink_loop_and_a_dangling_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO named *.json in a reports folder made `fleet FOLDER` wait forever for a writer."""
    folder = tmp_path / "reports"
    (folder / "rack1").mkdir(parents=True)
    (folder / "rack1" / "node.json").write_bytes((FLEET_DIR / "handwritten-minimal.json").read_bytes())
    (folder / "rack1" / "up").symlink_to("..")  # a loop: os.walk does not follow it
    (folder / "gone.json").symlink_to(tmp_path / "nowhere.json")
    os.mkfifo(folder / "pipe.json")
    code, out, err = run_cli(["fleet", "--json", str(folder)], capsys)
    assert code == 0 and err == ""
    summary = json.loads(out)
    assert summary["node_count"] == 1
    unreadable = {Path(u["source"]).name: u["reason"] for u in summary["unreadable"]}
    assert unreadable == {"gone.json": "No such file or directory", "pipe.json": "not a regular file"}
