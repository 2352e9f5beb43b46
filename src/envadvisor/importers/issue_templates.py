"""Answers to GitHub issue forms: TensorFlow's ``### Tensorflow Version`` / ``### CUDA/cuDNN version`` /
``### GPU model and memory`` / ``### OS Platform and Distribution`` / ``### Python version``, and the
equivalents in PyTorch's and other projects' forms.

A form renders each question as a Markdown heading and the answer as the lines below it, up to the next
heading; an unanswered question reads ``_No response_``. Only the questions about the environment are
read here; the prose and logs under "Current behavior" are left to free text and the signatures.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envadvisor.importers._base import Line, Observation, Parsed
from envadvisor.importers._labels import interpret, is_known

NAME = "issue_templates"

# the title starts and ends with a character that is neither a space nor "#": the closing run is unambiguous
_HEADING = re.compile(r"^\s{0,3}#{2,4}\s{1,8}(?P<title>[^\s#](?:.{0,254}[^\s#])?)[\s#]{0,64}$")
_MAX_ANSWER_LINES = 4


def _headings(lines: Sequence[Line]) -> list[int]:
    return [i for i, line in enumerate(lines) if _HEADING.match(line.text)]


def _title(line: Line) -> str:
    match = _HEADING.match(line.text)
    return match.group("title").strip().rstrip("?").strip() if match else ""


def detect(lines: Sequence[Line]) -> bool:
    known = [i for i in _headings(lines) if is_known(_title(lines[i]))]
    return len(known) >= 2


def parse(lines: Sequence[Line]) -> Parsed:
    observations: list[Observation] = []
    consumed: set[int] = set()
    starts = _headings(lines)
    for position, start in enumerate(starts):
        title = _title(lines[start])
        if not is_known(title):
            continue
        stop = starts[position + 1] if position + 1 < len(starts) else len(lines)
        answer = [line for line in lines[start + 1 : stop] if line.text.strip()][:_MAX_ANSWER_LINES]
        consumed.add(lines[start].number)
        for line in answer:
            found = interpret(title, line.text, line, allow_generic_packages=True)
            if found:
                observations.extend(found)
                consumed.add(line.number)
                break
            consumed.add(line.number)
    return Parsed(tuple(observations), frozenset(consumed))
