"""``envadvisor propose [PACKAGE ...]``: an environment.yml that fits the target, every line explained."""

from __future__ import annotations

import argparse
from typing import Any

from envadvisor.cli import _common

SOURCE_CHOICES = ("auto", "conda-forge", "pip")


def add_proposal_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, target: str) -> None:
    """The options that shape a proposal, shared with ``fleet --propose``. Defaults are ``None`` so a
    command can tell an option given from one left out."""
    parser.add_argument(
        "--python", metavar="X.Y", help="Python version (default: the newest every package supports)"
    )
    parser.add_argument("--name", metavar="NAME", help="environment name (default: from the packages)")
    parser.add_argument(
        "--source",
        choices=SOURCE_CHOICES,
        help="where PyTorch comes from: conda-forge, the official pip wheels, or auto (default: conda-forge "
        "when a build fits, else the wheels)",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the file here (default: standard output)"
    )
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    parser.add_argument(
        "--verify",
        metavar="CHANNEL",
        help=f"solve the conda part with {target}'s virtual packages against CHANNEL (a channel name such "
        "as conda-forge, a URL or a local channel folder; needs the 'solve' extra, py-rattler). The pip "
        "block is not solved. Exit code: 0 solved, 1 not solvable, 3 not verified (no py-rattler, or the "
        "channel cannot be read): the environment is still written, its header says why",
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "propose",
        help="write an environment.yml that fits this machine (or a described one)",
        description="Propose a conda environment.yml for PACKAGEs (pytorch/torch, tensorflow, transformers, "
        "accelerate, jax, torchvision, torchaudio, or any other name, passed through) that fits the target: "
        "CUDA builds the driver runs and the GPU has kernels for, a CPU build without a usable NVIDIA GPU, "
        "conda-forge with nodefaults, and a '# why' comment on every line. With --lang zh (or a zh* "
        "locale) the comments are in Chinese; the YAML lines themselves are the same in both languages.",
    )
    parser.add_argument("packages", nargs="*", metavar="PACKAGE", help="what you want to work with")
    add_proposal_arguments(parser, target="the target")
    parser.add_argument("--json", action="store_true", help="print the decision record as JSON")
    _common.add_lang_argument(parser)
    _common.add_target_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from envadvisor.errors import UsageError
    from envadvisor.lang import lang_from
    from envadvisor.propose import ProposeOptions, propose

    lang = lang_from(args, os.environ)
    if args.name is not None and (
        not args.name.strip() or any(ch in args.name for ch in "/ :#") or not args.name.isprintable()
    ):
        raise UsageError(
            f"--name {args.name!r}: an environment name cannot be empty or contain '/', ' ', ':', '#' "
            "or unprintable characters"
        )
    if args.force and not args.output:
        raise UsageError("--force needs -o FILE")
    if args.output:
        from envadvisor.fsutil import check_output_path

        check_output_path(args.output, force=args.force)  # a folder or an existing file: say so now
    knowledge = _common.knowledge_for(args)
    gathered = _common.gather_facts(args, knowledge)
    target_is_host = gathered.origin.kind == "machine" and not gathered.facts.overridden
    options = ProposeOptions(
        python=args.python, name=args.name, source=args.source or "auto", target_is_host=target_is_host
    )
    proposal = propose(gathered.facts, args.packages, options, knowledge, lang=lang)
    filename = os.path.basename(args.output) if args.output else "environment.yml"
    text = proposal.to_yaml(filename)
    solved = unverified = None
    if args.verify:
        solved, unverified = verify_proposal(proposal, args.verify)
        text = with_header_lines(text, verify_header(proposal, solved, unverified))
    text = proposal.check_written(text)
    # after everything that can fail: a usage error (a --verify folder that is no channel) is one line
    for name in unknown_packages(args.packages):
        print(say("cli.unknown_package", lang, name=name), file=sys.stderr)
    if args.output:
        from envadvisor.fsutil import write_atomic

        write_atomic(args.output, text, force=args.force)
    if args.json:
        data = proposal.to_data(filename)
        data["lang"] = lang
        data["environment_yml"] = text
        if args.output:
            data["written_to"] = args.output
        if solved is not None:
            from envadvisor.model import to_data

            data["verify"] = to_data(solved) | {"pip_not_solved": pip_packages(proposal)}
        elif unverified is not None:
            data["verify"] = {"ok": None, "not_verified": unverified}
        _common.print_json(data)
    else:
        if not args.output:
            sys.stdout.write(text)
        else:
            print(say("cli.wrote", lang, path=args.output), file=sys.stderr)
    if args.verify and (unverified is not None or not args.json):
        _common.write_text(verify_summary(proposal, solved, unverified) + "\n", sys.stderr)
    return verify_exit_code(solved, unverified)


