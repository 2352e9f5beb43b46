"""Text from strangers made safe for where it goes: a file line, a terminal, the data model.

envadvisor copies text it did not write (a GPU name, a host name, a path, a package name from a pasted
report, a fleet node's JSON, an environment file) into files people run (`conda env create -f`) and
onto their terminals. Each destination has one function here, and every writer uses it instead of
cleaning text its own way:

- :func:`one_line`: a line of a file (a ``# comment`` of environment.yml, a header): no line break of
  any kind YAML or a terminal knows (``\\n``, ``\\r``, NEL, U+2028/9, vertical tab ...), no control or
  format character, no lone surrogate; whitespace runs collapsed. A value can never start a new line,
  so it can never add a key to the file.
- :func:`printable`: text for a terminal: escape sequences (``ESC``, ``CSI``, ``OSC`` ...), other
  control and bidirectional-format characters and lone surrogates removed; line breaks kept only when
  asked (a multi-line paragraph of our own).
- :func:`model_text`: a string entering the data model (from a report, a probe, a JSON fact): valid,
  printable UTF-8, each removed character replaced by U+FFFD so the change stays visible.

And one way to read a number out of such text, :func:`parse_int` / :func:`version_numbers`: ASCII digits
only (``²`` passes ``str.isdigit()`` and fails ``int()``), a bounded count of them (``int()`` refuses
more than 4,300 digits, and a 5,000-digit "version" is not one).

This module imports nothing heavy: the diagnose path loads it.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

# Characters no destination keeps: C0 and C1 controls (ESC, BEL, CSI ...), DEL, the Unicode line and
# paragraph separators, lone surrogates, and the format characters that reorder or hide text on a
# terminal (bidirectional embeddings, overrides and isolates; zero-width spaces and joiners; BOM).
_CONTROL = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 except tab and newline; DEL; C1 (NEL \x85, CSI \x9b, OSC \x9d ...)
    "\u2028\u2029"  # line and paragraph separator (line breaks to YAML and to Python's splitlines)
    "\ud800-\udfff"  # lone surrogates (a non-UTF-8 byte decoded with surrogateescape)
    "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"  # format characters
)


class _Patterns:
    """Compiled on first use, not at import: ``diagnose`` loads this module and mostly never needs it
    (text that is already printable takes the fast path)."""

    def __init__(self) -> None:
        self.not_in_a_line = re.compile(f"[{_CONTROL}\t\n]")
        self.not_on_a_terminal = re.compile(f"[{_CONTROL}]")
        self.not_on_a_terminal_nor_tab = re.compile(f"[{_CONTROL}\t]")
        # An escape sequence as a terminal reads it: ESC or a C1 introducer, then its parameters.
        # Removed whole so that its printable tail ("]0;title", "[2J") does not stay behind as noise; a
        # string sequence (OSC, DCS ...) only with its terminator, else only its introducer goes.
        self.escape_sequence = re.compile(
            r"(?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,16}[@-~]?"  # CSI ... final byte
            r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])"  # OSC, DCS, SOS, PM, APC: their body, terminated
            r"[^\x07\x1b\x9c\x90\x98\x9d\x9e\x9f]{0,4096}(?:\x07|\x1b\\|\x9c)"
            r"|\x1b[ -/]{0,4}[0-~]?"  # other ESC sequences (ESC c, ESC ( B ...)
        )
        self.version_number = re.compile(r"(?<![0-9])[0-9]{1,9}(?![0-9])")


_compiled: _Patterns | None = None


def _re() -> _Patterns:
    global _compiled
    if _compiled is None:
        _compiled = _Patterns()
    return _compiled


def one_line(text: object) -> str:
    """``text`` as one line of a file or a header: every line break, control or format character and
    lone surrogate becomes a space, whitespace runs are collapsed, the ends stripped."""
    value = str(text)
    if value.isprintable() and "  " not in value:
        return value.strip()
    value = _re().escape_sequence.sub(" ", value)
    value = _re().not_in_a_line.sub(" ", value)
    return " ".join(value.split())


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` without anything that drives a terminal (escape sequences, controls, bidirectional
    overrides, lone surrogates). Without ``keep_newlines`` line breaks become spaces too."""
    value = str(text)
    if not _needs_cleaning(value):
        return value
    value = _re().escape_sequence.sub("", value)
    if not keep_newlines:
        return one_line(value)
    value = value.replace("\r\n", "\n")
    return _re().not_on_a_terminal_nor_tab.sub(lambda m: "" if m.group() != "\t" else " ", value)


def model_text(text: str) -> str:
    """A string fit for the data model: valid UTF-8 (lone surrogates replaced) without control or
    format characters other than tab and newline; each removed character leaves U+FFFD behind."""
    if text.isprintable() or not _re().not_on_a_terminal.search(text):
        return text
    return _re().not_on_a_terminal.sub(REPLACEMENT, text)


def json_safe(text: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with every character a terminal would act on
    written as a ``\\uXXXX`` escape. ``json.dumps`` escapes C0 controls itself, not C1 (CSI ``\\x9b``),
    bidirectional overrides, U+2028/9 or lone surrogates; outside strings JSON is plain ASCII, so the
    replacement never touches its syntax."""
    if text.isascii() or not _re().not_on_a_terminal.search(text):
        return text
    return _re().not_on_a_terminal.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


INT_DIGITS = 18  # any count, size or index a report can mean; more digits are not a number of ours


def parse_int(text: object, *, digits: int = INT_DIGITS) -> int | None:
    """A non-negative integer written in 1 to ``digits`` ASCII digits (spaces around allowed), else None."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text if 0 <= text < 10**digits else None
    if not isinstance(text, str):
        return None
    value = text.strip()
    if 0 < len(value) <= digits and value.isascii() and value.isdigit():
        return int(value)
    return None


def json_int(text: str) -> int | None:
    """``json.loads(..., parse_int=json_int)``: an integer literal of more than 18 digits is unknown
    (``None``) instead of a ``ValueError`` that loses the whole document (``int()`` refuses 4,300+)."""
    return int(text) if len(text.lstrip("-")) <= INT_DIGITS else None


def version_numbers(text: str) -> tuple[int, ...]:
    """The numbers of a version string (``"580.65.06"`` -> ``(580, 65, 6)``); a run of more than nine
    digits is no version part and is left out."""
    return tuple(int(part) for part in _re().version_number.findall(text))


def _needs_cleaning(value: str) -> bool:
    return not value.isprintable() and bool(_re().not_on_a_terminal_nor_tab.search(value) or "\n" in value)
