"""Issue 17, class 9: the small ones (the setsid grandchild is in test_hostile_subprocess.py).

- stdout closed (``envadvisor diagnose >&-``) was an ``AttributeError`` traceback;
- ``COLUMNS=0`` on a terminal printed nothing and exited 0;
- a UTF-16 report (PowerShell's ``>`` redirect) was called binary;
- ``diagnose --from`` accepted ``schema_version: 999`` while fleet refused it;
- a report using U+2028 separators yielded no facts;
- an ASCII-only stdout made even English ``map`` and ``explain`` exit 2.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.reliability_support import REPO, assert_one_line_error, run_cli, run_envadvisor, subprocess_env

MACHINES = REPO / "tests" / "machines"
COLLECT_ENV = (MACHINES / "h200-datacenter.collect_env.txt").read_text(encoding="utf-8")


def test_closed_stdout_is_one_line() -> None:
    proc = subprocess.run(
        ["/bin/sh", "-c", f'exec "{sys.executable}" -m envadvisor diagnose --json >&-'],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines == ["envadvisor: error: standard output is closed; run it with somewhere to print (a "
                     "terminal, a file, a pipe)"]  # fmt: skip


def _run_on_a_terminal(argv: list[str], env: dict[str, str], columns: int = 100) -> str:
    """``envadvisor ARGV`` with a pseudo-terminal of ``columns`` as its stdout; what it printed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "envadvisor", *argv],
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    assert proc.returncode in (0, 1), proc.stderr.read() if proc.stderr else ""
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize("columns", ["0", "-3", "abc", "²", "9" * 5000])
def test_columns_that_are_no_width_on_a_terminal_still_print_the_report(columns: str) -> None:
    env = subprocess_env({"COLUMNS": columns, "TERM": "xterm"})
    report = str(MACHINES / "h200-datacenter.json")
    out = _run_on_a_terminal(["diagnose", "--from", report, "--fail-on", "never"], env)
    assert "Components" in out and "Findings" in out and "H200" in out, out[:500]


def test_a_utf16_report_is_read_like_its_utf8_self(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    utf8 = tmp_path / "report-utf8.txt"
    utf8.write_text(COLLECT_ENV, encoding="utf-8")
    utf16 = tmp_path / "report-utf16.txt"
    utf16.write_bytes(COLLECT_ENV.replace("\n", "\r\n").encode("utf-16"))  # BOM + UTF-16LE, CRLF
    results = []
    for path in (utf8, utf16):
        code, out, err = run_cli(["diagnose", "--from", str(path), "--json", "--fail-on", "never"], capsys)
        assert code == 0, err
        results.append(json.loads(out)["facts"])
    assert results[0]["gpu"] == results[1]["gpu"] and results[0]["frameworks"] == results[1]["frameworks"]
    assert results[1]["frameworks"]["torch"]["version"]  # facts were found, not "binary"


def test_a_newer_report_schema_is_refused_by_from_as_by_fleet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = json.loads((MACHINES / "h200-datacenter.json").read_text(encoding="utf-8"))
    report["schema_version"] = 999
    src = tmp_path / "new.json"
    src.write_text(json.dumps(report), encoding="utf-8")
    code, _, err = run_cli(["diagnose", "--from", str(src), "--json"], capsys)
    newer = "written by a newer envadvisor (report schema 999; this one reads 1)"
    line = assert_one_line_error(code, err, newer)
    code, _, err = run_cli(["fleet", str(src)], capsys)
    assert newer in err, err
    assert line.count("report schema 999") == 1


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\r", "\x85"])
def test_a_report_with_other_line_separators_gives_the_same_facts(
    separator: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    facts = []
    for sep in ("\n", separator):
        src = tmp_path / f"r{ord(sep)}.txt"
        src.write_text(COLLECT_ENV.replace("\n", sep), encoding="utf-8", newline="")
        code, out, err = run_cli(["diagnose", "--from", str(src), "--json", "--fail-on", "never"], capsys)
        assert code == 0, err
        data = json.loads(out)["facts"]
        facts.append((data["gpu"], data["frameworks"], data["python"]["version"]))
    assert facts[0] == facts[1]
    assert facts[1][1]["torch"]["version"]


@pytest.mark.parametrize(
    "argv",
    [["explain", "cuda"], ["map"], ["explain", "cuda-version"], ["rules"], ["diagnose", "--from", "R"]],
)
def test_english_on_an_ascii_only_output_falls_back_to_ascii(argv: list[str]) -> None:
    argv = [str(MACHINES / "h200-datacenter.json") if a == "R" else a for a in argv]
    env = subprocess_env({"PYTHONIOENCODING": "ascii", "LC_ALL": "C", "LANG": "C"})
    proc = run_envadvisor([*argv, "--lang", "en"], env)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stdout.isascii() and proc.stdout.strip()
    # Chinese still says the output cannot show it (every character would be "?")
    proc = run_envadvisor([*argv, "--lang", "zh"], env)
    assert proc.returncode == 2 and "cannot show this text" in proc.stderr
