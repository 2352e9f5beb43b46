"""check: the file held against a target gives diagnose's findings; the command's exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envadvisor.check import check
from envadvisor.cli import main
from envadvisor.engine import evaluate
from envadvisor.envfile import parse
from envadvisor.model import Frameworks, Package, PythonFacts, TorchBuild, replace
from tests.propose_matrix import TESTS, cases, knowledge

HEAD = "channels: [conda-forge, nodefaults]\ndependencies:\n"
MACHINE = str(TESTS / "machines" / "toolkit-no-driver.json")  # a recorded Linux host, no GPU


def facts(case_id: str):
    return next(c for c in cases() if c.id == case_id).facts


def run_check(text: str, case_id: str):
    return check(parse(text, "environment.yml"), facts(case_id), knowledge())


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


def categories(result) -> set[str]:
    return {f.category.value for f in result.findings}


def test_cuda_13_conda_build_on_a_535_driver_is_driver_too_old() -> None:
    r = run_check(HEAD + "  - python=3.12\n  - pytorch-gpu=2.13.*\n  - cuda-version=13.0\n", "a100-535")
    torch = r.env_facts.frameworks.torch
    assert torch.cuda == "13.0" and torch.variant == "cu130"
    assert r.installed.get("torch") is not None and r.installed.get("torch").channel == "conda-forge"
    assert "driver_too_old" in categories(r)
    assert any(f.severity.value == "error" for f in r.findings if f.category.value == "driver_too_old")


def test_cu130_wheel_on_volta_is_gpu_arch_unsupported_like_diagnose() -> None:
    text = (
        HEAD + "  - python=3.12\n  - pip\n  - pip:\n"
        "      - --extra-index-url https://download.pytorch.org/whl/cu130\n      - torch==2.14.0+cu130\n"
    )
    r = run_check(text, "v100-580")
    assert "gpu_arch_unsupported" in categories(r)
    # the same machine with that torch installed, as diagnose sees it
    installed = replace(
        facts("v100-580"),
        python=PythonFacts(version="3.12"),
        packages={"torch": Package(version="2.14.0+cu130", installer="pip", source="pypi")},
        frameworks=Frameworks(torch=TorchBuild(version="2.14.0+cu130", cuda="13.0", variant="cu130")),
    )
    diagnosed = {
        f.code
        for f in evaluate(knowledge(), installed).findings
        if f.category.value == "gpu_arch_unsupported"
    }
    assert diagnosed and diagnosed <= codes(r)


def test_cu126_wheel_on_rtx_5090_is_gpu_arch_unsupported() -> None:
    text = (
        HEAD + "  - python=3.12\n  - pip\n  - pip:\n"
        "      - --extra-index-url https://download.pytorch.org/whl/cu126\n      - torch==2.14.0+cu126\n"
    )
    r = run_check(text, "rtx5090-570")
    assert "gpu_arch_unsupported" in categories(r)


def test_python_outside_torch_range() -> None:
    r = run_check(HEAD + "  - python=3.9\n  - pytorch-gpu=2.13.*\n  - cuda-version=12.9\n", "a100-535")
    assert "python_unsupported" in categories(r)


def test_transformers_5_with_tensorflow_is_reported_once_with_diagnose_code() -> None:
    text = (
        HEAD
        + "  - python=3.12\n  - pip\n  - pip:\n      - tensorflow[and-cuda]==2.21.*\n      - transformers\n"
    )
    r = run_check(text, "a100-535-tensorflow")
    mismatch = [f for f in r.findings if f.category.value == "framework_version_mismatch"]
    # one finding for the problem: the engine's (EA051) when the tables know the Transformers release
    # the file resolves to, else the file lint (EA976), never both
    assert len({f.code for f in mismatch} & {"EA051", "EA976"}) == 1, [f.code for f in mismatch]
    # an unpinned transformers is the registry's newest release
    assert r.installed.get("transformers").version == knowledge().tables.newest_release("transformers")


def test_cuda_packages_for_macos() -> None:
    r = run_check(HEAD + "  - python=3.12\n  - pytorch-gpu\n  - cuda-version=12.9\n", "macos-arm64")
    assert "platform_unsupported" in categories(r)


def test_conda_forge_cuda_13_needs_glibc_2_28() -> None:
    old = replace(facts("h100-580"), os=replace(facts("h100-580").os, glibc="2.17"))
    r = check(
        parse(HEAD + "  - python=3.12\n  - pytorch-gpu=2.13.*\n  - cuda-version=13.0\n", "e.yml"),
        old,
        knowledge(),
    )
    assert "EA996" in codes(r)


def test_gpu_tensorflow_on_native_windows() -> None:
    text = HEAD + "  - python=3.12\n  - pip\n  - pip:\n      - tensorflow[and-cuda]==2.21.*\n"
    r = run_check(text, "windows-rtx3080-tensorflow")
    assert "platform_unsupported" in categories(r)


def test_cuda_build_without_gpu() -> None:
    r = run_check(HEAD + "  - python=3.12\n  - pytorch-gpu=2.13.*\n  - cuda-version=12.9\n", "no-gpu-linux")
    assert "no_driver" in categories(r)


def test_plain_pytorch_without_cuda_resolves_to_the_cpu_build() -> None:
    r = run_check(HEAD + "  - python=3.12\n  - pytorch\n", "no-gpu-linux")
    assert r.env_facts.frameworks.torch.variant == "cpu"
    assert not [f for f in r.findings if f.severity.value == "error"]


def test_clean_file_has_nothing() -> None:
    r = run_check(HEAD + "  - python=3.12\n  - pytorch-gpu=2.13.*\n  - cuda-version=12.9\n", "a100-535")
    assert [f for f in r.findings if f.severity.value != "info"] == []


# ---------------------------------------------------------------------------------------------- CLI


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "environment.yml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, HEAD + "  - python=3.12\n  - pytorch-gpu=2.13.*\n  - cuda-version=13.0\n")
    args = ["check", bad, "--from", MACHINE, "--gpu", "A100", "--driver", "535.104.05"]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "ERROR EA" in out  # the same finding panels as diagnose
    assert main([*args, "--fail-on", "never"]) == 0
    capsys.readouterr()
    assert main([*args, "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert {"findings", "not_evaluated", "installs", "target", "tables_checked"} <= set(data)
    assert any(f["category"] == "driver_too_old" for f in data["findings"])


def test_cli_clean_file_exits_0_even_with_fail_on_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, HEAD + "  - python=3.12\n  - pytorch-cpu=2.13.*\n")
    assert main(["check", good, "--from", MACHINE, "--fail-on", "warning"]) == 0
    assert "No problems found." in capsys.readouterr().out


def test_cli_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "dependencies:\n  - numpy=>1.2\n")
    main(["check", path, "--from", MACHINE, "--lang", "zh"])
    out = capsys.readouterr().out
    assert "第 2 行" in out and "原因" in out


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        ("[1, 2]\n", "is a list, not a mapping"),
        ("a: [\n", "not valid YAML"),
        ("name: x\n", "missing required field 'dependencies'"),
    ],
)
def test_cli_unusable_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, problem: str
) -> None:
    path = tmp_path / "environment.yml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["check", str(path), "--from", MACHINE]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(path) in err[0] and problem in err[0]


def test_propose_cli_writes_atomically_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "environment.yml"
    args = [
        "propose",
        "pytorch",
        "--from",
        MACHINE,
        "--gpu",
        "A100",
        "--driver",
        "535.104.05",
        "-o",
        str(out),
    ]
    assert main(args) == 0
    first = out.read_text(encoding="utf-8")
    assert "pytorch-gpu=2.13.*" in first and "CONDA_OVERRIDE_CUDA=12.2" in first
    out.write_text("mine\n", encoding="utf-8")
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err and out.read_text(encoding="utf-8") == "mine\n"
    assert main([*args, "--force"]) == 0
    assert out.read_text(encoding="utf-8") == first
    assert (
        main(
            [
                "check",
                str(out),
                "--from",
                MACHINE,
                "--gpu",
                "A100",
                "--driver",
                "535.104.05",
                "--fail-on",
                "warning",
            ]
        )
        == 0
    )
    assert [p.name for p in tmp_path.iterdir()] == ["environment.yml"]  # no temporary file left


def test_propose_cli_json_and_verify(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("rattler")
    args = [
        "propose",
        "torch",
        "accelerate",
        "--from",
        MACHINE,
        "--gpu",
        "RTX 4090",
        "--driver",
        "550.54.15",
        "--json",
        "--verify",
        str(TESTS / "channel"),
    ]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verify"]["ok"] is True and any(
        p.startswith("pytorch=2.13.0=cuda129") for p in data["verify"]["packages"]
    )
    assert data["environment_yml"].startswith("# environment.yml proposed by envadvisor")
    dep = next(d for d in data["dependencies"] if d["name"] == "accelerate")
    assert dep["chain"] == ["accelerate", "pytorch"] and dep["source"] == "conda"


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (["--python", "4"], "--python '4'"),
        (["--verify", "/nonexistent/channel"], "not a URL, a channel name or a folder"),
        (["--name", "my env"], "--name"),
        (["--force"], "--force needs -o"),
    ],
)
def test_propose_cli_usage_errors(capsys: pytest.CaptureFixture[str], extra: list[str], problem: str) -> None:
    assert main(["propose", "torch", "--from", MACHINE, *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and problem in err[0]


def test_verify_without_py_rattler_still_proposes_not_verified(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "rattler", None)  # import rattler -> ImportError, as without the extra
    assert main(["propose", "torch", "--from", MACHINE, "--verify", str(TESTS / "channel")]) == 3
    captured = capsys.readouterr()
    reason = "py-rattler is not installed (pip install 'envadvisor[solve]')"
    assert captured.err.strip().splitlines() == [f"envadvisor: not verified: {reason}"]
    lines = captured.out.splitlines()
    assert lines[0].startswith("# environment.yml proposed by envadvisor")
    assert lines[1] == f"# not verified: {reason}"
    assert "dependencies:" in lines


def test_cuda_line_conda_forge_does_not_build_on_windows() -> None:
    r = run_check(
        HEAD + "  - python=3.12\n  - pytorch-gpu=2.13.*\n  - cuda-version=12.9\n", "windows-rtx4070-pytorch"
    )
    found = [f for f in r.findings if f.code == "EA999"]
    assert found and "12.8, 13.0" in found[0].message and found[0].category.value == "platform_unsupported"
    ok = run_check(
        HEAD + "  - python=3.12\n  - pytorch-gpu=2.13.*\n  - cuda-version=12.8\n", "windows-rtx4070-pytorch"
    )
    assert "EA999" not in codes(ok)
