"""Every rule's rendered finding, over a matrix of targets, is advice someone can paste.

The matrix crosses GPU generations from Kepler and Maxwell to Blackwell with driver branches from R450
to R615, on Linux, native Windows and WSL2, with Pythons 3.9-3.14 (a covering design: every GPU meets
every driver, and the OS and Python vary along both), plus macOS with each Python. Each rule's firing
cases (tests/cases/rules.yaml) are laid over each target: the case keeps what makes it fire, the target
supplies the rest. The recorded machines and the pasted-report fixtures run as they are.

Each rendered finding, in English and in Chinese, is held to :mod:`tests.fix_properties`: no template
text, every CUDA build it names runs on the driver (or the line says to update the driver first), every
wheel index has code for the GPU, every Python it names is supported, commands fit the OS.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from envadvisor.engine import evaluate
from envadvisor.knowledge import Knowledge, load_knowledge
from envadvisor.model import Facts, Report, from_data
from tests.fix_properties import all_problems, summarize
from tests.rule_cases import TODAY, build_facts, load_cases

TESTS = Path(__file__).resolve().parent
CASES = load_cases()

GPUS = (
    ("Tesla K80", "3.7"),
    ("NVIDIA GeForce GTX 980", "5.2"),
    ("NVIDIA GeForce GTX 1080 Ti", "6.1"),
    ("Tesla V100-SXM2-16GB", "7.0"),
    ("NVIDIA GeForce RTX 2080 Ti", "7.5"),
    ("NVIDIA A100-SXM4-80GB", "8.0"),
    ("NVIDIA GeForce RTX 3090", "8.6"),
    ("NVIDIA GeForce RTX 4090", "8.9"),
    ("NVIDIA H100 80GB HBM3", "9.0"),
    ("NVIDIA B200", "10.0"),
    ("NVIDIA GeForce RTX 5090", "12.0"),
)
# Linux driver releases, one per branch from R450 to R615 (the branch alone, as people type it, too).
LINUX_DRIVERS = (
    "450.248.02",
    "470.82.01",
    "510.47.03",
    "525.60.13",
    "535.104.05",
    "545.23.08",
    "550.54.15",
    "560.35.05",
    "565.77",
    "570.124.06",
    "575.57.08",
    "580.65.06",
    "590.48.01",
    "595.71.05",
    "610.43.02",
    "615.40",
    "580",
    "535",
)
WINDOWS_DRIVERS = (
    "452.39",
    "472.50",
    "511.65",
    "528.33",
    "537.13",
    "546.12",
    "551.78",
    "561.17",
    "566.36",
    "572.61",
    "576.57",
    "581.57",
    "591.44",
    "596.21",
    "617.12",
)
PYTHONS = ("3.9.19", "3.10.14", "3.11.9", "3.12.3", "3.13.1", "3.14.0")
SYSTEMS = ("linux", "windows", "wsl")


def targets() -> Iterator[tuple[str, dict[str, Any]]]:
    """(id, facts overrides) for the covering matrix."""
    n = 0
    for gi, (gpu, cc) in enumerate(GPUS):
        for di in range(max(len(LINUX_DRIVERS), len(WINDOWS_DRIVERS))):
            system = SYSTEMS[(gi + di) % len(SYSTEMS)]
            drivers = WINDOWS_DRIVERS if system == "windows" else LINUX_DRIVERS
            driver = drivers[di % len(drivers)]
            python = PYTHONS[(gi * 5 + di) % len(PYTHONS)]
            n += 1
            os_facts: dict[str, Any] = {
                "system": "windows" if system == "windows" else "linux",
                "arch": "x86_64",
                "wsl": system == "wsl",
            }
            if system != "windows":
                os_facts["glibc"] = "2.35"
            yield (
                f"{cc}-{driver}-{system}-py{python[:4]}",
                {
                    "os": os_facts,
                    "python": {"version": python},
                    "gpu": {
                        "nvml_state": "ok",
                        "driver_version": driver,
                        "driver_cuda": _driver_cuda(driver, os_facts["system"]),
                        "count": 1,
                        "devices": [{"index": 0, "name": gpu, "compute_capability": cc}],
                    },
                },
            )
    for python in PYTHONS:
        yield (
            f"macos-arm64-py{python[:4]}",
            {
                "os": {"system": "macos", "arch": "arm64", "wsl": False, "glibc": None},
                "python": {"version": python},
                "gpu": {
                    "nvml_state": "no_driver",
                    "driver_version": None,
                    "driver_cuda": None,
                    "count": 0,
                    "devices": [],
                },
            },
        )


def _driver_cuda(driver: str, system: str) -> str | None:
    return knowledge().tables.max_cuda_for_driver(driver, system)


@cache
def knowledge() -> Knowledge:
    return load_knowledge()


def _merge(base: Mapping[str, Any], target: Mapping[str, Any]) -> dict[str, Any]:
    import copy

    from tests.rule_cases import merge

    data = copy.deepcopy(dict(base))
    merge(data, target)
    return data


def _firing_cases() -> list[tuple[str, Any]]:
    out = []
    for case in CASES["cases"]:
        out.append((case["rule"], case["fires"]))
        out.extend((case["rule"], extra) for extra in case.get("also_fires") or ())
    return out


def _sweep(lang: str) -> tuple[list[str], Counter[str]]:
    k = knowledge()
    problems: list[str] = []
    fired: Counter[str] = Counter()
    cases = _firing_cases()
    for target_id, target in targets():
        base = _merge(CASES["base"], target)
        for code, overrides in cases:
            facts = build_facts(base, overrides)
            rule = k.rule(code)
            assert rule is not None
            single = Knowledge(tables=k.tables, rules=(rule,), checked=k.checked)
            evaluation = evaluate(single, facts, today=TODAY, lang=lang)
            for finding in evaluation.findings:
                fired[finding.code] += 1
                for problem in all_problems([finding], facts, k.tables):
                    problems.append(f"[{target_id}] {problem}")
    return problems, fired


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_rule_over_the_target_matrix(lang: str) -> None:
    problems, fired = _sweep(lang)
    codes = {case["rule"] for case in CASES["cases"]}
    never = sorted(codes - set(fired))
    assert not never, f"rules that fired on no target of the matrix: {never}"
    assert not problems, f"{len(problems)} problems in rendered findings:\n{summarize(problems)}"


def _recorded() -> Iterator[tuple[str, Facts]]:
    for path in sorted((TESTS / "machines").glob("*.json")):
        report = from_data(Report, json.loads(path.read_text(encoding="utf-8")))
        yield f"machine {path.stem}", report.facts
    from envadvisor.importers import read_report

    for path in sorted((TESTS / "reports").glob("*.txt")):
        imported = read_report(path.read_text(encoding="utf-8"), source_name=str(path))
        yield f"report {path.name}", imported.facts


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_recorded_machines_and_reports(lang: str) -> None:
    k = knowledge()
    problems = []
    for name, facts in _recorded():
        evaluation = evaluate(k, facts, today=TODAY, lang=lang)
        for problem in all_problems(evaluation.findings, facts, k.tables):
            problems.append(f"[{name}] {problem}")
    assert not problems, f"{len(problems)} problems:\n{summarize(problems)}"
