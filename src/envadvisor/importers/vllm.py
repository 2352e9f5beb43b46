"""vLLM's ``vllm collect-env`` report: the collect_env fields in titled sections (report-formats.md 2).

Labels are padded to a column before the colon, sections are framed by ``=====`` bars around a title,
and the report adds a vLLM version and an environment-variable section. The field reader is
collect_env's; this module adds what only vLLM prints.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envadvisor.importers import collect_env
from envadvisor.importers._base import Line, Observation, Parsed

NAME = "vllm"

SECTION_TITLES = frozenset(
    {
        "system info",
        "pytorch info",
        "python environment",
        "cuda / gpu info",
        "intel xpu / gpu info",
        "cpu info",
        "versions of relevant libraries",
        "vllm info",
        "environment variables",
    }
)
_BAR = re.compile(r"^={10,}$")
_ENV_VAR = re.compile(r"^(?P<name>[A-Z_][A-Z0-9_]{0,127})=(?P<value>.*)$")
_CUDA_DIR = re.compile(r"cuda|cudnn|nvidia", re.IGNORECASE)


def detect(lines: Sequence[Line]) -> bool:
    titles = {line.text.strip().lower() for line in lines}
    bars = sum(1 for line in lines if _BAR.match(line.text.strip()))
    return bars >= 4 and len(titles & SECTION_TITLES) >= 2 and collect_env.detect(lines)


def parse(lines: Sequence[Line]) -> Parsed:
    base = collect_env.parse(lines, section_titles=SECTION_TITLES)
    observations = list(base.observations)
    consumed = set(base.consumed)
    section = ""
    for line in lines:
        text = line.text.strip()
        if _BAR.match(text):
            consumed.add(line.number)
            continue
        if text.lower() in SECTION_TITLES:
            section = text.lower()
            consumed.add(line.number)
            continue
        if section != "environment variables":
            continue
        var = _ENV_VAR.match(text)
        if not var:
            continue
        consumed.add(line.number)
        name, value = var.group("name"), var.group("value").strip()
        if name == "CUDA_VISIBLE_DEVICES":
            observations.append(Observation("gpu.cuda_visible_devices", value, line))
        elif name == "LD_LIBRARY_PATH":
            dirs = [entry for entry in value.split(":") if entry and _CUDA_DIR.search(entry)]
            observations.append(Observation("env.ld_library_path_cuda", dirs, line))
    return Parsed(tuple(observations), frozenset(consumed))
