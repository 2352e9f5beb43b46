"""Reports that show two environments: before/after an upgrade, a working and a failing machine.

People compare: "Environment 1 (works): ... / Environment 2 (fails): ...", "Before: torch 2.0.1 ... After
upgrading: ...", "On my laptop it works: ... On the server: ...", "正常的环境 / 报错的环境". Reading every
line as one machine mixes the two (the driver of one, the torch of the other). This module finds such
sections and keeps the failing one (plus the text outside every section, usually the question and the
error), so each fact comes from one environment.

A section starts at a header line: short, ending in a colon or set as a Markdown heading or bold line,
naming an environment (environment, setup, machine, server, laptop, before/after, 环境, 机器 ...). Its
role is failing (not working, broken, fails, error, after, new, upgraded, 报错, 失败, 升级后 ...), working
(works, working, ok, good, before, old, previous, 正常, 可以, 之前 ...) or neutral (Machine A, Env 2).
With no failing-role section, a neutral section that holds an error message is the failing one; failing
that, the first section is kept and the others dropped (never a mix).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from envadvisor.importers._base import Line

_NOUNS = (
    r"env(?:ironment)?s?|setup|set-up|machine|server|system|computer|pc|laptop|desktop|workstation|box|node"
    r"|cluster|container|config(?:uration)?|installation|install|versions?|环境|机器|电脑|服务器|配置|版本"
)
# Strong words decide before weak ones ("New environment (works)" works; "After upgrading" fails).
_FAILING = re.compile(
    r"not\s{1,8}work|doesn'?t\s{1,8}work|does\s{1,8}not\s{1,8}work|don'?t\s{1,8}work|isn'?t\s{1,8}working"
    r"|broken|\bfail(?:s|ed|ing)?\b"
    r"|\bbad\b|\berrors?\b|\bcrash(?:es|ed|ing)?\b|problem|不能|不行|报错|出错|失败|有问题",
    re.IGNORECASE,
)
_WORKING = re.compile(
    r"\bwork(?:s|ed|ing)?\b|\bgood\b|\bok(?:ay)?\b|\bfine\b|success(?:ful)?|正常|可以|能用|成功",
    re.IGNORECASE,
)
_LATER = re.compile(
    r"\bafter\b|\bnew\b|\bnow\b|\bcurrent(?:ly)?\b|\bupgraded\b|\bupdated\b|之后|升级后|更新后|现在|新",
    re.IGNORECASE,
)
_EARLIER = re.compile(r"\bbefore\b|\bold\b|\bprevious(?:ly)?\b|\boriginal\b|之前|以前|旧", re.IGNORECASE)
_NUMBERED = re.compile(
    rf"(?:{_NOUNS})\s{{0,8}}(?:#|no\.?\s{{0,8}})?(?:\d|[A-D]\b|one\b|two\b|一|二|甲|乙)", re.IGNORECASE
)
_NOUN = re.compile(rf"(?:{_NOUNS})", re.IGNORECASE)
_LEAD = re.compile(r"^(?:before|after|previously|now|currently|old|new|之前|之后|以前|现在)\b", re.IGNORECASE)
_DECORATION = re.compile(r"^[\s#>*_\-+]*|[\s*_:：]*$")
_MAX_HEADER = 90

WORKING, FAILING, NEUTRAL = "working", "failing", "neutral"


@dataclass(frozen=True, slots=True)
class Section:
    start: int  # position in the line list of the header
    end: int  # one past the last line
    role: str
    header: str


# Why a section was the one read: English and Chinese
_REASONS = {
    "marked-failing": ("the section marked as failing", "标明出错的那一段"),
    "not-marked-working": ("the section not marked as working", "未标明正常的那一段"),
    "holds-error": ("the section holding the error", "含有报错信息的那一段"),
    "first": ("the first environment shown", "列出的第一个环境"),
}


@dataclass(frozen=True, slots=True)
class EnvironmentNote:
    """Which environment of a report showing several was read (said on stderr: the findings are about it)."""

    shown: int  # environments the report shows
    reason: str  # a key of _REASONS
    first: int  # line numbers of the section read
    last: int
    header: str  # its header line as the report writes it, at most 60 characters

    def text(self, lang: str = "en") -> str:
        english, chinese = _REASONS[self.reason]
        if lang == "zh":
            return (
                f"报告中有 {self.shown} 个环境；读取了{chinese}"
                f"（第 {self.first}-{self.last} 行：{self.header}），其余未读"
            )
        return (
            f"the report shows {self.shown} environments; read {english} "
            f"(lines {self.first}-{self.last}: {self.header}) and left out the others"
        )


@dataclass(frozen=True, slots=True)
class Choice:
    lines: tuple[Line, ...]  # the lines to read: outside every section, plus the chosen section
    note: EnvironmentNote | None  # what was chosen (None when the report shows one environment)


def _header_role(text: str) -> str | None:
    stripped = text.strip()
    if not stripped or len(stripped) > _MAX_HEADER:
        return None
    marked = (
        stripped.startswith("#")
        or (stripped.startswith("**") and stripped.rstrip(":：").endswith("**"))
        or stripped.endswith((":", "：", "**"))
    )
    core = _DECORATION.sub("", stripped)
    if not core:
        return None
    lead = _LEAD.match(core)
    if not marked and not (lead and len(core) <= 40):
        return None
    if not (_NOUN.search(core) or lead):
        return None
    for expression, role in (
        (_FAILING, FAILING),
        (_WORKING, WORKING),
        (_LATER, FAILING),
        (_EARLIER, WORKING),
    ):
        if expression.search(core):
            return role
    if _NUMBERED.search(core):
        return NEUTRAL
    return None


def sections(lines: Sequence[Line]) -> list[Section]:
    heads: list[tuple[int, str, str]] = []
    for position, line in enumerate(lines):
        role = _header_role(line.text)
        if role is not None:
            heads.append((position, role, line.text.strip()))
    out: list[Section] = []
    for index, (position, role, header) in enumerate(heads):
        end = heads[index + 1][0] if index + 1 < len(heads) else len(lines)
        out.append(Section(position, end, role, header))
    return out


def choose(lines: Sequence[Line], has_error: Callable[[Sequence[Line]], bool]) -> Choice:
    """The lines of the failing environment (and those outside every section), or all lines when the
    report shows one environment. ``has_error`` tells whether some lines hold a known error message."""
    found = sections(lines)
    if len(found) < 2:
        return Choice(tuple(lines), None)
    roles = {section.role for section in found}
    if roles == {WORKING}:
        return Choice(tuple(lines), None)  # "works with X, works with Y": nothing to choose between
    failing = [section for section in found if section.role == FAILING]
    if failing:
        chosen, why = failing[0], "marked-failing"
    else:
        candidates = [section for section in found if section.role != WORKING]
        with_errors = [s for s in candidates if has_error(lines[s.start : s.end])]
        if len(candidates) == 1:
            chosen, why = candidates[0], "not-marked-working"
        elif with_errors:
            chosen, why = with_errors[0], "holds-error"
        else:
            chosen, why = candidates[0] if candidates else found[0], "first"
    dropped = {
        index for section in found if section is not chosen for index in range(section.start, section.end)
    }
    kept = tuple(line for index, line in enumerate(lines) if index not in dropped)
    first, last = lines[chosen.start].number, lines[chosen.end - 1].number
    note = EnvironmentNote(len(found), why, first, last, chosen.header[:60])
    return Choice(kept, note)
