"""``envadvisor why``: the chain behind each dependency of a proposal or of an environment file.

Targets are recorded machines and real pasted reports (tests/machines, tests/reports), so the answers do
not depend on this computer. Goldens live in tests/golden/why/; after a deliberate change regenerate
them with ``ENVADVISOR_UPDATE_GOLDENS=1 pytest tests/test_why.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from envadvisor.cli import main

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden" / "why"
H200 = str(TESTS / "machines" / "h200-datacenter.json")  # a real H200 machine, driver 580 (CUDA 13.0)
OLD_DRIVER = str(TESTS / "reports" / "fooocus-1313-driver-too-old.txt")  # RTX 3050 laptop, driver 470
LEGACY_FILE = str(GOLDEN / "legacy-pytorch-channel.yml")
UPDATE = os.environ.get("ENVADVISOR_UPDATE_GOLDENS") == "1"

# (golden name, argv) - every case reads a recorded target
CASES = [
    ("cuda-version-h200", ["why", "cuda-version", "--from", H200]),
    # the issue's example: a GPU machine whose driver supports CUDA <= 12.8
    (
        "cuda-version-rtx4090-driver570",
        ["why", "cuda-version", "--from", H200, "--gpu", "RTX 4090", "--driver", "570.86.15"],
    ),
    ("torch-old-driver-pip", ["why", "torch", "--from", OLD_DRIVER]),
    ("accelerate-h200", ["why", "accelerate", "--from", H200, "--for", "pytorch", "--for", "accelerate"]),
    (
        "tf-keras-zh",
        ["why", "tf-keras", "--from", H200, "--for", "tensorflow", "--for", "transformers", "--lang", "zh"],
    ),
    ("legacy-file-pytorch-cuda", ["why", "pytorch-cuda", "--file", LEGACY_FILE, "--from", H200]),
    ("legacy-file-torch-alias", ["why", "torch", "--file", LEGACY_FILE, "--from", H200]),
]


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "CONDA_OVERRIDE_CUDA"):
        monkeypatch.delenv(variable, raising=False)


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _stable(text: str) -> str:
    """Paths relative to tests/ so goldens do not depend on where the checkout lives."""
    return text.replace(str(TESTS) + os.sep, "tests/")


@pytest.mark.parametrize(("name", "argv"), CASES, ids=[c[0] for c in CASES])
def test_why_goldens(capsys: pytest.CaptureFixture[str], name: str, argv: list[str]) -> None:
    code, out, err = _run(capsys, argv)
    assert code == 0, err
    golden = GOLDEN / f"{name}.txt"
    if UPDATE:
        golden.write_text(_stable(out), encoding="utf-8")
    assert _stable(out) == golden.read_text(encoding="utf-8")


def test_the_issue_example_chain(capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's example: cuda-version <- pytorch-gpu on conda-forge <- "pytorch" (driver CUDA <= 12.8)."""
    code, out, _ = _run(
        capsys,
        ["why", "cuda-version", "--from", H200, "--gpu", "RTX 4090", "--driver", "570.86.15", "--json"],
    )
    assert code == 0
    data = json.loads(out)
    chain = data["chain"]
    assert chain[0].startswith("cuda-version=12.") and chain[0].endswith("on conda-forge")
    assert chain[1].startswith("pytorch-gpu=") and chain[1].endswith("on conda-forge")
    assert chain[2].startswith('"pytorch" (asked for) on Linux x86_64')
    assert chain[2].endswith("RTX 4090 (compute capability 8.9), driver 570.86.15 supports CUDA <= 12.8")
    assert "cuda_minor_version_compatibility[12]" in data["based_on"]
    assert data["term"]["id"] == "cuda-version"


