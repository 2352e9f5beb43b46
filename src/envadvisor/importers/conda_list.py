"""``conda list`` output (report-formats.md section 7): ``name version build [channel]`` rows.

The channel column is empty for Anaconda's default channels and ``pypi`` for pip-installed packages.
The ``pytorch`` row's build string names the CUDA and cuDNN of the build (``py3.10_cuda11.8_cudnn8.7.0_0``,
conda-forge ``cuda120_py310h...``), or ``cpu``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envadvisor.importers._base import Line, Observation, Parsed
from envadvisor.importers.collect_env import conda_row

NAME = "conda_list"

_ENV_HEADER = re.compile(
    r"^#\s{0,8}packages in environment at\s{1,8}(?P<prefix>\S.{0,1023}?):?\s{0,16}$", re.IGNORECASE
)
_COLUMNS = re.compile(
    r"^#?\s{0,16}Name\s{1,64}Version\s{1,64}Build(?:\s{1,64}Channel)?\s{0,16}$", re.IGNORECASE
)
_BUILD_LIKE = re.compile(
    r"^(?:py\w{0,128}|h[0-9a-f]{6,64}\w{0,64}|pypi_0|cuda\w{0,128}|cpu\w{0,128}|\d{1,32}|[\w.]{0,128}_\d{1,32})$"
)


def _row_like(text: str) -> bool:
    parts = text.split()
    return 3 <= len(parts) <= 4 and parts[1][:1].isdigit() and bool(_BUILD_LIKE.match(parts[2]))


def detect(lines: Sequence[Line]) -> bool:
    if any(_ENV_HEADER.match(line.text.strip()) or _COLUMNS.match(line.text.strip()) for line in lines):
        return True
    return sum(1 for line in lines if _row_like(line.text)) >= 5


def parse(lines: Sequence[Line]) -> Parsed:
    observations: list[Observation] = []
    consumed: set[int] = set()
    in_table = False  # after the column header every row counts, whatever its build string looks like
    for line in lines:
        text = line.text.strip()
        header = _ENV_HEADER.match(text)
        if header:
            observations.append(Observation("conda.prefix", header.group("prefix").strip(), line))
            observations.append(Observation("conda.in_conda_env", True, line))
            consumed.add(line.number)
            continue
        if _COLUMNS.match(text) or text == "#":
            in_table = in_table or bool(_COLUMNS.match(text))
            consumed.add(line.number)
            continue
        parts = text.split()
        in_table = in_table and 2 <= len(parts) <= 4 and parts[1][:1].isdigit()
        if not (in_table or _row_like(text)):
            continue
        found = conda_row(text, line, installer="conda")
        if found:
            observations.extend(found)
            consumed.add(line.number)
            channel = text.split()[3] if len(text.split()) == 4 else None
            if channel and channel != "pypi":
                observations.append(Observation("conda.channels", [channel], line))
    return Parsed(tuple(observations), frozenset(consumed))
