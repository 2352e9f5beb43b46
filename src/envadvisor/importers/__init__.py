"""Read pasted reports into :class:`~envadvisor.model.Facts`: ``envadvisor diagnose --from FILE``.

A report is what someone pasted into an issue: PyTorch's collect_env, vLLM's collect-env,
``transformers env`` / ``accelerate env`` bullets, nvidia-smi, issue-form answers, ``conda list``,
``pip freeze``, tracebacks and prose, often several at once. Every detector runs; each format's parser
turns the lines it understands into observations; :mod:`._merge` settles them by precedence and keeps,
for every fact, the format and line it came from (``Facts.sources``) and the raw lines (``quotes``).
Well-known error messages (:mod:`.signatures`) become ``Facts.evidence.signatures``.

The facts come from the text only: nothing of the machine running envadvisor leaks in, and what the
text does not say stays ``None`` with a reason. Arbitrary text never raises; only input that is not a
report at all (empty, binary, larger than :data:`MAX_BYTES`) is an :class:`~envadvisor.errors.InputError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from envadvisor.errors import EnvAdvisorError, InputError
from envadvisor.fsutil import read_user_text
from envadvisor.importers import (
    collect_env,
    conda_list,
    envadvisor_json,
    free_text,
    hf_env,
    issue_templates,
    nvidia_smi,
    pip_freeze,
    signatures,
    vllm,
)
from envadvisor.importers._base import Line, Parsed, clean_lines, split_lines
from envadvisor.importers._environments import EnvironmentNote
from envadvisor.importers._environments import choose as choose_environment
from envadvisor.importers._merge import Tagged, merge
from envadvisor.model import Facts, printable_facts, replace
from envadvisor.records import field, record

MAX_BYTES = 5 * 1024 * 1024  # a pasted report is kilobytes; megabytes of text are a log, not a report

__all__ = ["FORMATS", "MAX_BYTES", "ImportedReport", "read_report", "read_report_file"]


@record
class _Format:
    name: str
    detect: Callable[[Sequence[Line]], bool]
    parse: Callable[[Sequence[Line]], Parsed]
    sees_consumed: bool = False  # read lines another format already explained (error messages do)


# In precedence order: a structured format claims its lines before a looser one sees them. vLLM comes
# before collect_env because its report also passes the collect_env detector.
_TEXT_FORMATS = (
    _Format(vllm.NAME, vllm.detect, vllm.parse),
    _Format(collect_env.NAME, collect_env.detect, collect_env.parse),
    _Format(nvidia_smi.NAME, nvidia_smi.detect, nvidia_smi.parse),
    _Format(hf_env.NAME, hf_env.detect, hf_env.parse),
    _Format(issue_templates.NAME, issue_templates.detect, issue_templates.parse),
    _Format(conda_list.NAME, conda_list.detect, conda_list.parse),
    _Format(pip_freeze.NAME, pip_freeze.detect, pip_freeze.parse),
    _Format(free_text.NAME, free_text.detect, free_text.parse),
)
FORMATS: tuple[str, ...] = (envadvisor_json.NAME, *(fmt.name for fmt in _TEXT_FORMATS))


@record
class ImportedReport:
    facts: Facts
    formats: tuple[str, ...]  # the formats found, in precedence order ("signatures" when any matched)
    quotes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # fact key or signature id -> lines
    text: str = ""  # the report as read: --redact learns the names it shows (a prompt, a home folder)
    note: EnvironmentNote | None = None  # a report showing two environments: which one was read


def read_report(text: str, *, source_name: str, format: str | None = None) -> ImportedReport:
    """The facts a pasted report states. ``format`` forces one format (signatures still apply)."""
    _check_text(text, source_name)
    if format is not None and format not in FORMATS:
        raise InputError(
            f"{source_name}: unknown report format {format!r}; choose one of {', '.join(FORMATS)}"
        )
    if format in (None, envadvisor_json.NAME) and envadvisor_json.detect_text(text):
        facts = envadvisor_json.read(text)
        if facts is not None:
            return ImportedReport(
                facts=printable_facts(facts), formats=(envadvisor_json.NAME,), quotes={}, text=text
            )
    if format == envadvisor_json.NAME:
        raise InputError(f"{source_name}: not an envadvisor diagnose --json report")

    lines = clean_lines(text)
    # Two environments (working/failing, before/after, machine A/B): read the failing one, never a mix.
    choice = choose_environment(lines, lambda part: bool(signatures.parse(part).observations))
    lines = choice.lines
    raw_lines = split_lines(text)
    tagged: list[Tagged] = []
    found: list[str] = []
    consumed: set[int] = set()
    for fmt in _TEXT_FORMATS:
        if format is not None and fmt.name != format:
            continue
        if fmt.name == collect_env.NAME and vllm.NAME in found:
            continue  # the vLLM reader already read these fields
        visible = lines if fmt.sees_consumed else [line for line in lines if line.number not in consumed]
        if format is None and not fmt.detect(visible):
            continue
        parsed = fmt.parse(visible)
        if not parsed.observations and not parsed.consumed:
            continue
        if fmt.name != free_text.NAME or parsed.observations:
            found.append(fmt.name)
        consumed |= parsed.consumed
        tagged.extend(Tagged(fmt.name, observation) for observation in parsed.observations)
    matched = signatures.parse(lines)
    if matched.observations:
        found.append(signatures.NAME)
        tagged.extend(Tagged(signatures.NAME, observation) for observation in matched.observations)

    merged = merge(tagged, raw_lines, tables=_tables())
    facts = merged.facts
    if not found:
        reasons = dict(facts.reasons)
        reasons["report"] = f"{source_name}: no known report format or version statement found"
        facts = replace(facts, reasons=reasons)
    return ImportedReport(
        facts=printable_facts(facts), formats=tuple(found), quotes=merged.quotes, text=text, note=choice.note
    )


def read_report_file(path_or_dash: str, format: str | None = None) -> ImportedReport:
    """Read a report from a file, or from standard input for ``-``. Bad input is one-line InputError."""
    text, name = read_user_text(path_or_dash, limit=MAX_BYTES, what="a text report")
    return read_report(text, source_name=name, format=format)


def _check_text(text: str, source_name: str) -> None:
    if len(text) > MAX_BYTES:
        raise InputError(f"{source_name}: too large for a report (limit 5 MB)")
    if "\x00" in text:
        raise InputError(f"{source_name}: binary data (NUL bytes), not a text report")
    if not text.strip():
        raise InputError(f"{source_name}: empty report")


def _tables() -> Any:
    """The knowledge tables for compute capabilities, or ``None`` when they cannot be loaded."""
    try:
        from envadvisor.knowledge import load_knowledge

        # the tables are the same in every load; this is the load diagnose itself starts with (cached)
        return load_knowledge(deep_rules=False, ecosystem_rules=False, registry_rules=False).tables
    except (ImportError, EnvAdvisorError, AttributeError):
        return None
