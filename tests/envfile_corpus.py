"""Run ``check`` over the environment-file corpus (tests/envfiles) and hold it to the expectations that
were written there before the code ran (see tests/envfiles/README.md).

Each entry of index.yaml names a file, a target and what check must say: the exact error and warning
codes, infos that must appear, groups of which one code must appear, codes allowed either way, codes that
must not appear, the releases the ``installs`` summary must show and the specs it must list as not
checked. :func:`judge` returns the differences, one line each; an empty list is a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from envadvisor.check import CheckResult, check
from envadvisor.envfile import read
from envadvisor.knowledge import Knowledge, load_knowledge
from envadvisor.model import Facts, OsFacts, Severity
from envadvisor.resources import load_yaml_text
from envadvisor.target import TargetOverrides, apply_overrides

ROOT = Path(__file__).resolve().parent / "envfiles"


@cache
def entries() -> tuple[Mapping[str, Any], ...]:
    doc = load_yaml_text((ROOT / "index.yaml").read_text(encoding="utf-8"), path="index.yaml")
    assert isinstance(doc, Mapping)
    return tuple(doc["files"])


@cache
def knowledge() -> Knowledge:
    return load_knowledge()


def target_facts(target: Mapping[str, Any]) -> Facts:
    system = target.get("os", "linux")
    base = Facts(
        os=OsFacts(
            system=system,
            arch=target.get("arch", "x86_64"),
            glibc=target.get("glibc", "2.35") if system == "linux" else None,
        )
    )
    overrides = TargetOverrides.from_values(
        os=system,
        arch=target.get("arch"),
        gpus=target.get("gpu") or (),
        driver=target.get("driver"),
        compute_capability=target.get("compute_capability"),
        no_gpu=bool(target.get("no_gpu")),
    )
    return apply_overrides(base, overrides, knowledge().tables)


def run(entry: Mapping[str, Any]) -> CheckResult:
    return check(read(ROOT / entry["file"]), target_facts(entry.get("target") or {}), knowledge())


def judge(entry: Mapping[str, Any], result: CheckResult) -> list[str]:
    from envadvisor.resolve import describe

    found: dict[Severity, set[str]] = {s: set() for s in Severity}
    for f in result.findings:
        found[f.severity].add(f.code)
    every = set().union(*found.values())
    one_of = [set(group) for group in entry.get("one_of") or ()]
    allowed = (
        set(entry.get("allowed") or ()) | set().union(*one_of) if one_of else set(entry.get("allowed") or ())
    )
    problems: list[str] = []
    for severity, key in ((Severity.ERROR, "errors"), (Severity.WARNING, "warnings")):
        if key not in entry:
            continue
        expected = set(entry[key] or ())
        missing = expected - found[severity]
        extra = found[severity] - expected - allowed
        if missing:
            problems.append(f"{key}: missing {sorted(missing)}")
        if extra:
            problems.append(f"{key}: unexpected {sorted(extra)}")
    for code in entry.get("infos") or ():
        if code not in found[Severity.INFO]:
            problems.append(f"infos: missing {code}")
    for group in one_of:
        if not group & every:
            problems.append(f"one_of: none of {sorted(group)}")
    for code in entry.get("must_not") or ():
        if code in every:
            problems.append(f"must_not: {code} appeared")
    shown = " ; ".join(describe(result.installed, result.env_facts))
    by_package = {p.package.lower(): p for p in result.installed.packages.values()}
    for package, version in (entry.get("installs") or {}).items():
        pinned = result.installed.get(package) or by_package.get(str(package).lower())
        written = f"{pinned.version}+{pinned.local}" if pinned is not None and pinned.local else None
        if pinned is None or str(version) not in (pinned.version, written):
            problems.append(
                f"installs: {package} {version} (resolved: {pinned.version if pinned else None}; "
                f"summary: {shown})"
            )
    listed = {nc.package.lower() for nc in result.installed.not_checked}
    for package in entry.get("not_checked") or ():
        if str(package).lower() not in listed:
            problems.append(f"not_checked: {package} is not listed (listed: {sorted(listed)})")
    return problems
