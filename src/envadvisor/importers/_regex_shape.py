"""What a signature's regex must contain and may not contain, read from the regex itself.

Two questions about a pattern, answered from Python's own parse of it (``re._parser``):

* :func:`anchors`: whole words (runs of letters, digits and ``_``) every match must contain. A report's
  lines are cut into such words once; a set intersection per line then finds the few lines worth a
  regex, whatever the number of signatures.
* :func:`shape_problem`: why a pattern could take more than linear time (an unbounded repeat, or bounded
  repeats nested so deep that one position costs thousands of steps). Signatures run over text anyone
  pastes, so every repeat in them is bounded.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

try:  # Python 3.11+ (the same parser re.compile uses)
    _c: Any = importlib.import_module("re._constants")
    _p: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - Python 3.10
    _c = importlib.import_module("sre_constants")
    _p = importlib.import_module("sre_parse")

MIN_ANCHOR = 4  # a shorter word occurs on too many lines to narrow anything down
MAX_NESTED_STEPS = 4096  # product of the upper bounds of nested repeats

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | (
    {_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set()
)
_GROUPS = {_c.SUBPATTERN} | ({_c.ATOMIC_GROUP} if hasattr(_c, "ATOMIC_GROUP") else set())

# A candidate is a tuple of alternative words: a match contains at least one of them.
_Candidate = tuple[str, ...]

# Words on nearly every line of a GPU log: an anchor among them narrows nothing down, so any other
# word of the pattern is preferred to them.
_COMMON = frozenset(
    (
        "version",
        "versions",
        "library",
        "libraries",
        "available",
        "compiled",
        "cannot",
        "capability",
        "nvidia",
        "cuda",
        "driver",
        "error",
        "errors",
        "found",
        "installed",
        "install",
        "support",
        "supported",
        "environment",
        "initialize",
        "dynamic",
        "devices",
        "device",
        "tensorflow",
        "torch",
        "pytorch",
        "transformers",
        "runtime",
        "failed",
        "could",
        "please",
        "should",
        "which",
        "with",
        "from",
        "that",
        "this",
        "your",
        "have",
        "been",
        "using",
        "python",
        "package",
        "packages",
        "module",
        "import",
        "warning",
        "system",
        "memory",
        "because",
    )
)


def _parse(pattern: str, flags: int) -> Any:
    return _p.parse(pattern, flags)


def _score(candidate: _Candidate) -> int:
    def one(word: str) -> int:
        return len(word) - (100 if word.strip(".,:;'\"()") in _COMMON else 0)

    return min((one(word) for word in candidate), default=0)


def _best(candidates: list[_Candidate]) -> _Candidate | None:
    usable = [c for c in candidates if c and min(len(word) for word in c) >= MIN_ANCHOR]
    return max(usable, key=lambda c: (_score(c), -len(c)), default=None)


_WORD = re.compile(r"[a-z0-9_]+")


def _words(run: list[str], *, left_bounded: bool, right_bounded: bool) -> list[_Candidate]:
    """The whole words of a literal run. A word touching an end of the run may continue in the text
    ("__nvJitLink" before ``\\w{1,40}``, "Torch" after an unanchored start, "PyTorch" then matching),
    so it counts only where a ``\\b``, ``^`` or ``$`` stands at that end."""
    text = "".join(run).lower()
    out: list[_Candidate] = []
    for match in _WORD.finditer(text):
        if (match.start() > 0 or left_bounded) and (match.end() < len(text) or right_bounded):
            out.append((match.group(),))
    return out


def _sequence_candidates(items: Any, *, left_bounded: bool = False) -> list[_Candidate]:
    """Anchor candidates of a sequence of parsed items: every one must match, so any candidate will do.

    ``left_bounded``: a ``\\b`` (or ``^``) stands right before this sequence (the parser moves a prefix
    that all branches of an alternation share, such as ``\\b``, in front of the alternation)."""
    out: list[_Candidate] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        bounded_before = left_bounded and not run
        out.extend(_words(run, left_bounded=left_bounded, right_bounded=op is _c.AT))
        run = []
        if op in _GROUPS:
            body = av[-1]
            out.extend(_sequence_candidates(body, left_bounded=bounded_before))
        elif op in _REPEATS and av[0] >= 1:
            out.extend(_sequence_candidates(av[2]))
        elif op is _c.BRANCH:
            per_branch = [
                _best(_sequence_candidates(branch, left_bounded=bounded_before)) for branch in av[1]
            ]
            if all(per_branch):
                merged = tuple(dict.fromkeys(word for c in per_branch if c for word in c))
                out.append(merged)
        left_bounded = op is _c.AT
    out.extend(_words(run, left_bounded=left_bounded, right_bounded=False))
    return out


def anchors_and_width(pattern: str, flags: int = re.IGNORECASE) -> tuple[tuple[str, ...], int | None]:
    """:func:`anchors` and the longest text a match can span (``None`` when unbounded), from one parse."""
    parsed = _parse(pattern, flags)
    best = _best(_sequence_candidates(parsed))
    high = parsed.getwidth()[1]
    return best or (), (None if high >= _c.MAXREPEAT else int(high))


def required_literal(pattern: str, flags: int = re.IGNORECASE) -> str:
    """The longest run of literal characters every match contains (lower case), or "" for none.

    Only the top-level sequence counts (a run inside an optional group or one branch is not required).
    Testing ``literal in line.lower()`` first skips the regex on most lines that cannot match."""
    return _required_literal(_parse(pattern, flags))


def analyse(pattern: str, flags: int = re.IGNORECASE) -> tuple[tuple[str, ...], int | None, str]:
    """:func:`anchors`, the longest text a match can span (``None`` when unbounded) and
    :func:`required_literal`, from one parse."""
    parsed = _parse(pattern, flags)
    best = _best(_sequence_candidates(parsed))
    high = parsed.getwidth()[1]
    return best or (), (None if high >= _c.MAXREPEAT else int(high)), _required_literal(parsed)


def _required_literal(parsed: Any) -> str:
    best = ""
    run: list[str] = []
    for op, av in parsed:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        if len(run) > len(best):
            best = "".join(run)
        run = []
    if len(run) > len(best):
        best = "".join(run)
    return best.lower()


def anchors(pattern: str, flags: int = re.IGNORECASE) -> tuple[str, ...]:
    """Lower-case words of which every match contains at least one; empty when there are none.

    A word, not a phrase: a message wrapped over two lines still contains each of its words whole.
    """
    best = _best(_sequence_candidates(_parse(pattern, flags)))
    return best or ()


def _walk_shape(items: Any, nesting: int) -> str | None:
    for op, av in items:
        if op in _REPEATS:
            _low, high, body = av
            if high is _c.MAXREPEAT:
                return "an unbounded repeat (*, + or {n,}); bound it, e.g. {0,200}"
            steps = nesting * max(int(high), 1)
            if steps > MAX_NESTED_STEPS:
                return f"nested repeats allow {steps} steps at one position (limit {MAX_NESTED_STEPS})"
            problem = _walk_shape(body, steps)
        elif op in _GROUPS:
            problem = _walk_shape(av[-1], nesting)
        elif op is _c.BRANCH:
            problem = next((p for b in av[1] if (p := _walk_shape(b, nesting))), None)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            problem = _walk_shape(av[1], nesting)
        elif op is _c.GROUPREF_EXISTS:
            problem = "a conditional group"
        else:
            problem = None
        if problem:
            return problem
    return None


def shape_problem(pattern: str, flags: int = re.IGNORECASE) -> str | None:
    """Why the pattern could cost more than linear time over hostile text, or ``None``."""
    return _walk_shape(_parse(pattern, flags), 1)
