"""Find every regular expression that reads untrusted text, and build the input that hurts it most.

A backtracking engine (Python's ``re``) is slow on an input when, after a long run of characters some
repetition accepts, the match fails and the engine tries every way of splitting the run between
overlapping repetitions. :func:`adversarial_inputs` builds exactly that for each repetition of a
pattern whose maximum is large or unbounded: a prefix matching everything before the repetition, the
repetition's characters "pumped" to the wanted size, then a character that ends the match. The idea is
the one ReDoS finders use (pumping a star height); this is a small structural version over the parsed
pattern (``re._parser``), no guessing from the pattern's text.

:func:`patterns_in` lists the compiled patterns of a module (module-level, in tuples, lists and
dicts) and the literal patterns passed inline to ``re.match``/``re.search``/... in its source.

Run as a script (``python -m tests.regex_pumping SIZE MODULE ...``) it times every pattern on every
input and prints one JSON line per pattern; the test runs it in a child process so that a pattern
that does blow up is stopped by a timeout instead of hanging the suite.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import json
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

try:  # Python 3.11+
    import re._constants as sre_constants
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

MAXREPEAT = sre_constants.MAXREPEAT
PUMP_FROM = 32  # a repetition allowed at least this many times is pumped
_CATEGORY_CHARS = {
    sre_constants.CATEGORY_DIGIT: "0",
    sre_constants.CATEGORY_NOT_DIGIT: "a",
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_SPACE: "a",
    sre_constants.CATEGORY_WORD: "a",
    sre_constants.CATEGORY_NOT_WORD: " ",
    sre_constants.CATEGORY_LINEBREAK: "\n",
    sre_constants.CATEGORY_NOT_LINEBREAK: "a",
}
_REPEATS = tuple(
    op
    for op in (
        sre_constants.MAX_REPEAT,
        sre_constants.MIN_REPEAT,
        getattr(sre_constants, "POSSESSIVE_REPEAT", None),
    )
    if op is not None
)
_CANDIDATES = " a0.-_:|/\t=,A9x"  # characters tried for negated classes


def _class_chars(items: list[Any]) -> list[str]:
    """Up to three characters an IN (character class) node accepts."""
    negate = any(op is sre_constants.NEGATE for op, _ in items)
    accepted: list[str] = []
    if negate:
        for ch in _CANDIDATES:
            if not any(_accepts(op, av, ch) for op, av in items if op is not sre_constants.NEGATE):
                accepted.append(ch)
        return accepted[:3]
    for op, av in items:
        if op is sre_constants.LITERAL:
            accepted.append(chr(av))
        elif op is sre_constants.RANGE:
            accepted.append(chr(av[0]))
        elif op is sre_constants.CATEGORY:
            accepted.append(_CATEGORY_CHARS.get(av, "a"))
    return list(dict.fromkeys(accepted))[:3]


def _accepts(op: Any, av: Any, ch: str) -> bool:
    code = ord(ch)
    if op is sre_constants.LITERAL:
        return bool(av == code)
    if op is sre_constants.RANGE:
        return bool(av[0] <= code <= av[1])
    if op is sre_constants.CATEGORY:
        probe = {
            sre_constants.CATEGORY_DIGIT: r"\d",
            sre_constants.CATEGORY_NOT_DIGIT: r"\D",
            sre_constants.CATEGORY_SPACE: r"\s",
            sre_constants.CATEGORY_NOT_SPACE: r"\S",
            sre_constants.CATEGORY_WORD: r"\w",
            sre_constants.CATEGORY_NOT_WORD: r"\W",
        }.get(av)
        return bool(probe and re.fullmatch(probe, ch))
    return False


def _chars(node: tuple[Any, Any]) -> list[str]:
    """Characters one node (a single-character matcher) accepts."""
    op, av = node
    if op is sre_constants.LITERAL:
        return [chr(av)]
    if op is sre_constants.NOT_LITERAL:
        return [c for c in _CANDIDATES if ord(c) != av][:3]
    if op is sre_constants.ANY:
        return ["a", " "]
    if op is sre_constants.IN:
        return _class_chars(list(av))
    return []


def _example(seq: Any) -> str:
    """A short string the sequence matches (lookarounds and anchors ignored)."""
    out = []
    for op, av in seq:
        if op in _REPEATS:
            low, _high, body = av
            out.append(_example(body) * low)
        elif op is sre_constants.SUBPATTERN:
            out.append(_example(av[-1]))
        elif op is getattr(sre_constants, "ATOMIC_GROUP", None):
            out.append(_example(av))
        elif op is sre_constants.BRANCH:
            out.append(_example(av[1][0]))
        elif op in (sre_constants.LITERAL, sre_constants.NOT_LITERAL, sre_constants.ANY, sre_constants.IN):
            chars = _chars((op, av))
            out.append(chars[0] if chars else "")
    return "".join(out)


def _units(body: Any) -> list[str]:
    """Strings to repeat for a repetition's body: each single character it accepts, or its example."""
    if len(body) == 1 and body[0][0] in (
        sre_constants.LITERAL,
        sre_constants.NOT_LITERAL,
        sre_constants.ANY,
        sre_constants.IN,
    ):
        return _chars(body[0])
    example = _example(body)
    return [example] if example else []


