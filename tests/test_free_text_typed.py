"""Free text the way people type it (issue 13 part 2): versions next to names, interpreter sessions, OS
phrases, GPU names, nvidia-smi fragments, Chinese labels, pip's version list, and reports that show two
environments (the failing one is read, never a mix)."""

from __future__ import annotations

import pytest

from envadvisor.importers import read_report
from envadvisor.importers._base import clean_lines
from envadvisor.importers._environments import choose


def _facts(text: str):  # type: ignore[no-untyped-def]
    return read_report(text, source_name="paste").facts


def _names(text: str) -> list[tuple[str, int | None]]:
    return [(d.name, d.memory_mib) for d in _facts(text).gpu.devices]


# ------------------------------------------------------------------------------------------ versions


def test_an_interpreter_session_states_the_versions_it_printed() -> None:
    facts = _facts(
        ">>> import torch\n>>> torch.__version__\n'2.4.1+cpu'\n>>> torch.cuda.is_available()\nFalse\n"
        ">>> torch.backends.cudnn.version()\n8902\n"
    )
    torch = facts.frameworks.torch
    assert (torch.version, torch.variant, torch.cuda_available, torch.cudnn) == (
        "2.4.1+cpu",
        "cpu",
        False,
        "8.9.2",
    )


def test_the_value_on_the_same_line_counts_too() -> None:
    facts = _facts("print(torch.__version__) # 2.0.1+cu118\ntorch.version.cuda = 11.8\n")
    assert facts.frameworks.torch.version == "2.0.1+cu118"
    assert facts.frameworks.torch.cuda == "11.8"


def test_cudnn_integers_of_both_eras() -> None:
    assert _facts(">>> torch.backends.cudnn.version()\n90100\n").frameworks.torch.cudnn == "9.1.0"


@pytest.mark.parametrize(
    ("text", "version"),
    [("I use tf 2.15 here", "2.15"), ("tensorflow==2.16.1", "2.16.1"), ("TensorFlow版本：2.10.0", "2.10.0")],
)
def test_tensorflow_spellings(text: str, version: str) -> None:
    assert _facts(text).frameworks.tensorflow.version == version


def test_a_cuda_tag_next_to_torch_is_its_variant() -> None:
    torch = _facts("installed torch 2.4 cu124 last week").frameworks.torch
    assert (torch.variant, torch.cuda) == ("cu124", "12.4")
    torch = _facts("pip install torch --index-url https://download.pytorch.org/whl/cu118").frameworks.torch
    assert torch.variant == "cu118"


def test_a_cuda_tag_in_prose_about_pypi_is_not_the_installed_torch() -> None:
    # xformers#1388: a remark about what PyPI ships, not about this machine
    assert (
        _facts("pytorch 2.11 changes the stable version on PyPI to cu130;").frameworks.torch.variant is None
    )


@pytest.mark.parametrize("text", ["CUDA 12.4", "cuda12.4", "CUDA版本：12.4", "CUDA版本12.4"])
def test_cuda_spellings(text: str) -> None:
    assert _facts(text).cuda_toolkit.version == "12.4"


# ------------------------------------------------------------------------------------------ nvidia-smi


def test_the_cuda_beside_the_driver_is_the_drivers_not_a_toolkit() -> None:
    facts = _facts("Driver Version: 535.104.05   CUDA Version: 12.2")
    assert (facts.gpu.driver_version, facts.gpu.driver_cuda) == ("535.104.05", "12.2")
    assert facts.cuda_toolkit.version is None


def test_nvidia_smi_in_a_sentence() -> None:
    facts = _facts("nvidia-smi shows CUDA 12.4 but nvcc is missing")
    assert facts.gpu.driver_cuda == "12.4" and facts.cuda_toolkit.version is None


def test_nvcc_banner() -> None:
    facts = _facts("Cuda compilation tools, release 12.1, V12.1.105")
    assert (facts.cuda_toolkit.version, facts.cuda_toolkit.nvcc_version) == ("12.1", "12.1.105")


# ------------------------------------------------------------------------------------------ OS


@pytest.mark.parametrize(
    ("text", "system", "version"),
    [
        ("win10 x64", "windows", "10"),
        ("Win 10, python 3.8", "windows", "10"),
        ("Windows 11", "windows", "11"),
        ("Ubuntu 22.04 LTS", "linux", "22.04"),
    ],
)
def test_os_spellings(text: str, system: str, version: str) -> None:
    facts = _facts(text)
    assert (facts.os.system, facts.os.distro_version) == (system, version)


