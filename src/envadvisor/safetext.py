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
_NOT_IN_A_LINE = re.compile(f"[{_CONTROL}\t\n]")
_NOT_ON_A_TERMINAL = re.compile(f"[{_CONTROL}]")
_NOT_ON_A_TERMINAL_NOR_TAB = re.compile(f"[{_CONTROL}\t]")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]{2,}")
# An escape sequence as a terminal reads it: ESC or a C1 introducer, then its parameters. Removed whole
# so that its printable tail ("]0;title", "[2J") does not stay behind as noise.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,16}[@-~]?"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,4096}(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS ...
    r"|\x1b[ -/]{0,4}[0-~]?"  # other ESC sequences (ESC c, ESC ( B ...)
)


def one_line(text: object) -> str:
    """``text`` as one line of a file or a header: every line break, control or format character and
    lone surrogate becomes a space, whitespace runs are collapsed, the ends stripped."""
    value = _ESCAPE_SEQUENCE.sub(" ", str(text))
    value = _NOT_IN_A_LINE.sub(" ", value)
    return _SPACES.sub(" ", value).strip()


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """``text`` without anything that drives a terminal (escape sequences, controls, bidirectional
    overrides, lone surrogates). Without ``keep_newlines`` line breaks become spaces too."""
    value = str(text)
    if not _needs_cleaning(value):
        return value
    value = _ESCAPE_SEQUENCE.sub("", value)
    if not keep_newlines:
        return one_line(value)
    value = value.replace("\r\n", "\n")
    return _NOT_ON_A_TERMINAL_NOR_TAB.sub(lambda m: "" if m.group() != "\t" else " ", value)


def model_text(text: str) -> str:
    """A string fit for the data model: valid UTF-8 (lone surrogates replaced) without control or
    format characters other than tab and newline; each removed character leaves U+FFFD behind."""
    if text.isprintable() or not _NOT_ON_A_TERMINAL.search(text):
        return text
    return _NOT_ON_A_TERMINAL.sub(REPLACEMENT, text)


def _needs_cleaning(value: str) -> bool:
    return not value.isprintable() and bool(_NOT_ON_A_TERMINAL_NOR_TAB.search(value) or "\n" in value)
