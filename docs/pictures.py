"""Regenerate the README's terminal pictures: python docs/pictures.py

Renders `envadvisor diagnose` of a recorded machine through the same renderables and console settings
the command prints with, at 120 columns and at 80 (where the Meaning column moves behind `envadvisor
explain`), in English and Chinese, and exports each console as SVG (GitHub shows it inline).
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from rich.console import Console

from envadvisor.cli import build_parser
from envadvisor.cli.diagnose import build_report, terminal_output

DOCS = Path(__file__).resolve().parent
MACHINE = DOCS.parent / "tests" / "machines" / "rtx5090-workstation.json"
# (file, language, columns)
PICTURES = (
    ("diagnose-rtx5090.svg", "en", 120),
    ("diagnose-rtx5090-80.svg", "en", 80),
    ("diagnose-rtx5090-zh.svg", "zh", 120),
    ("diagnose-rtx5090-zh-80.svg", "zh", 80),
)


def render(machine: Path, lang: str, columns: int = 120) -> str:
    args: argparse.Namespace = build_parser().parse_args(
        ["diagnose", "--from", str(machine), "--lang", lang, "--fail-on", "never"]
    )
    report = build_report(args)
    console = Console(
        record=True, width=columns, force_terminal=True, color_system="truecolor", file=io.StringIO()
    )
    console.print(terminal_output(report, lang))
    return console.export_svg(title=f"envadvisor diagnose ({machine.stem}, {columns} columns)")


if __name__ == "__main__":
    for name, lang, columns in PICTURES:
        (DOCS / name).write_text(render(MACHINE, lang, columns), encoding="utf-8")