@pytest.mark.parametrize(
    ("text", "arch"),
    [
        ("MacBook Pro M2 Max, torch 2.2.0", "arm64"),
        ("Apple silicon (M1)", "arm64"),
        ("M3 芯片的 Mac", "arm64"),
        ("on an Intel Mac with python 3.11", "x86_64"),
    ],
)
def test_macs(text: str, arch: str) -> None:
    facts = _facts(text)
    assert (facts.os.system, facts.os.arch) == ("macos", arch)


def test_colab_and_kaggle_are_linux_unless_named_as_what_works() -> None:
    assert _facts("Running in Google Colab with a T4 GPU").os.system == "linux"
    assert _facts("It works on Colab, not on my PC").os.system is None


def test_wsl() -> None:
    assert _facts("Ubuntu 22.04 on WSL2").os.wsl is True


def test_docker_image_tags_describe_the_container() -> None:
    facts = _facts("FROM nvidia/cuda:12.1.0-cudnn8-runtime-ubuntu22.04")
    assert (facts.cuda_runtime.version, facts.cudnn.version, facts.os.distro_version) == (
        "12.1",
        "8",
        "22.04",
    )
    assert facts.os.container == "docker" and facts.cuda_toolkit.version is None  # runtime: no nvcc
    assert _facts("FROM nvidia/cuda:11.8.0-devel-ubuntu20.04").cuda_toolkit.version == "11.8"
    torch = _facts("image pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime").frameworks.torch
    assert (torch.version, torch.cuda, torch.variant) == ("2.1.0", "12.1", "cu121")


# ------------------------------------------------------------------------------------------ GPUs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GPU: RTX3090", [("RTX 3090", None)]),
        ("my GPU is a 3090 24G", [("GeForce RTX 3090", 24576)]),
        ("1050ti 4 GB, windows 10", [("GeForce GTX 1050 Ti", 4096)]),
        ("显卡：RTX3060 12GB", [("RTX 3060", 12288)]),
        ("显卡是4090", [("GeForce RTX 4090", None)]),
        ("GTX1080TI", [("GTX 1080 Ti", None)]),
        ("NVIDIA A100-SXM4-80GB", [("NVIDIA A100-SXM4-80GB", 81920)]),
    ],
)
def test_gpu_names_as_typed(text: str, expected: list[tuple[str, int | None]]) -> None:
    assert _names(text) == expected


@pytest.mark.parametrize("text", ["epoch 3 step 3090 loss 0.42", "port 5090 is busy", "tf 2.15 in 2050"])
def test_numbers_that_are_not_gpus(text: str) -> None:
    assert _names(text) == []


def test_a_typed_gpu_gets_its_compute_capability_from_the_tables() -> None:
    devices = _facts("GPU: 3090 24G").gpu.devices
    assert devices[0].compute_capability == "8.6"


# ------------------------------------------------------------------------------------------ Chinese


def test_chinese_labels() -> None:
    facts = _facts("显卡：RTX 4090\n驱动版本：537.13\n系统：win11\nCUDA版本：12.1\nPython版本：3.10.12")
    assert [d.name for d in facts.gpu.devices] == ["RTX 4090"]
    assert (facts.gpu.driver_version, facts.os.system, facts.os.distro_version) == ("537.13", "windows", "11")
    assert (facts.cuda_toolkit.version, facts.python.version) == ("12.1", "3.10.12")


def test_a_template_that_lists_the_choices_before_the_answer() -> None:
    # vits-simple-api#131: the OS is the answer, not the first choice the question names
    assert _facts("* 操作系统 (Linux/macOS/Windows)：windows").os.system == "windows"


def test_chinese_prose() -> None:
    facts = _facts("驱动版本是 535.104.05，显卡为 3090")
    assert facts.gpu.driver_version == "535.104.05"
    assert [d.name for d in facts.gpu.devices] == ["GeForce RTX 3090"]


# ------------------------------------------------------------------------------------------ pip


