"""``envadvisor rules``: list every rule of the knowledge base and the date its tables were checked."""

from __future__ import annotations

import argparse
import sys
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
        rules.append({key: doc[key] for key in ("code", "name", "severity", "category", "summary",
                                                 "confidence", "added_in")})
    from envadvisor.knowledge.age import stale_notice, tables_age_days

    return {"tables_checked": knowledge.checked, "tables_age_days": tables_age_days(knowledge.checked),
            "tables_notice": stale_notice(knowledge.checked, lang), "count": len(rules), "rules": rules}


def run(args: argparse.Namespace) -> int:
    knowledge = _common.knowledge_for(args, deep_rules=True)  # the whole catalogue
    lang = _common.lang_from(args)
    data = listing(knowledge, lang)
    if args.json:
        _common.print_json(data)
        return 0
    if not _common.stdout_is_terminal():
        out = sys.stdout
        out.write(f"{data['count']} rules; compatibility tables checked {data['tables_checked']}\n")
        for r in data["rules"]:
            out.write(f"{r['code']}  {r['severity']:<7}  {r['category']:<26}  {r['name']}: {r['summary']}\n")
        if data["tables_notice"]:
            out.write(data["tables_notice"] + "\n")
        return 0
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"{data['count']} rules · tables checked {data['tables_checked']}", show_lines=False)
    for column in ("code", "severity", "category", "name", "summary"):
        table.add_column(column, overflow="fold")
    styles = {"error": "bold red", "warning": "yellow", "info": "cyan"}
    for r in data["rules"]:
        table.add_row(r["code"], Text(r["severity"], style=styles[r["severity"]]), r["category"], r["name"],
                      r["summary"])
    console = _common.make_console()
    console.print(table)
    if data["tables_notice"]:
        console.print(data["tables_notice"], style="yellow", markup=False)
    return 0
