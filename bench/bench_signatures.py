"""Time `diagnose --from` over a one-megabyte paste, the signature set compiled once.

    python bench/bench_signatures.py            # realistic log: every example line, buried in noise
    python bench/bench_signatures.py --hostile  # every anchor word on every line, near-misses, long lines

Target (issue 13): under 1 s for 1 MB, cold process (loading and compiling the set included).
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEGABYTE = 1024 * 1024


def _signatures():  # type: ignore[no-untyped-def]
    from envadvisor.importers.signatures import load_signatures

    return load_signatures()


def realistic() -> str:
    rng = random.Random(13)
    examples = [sig.example for sig in _signatures()]
    noise = [
        '  File "/opt/conda/lib/python3.10/site-packages/torch/nn/modules/module.py", line 1501, in _call',
        "2024-06-18 19:45:55,713 INFO epoch 3 step 1200 loss 0.4211 lr 3.0e-05",
        "Collecting torch==2.5.1 (from -r requirements.txt (line 3))",
        "| N/A   45C    P0    60W / 300W |   1024MiB / 81920MiB |      0%      Default |",
        "    return forward_call(*args, **kwargs)",
    ]
    lines: list[str] = []
    size = 0
    step = 0
    while size < MEGABYTE:
        step += 1
        # every noise line differs (a log's timestamps and counters do), so nothing is cached by text
        stamp = f"2024-06-18 19:{step // 600 % 60:02d}:{step // 10 % 60:02d},{step % 1000:03d} "
        line = rng.choice(examples) if rng.random() < 0.02 else stamp + rng.choice(noise)
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines)


def hostile() -> str:
    sigs = _signatures()
    words = sorted({word for sig in sigs for word in sig.anchors})
    near = [line for sig in sigs for line in sig.near_misses]
    parts: list[str] = []
    size = 0
    index = 0
    while size < MEGABYTE:
        kind = index % 3
        if kind == 0:
            # thirty anchor words per line (just under the matcher's word-soup limit), padded to 3,900
            # characters: thirty signatures are tried on every such line
            chunk = [words[(index * 7 + k) % len(words)] for k in range(30)]
            line = (" ".join(chunk) + " ") * 12
            line = line[:3900]
        elif kind == 1:
            line = near[index % len(near)] * 20
        else:
            line = ("Found GPU0 " * 300)[:3900]  # repeats that would be quadratic for an unbounded .+?
        parts.append(line)
        size += len(line) + 1
        index += 1
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hostile", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    text = hostile() if args.hostile else realistic()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "paste.txt"
        path.write_text(text, encoding="utf-8")
        times = []
        cpu_times = []
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "envadvisor", "diagnose", "--from", str(path), "--json"],
                capture_output=True,
                timeout=120,
                check=False,
            )
            times.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if done.returncode not in (0, 1):
                print(done.stderr.decode()[-2000:])
                return 1
    kind = "hostile" if args.hostile else "realistic"
    print(
        f"{kind} paste {len(text) / MEGABYTE:.2f} MB: best {min(times):.3f} s, worst {max(times):.3f} s "
        f"wall; CPU best {min(cpu_times):.3f} s, worst {max(cpu_times):.3f} s "
        f"(whole `diagnose --from`, cold process, {len(_signatures())} signatures)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