def _proposed_file(tmp_path: Path, target: list[str], wants: list[str]) -> tuple[Path, list[tuple[str, str]]]:
    """The environment.yml propose would write for a target, through the same path `why` takes."""
    from envadvisor.cli import build_parser, why

    args = build_parser().parse_args(["why", "-", *target])
    proposal = why._proposal(args, tuple(wants))
    path = tmp_path / "environment.yml"
    path.write_text(proposal.to_yaml(), encoding="utf-8")
    lines = [(d.name, d.spec) for d in proposal.dependencies if d.kind == "package"]
    return path, lines


TARGETS = [
    ("h200", ["--from", H200], ["pytorch", "torchvision", "transformers", "accelerate"]),
    ("rtx4090", ["--from", H200, "--gpu", "RTX 4090", "--driver", "570.86.15"], ["pytorch", "transformers"]),
    (
        "p100-tensorflow",
        ["--from", H200, "--gpu", "Tesla P100", "--driver", "550.54.14"],
        ["tensorflow", "transformers", "torch"],
    ),
    ("old-driver", ["--from", OLD_DRIVER], ["pytorch", "transformers"]),
    ("no-gpu", ["--from", H200, "--no-gpu"], ["pytorch", "jax"]),
    ("macos", ["--from", H200, "--os", "macos", "--arch", "arm64"], ["pytorch", "transformers"]),
]


@pytest.mark.parametrize(("label", "target", "wants"), TARGETS, ids=[t[0] for t in TARGETS])
def test_every_line_of_a_proposed_file_is_explained(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, label: str, target: list[str], wants: list[str]
) -> None:
    path, lines = _proposed_file(tmp_path, target, wants)
    assert lines
    for name, spec in lines:
        code, out, err = _run(capsys, ["why", name, "--file", str(path), *target, "--json"])
        assert code == 0, (label, name, err)
        data = json.loads(out)
        assert data["spec"] == spec
        assert data["remark"] == "the same line", (label, name, data)
        assert data["why"], (label, name)
        assert data["chain"][0].startswith(spec)
        assert "(asked for)" in data["chain"][-1] or "the environment itself" in data["chain"][-1]
        assert data["term"] is not None, f"{label}: no glossary term for {name}"


@pytest.mark.parametrize(("label", "target", "wants"), TARGETS, ids=[t[0] for t in TARGETS])
def test_every_proposed_dependency_has_a_chain_to_the_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, label: str, target: list[str], wants: list[str]
) -> None:
    _, lines = _proposed_file(tmp_path, target, wants)
    for_args = [arg for want in wants for arg in ("--for", want)]
    for name, spec in lines:
        code, out, err = _run(capsys, ["why", name, *target, *for_args, "--json"])
        assert code == 0, (label, name, err)
        data = json.loads(out)
        assert data["spec"] == spec and data["origin"] == "proposal"
        last = data["chain"][-1]
        assert re.search(r'^(".+" \(asked for\)|the environment itself)', last), last
        assert " on " in last


def test_default_wants_include_the_package_asked_about(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, ["why", "jax", "--from", H200, "--json"])
    assert code == 0
    data = json.loads(out)
    assert data["wants"] == ["pytorch", "transformers", "jax"]
    assert data["term"]["id"] == "jax"


def test_package_not_in_the_proposal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, ["why", "left-pad", "--from", H200])
    assert code == 2 and out == ""
    assert err.startswith(
        "envadvisor: error: 'left-pad' is not in the environment envadvisor proposes for "
        "pytorch transformers on this target (it holds: python, pytorch-gpu, cuda-version"
    )
    assert err.count("\n") == 1


def test_package_not_in_the_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, ["why", "tensorflow", "--file", LEGACY_FILE, "--from", H200])
    assert code == 2
    assert err == (
        f"envadvisor: error: 'tensorflow' is not in {LEGACY_FILE} nor brought by one of its lines "
        "(it lists: python, pytorch, "
        "torchvision, torchaudio, pytorch-cuda, pip, transformers)\n"
    )


