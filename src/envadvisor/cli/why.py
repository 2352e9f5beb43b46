"""``envadvisor why PACKAGE``: why a dependency is in the environment, from the request down to the line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from envadvisor.cli import _common

if TYPE_CHECKING:
    from envadvisor.glossary import Glossary
    from envadvisor.render.explain import FileLine

# What `why` assumes the environment is for when neither --for nor --file says: the seed glossary's
# core stack. The answer prints it, and --for changes it.
DEFAULT_WANTS = ("pytorch", "transformers")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "why",
        help="why a package is in the environment (the one propose would write, or --file)",
        description="Explain why a dependency is in the environment: the chain from what you asked for "
        "down to the package (for example cuda-version <- pytorch-gpu on conda-forge <- 'pytorch' on a GPU "
        "machine whose driver supports CUDA <= 12.8), the rule or table row that chose its version, and the "
        "glossary's one-line meaning. By default the environment is the one `envadvisor propose` would "
        "write for this machine (or for --from / the target overrides); with --file, the lines of an "
        "existing environment.yml.",
    )
    parser.add_argument(
        "package", metavar="PACKAGE", help="a package of the environment (cuda-version, torch ...)"
    )
    parser.add_argument("--file", metavar="ENVIRONMENT_YML", help="explain a line of this environment file")
    parser.add_argument(
        "--for",
        dest="wants",
        action="append",
        default=[],
        metavar="PACKAGE",
        help="what the environment is for, as given to propose (repeatable; default: pytorch transformers, "
        "or the frameworks the --file lists)",
    )
    parser.add_argument(
        "--python", metavar="X.Y", help="as for propose: the Python version of the environment"
    )
    parser.add_argument(
        "--source",
        choices=("auto", "conda-forge", "pip"),
        default="auto",
        help="as for propose: where PyTorch comes from (default: auto)",
    )
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    _common.add_lang_argument(parser)
    _common.add_target_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os

    from envadvisor.errors import UsageError
    from envadvisor.glossary import load_glossary
    from envadvisor.lang import lang_from
    from envadvisor.render import explain as render

    lang = lang_from(args, os.environ)
    glossary = load_glossary()
    package = args.package.strip()
    if not package:
        raise UsageError("why needs a PACKAGE name")

    if args.file:
        from envadvisor import envfile

        parsed = envfile.read(args.file)
        lines = render.file_lines(parsed)
        line = render.find_file_line(lines, package, glossary)
        if line is None:
            names = ", ".join(dict.fromkeys(item.name for item in lines)) or "no packages"
            raise UsageError(f"'{package}' is not in {args.file} (it lists: {names})")
        wants = tuple(args.wants) or _wants_from_file(lines, glossary)
        proposal, reason = _proposal_or_reason(args, wants)
        answer = render.why_from_file(line, lines, args.file, proposal, reason, glossary, lang)
    else:
        wants = tuple(args.wants) or _default_wants(package)
        proposal = _proposal(args, wants)
        found = render.why_from_proposal(package, proposal, glossary, lang)
        if found is None:
            names = ", ".join(d.name for d in proposal.dependencies if d.kind == "package")
            raise UsageError(
                f"'{package}' is not in the environment envadvisor proposes for {' '.join(proposal.wants)} "
                f"on this target (it holds: {names}); name what the environment is for with --for, "
                "or explain a file with --file"
            )
        answer = found

    if args.json:
        _common.print_json(render.why_data(answer, lang))
        return 0
    doc = render.why_doc(answer, lang)
    if _common.stdout_is_terminal():
        _common.make_console().print(render.doc_renderable(doc))
    else:
        import sys

        sys.stdout.write(render.doc_text(doc))
    return 0


def _default_wants(package: str) -> tuple[str, ...]:
    """The default stack, plus the package itself when it is something propose can be asked for."""
    from envadvisor.propose.decide import ALIASES

    wants = list(DEFAULT_WANTS)
    wanted = ALIASES.get(package.lower())
    if wanted and wanted not in wants:
        wants.append(wanted)
    return tuple(wants)


# glossary terms whose packages mean "this environment is for that framework"
_FRAMEWORK_TERMS = {"pytorch": "pytorch", "pytorch-gpu": "pytorch", "tensorflow": "tensorflow", "jax": "jax"}


def _wants_from_file(lines: list[FileLine], glossary: Glossary) -> tuple[str, ...]:
    """What a file is for, read from its lines: its frameworks and the libraries propose knows."""
    from envadvisor.propose.decide import ALIASES

    wants: list[str] = []
    for line in lines:
        term = glossary.for_package(line.name)
        want = _FRAMEWORK_TERMS.get(term.id) if term is not None else None
        want = want or ALIASES.get(line.name.lower())
        if want and want not in wants:
            wants.append(want)
    return tuple(wants)


def _proposal(args: argparse.Namespace, wants: tuple[str, ...]) -> Any:
    knowledge, facts, on_this_machine = _target(args)
    return _propose(args, knowledge, facts, wants, on_this_machine)


def _proposal_or_reason(args: argparse.Namespace, wants: tuple[str, ...]) -> tuple[Any | None, str | None]:
    """For --file: the proposal to compare with, or why there is none (the file is still explained).

    A bad --from or override is the user's mistake and stops here; a proposal that cannot be made for
    this target (an unknown OS, no release for the Python asked) is said and the line still explained.
    """
    from envadvisor.errors import EnvAdvisorError

    knowledge, facts, on_this_machine = _target(args)
    try:
        return _propose(args, knowledge, facts, wants, on_this_machine), None
    except EnvAdvisorError as exc:
        return None, str(exc)


def _target(args: argparse.Namespace) -> tuple[Any, Any, bool]:
    knowledge = _common.knowledge_for(args)
    gathered = _common.gather_facts(args, knowledge)
    # as propose decides it: the facts are this machine's own (no report, nothing overridden)
    on_this_machine = gathered.origin.kind == "machine" and not gathered.facts.overridden
    return knowledge, gathered.facts, on_this_machine


def _propose(
    args: argparse.Namespace, knowledge: Any, facts: Any, wants: tuple[str, ...], on_host: bool
) -> Any:
    from envadvisor.propose import ProposeOptions, propose

    options = ProposeOptions(
        python=getattr(args, "python", None), source=getattr(args, "source", "auto"), target_is_host=on_host
    )
    return propose(facts, list(wants), options, knowledge)
