"""Benchmark: ``envadvisor fleet`` over a generated 10,000-node fleet.

Generates node reports (built from the model, as ``diagnose --json`` writes them, ~45 KiB each with a
realistic 250-package listing) into a temporary folder, then times the real command in a subprocess
(the console script's code path, cold Python start included) several times and prints the median.

    .venv/bin/python bench/bench_fleet.py [--nodes 10000] [--runs 5] [--jsonl]

The figure goes to docs/performance.md, section "fleet".
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # for tests.fleet.nodes, the shared report builder

from tests.fleet.nodes import A100, H100, RTX4090, V100, finding, node_report, report_json  # noqa: E402


def generate(folder: Path, nodes: int, *, jsonl: bool, seed: int = 7) -> int:
    """Write ``nodes`` reports (plus one broken one); returns the bytes written.

    Each node shape is built once through the model and serialised as ``diagnose --json`` would; the
    nodes then differ in hostname, Python version and findings, substituted into that text (building
    10,000 reports through the model takes a minute and would measure the generator, not the command).
    """
    rng = random.Random(seed)
    shapes = [
        (H100, 8, "580.95.05", "2.8.0+cu128"),
        (A100, 8, "535.261.03", "2.8.0+cu128"),
        (RTX4090, 1, "550.163.01", "2.7.1+cu126"),
        (V100, 4, "570.172.08", "2.8.0+cu126"),
        (None, 1, None, "2.8.0+cu128"),
    ]
    weights = [60, 25, 8, 5, 2]
    indent = None if jsonl else 2
    templates = [
        [
            report_json(
                node_report(
                    HOST,
                    card,
                    gpus=gpus,
                    driver=driver,
                    torch=torch,
                    python=PYTHON,
                    findings=[finding("EA900", "bench-warning")] if warned else [],
                ),
                indent=indent,
            )
            for warned in (False, True)
        ]
        for card, gpus, driver, torch in shapes
    ]
    written = 0
    # Streamed to disk: this process forks the measured command, and a child's peak RSS counts the
    # pages it shares with this parent before exec, so the parent must stay small.
    with open(folder / "fleet.jsonl", "w", encoding="utf-8") if jsonl else contextlib.nullcontext() as stream:
        for i in range(nodes):
            text = rng.choices(templates, weights)[0][rng.random() < 0.1]
            python = rng.choice(["3.12.3", "3.12.3", "3.12.3", "3.11.9"])
            text = text.replace(HOST, f"node{i:05d}").replace(PYTHON, python)
            written += len(text)
            if stream is not None:
                stream.write(text + "\n")
            else:
                (folder / f"node{i:05d}.json").write_text(text, encoding="utf-8")
    (folder / "broken.json").write_text('{"facts": {"os": ', encoding="utf-8")
    return written


HOST = "@@HOST@@"
PYTHON = "9.99.99"


def per_report_costs(rounds: int = 200) -> str:
    """Why fleet reads reports leanly: one report through json.loads, model.from_data, lean reading."""
    from envadvisor.fleet import node_from_report
    from envadvisor.model import Facts, from_data

    text = report_json(node_report("n1", H100)).encode()
    started = time.perf_counter()
    for _ in range(rounds):
        data = json.loads(text)
    loads = (time.perf_counter() - started) / rounds
    started = time.perf_counter()
    for _ in range(rounds // 10):
        from_data(Facts, data["facts"])
    full = (time.perf_counter() - started) / (rounds // 10)
    started = time.perf_counter()
    for _ in range(rounds):
        node_from_report(data, source="x", fallback_name="x")
    lean = (time.perf_counter() - started) / rounds
    return (
        f"one {len(text) // 1024} KiB report: json.loads {loads * 1e3:.2f} ms, "
        f"model.from_data {full * 1e3:.1f} ms, lean reading {lean * 1e3:.3f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--jsonl", action="store_true", help="one JSON Lines file instead of a folder")
    args = parser.parse_args()

    print(per_report_costs())
    envadvisor = Path(sys.executable).parent / "envadvisor"
    command = [str(envadvisor)] if envadvisor.exists() else [sys.executable, "-m", "envadvisor"]
    with tempfile.TemporaryDirectory(prefix="envadvisor-fleet-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        size = generate(folder, args.nodes, jsonl=args.jsonl)
        took = time.perf_counter() - started
        print(f"generated {args.nodes} reports ({size / 2**20:.0f} MiB) in {took:.1f} s")
        times = []
        cpu_times = []
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            done = subprocess.run(
                [*command, "fleet", str(folder), "--json"],
                capture_output=True,
                check=False,
                env={**os.environ, "COLUMNS": "100"},
            )
            times.append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if done.returncode != 0:
                print(done.stderr.decode(errors="replace"), file=sys.stderr)
                return 1
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"envadvisor fleet over {args.nodes} reports: median {statistics.median(times):.2f} s wall, "
            f"best {min(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)}); "
            f"median {statistics.median(cpu_times):.2f} CPU-s; peak RSS of one process {peak_mib:.0f} MiB; "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
