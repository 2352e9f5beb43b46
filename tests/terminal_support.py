"""Reading terminal output as a person would: lines, cells, words; and running commands in a pty.

A rendered line is measured in terminal cells (CJK characters take two). A *word* is a run of
non-space characters after the table and panel borders are taken out; CJK characters are words of
their own (Chinese may break between any two), and so is an ASCII run beside them. A word of the
output that is not a word of the same output laid out with no width limit is a word that was split,
unless it is a deliberate shortening (``/home/.../torch``: its two ends are the ends of one real word)
or a piece of a URL cut after a ``/``.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from rich.cells import cell_len

REPO = Path(__file__).resolve().parent.parent
MACHINES = sorted((REPO / "tests" / "machines").glob("*.json"))
REPORTS = sorted((REPO / "tests" / "reports").glob("*.txt"))
WIDTHS = (60, 80, 120)
LANGS = ("en", "zh")

# CSI sequences (colours) and OSC 8 hyperlinks
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\]8;[^\x1b\x07]*(?:\x1b\\|\x07)")
_BORDERS = re.compile(r"[\u2500-\u257f]")  # box drawing
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
ELLIPSIS = "..."


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def lines_of(output: str) -> list[str]:
    return strip_ansi(output).rstrip("\n").split("\n") if output else []


def too_wide(output: str, columns: int) -> list[str]:
    return [line for line in lines_of(output) if cell_len(line) > columns]


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def words(output: str) -> list[str]:
    """The words of rendered output: borders removed, CJK characters one word each."""
    out: list[str] = []
    for line in lines_of(output):
        for token in _BORDERS.sub(" ", line).split():
            run = ""
            for char in token:
                if _is_wide(char):
                    if run:
                        out.append(run)
                        run = ""
                    out.append(char)
                else:
                    run += char
            if run:
                out.append(run)
    return out


class Vocabulary:
    """The words an output may hold: those of the same content laid out without a width limit."""

    def __init__(self, outputs: Iterable[str]) -> None:
        self.words: set[str] = set()
        for output in outputs:
            self.words.update(words(output))
        self.url_pieces: set[str] = set()
        for word in self.words:
            if _URL.match(word):
                self.url_pieces.update(_url_pieces(word))

    def split_words(self, output: str) -> list[str]:
        """Words of ``output`` that are not whole words (nor honest shortenings or URL pieces)."""
        bad = []
        for word in words(output):
            if word in self.words or word in self.url_pieces:
                continue
            if ELLIPSIS in word and self._shortened(word):
                continue
            bad.append(word)
        return bad

    def _shortened(self, word: str) -> bool:
        """``word`` is a real word with its middle replaced by '...' (which '...' is the cut is
        ambiguous when the word has dots of its own: try each)."""
        for at in (i for i in range(len(word)) if word.startswith(ELLIPSIS, i)):
            head, tail = word[:at], word[at + len(ELLIPSIS) :]
            if any(
                w.startswith(head) and w.endswith(tail) and len(w) > len(head) + len(tail) for w in self.words
            ):
                return True
        return False


def _url_pieces(url: str) -> set[str]:
    """Every run of a URL between cuts after a '/' (or, in a long part, after '-_.#?&='): the cuts
    a line break may make in a URL longer than the line."""
    scheme = _URL.match(url)
    start = scheme.end() if scheme else 0
    cuts = [0] + [i + 1 for i in range(start, len(url) - 1) if url[i] in "/-_.#?&="] + [len(url)]
    return {url[a:b] for i, a in enumerate(cuts) for b in cuts[i + 1 :]}


class _TerminalStream(io.StringIO):
    """Standard output that says it is a terminal (the commands then draw for one, with colours)."""

    def isatty(self) -> bool:
        return True


def run_cli(
    argv: Sequence[str], columns: int, monkeypatch: object, *, terminal: bool = False
) -> tuple[int, str]:
    """Run ``envadvisor ARGV`` in this process with ``COLUMNS`` set, its output a pipe (or, with
    ``terminal``, a stream that says it is a terminal); the exit code and the output."""
    from envadvisor.cli import main

    monkeypatch.setenv("COLUMNS", str(columns))  # type: ignore[attr-defined]
    out = _TerminalStream() if terminal else io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return code, out.getvalue()


def run_in_pty(argv: Sequence[str], columns: int, rows: int = 50, timeout: float = 60.0) -> tuple[int, str]:
    """Run ``python -m envadvisor ARGV`` on a pseudo-terminal of ``columns`` x ``rows``: the command
    sees a real terminal (colours, its size from the terminal, not from COLUMNS)."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    env.update(TERM="xterm-256color", PYTHONIOENCODING="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "envadvisor", *argv],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
        cwd=REPO,
        close_fds=True,
    )
    os.close(secondary)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.2)
            if ready:
                try:
                    data = os.read(primary, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
        code = process.wait(timeout=max(deadline - time.monotonic(), 1))
    finally:
        if process.poll() is None:
            process.kill()
        os.close(primary)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return code, text
