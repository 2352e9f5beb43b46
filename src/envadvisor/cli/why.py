"""``envadvisor why PACKAGE``: why a dependency is in the environment, from the request down to the line."""

from __future__ import annotations

import argparse
import re
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
        "existing environment.yml, for the target its header records (a file envadvisor proposed) unless "
        "a target is given.",
    )
    parser.add_argument(
        "package",
        metavar="PACKAGE",
        nargs="?",
        help="a package of the environment (cuda-version, torch ...), or one a line brings along (cudnn, "
        "nccl, cuda-runtime, libcublas, triton, nvidia-* wheels); without it, every line of the "
        "environment propose would write with no package",
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
    if args.package is None:
        if args.file:
            raise UsageError("why --file needs a PACKAGE of the file")
        proposal = _proposal(args, tuple(args.wants))  # what `propose` writes with these packages (or none)
        if args.json:
            _common.print_json(render.proposal_listing_data(proposal, lang))
        else:
            _print_doc(render.proposal_listing_doc(proposal, lang))
        return 0
    package = args.package.strip()
    if not package:
        raise UsageError("why needs a PACKAGE name")

    if args.file:
        answer = _answer_for_file(args, package, glossary, lang)
    else:
        from envadvisor.arrivals import find_arrival

        wants = tuple(args.wants) or _default_wants(package)
        proposal = _proposal(args, wants)
        found = render.why_from_proposal(package, proposal, glossary, lang)
        if found is None:
            arrival = find_arrival(package, proposal.dependencies, system=proposal.target.system)
            if arrival is not None:
                found = render.why_from_arrival(package, arrival, proposal, glossary, lang)
        if found is None:
            names = ", ".join(d.name for d in proposal.dependencies if d.kind == "package")
            raise UsageError(
                f"'{package}' is not in the environment envadvisor proposes for {' '.join(proposal.wants)} "
                f"on this target (it holds: {names}), nor brought by one of its lines; name what the "
                "environment is for with --for, or explain a file with --file"
            )
        answer = found

    if args.json:
        _common.print_json(render.why_data(answer, lang))
        return 0
    _print_doc(render.why_doc(answer, lang))
    return 0


def _print_doc(doc: Any) -> None:
    from envadvisor.render import explain as render

    if _common.stdout_is_terminal():
        _common.make_console().print(render.doc_renderable(doc))
    else:
        _common.write_text(render.doc_text(doc))


_TARGET_DESTS = (
    "from_report",
    "target_os",
    "target_arch",
    "target_gpus",
    "target_cc",
    "target_driver",
    "target_no_gpu",
)


def _answer_for_file(args: argparse.Namespace, package: str, glossary: Glossary, lang: str) -> Any:
    """``why PACKAGE --file FILE``: the file's line (or the line that brings the package), held against
    the proposal for the target given, else the target the file's header records."""
    from envadvisor import envfile
    from envadvisor.arrivals import find_arrival
    from envadvisor.errors import UsageError
    from envadvisor.render import explain as render

    parsed = envfile.read(args.file)
    lines = render.file_lines(parsed)
    header = None
    if not any(getattr(args, dest, None) for dest in _TARGET_DESTS):
        header = header_target(args.file)
        if header is not None:
            for dest, value in header.items():
                setattr(args, dest, value)
    line = render.find_file_line(lines, package, glossary)
    wants = tuple(args.wants) or _wants_from_file(lines, glossary)
    proposal, reason = _proposal_or_reason(args, wants)
    if line is None:
        system = proposal.target.system if proposal is not None else getattr(args, "target_os", None)
        arrival = find_arrival(package, lines, system=system)
        if arrival is None:
            names = ", ".join(dict.fromkeys(item.name for item in lines)) or "no packages"
            raise UsageError(
                f"'{package}' is not in {args.file} nor brought by one of its lines (it lists: {names})"
            )
        target = render.describe_target(proposal.target, lang) if proposal is not None else ""
        answer = render.why_arrival_in_file(package, arrival, lines, args.file, target, glossary, lang)
    else:
        answer = render.why_from_file(line, lines, args.file, proposal, reason, glossary, lang)
    if header is not None and answer.target:
        from envadvisor.records import replace

        said = render.WHY_UI[lang]["target_from_header"].format(target=answer.target)
        answer = replace(answer, target=said)
    return answer


_HEADER_OS = {"linux": "linux", "windows": "windows", "macos": "macos"}
_HEADER_GPU = re.compile(r"^(?:(\d+) x )?(.+?)(?: \(compute capability |（计算能力 )(\d+\.\d+)[)）]$")
# the header's keys as propose writes them in English and in Chinese (--lang zh)
_HEADER_TARGET = ("target:", "目标机器：")
_HEADER_DRIVER = ("driver:", "驱动：")


def header_target(path: str) -> dict[str, Any] | None:
    """The target a proposed environment.yml records in its header (``# target:`` and ``# driver:``
    lines, as ``envadvisor propose`` writes them, or ``# 目标机器：`` and ``# 驱动：`` with --lang zh), as
    the values of the target options; ``None`` when the file has no such header."""
    from envadvisor.envfile import MAX_BYTES
    from envadvisor.errors import InputError
    from envadvisor.fsutil import read_user_text

    try:
        text = read_user_text(path, limit=MAX_BYTES, what="an environment file")[0]
    except InputError:
        return None
    found: dict[str, Any] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line.startswith("#"):
            if line:
                break  # the header is the comment block at the top
            continue
        body = line.lstrip("#").strip()
        if body.startswith(_HEADER_TARGET):
            text = body.split(":", 1)[1] if body.startswith("target:") else body.split("：", 1)[1]
            machine, _, gpus = text.strip().replace("；", ";").partition(";")
            words = machine.replace(",", " ").replace("，", " ").replace("（", " ").split()
            if len(words) >= 2 and words[0].lower() in _HEADER_OS:
                found["target_os"] = _HEADER_OS[words[0].lower()]
                found["target_arch"] = words[1]
            gpus = gpus.strip()
            if gpus.startswith(("no NVIDIA GPU", "没有 NVIDIA GPU")):
                found["target_no_gpu"] = True
            elif gpus:
                names, ccs = [], set()
                for part in re.split(r"(?<=\)), |(?<=）)、", gpus):
                    match = _HEADER_GPU.match(part.strip())
                    if match:
                        names += [match.group(2)] * int(match.group(1) or 1)
                        ccs.add(match.group(3))
                if names:
                    found["target_gpus"] = names
                if len(ccs) == 1:
                    found["target_cc"] = ccs.pop()
        elif body.startswith(_HEADER_DRIVER):
            match = re.match(r"(?:driver:|驱动：)\s*([0-9]+(?:\.[0-9]+)+)", body)
            if match:
                found["target_driver"] = match.group(1)
    return found if "target_os" in found else None


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
