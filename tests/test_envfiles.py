"""check over the environment-file corpus: what it says about 125 (file, target) pairs, held to the
expectations written in tests/envfiles/index.yaml before the new check ran (issue 12).

Every entry must pass, but for the few listed in KNOWN_MISSES, each with the reason the expectation is
not met yet; they are reported as skipped, never silently passed, and the test fails when one of them
starts passing (so the list shrinks as the knowledge grows).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.envfile_corpus import entries, judge, run

KNOWN_MISSES = {
    "w006": "torchvision 0.20.0 pins torch==2.5.0 in its METADATA; the tables pair torchvision and torch "
    "by minor line only, so a patch-level mismatch is not seen",
}


def _ids() -> list[str]:
    return [str(e["id"]) for e in entries()]


@pytest.mark.parametrize("entry_id", _ids())
def test_check_says_what_the_corpus_expects(entry_id: str) -> None:
    entry: Any = next(e for e in entries() if e["id"] == entry_id)
    problems = judge(entry, run(entry))
    if entry_id in KNOWN_MISSES:
        assert problems, f"{entry_id} passes now: remove it from KNOWN_MISSES"
        pytest.skip(f"known miss: {KNOWN_MISSES[entry_id]}")
    assert not problems, "\n".join(problems)


def test_known_misses_are_corpus_entries() -> None:
    assert set(KNOWN_MISSES) <= set(_ids())


def test_every_finding_of_the_corpus_reads_as_advice() -> None:
    """No template text, no '?' where a value belongs, in English or Chinese, for any file of the corpus."""
    import re

    from envadvisor.check import check
    from envadvisor.envfile import read
    from tests.envfile_corpus import ROOT, knowledge, target_facts
    from tests.fix_properties import finding_texts, template_problems

    lone_question = re.compile(r"(?:^|[\s'(:：])\?(?:$|[\s',.)；。])")
    problems = []
    for entry in entries():
        env = read(ROOT / entry["file"])
        facts = target_facts(entry.get("target") or {})
        for lang in ("en", "zh"):
            for finding in check(env, facts, knowledge(), lang=lang).findings:
                for where, text in finding_texts(finding):
                    found = template_problems(text)
                    if lone_question.search(text):
                        found.append("'?' where a value belongs")
                    problems += [f"{entry['id']} {finding.code} {where} ({lang}): {p}: {text}" for p in found]
    assert not problems, "\n".join(problems[:30])
