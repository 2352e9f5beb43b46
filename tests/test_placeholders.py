"""Every placeholder a rule or an environment-file lint writes has general words (data/placeholders.yaml),
so that `explain`, and a finding whose value is not known, never show a template to the reader."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from envadvisor.conditions import template_placeholders
from envadvisor.knowledge import documentation, load_knowledge
from envadvisor.lint import catalogue, finding
from envadvisor.placeholders import general_words, has_words

# Values the engine computes itself rather than read from a fact or a table.
ENGINE_VALUES = {"devices"}
TEMPLATE_LEFTOVERS = re.compile(r"\{[A-Za-z_][A-Za-z0-9_.\-]*\}|\[\[|\]\]|this value|该值|\?\s*$|'\?'")


def _texts(entry: Any) -> Iterator[tuple[str, str]]:
    for lang, doc in (("en", {}), ("zh", entry.zh)):
        for field in ("summary", "message", "why"):
            yield lang, str(doc.get(field, getattr(entry, field)))
        for step in doc.get("fix", entry.fix):
            yield lang, str(step)


def _entries() -> list[Any]:
    return [*load_knowledge().rules, *catalogue().values()]


def test_every_placeholder_of_every_rule_and_lint_has_general_words() -> None:
    missing = sorted(
        {f"{entry.code}: {{{key}}}"
         for entry in _entries()
         for _lang, text in _texts(entry)
         for key in template_placeholders(text)
         if key not in ENGINE_VALUES and not has_words(key)}
    )
    assert not missing, f"placeholders without words in data/placeholders.yaml: {missing}"


def test_the_general_words_exist_in_both_languages_and_differ() -> None:
    keys = {key for entry in _entries() for _lang, text in _texts(entry)
            for key in template_placeholders(text)
            if key not in ENGINE_VALUES and not key.startswith("remedy.gate.")}  # a gate reads as nothing
    assert len(keys) > 80  # rules and lints together name that many facts, table values and remedies
    for key in sorted(keys):
        zh = general_words(key, "zh")
        assert re.search(r"[\u4e00-\u9fff]", zh), f"{key}: no Chinese words ({zh!r})"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explain_shows_no_template_for_any_rule_or_lint(lang: str) -> None:
    bad = []
    for entry in _entries():
        doc = documentation(entry, lang)
        for field in ("summary", "message", "why"):
            if TEMPLATE_LEFTOVERS.search(doc[field]):
                bad.append((entry.code, field, doc[field]))
        bad += [(entry.code, "fix", step) for step in doc["fix"] if TEMPLATE_LEFTOVERS.search(step)]
    assert not bad, bad[:10]


def test_a_lint_finding_without_its_evidence_reads_in_words_and_drops_the_fix_it_cannot_compute() -> None:
    # EA940 with only the lines known: the CUDA versions read in words, the fix keeps its sentence and
    # leaves out the optional ": CUDA {suggest}" it has no value for.
    partial = finding("EA940", "en", {"line": 4, "spec": "cudatoolkit=11.8", "other_line": 9,
                                      "other_spec": "pytorch-cuda=12.4"})
    assert partial.message == ("line 4: 'cudatoolkit=11.8' pins CUDA the CUDA version it pins, but line 9: "
                               "'pytorch-cuda=12.4' pins CUDA the other CUDA version")
    assert partial.fix == ("Keep one CUDA line for the whole file, the one the framework build needs.",)
    full = finding("EA940", "zh", {"line": 4, "spec": "cudatoolkit=11.8", "cuda": "11.8", "suggest": "12.4",
                                   "other_line": 9, "other_spec": "pytorch-cuda=12.4", "other_cuda": "12.4"})
    assert full.fix == ("整个文件只保留一个 CUDA 版本，即框架构建所需的那个：CUDA 12.4。",)
    # A fix that is nothing but a value it lacks is left out rather than printed with a hole.
    assert finding("EA996", "en", {"what": "pytorch", "glibc": "2.17", "needs": "2.28"}).fix == ()
    bare = finding("EA962", "en", {})
    assert "?" not in " ".join((*bare.fix, bare.message))
