"""The environment-file corpus (tests/envfiles, issue 12) is consistent with itself and with the catalogues.

These tests do not run `check`: the expectations in index.yaml were written before the new check ran, and
the harness that compares them with its output belongs to the check itself. What is checked here is the
data: every file is indexed and every indexed file exists, the real files still carry their source, every
code named is a code the rules or the lint catalogue define, no code is both expected and forbidden, the
targets name GPUs the tables know, and the lines the expectations quote exist.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.propose_matrix import knowledge

ROOT = Path(__file__).parent / "envfiles"
REPO = Path(__file__).parent.parent
TARGET_KEYS = {"os", "arch", "gpu", "driver", "compute_capability", "no_gpu"}
ENTRY_KEYS = {
    "id",
    "file",
    "source",
    "repo",
    "path",
    "commit",
    "file_date",
    "style",
    "shares_file_with",
    "target",
    "errors",
    "warnings",
    "infos",
    "one_of",
    "allowed",
    "must_not",
    "installs",
    "not_checked",
    "expect",
    "note",
    "harness_note",
}
CODE_LISTS = ("errors", "warnings", "infos", "allowed", "must_not")


LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)  # CSafeLoader or SafeLoader


@cache
def index() -> dict[str, Any]:
    doc = load(ROOT / "index.yaml")
    assert isinstance(doc, dict) and isinstance(doc.get("files"), list)
    return doc


def entries() -> list[dict[str, Any]]:
    return list(index()["files"])


@cache
def known_codes() -> frozenset[str]:
    from envadvisor.lint import RETIRED_CODES

    rule_codes = {r.code for r in knowledge().rules}
    lints = load(REPO / "data" / "lint.yaml")["lints"]
    # a retired code may stay in must_not and one_of: it must never come back
    return frozenset(rule_codes | {lint["code"] for lint in lints} | set(RETIRED_CODES))


def codes_named(entry: dict[str, Any]) -> set[str]:
    named = {c for key in CODE_LISTS for c in entry.get(key) or ()}
    return named | {c for group in entry.get("one_of") or () for c in group}


def test_every_file_is_indexed_and_every_indexed_file_exists() -> None:
    on_disk = {p.relative_to(ROOT).as_posix() for p in ROOT.glob("*/*") if p.is_file()}
    indexed = {e["file"] for e in entries()}
    assert indexed == on_disk
    ids = [e["id"] for e in entries()]
    assert len(ids) == len(set(ids))


def test_corpus_size_is_what_the_issue_asks() -> None:
    real = [e for e in entries() if e["file"].startswith("real/")]
    assert len({e["file"] for e in real}) >= 30
    assert len({e["repo"] for e in real}) >= 25  # spread over projects, not one repository's variants


def test_entry_shape() -> None:
    for entry in entries():
        where = entry["id"]
        assert set(entry) <= ENTRY_KEYS, (where, set(entry) - ENTRY_KEYS)
        assert isinstance(entry["errors"], list) and isinstance(entry["warnings"], list), where
        assert set(entry["target"]) <= TARGET_KEYS, where
        assert entry["target"].get("os") in {"linux", "windows", "macos"}, where
        if entry["file"].startswith("real/"):
            assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), where
            url = f"https://github.com/{entry['repo']}/blob/{entry['commit']}/{entry['path']}"
            assert entry["source"] == url, where
        else:
            assert entry["source"].startswith("made for "), where


def test_codes_exist_and_do_not_contradict() -> None:
    for entry in entries():
        named = codes_named(entry)
        assert named <= known_codes(), (entry["id"], sorted(named - known_codes()))
        forbidden = set(entry.get("must_not") or ())
        both = forbidden & (named - forbidden)
        assert not both, (entry["id"], sorted(both))


def test_target_gpus_are_in_the_gpu_table() -> None:
    for entry in entries():
        for name in entry["target"].get("gpu") or ():
            assert knowledge().tables.compute_capability_for(name), (entry["id"], name)


def test_files_are_conda_environment_files() -> None:
    for entry in entries():
        doc = load(ROOT / entry["file"])
        assert isinstance(doc, dict) and isinstance(doc.get("dependencies"), list), entry["id"]


def test_quoted_lines_exist() -> None:
    quoted = 0
    for entry in entries():
        lines = (ROOT / entry["file"]).read_text(encoding="utf-8").splitlines()
        for sentence in entry.get("expect") or ():
            for match in re.finditer(r"\blines? ((?:\d+(?:, | and | \([^)]*\) and )?)+)", sentence):
                for number in re.findall(r"\b\d+\b(?![^(]*\))", match.group(1)):
                    line = lines[int(number) - 1].strip()
                    assert line.startswith("-"), (entry["id"], number, line)
                    quoted += 1
    assert quoted >= 5  # the runtime-conflict and placeholder expectations quote lines
