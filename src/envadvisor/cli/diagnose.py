"""``envadvisor diagnose``: what is on this machine (or in a pasted report), and will it work."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from envadvisor.cli import _common

if TYPE_CHECKING:
    from envadvisor.model import Report


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
    _common.add_redact_argument(parser)
    _common.add_fail_on_argument(parser)
    _common.add_lang_argument(parser)
    _common.add_target_arguments(parser)
    parser.set_defaults(func=run)


def build_report(args: argparse.Namespace) -> Report:
    from envadvisor import __version__
    from envadvisor.engine import evaluate
    from envadvisor.model import Report

    knowledge = _common.knowledge_for(args)
    gathered = _common.gather_facts(args, knowledge)
    evaluation = evaluate(knowledge, gathered.facts, quotes=gathered.quotes, lang=_common.lang_from(args))
    report = Report(
        tool_version=__version__,
        origin=gathered.origin,
        facts=gathered.facts,
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
        from envadvisor.render.terminal import report_renderable

        lang = _common.lang_from(args)
        console = _common.make_console()
        console.print(report_renderable(report, lang, summarize=_glossary_summaries(lang)))
    return _common.exit_code_for(worst.rank if worst else None, args.fail_on)


def _glossary_summaries(lang: str) -> Callable[[str], str | None]:
    from envadvisor.glossary import load_glossary

    glossary = load_glossary()

    def summarize(term_id: str) -> str | None:
        return glossary.summary(term_id, lang) if glossary.term(term_id) else None

    return summarize
