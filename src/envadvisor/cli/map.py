"""``envadvisor map``: how the components relate, as a terminal tree, Mermaid or Graphviz dot."""

from __future__ import annotations

import argparse

from envadvisor.cli import _common

FORMATS = ("tree", "mermaid", "dot")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "map",
        help="draw how the components relate (terminal tree, Mermaid or Graphviz dot)",
        description="Draw the typed relations of the glossary (runs on, accelerated by, installs, manages, "
        "implements, built with ...): a tree in the terminal, or Mermaid / Graphviz dot text for documents.",
    )
    parser.add_argument("term", nargs="?", metavar="TERM", help="only the relations of this term")
    parser.add_argument(
        "--core",
        action="store_true",
        help="only the seven components of the seed glossary (PyTorch, TensorFlow, Transformer, "
        "Transformers, Anaconda, conda, CUDA) and what they stand on",
    )
    parser.add_argument("--format", choices=FORMATS, default="tree", help="output format (default: tree)")
    _common.add_lang_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from envadvisor.errors import UsageError
    from envadvisor.glossary import load_glossary
    from envadvisor.lang import lang_from
    from envadvisor.render import explain as render

    lang = lang_from(args, os.environ)
    glossary = load_glossary()
    focus = None
    if args.term:
        term = glossary.term(args.term)
        if term is None:
            raise UsageError(f"unknown term '{args.term.strip()}'{glossary.did_you_mean(args.term)}")
        focus = term.id
    scope = render.MapScope(focus=focus, only=frozenset(glossary.core) if args.core else None)
    if focus and args.core and focus not in glossary.core:
        raise UsageError(f"'{focus}' is not one of the core terms ({', '.join(glossary.core)})")
    if args.format == "mermaid":
        sys.stdout.write(render.map_mermaid(glossary, lang, scope))
    elif args.format == "dot":
        sys.stdout.write(render.map_dot(glossary, lang, scope))
    else:
        _common.make_console().print(render.map_tree(glossary, lang, scope))
    return 0
