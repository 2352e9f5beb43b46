"""File lints (EA9xx): each fires on the pattern it names and stays quiet on the fixed file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envadvisor.envfile import parse
from envadvisor.knowledge import load_knowledge
from envadvisor.lint import SpecError, catalogue, lint, parse_conda_spec, parse_pip_line
from envadvisor.model import Severity

SRC = Path(__file__).resolve().parents[1] / "src" / "envadvisor"
LINT_SOURCES = (SRC / "lint.py", SRC / "check.py")
CLEAN_HEAD = "channels:\n  - conda-forge\n  - nodefaults\ndependencies:\n  - python=3.12\n"


def codes(text: str) -> list[str]:
    return [f.code for f in lint(parse(text, "e.yml"), tables=load_knowledge().tables)]


# (code, file that must fire it, fixed file that must not)
CASES = [
    (
        "EA940",
        CLEAN_HEAD + "  - cudatoolkit=11.8\n  - cuda-version=12.4\n",
        CLEAN_HEAD + "  - cudatoolkit=11.8\n  - cuda-version=11.8\n",
    ),
    (
        "EA940",
        CLEAN_HEAD + "  - cudatoolkit=11.8\n  - pip\n  - pip:\n      - nvidia-cuda-runtime-cu12\n",
        CLEAN_HEAD + "  - cudatoolkit=11.8\n  - pip\n  - pip:\n      - nvidia-cuda-runtime-cu11\n",
    ),
    (
        "EA941",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - tensorflow-gpu==2.10.0\n",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - tensorflow==2.10.0\n",
    ),
    ("EA951", CLEAN_HEAD + "foo: 1\n", CLEAN_HEAD),
    ("EA952", CLEAN_HEAD + "platforms: [linux-64]\n", CLEAN_HEAD),
    ("EA953", CLEAN_HEAD + "name: a\nname: b\n", CLEAN_HEAD + "name: b\n"),
    ("EA954", "name: my env\n" + CLEAN_HEAD, "name: my-env\n" + CLEAN_HEAD),
    ("EA954", "name: base\n" + CLEAN_HEAD, "name: based\n" + CLEAN_HEAD),
    (
        "EA955",
        "channels: [conda-forge, defaults, nodefaults]\ndependencies: [python]\n",
        "channels: [conda-forge, nodefaults]\ndependencies: [python]\n",
    ),
    (
        "EA956",
        "channels: [conda-forge]\ndependencies: [python]\n",
        "channels: [conda-forge, nodefaults]\ndependencies: [python]\n",
    ),
    (
        "EA957",
        "channels: [pytorch, conda-forge, nodefaults]\ndependencies: [pytorch]\n",
        "channels: [conda-forge, nodefaults]\ndependencies: [pytorch]\n",
    ),
    ("EA957", CLEAN_HEAD + "  - pytorch::pytorch\n", CLEAN_HEAD + "  - conda-forge::pytorch\n"),
    (
        "EA958",
        CLEAN_HEAD + "  - pytorch-cuda=12.4\n",
        CLEAN_HEAD + "  - pytorch-gpu\n  - cuda-version=12.9\n",
    ),
    ("EA959", CLEAN_HEAD + "  - cpuonly\n", CLEAN_HEAD + "  - pytorch-cpu\n"),
    ("EA960", CLEAN_HEAD + "  - cudatoolkit=12.1\n", CLEAN_HEAD + "  - cuda-version=12.9\n"),
    (
        "EA961",
        "channels: [nvidia, conda-forge, nodefaults]\ndependencies: [python]\n",
        "channels: [conda-forge, nodefaults]\ndependencies: [python]\n",
    ),
    ("EA962", CLEAN_HEAD.replace("python=3.12", "python==3.12"), CLEAN_HEAD),
    ("EA963", CLEAN_HEAD + "  - pytorch=2.5=cuda*\n", CLEAN_HEAD + "  - pytorch=2.5.*=cuda*\n"),
    ("EA964", CLEAN_HEAD + "  - numpy=>1.2\n", CLEAN_HEAD + "  - numpy>=1.2\n"),
    ("EA964", CLEAN_HEAD + "  - a::b::c\n", CLEAN_HEAD + "  - b::c\n"),
    (
        "EA965",
        CLEAN_HEAD + "  - tensorflow[and-cuda]\n",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - tensorflow[and-cuda]\n",
    ),
    ("EA965", CLEAN_HEAD + "  - torch==2.7.0+cu126\n", CLEAN_HEAD + "  - pytorch=2.7.*\n"),
    ("EA966", CLEAN_HEAD + "  - my pkg\n", CLEAN_HEAD + "  - my-pkg\n"),
    (
        "EA967",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - a\n  - pip:\n      - b\n",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - a\n      - b\n",
    ),
    ("EA968", CLEAN_HEAD + "  - pip:\n      - a\n", CLEAN_HEAD + "  - pip\n  - pip:\n      - a\n"),
    ("EA969", CLEAN_HEAD + "  - pip\n  - pip:\n", CLEAN_HEAD + "  - pip\n"),
    (
        "EA970",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - torch===\n",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - torch\n",
    ),
    (
        "EA971",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - --index-url https://download.pytorch.org/whl/cu126\n"
        "      - torch==2.14.0+cu126\n",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - --extra-index-url https://download.pytorch.org/whl/cu126\n"
        "      - torch==2.14.0+cu126\n",
    ),
    (
        "EA972",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - --extra-index-url https://download.pytorch.org/whl/cu126\n"
        "      - torch==2.14.*\n",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - --extra-index-url https://download.pytorch.org/whl/cu126\n"
        "      - torch==2.14.0+cu126\n",
    ),
    (
        "EA973",
        CLEAN_HEAD + "  - pytorch\n  - pip\n  - pip:\n      - torch\n",
        CLEAN_HEAD + "  - pytorch\n  - pip\n",
    ),
    (
        "EA974",
        CLEAN_HEAD + "  - accelerate\n  - pip\n  - pip:\n      - torch\n",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - torch\n      - accelerate\n",
    ),
    (
        "EA975",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - tensorflow-gpu\n",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - tensorflow[and-cuda]\n",
    ),
    (
        "EA976",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - tensorflow==2.15.*\n      - transformers\n",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - tensorflow==2.15.*\n      - transformers<5\n",
    ),
    (
        "EA977",
        CLEAN_HEAD + "  - pip\n  - pip:\n      - tensorflow==2.21.*\n      - transformers<5\n",
        CLEAN_HEAD
        + "  - pip\n  - pip:\n      - tensorflow==2.21.*\n      - transformers<5\n      - tf-keras\n",
    ),
    ("EA978", CLEAN_HEAD + "  - uv:\n      - numpy\n", CLEAN_HEAD + "  - numpy\n"),
    (
        "EA979",
        CLEAN_HEAD + "  - a=1.0=h1234abc_0\n  - b=2.0=py312h0a1b2c3_1\n  - c=3=hdeadbee_0\n",
        CLEAN_HEAD + "  - a=1.0\n  - b=2.0\n  - c=3\n",
    ),
    ("EA980", CLEAN_HEAD + "  - pytorch-gpu\n  - pytorch-cpu\n", CLEAN_HEAD + "  - pytorch-gpu\n"),
]


@pytest.mark.parametrize(("code", "bad", "good"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_lint_fires_and_stays_quiet(code: str, bad: str, good: str) -> None:
    assert code in codes(bad)
    assert code not in codes(good)


def test_every_file_lint_has_a_case_and_every_code_in_the_code_is_documented() -> None:
    from envadvisor.lint import RETIRED_CODES

    used = {c for src in LINT_SOURCES for c in re.findall(r'"(EA9\d\d)"', src.read_text(encoding="utf-8"))}
    used -= set(RETIRED_CODES)  # named only in the list of retired codes
    documented = set(catalogue())
    assert used <= documented, used - documented
    assert documented <= used, documented - used
    tested = {c[0] for c in CASES}
    file_lints = {c for c in documented if int(c[2:]) < 990}  # EA994-EA999 need a target: tests/test_check.py
    assert file_lints <= tested, file_lints - tested


def test_catalogue_docs_are_complete_and_name_real_glossary_terms() -> None:
    from envadvisor.glossary import load_glossary

    glossary = load_glossary()
    rules = {r.code for r in load_knowledge().rules}
    for doc in catalogue().values():
        assert doc.code not in rules  # the EA9xx range is the linter's own
        assert doc.references and all(r.startswith("https://") for r in doc.references)
        for term in doc.terms:
            assert glossary.term(term) is not None, (doc.code, term)
        assert re.search(r"[\u4e00-\u9fff]", doc.zh["why"]), doc.code  # real Chinese text
        assert doc.doc("zh")["summary"] != doc.doc("en")["summary"]


def test_legacy_channel_is_a_warning_when_the_file_pins_an_old_torch() -> None:
    env = parse("channels: [pytorch, conda-forge, nodefaults]\ndependencies:\n  - pytorch=2.5.1\n", "e.yml")
    found = [f for f in lint(env, tables=load_knowledge().tables) if f.code == "EA957"]
    assert found and found[0].severity is Severity.WARNING
    env = parse("channels: [pytorch, conda-forge, nodefaults]\ndependencies:\n  - pytorch=2.8\n", "e.yml")
    found = [f for f in lint(env, tables=load_knowledge().tables) if f.code == "EA957"]
    assert found and found[0].severity is Severity.ERROR


def test_cudatoolkit_11_is_information_only() -> None:
    env = parse(CLEAN_HEAD + "  - cudatoolkit=11.2\n  - cudnn=8.1.0\n", "e.yml")
    found = [f for f in lint(env) if f.code == "EA960"]
    assert found and found[0].severity is Severity.INFO


def test_findings_carry_line_and_chinese_text() -> None:
    env = parse(CLEAN_HEAD + "  - numpy=>1.2\n", "e.yml")
    (en,) = [f for f in lint(env) if f.code == "EA964"]
    (zh,) = [f for f in lint(env, lang="zh") if f.code == "EA964"]
    assert en.evidence["line"] == 6 and "line 6" in en.message
    assert "第 6 行" in zh.message and zh.category.value == "env_file"


# conda specs: our reading agrees with py-rattler's lenient MatchSpec on what is valid
SPECS = [
    "python=3.12",
    "python==3.12",
    "numpy=1.26",
    "numpy>=1.26,<2",
    "numpy >=1.26",
    "pytorch=*=cuda*",
    "pytorch=2.5=cuda*",
    "pytorch=2.5.*=cuda*",
    "conda-forge::pytorch-gpu=2.13.*",
    "numpy>=1.26 # comment",
    "pytorch[build=cuda*]",
    "pytorch[version='2.5.*',build='cuda*']",
    "my pkg",
    "foo~=1.2",
    "foo>=1.0|<0.5",
    "Pytorch",
    "cuda-version=12.9",
    "cudnn>=9.0,<9.11",
    "__cuda>=12",
    "tensorflow[and-cuda]",
    "numpy=>1.2",
    "pytorch>=>2",
    "a::b::c",
    "",
    "numpy=1.2=",
    "x[",
]


@pytest.mark.parametrize("spec", SPECS)
def test_conda_spec_validity_matches_rattler(spec: str) -> None:
    rattler = pytest.importorskip("rattler")
    from rattler.exceptions import InvalidMatchSpecError

    try:
        rattler.MatchSpec(spec)
        rattler_ok = True
    except (InvalidMatchSpecError, Exception):
        rattler_ok = False
    try:
        parse_conda_spec(spec)
        ours_ok = True
    except SpecError:
        ours_ok = False
    assert ours_ok == rattler_ok, spec


def test_conda_spec_parts() -> None:
    s = parse_conda_spec("conda-forge::pytorch-gpu=2.13.*")
    assert (s.channel, s.name, s.version, s.build) == ("conda-forge", "pytorch-gpu", "2.13.*", None)
    s = parse_conda_spec("pytorch=2.5=cuda*")
    assert (s.version, s.build, s.exact_with_build) == ("2.5", "cuda*", True)
    assert parse_conda_spec("my pkg").bare_words


def test_pip_lines() -> None:
    assert parse_pip_line("--extra-index-url https://x/cu126").value == "https://x/cu126"
    assert parse_pip_line("--index-url=https://x").option == "--index-url"
    assert parse_pip_line("git+https://github.com/a/b").kind == "reference"
    assert parse_pip_line("-e .").kind == "option"
    req = parse_pip_line("torch==2.14.0+cu126  # exact").requirement
    assert req is not None and str(req.specifier) == "==2.14.0+cu126"
    with pytest.raises(SpecError):
        parse_pip_line("torch===")


# Robustness: whatever strings a file holds, lint and check answer with findings, never an exception.

_TOKENS = st.sampled_from(
    [
        "python",
        "pytorch",
        "pytorch-gpu",
        "pytorch-cpu",
        "torch",
        "tensorflow",
        "transformers",
        "cuda-version",
        "pytorch-cuda",
        "cudatoolkit",
        "accelerate",
        "jax",
        "tf-keras",
        "numpy",
        "=",
        "==",
        ">=",
        "<",
        ",",
        "*",
        "2.13",
        "13.0",
        "12.4",
        "3.12",
        "5",
        "[and-cuda]",
        "+cu126",
        "::",
        " ",
        "cuda*",
        "--extra-index-url",
        "https://download.pytorch.org/whl/cu126",
        "-e",
        ".",
        "#",
        "[build=cuda*]",
    ]
)
_SPEC = st.lists(_TOKENS, min_size=1, max_size=6).map("".join).filter(lambda s: s.strip() and "\n" not in s)


@settings(max_examples=150, deadline=None)
@given(
    conda=st.lists(_SPEC, max_size=5),
    pip=st.lists(_SPEC, max_size=5),
    channels=st.lists(
        st.sampled_from(["conda-forge", "nodefaults", "defaults", "pytorch", "nvidia"]), max_size=3
    ),
)
def test_lint_and_check_never_raise(conda: list[str], pip: list[str], channels: list[str]) -> None:
    import json

    from envadvisor.check import check
    from tests.propose_matrix import cases

    doc = {"channels": channels, "dependencies": [*conda, {"pip": pip}] if pip else conda}
    env = parse(json.dumps(doc), "fuzz.yml")  # JSON is YAML: exact strings, no quoting games
    lint(env, tables=load_knowledge().tables)
    check(env, cases()[0].facts, load_knowledge())
