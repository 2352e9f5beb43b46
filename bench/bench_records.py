"""Which frozen value-class system costs diagnose least? Records against the alternatives.

The model, the knowledge tables, the fleet summary and the glossary define some fifty small frozen
classes; diagnose defines most of them at start-up, and fleet and the report importers build many
instances. This measures, each in a fresh interpreter (median of ``--runs``):

  * the import of the machinery itself (``dataclasses``, ``envadvisor.records``, ``typing.NamedTuple``,
    ``msgspec`` when installed);
  * defining 50 classes of six typed fields with defaults (what a module body pays at import);
  * building 100,000 instances by keyword, and the memory each takes (tracemalloc);
  * ``model.from_data(Facts, ...)`` of a real 45 KiB diagnose report (250 packages), the cost that
    keeps fleet on its lean reader.

    python bench/bench_records.py [--runs 7] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLASSES = 50
INSTANCES = 100_000

FIELDS = (
    "    a: int = 0\n    b: str | None = None\n    c: str | None = None\n    d: tuple[str, ...] = ()\n"
    "    e: bool | None = None\n    f: float | None = None\n"
)

SYSTEMS: dict[str, tuple[str, str]] = {
    # name: (setup (imports), one class definition with {i} in its name)
    "dataclass": (
        "from dataclasses import dataclass",
        "@dataclass(frozen=True, slots=True)\nclass C{i}:\n" + FIELDS,
    ),
    "record": (
        "from envadvisor.records import record",
        "@record\nclass C{i}:\n" + FIELDS,
    ),
    "NamedTuple": (
        "from typing import NamedTuple",
        "class C{i}(NamedTuple):\n" + FIELDS,
    ),
    "plain __slots__": (
        "",
        "class C{i}:\n    __slots__ = ('a', 'b', 'c', 'd', 'e', 'f')\n"
        "    def __init__(self, a=0, b=None, c=None, d=(), e=None, f=None):\n"
        "        self.a, self.b, self.c, self.d, self.e, self.f = a, b, c, d, e, f\n",
    ),
    "msgspec.Struct": (
        "import msgspec",
        "class C{i}(msgspec.Struct, frozen=True):\n" + FIELDS,
    ),
}


def _child(code: str) -> float:
    """Run ``code`` in a fresh interpreter; it prints one number."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO / "src")
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1])
    return float(done.stdout.strip().splitlines()[-1])


def measure(name: str, runs: int) -> dict[str, float] | None:
    setup, template = SYSTEMS[name]
    if name == "msgspec.Struct":
        try:
            import msgspec  # noqa: F401
        except ImportError:
            return None
    body = "".join(template.format(i=i) for i in range(CLASSES))
    import_code = f"import time\nt=time.perf_counter()\n{setup}\nprint(time.perf_counter()-t)"
    define_code = (
        f"import time\n{setup}\ncode=compile({body!r},'<classes>','exec')\nt=time.perf_counter()\n"
        "exec(code, globals())\nprint(time.perf_counter()-t)"
    )
    build_code = (
        f"import time\n{setup}\nns={{}}\nexec({template.format(i=0)!r}, globals(), ns)\nC=ns['C0']\n"
        f"t=time.perf_counter()\nxs=[C(a=i, b='x', d=('y',), e=True) for i in range({INSTANCES})]\n"
        "print(time.perf_counter()-t)"
    )
    memory_code = (
        f"import tracemalloc\n{setup}\nns={{}}\nexec({template.format(i=0)!r}, globals(), ns)\nC=ns['C0']\n"
        f"tracemalloc.start()\nxs=[C(a=i, b='x', d=('y',), e=True) for i in range({INSTANCES})]\n"
        f"print(tracemalloc.get_traced_memory()[0] / {INSTANCES})"
    )
    results = {}
    for key, code in (
        ("import_ms", import_code),
        ("define_50_ms", define_code),
        ("build_100k_ms", build_code),
    ):
        samples = [_child(code) * 1000 for _ in range(runs)]
        results[key] = statistics.median(samples)
    results["bytes_per_instance"] = _child(memory_code)
    return results


def from_data_ms(runs: int) -> float:
    """model.from_data(Facts, ...) of one 45 KiB report (the report bench_fleet.py builds)."""
    code = (
        f"import json, sys, time\nsys.path.insert(0, {str(REPO)!r})\n"
        "from tests.fleet.nodes import H100, node_report, report_json\n"
        "from envadvisor.model import Facts, from_data\n"
        "data = json.loads(report_json(node_report('n1', H100)))\n"
        "from_data(Facts, data['facts'])\nt=time.perf_counter()\n"
        "for _ in range(20): from_data(Facts, data['facts'])\nprint((time.perf_counter()-t)/20)"
    )
    return statistics.median(_child(code) * 1000 for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    table: dict[str, dict[str, float] | None] = {}
    print(f"{'system':<16} {'import':>9} {'define 50':>10} {'build 100k':>11} {'bytes/inst':>11}")
    for name in SYSTEMS:
        row = measure(name, args.runs)
        table[name] = row
        if row is None:
            print(f"{name:<16} (not installed)")
            continue
        print(
            f"{name:<16} {row['import_ms']:>7.2f}ms {row['define_50_ms']:>8.2f}ms"
            f" {row['build_100k_ms']:>9.1f}ms {row['bytes_per_instance']:>10.0f}"
        )
    report = {"systems": table}
    try:
        report["from_data_ms"] = from_data_ms(args.runs)
        print(f"model.from_data(Facts, 45 KiB report): {report['from_data_ms']:.1f} ms")
    except RuntimeError as exc:
        print(f"from_data: could not measure ({exc})")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
