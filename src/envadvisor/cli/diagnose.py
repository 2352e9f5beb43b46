"""``envadvisor diagnose``: what is on this machine (or in a pasted report), and will it work."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from envadvisor.cli import _common
from envadvisor.errors import UsageError

if TYPE_CHECKING:
    from rich.console import RenderableType

    from envadvisor.knowledge.tables import Tables
    from envadvisor.model import Facts, Report


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "diagnose",
        help="detect this machine's deep-learning stack and flag what will not work",
        description="Detect the GPU, driver, the three CUDA versions (driver maximum, toolkit nvcc, "
        "framework build), cuDNN, conda and Python packages without importing any framework, and "
        "report what will not work, why, and how to fix it.",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the report as JSON (docs/report-schema.json)"
    )
    deep = parser.add_argument_group(
        "deep", "prove the prediction: run each installed framework (torch, TensorFlow, JAX) on this machine"
    )
    deep.add_argument(
        "--deep",
        action="store_true",
        help="after the usual report, import each installed framework in a child process of this Python "
        "environment and run a tiny computation on its first GPU; the only mode that imports a framework",
    )
    deep.add_argument(
        "--deep-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="time limit of each framework's child process (default: 60)",
    )
    _common.add_brief_argument(parser)
    _common.add_redact_argument(parser)
    _common.add_fail_on_argument(parser)
    _common.add_lang_argument(parser)
    _common.add_target_arguments(parser)
    parser.set_defaults(func=run)


_TARGET_OPTIONS = (
    ("from_report", "--from"),
    ("target_os", "--os"),
    ("target_arch", "--arch"),
    ("target_gpus", "--gpu"),
    ("target_cc", "--compute-capability"),
    ("target_driver", "--driver"),
    ("target_no_gpu", "--no-gpu"),
)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 1 <= value <= 3600:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"{text!r}: give between 1 and 3600 seconds")
    return value


def _check_deep(args: argparse.Namespace) -> bool:
    deep = bool(getattr(args, "deep", False))
    if getattr(args, "deep_timeout", None) is not None and not deep:
        raise UsageError("--deep-timeout needs --deep")
    if deep:
        given = [flag for dest, flag in _TARGET_OPTIONS if getattr(args, dest, None)]
        if given:
            raise UsageError(
                f"--deep runs the frameworks on this machine; it cannot prove {given[0]} (leave it out)"
            )
    return deep


def _beyond_tables(facts: Facts, tables: Tables) -> bool:
    """Whether torch, TensorFlow or Transformers is newer than the hand tables: only then can the
    rules over the registry release lists (rules/checks/registry.yaml) say anything."""
    transformers = facts.packages.get("transformers")
    checks = ((facts.frameworks.torch.version, tables.torch_newer_than_tables),
              (facts.frameworks.tensorflow.version, tables.tensorflow_newer_than_tables),
              (transformers.version if transformers is not None else None,
               tables.transformers_newer_than_tables))
    return any(version is not None and newer(str(version)) for version, newer in checks)


def build_report(args: argparse.Namespace) -> Report:
    from envadvisor import __version__
    from envadvisor.engine import evaluate
    from envadvisor.model import Report, canonical_name

    deep = _check_deep(args)
    knowledge = _common.knowledge_for(args, ecosystem_rules=False, registry_rules=False)
    gathered = _common.gather_facts(args, knowledge)
    lang = _common.lang_from(args)
    facts, quotes = gathered.facts, gathered.quotes
    proof = facts.proof
    deep_rules = deep or any(p is not None for p in (proof.torch, proof.tensorflow, proof.jax))
    # The ecosystem rules only when one of their packages is installed (or the listing failed).
    ecosystem_rules = "packages" in facts.reasons or any(
        canonical_name(name) in facts.packages for name in knowledge.tables.ecosystem_names)
    registry_rules = _beyond_tables(facts, knowledge.tables)
    if deep_rules or ecosystem_rules or registry_rules:
        knowledge = _common.knowledge_for(args, deep_rules=deep_rules, ecosystem_rules=ecosystem_rules,
                                          registry_rules=registry_rules)
    evaluation = evaluate(knowledge, facts, quotes=quotes, lang=lang)
    if deep:
        from envadvisor.proof import DEFAULT_TIMEOUT, prove

        proven = prove(
            facts,
            evaluation.findings,
            timeout=args.deep_timeout or DEFAULT_TIMEOUT,
            progress=_progress(args.deep_timeout or DEFAULT_TIMEOUT, lang),
        )
        facts, quotes = proven.facts, {**quotes, **proven.quotes}
        evaluation = evaluate(knowledge, facts, quotes=quotes, lang=lang)
    report = Report(
        tool_version=__version__,
        origin=gathered.origin,
        facts=facts,
        findings=evaluation.findings,
        not_evaluated=evaluation.not_evaluated,
        probes=gathered.probes,
        tables_checked=knowledge.checked,
    )
    if getattr(args, "redact", False):
        from envadvisor.redact import redact_report

        report = redact_report(report, learn_from=(gathered.report_text,))
    return report


def run(args: argparse.Namespace) -> int:
    report = build_report(args)
    worst = report.worst()
    if args.json:
        from envadvisor.model import to_data

        _common.print_json(to_data(report))
    else:
        lang = _common.lang_from(args)
        _common.make_console().print(terminal_output(report, lang, brief=bool(getattr(args, "brief", False))))
    return _common.exit_code_for(worst.rank if worst else None, args.fail_on)


def _progress(timeout: float, lang: str) -> Callable[[str], None] | None:
    """A line on stderr before each framework runs (it may take a while), only on a terminal."""
    if not _common.stdout_is_terminal(sys.stderr):
        return None
    text = (
        "envadvisor: 正在子进程中运行 {name}（最多 {seconds:g} 秒）..."
        if lang == "zh"
        else "envadvisor: running {name} in a child process (up to {seconds:g} s)..."
    )

    def say(name: str) -> None:
        print(text.format(name=name, seconds=timeout), file=sys.stderr, flush=True)

    return say


def terminal_output(report: Report, lang: str, *, brief: bool = False) -> RenderableType:
    """What ``diagnose`` draws on a terminal (or a pipe) for ``report``."""
    from envadvisor.render.terminal import report_renderable

    summarize = None if brief else _glossary_summaries(lang)
    return report_renderable(report, lang, summarize=summarize, brief=brief)


def _glossary_summaries(lang: str) -> Callable[[str], str | None]:
    from envadvisor.glossary import load_glossary

    glossary = load_glossary()

    def summarize(term_id: str) -> str | None:
        return glossary.summary(term_id, lang) if glossary.term(term_id) else None

    return summarize
