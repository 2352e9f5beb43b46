"""``envadvisor explain TOPIC``: what a component is (glossary term) or what a rule checks (rule code)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from envadvisor.cli import _common

if TYPE_CHECKING:
    from envadvisor.glossary import Glossary


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "explain",
        help="explain a component (pytorch, cuda, conda-forge ...) or a rule code, in English or Chinese",
        description="Explain a component of a deep-learning environment (what it is, key features, when to "
        "use it, how it relates to the others, install notes, references) or a rule by its code or name. "
        "TOPIC is a term id or alias, case-insensitive: 'torch', 'nvcc', 'Transformer' (the architecture) "
        "and 'transformers' (the Hugging Face library) all work.",
    )
    parser.add_argument("topic", nargs="?", metavar="TOPIC", help="a term, an alias, or a rule code/name")
    parser.add_argument("--list", action="store_true", help="list every term of the glossary")
    parser.add_argument("--json", action="store_true", help="print the explanation as JSON")
    _common.add_lang_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    from envadvisor.errors import UsageError
    from envadvisor.glossary import load_glossary
    from envadvisor.lang import lang_from
    from envadvisor.render import explain as render

    lang = lang_from(args, os.environ)
    glossary = load_glossary()
    if args.list:
        if args.topic:
            raise UsageError("give either a TOPIC or --list, not both")
        if args.json:
            _common.print_json(render.term_list_data(glossary, lang))
        else:
            _emit(render.term_list_text(glossary, lang), lambda: render.term_list_renderable(glossary, lang))
        return 0
    if not args.topic or not args.topic.strip():
        raise UsageError("explain needs a TOPIC (a term such as pytorch, or a rule code) or --list")

    term = glossary.term(args.topic)
    if term is not None:
        if args.json:
            _common.print_json(render.term_data(term, glossary, lang))
        else:
            doc = render.term_doc(term, glossary, lang)
            _emit(render.doc_text(doc), lambda: render.doc_renderable(doc))
        return 0

    rule_doc = _rule_doc(args.topic, lang)  # a rule or lint code/name
    if rule_doc is not None:
        if args.json:
            _common.print_json(render.rule_data(rule_doc, lang))
        else:
            doc = render.rule_doc(rule_doc, glossary, lang)
            _emit(render.doc_text(doc), lambda: render.doc_renderable(doc))
        return 0
    raise UsageError(unknown_topic_message(args.topic, glossary))


def _rule_doc(topic: str, lang: str) -> dict[str, Any] | None:
    """The documentation of a rule (knowledge base) or a file lint (EA9xx), by code or name; else ``None``.

    A checkout without the knowledge base or the lint catalogue explains terms only.
    """
    for doc in _documented(lang):
        if doc["code"] == topic.strip().upper() or doc["name"] == topic.strip().lower():
            return doc
    return None


def _documented(lang: str) -> list[dict[str, Any]]:
    """Every documented check: the rules of the knowledge base, then the environment-file lints."""
    docs: list[dict[str, Any]] = []
    try:
        from envadvisor.knowledge import load_knowledge
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("envadvisor"):
            raise
    else:
        docs.extend(rule.doc(lang) for rule in load_knowledge().rules)
    try:
        from envadvisor.lint import catalogue
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("envadvisor"):
            raise
    else:
        docs.extend(lint.doc(lang) for lint in catalogue().values())
    return docs


def _rule_names() -> list[str]:
    try:
        docs = _documented("en")
    except Exception:  # suggestions are a courtesy: a broken rules file must not hide the real answer
        return []
    return [name for doc in docs for name in (doc["code"], doc["name"])]


def unknown_topic_message(topic: str, glossary: Glossary) -> str:
    """``unknown topic 'pytorh' (did you mean pytorch?)``: the closest term, or rule code or name."""
    import difflib

    from envadvisor.glossary import lookup_key

    hint = glossary.did_you_mean(topic)
    if not glossary.suggest(topic, limit=1):
        names = {name.lower(): name for name in _rule_names()}
        close = difflib.get_close_matches(lookup_key(topic), list(names), n=1, cutoff=0.75)
        if close:
            hint = f" (did you mean {names[close[0]]}?)"
    return f"unknown topic '{topic.strip()}'{hint}"


def _emit(text: str, renderable: Any) -> None:
    """Rich output on a terminal (NO_COLOR honoured by the console); plain text when piped."""

    if _common.stdout_is_terminal():
        _common.make_console().print(renderable())
    else:
        _common.write_text(text)