def _pumps(seq: Any, prefix: str) -> Iterator[tuple[str, str]]:
    """(prefix, unit) for every pumpable repetition in ``seq``, recursively."""
    done = ""
    for op, av in seq:
        if op in _REPEATS:
            _low, high, body = av
            if high is MAXREPEAT or high >= PUMP_FROM:
                for unit in _units(body):
                    yield prefix + done, unit
            yield from _pumps(body, prefix + done)
        elif op is sre_constants.SUBPATTERN:
            yield from _pumps(av[-1], prefix + done)
        elif op is getattr(sre_constants, "ATOMIC_GROUP", None):
            yield from _pumps(av, prefix + done)
        elif op is sre_constants.BRANCH:
            for branch in av[1]:
                yield from _pumps(branch, prefix + done)
        done += _example([(op, av)])


def adversarial_inputs(pattern: re.Pattern[str], size: int) -> list[str]:
    """Inputs of about ``size`` characters that pump each large repetition of ``pattern``."""
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    seen: set[tuple[str, str]] = set()
    inputs = []
    for prefix, char in _pumps(list(parsed), ""):
        # the repetition's character pumped after one prefix (one long attempt), and the prefix with
        # that character pumped together (an attempt starting at every repeat, each running far)
        units = [char] if not prefix or len(prefix) > 64 else [char, prefix + char]
        for unit in units:
            if (prefix, unit) in seen or not unit:
                continue
            seen.add((prefix, unit))
            body = unit * max(1, (size - len(prefix)) // len(unit))
            for end in ("\x00", "\n"):
                inputs.append(prefix + body + end)
    return inputs


# ------------------------------------------------------------------------------- finding patterns
def untrusted_reader_modules() -> list[str]:
    """Every module that reads text written by someone else: pasted reports and their readers, probes
    (tool output, files on the machine), fleet node reports, environment files, overrides, redaction and
    display cleaning. A new importer or probe module is included by itself."""
    import pkgutil

    import envadvisor.importers
    import envadvisor.probes

    names = {"envadvisor.importers", "envadvisor.probes"}
    for package in (envadvisor.importers, envadvisor.probes):
        names.update(m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + "."))
    names.update(
        f"envadvisor.{name}" for name in ("redact", "safetext", "fleet", "envfile", "lint", "target", "model")
    )
    return sorted(names)


_RE_FUNCTIONS = {"compile", "match", "search", "fullmatch", "findall", "finditer", "sub", "subn", "split"}


_ANCHORED = frozenset({"match", "fullmatch"})


