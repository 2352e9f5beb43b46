"""``envadvisor check FILE``: lint an environment.yml and hold it against the target."""

from __future__ import annotations

import argparse
from typing import Any

from envadvisor.cli import _common


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="lint an environment.yml and check it fits this machine (or a described one)",
        description="Check an environment.yml: legacy channels and packages, conda spec pitfalls, pip/conda "
        "mixing, two pip blocks, unknown keys; then what it would install, held against the target with the "
        "same rules as diagnose (driver, GPU architecture, Python range, framework versions).",
    )
    parser.add_argument("file", metavar="FILE", help="the environment.yml to check")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    _common.add_brief_argument(parser)
    _common.add_redact_argument(parser)
    _common.add_fail_on_argument(parser)
    _common.add_lang_argument(parser)
    _common.add_target_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from envadvisor.check import check
    from envadvisor.envfile import read

    env = read(args.file)  # a broken file is one line and exit 2 before any probing
    env_text = _text_for_redaction(args)
    knowledge = _common.knowledge_for(args)
    gathered = _common.gather_facts(args, knowledge)
    lang = _common.lang_from(args)
    result = check(env, gathered.facts, knowledge, lang=lang)
    if args.json:
        from envadvisor.model import to_data

        payload = {
            "file": args.file,
            "findings": [to_data(f) for f in result.findings],
            "not_evaluated": [to_data(n) for n in result.not_evaluated],
            "installs": to_data(result.installed),
            "target": to_data(gathered.facts.os) | {"gpu": to_data(gathered.facts.gpu)},
            "tables_checked": knowledge.checked,
        }
        if args.redact:
            from envadvisor.redact import redact_data

            payload = redact_data(payload, learn_from=(gathered.report_text, env_text))
        _common.print_json(payload)
    else:
        from envadvisor.render.check import check_renderable

        path = args.file
        if args.redact:
            from envadvisor.redact import redact_data

            learn_from = (gathered.report_text, env_text)
            result, path = _redacted(result, learn_from), redact_data(path, learn_from=learn_from)
        _common.make_console().print(check_renderable(result, path, lang, brief=args.brief))
    worst = result.worst()
    return _common.exit_code_for(worst.rank if worst else None, args.fail_on)


def _text_for_redaction(args: argparse.Namespace) -> str:
    """The environment file's text, for --redact to learn the names it shows (its prefix's home)."""
    import os

    if not args.redact or not os.path.isfile(args.file):  # stdin or a pipe cannot be read twice
        return ""
    from envadvisor.envfile import MAX_BYTES
    from envadvisor.errors import InputError
    from envadvisor.fsutil import read_user_text

    try:
        return read_user_text(args.file, limit=MAX_BYTES, what="an environment file")[0]
    except InputError:
        return ""


def _redacted(result: Any, learn_from: tuple[str, ...]) -> Any:
    """The check result with its findings and target facts redacted (as data, before the layout)."""
    from envadvisor.model import Facts, Finding, from_data, replace, to_data
    from envadvisor.redact import redact_data

    findings = tuple(
        from_data(Finding, redact_data(to_data(f), learn_from=learn_from)) for f in result.findings
    )
    facts = from_data(Facts, redact_data(to_data(result.env_facts), learn_from=learn_from))
    return replace(result, findings=findings, env_facts=facts)
