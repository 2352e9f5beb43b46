"""The CUDA-library remedies of the signature rules: computed from what is installed and the target.

A report that only quotes an error ("libcudnn.so.9: cannot open shared object file", "PJRT API version
mismatch") still says which build failed through its package list; the command installs that build's
CUDA libraries, in the form its driver can run (after a driver update when only a newer one runs them),
and cuDNN 9.10 for a GPU before Turing. Expected commands are written from the ecosystem table's rows
(onnxruntime-gpu METADATA extras, xFormers' torch pins) and NVIDIA's CUDA 12/13 driver floors.
"""

from __future__ import annotations

from typing import Any

import pytest

from envadvisor.engine import evaluate
from envadvisor.knowledge import load_knowledge
from envadvisor.model import Facts, from_data
from envadvisor.remedies import Remedies
from envadvisor.target import TargetOverrides, apply_overrides
from tests.rule_cases import TODAY

UBUNTU = {"system": "linux", "arch": "x86_64", "glibc": "2.35", "distro": "Ubuntu", "distro_version": "22.04"}
CU12_LIBS = (
    "nvidia-cuda-runtime-cu12 nvidia-cublas-cu12 nvidia-cufft-cu12 nvidia-curand-cu12 nvidia-cuda-nvrtc-cu12"
)
ORT_LINE = (
    "Install the CUDA and cuDNN libraries this onnxruntime-gpu release loads"
    " (onnxruntime.ai lists them per release)"
)


def _facts(gpu: str, driver: str, packages: dict[str, Any], **more: Any) -> Facts:
    data: dict[str, Any] = {
        "os": UBUNTU,
        "python": {"version": "3.12.3"},
        "gpu": {"nvml_state": "ok"},
        "packages": {name: {"version": v, "installer": "pip"} for name, v in packages.items()},
        **more,
    }
    return apply_overrides(from_data(Facts, data), TargetOverrides.from_values(gpus=[gpu], driver=driver),
                           load_knowledge().tables)


def _remedy(name: str, facts: Facts, lang: str = "en") -> str | None:
    return Remedies(facts, load_knowledge().tables).value(name, lang)


@pytest.mark.parametrize(
    ("gpu", "driver", "ort", "expected"),
    [
        # cuDNN 9.11+ has no Pascal code: 9.10 is kept
        ("NVIDIA GeForce GTX 1080 Ti", "535.104.05", "1.20.1",
         f'pip install {CU12_LIBS} "nvidia-cudnn-cu12>=9,<9.11"'),
        ("NVIDIA GeForce RTX 4090", "550.54.15", "1.20.1",
         f'pip install {CU12_LIBS} "nvidia-cudnn-cu12==9.*"'),
        # R470 runs CUDA 11 only: CUDA 12 libraries after the driver update
        ("NVIDIA GeForce RTX 3090", "470.82.01", "1.20.1",
         "update the NVIDIA driver to 525.60.13 or newer first (it runs CUDA 12.x builds), then: "
         f'pip install {CU12_LIBS} "nvidia-cudnn-cu12==9.*"'),
        # CUDA 11.8 + cuDNN 8 builds up to 1.18
        ("NVIDIA GeForce RTX 3090", "470.82.01", "1.17.3",
         "pip install nvidia-cuda-runtime-cu11 nvidia-cublas-cu11 nvidia-cufft-cu11 nvidia-curand-cu11 "
         '"nvidia-cudnn-cu11==8.*"'),
    ],
)
def test_onnxruntime_libraries_are_the_releases_own(gpu: str, driver: str, ort: str, expected: str) -> None:
    assert _remedy("onnxruntime.libraries", _facts(gpu, driver, {"onnxruntime-gpu": ort})) == expected


@pytest.mark.parametrize(
    ("driver", "line"),
    [("535.104.05", "1.26"), ("550.54.15", "1.26"), ("580.65.06", "1.31")],
)
def test_onnxruntime_install_is_the_newest_the_driver_runs(driver: str, line: str) -> None:
    got = _remedy("onnxruntime.install", _facts("NVIDIA GeForce RTX 4090", driver, {"onnxruntime": "1.20.1"}))
    assert got == f'pip uninstall -y onnxruntime onnxruntime-gpu && pip install "onnxruntime-gpu=={line}.*"'


def test_onnxruntime_install_waits_for_a_driver_that_drives_the_gpu() -> None:
    # R470 predates the RTX 4090 (Ada needs R520+): no CUDA command helps before the driver changes
    assert _remedy("onnxruntime.install", _facts("NVIDIA GeForce RTX 4090", "470.82.01", {})) is None


def test_xformers_for_the_installed_torch_keeps_torch() -> None:
    facts = _facts("NVIDIA GeForce RTX 4090", "570.124.06", {"torch": "2.8.0+cu128"},
                   frameworks={"torch": {"version": "2.8.0+cu128", "cuda": "12.8", "variant": "cu128"}})
    assert _remedy("xformers.for_torch", facts) == (
        "pip install xformers==0.0.32.post2 torch==2.8.0+cu128 --index-url https://download.pytorch.org/whl/cu128"
    )


