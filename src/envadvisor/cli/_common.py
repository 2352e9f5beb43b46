"""Arguments and plumbing shared by the commands that judge a machine.

The same target overrides, ``--from`` report reading, language choice and output handling serve
``diagnose``, ``propose``, ``check``, ``why`` and ``fleet``; keeping them here keeps the commands short
and their behaviour identical.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from envadvisor.errors import UsageError
from envadvisor.records import record

if TYPE_CHECKING:
    from rich.console import Console

    from envadvisor.knowledge import Knowledge
    from envadvisor.model import Facts, Origin, ProbeOutcome
    from envadvisor.target import TargetOverrides


FAIL_ON_CHOICES = ("error", "warning", "never")


def add_target_arguments(parser: argparse.ArgumentParser, *, with_from: bool = True) -> None:
    group = parser.add_argument_group(
        "target", "describe another machine instead of this one (overridden facts are marked)"
    )
    if with_from:
        group.add_argument(
            "--from",
            dest="from_report",
            metavar="REPORT",
            help="read the facts from a saved or pasted report (diagnose --json, collect_env, "
            "transformers env, nvidia-smi, issue text; '-' for stdin) instead of this machine",
        )
        group.add_argument(
            "--format",
            dest="report_format",
            metavar="NAME",
            help="force the report format of --from instead of detecting it",
        )
    group.add_argument("--os", dest="target_os", metavar="OS", help="linux | windows | macos")
    group.add_argument("--arch", dest="target_arch", metavar="ARCH", help="x86_64 | aarch64 | arm64")
    group.add_argument(
        "--gpu",
        dest="target_gpus",
        action="append",
        default=[],
        metavar="NAME",
        help="an NVIDIA GPU by name, e.g. 'RTX 4090' (repeatable); its compute capability comes from "
        "the GPU table",
    )
    group.add_argument("--compute-capability", dest="target_cc", metavar="X.Y")
    group.add_argument(
        "--driver",
        dest="target_driver",
        metavar="VERSION",
        help="NVIDIA driver, e.g. 550.144.03, or its branch: 580, R570 (patch level then unknown)",
    )
    group.add_argument(
        "--no-gpu", dest="target_no_gpu", action="store_true", help="a machine without NVIDIA GPU"
    )
    group.add_argument(
        "--glibc", dest="target_glibc", metavar="X.Y", help="the target's glibc (Linux), e.g. 2.17: CentOS 7"
    )
    group.add_argument(
        "--os-version",
        dest="target_os_version",
        metavar="X.Y",
        help="the target's OS release, e.g. 13.6 for macOS Ventura or 22.04 for Ubuntu",
    )
    group.add_argument(
        "--rules",
        dest="extra_rules",
        action="append",
        default=[],
        metavar="FILE",
        help="add local rules from a YAML file (validated like the built-in ones; repeatable)",
    )


def add_lang_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--lang",
        choices=("en", "zh"),
        help="language of explanations (default: from LC_ALL/LANG, zh* gives Chinese, else English)",
    )


def add_redact_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redact",
        action="store_true",
        help="remove host and user names, home paths, GPU UUIDs and serials, secrets (for pasting in public)",
    )


def add_brief_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--brief",
        action="store_true",
        help="one line per finding (severity, code, message) and its first fix; no why, no references",
    )


def add_fail_on_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default="error",
        help="exit 1 when a finding reaches this severity (default: error)",
    )


def lang_from(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> str:
    from envadvisor.lang import lang_from as choose

    return choose(args, os.environ if environ is None else environ)


def target_from_args(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> TargetOverrides:
    from envadvisor.target import TargetOverrides

    return TargetOverrides.from_values(
        os=getattr(args, "target_os", None),
        arch=getattr(args, "target_arch", None),
        gpus=getattr(args, "target_gpus", None) or (),
        compute_capability=getattr(args, "target_cc", None),
        driver=getattr(args, "target_driver", None),
        no_gpu=bool(getattr(args, "target_no_gpu", False)),
        glibc=getattr(args, "target_glibc", None),
        os_version=getattr(args, "target_os_version", None),
        environ=os.environ if environ is None else environ,
    )


def knowledge_for(args: argparse.Namespace, *, deep_rules: bool = False,
                  ecosystem_rules: bool = True, registry_rules: bool = True) -> Knowledge:
    """The knowledge base with the user's ``--rules``; the rules over ``diagnose --deep``'s proof facts
    only when asked (``deep_rules``), since no other facts hold a proof; the rules over the ecosystem
    packages unless left out (``ecosystem_rules``: diagnose adds them once it sees one installed)."""
    from envadvisor.knowledge import load_knowledge

    extra = tuple(getattr(args, "extra_rules", None) or ())
    for path in extra:
        if not os.path.isfile(path):
            raise UsageError(f"--rules {path}: no such file")
    return load_knowledge(extra_rule_files=extra, deep_rules=deep_rules, ecosystem_rules=ecosystem_rules,
                          registry_rules=registry_rules)


@record
class GatheredFacts:
    facts: Facts
    origin: Origin
    probes: tuple[ProbeOutcome, ...]
    quotes: Mapping[str, tuple[str, ...]]
    report_text: str = ""  # a --from report as read (--redact learns the names it shows)


def gather_facts(args: argparse.Namespace, knowledge: Knowledge) -> GatheredFacts:
    """Facts for the command's target: this machine or a report, then the overrides on top."""
    from envadvisor.model import Origin
    from envadvisor.target import apply_overrides

    target = target_from_args(args)  # validate overrides before any slow work
    report_path = getattr(args, "from_report", None)
    quotes: Mapping[str, tuple[str, ...]] = {}
    probes: tuple[ProbeOutcome, ...] = ()
    report_text = ""
    if report_path:
        from envadvisor.importers import read_report_file

        imported = read_report_file(report_path, format=getattr(args, "report_format", None))
        facts = imported.facts
        quotes = imported.quotes
        report_text = imported.text
        origin = Origin(kind="report", path=report_path, formats=tuple(imported.formats))
        if imported.note:  # two environments in one paste: say which one the findings are about
            _say_which_environment(args, report_path, imported.note.text(lang_from(args)), imported.text)
    else:
        if getattr(args, "report_format", None):
            raise UsageError("--format needs --from REPORT")
        from envadvisor.probes import collect

        facts, probes = collect()
        origin = Origin(kind="machine")
    facts = complete_driver_cuda(facts, knowledge)
    facts = apply_overrides(facts, target, knowledge.tables)
    return GatheredFacts(facts=facts, origin=origin, probes=probes, quotes=quotes, report_text=report_text)