def patterns_in(module_name: str) -> dict[str, tuple[re.Pattern[str], bool]]:
    """Every pattern of a module: compiled at module level (also inside tuples, lists, dicts), module-level
    pattern strings and literal patterns passed inline to the ``re`` functions (the error signatures of
    data/signatures.yaml run only inside windows around their anchor words: tests/test_hostile_regex.py
    times them the way the matcher runs them). Keys name where each was found; the flag says
    the source only ever anchors it (``.match``/``.fullmatch``), so a search over every start position
    is not how it runs."""
    module = importlib.import_module(module_name)
    try:
        tree: ast.AST | None = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        tree = None
    # how each module-level name is used: _X.match(...) / _X.search(...) / re.search(_X, ...)
    uses: dict[str, set[str]] = {}
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if isinstance(target, ast.Name) and target.id != "re":
                uses.setdefault(target.id, set()).add(node.func.attr)
            elif isinstance(target, ast.Name) and node.args and isinstance(node.args[0], ast.Name):
                uses.setdefault(node.args[0].id, set()).add(node.func.attr)
    found: dict[str, tuple[re.Pattern[str], bool]] = {}

    def anchored(name: str) -> bool:
        used = uses.get(name)
        return bool(used) and used <= _ANCHORED  # type: ignore[operator]

    def add(where: str, value: Any, name: str = "") -> None:
        if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
            found.setdefault(where, (value, anchored(name)))
        elif isinstance(value, (tuple, list)):
            for i, item in enumerate(value):
                add(f"{where}[{i}]", item)
        elif isinstance(value, dict):
            for key, item in value.items():
                add(f"{where}[{key!r}]", item)

    for name, value in vars(module).items():
        add(f"{module_name}.{name}", value, name)
        if isinstance(value, type) and name.endswith("Patterns"):  # compiled lazily, on first use
            for attr, pattern in vars(value()).items():
                add(f"{module_name}.{name}.{attr}", pattern)
        if isinstance(value, str) and name.startswith("_") and name.lstrip("_").isupper():
            # a module-level pattern string (re.search(_PATTERN, text)); a non-pattern costs nothing
            with contextlib.suppress(re.error):
                add(f"{module_name}.{name}", re.compile(value), name)
    for node in ast.walk(tree) if tree is not None else ():
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in _RE_FUNCTIONS or not (
            isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
        ):
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Name) and isinstance(getattr(module, first.id, None), str):
            first = ast.Constant(getattr(module, first.id))  # a module-level pattern string
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            flags = 0
            for arg in node.args[1:]:
                if isinstance(arg, ast.Attribute) and arg.attr in ("IGNORECASE", "I", "MULTILINE", "M"):
                    flags |= getattr(re, arg.attr)
            for keyword in node.keywords:
                if keyword.arg == "flags" and isinstance(keyword.value, ast.Attribute):
                    flags |= getattr(re, keyword.value.attr, 0)
            try:
                compiled = re.compile(first.value, flags)
            except re.error:
                continue
            found.setdefault(f"{module_name}:{node.lineno}", (compiled, node.func.attr in _ANCHORED))
    return found


def time_patterns(module_names: list[str], size: int, *, trace: bool = False) -> Iterator[dict[str, Any]]:
    """For each pattern: the slowest of its adversarial inputs (search and finditer to the end), in CPU
    seconds (a loaded machine does not make a pattern look slow). A pattern found twice is timed once."""
    seen: set[tuple[str, int]] = set()
    for module_name in module_names:
        for where, (pattern, is_anchored) in patterns_in(module_name).items():
            if (pattern.pattern, pattern.flags) in seen:
                continue
            seen.add((pattern.pattern, pattern.flags))
            if trace:
                print(json.dumps({"start": where}), flush=True)
            worst, worst_input = 0.0, ""
            inputs = adversarial_inputs(pattern, size)
            for text in inputs:
                start = time.process_time()
                if is_anchored:
                    pattern.match(text)
                    pattern.fullmatch(text)
                else:
                    pattern.search(text)
                    for _ in pattern.finditer(text):
                        pass
                elapsed = time.process_time() - start
                if elapsed > worst:
                    worst, worst_input = elapsed, repr(text[:40])
            yield {
                "pattern": where,
                "anchored": is_anchored,
                "inputs": len(inputs),
                "worst_s": round(worst, 4),
                "input": worst_input,
            }


if __name__ == "__main__":
    size_arg, *modules = sys.argv[1:]
    modules = modules or untrusted_reader_modules()
    for row in time_patterns(modules, int(size_arg), trace=True):
        print(json.dumps(row), flush=True)
