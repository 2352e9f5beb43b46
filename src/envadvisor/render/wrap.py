"""Text that fits the terminal's width without breaking a word.

rich wraps at spaces but folds a word longer than its column character by character
("programmin / g"), and a table short of room squeezes its columns until that happens. Here a line
breaks only where a reader expects it:

* between words (at spaces);
* between two CJK characters (Chinese has no spaces; an ASCII word inside it stays whole);
* after a ``/`` of a URL that is longer than the whole line (or after its ``-_.#?&=`` when a part
  between two slashes is longer still): nothing of it is lost;
* nowhere inside any other word: a path or name longer than the line is shortened in the middle,
  at its separators when it has them (``/home/.../site-packages/torch``), and marked with ``...``.

:class:`Wrap` is the renderable that does this at whatever width rich gives it (a table cell, a
panel, the console), so a table can be laid out first and its cells wrapped after.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.measure import Measurement
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

ELLIPSIS = "..."
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_WORD = re.compile(r"\S+")
_LEADING_SPACE = re.compile(r"^[ \t]*")
# CJK punctuation that must not start a line (it stays with the character before it), and opening
# brackets and quotes that must not end one (they stay with the character after them)
_NO_LINE_START = frozenset("，。、；：！？）」』】》〉”’…·,.;:!?)]}")
_NO_LINE_END = frozenset("（「『【《〈“‘([{")
# the narrowest a shortened word may get: below this it says nothing
_MIN_SHORTENED = 8


def is_wide(char: str) -> bool:
    """A character that takes two cells (CJK): a line may break on either side of it."""
    return unicodedata.east_asian_width(char) in ("W", "F")


def shorten_middle(word: str, width: int) -> str:
    """``word`` in at most ``width`` cells: whole, or with its middle replaced by ``...``.

    A path keeps its first folder and as many of its last parts as fit
    (``/home/me/.venv/lib/python3.12/site-packages/torch`` -> ``/home/.../site-packages/torch``).
    """
    cut = _middle_cut(word, width)
    if cut is None:
        return word
    left, right = cut
    return word[:left] + ELLIPSIS + (word[len(word) - right :] if right else "")


def _middle_cut(word: str, width: int) -> tuple[int, int] | None:
    """How many characters to keep at each end (``None``: the word fits as it is)."""
    if cell_len(word) <= width:
        return None
    width = max(width, len(ELLIPSIS) + 2)
    for sep in ("/", "\\"):
        if word.count(sep) >= 2:
            cut = _path_cut(word, sep, width)
            if cut is not None:
                return cut
            break
    return _char_cut(word, width)


def _path_cut(word: str, sep: str, width: int) -> tuple[int, int] | None:
    """Keep the head folder and the longest run of trailing parts that fit: ``/home/.../a/b``."""
    first = word.index(sep)
    head_end = word.index(sep, first + 1) + 1 if first == 0 else first + 1  # "/home/" or "C:\\" / "rel/"
    head = word[:head_end]
    best: int | None = None
    position = len(word)
    while True:
        position = word.rfind(sep, head_end - 1, position)
        if position < head_end - 1 or position <= 0:
            break
        tail = word[position:]
        if cell_len(head) + len(ELLIPSIS) + cell_len(tail) > width:
            break
        best = len(tail)
    if best is None or head_end + best >= len(word):
        return None
    return head_end, best


def _char_cut(word: str, width: int) -> tuple[int, int]:
    keep = max(width - len(ELLIPSIS), 2)
    left_cells = (keep + 1) // 2
    right_cells = keep - left_cells
    left = _chars_within(word, left_cells)
    right = _chars_within(word[::-1], right_cells)
    return left, right


def _chars_within(text: str, cells: int) -> int:
    used = count = 0
    for char in text:
        used += 2 if is_wide(char) else 1
        if used > cells:
            break
        count += 1
    return count


def _units(word: str) -> Iterator[str]:
    """A word cut where a line may break inside it: around CJK characters, closing punctuation kept
    with the character before it and opening brackets with the one after. A word without CJK is one
    unit."""
    units: list[str] = []
    current = ""
    for char in word:
        breakable = bool(current) and current[-1] not in _NO_LINE_END and char not in _NO_LINE_START
        if breakable and (is_wide(char) or is_wide(current[-1])):
            units.append(current)
            current = char
        else:
            current += char
    if current:
        units.append(current)
    yield from units


def _url_pieces(url: str, room: int) -> list[str]:
    """A URL cut after each ``/`` (the scheme's ``//`` stays with the host); a part still longer than
    ``room`` is cut after its ``-_.#?&=`` too, and as a last resort every ``room`` characters."""
    scheme = _URL.match(url)
    start = scheme.end() if scheme else 0
    pieces: list[str] = []
    last = 0
    for index in range(start, len(url)):
        if url[index] == "/" and index + 1 < len(url):
            pieces.append(url[last : index + 1])
            last = index + 1
    pieces.append(url[last:])
    out: list[str] = []
    for piece in pieces:
        if cell_len(piece) <= room:
            out.append(piece)
            continue
        chunk = ""
        for part in re.findall(r"[^-_.#?&=]*[-_.#?&=]?", piece):
            if not part:
                continue
            while cell_len(part) > room:  # no separator for a whole line: cut it
                if chunk:
                    out.append(chunk)
                    chunk = ""
                out.append(part[:room])
                part = part[room:]
            if chunk and cell_len(chunk + part) > room:
                out.append(chunk)
                chunk = ""
            chunk += part
        if chunk:
            out.append(chunk)
    return out


class _Line:
    """A line being filled: its styled text and the cells it takes."""

    def __init__(self, indent: Text) -> None:
        self.text = indent.copy()
        self.cells = cell_len(indent.plain)
        self.empty = True

    def add(self, piece: Text, gap: Text | None) -> None:
        if gap is not None and not self.empty:
            self.text.append_text(gap)
            self.cells += cell_len(gap.plain)
        self.text.append_text(piece)
        self.cells += cell_len(piece.plain)
        self.empty = False


def wrap_text(text: Text | str, width: int) -> list[Text]:
    """The lines of ``text`` (a hard newline always breaks) in ``width`` cells, words kept whole.

    Each paragraph's leading spaces are kept and its continuation lines hang under its first word.
    """
    source = text if isinstance(text, Text) else Text(text)
    width = max(width, 1)
    out: list[Text] = []
    for paragraph in source.split("\n", allow_blank=True):
        out.extend(_wrap_paragraph(paragraph, width))
    return out


def _wrap_paragraph(paragraph: Text, width: int) -> list[Text]:
    plain = paragraph.plain
    if cell_len(plain) <= width:
        return [paragraph]
    indent_len = _LEADING_SPACE.match(plain).end()  # type: ignore[union-attr]
    if indent_len * 2 > width:
        indent_len = 0
    indent = paragraph[:indent_len]
    room = width - indent_len
    lines: list[_Line] = [_Line(indent)]
    previous_end: int | None = None
    for match in _WORD.finditer(plain, indent_len):
        start, end = match.span()
        gap = paragraph[previous_end:start] if previous_end is not None else None
        previous_end = end
        word = paragraph[start:end]
        _place(lines, word, gap, width, room, indent)
    result = []
    for line in lines:
        line.text.rstrip()
        result.append(line.text)
    return result


def _place(lines: list[_Line], word: Text, gap: Text | None, width: int, room: int, indent: Text) -> None:
    line = lines[-1]
    gap_cells = 0 if line.empty or gap is None else cell_len(gap.plain)
    cells = cell_len(word.plain)
    if line.cells + gap_cells + cells <= width:
        line.add(word, gap)
        return
    plain = word.plain
    wide = any(is_wide(char) for char in plain)
    if cells <= room and not wide:
        lines.append(_Line(indent))
        lines[-1].add(word, None)
        return
    # CJK fills the line and breaks between characters; a word longer than a whole line breaks after
    # a URL's slashes, else it is shortened
    if wide:
        pieces = list(_units(plain))
    elif _URL.match(plain):
        pieces = _url_pieces(plain, room)
    else:
        left, right = _middle_cut(plain, room) or (len(plain), 0)
        short = word[:left] + Text(ELLIPSIS) + (word[len(plain) - right :] if right else Text(""))
        if not line.empty:
            lines.append(_Line(indent))
        lines[-1].add(short, None)
        return
    offset = 0
    first = True
    for piece_plain in pieces:
        piece = word[offset : offset + len(piece_plain)]
        offset += len(piece_plain)
        line = lines[-1]
        piece_gap = gap if first else None
        gap_cells = 0 if line.empty or piece_gap is None else cell_len(piece_gap.plain)
        piece_cells = cell_len(piece_plain)
        first = False
        if line.cells + gap_cells + piece_cells <= width:
            line.add(piece, piece_gap)
            continue
        if piece_cells > room:  # a CJK-embedded ASCII word or a URL part longer than a line
            left, right = _middle_cut(piece_plain, room) or (len(piece_plain), 0)
            piece = piece[:left] + Text(ELLIPSIS) + (piece[len(piece_plain) - right :] if right else Text(""))
        if not line.empty:
            lines.append(_Line(indent))
        lines[-1].add(piece, None)


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in _WORD.findall(text)), default=0)


class Wrap:
    """A paragraph (or several, split by newlines) that wraps at the width it is rendered in."""

    def __init__(self, text: Text | str, style: str = "") -> None:
        self.text = text if isinstance(text, Text) else Text(text, style=style)
        if isinstance(text, Text) and style:
            self.text.stylize(style)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = wrap_text(self.text, options.max_width)
        joined = Text("\n").join(lines)
        joined.no_wrap = True
        joined.overflow = "crop"
        yield joined

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        plain = self.text.plain
        widest = max((cell_len(line) for line in plain.split("\n")), default=0)
        # a word longer than this may be shortened (or broken, for CJK and URLs), so do not ask more
        narrowest = min(_longest_word(plain), 24, widest)
        return Measurement(max(narrowest, 1), max(widest, 1)).clamp(max_width=options.max_width)


def fits(parts: Iterable[str], width: int, separator: str = " ") -> bool:
    return cell_len(separator.join(parts)) <= width
