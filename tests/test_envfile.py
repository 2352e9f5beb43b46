"""environment.yml reading: the shapes conda accepts, one-line errors for the rest, YAML bombs refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envadvisor.envfile import MAX_BYTES, parse, parse_bytes, read
from envadvisor.errors import InputError

GOOD = """\
name: work
channels:
  - conda-forge
  - nodefaults
dependencies:
  - python=3.12
  - pytorch-gpu=2.13.*   # a comment
  - pip
  - pip:
      - --extra-index-url https://download.pytorch.org/whl/cu126
      - transformers>=4.57,<5
variables:
  PYTORCH_ENABLE_MPS_FALLBACK: "1"
  OMP_NUM_THREADS: 4
"""


def test_reads_every_part_with_its_line() -> None:
    env = parse(GOOD, "environment.yml")
    assert env.name == "work" and env.name_line == 1
    assert [(c.text, c.line) for c in env.channels] == [("conda-forge", 3), ("nodefaults", 4)]
    assert [(d.text, d.line) for d in env.conda] == [
        ("python=3.12", 6),
        ("pytorch-gpu=2.13.*", 7),
        ("pip", 8),
    ]
    assert len(env.pip_blocks) == 1 and env.pip_blocks[0].line == 9
    assert [(p.text, p.line) for p in env.pip] == [
        ("--extra-index-url https://download.pytorch.org/whl/cu126", 10),
        ("transformers>=4.57,<5", 11),
    ]
    assert env.variables == {"PYTORCH_ENABLE_MPS_FALLBACK": "1", "OMP_NUM_THREADS": "4"}
    assert env.unknown_keys == () and env.duplicate_keys == ()


def test_second_pip_block_replaces_the_first_like_conda() -> None:
    env = parse("dependencies:\n  - pip:\n      - a\n  - pip:\n      - b\n      - c\n", "e.yml")
    assert [b.line for b in env.pip_blocks] == [2, 4]
    assert [e.text for e in env.pip] == ["b", "c"]


def test_unknown_lock_and_duplicate_keys_are_kept_for_the_linter() -> None:
    env = parse("dependencies: [python]\nplatforms: [linux-64]\nfoo: 1\ndependencies: [numpy]\n", "e.yml")
    assert [(e.text, e.line) for e in env.unknown_keys] == [("foo", 3)]
    assert [e.text for e in env.lock_keys] == ["platforms"]
    assert [(e.text, e.line) for e in env.duplicate_keys] == [("dependencies", 4)]
    assert [d.text for d in env.conda] == ["numpy"]  # YAML keeps the last value


def test_other_installer_blocks_are_recorded() -> None:
    env = parse("dependencies:\n  - python\n  - uv:\n      - x\n", "e.yml")
    assert [(e.text, e.line) for e in env.other_installers] == [("uv", 3)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "is empty"),
        ("- a\n- b\n", "is a list, not a mapping"),
        ("just text\n", "is a string, not a mapping"),
        ("name: x\n", "missing required field 'dependencies'"),
        ("dependencies: python\n", "'dependencies' must be a list"),
        ("dependencies:\n  - 3.12\n", "line 2: dependency 3.12 is a number"),
        ("dependencies: [python]\nchannels: conda-forge\n", "'channels' must be a list"),
        ("dependencies: [python]\nchannels: [1]\n", "a channel must be a name or URL"),
        ("dependencies: [python]\nname: [a]\n", "'name' must be a string"),
        ("dependencies:\n  - pip: numpy\n", "'pip' must be a list"),
        ("dependencies: [python]\nvariables: [A]\n", "'variables' must be a mapping"),
        ("dependencies: [python\n", "not valid YAML (line 2"),
        ("dependencies: [python]\n3: x\n", "top-level key 3 is not a name"),
        ("dependencies:\n  - ''\n", "an empty dependency"),
    ],
)
def test_unusable_files_are_one_line_input_errors(text: str, problem: str) -> None:
    with pytest.raises(InputError) as info:
        parse(text, "env.yml")
    message = str(info.value)
    assert message.startswith("env.yml: ") and problem in message and "\n" not in message


def test_billion_laughs_is_refused_before_expansion() -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 7):  # 10 aliases per level, 60 in all: under the alias count, over the expansion limit
        prev, cur = chr(96 + i), chr(97 + i)
        levels.append(f"{cur}: &{cur} [" + ", ".join(f"*{prev}" for _ in range(10)) + "]")
    with pytest.raises(InputError, match="aliases expand to more than"):
        parse("\n".join(levels) + "\ndependencies: []\n", "bomb.yml")


def test_many_aliases_and_recursive_aliases_are_refused() -> None:
    many = "a: &a x\nb: [" + ", ".join(["*a"] * 100) + "]\ndependencies: []\n"
    with pytest.raises(InputError, match="more than 64 YAML aliases"):
        parse(many, "m.yml")
    with pytest.raises(InputError, match="aliases expand"):
        parse("a: &a [*a]\ndependencies: []\n", "r.yml")


def test_size_binary_and_encoding_limits(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="too large"):
        parse_bytes(b"#" * (MAX_BYTES + 1), "big.yml")
    with pytest.raises(InputError, match="binary data"):
        parse_bytes(b"dependencies: []\x00", "bin.yml")
    with pytest.raises(InputError, match="not UTF-8"):
        parse_bytes(b"dependencies: [\xff]", "latin.yml")
    big = tmp_path / "big.yml"
    big.write_bytes(b"#" * (MAX_BYTES + 10))
    with pytest.raises(InputError, match="too large"):
        read(big)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read(tmp_path / "nope.yml")
    with pytest.raises(InputError, match="is a folder"):
        read(tmp_path)


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "environment.yml"
    path.write_bytes("\ufeffdependencies: [python=3.12]\n".encode())
    assert [d.text for d in read(path).conda] == ["python=3.12"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises_anything_but_input_error(text: str) -> None:
    try:
        parse(text, "fuzz.yml")
    except InputError as exc:
        assert str(exc).startswith("fuzz.yml: ")


def test_nesting_beyond_any_real_file_is_refused_before_it_reaches_the_stack() -> None:
    """The limit does not depend on the interpreter's recursion limit or the YAML loader used."""
    import pytest

    from envadvisor.envfile import MAX_DEPTH, parse
    from envadvisor.errors import InputError

    deep = "dependencies:\n  - " + "[" * (MAX_DEPTH + 1) + "x" + "]" * (MAX_DEPTH + 1) + "\n"
    with pytest.raises(InputError, match="nested too deeply"):
        parse(deep, "environment.yml")
    shallow = "dependencies:\n  - python=3.12\n  - pip:\n      - requests\n"
    assert parse(shallow, "environment.yml") is not None