def test_xformers_not_offered_for_a_torch_without_code_for_the_gpu() -> None:
    # torch 2.8 cu128 wheels start at sm_70 on Linux; a GTX 980 (5.2) is older, so torch is fixed first
    facts = _facts("NVIDIA GeForce GTX 980", "570.124.06", {"torch": "2.8.0+cu128"},
                   frameworks={"torch": {"version": "2.8.0+cu128", "cuda": "12.8", "variant": "cu128"}})
    assert _remedy("xformers.for_torch", facts) is None


def test_build_libraries_follow_a_jax_plugin() -> None:
    facts = _facts("NVIDIA GeForce RTX 4090", "550.54.15", {"jax": "0.4.35", "jax-cuda12-plugin": "0.4.35"})
    assert _remedy("cuda.build_libraries", facts) == (
        "pip install nvidia-cuda-runtime-cu12 nvidia-cublas-cu12 nvidia-cudnn-cu12"
    )
    assert _remedy("cuda.nvcc_wheel", facts) == "pip install -U nvidia-cuda-nvcc-cu12"


def test_build_libraries_unknown_without_a_build() -> None:
    assert _remedy("cuda.build_libraries", _facts("NVIDIA GeForce RTX 4090", "550.54.15", {})) is None


def test_cudnn_pin_on_an_old_gpu_after_the_driver_update() -> None:
    facts = _facts("NVIDIA GeForce GTX 1080 Ti", "470.82.01",
                   {"tensorflow": "2.20.0", "nvidia-cudnn-cu12": "9.14.0.64"})
    assert _remedy("cudnn.keep_older", facts) == (
        "update the NVIDIA driver to 525.60.13 or newer first (it runs CUDA 12.x builds), then: "
        'pip install "nvidia-cudnn-cu12<9.11"'
    )
    assert _remedy("cudnn.keep_older", facts, "zh") == (
        "先把 NVIDIA 驱动更新到 525.60.13 或更高版本（可运行 CUDA 12.x 的版本），然后："
        'pip install "nvidia-cudnn-cu12<9.11"'
    )


def test_signature_finding_names_the_command() -> None:
    facts = _facts("NVIDIA GeForce GTX 1080 Ti", "535.104.05", {"onnxruntime-gpu": "1.20.1"},
                   evidence={"signatures": ["ort-cuda-provider-load-failed"]})
    finding = next(f for f in evaluate(load_knowledge(), facts, today=TODAY).findings if f.code == "EA200")
    assert finding.fix[0] == (
        f'{ORT_LINE}: pip install {CU12_LIBS} "nvidia-cudnn-cu12>=9,<9.11"'
    )
    # Linux: the Windows PATH line is left out, the check line kept
    assert not any("PATH" in line for line in finding.fix)


def test_signature_finding_without_a_build_reads_in_words() -> None:
    facts = _facts("NVIDIA GeForce RTX 4090", "550.54.15", {},
                   evidence={"signatures": ["ort-cuda-provider-load-failed"]})
    finding = next(f for f in evaluate(load_knowledge(), facts, today=TODAY).findings if f.code == "EA200")
    assert finding.fix[0] == ORT_LINE


@pytest.mark.parametrize(
    ("torch", "system", "expected"),
    [
        ("2.2.2", "linux", 'pip install "numpy<2"'),  # built against NumPy 1
        ("2.3.1", "linux", "pip install numpy"),  # NumPy 2 from torch 2.3 on Linux and macOS
        ("2.3.1", "windows", 'pip install "numpy<2"'),  # ... and from 2.4.1 on Windows
        ("2.13.0+cpu", "windows", "pip install numpy"),
    ],
)
def test_numpy_for_the_installed_torch(torch: str, system: str, expected: str) -> None:
    data: dict[str, Any] = {
        "os": {**UBUNTU, "system": system} if system == "linux" else {"system": system, "arch": "x86_64"},
        "python": {"version": "3.11.9"},
        "packages": {"torch": {"version": torch, "installer": "pip"}},
        "frameworks": {"torch": {"version": torch}},
    }
    assert _remedy("numpy.for_torch", from_data(Facts, data)) == expected


def test_onnxruntime_install_in_a_uv_environment() -> None:
    data = {"os": UBUNTU, "python": {"version": "3.12.3"}, "gpu": {"nvml_state": "ok"},
            "packages": {"onnxruntime": {"version": "1.20.1", "installer": "uv"}}}
    facts = apply_overrides(from_data(Facts, data), TargetOverrides.from_values(
        gpus=["NVIDIA GeForce RTX 4090"], driver="550.54.15"), load_knowledge().tables)
    # uv pip uninstall never asks and has no -y
    assert _remedy("onnxruntime.install", facts) == (
        'uv pip uninstall onnxruntime onnxruntime-gpu && uv pip install "onnxruntime-gpu==1.26.*"'
    )