def test_pip_version_list_names_what_the_index_offers() -> None:
    text = (
        "ERROR: Could not find a version that satisfies the requirement torch==2.4.1 "
        "(from versions: 2.2.0, 2.2.1, 2.2.2)"
    )
    assert "pip-requested-version-not-offered" in _facts(text).evidence.signatures
    listed = text.replace("torch==2.4.1", "torch==2.2.1")
    assert "pip-requested-version-not-offered" not in _facts(listed).evidence.signatures


# ------------------------------------------------------------------------------------------ two environments


def test_before_and_after_reads_the_failing_one() -> None:
    report = read_report(
        "It broke after an upgrade.\n\nBefore (working):\ntorch 2.0.1+cu118\nNVIDIA GeForce RTX 3090\n\n"
        "After upgrading:\ntorch 2.1.0+cu121\nDriver Version: 470.82.01\n",
        source_name="paste",
    )
    facts = report.facts
    assert facts.frameworks.torch.version == "2.1.0+cu121"
    assert facts.gpu.devices == ()  # the GPU was named only for the working setup: not mixed in
    assert report.note is not None and "failing" in report.note.text()
    assert "标明出错" in report.note.text("zh") and "第 7-9 行" in report.note.text("zh")


def test_two_machines_read_the_one_with_the_error() -> None:
    facts = _facts(
        "## Machine A\ntorch 2.1.0, RTX 4090, driver 535.104.05\n\n## Machine B\n"
        "torch 1.13.1+cu117, driver 470.82.01\n"
        "RuntimeError: The NVIDIA driver on your system is too old (found version 11040).\n"
    )
    assert (facts.frameworks.torch.version, facts.gpu.driver_version) == ("1.13.1+cu117", "470.82.01")
    assert facts.gpu.devices == ()


def test_chinese_sections() -> None:
    facts = _facts("正常的环境：\ntorch 2.0.1\n显卡 3090\n\n报错的环境：\ntorch 2.1.0\n显卡 4090\n")
    assert facts.frameworks.torch.version == "2.1.0"
    assert [d.name for d in facts.gpu.devices] == ["GeForce RTX 4090"]


@pytest.mark.parametrize(
    "text",
    [
        "torch 2.1.0\nWorks fine on my machine.\nRTX 3090\n",
        "Environment (works):\ntorch 2.1\n\nAlso works:\ntorch 2.2\n",
        "After installing, run:\npython train.py\n",
    ],
)
def test_one_environment_is_left_whole(text: str) -> None:
    lines = clean_lines(text)
    choice = choose(lines, lambda part: False)
    assert choice.note is None and choice.lines == tuple(lines)


def test_diagnose_says_which_environment_it_read(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from envadvisor.cli import main

    report = tmp_path / "two.txt"
    report.write_text(
        "Before (working):\ntorch 2.0.1+cu118\n\nAfter upgrading:\ntorch 2.1.0+cu121\n", encoding="utf-8"
    )
    code = main(["diagnose", "--from", str(report), "--json", "--fail-on", "never"])
    captured = capsys.readouterr()
    assert code == 0
    assert "2 environments" in captured.err and "After upgrading" in captured.err
    code = main(["diagnose", "--from", str(report), "--lang", "zh", "--fail-on", "never"])
    assert code == 0 and "报告中有 2 个环境" in capsys.readouterr().err


def test_the_environment_line_is_clean_and_redacted(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The line quotes the report's own header: no escape sequence reaches the terminal through it, and
    under --redact the user name the report shows is gone from it as from the report."""
    from envadvisor.cli import main

    report = tmp_path / "two.txt"
    report.write_text(
        "$ whoami\nzhangwei\nzhangwei@gpu-box:~$ pip list\n\n"
        "Old env of zhangwei (works):\ntorch 2.0.1+cu118\n\n"
        "New env of zhangwei \x1b]0;owned\x07(broken):\ntorch 2.1.0+cu121\n",
        encoding="utf-8",
    )
    code = main(["diagnose", "--from", str(report), "--json", "--fail-on", "never"])
    err = capsys.readouterr().err
    assert code == 0 and "2 environments" in err and "New env of zhangwei" in err
    assert "\x1b" not in err and "\x07" not in err
    code = main(["diagnose", "--from", str(report), "--json", "--redact", "--fail-on", "never"])
    err = capsys.readouterr().err
    assert code == 0 and "2 environments" in err and "zhangwei" not in err
