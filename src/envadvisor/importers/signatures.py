"""Well-known error messages as evidence: load ``data/signatures.yaml`` and match it against a report.

The messages are data (id, regex, meaning in English and Chinese, category, implied facts, the source
file that prints the message, a real example line and the thread it comes from, near-misses that must
not match) so a new message needs no code. A match adds the id to ``Facts.evidence.signatures`` (rules
test it with ``signature: <id>``), the matching line to the quotes, and the facts the message itself
states, such as the driver's CUDA in "found version 11040" or the GPU's compute capability in "sm_120 is
not compatible".

Speed: the set is loaded and compiled once per process. Each signature has anchor words (whole words
every match contains, read from its regex); each line is cut into words once and a set intersection
finds the few signatures worth trying on it, so the cost grows with the report, not with the number of
signatures times the number of lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from envadvisor.errors import DataFileError
from envadvisor.importers._base import Line, Observation, Parsed
from envadvisor.importers._regex_shape import analyse
from envadvisor.model import Category, Severity, fact_keys
from envadvisor.records import record
from envadvisor.resources import _cache_path, _store

NAME = "signatures"
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TEMPLATE_RE = re.compile(r"^\{(?P<group>\w+)(?:\|(?P<converter>\w+))?\}$")
_DEVICE_FIELDS = ("name", "compute_capability")
_MAX_LINE = 4000  # longer "lines" are binary-ish noise; skipping them bounds the regex work
_URL_RE = re.compile(r"^https?://\S+$")
# "owner/repo path" for a message printed by a public repository's code, or a named component
# (the CUDA runtime, the dynamic loader) followed by where its text is documented.
_SOURCE_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+ \S|^[A-Z][\w .+/-]+[:(;]")


def _cc_from_sm(value: str) -> str | None:
    from envadvisor.safetext import parse_int

    digits = value.strip()
    if parse_int(digits, digits=4) is None or len(digits) < 2:
        return None
    return f"{int(digits[:-1])}.{digits[-1]}"


def _cuda_from_int(value: str) -> str | None:
    # The CUDA API integer: 11040 -> 11.4, 9000 -> 9.0 (CUDA's own encoding: 1000 * major + 10 * minor).
    from envadvisor.safetext import parse_int

    number = parse_int(value, digits=7)
    if number is None:
        return None
    return f"{number // 1000}.{(number % 1000) // 10}"


def _sm_list(value: str) -> list[str]:
    return re.findall(r"sm_\d+", value)


def _cuda_from_tag(value: str) -> str | None:
    # A CUDA version without its dot, as wheel tags and library names write it: 121 -> 12.1, 118 -> 11.8.
    digits = value.strip().lower().removeprefix("cuda").removeprefix("cu")
    if not digits.isdigit() or not 2 <= len(digits) <= 3:
        return None
    return f"{int(digits[:-1])}.{digits[-1]}"


def _version_from_tuple(value: str) -> str | None:
    # "(9, 1, 0)" or "9, 1, 0" (Python's tuple repr, as torch prints cuDNN versions) -> 9.1.0
    parts = re.findall(r"\d+", value)
    return ".".join(parts[:3]) if parts else None


def _cudnn_from_int(value: str) -> str | None:
    # cuDNN's integer version: 8500 -> 8.5.0 (before 9: 1000 * major + 100 * minor + patch),
    # 90100 -> 9.1.0 (from 9 on: 10000 * major + 100 * minor + patch).
    if not value.strip().isdigit():
        return None
    number = int(value)
    if number >= 10000:
        return f"{number // 10000}.{(number % 10000) // 100}.{number % 100}"
    return f"{number // 1000}.{(number % 1000) // 100}.{number % 100}"


def _cudnn_version(value: str) -> str | None:
    # torch prints cuDNN versions as tuples "(8, 5, 0)" since 1.12 and as integers "7401" before.
    text = value.strip()
    return _cudnn_from_int(text) if text.isdigit() else _version_from_tuple(text)


CONVERTERS: Mapping[str, Any] = {
    "cc_from_sm": _cc_from_sm,
    "cudnn_version": _cudnn_version,
    "cuda_from_int": _cuda_from_int,
    "cuda_from_tag": _cuda_from_tag,
    "cudnn_from_int": _cudnn_from_int,
    "sm_list": _sm_list,
    "version_from_tuple": _version_from_tuple,
}


@record
class Signature:
    id: str
    category: Category
    severity: Severity
    pattern: re.Pattern[str]
    implies: Mapping[str, Any]
    meaning_en: str
    meaning_zh: str
    source: str  # the repository and file that print the message
    example: str  # one line as it really reads in a public thread; the pattern must match it
    example_source: str  # the thread the example line comes from
    near_misses: tuple[str, ...]  # lines that look alike but must not match
    anchors: tuple[str, ...]  # literal words (lower case) one of which every match contains
    before: re.Pattern[str] | None = None  # captures from the text just before the match (see parse)
    width: int | None = None  # the longest text a match can span; None when unbounded
    literal: str = ""  # the longest literal text every match holds (lower case): a cheap first test

    @property
    def project(self) -> str:
        """The emitting project, ``owner/repo`` (or the component's name) from :attr:`source`."""
        first = self.source.split(";")[0].strip()
        return first.split(" ")[0] if "/" in first.split(" ")[0] else first.split(" (")[0].split(":")[0]

    def meaning(self, lang: str = "en") -> str:
        return self.meaning_zh if lang == "zh" else self.meaning_en


def signatures_path() -> str:
    from envadvisor.resources import data_dir

    return str(data_dir() / "signatures.yaml")


@cache
def load_signatures() -> tuple[Signature, ...]:
    """The shipped signatures, validated. A malformed entry is a :class:`DataFileError` naming it."""
    from pathlib import Path

    from envadvisor.resources import load_yaml_text

    path = signatures_path()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(path, f"cannot read: {exc.strerror or exc}") from None
    # The anchors, widths and literals come from parsing each pattern: kept next to the YAML's cache.
    analysis_path = _cache_path(text + _ANALYSIS_SALT)
    analysis: dict[str, list[Any]] = {}
    if analysis_path is not None:
        try:
            loaded = json.loads(analysis_path.read_text(encoding="utf-8"))
            analysis = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            analysis = {}
    known = len(analysis)
    signatures = parse_signatures(load_yaml_text(text, path=path, cache=True), path=path, analysis=analysis)
    if analysis_path is not None and len(analysis) != known:
        _store(analysis_path, analysis)
    return signatures


_ANALYSIS_SALT = "\0signature-analysis-v1"


def parse_signatures(
    data: object, *, path: str, analysis: dict[str, list[Any]] | None = None
) -> tuple[Signature, ...]:
    """Validate the data; ``analysis`` (pattern -> [anchors, width, literal]) is read and filled."""
    if not isinstance(data, Mapping) or not isinstance(data.get("signatures"), list):
        raise DataFileError(path, "expected a mapping with a 'signatures' list")
    valid_keys = fact_keys()
    seen: set[str] = set()
    out: list[Signature] = []
    for position, entry in enumerate(data["signatures"], start=1):
        if not isinstance(entry, Mapping):
            raise DataFileError(path, "expected a mapping", entry=f"#{position}")
        sig_id = entry.get("id")
        if not isinstance(sig_id, str) or not _ID_RE.match(sig_id):
            raise DataFileError(path, "expected a kebab-case id", entry=f"#{position}", field="id")
        if sig_id in seen:
            raise DataFileError(path, "duplicate id", entry=sig_id, field="id")
        seen.add(sig_id)
        try:
            category = Category(entry.get("category"))
        except ValueError:
            raise DataFileError(path, "not a known category", entry=sig_id, field="category") from None
        try:
            severity = Severity(entry.get("severity"))
        except ValueError:
            raise DataFileError(
                path, "expected error, warning or info", entry=sig_id, field="severity"
            ) from None
        raw_pattern = entry.get("pattern")
        if not isinstance(raw_pattern, str) or not raw_pattern:
            raise DataFileError(path, "expected a regex", entry=sig_id, field="pattern")
        try:
            pattern = re.compile(raw_pattern, re.IGNORECASE)
        except re.error as exc:
            raise DataFileError(path, f"not a valid regex: {exc}", entry=sig_id, field="pattern") from None
        before = None
        raw_before = entry.get("before")
        if raw_before is not None:
            if not isinstance(raw_before, str) or not raw_before.endswith("$"):
                raise DataFileError(
                    path, "expected a regex anchored at its end ($)", entry=sig_id, field="before"
                )
            try:
                before = re.compile(raw_before, re.IGNORECASE)
            except re.error as exc:
                raise DataFileError(path, f"not a valid regex: {exc}", entry=sig_id, field="before") from None
        groups = set(pattern.groupindex) | (set(before.groupindex) if before else set())
        implies = entry.get("implies") or {}
        if not isinstance(implies, Mapping):
            raise DataFileError(path, "expected a mapping", entry=sig_id, field="implies")
        for key, value in implies.items():
            _check_implied(path, sig_id, str(key), value, groups, valid_keys)
        meaning = entry.get("meaning")
        if not isinstance(meaning, Mapping) or not all(
            isinstance(meaning.get(lang), str) and meaning.get(lang) for lang in ("en", "zh")
        ):
            raise DataFileError(path, "expected en and zh texts", entry=sig_id, field="meaning")
        example = entry.get("example")
        if not isinstance(example, str) or not pattern.search(example):
            raise DataFileError(
                path, "expected an example line the pattern matches", entry=sig_id, field="example"
            )
        source = entry.get("source")
        if not isinstance(source, str) or not _SOURCE_RE.match(source):
            raise DataFileError(
                path,
                "every signature names the repository and file that print it ('owner/repo path')",
                entry=sig_id,
                field="source",
            )
        example_source = entry.get("example_source")
        if not isinstance(example_source, str) or not _URL_RE.match(example_source):
            raise DataFileError(
                path,
                "expected the URL of the thread the example comes from",
                entry=sig_id,
                field="example_source",
            )
        near_misses = entry.get("near_misses")
        if (
            not isinstance(near_misses, list)
            or not near_misses
            or not all(isinstance(line, str) and line for line in near_misses)
        ):
            raise DataFileError(
                path,
                "expected a list of look-alike lines that must not match",
                entry=sig_id,
                field="near_misses",
            )
        cached = analysis.get(raw_pattern) if analysis is not None else None
        if cached is not None and _valid_analysis(cached):
            found, width, literal = tuple(cached[0]), cached[1], cached[2]
        else:
            found, width, literal = analyse(raw_pattern)
            if analysis is not None:
                analysis[raw_pattern] = [list(found), width, literal]
        if not found:
            raise DataFileError(
                path,
                "the pattern has no literal word of 4+ characters every match contains",
                entry=sig_id,
                field="pattern",
            )
        out.append(
            Signature(
                id=sig_id,
                category=category,
                severity=severity,
                pattern=pattern,
                implies=dict(implies),
                meaning_en=meaning["en"],
                meaning_zh=meaning["zh"],
                source=source,
                example=example,
                example_source=example_source,
                near_misses=tuple(near_misses),
                anchors=found,
                before=before,
                width=width if "$" not in raw_pattern else None,
                literal=literal if len(literal) >= 6 else "",
            )
        )
    return tuple(out)


def _check_implied(
    path: str, sig_id: str, key: str, value: object, groups: set[str], valid_keys: frozenset[str]
) -> None:
    if key.startswith("gpu.device."):
        if key.removeprefix("gpu.device.") not in _DEVICE_FIELDS:
            raise DataFileError(path, f"unknown device field {key!r}", entry=sig_id, field="implies")
    elif key.startswith("packages."):
        parts = key.split(".")
        if len(parts) != 3 or f"packages.*.{parts[2]}" not in valid_keys:
            raise DataFileError(path, f"unknown package fact {key!r}", entry=sig_id, field="implies")
    elif key not in valid_keys:
        raise DataFileError(path, f"unknown fact key {key!r}", entry=sig_id, field="implies")
    if isinstance(value, str):
        template = _TEMPLATE_RE.match(value)
        if template:
            if template.group("group") not in groups:
                raise DataFileError(
                    path, f"{value!r} names no group of the pattern", entry=sig_id, field="implies"
                )
            converter = template.group("converter")
            if converter and converter not in CONVERTERS:
                raise DataFileError(path, f"unknown converter {converter!r}", entry=sig_id, field="implies")


def signature(sig_id: str) -> Signature | None:
    return next((sig for sig in load_signatures() if sig.id == sig_id), None)


@cache
def _by_anchor() -> Mapping[str, tuple[Signature, ...]]:
    table: dict[str, list[Signature]] = {}
    for sig in load_signatures():
        for word in sig.anchors:
            table.setdefault(word, []).append(sig)
    return {word: tuple(sigs) for word, sigs in table.items()}


# bytes.translate table: letters to lower case, digits and "_" kept, "\n" kept, every other byte (and so
# every non-ASCII character) a space. Splitting the result gives each line's words at C speed.
def _word_byte(byte: int) -> int:
    if 65 <= byte <= 90:
        return byte + 32
    return byte if (48 <= byte <= 57 or 97 <= byte <= 122 or byte in (10, 95)) else 32


_WORD_BYTES = bytes(_word_byte(byte) for byte in range(256))


def _candidates(texts: Sequence[str]) -> dict[int, list[Signature]]:
    """Line position -> the signatures whose anchor word occurs on that line or the next one.

    A message wrapped over two lines starts on the line before the one holding its anchor, so that
    line is a candidate too (the match is then tried on the two lines joined).
    """
    table = _by_anchor()
    words = table.keys()
    order = _order()
    hits: dict[int, dict[str, Signature]] = {}
    blob = "\n".join(texts).encode("utf-8", "replace").translate(_WORD_BYTES).decode("ascii")
    for position, line_words in enumerate(blob.split("\n")):
        found = words & set(line_words.split())
        if not found:
            continue
        for word in found:
            for sig in table[word]:
                for candidate in (position - 1, position):
                    if candidate >= 0:
                        hits.setdefault(candidate, {}).setdefault(sig.id, sig)
    return {
        line: sorted(bucket.values(), key=lambda sig: order[sig.id]) for line, bucket in sorted(hits.items())
    }


@cache
def _order() -> Mapping[str, int]:
    return {sig.id: index for index, sig in enumerate(load_signatures())}


def _resolve(value: object, groups: Mapping[str, str | None]) -> Any:
    if not isinstance(value, str):
        return value
    template = _TEMPLATE_RE.match(value)
    if not template:
        return value
    captured = groups.get(template.group("group"))
    if captured is None:
        return None
    captured = captured.strip()
    converter = template.group("converter")
    return CONVERTERS[converter](captured) if converter else captured


_WRAP = 600  # how much of a line's end and the next line's start a wrapped message may span
_BEFORE = 160  # how much text before a match a `before` pattern reads (a GPU name, a library path)
# A line (with the next) holding the anchor words of more signatures than this is not a message people
# paste but word soup (or an attack on the matcher's time); real messages hold a handful at most.
_MAX_CANDIDATES = 40


def parse(lines: Sequence[Line]) -> Parsed:
    """Every signature match as evidence plus the facts it states. Never raises on any text.

    Messages are often wrapped over two lines (NumPy's, PyTorch's driver warning), so a line that does
    not match on its own is tried once more as its end joined with the next line's start.
    """
    texts = [line.text if len(line.text) <= _MAX_LINE else "" for line in lines]
    observations: list[Observation] = []
    for position, sigs in _candidates(texts).items():
        line = lines[position]
        text = texts[position]
        if not text:
            continue
        following = texts[position + 1].strip()[:_WRAP] if position + 1 < len(texts) else ""
        if len(sigs) > _MAX_CANDIDATES:
            continue  # not one message: the anchor words of dozens of messages on one line
        tail = text.rstrip()[-_WRAP:]
        joined = f"{tail} {following}" if following else ""
        lowered = text.lower()
        joined_lowered = joined.lower()
        for sig in sigs:
            subject = text
            match = _search_near_anchors(sig, text, lowered)
            if match is None and joined:
                match = _search_near_anchors(sig, joined, joined_lowered)
                # a joined match that starts in the next line belongs to that line alone
                if match is not None and match.start() >= len(tail):
                    continue
                subject = joined
            if match is None:
                continue
            observations.extend(_observations(sig, match, subject, line))
    return Parsed(tuple(observations), frozenset())


def _valid_analysis(cached: object) -> bool:
    return (
        isinstance(cached, list)
        and len(cached) == 3
        and isinstance(cached[0], list)
        and all(isinstance(word, str) for word in cached[0])
        and (cached[1] is None or isinstance(cached[1], int))
        and isinstance(cached[2], str)
    )


def _search_near_anchors(sig: Signature, text: str, lowered: str) -> re.Match[str] | None:
    """``sig.pattern.search(text)``, but only over the stretches a match could cover: a match holds an
    anchor word and spans at most ``sig.width`` characters, so each anchor occurrence bounds a window.
    Over hostile lines (every anchor word, thousands of characters) this keeps each try short."""
    if sig.literal and sig.literal not in lowered:
        return None
    if sig.width is None or len(text) <= 4 * sig.width:
        return sig.pattern.search(text)
    windows: list[tuple[int, int]] = []
    for word in sig.anchors:
        start = lowered.find(word)
        while start >= 0:
            windows.append((max(0, start - sig.width), min(len(text), start + len(word) + sig.width)))
            start = lowered.find(word, start + len(word))
    windows.sort()
    merged: list[tuple[int, int]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    for start, end in merged:
        match = sig.pattern.search(text, start, end)
        if match is not None:
            return match
    return None


def _observations(sig: Signature, match: re.Match[str], subject: str, line: Line) -> list[Observation]:
    observations = [Observation("evidence.signatures", sig.id, line)]
    groups: dict[str, str | None] = dict(match.groupdict())
    if sig.before is not None:
        preceding = sig.before.search(subject[max(0, match.start() - _BEFORE) : match.start()])
        if preceding is not None:
            groups.update(preceding.groupdict())
    device: dict[str, Any] = {}
    for key, raw_value in sig.implies.items():
        value = _resolve(raw_value, groups)
        if value is None or value == "" or value == []:
            continue
        if key.startswith("gpu.device."):
            device[key.removeprefix("gpu.device.")] = value
        elif key.startswith("packages."):
            _, name, attr = key.split(".")
            observations.append(Observation(f"packages.{name}", {attr: value}, line))
        else:
            observations.append(Observation(key, value, line))
    if device:
        if "compute_capability" in device:
            device["compute_capability_source"] = "report"
        observations.append(Observation("gpu.devices", device, line))
    return observations