def _say_which_environment(args: argparse.Namespace, report_path: str, note: str, report_text: str) -> None:
    """One line on stderr. It quotes the report's header line and names the file: under ``--redact``
    the names the report shows are removed as in the report itself, and nothing reaches the terminal
    as an escape (write_text)."""
    line = f"{report_path}: {note}"
    if getattr(args, "redact", False):
        from envadvisor.redact import redact_data

        line = str(redact_data(line, learn_from=(report_text,)))
    write_text(f"envadvisor: {line}\n", sys.stderr)


def complete_driver_cuda(facts: Facts, knowledge: Knowledge) -> Facts:
    """When only the driver version is known, infer its CUDA from the tables, marked as inferred."""
    from envadvisor.model import replace

    gpu = facts.gpu
    if gpu.driver_cuda is not None or gpu.driver_version is None:
        return facts
    inferred = knowledge.tables.max_cuda_for_driver(gpu.driver_version, facts.os.system)
    if inferred is None:
        return facts
    sources = dict(facts.sources)
    sources["gpu.driver_cuda"] = f"inferred from driver {gpu.driver_version} (CUDA toolkit driver table)"
    reasons = dict(facts.reasons)
    reasons.pop("gpu.driver_cuda", None)
    return replace(
        facts,
        gpu=replace(gpu, driver_cuda=inferred, driver_cuda_inferred=True),
        sources=sources,
        reasons=reasons,
    )


def exit_code_for(worst_rank: int | None, fail_on: str) -> int:
    """0 when nothing reaches ``--fail-on``, 1 otherwise (ranks: error 2, warning 1, info 0)."""
    if fail_on == "never" or worst_rank is None:
        return 0
    threshold = 2 if fail_on == "error" else 1
    return 1 if worst_rank >= threshold else 0


def stdout_is_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# the width of output that does not go to a terminal (a pipe, a file), unless COLUMNS says otherwise
PIPE_COLUMNS = 120
# narrower than this the output is not laid out for (the renderables are tested from 60 columns up)
MIN_COLUMNS = 40


