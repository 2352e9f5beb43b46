"""Regenerate the README's terminal picture: python docs/pictures.py

Renders `envadvisor diagnose` of a recorded machine through the same rich renderables the command
prints, and exports the console as SVG (GitHub shows it inline).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from envadvisor.cli import build_parser
from envadvisor.cli.diagnose import _glossary_summaries, build_report
from envadvisor.render.terminal import report_renderable

DOCS = Path(__file__).resolve().parent
MACHINE = DOCS.parent / "tests" / "machines" / "rtx5090-workstation.json"


def render(machine: Path, lang: str) -> str:
    args: argparse.Namespace = build_parser().parse_args(
        ["diagnose", "--from", str(machine), "--lang", lang, "--fail-on", "never"]
    )
    report = build_report(args)
    console = Console(record=True, width=118, force_terminal=True, color_system="truecolor", file=open("/dev/null", "w"))
    console.print(report_renderable(report, lang, summarize=_glossary_summaries(lang)))
    return console.export_svg(title=f"envadvisor diagnose ({machine.stem})")


if __name__ == "__main__":
    (DOCS / "diagnose-rtx5090.svg").write_text(render(MACHINE, "en"), encoding="utf-8")
    (DOCS / "diagnose-rtx5090-zh.svg").write_text(render(MACHINE, "zh"), encoding="utf-8")