def say(key: str, lang: str, **values: str) -> str:
    from envadvisor.propose.phrases import phrase

    return phrase(key, **values).text(lang)


def unknown_packages(packages: list[str]) -> list[str]:
    """The requested packages envadvisor knows nothing of: neither propose's own (pytorch, accelerate
    ...) nor a glossary term's package (numpy, cudnn ...). propose passes them through as written."""
    from envadvisor.propose.decide import ALIASES

    names = [name for name in dict.fromkeys(packages) if name.strip() and name.strip().lower() not in ALIASES]
    if not names:
        return []
    from envadvisor.glossary import load_glossary

    glossary = load_glossary()
    return [name for name in names if glossary.for_package(name.strip()) is None]


# propose --verify: the conda part could not be checked (no py-rattler, channel unreachable)
EXIT_NOT_VERIFIED = 3


def verify_proposal(proposal: Any, channel: str) -> tuple[Any | None, str | None]:
    """Solve the proposal's conda part from ``channel``: the result, or why it could not be checked."""
    from envadvisor.propose.verify import NotVerified, verify

    try:
        return verify(proposal, channel), None
    except NotVerified as exc:
        return None, str(exc)


def verify_exit_code(solved: Any | None, unverified: str | None) -> int:
    if unverified is not None:
        return EXIT_NOT_VERIFIED
    return 1 if solved is not None and not solved.ok else 0


def _virtual_packages(solved: Any, lang: str = "en") -> str:
    assumed = say("verify.assumed", lang)
    return ", ".join(
        f"{v.name}={v.version}" + (assumed if v.assumed else "") for v in solved.virtual_packages
    ) or say("verify.no_virtual_packages", lang)


def pip_packages(proposal: Any) -> list[str]:
    return [d.spec for d in proposal.pip if getattr(d, "kind", "package") == "package"]


def verify_header(proposal: Any, solved: Any | None, unverified: str | None) -> list[str]:
    """The comment lines the written file carries about its verification (one line each, whatever
    an error message holds)."""
    from envadvisor.propose.model import comment

    lang = getattr(proposal, "lang", "en")
    pip = pip_packages(proposal)
    if unverified is not None:
        return [comment(say("verify.not_verified", lang, reason=unverified))]
    assert solved is not None
    where = {"channel": solved.channel, "subdir": solved.subdir, "virtual": _virtual_packages(solved, lang)}
    if solved.ok:
        key = "verify.solves_pip" if pip else "verify.solves"
        return [comment(say(key, lang, count=str(len(pip)), **where))]
    first = (solved.error or "").strip().splitlines()[:1]
    return [comment(say("verify.not_solvable", lang, error=first[0] if first else "?", **where))]


def verify_summary(proposal: Any, solved: Any | None, unverified: str | None) -> str:
    """What --verify found, for stderr: one line when it could not check, else the solution."""
    if unverified is not None:
        return f"envadvisor: not verified: {unverified}"
    assert solved is not None
    head = f"verify: {solved.subdir} from {solved.channel} with {_virtual_packages(solved)}"
    unsolved = pip_packages(proposal)
    pip = (
        "\n  pip block not solved (pip resolves it at create time): " + ", ".join(unsolved)
        if unsolved
        else ""
    )
    if solved.ok:
        packages = "\n  ".join(solved.packages)
        return f"{head}: the conda part solved in {solved.seconds * 1000:.0f} ms\n  {packages}{pip}"
    return f"{head}: the conda part is NOT solvable\n{solved.error}"


def with_header_lines(yaml_text: str, lines: list[str]) -> str:
    """``yaml_text`` with comment lines inserted under its first line (the file's title)."""
    first, _, rest = yaml_text.partition("\n")
    return "\n".join([first, *lines, rest]) if rest else "\n".join([first, *lines]) + "\n"