def test_missing_or_broken_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, ["why", "torch", "--file", str(tmp_path / "nope.yml")])
    assert code == 2 and "no such file" in err
    broken = tmp_path / "environment.yml"
    broken.write_text("dependencies: [python=3.12\n", encoding="utf-8")
    code, _, err = _run(capsys, ["why", "python", "--file", str(broken)])
    assert code == 2 and err.count("\n") == 1 and str(broken) in err


def test_bad_target_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, ["why", "cuda-version", "--from", H200, "--driver", "banana"])
    assert code == 2 and "--driver 'banana'" in err
    code, _, err = _run(
        capsys, ["why", "torch", "--file", LEGACY_FILE, "--from", str(TESTS / "missing.json")]
    )
    assert code == 2 and err.count("\n") == 1


def test_a_file_line_envadvisor_would_not_write(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(
        "name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.12\n  - pytorch\n  - scikit-learn\n",
        encoding="utf-8",
    )
    code, out, _ = _run(capsys, ["why", "scikit-learn", "--file", str(env), "--from", H200, "--json"])
    assert code == 0
    data = json.loads(out)
    assert data["line"] == 6 and data["term"] is None and data["why"] is None
    assert data["remark"] == "envadvisor would not add it for pytorch on this target"


def test_file_without_a_usable_target_still_explains_the_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # the recorded H200 report with its operating system unknown: no proposal, the line is still explained
    data = json.loads(Path(H200).read_text(encoding="utf-8"))
    data["facts"]["os"]["system"] = None
    report = tmp_path / "report.json"
    report.write_text(json.dumps(data), encoding="utf-8")
    code, out, err = _run(
        capsys, ["why", "pytorch-cuda", "--file", LEGACY_FILE, "--from", str(report), "--json"]
    )
    assert code == 0, err
    answer = json.loads(out)
    assert answer["term"]["id"] == "pytorch-gpu"
    assert answer["line"] == 13 and answer["chain"] == []
    assert answer["remark"].startswith(
        "no proposal to compare with: the target's operating system is unknown"
    )


def test_propose_options_reach_the_proposal(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, ["why", "torch", "--from", H200, "--source", "pip", "--python", "3.12", "--json"]
    )
    assert code == 0
    data = json.loads(out)
    assert data["source"] == "pip" and re.fullmatch(r"torch==\d+\.\d+\.\d+\+cu13\d", data["spec"])
    code, out, _ = _run(capsys, ["why", "python", "--from", H200, "--python", "3.12", "--json"])
    assert json.loads(out)["spec"] == "python=3.12"
    # with PyTorch from pip there is no cuda-version line to explain
    code, _, err = _run(capsys, ["why", "cuda-version", "--from", H200, "--source", "pip"])
    assert code == 2 and "it holds: python, pip, torch, transformers" in err


def test_file_lines_with_channels_extras_and_markers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(
        "name: mixed\n"
        "channels: [conda-forge, nodefaults]\n"
        "dependencies:\n"
        "  - conda-forge::python=3.12\n"
        "  - pip\n"
        "  - pip:\n"
        "      - --extra-index-url https://download.pytorch.org/whl/cu126\n"
        '      - torch==2.14.0+cu126 ; sys_platform == "linux"\n'
        "      - tensorflow[and-cuda]==2.21.*\n",
        encoding="utf-8",
    )
    for package, spec, line, term in [
        ("python", "conda-forge::python=3.12", 4, "python"),
        ("torch", 'torch==2.14.0+cu126 ; sys_platform == "linux"', 8, "pytorch"),
        ("tensorflow", "tensorflow[and-cuda]==2.21.*", 9, "tensorflow"),
    ]:
        code, out, err = _run(capsys, ["why", package, "--file", str(env), "--from", H200, "--json"])
        assert code == 0, err
        data = json.loads(out)
        assert (data["spec"], data["line"], data["term"]["id"]) == (spec, line, term)
    # a pip option is not a package line
    code, _, err = _run(capsys, ["why", "extra-index-url", "--file", str(env), "--from", H200])
    assert code == 2 and "(it lists: python, pip, torch, tensorflow)" in err
