"""Every pattern that reads untrusted text, timed on 1 MB of adversarial input (issue 17, class 3).

The inputs come from each pattern's own structure (tests/regex_pumping.py: a prefix that reaches each
large repetition, its characters pumped to 1 MB, then a character that ends the match). Times are CPU
seconds of ``search`` plus ``finditer`` over the whole input (``match``/``fullmatch`` for patterns the
source only anchors). Target: every pattern under 1 s. Exit status 1 when one is not.

Usage:  python bench/bench_patterns.py [--size BYTES] [--top N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from tests.regex_pumping import time_patterns, untrusted_reader_modules  # noqa: E402

TARGET_S = 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 20, help="input size in characters (1 MiB)")
    parser.add_argument("--top", type=int, default=10, help="show the N slowest patterns")
    parser.add_argument("--json", metavar="FILE", help="write every row as JSON")
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows = list(time_patterns(untrusted_reader_modules(), args.size))
    elapsed = time.monotonic() - started
    rows.sort(key=lambda row: -row["worst_s"])
    inputs = sum(row["inputs"] for row in rows)
    print(f"{len(rows)} patterns, {inputs} adversarial inputs of {args.size:,} characters, {elapsed:.0f} s")
    for row in rows[: args.top]:
        print(f"  {row['worst_s']:7.3f} s  {row['pattern']}  ({row['input'][:40]})")
    over = [row for row in rows if row["worst_s"] >= TARGET_S]
    print(f"slowest {rows[0]['worst_s']:.3f} s; {len(over)} at or over the {TARGET_S:g} s target")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
