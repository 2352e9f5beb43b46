"""Issue 17, class 3: every pattern that reads untrusted text is linear.

A pasted report, a fleet node's JSON, an environment file, a tool's output or a file a probe reads can be
written by an attacker. The adversarial pass found patterns that backtrack catastrophically: 26 s for a
20 KB line of spaces after ``- `` (the ``transformers env`` bullet), a minute for long digit or space runs
in nvidia-smi rows. Two tests hold the class:

- every pattern of every module that reads such text (found by :mod:`tests.regex_pumping`: compiled
  at module level, pattern strings, inline ``re.*`` calls, the error signatures of data/signatures.yaml)
  is timed on 1 MB inputs built from its own structure to make a backtracking engine work hardest;
  each must stay under 1 s of CPU (a linear pattern takes milliseconds);
- each report reader gets 1 MB of adversarial lines (the reproductions from the issue and lines pumped
  from its own patterns) and must read them within a CPU budget.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from envadvisor.importers import FORMATS, read_report
from tests.regex_pumping import adversarial_inputs, patterns_in, untrusted_reader_modules

REPO = Path(__file__).resolve().parent.parent
MB = 1 << 20
PATTERN_BUDGET_S = 1.0  # CPU seconds for one pattern on one 1 MB input

# The in-suite size: a pattern that backtracks super-linearly costs seconds to hours here, a linear one
# a sixteenth of its 1 MB figure (bench/bench_patterns.py times every pattern on 1 MB: docs/reliability.md).
SIZE = 64 << 10
SIZE_BUDGET_S = PATTERN_BUDGET_S * SIZE / MB * 2  # 0.125 s: the 1 MB budget scaled down, twice over
UNTRUSTED_READERS = untrusted_reader_modules()


def test_the_pumping_finds_the_reported_backtracking() -> None:
    """The harness is able to find the class: the bullet pattern of the issue, as it was."""
    import re

    old_bullet = re.compile(
        r"^(?P<indent>\s*)(?P<bullet>[-*+]\s+)?(?P<label>[^:]{1,80}?)\s*:\s*(?P<value>.*)$"
    )
    slowest = 0.0
    for text in adversarial_inputs(old_bullet, 600):
        start = time.process_time()
        old_bullet.match(text)
        slowest = max(slowest, time.process_time() - start)
    assert slowest > 0.02  # 600 characters already cost more than a linear pattern on 1 MB


def test_every_pattern_that_reads_untrusted_text_is_linear(tmp_path: Path) -> None:
    """All patterns in a child process: a pattern that did blow up is stopped by the timeout, and the
    last pattern started names it."""
    log = tmp_path / "timings.jsonl"
    with log.open("w", encoding="utf-8") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.regex_pumping", str(SIZE), *UNTRUSTED_READERS],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        try:
            _, errors = child.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            child.kill()
            _, errors = child.communicate()
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("{")]
    started = [row["start"] for row in rows if "start" in row]
    timed = [row for row in rows if "worst_s" in row]
    where = started[-1] if started else "?"
    assert child.returncode == 0, f"stopped while timing {where}: {(errors or '')[-2000:]}"
    assert len(timed) == len(started) > 150  # the harness really found the patterns
    slow = [(r["pattern"], r["worst_s"], r["input"]) for r in timed if r["worst_s"] > SIZE_BUDGET_S]
    assert not slow, slow


def _pumped_lines(module: str, width: int) -> list[str]:
    lines: list[str] = []
    for pattern, _anchored in patterns_in(module).values():
        for text in adversarial_inputs(pattern, width):
            lines.append(text.replace("\n", " ").replace("\x00", " "))
    return lines


def _signature_lines(width: int) -> list[str]:
    """Each error signature's pattern (and its ``before`` pattern) pumped to a line of ``width``: the
    matcher reads lines of up to 4,000 characters and tries a signature only in a window around one of
    its anchor words, so a line full of them is the hardest input it can get."""
    from envadvisor.importers.signatures import load_signatures

    lines: list[str] = []
    for sig in load_signatures():
        for pattern in (sig.pattern, sig.before):
            if pattern is not None:
                lines.extend(
                    t.replace("\n", " ").replace("\x00", " ") for t in adversarial_inputs(pattern, width)
                )
    return lines


def test_the_error_signatures_read_1_mb_of_their_own_adversarial_lines_in_time() -> None:
    lines = _signature_lines(3_900)
    assert len(lines) > 200  # every signature contributes
    text = "\n".join(lines)
    while len(text) < MB:
        text += "\n" + text
    start = time.process_time()
    read_report(text[:MB], source_name="adversarial", format="free_text")
    elapsed = time.process_time() - start
    assert elapsed < 10.0, f"{elapsed:.1f} s of CPU for 1 MB"


# The reproductions from the issue, and lines of the same kind for every reader
ISSUE_LINES = (
    "- " + " " * 20_000,  # the transformers-env bullet: 26 s before
    "- a" + " " * 20_000 + "b",
    "|   0  " + "0" * 20_000,  # nvidia-smi rows with long digit or space runs: a minute before
    "|   0  NVIDIA" + " " * 20_000 + "|",
    "| " + " " * 20_000 + "On |",
    "GPU 0: " + "a " * 10_000,
    "## " + "a " * 10_000 + "#",
    "python " + " " * 20_000 + "3",
    "Linux-1.0" + "0" * 20_000,
    "torch " * 3_000,
    "a a a a " * 2_500 + " with CUDA capability sm_",
)
READERS = {name: f"envadvisor.importers.{name}" for name in FORMATS if name != "envadvisor_json"}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_each_report_reader_reads_1_mb_of_adversarial_lines_in_time(fmt: str) -> None:
    module = READERS[fmt]
    # long lines, and lines just under the length the signature matcher still reads
    lines = [
        *ISSUE_LINES,
        *_pumped_lines(module, 20_000),
        *_pumped_lines(module, 3_900),
        *_pumped_lines("envadvisor.importers._base", 3_900),
        *_signature_lines(3_900),
    ]
    text = "\n".join(lines)
    while len(text) < MB:
        text += "\n" + text
    text = text[:MB]
    start = time.process_time()
    read_report(text, source_name="adversarial", format=fmt)
    elapsed = time.process_time() - start
    assert elapsed < 10.0, f"{fmt}: {elapsed:.1f} s of CPU for 1 MB"


# Bounding a repetition must not cut what real reports hold: column output pads a label or a name to a
# column (lscpu, nvidia-smi -q, pip list, collect_env run 20-40 spaces wide), nightly versions carry an
# 8-digit date, and newer nvidia-smi tables leave no space before a bar. Each line below comes from a
# report of the corpus (tests/reports) that a too-tight bound once lost.
COLUMN_LINES = (
    ("Python                  3.6.10 |Anaconda, Inc.| (default, Mar 25 2020)", "python.version", "3.6.10"),
    ("vllm                              0.5.4", "packages.vllm", "0.5.4"),
    ("[conda] numpy                     2.2.6                    pypi_0    pypi", "packages.numpy", "2.2.6"),
    ("Driver Version                            : 450.66", "gpu.driver_version", "450.66"),
    ("[pip3] torch==2.8.0.dev20250326+cu128", "packages.torch", "2.8.0.dev20250326+cu128"),
    ("\tOS:                  Linux", "os.system", "linux"),
)


@pytest.mark.parametrize(("line", "key", "expected"), COLUMN_LINES)
def test_bounded_patterns_still_read_column_aligned_reports(line: str, key: str, expected: str) -> None:
    facts = read_report(f"{line}\n", source_name="report").facts
    if key.startswith("packages."):
        package = facts.packages.get(key.removeprefix("packages."))
        assert package is not None and package.version == expected
        return
    group, name = key.split(".")
    assert getattr(getattr(facts, group), name) == expected


def test_a_vllm_collect_env_field_padded_to_its_column_is_read() -> None:
    report = (
        "Collecting environment information...\n==============================\n        System Info\n"
        "==============================\n"
        "OS                           : Ubuntu 24.04.4 LTS (x86_64)\n"
        "Libc version                 : glibc-2.39\n"
    )
    imported = read_report(report, source_name="report", format="vllm")
    assert (imported.facts.os.distro, imported.facts.os.glibc) == ("ubuntu", "2.39")


def test_a_gpu_row_with_no_space_before_the_bar() -> None:
    table = (
        "| NVIDIA-SMI 535.104.05             Driver Version: 535.104.05   CUDA Version: 12.2     |\n"
        "|=========================================+======================+======================|\n"
        "|   0  NVIDIA GeForce GTX 1050 w...    Off| 00000000:06:00.0 Off |                  N/A |\n"
        "| N/A   44C    P8               N/A /  N/A|     54MiB /  3072MiB |      0%      Default |\n"
    )
    devices = read_report(table, source_name="report", format="nvidia_smi").facts.gpu.devices
    assert [(d.index, d.memory_mib) for d in devices] == [(0, 3072)]
    assert devices[0].name.startswith("NVIDIA GeForce GTX 1050")
