"""``envadvisor rules``: list every rule of the knowledge base and the date its tables were checked."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from envadvisor.cli import _common

if TYPE_CHECKING:
    from envadvisor.knowledge import Knowledge


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "rules",
        help="list every rule (code, name, severity, category, summary) and the tables' date",
        description="List the rules envadvisor checks, with their stable codes, and the date the "
        "compatibility tables were last checked against their sources. `envadvisor explain CODE` "
        "prints one rule's documentation.",
    )
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.add_argument(
        "--rules",
        dest="extra_rules",
        action="append",
        default=[],
        metavar="FILE",
        help="include local rules from a YAML file (validated like the built-in ones; repeatable)",
    )
    _common.add_lang_argument(parser)
    parser.set_defaults(func=run)


def listing(knowledge: Knowledge, lang: str = "en") -> dict[str, Any]:
    """The data ``rules --json`` prints."""
    rules = []
    for rule in knowledge.rules:
        doc = rule.doc(lang)
        rules.append(
            {
                key: doc[key]
                for key in ("code", "name", "severity", "category", "summary", "confidence", "added_in")
            }
        )
    from envadvisor.knowledge.age import stale_notice, tables_age_days

    return {
        "tables_checked": knowledge.checked,
        "tables_age_days": tables_age_days(knowledge.checked),
        "tables_notice": stale_notice(knowledge.checked, lang),
        "count": len(rules),
        "rules": rules,
    }


def run(args: argparse.Namespace) -> int:
    knowledge = _common.knowledge_for(args, deep_rules=True)  # the whole catalogue
    lang = _common.lang_from(args)
    data = listing(knowledge, lang)
    if args.json:
        _common.print_json(data)
        return 0
    from envadvisor.render.explain import RulesView, rules_text

    if not _common.stdout_is_terminal():
        _common.write_text(rules_text(data, lang))
        if data["tables_notice"]:
            _common.write_text(data["tables_notice"] + "\n")
        return 0
    console = _common.make_console()
    console.print(RulesView(data, lang))
    if data["tables_notice"]:
        from envadvisor.render.wrap import Wrap

        console.print(Wrap(data["tables_notice"], style="yellow"))
    return 0
