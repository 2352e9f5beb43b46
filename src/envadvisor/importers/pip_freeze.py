"""``pip freeze`` (``name==version``, ``name @ url``), ``pip list`` (a two-column table under a dashed
rule) and pip's ``Successfully installed name-1.0 ...`` line."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from envadvisor.importers._base import Line, Observation, Parsed
from envadvisor.importers._system import freeze_line, package_observations

NAME = "pip_freeze"

_LIST_HEADER = re.compile(r"^Package\s{1,64}Version(?:\s{1,64}\w.*)?$")
_LIST_RULE = re.compile(r"^-{3,128}\s{1,64}-{3,}")
_LIST_ROW = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,127})\s{1,64}(?P<version>\d[\w.+!-]{0,63})(?:\s{1,64}\S.*)?$"
)
# `pip list` pasted without its header (or `pip list | grep torch`): name, spaces, version (a name as
# wide as its column leaves one space); a few such rows are needed before they count as a listing.
_BARE_ROW = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,127})\s{1,64}(?P<version>\d[\w.+!-]{0,63})(?:\s{1,64}\S{1,256})?$"
)
_MIN_BARE_ROWS = 3
_SHOW_NAME = re.compile(r"^Name:\s{0,16}(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,127})\s{0,16}$")
_SHOW_VERSION = re.compile(r"^Version:\s{0,16}(?P<version>\d[\w.+!-]{0,63})\s{0,16}$")
_INSTALLED = re.compile(r"^Successfully installed\s{1,16}(?P<items>.+)$")
_INSTALLED_ITEM = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,127}?)-(?P<version>\d[\w.+!]{0,63})$")


def _freeze_lines(lines: Sequence[Line]) -> list[tuple[Line, str, str]]:
    out = []
    for line in lines:
        text = line.text.strip()
        if text.startswith("[") or " " in text.split("==")[0].strip():
            continue
        pinned = freeze_line(text)
        if pinned:
            out.append((line, *pinned))
    return out


def _bare_rows(lines: Sequence[Line]) -> list[tuple[Line, str, str]]:
    rows = []
    for line in lines:
        match = _BARE_ROW.match(line.text.strip())
        if match:
            rows.append((line, match.group("name"), match.group("version")))
    return rows if len(rows) >= _MIN_BARE_ROWS else []


def _shown(lines: Sequence[Line]) -> list[tuple[Line, Line, str, str]]:
    """``pip show NAME``: a ``Name:`` line directly followed by ``Version:``."""
    out = []
    for first, second in itertools.pairwise(lines):
        name = _SHOW_NAME.match(first.text.strip())
        version = _SHOW_VERSION.match(second.text.strip())
        if name and version:
            out.append((first, second, name.group("name"), version.group("version")))
    return out


def detect(lines: Sequence[Line]) -> bool:
    if _bare_rows(lines):
        return True
    if any(_LIST_HEADER.match(line.text.strip()) for line in lines):
        return True
    if any(_INSTALLED.match(line.text.strip()) for line in lines):
        return True
    if _shown(lines):
        return True
    return len(_freeze_lines(lines)) >= 3


def parse(lines: Sequence[Line]) -> Parsed:
    observations: list[Observation] = []
    consumed: set[int] = set()
    freeze = _freeze_lines(lines)
    if len(freeze) >= 3:
        for line, name, version in freeze:
            observations.extend(package_observations(name, version, line, installer="pip", source="pypi"))
            consumed.add(line.number)
    for first, second, name, version in _shown(lines):
        observations.extend(package_observations(name, version, second, installer="pip", source="pypi"))
        consumed.update((first.number, second.number))
    for line, name, version in _bare_rows(lines):
        if line.number in consumed:
            continue
        observations.extend(package_observations(name, version, line, installer="pip", source="pypi"))
        consumed.add(line.number)
    in_table = False
    for line in lines:
        text = line.text.strip()
        if line.number in consumed:
            continue
        installed = _INSTALLED.match(text)
        if installed:
            for item in installed.group("items").split():
                found = _INSTALLED_ITEM.match(item)
                if found:
                    observations.extend(
                        package_observations(
                            found.group("name"), found.group("version"), line, installer="pip", source="pypi"
                        )
                    )
            consumed.add(line.number)
            continue
        if _LIST_HEADER.match(text) or (in_table and _LIST_RULE.match(text)):
            in_table = True
            consumed.add(line.number)
            continue
        if not in_table:
            continue
        row = _LIST_ROW.match(text)
        if not row:
            in_table = False
            continue
        observations.extend(
            package_observations(
                row.group("name"), row.group("version"), line, installer="pip", source="pypi"
            )
        )
        consumed.add(line.number)
    return Parsed(tuple(observations), frozenset(consumed))
