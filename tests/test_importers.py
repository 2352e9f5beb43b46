"""The report importers, format by format, on the real reports in tests/reports/ (sources in index.yaml)
and on the layouts documented in shared/reference/report-formats.md.

What matters here: every value lands under the right fact key (the three CUDA versions especially),
sentinels become unknowns with a reason, provenance and quotes point at the right line, nothing of this
machine leaks in, and bad input is one clear InputError.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envadvisor.errors import InputError
from envadvisor.importers import FORMATS, MAX_BYTES, read_report, read_report_file
from envadvisor.importers._base import clean_lines
from envadvisor.importers.signatures import load_signatures, parse_signatures
from envadvisor.model import Facts, fact_keys, from_data, to_data

REPORTS = Path(__file__).parent / "reports"


def report(name: str):  # type: ignore[no-untyped-def]
    path = REPORTS / name
    return read_report(path.read_text(encoding="utf-8"), source_name=name)


def lines_of(name: str) -> list[str]:
    return (REPORTS / name).read_text(encoding="utf-8").split("\n")


# ------------------------------------------------------------------------------------------------
# Input that is not a report
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty report"),
        (b"  \n\t\n", "empty report"),
        (b"PyTorch version: 2.1\x00\x01", "binary data"),
        (b"\xff\xfe\xfa bad", "not UTF-8"),
        (b"x" * (MAX_BYTES + 1), "too large"),
    ],
)
def test_bad_input_is_one_line_input_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_report_file(str(path))
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert str(path) in text


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_report_file(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="directory"):
        read_report_file(str(tmp_path))


def test_stdin_is_read_for_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    text = (REPORTS / "fooocus-1313-driver-too-old.txt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    imported = read_report_file("-")
    assert imported.facts.gpu.driver_version == "470.86"


def test_unknown_forced_format_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown report format 'bogus'"):
        read_report("PyTorch version: 2.1.0", source_name="x", format="bogus")


def test_utf8_bom_and_crlf_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    text = (REPORTS / "vllm-13497-collect-env-4090-healthy.txt").read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    facts = read_report_file(str(path)).facts
    assert facts.frameworks.torch.version == "2.5.1+cu121"
    assert facts.gpu.driver_version == "535.183.01"


# ------------------------------------------------------------------------------------------------
# The text alone, and unknowns with reasons
# ------------------------------------------------------------------------------------------------


def test_nothing_of_this_machine_leaks_in() -> None:
    imported = read_report("It crashes when I press the button.", source_name="prose")
    facts = imported.facts
    # The test machine has a Python, an OS and a CUDA 13.0 toolkit: none of them may appear.
    for key in (
        "python.version",
        "os.system",
        "os.distro",
        "cuda_toolkit.version",
        "gpu.driver_version",
        "frameworks.torch.version",
        "cudnn.version",
    ):
        assert facts.get(key) is None, key
        assert facts.reasons[key] == "not in the report"
    assert facts.packages == {}
    assert facts.gpu.devices == ()
    assert imported.formats == ()
    assert "no known report format" in facts.reasons["report"]


def test_every_unknown_scalar_fact_has_a_reason() -> None:
    facts = report("fooocus-1313-driver-too-old.txt").facts
    for key in fact_keys():
        if "*" in key or key.startswith(("packages", "evidence", "proof")):
            continue
        value = facts.get(key)
        if value is None:
            assert key in facts.reasons, key


def test_sentinels_are_unknowns_with_their_reason_never_versions() -> None:
    facts = report("pytorch-137846-windows-cpu-healthy.txt").facts
    assert facts.gpu.driver_version is None
    assert "No CUDA" in facts.reasons["gpu.driver_version"]
    assert facts.cuda_toolkit.version is None
    assert "No CUDA" in facts.reasons["cuda_toolkit.version"]
    assert facts.gpu.devices == ()
    assert "No CUDA" in facts.reasons["gpu.devices"]
    # "CUDA used to build PyTorch: None" plus +cpu: a known CPU build, not an unknown CUDA
    assert facts.frameworks.torch.cuda is None
    assert "CPU-only build" in facts.reasons["frameworks.torch.cuda"]
    assert facts.frameworks.torch.variant == "cpu"
    assert facts.cudnn.version is None


def test_could_not_collect_nvcc_is_not_a_runtime_version() -> None:
    facts = report("onediff-1044-collect-env-a100-healthy.txt").facts
    assert facts.cuda_toolkit.version is None
    assert "Could not collect" in facts.reasons["cuda_toolkit.version"]


# ------------------------------------------------------------------------------------------------
# PyTorch collect_env
# ------------------------------------------------------------------------------------------------


def test_collect_env_three_cuda_versions_land_apart() -> None:
    facts = report("vllm-9293-collect-env-wsl-healthy.txt").facts
    assert facts.frameworks.torch.cuda == "12.1"  # CUDA used to build PyTorch
    assert facts.cuda_toolkit.nvcc_version == "12.4.131"  # "CUDA runtime version" is nvcc
    assert facts.cuda_toolkit.version == "12.4"
    assert facts.cuda_runtime.version is None
    assert "nvcc" in facts.reasons["cuda_runtime.version"]
    # nvidia-smi's CUDA Version is not in collect_env: the driver's CUDA is inferred, and says so
    assert facts.gpu.driver_version == "551.88"
    assert facts.gpu.driver_cuda_inferred is True
    assert "derived from gpu.driver_version" in facts.sources["gpu.driver_cuda"]
    assert facts.os.wsl is True
    assert facts.os.glibc == "2.35"


def test_collect_env_multi_line_gpu_list() -> None:
    facts = report("onediff-1044-collect-env-a100-healthy.txt").facts
    assert [d.index for d in facts.gpu.devices] == list(range(8))
    assert {d.name for d in facts.gpu.devices} == {"NVIDIA A100-PCIE-40GB"}
    assert facts.gpu.count == 8
    assert {d.compute_capability for d in facts.gpu.devices} == {"8.0"}
    assert {d.compute_capability_source for d in facts.gpu.devices} == {"name-table"}
    assert facts.frameworks.torch.variant == "cu124"


def test_collect_env_multi_line_cudnn_lists_system_copies_only() -> None:
    facts = report("vllm-13497-collect-env-4090-healthy.txt").facts
    assert len(facts.cudnn.copies) == 7
    assert {c.source for c in facts.cudnn.copies} == {"system"}
    assert facts.cudnn.copies[0].path == "/usr/lib/x86_64-linux-gnu/libcudnn.so.8.9.0"
    assert facts.cudnn.copies[0].version == "8.9.0"
    # the system's cuDNN is not what a pip torch loads: no cudnn.version from it
    assert facts.cudnn.version is None
    assert "system" in facts.reasons["cudnn.version"]


def test_collect_env_2019_era_and_conda_build_string() -> None:
    facts = report("pytorch-28321-collect-env-2019-driver-410.txt").facts
    torch = facts.frameworks.torch
    assert (torch.version, torch.cuda, torch.variant, torch.cudnn) == ("1.3.0", "10.1", "cu101", "7.6.3")
    assert torch.cuda_available is False  # 2019 printed "No"
    assert facts.python.version == "3.7"
    assert facts.os.distro == "debian"
    # pip's torch 1.2.0 and conda's pytorch 1.3.0: one distribution, two versions
    assert facts.packages["torch"].version == "1.2.0"
    assert facts.packages["torch"].other_versions == ("1.3.0",)
    assert facts.packages["torchvision"].other_versions == ("0.4.1",)
    assert facts.packages["mkl"].source == "conda"


def test_collect_env_pip_and_conda_lines_of_one_install_are_one_package() -> None:
    facts = report("vllm-18285-collect-env-macos-healthy.txt").facts
    assert facts.packages["torch"].version == "2.7.0"
    assert facts.packages["torch"].other_versions == ()
    assert facts.frameworks.torch.variant == "macos"  # CUDA used to build: None on macOS
    assert facts.os.cpu == "Apple M1"


def test_collect_env_any_tag_and_newline_less_paste() -> None:
    original = lines_of("vllm-13497-collect-env-4090-healthy.txt")
    header = [line for line in original[3:22] if line.strip()]
    squashed = " ".join(header) + "\n[uv] torch==2.5.1+cu121\n[pip3] nvidia-cudnn-cu12==9.1.0.70"
    facts = read_report(squashed, source_name="squashed").facts
    assert facts.frameworks.torch.version == "2.5.1+cu121"
    assert facts.frameworks.torch.cuda == "12.1"
    assert facts.gpu.driver_version == "535.183.01"
    assert facts.python.version == "3.10.12"
    assert facts.packages["torch"].installer == "uv"
    assert facts.cudnn.version == "9.1.0"  # the wheel's copy is what torch loads
    assert {c.source for c in facts.cudnn.copies} == {"wheel"}


def test_vllm_sectioned_report_is_vllm_not_collect_env() -> None:
    imported = report("genesis-vllm-24-vllm-sectioned-healthy.txt")
    assert "vllm" in imported.formats and "collect_env" not in imported.formats
    facts = imported.facts
    assert facts.frameworks.torch.version == "2.11.0+cu130"
    assert facts.cuda_toolkit.nvcc_version == "13.1.115"
    assert [d.index for d in facts.gpu.devices] == [0, 1, 2]


def test_vllm_environment_variables() -> None:
    text = "\n".join(lines_of("genesis-vllm-24-vllm-sectioned-healthy.txt")) + (
        "\n==============================\n     Environment Variables\n==============================\n"
        "CUDA_VISIBLE_DEVICES=0,1\nLD_LIBRARY_PATH=/usr/local/cuda-12.1/lib64:/opt/lib\n"
    )
    facts = read_report(text, source_name="vllm").facts
    assert facts.gpu.cuda_visible_devices == "0,1"
    assert facts.env.ld_library_path_cuda == ("/usr/local/cuda-12.1/lib64",)


# ------------------------------------------------------------------------------------------------
# transformers / accelerate env and templates
# ------------------------------------------------------------------------------------------------


def test_transformers_env_v4() -> None:
    facts = report("transformers-22484-hf-env-healthy.txt").facts
    assert facts.packages["transformers"].version == "4.27.4"
    assert facts.packages["huggingface-hub"].version == "0.13.2"
    assert facts.frameworks.torch.cuda_available is True  # "(True)"
    assert facts.frameworks.tensorflow.version is None  # "not installed (NA)"
    assert facts.os.kernel == "3.10.0-1160.11.1.el7.x86_64"


@pytest.mark.parametrize(
    ("line", "available"),
    [
        ("- PyTorch version (accelerator?): 2.12.1+cu130 (CUDA)", True),
        ("- PyTorch version (accelerator?): 2.8.0+cpu (NA)", False),
        ("- PyTorch version (GPU?): 2.0.1+cu117 (False)", False),
    ],
)
def test_transformers_env_accelerator_flag(line: str, available: bool) -> None:
    text = f"- `transformers` version: 5.13.1\n- Python version: 3.13.13\n{line}\n"
    facts = read_report(text, source_name="t").facts
    assert facts.frameworks.torch.cuda_available is available


def test_accelerate_env_nested_config_is_read_past() -> None:
    imported = report("accelerate-2216-accelerate-env-healthy.txt")
    facts = imported.facts
    assert imported.formats == ("hf_env",)
    assert facts.frameworks.torch.version == "1.13.1+cu117"
    assert facts.packages["numpy"].version == "1.24.2"
    assert [d.name for d in facts.gpu.devices] == ["NVIDIA GeForce RTX 3060"]


def test_old_tensorflow_template_bullets() -> None:
    facts = report("tensorflow-28608-incorrect-results-healthy.txt").facts
    assert facts.frameworks.tensorflow.version == "1.13.1"  # "v1.13.1-2-g09e3b09e69 1.13.1"
    assert facts.cuda_toolkit.version == "10.0"
    assert facts.cudnn.version is None  # "CUDA 10.0" names no cuDNN
    assert facts.os.distro_version == "16.04"


def test_tensorflow_issue_form() -> None:
    imported = report("tensorflow-82669-dnn-init-failed.txt")
    facts = imported.facts
    assert "issue_templates" in imported.formats
    assert facts.cuda_toolkit.version == "12.6"
    assert facts.cudnn.version == "9.0"
    assert facts.sources["cudnn.version"].startswith("issue_templates, line")
    assert [d.name for d in facts.gpu.devices] == ["NVIDIA GeForce RTX 3060"]


def test_issue_form_cuda_and_cudnn_as_installer_names() -> None:
    # the x86_64 of an installer's name is not a cuDNN version (tensorflow#60237 pasted the file names)
    facts = report("tensorflow-60237-tf212-windows-gpu-not-available.txt").facts
    assert facts.cuda_toolkit.version == "11.8"
    assert facts.cudnn.version == "8.6.0.163"


@pytest.mark.parametrize(
    ("answer", "cuda", "cudnn"),
    [
        ("cuda_12.4.0_windows / cudnn-windows-x86_64-9.1.0.70_cuda12-archive", "12.4", "9.1.0.70"),
        ("CUDA 11.2 / cudnn-linux-x86_64-8.1.1.33", "11.2", "8.1.1.33"),
        ("12.1/8.9.2", "12.1", "8.9.2"),
        ("CUDA 12.6; CUDNN 9.0", "12.6", "9.0"),
    ],
)
def test_issue_form_cuda_cudnn_answers(answer: str, cuda: str, cudnn: str) -> None:
    text = f"### TensorFlow version\n\n2.15\n\n### CUDA/cuDNN version\n\n{answer}\n"
    facts = read_report(text, source_name="form").facts
    assert (facts.cuda_toolkit.version, facts.cudnn.version) == (cuda, cudnn)


@pytest.mark.parametrize(
    ("answer", "names"),
    [
        ("1050ti 4 GB", ["GeForce GTX 1050 Ti"]),  # tensorflow#60237 as typed
        ("4090", ["GeForce RTX 4090"]),
        ("2 x 3090 24GB", ["GeForce RTX 3090"]),
        ("2080 super", ["GeForce RTX 2080 SUPER"]),
        ("970 4GB", ["GeForce GTX 970"]),
        ("NVIDIA GeForce RTX 3060", ["NVIDIA GeForce RTX 3060"]),  # a spelled-out name wins
        # not GeForce model numbers: nothing is read
        ("Intel UHD 620", []),
        ("MX150", []),
        ("8GB", []),
        ("CUDA 11.8", []),
    ],
)
def test_issue_form_gpu_typed_as_a_model_number(answer: str, names: list[str]) -> None:
    text = f"### TensorFlow version\n\n2.15\n\n### GPU model and memory\n\n{answer}\n"
    facts = read_report(text, source_name="form").facts
    assert [d.name for d in facts.gpu.devices] == names


def test_a_number_outside_a_gpu_field_is_not_a_gpu() -> None:
    facts = read_report("I ran it 4090 times and the loss was 3060.\n", source_name="prose").facts
    assert facts.gpu.devices == ()


@pytest.mark.parametrize(
    ("line", "system"),
    [
        # vits-simple-api#131: the answer counts, not the first choice listed
        ("* 操作系统 (Linux/macOS/Windows)：windows", "windows"),
        ("OS (Linux/Mac/Windows): Linux", "linux"),
        ("Ubuntu 22.04 (x86_64)", "linux"),
    ],
)
def test_os_form_with_the_choices_listed(line: str, system: str) -> None:
    from envadvisor.importers._system import os_observations

    found = {o.key: o.value for o in os_observations(line, None)}
    assert found.get("os.system") == system


def test_issue_form_no_response_stays_unknown() -> None:
    text = (
        "### TensorFlow version\n\n2.15\n\n### GPU model and memory\n\n_No response_\n\n"
        "### Python version\n\n3.11\n"
    )
    facts = read_report(text, source_name="form").facts
    assert facts.frameworks.tensorflow.version == "2.15"
    assert facts.python.version == "3.11"
    assert facts.gpu.devices == ()


# ------------------------------------------------------------------------------------------------
# nvidia-smi
# ------------------------------------------------------------------------------------------------


def test_nvidia_smi_header_gives_the_driver_cuda() -> None:
    facts = report("accelerate-3510-pip-list-nvidia-smi-healthy.txt").facts
    assert facts.gpu.driver_version == "570.124.06"
    assert facts.gpu.driver_cuda == "12.8"
    assert facts.gpu.driver_cuda_inferred is False
    assert facts.gpu.driver_source == "nvidia-smi"
    assert facts.gpu.nvml_state == "ok"


def test_nvidia_smi_old_header_without_cuda_version() -> None:
    text = "| NVIDIA-SMI 396.26                 Driver Version: 396.26                    |\n"
    facts = read_report(text, source_name="smi").facts
    assert facts.gpu.driver_version == "396.26"
    # nvidia-smi before R410 prints no CUDA version; the branch table knows R396's (CUDA 9.2), inferred.
    assert facts.gpu.driver_cuda == "9.2" and facts.gpu.driver_cuda_inferred is True


def test_nvidia_smi_table_row_and_memory() -> None:
    facts = report("wsl-10289-blocked-by-os-gtx1060.txt").facts
    (gpu,) = facts.gpu.devices
    assert (gpu.index, gpu.name) == (0, "NVIDIA GeForce GTX 1060 3GB")
    # the WSL error (a later, specific statement) wins over the "ok" a working table implies
    assert facts.gpu.nvml_state == "blocked_by_os"


def test_nvidia_smi_list_with_mig_children() -> None:
    facts = report("telegraf-5812-nvidia-smi-L-mig-healthy.txt").facts
    assert facts.gpu.count == 4  # MIG instances are not GPUs
    assert [d.index for d in facts.gpu.devices] == [0, 1, 2, 3]
    assert all(d.uuid is None for d in facts.gpu.devices)  # UUIDs are not kept
    quoted = report("telegraf-5812-nvidia-smi-L-mig-healthy.txt").quotes["gpu.devices"]
    assert quoted[0] == "GPU 0: NVIDIA A100-SXM4-80GB"
    assert not any("GPU-" in line or "MIG-" in line for line in quoted)


@pytest.mark.parametrize(
    "text",
    [
        "index, name, driver_version, compute_cap, memory.total [MiB]\n"
        "0, NVIDIA H100 80GB HBM3, 580.65.06, 9.0, 81559 MiB\n",
        "0, NVIDIA H100 80GB HBM3, 580.65.06, 9.0, 81559\n",
    ],
)
def test_nvidia_smi_query_gpu_csv(text: str) -> None:
    facts = read_report(text, source_name="csv").facts
    (gpu,) = facts.gpu.devices
    assert (gpu.index, gpu.name, gpu.memory_mib) == (0, "NVIDIA H100 80GB HBM3", 81559)
    assert (gpu.compute_capability, gpu.compute_capability_source) == ("9.0", "nvidia-smi")
    assert facts.gpu.driver_version == "580.65.06"


def test_nvidia_smi_error_lines() -> None:
    imported = report("mozilla-translations-1167-nvml-mismatch.txt")
    assert imported.formats == ("nvidia_smi", "signatures")
    assert imported.facts.gpu.nvml_state == "driver_library_mismatch"
    (quote,) = imported.quotes["nvml-driver-library-mismatch"]
    assert "Driver/library version mismatch" in quote


# ------------------------------------------------------------------------------------------------
# conda list, pip freeze / list / show, free text
# ------------------------------------------------------------------------------------------------


def test_conda_list_rows_channels_and_prefix() -> None:
    facts = report("conda-14054-conda-list-windows-healthy.txt").facts
    assert facts.conda.prefix == "D:\\Anaconda\\envs\\DL"
    assert facts.conda.in_conda_env is True
    cudart = facts.packages["cuda-cudart"]
    assert (cudart.version, cudart.source, cudart.channel) == ("12.1.105", "conda", "nvidia")
    assert set(facts.conda.channels) == {"defaults", "nvidia"}
    assert facts.cuda_runtime.version == "12.1"
    assert facts.packages["blas"].version == "1.0"


def test_conda_list_without_channel_column() -> None:
    facts = report("pytorch-32369-conda-list-healthy.txt").facts
    assert facts.packages["cudatoolkit"].version == "10.1.243"
    assert facts.packages["cudatoolkit"].channel is None
    assert facts.cuda_runtime.version == "10.1"


def test_pip_list_without_header_and_nvidia_wheels() -> None:
    facts = report("accelerate-3510-pip-list-nvidia-smi-healthy.txt").facts
    assert facts.packages["torch"].version == "2.6.0"
    assert facts.packages["diffusers"].version == "0.33.0.dev0"
    assert facts.cudnn.version == "9.1.0"
    assert facts.cuda_runtime.version == "12.4"
    assert facts.nccl.copies[0].version == "2.21.5"
    assert facts.frameworks.torch.version == "2.6.0"


def test_pip_show() -> None:
    facts = report("sdnext-3531-torchvision-nms.txt").facts
    assert facts.packages["torch"].version == "2.4.0+cu121"
    assert facts.packages["torchvision"].version == "0.20.1+cu124"
    assert facts.frameworks.torch.variant == "cu121"


def test_pip_freeze_lines_and_local_tags() -> None:
    text = "numpy==1.26.4\ntorch==2.5.1+cu121\ntorchvision==0.20.1+cu121\ntensorflow-cpu==2.15.1\n"
    imported = read_report(text, source_name="freeze")
    facts = imported.facts
    assert imported.formats == ("pip_freeze",)
    assert (facts.frameworks.torch.variant, facts.frameworks.torch.cuda) == ("cu121", "12.1")
    assert facts.frameworks.tensorflow.distribution == "tensorflow-cpu"
    assert facts.frameworks.tensorflow.version == "2.15.1"


@pytest.mark.parametrize(
    ("text", "key", "value"),
    [
        ("I use torch==2.1.2 here", "frameworks.torch.version", "2.1.2"),
        ("conda create -n x python=3.10.12", "python.version", "3.10.12"),
        ("Running PyTorch 2.5.1 on my box", "frameworks.torch.version", "2.5.1"),
        ("CUDA version: 12.2", "cuda_toolkit.version", "12.2"),
        ("Driver Version: 535.161.07", "gpu.driver_version", "535.161.07"),
        ("my card is an RTX 4090", "gpu.devices", ("RTX 4090",)),
        ("OS: Ubuntu 22.04", "os.distro_version", "22.04"),
        ("Cuda compilation tools, release 12.1, V12.1.105", "cuda_toolkit.nvcc_version", "12.1.105"),
    ],
)
def test_free_text_statements(text: str, key: str, value: object) -> None:
    facts = read_report(text, source_name="prose").facts
    got = tuple(d.name for d in facts.gpu.devices) if key == "gpu.devices" else facts.get(key)
    assert got == value
    assert facts.sources[key].startswith("free_text, line 1")


def test_free_text_ignores_versions_inside_tracebacks_and_compiler_lines() -> None:
    text = (
        '  File "/usr/lib/python3/dist-packages/torch/cuda/__init__.py", line 12, in _lazy_init\n'
        "GCC version: (Ubuntu 12.3.0-1ubuntu1~22.04) 12.3.0\n"
    )
    facts = read_report(text, source_name="tb").facts
    assert facts.frameworks.torch.version is None
    assert facts.os.distro_version is None


# ------------------------------------------------------------------------------------------------
# Merging, provenance, quotes, forced formats, JSON round trip
# ------------------------------------------------------------------------------------------------


def test_structured_format_beats_free_text() -> None:
    text = "\n".join(lines_of("vllm-13497-collect-env-4090-healthy.txt")) + "\nmy driver is 550.54.14\n"
    facts = read_report(text, source_name="mixed").facts
    assert facts.gpu.driver_version == "535.183.01"
    assert facts.sources["gpu.driver_version"].startswith("collect_env, line")


def test_provenance_names_format_and_line_and_quotes_are_the_raw_line() -> None:
    name = "fooocus-1313-driver-too-old.txt"
    imported = report(name)
    raw = lines_of(name)
    source = imported.facts.sources["gpu.driver_cuda"]
    assert source.startswith("nvidia_smi, line ")
    line_number = int(source.split("line ")[1].split()[0])
    assert "CUDA Version: 11.4" in raw[line_number - 1]
    assert imported.quotes["gpu.driver_cuda"] == (raw[line_number - 1].strip(),)
    assert imported.quotes["torch-driver-too-old"][0].startswith("RuntimeError: The NVIDIA driver")


def test_forced_format_reads_only_that_format() -> None:
    text = (REPORTS / "accelerate-3510-pip-list-nvidia-smi-healthy.txt").read_text(encoding="utf-8")
    imported = read_report(text, source_name="x", format="nvidia_smi")
    assert imported.formats == ("nvidia_smi",)
    assert imported.facts.gpu.driver_cuda == "12.8"
    assert imported.facts.packages == {}


def test_diagnose_json_round_trip() -> None:
    original = report("pytorch-28321-collect-env-2019-driver-410.txt").facts
    payload = json.dumps({"schema_version": 1, "facts": to_data(original), "findings": []})
    imported = read_report(payload, source_name="report.json")
    assert imported.formats == ("envadvisor_json",)
    assert imported.facts == original
    forced = read_report(payload, source_name="report.json", format="envadvisor_json")
    assert forced.facts == original


def test_json_of_another_shape_is_read_as_text() -> None:
    imported = read_report('{"facts": 3, "torch": "PyTorch 2.1.0"}', source_name="odd.json")
    assert imported.formats == ("free_text",)
    with pytest.raises(InputError, match="not an envadvisor diagnose --json"):
        read_report('{"facts": 3}', source_name="odd.json", format="envadvisor_json")


def test_formats_constant_lists_every_reader() -> None:
    assert set(FORMATS) == {
        "envadvisor_json",
        "collect_env",
        "vllm",
        "nvidia_smi",
        "hf_env",
        "issue_templates",
        "conda_list",
        "pip_freeze",
        "free_text",
    }


def test_markdown_wrapping_is_removed_but_indentation_kept() -> None:
    lines = clean_lines(
        "> ```\n> GPU 0: NVIDIA A100\n>   MIG 1g.10gb     Device  0:\n<details><summary>env</summary>\n"
    )
    assert [line.text for line in lines if line.text] == [
        "GPU 0: NVIDIA A100",
        "  MIG 1g.10gb     Device  0:",
        "env",
    ]
    assert [line.number for line in lines if line.text] == [2, 3, 4]


def test_facts_survive_the_model_round_trip() -> None:
    facts = report("onediff-1044-collect-env-a100-healthy.txt").facts
    assert from_data(Facts, json.loads(json.dumps(to_data(facts)))) == facts


# ------------------------------------------------------------------------------------------------
# Signatures
# ------------------------------------------------------------------------------------------------


def test_signatures_file_is_valid_and_bilingual() -> None:
    signatures = load_signatures()
    assert len(signatures) >= 40
    ids = [s.id for s in signatures]
    assert len(ids) == len(set(ids))
    for sig in signatures:
        assert sig.meaning("en") and sig.meaning("zh") and sig.meaning("zh") != sig.meaning("en")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in sig.meaning("zh")), sig.id


@pytest.mark.parametrize(
    ("text", "sig_id", "key", "value"),
    [
        (
            "NVIDIA GeForce RTX 5090 with CUDA capability sm_120 is not compatible with the current PyTorch "
            "installation.",
            "torch-arch-not-compatible",
            "gpu.devices",
            (("NVIDIA GeForce RTX 5090", "12.0", "report"),),
        ),
        (
            "RuntimeError: The NVIDIA driver on your system is too old (found version 11040).",
            "torch-driver-too-old",
            "gpu.driver_cuda",
            "11.4",
        ),
        (
            "Loaded runtime CuDNN library: 8.5.0 but source was compiled with: 8.6.0.",
            "cudnn-runtime-older-than-build",
            "cudnn.version",
            "8.5.0",
        ),
        (
            "undefined symbol: __nvJitLinkComplete_12_4, version libnvJitLink.so.12",
            "nvjitlink-undefined-symbol",
            None,
            None,
        ),
        (
            "Could not load dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open "
            "shared object file",
            "tf-dso-load-failed",
            None,
            None,
        ),
        (
            "AssertionError: Torch not compiled with CUDA enabled",
            "torch-not-compiled-with-cuda",
            "frameworks.torch.variant",
            "cpu",
        ),
        (
            "A module that was compiled using NumPy 1.x cannot be run in\nNumPy 2.0.0 as it may crash.",
            "numpy-1x-module-on-numpy-2",
            "packages.numpy.version",
            "2.0.0",
        ),
    ],
)
def test_signature_evidence_and_implied_facts(text: str, sig_id: str, key: str | None, value: object) -> None:
    imported = read_report(text, source_name="log")
    facts = imported.facts
    assert sig_id in facts.evidence.signatures
    assert imported.quotes[sig_id]
    if key == "gpu.devices":
        assert (
            tuple((d.name, d.compute_capability, d.compute_capability_source) for d in facts.gpu.devices)
            == value
        )
    elif key is not None:
        assert facts.get(key) == value
        assert facts.sources[key].startswith("signatures, line")


@pytest.mark.parametrize("sig", load_signatures(), ids=lambda s: s.id)
def test_every_signature_matches_its_example_and_states_its_facts(sig) -> None:  # type: ignore[no-untyped-def]
    imported = read_report(sig.example, source_name="example")
    assert sig.id in imported.facts.evidence.signatures
    assert imported.quotes[sig.id] == (sig.example.strip()[:300],)  # quotes keep 300 characters
    for key in sig.implies:
        if key.startswith("gpu.device."):
            assert imported.facts.gpu.devices, key
        elif key.startswith("packages."):
            assert imported.facts.package_version(key.split(".")[1]), key
        else:
            assert imported.facts.get(key) not in (None, ()), key


def test_noise_is_not_evidence() -> None:
    text = (
        "Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has "
        "already "
        "been registered\nThis TensorFlow binary is optimized to use available CPU instructions in "
        "performance-critical operations.\n"
        "The TensorFlow library wasn't compiled to use AVX instructions, but "
        "these are available on your machine and could speed up CPU computations.\n"
    )
    assert read_report(text, source_name="tf log").facts.evidence.signatures == ()


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "Bad Id"}, "kebab-case id"),
        ({"id": "x", "category": "nope"}, "not a known category"),
        ({"id": "x", "category": "no_driver", "severity": "error", "pattern": "("}, "not a valid regex"),
        (
            {
                "id": "x",
                "category": "no_driver",
                "severity": "error",
                "pattern": "a",
                "implies": {"gpu.nope": 1},
            },
            "unknown fact key",
        ),
        (
            {
                "id": "x",
                "category": "no_driver",
                "severity": "error",
                "pattern": "a",
                "implies": {"gpu.driver_cuda": "{v}"},
            },
            "names no group",
        ),
        (
            {
                "id": "x",
                "category": "no_driver",
                "severity": "error",
                "pattern": "a",
                "meaning": {"en": "only"},
            },
            "en and zh",
        ),
    ],
)
def test_malformed_signature_entries_name_entry_and_field(entry: dict[str, object], message: str) -> None:
    from envadvisor.errors import DataFileError

    with pytest.raises(DataFileError, match=message) as caught:
        parse_signatures({"signatures": [entry]}, path="sigs.yaml")
    assert str(caught.value).startswith("sigs.yaml: ")