def output_width(stream: TextIO | None = None, environ: Mapping[str, str] | None = None) -> int | None:
    """The columns to lay the output out in: ``COLUMNS`` when set, else the terminal's own width (rich
    asks it, ``None`` here), else :data:`PIPE_COLUMNS` for a pipe or file."""
    from envadvisor.safetext import parse_int

    environ = os.environ if environ is None else environ
    columns = parse_int(environ.get("COLUMNS", ""), digits=5)  # "²" or 5,000 digits are no width
    if columns:
        return max(columns, MIN_COLUMNS)
    stream = stream or sys.stdout
    if not stdout_is_terminal(stream):
        return PIPE_COLUMNS
    # the terminal's own width, asked here: rich would take COLUMNS=0 (or junk) at its word and print
    # nothing at all
    try:
        return max(os.get_terminal_size(stream.fileno()).columns, MIN_COLUMNS)
    except (AttributeError, ValueError, OSError):
        return 80


def make_console(stream: TextIO | None = None, *, width: int | None = None) -> Console:
    """A rich console that is plain (no colour, no box-drawing surprises) when not a terminal.

    Its width is the terminal's (or ``COLUMNS``, also for a pipe: ``COLUMNS=80 envadvisor diagnose |
    less`` lays the report out for 80 columns); a pipe without ``COLUMNS`` gets 120.
    """
    console_class = _data_safe_console()

    stream = stream or sys.stdout
    terminal = stdout_is_terminal(stream)
    return console_class(
        file=stream,
        force_terminal=terminal,
        no_color=("NO_COLOR" in os.environ) or not terminal,
        width=width or output_width(stream),
        highlight=False,
        soft_wrap=False,
        emoji=False,
        # text is never markup: a path like /home/[redacted]/x or a GPU name with "[/]" is data;
        # styles come from Text objects only
        markup=False,
        # rich reads COLUMNS and LINES itself and takes "0", "²" or 5,000 digits at their word (no output,
        # or an int() traceback): it sees them only when they are a usable size
        _environ=_sizes_that_are_sizes(os.environ),
    )


def _sizes_that_are_sizes(environ: Mapping[str, str]) -> dict[str, str]:
    from envadvisor.safetext import parse_int

    return {
        key: value
        for key, value in environ.items()
        if key not in ("COLUMNS", "LINES") or parse_int(value, digits=5)
    }


def write_text(text: str, stream: TextIO | None = None) -> None:
    """Plain text output (check, why, explain, rules without a terminal): line breaks kept, nothing a
    terminal would act on (escape sequences, other controls, bidirectional overrides) passed through."""
    from envadvisor.safetext import printable

    (stream or sys.stdout).write(printable(text, keep_newlines=True))


_SAFE_CONSOLE: type[Console] | None = None


def _data_safe_console() -> type[Console]:
    """rich's Console whose output never carries a control character from the data.

    Text from reports, files and tools (a GPU name, a path, a package) can hold escape sequences
    (``\\e]0;title\\a``, ``\\e[2J``), other controls, bidirectional overrides or lone surrogates;
    rich passes most of them through. Every segment rendered is cleaned
    (:func:`envadvisor.safetext.printable`) on its way out, whatever renderer built it; rich's own
    control segments (cursor moves of a progress bar) and styles are untouched.
    """
    global _SAFE_CONSOLE
    if _SAFE_CONSOLE is None:
        from rich.console import Console
        from rich.segment import Segment

        from envadvisor.safetext import printable

        class DataSafeConsole(Console):
            def render(self, renderable: Any, options: Any = None) -> Any:
                for segment in super().render(renderable, options):
                    text = segment.text
                    if segment.control is None and not text.isprintable() and text != "\n":
                        cleaned = printable(text, keep_newlines=True)
                        if cleaned != text:
                            segment = Segment(cleaned, segment.style, segment.control)
                    yield segment

        _SAFE_CONSOLE = DataSafeConsole
    return _SAFE_CONSOLE


def print_json(data: Any, stream: TextIO | None = None) -> None:
    """JSON on ``stream``; characters a terminal would act on (C1 controls, bidirectional overrides,
    line separators, lone surrogates) are written as ``\\uXXXX`` escapes, which JSON reads back the same."""
    stream = stream or sys.stdout
    text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False)
    if not text.isascii():  # only then can it hold what a terminal acts on
        from envadvisor.safetext import json_safe

        text = json_safe(text)
    stream.write(text)
    stream.write("\n")
