"""The signature library: every entry against its real example line and its near-misses, the shape of
every pattern (linear: bounded repeats only), the anchors the matcher narrows candidates by, and the
converters that turn what a message says into facts."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from envadvisor.errors import DataFileError
from envadvisor.importers import read_report
from envadvisor.importers._base import Line
from envadvisor.importers._regex_shape import MIN_ANCHOR, anchors, shape_problem
from envadvisor.importers.signatures import CONVERTERS, load_signatures, parse, parse_signatures

SIGNATURES = load_signatures()


@pytest.mark.parametrize("sig", SIGNATURES, ids=lambda s: s.id)
def test_pattern_matches_its_real_example_and_no_near_miss(sig) -> None:  # type: ignore[no-untyped-def]
    assert sig.pattern.search(sig.example), sig.id
    assert sig.near_misses, sig.id
    for line in sig.near_misses:
        assert not sig.pattern.search(line), (sig.id, line)


@pytest.mark.parametrize("sig", SIGNATURES, ids=lambda s: s.id)
def test_near_misses_stay_quiet_through_the_whole_importer(sig) -> None:  # type: ignore[no-untyped-def]
    # the joined-line retry must not turn a near-miss into a match either
    text = "\n\n".join(sig.near_misses)  # blank lines: each near-miss stands alone
    assert sig.id not in read_report(text, source_name="near-misses").facts.evidence.signatures


@pytest.mark.parametrize("sig", SIGNATURES, ids=lambda s: s.id)
def test_pattern_is_linear(sig) -> None:  # type: ignore[no-untyped-def]
    assert shape_problem(sig.pattern.pattern) is None, sig.id


@pytest.mark.parametrize("sig", SIGNATURES, ids=lambda s: s.id)
def test_anchor_is_in_the_example_so_the_prefilter_finds_it(sig) -> None:  # type: ignore[no-untyped-def]
    assert sig.anchors and all(len(word) >= MIN_ANCHOR for word in sig.anchors)
    assert any(word in sig.example.lower() for word in sig.anchors), (sig.id, sig.anchors)


@pytest.mark.parametrize("sig", SIGNATURES, ids=lambda s: s.id)
def test_provenance_names_the_emitter_and_the_thread(sig) -> None:  # type: ignore[no-untyped-def]
    thread = r"^https://github\.com/[\w.-]+/[\w.-]+/(?:issues|pull|discussions)/\d+$"
    assert re.match(thread, sig.example_source)
    assert sig.project and sig.project in sig.source


def test_the_library_is_large_and_covers_the_emitting_projects() -> None:
    projects = Counter(sig.project for sig in SIGNATURES)
    assert len(SIGNATURES) >= 60
    for project in ("pytorch/pytorch", "openxla/xla", "tensorflow/tensorflow", "huggingface/transformers"):
        assert projects[project] >= 3, project
    ids = [sig.id for sig in SIGNATURES]
    assert len(ids) == len(set(ids))


def test_a_wrapped_message_is_found_from_the_line_before_its_anchor() -> None:
    text = (
        "RuntimeError:\n"
        "      The detected CUDA version (11.8) mismatches the version that was used to compile\n"
        "      PyTorch (12.4). Please make sure to use the same CUDA versions.\n"
    )
    facts = read_report(text, source_name="wrapped").facts
    assert "cpp-extension-cuda-mismatch" in facts.evidence.signatures
    assert facts.cuda_toolkit.version == "11.8"
    assert facts.frameworks.torch.cuda == "12.4"


def test_matching_only_runs_where_an_anchor_occurs() -> None:
    lines = [Line(n, f"ordinary log line number {n}") for n in range(1, 2000)]
    lines.append(Line(2000, "RuntimeError: No CUDA GPUs are available"))
    parsed = parse(lines)
    assert [obs.value for obs in parsed.observations if obs.key == "evidence.signatures"] == [
        "torch-no-cuda-gpus"
    ]


@pytest.mark.parametrize(
    ("converter", "raw", "value"),
    [
        ("cc_from_sm", "120", "12.0"),
        ("cc_from_sm", "86", "8.6"),
        ("cuda_from_int", "11040", "11.4"),
        ("cuda_from_int", "12080", "12.8"),
        ("cuda_from_tag", "121", "12.1"),
        ("cuda_from_tag", "cu118", "11.8"),
        ("cuda_from_tag", "1", None),
        ("cudnn_from_int", "8500", "8.5.0"),
        ("cudnn_from_int", "90100", "9.1.0"),
        ("version_from_tuple", "(9, 1, 0)", "9.1.0"),
        ("cudnn_version", "(8, 3, 3)", "8.3.3"),
        ("cudnn_version", "7301", "7.3.1"),
        ("sm_list", "sm_50 sm_60 compute_90", ["sm_50", "sm_60"]),
    ],
)
def test_converters(converter: str, raw: str, value: object) -> None:
    assert CONVERTERS[converter](raw) == value


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"Found GPU\d+ (?P<gpu>.+?) which", "unbounded"),
        (r"abc(?:def)*", "unbounded"),
        (r"abc[^\n]{2,}", "unbounded"),
        (r"(?:(?:abcd{0,100}){0,100}){0,100}", "nested"),
    ],
)
def test_shape_problems_are_named(pattern: str, problem: str) -> None:
    found = shape_problem(pattern)
    assert found is not None and problem in found


def test_bounded_patterns_pass_the_shape_check() -> None:
    assert shape_problem(r"Found GPU\d{1,2} (?P<gpu>[^\n]{1,60}?) which is of") is None


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        # the longest word that is not on every line of a GPU log
        (r"cuDNN version incompatibility: PyTorch was compiled", ("incompatibility",)),
        # an alternation needs a word from each branch; a word at an edge counts only behind a \b
        (r"no CUDA-capable device is detected|\bCUDA_ERROR_NO_DEVICE\b", ("capable", "cuda_error_no_device")),
        (r"no CUDA-capable device is detected|CUDA_ERROR_NO_DEVICE", ()),
        # no literal word of 4+ characters outside an alternation of short parts: no anchor
        (r"(?:torch|jax)lib", ()),
    ],
)
def test_anchors_are_literal_words_every_match_contains(pattern: str, expected: tuple[str, ...]) -> None:
    assert anchors(pattern) == expected


def _entry(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "x-message",
        "category": "no_driver",
        "severity": "error",
        "pattern": "some message text",
        "source": "owner/repo path/file.py",
        "example": "a some message text here",
        "example_source": "https://github.com/owner/repo/issues/1",
        "near_misses": ["another text"],
        "meaning": {"en": "English", "zh": "中文"},
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"source": "somewhere"}, "repository and file"),
        ({"example_source": "issue 12"}, "URL of the thread"),
        ({"near_misses": []}, "look-alike lines"),
        ({"pattern": "ab|cd", "example": "ab"}, "literal word"),
        ({"example": "nothing alike"}, "example line the pattern matches"),
    ],
)
def test_malformed_provenance_is_refused(changes: dict[str, object], message: str) -> None:
    assert parse_signatures({"signatures": [_entry()]}, path="sigs.yaml")
    with pytest.raises(DataFileError, match=message):
        parse_signatures({"signatures": [_entry(**changes)]}, path="sigs.yaml")
