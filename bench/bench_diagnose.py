"""How fast is `envadvisor diagnose --json`? Side by side with torch's collect_env and a bare Python.

Targets (issue 2), all in ONE venv that also holds torch 2.13.0 (CPU):
  * diagnose at least 20x faster than `python -m torch.utils.collect_env`
  * diagnose at most 12x a bare `python -c pass`
  * with 1,000 more installed distributions, diagnose at most 2x the small environment
  * peak memory (ru_maxrss of the child) under 60 MiB

Usage:
  python bench/bench_diagnose.py --setup          # once: bench/.venv with torch==2.13.0 + envadvisor
  python bench/bench_diagnose.py [--runs 9] [--venv bench/.venv] [--json FILE]

Each command runs once to warm the file cache, then ``--runs`` times; the median wall time is
reported (collect_env takes seconds, so it runs ``--slow-runs`` times). Peak memory is the child's
own ``ru_maxrss`` from ``os.wait4``. Exit status 1 when a target is missed, so CI can run it too.

Until ``envadvisor.cli.diagnose`` works in the checkout, the diagnose column falls back to
``python -c "from envadvisor.probes import collect; collect()"`` and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_VENV = REPO / "bench" / ".venv"
TORCH_REQUIREMENT = "torch==2.13.0"
FAKE_DISTRIBUTIONS = 1000

TARGET_VS_COLLECT_ENV = 20.0  # diagnose must be at least this many times faster
TARGET_VS_BARE = 12.0  # diagnose may cost at most this many bare interpreter starts
TARGET_BIG_ENV = 2.0  # 1,000 more distributions may cost at most this factor
TARGET_PEAK_MIB = 60.0


@dataclass
class Timing:
    label: str
    argv: list[str]
    runs: int
    median_s: float
    min_s: float
    max_s: float
    cpu_median_s: float  # user + system CPU of the child: steadier than wall time on a busy machine
    peak_rss_mib: float
    exit_codes: list[int]


def run_once(argv: Sequence[str], env: Mapping[str, str]) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak RSS MiB of the child, exit code) for one run."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(env))
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024.0, proc.returncode  # Linux reports KiB


Command = tuple[str, list[str], Mapping[str, str]]  # label, argv, environment


def measure(commands: Sequence[Command], runs: int) -> list[Timing]:
    """Each command ``runs`` times, interleaved round by round (A B C, A B C, ...), so that a burst of
    load from elsewhere on the machine hits every command alike instead of skewing one ratio."""
    for _, argv, env in commands:
        run_once(argv, env)  # warm-up: file cache, .pyc files
    samples: list[list[tuple[float, float, float, int]]] = [[] for _ in commands]
    for _ in range(runs):
        for index, (_, argv, env) in enumerate(commands):
            samples[index].append(run_once(argv, env))
    timings = []
    for (label, argv, _), runs_of in zip(commands, samples, strict=True):
        walls = [s[0] for s in runs_of]
        timings.append(
            Timing(
                label,
                list(argv),
                runs,
                statistics.median(walls),
                min(walls),
                max(walls),
                statistics.median(s[1] for s in runs_of),
                max(s[2] for s in runs_of),
                [s[3] for s in runs_of],
            )
        )
    return timings


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def setup(venv: Path) -> None:
    print(f"creating {venv} with {TORCH_REQUIREMENT} and envadvisor (editable)")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv_python(venv)), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, TORCH_REQUIREMENT], check=True)
    subprocess.run([*pip, "-e", str(REPO)], check=True)


def diagnose_command(venv: Path, env: Mapping[str, str]) -> tuple[list[str], str]:
    """The real command when it works in this checkout, else the probes alone (and why)."""
    script = venv / ("Scripts/envadvisor.exe" if os.name == "nt" else "bin/envadvisor")
    argv = [str(script), "diagnose", "--json"]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=dict(env))
        json.loads(result.stdout)
        if result.returncode in (0, 1):
            return argv, "envadvisor diagnose --json"
        why = f"exit status {result.returncode}"
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        why = f"{type(exc).__name__}"
    print(f"note: `envadvisor diagnose --json` does not work here yet ({why}); measuring collect() alone")
    code = "from envadvisor.probes import collect; collect()"
    return [str(venv_python(venv)), "-c", code], "python -c 'collect()'"


def make_fake_site(directory: Path, count: int) -> None:
    """``count`` dist-info folders shaped like pip's (METADATA with requirements, INSTALLER, RECORD)."""
    requires = "".join(f"Requires-Dist: dependency-{j}>=1.{j}\n" for j in range(15))
    for i in range(count):
        name = f"bench_fake_package_{i:04d}"
        folder = directory / f"{name}-1.{i}.0.dist-info"
        folder.mkdir(parents=True)
        (folder / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: bench-fake-package-{i:04d}\nVersion: 1.{i}.0\n"
            f"Summary: a fake distribution for the envadvisor benchmark\n{requires}\n"
            + "A long description.\n"
            * 50
        )
        (folder / "INSTALLER").write_text("pip\n")
        (folder / "RECORD").write_text(f"{name}/__init__.py,,\n{folder.name}/METADATA,,\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="bench venv (default: bench/.venv)")
    parser.add_argument("--setup", action="store_true", help="create the bench venv first")
    parser.add_argument("--runs", type=int, default=9, help="runs per fast command (default 9)")
    parser.add_argument("--slow-runs", type=int, default=5, help="runs of collect_env (default 5)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--no-breakdown", action="store_true", help="skip timing diagnose's parts")
    args = parser.parse_args(argv)

    if args.setup:
        setup(args.venv)
    python = venv_python(args.venv)
    if not python.exists():
        print(f"no bench venv at {args.venv}: run with --setup first", file=sys.stderr)
        return 2

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory(prefix="envadvisor-bench-") as tmp:
        small_site = Path(tmp) / "small"
        big_site = Path(tmp) / "big"
        small_site.mkdir()
        make_fake_site(big_site, FAKE_DISTRIBUTIONS)
        # Both diagnose runs get a PYTHONPATH entry, so the only difference is the 1,000 distributions.
        # PYTHONDONTWRITEBYTECODE would make every run compile envadvisor from source (tens of ms);
        # an installed envadvisor has its .pyc files (pip writes them), so the warm-up run writes them.
        dropped = ("PYTHONPATH", "PYTHONSTARTUP", "PYTHONDONTWRITEBYTECODE")
        base_env = {k: v for k, v in os.environ.items() if k not in dropped}
        small_env = {**base_env, "PYTHONPATH": str(small_site)}
        big_env = {**base_env, "PYTHONPATH": str(big_site)}

        diagnose_argv, diagnose_label = diagnose_command(args.venv, small_env)
        fast: list[Command] = [
            ("python -c pass", [str(python), "-c", "pass"], small_env),
            (diagnose_label, diagnose_argv, small_env),
            (f"{diagnose_label}, +{FAKE_DISTRIBUTIONS} distributions", diagnose_argv, big_env),
        ]
        if not args.no_breakdown:
            # Where diagnose's time goes, each part in its own fresh interpreter (informational).
            parts = {
                "part: import envadvisor.model": "import envadvisor.model",
                "part: probes, collect()": "from envadvisor.probes import collect; collect()",
                "part: knowledge, load_knowledge()": (
                    "from envadvisor.knowledge import load_knowledge; load_knowledge()"
                ),
            }
            fast.extend((label, [str(python), "-c", code], small_env) for label, code in parts.items())
        bare, diagnose, big, *breakdown = measure(fast, args.runs)
        # collect_env takes seconds: fewer runs, each next to a diagnose run for a fair ratio
        collect_env, diagnose_beside = measure(
            [
                (
                    "python -m torch.utils.collect_env",
                    [str(python), "-m", "torch.utils.collect_env"],
                    small_env,
                ),
                (f"{diagnose_label} (beside collect_env)", diagnose_argv, small_env),
            ],
            args.slow_runs,
        )

    timings = [bare, diagnose, big, collect_env, diagnose_beside, *breakdown]
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if load_before is not None and load_after is not None:
        cores = os.cpu_count() or 1
        print(f"\nload average (1 min) before {load_before:.2f}, after {load_after:.2f}, on {cores} cores")
        if max(load_before, load_after) > 0.5 * cores:
            print("note: the machine was busy; wall times are inflated, the CPU-time ratios are steadier")
    print(f"\n{'command':<52} {'median':>9} {'min':>9} {'max':>9} {'CPU med':>9} {'peak RSS':>10}")
    for t in timings:
        print(
            f"{t.label:<52} {t.median_s * 1000:>7.1f}ms {t.min_s * 1000:>7.1f}ms {t.max_s * 1000:>7.1f}ms "
            f"{t.cpu_median_s * 1000:>7.1f}ms {t.peak_rss_mib:>7.1f}MiB"
        )
    vs_collect_env = collect_env.median_s / diagnose_beside.median_s
    vs_bare = diagnose.median_s / bare.median_s
    big_factor = big.median_s / diagnose.median_s
    peak = max(diagnose.peak_rss_mib, big.peak_rss_mib)
    checks = [
        (
            f"collect_env / diagnose = {vs_collect_env:.1f}x",
            f">= {TARGET_VS_COLLECT_ENV:g}x",
            vs_collect_env >= TARGET_VS_COLLECT_ENV,
        ),
        (f"diagnose / bare python = {vs_bare:.1f}x", f"<= {TARGET_VS_BARE:g}x", vs_bare <= TARGET_VS_BARE),
        (
            f"1,000 distributions / small env = {big_factor:.2f}x",
            f"<= {TARGET_BIG_ENV:g}x",
            big_factor <= TARGET_BIG_ENV,
        ),
        (f"peak memory of diagnose = {peak:.1f} MiB", f"< {TARGET_PEAK_MIB:g} MiB", peak < TARGET_PEAK_MIB),
    ]
    min_vs_collect_env = collect_env.min_s / min(diagnose.min_s, diagnose_beside.min_s)
    min_vs_bare = diagnose.min_s / bare.min_s
    print(
        f"\n(fastest runs, nearest to an idle machine: collect_env / diagnose = {min_vs_collect_env:.1f}x, "
        f"diagnose / bare = {min_vs_bare:.1f}x)"
    )
    cpu_vs_collect_env = collect_env.cpu_median_s / diagnose_beside.cpu_median_s
    cpu_vs_bare = diagnose.cpu_median_s / bare.cpu_median_s
    print(
        f"(CPU time ratios, for a busy machine: collect_env / diagnose = {cpu_vs_collect_env:.1f}x, "
        f"diagnose / bare = {cpu_vs_bare:.1f}x)"
    )
    for text, target, ok in checks:
        print(f"{'ok  ' if ok else 'MISS'} {text:<52} (target {target})")
    failures = [c for c in diagnose.exit_codes + big.exit_codes if c not in (0, 1)]
    if failures:
        print(f"MISS diagnose exited with {sorted(set(failures))}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "python": sys.version.split()[0],
                    "cpu_count": os.cpu_count(),
                    "timings": [asdict(t) for t in timings],
                    "ratios": {"vs_collect_env": vs_collect_env, "vs_bare": vs_bare, "big_env": big_factor},
                    "cpu_ratios": {"vs_collect_env": cpu_vs_collect_env, "vs_bare": cpu_vs_bare},
                    "fastest_run_ratios": {"vs_collect_env": min_vs_collect_env, "vs_bare": min_vs_bare},
                    "peak_rss_mib": peak,
                    "load_average": [load_before, load_after],
                },
                indent=2,
            )
            + "\n"
        )
    return 0 if all(ok for *_, ok in checks) and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
