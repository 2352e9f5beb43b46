"""``envadvisor propose [PACKAGE ...]``: an environment.yml that fits the target, every line explained."""

from __future__ import annotations

import argparse

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
        help=f"solve the conda part with {target}'s virtual packages against CHANNEL (a URL or a local "
        "channel folder; needs the 'solve' extra, py-rattler)",
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "propose",
        help="write an environment.yml that fits this machine (or a described one)",
        description="Propose a conda environment.yml for PACKAGEs (pytorch/torch, tensorflow, transformers, "
        "accelerate, jax, torchvision, torchaudio, or any other name, passed through) that fits the target: "
        "CUDA builds the driver runs and the GPU has kernels for, a CPU build without a usable NVIDIA GPU, "
        "conda-forge with nodefaults, and a '# why' comment on every line.",
    )
    parser.add_argument("packages", nargs="*", metavar="PACKAGE", help="what you want to work with")
    add_proposal_arguments(parser, target="the target")
    parser.add_argument("--json", action="store_true", help="print the decision record as JSON")
    _common.add_target_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from envadvisor.errors import UsageError
    from envadvisor.propose import ProposeOptions, propose

    if args.name is not None and (
        not args.name.strip() or any(ch in args.name for ch in "/ :#") or not args.name.isprintable()
    ):
        raise UsageError(
            f"--name {args.name!r}: an environment name cannot be empty or contain '/', ' ', ':', '#' "
            "or unprintable characters"
        )
    if args.force and not args.output:
        raise UsageError("--force needs -o FILE")
    knowledge = _common.knowledge_for(args)
    gathered = _common.gather_facts(args, knowledge)
    target_is_host = gathered.origin.kind == "machine" and not gathered.facts.overridden
    options = ProposeOptions(
        python=args.python, name=args.name, source=args.source or "auto", target_is_host=target_is_host
    )
    proposal = propose(gathered.facts, args.packages, options, knowledge)
    filename = os.path.basename(args.output) if args.output else "environment.yml"
    text = proposal.check_written(proposal.to_yaml(filename))
    solved = None
    if args.verify:
        from envadvisor.propose.verify import verify

        solved = verify(proposal, args.verify)
    if args.output:
        from envadvisor.fsutil import write_atomic

        write_atomic(args.output, text, force=args.force)
    if args.json:
        data = proposal.to_data(filename)
        data["environment_yml"] = text
        if args.output:
            data["written_to"] = args.output
        if solved is not None:
            from envadvisor.model import to_data

            data["verify"] = to_data(solved)
        _common.print_json(data)
    else:
        if not args.output:
            sys.stdout.write(text)
        else:
            print(f"envadvisor: wrote {args.output}", file=sys.stderr)
        if solved is not None:
            print(_verify_summary(solved), file=sys.stderr)
    return 1 if solved is not None and not solved.ok else 0


def _verify_summary(solved: object) -> str:
    from envadvisor.propose.verify import SolveResult

    assert isinstance(solved, SolveResult)
    vps = ", ".join(
        f"{v.name}={v.version}" + (" (assumed)" if v.assumed else "") for v in solved.virtual_packages
    )
    head = f"verify: {solved.subdir} from {solved.channel} with {vps or 'no virtual packages'}"
    if solved.ok:
        return f"{head}: solved in {solved.seconds * 1000:.0f} ms\n  " + "\n  ".join(solved.packages)
    return f"{head}: NOT solvable\n{solved.error}"
