"""Shared pieces of the report importers: cleaned lines, observations and value helpers.

A parser never builds :class:`~envadvisor.model.Facts` itself. It turns the lines it understands into
:class:`Observation` values (a dotted fact key, a parsed value or an unknown with its reason, and the
line it came from); :mod:`envadvisor.importers._merge` then settles conflicts between formats and keeps
the provenance. That split keeps every parser small and lets one report hold many formats.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from envadvisor.records import field, record


@record
class Line:
    number: int  # 1-based, in the text as pasted
    text: str  # Markdown wrapping (quote markers, fences, <details>) removed; leading spaces kept


@record
class Observation:
    """One thing a report says: ``key`` is a dotted fact key, ``packages.<name>`` or ``gpu.devices``.

    ``value`` is ``None`` for an explicit unknown (a sentinel such as "Could not collect"); ``reason``
    then says why. Package and device observations carry a dict of their fields.
    """

    key: str
    value: Any
    line: Line | None
    reason: str | None = None
    derived_from: str | None = None  # the fact key this one was computed from


@record
class Parsed:
    observations: tuple[Observation, ...] = ()
    consumed: frozenset[int] = field(default_factory=frozenset)  # line numbers this format explained


_FENCE = re.compile(r"^\s{0,64}(```|~~~)")
_QUOTE = re.compile(r"^(?:\s{0,3}>\s?){1,16}")
_HTML_WRAP = re.compile(r"</?(?:details|summary|pre|code|p|br)\b[^<>]{0,512}>", re.IGNORECASE)
_PROMPT = re.compile(
    r"^\s{0,16}(?:\([^()\s]{1,64}\)\s{0,4})?(?:[\w.@-]{1,128}[:~][^$#\n]{0,256})?[$#]\s{1,8}\S"
)


def clean_lines(text: str) -> tuple[Line, ...]:
    """Split a paste into lines without the Markdown around them (report-formats.md section 0)."""
    lines: list[Line] = []
    for number, raw in enumerate(split_lines(text), start=1):
        stripped = _QUOTE.sub("", raw, count=1) if raw.lstrip().startswith(">") else raw
        if _FENCE.match(stripped):
            continue
        if "<" in stripped:
            stripped = _HTML_WRAP.sub("", stripped)
        lines.append(Line(number, stripped.rstrip()))
    return tuple(lines)


def split_lines(text: str) -> list[str]:
    """The lines of a paste, on every line break people's tools write: \\n, \\r\\n, \\r and the Unicode
    ones (U+2028/U+2029 line and paragraph separators, NEL, VT, FF: a report copied through some editors
    or web pages uses them), so the readers and the quoted lines agree on line numbers."""
    return text.splitlines() or [""]


def is_prompt(text: str) -> bool:
    """A shell prompt line (``$ python -m torch.utils.collect_env``): a command, not output."""
    return bool(_PROMPT.match(text))


# ------------------------------------------------------------------------------------------------
# Values
# ------------------------------------------------------------------------------------------------

# Sentinels: collect_env / vLLM / transformers / nvidia-smi / GitHub issue forms (report-formats.md 0).
_SENTINEL_REASONS = {
    "could not collect": "the report says 'Could not collect' (its probe found nothing)",
    "no cuda": "the report says 'No CUDA' (torch saw no CUDA and nvcc/nvidia-smi failed)",
    "n/a": "the report says 'N/A' (not applicable there)",
    "[n/a]": "the report says '[N/A]'",
    "na": "the report says 'NA'",
    "[not supported]": "the report says '[Not Supported]'",
    "not installed": "the report says it is not installed",
    "not found": "the report says 'not found'",
    "<fill in>": "the reporter did not fill it in",
    "_no response_": "the reporter did not fill it in",
    "no response": "the reporter did not fill it in",
    "no relevant packages": "the report lists no matching packages",
    "unknown": "the report says 'unknown'",
    "none": "the report says 'None'",
    "-": "the report leaves it empty",
    "": "the report leaves it empty",
}

VERSION = r"\d{1,12}(?:\.\d{1,12}){1,12}(?:[.+-]?[A-Za-z]{1,32}[\w.]{0,64})?"
_VERSION_RE = re.compile(r"(?<![\w.])v?(" + VERSION + r")(?![\w])")
_MAJOR_MINOR = re.compile(r"^(\d{1,6})\.(\d{1,6})")


def strip_decoration(value: str) -> str:
    """Remove what people wrap values in: backticks, quotes, bold markers, trailing commas."""
    out = value.strip().strip("`*").strip()
    if len(out) >= 2 and out[0] == out[-1] and out[0] in "'\"":
        out = out[1:-1].strip()
    return out.rstrip(",;").strip()


def sentinel_reason(value: str) -> str | None:
    """The reason a value is a known 'unknown' marker, or ``None`` when it is a real value."""
    return _SENTINEL_REASONS.get(strip_decoration(value).lower())


def first_version(text: str) -> str | None:
    match = _VERSION_RE.search(text)
    return match.group(1) if match else None


def major_minor(version: str | None) -> str | None:
    if not version:
        return None
    match = _MAJOR_MINOR.match(version)
    return f"{int(match.group(1))}.{int(match.group(2))}" if match else None


def parse_bool(value: str) -> bool | None:
    lowered = strip_decoration(value).lower()
    if lowered in ("true", "yes", "1"):
        return True
    if lowered in ("false", "no", "0"):
        return False
    return None


def observe(
    key: str, raw: str, line: Line | None, *, value: Any = None, parse_version: bool = False
) -> Observation:
    """An observation of ``raw`` at ``key``: a sentinel becomes an unknown with its reason."""
    reason = sentinel_reason(raw)
    if reason is not None:
        return Observation(key, None, line, reason=reason)
    if value is None:
        cleaned = strip_decoration(raw)
        value = first_version(cleaned) if parse_version else cleaned
        if value is None:
            return Observation(
                key, None, line, reason=f"the report's value {cleaned[:60]!r} is not a version"
            )
    return Observation(key, value, line)


def lines_with_numbers(lines: Iterable[Line]) -> frozenset[int]:
    return frozenset(line.number for line in lines)


def window(lines: Sequence[Line], start: int, stop: int) -> Sequence[Line]:
    return lines[max(start, 0) : max(stop, 0)]
