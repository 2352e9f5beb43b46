"""``transformers env`` (v4 and v5), ``accelerate env`` and the project templates that copy their
``- key: value`` bullets (diffusers, lerobot, PEFT, the old PyTorch issue template ...).

Bullets may be ``-`` or ``*``, keys and values may be wrapped in backticks. Accelerate's config is a
nested list (tab-indented ``- key: value``) that says nothing about the environment, so it is read
past. Users often hand-add lines the tools never print (``- NVIDIA driver version: ...``): they are
read like the others and keep their line as provenance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envadvisor.importers._base import Line, Observation, Parsed
from envadvisor.importers._labels import interpret, is_known, normalise_label

NAME = "hf_env"

# label: starts and ends with a non-space, so the spaces around it belong to one quantifier each
_BULLET = re.compile(
    r"^(?P<indent>\s{0,32})(?P<bullet>[-*+]\s{1,8})?(?P<label>[^:\s](?:[^:]{0,78}[^:\s])?)\s{0,16}:\s{0,16}(?P<value>.*)$"
)
_BANNER = re.compile(r"Copy-and-paste the text below in your GitHub issue", re.IGNORECASE)
_TOOL_KEYS = frozenset(
    {
        "transformers version",
        "accelerate version",
        "platform",
        "huggingface_hub version",
        "pytorch version",
        "diffusers version",
        "safetensors version",
    }
)


def detect(lines: Sequence[Line]) -> bool:
    """The banner, three known bullets, or (bulleted or not) two known keys including a tool's own."""
    if any("the text below" in line.text.lower() and _BANNER.search(line.text) for line in lines):
        return True
    bulleted = 0
    known: list[str] = []
    for line in lines:
        if ":" not in line.text:
            continue
        match = _BULLET.match(line.text)
        if not match or (not match.group("label")[:1].isalpha() and match.group("label")[:1] not in "`*_"):
            continue
        if not is_known(match.group("label")):
            continue
        indent = match.group("indent")
        if "\t" in indent or len(indent) >= 4:
            continue  # accelerate's nested config
        known.append(match.group("label"))
        bulleted += bool(match.group("bullet"))
    tool = any(normalise_label(label)[0] in _TOOL_KEYS for label in known)
    return bulleted >= 3 or (tool and len(known) >= 2)


def parse(lines: Sequence[Line]) -> Parsed:
    observations: list[Observation] = []
    consumed: set[int] = set()
    in_config = False
    for line in lines:
        if _BANNER.search(line.text):
            consumed.add(line.number)
            continue
        match = _BULLET.match(line.text)
        if not match:
            # Accelerate prints "Not found" under its config key, indented.
            if in_config and line.text.strip() and line.text[:1].isspace():
                consumed.add(line.number)
                continue
            in_config = False
            continue
        label, value = match.group("label"), match.group("value")
        indent = match.group("indent")
        if in_config and indent:
            consumed.add(line.number)
            continue
        name, _ = normalise_label(label)
        in_config = "config" in name and "accelerate" in name
        found = interpret(label, value, line)
        if found is None:
            continue
        observations.extend(found)
        consumed.add(line.number)
    return Parsed(tuple(observations), frozenset(consumed))
