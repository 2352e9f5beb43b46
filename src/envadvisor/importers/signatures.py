"""Well-known error messages as evidence: load ``data/signatures.yaml`` and match it against a report.

The messages are data (id, regex, meaning in English and Chinese, category, implied facts) so a new
message needs no code. A match adds the id to ``Facts.evidence.signatures`` (rules test it with
``signature: <id>``), the matching line to the quotes, and the facts the message itself states, such as
the driver's CUDA in "found version 11040" or the GPU's compute capability in "sm_120 is not compatible".
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from envadvisor.errors import DataFileError
from envadvisor.importers._base import Line, Observation, Parsed
from envadvisor.model import Category, Severity, fact_keys

NAME = "signatures"
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TEMPLATE_RE = re.compile(r"^\{(?P<group>\w+)(?:\|(?P<converter>\w+))?\}$")
_DEVICE_FIELDS = ("name", "compute_capability")
_MAX_LINE = 4000  # longer "lines" are binary-ish noise; skipping them bounds the regex work


def _cc_from_sm(value: str) -> str | None:
    digits = value.strip()
    if not digits.isdigit() or len(digits) < 2:
        return None
    return f"{int(digits[:-1])}.{digits[-1]}"


def _cuda_from_int(value: str) -> str | None:
    # The CUDA API integer: 11040 -> 11.4, 9000 -> 9.0 (CUDA's own encoding: 1000 * major + 10 * minor).
    if not value.strip().isdigit():
        return None
    number = int(value)
    return f"{number // 1000}.{(number % 1000) // 10}"


def _sm_list(value: str) -> list[str]:
    return re.findall(r"sm_\d+", value)


CONVERTERS: Mapping[str, Any] = {
    "cc_from_sm": _cc_from_sm,
    "cuda_from_int": _cuda_from_int,
    "sm_list": _sm_list,
}


@dataclass(frozen=True, slots=True)
class Signature:
    id: str
    category: Category
    severity: Severity
    pattern: re.Pattern[str]
    implies: Mapping[str, Any]
    meaning_en: str
    meaning_zh: str
    source: str
    example: str  # the message as it really reads; tests check the pattern matches it

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
    return parse_signatures(load_yaml_text(text, path=path), path=path)


def parse_signatures(data: object, *, path: str) -> tuple[Signature, ...]:
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
        implies = entry.get("implies") or {}
        if not isinstance(implies, Mapping):
            raise DataFileError(path, "expected a mapping", entry=sig_id, field="implies")
        for key, value in implies.items():
            _check_implied(path, sig_id, str(key), value, pattern, valid_keys)
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
        if not isinstance(source, str) or not source:
            raise DataFileError(
                path, "every signature names where its text comes from", entry=sig_id, field="source"
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
            )
        )
    return tuple(out)


def _check_implied(
    path: str, sig_id: str, key: str, value: object, pattern: re.Pattern[str], valid_keys: frozenset[str]
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
            if template.group("group") not in pattern.groupindex:
                raise DataFileError(
                    path, f"{value!r} names no group of the pattern", entry=sig_id, field="implies"
                )
            converter = template.group("converter")
            if converter and converter not in CONVERTERS:
                raise DataFileError(path, f"unknown converter {converter!r}", entry=sig_id, field="implies")


def signature(sig_id: str) -> Signature | None:
    return next((sig for sig in load_signatures() if sig.id == sig_id), None)


@cache
def _prefilter() -> re.Pattern[str]:
    # One alternation of every pattern (groups made anonymous), run once over the whole report, finds
    # the few lines worth a closer look. Spaces become \s so a message wrapped over two lines is found.
    parts = [
        re.sub(r"\(\?P<\w+>", "(?:", sig.pattern.pattern).replace(" ", r"\s") for sig in load_signatures()
    ]
    return re.compile("|".join(f"(?:{part})" for part in parts), re.IGNORECASE | re.MULTILINE)


def _candidate_lines(lines: Sequence[Line]) -> list[int]:
    """Positions of the lines where (or from where) some signature may match."""
    texts = [line.text if len(line.text) <= _MAX_LINE else "" for line in lines]
    starts: list[int] = []
    offset = 0
    for text in texts:
        starts.append(offset)
        offset += len(text) + 1
    found: set[int] = set()
    for match in _prefilter().finditer("\n".join(texts)):
        first = bisect.bisect_right(starts, match.start()) - 1
        last = bisect.bisect_right(starts, max(match.end() - 1, match.start())) - 1
        found.update(range(max(first - 1, 0), last + 1))  # the line before may start a wrapped message
    return sorted(found)


def _resolve(value: object, match: re.Match[str]) -> Any:
    if not isinstance(value, str):
        return value
    template = _TEMPLATE_RE.match(value)
    if not template:
        return value
    captured = match.group(template.group("group"))
    if captured is None:
        return None
    captured = captured.strip()
    converter = template.group("converter")
    return CONVERTERS[converter](captured) if converter else captured


def parse(lines: Sequence[Line]) -> Parsed:
    """Every signature match as evidence plus the facts it states. Never raises on any text.

    Messages are often wrapped over two lines (NumPy's, PyTorch's driver warning), so a line that does
    not match on its own is tried once more joined with the next one.
    """
    observations: list[Observation] = []
    seen: set[tuple[str, int]] = set()
    for position in _candidate_lines(lines):
        line = lines[position]
        if len(line.text) > _MAX_LINE:
            continue
        following = lines[position + 1].text if position + 1 < len(lines) else ""
        joined = f"{line.text.rstrip()} {following.strip()}" if following.strip() else line.text
        for sig in load_signatures():
            match = sig.pattern.search(line.text)
            if match is None and joined is not line.text and len(joined) <= _MAX_LINE:
                match = sig.pattern.search(joined)
            if match is None or (sig.id, line.number) in seen:
                continue
            seen.add((sig.id, line.number))
            # the joined match may belong to the next line alone: let that line claim it
            if match.start() >= len(line.text.rstrip()):
                continue
            observations.extend(_observations(sig, match, line))
    return Parsed(tuple(observations), frozenset())


def _observations(sig: Signature, match: re.Match[str], line: Line) -> list[Observation]:
    observations = [Observation("evidence.signatures", sig.id, line)]
    device: dict[str, Any] = {}
    for key, raw_value in sig.implies.items():
        value = _resolve(raw_value, match)
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
