"""``envadvisor fleet PATH ...``: sum up many node reports; ``--propose`` one environment for them all."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeVar

from envadvisor.cli import _common
from envadvisor.cli.propose import (
    add_proposal_arguments,
    pip_packages,
    say,
    unknown_packages,
    verify_exit_code,
    verify_header,
    verify_proposal,
    verify_summary,
    with_header_lines,
)

if TYPE_CHECKING:
    from envadvisor.fleet import CommonTarget, FleetSummary

T = TypeVar("T")

# Below this many reports a progress bar would only flicker.
PROGRESS_THRESHOLD = 200


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "fleet",
        help="sum up many nodes' `diagnose --json` reports; propose one environment for them all",
        description="Read node reports written by `envadvisor diagnose --json` (files, folders of "
        "*.json searched recursively, *.jsonl files, or '-' for JSON Lines on stdin) and sum the fleet "
        "up: GPUs, drivers and the CUDA they run, Python and framework versions, the nodes that differ "
        "from the majority, findings on some nodes only. Unreadable reports are listed, not fatal. "
        "Recipes to collect reports with Slurm, Ansible, pdsh and Kubernetes: docs/fleet.md.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="report file, folder of reports, or '-'")
    parser.add_argument("--json", action="store_true", help="print the summary (and proposal) as JSON")
    _common.add_brief_argument(parser)
    parser.add_argument(
        "--propose",
        nargs="+",
        metavar="PACKAGE",
        help="propose one environment.yml for every node that can share it (e.g. torch transformers); "
        "the CUDA build runs on the oldest driver and its architecture list covers every GPU",
    )
    proposal = parser.add_argument_group("proposal options (with --propose; as in `envadvisor propose`)")
    add_proposal_arguments(proposal, target="the common target (oldest driver's __cuda, oldest glibc)")
    _common.add_lang_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from envadvisor.errors import UsageError
    from envadvisor.fleet import summarize

    _paths_after_propose(args)
    if not args.paths:
        raise UsageError("give at least one report file, folder or '-' (before --propose)")
    if not args.propose:
        for flag, value in (
            ("--python", args.python),
            ("--name", args.name),
            ("--source", args.source),
            ("--output", args.output),
            ("--verify", args.verify),
        ):
            if value:
                raise UsageError(f"{flag} only applies with --propose PACKAGE ...")
    if args.paths.count("-") > 1:
        raise UsageError("'-' (stdin) can be given once")

    stdin = sys.stdin.buffer if "-" in args.paths and sys.stdin is not None else None
    summary = summarize(args.paths, stdin, progress=_with_progress)
    if summary.node_count == 0:
        first = summary.unreadable[0] if summary.unreadable else None
        detail = f" (first: {first.source}: {first.reason})" if first else ""
        raise UsageError(f"no readable node report among {summary.report_count} input(s){detail}")

    lang = _common.lang_from(args)
    if args.propose:
        return _propose(args, summary, lang)

    if args.json:
        from envadvisor.render.fleet import summary_to_data

        _common.print_json(summary_to_data(summary))
    else:
        from envadvisor.render.fleet import fleet_renderable

        _common.make_console().print(fleet_renderable(summary, lang, brief=args.brief))
    return 0


def _paths_after_propose(args: argparse.Namespace) -> None:
    """``fleet --propose torch reports/``: argparse gives ``reports/`` to --propose; take back the
    trailing words that name existing files or folders (or '-') as the report paths."""
    if args.paths or not args.propose:
        return
    wants = list(args.propose)
    moved: list[str] = []
    while len(wants) > 1 and (wants[-1] == "-" or os.path.exists(wants[-1])):
        moved.insert(0, wants.pop())
    args.paths, args.propose = moved, wants


def _with_progress(items: Iterator[T], total: int | None) -> Iterator[T]:
    """Pass items through, drawing a progress bar on stderr when it is a terminal and the run is long."""
    if not _common.stdout_is_terminal(sys.stderr) or (total is not None and total < PROGRESS_THRESHOLD):
        yield from items
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("reading reports"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(file=sys.stderr), transient=True) as progress:
        task = progress.add_task("reports", total=total)
        for item in items:
            yield item
            progress.advance(task)


def _propose(args: argparse.Namespace, summary: FleetSummary, lang: str) -> int:
    """One environment.yml for every node that can share it; exit 1 when some nodes cannot."""
    from envadvisor.errors import UsageError
    from envadvisor.fleet import common_target
    from envadvisor.propose import ProposeOptions, propose

    source = args.source or "auto"  # argparse already limited it to SOURCE_CHOICES
    if args.force and not args.output:
        raise UsageError("--force needs -o FILE")
    if args.output:
        from envadvisor.fsutil import check_output_path

        check_output_path(args.output, force=args.force)
    knowledge = _common.knowledge_for(args)
    target = common_target(summary, knowledge.tables)
    if target.platform is None:
        raise UsageError("no report says which operating system its node runs; cannot propose for the fleet")
    options = ProposeOptions(python=args.python, name=args.name, source=source, target_is_host=False)
    proposal = propose(target.facts, list(args.propose), options, knowledge, lang=lang)
    filename = os.path.basename(args.output) if args.output else "environment.yml"
    text = with_fleet_header(
        proposal.to_yaml(filename), summary, target, proposal.conda_override_cuda, lang=lang
    )
    solved = unverified = None
    if args.verify:
        solved, unverified = verify_proposal(proposal, args.verify)
        text = with_header_lines(text, verify_header(proposal, solved, unverified))
    text = proposal.check_written(text)
    # after everything that can fail: a usage error (a --verify folder that is no channel) is one line
    for name in unknown_packages(list(args.propose)):
        print(say("cli.unknown_package", lang, name=name), file=sys.stderr)
    exit_code = verify_exit_code(solved, unverified) or (1 if target.excluded else 0)

    if args.output:
        from envadvisor.fsutil import write_atomic

        write_atomic(args.output, text, force=args.force)
    if args.json:
        from envadvisor.render.fleet import summary_to_data

        data = summary_to_data(summary, target, proposal.to_data(filename))
        data["lang"] = lang
        data["environment_yml"] = text
        if solved is not None:
            from envadvisor.model import to_data

            data["verify"] = to_data(solved) | {"pip_not_solved": pip_packages(proposal)}
        elif unverified is not None:
            data["verify"] = {"ok": None, "not_verified": unverified}
        _common.print_json(data)
    elif args.output:
        from rich.console import Group
        from rich.text import Text

        from envadvisor.render.fleet import target_renderable

        wrote = Text(f"wrote {args.output}" if lang != "zh" else f"已写入 {args.output}")
        _common.make_console().print(Group(target_renderable(target, lang), wrote))
    else:
        sys.stdout.write(text)
    if args.verify and (unverified is not None or not args.json):
        _common.write_text(verify_summary(proposal, solved, unverified) + "\n", sys.stderr)
    return exit_code


def with_fleet_header(
    yaml_text: str,
    summary: FleetSummary,
    target: CommonTarget,
    conda_override_cuda: str | None,
    *,
    lang: str = "en",
) -> str:
    """The proposal's file with the fleet facts it was made for as comments under its first line."""
    from envadvisor.propose.model import comment
    from envadvisor.render.fleet import compress_hostlist, exclusion_reason, note_text

    served_cpu = len(target.cpu_only_nodes)
    header = [
        say(
            "fleet.read",
            lang,
            nodes=str(summary.node_count),
            unreadable=str(len(summary.unreadable)),
            gpu_nodes=str(target.served_gpu_nodes),
            cpu_nodes=str(served_cpu),
        )
    ]
    if target.oldest_driver:
        header.append(
            say(
                "fleet.oldest_driver",
                lang,
                driver=target.oldest_driver,
                cuda=str(target.max_cuda),
                hosts=compress_hostlist(target.oldest_driver_nodes),
                ccs=", ".join(target.compute_capabilities),
            )
        )
    if target.cpu_only_nodes:
        hosts = compress_hostlist(target.cpu_only_nodes)
        if conda_override_cuda:
            header.append(say("fleet.cpu_nodes_override", lang, hosts=hosts, cuda=conda_override_cuda))
        else:
            header.append(say("fleet.cpu_nodes", lang, hosts=hosts))
    for exclusion in target.excluded:
        hosts = compress_hostlist(exclusion.nodes)
        header.append(say("fleet.not_for", lang, hosts=hosts, reason=exclusion_reason(exclusion, lang)))
    for note in target.notes:
        header.append(say("fleet.note", lang, text=note_text(note, lang)))
    # one comment line each, whatever a node's report put in its host name or GPU name
    lines = [comment(text) for text in header]
    return with_header_lines(yaml_text, lines)
