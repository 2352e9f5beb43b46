"""Write the composed recorded machines (run by hand: python tests/machines/compose.py).

Machines we could not record ourselves are composed here from the facts a public report states, with
the report named in ``recorded``. Values are what the real tools print on such machines (NVML names,
driver versions that exist in NVIDIA's tables). The machines recorded on real hardware
(h200-datacenter, toolkit-no-driver) and those imported from real pasted reports are not written here.
"""

from __future__ import annotations

import json
from pathlib import Path

from envadvisor import __version__
from envadvisor.model import (
    CondaFacts,
    Facts,
    Frameworks,
    GpuDevice,
    GpuFacts,
    Origin,
    OsFacts,
    Package,
    PythonFacts,
    Report,
    TorchBuild,
    to_data,
)

HERE = Path(__file__).resolve().parent


def _write(name: str, facts: Facts, recorded: dict[str, str]) -> None:
    data = to_data(Report(tool_version=__version__, origin=Origin(kind="machine"), facts=facts))
    data["recorded"] = recorded
    (HERE / f"{name}.json").write_text(
        json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def main() -> None:
    _write(
        "rtx5090-workstation",
        Facts(
            os=OsFacts(
                system="linux",
                distro="ubuntu",
                distro_version="22.04",
                arch="x86_64",
                glibc="2.35",
                kernel="6.8.0-52-generic",
                cores=32,
                memory_mib=128512,
                wsl=False,
                container="none",
            ),
            python=PythonFacts(version="3.11.11", implementation="cpython", env_kind="venv", has_pip=True),
            gpu=GpuFacts(
                nvml_state="ok",
                driver_version="570.124.04",
                driver_cuda="12.8",
                driver_cuda_inferred=False,
                driver_source="nvml",
                count=1,
                devices=(
                    GpuDevice(
                        index=0,
                        name="NVIDIA GeForce RTX 5090",
                        compute_capability="12.0",
                        memory_mib=32607,
                        compute_capability_source="nvml",
                    ),
                ),
            ),
            packages={
                "torch": Package(version="2.5.1", installer="pip", source="pypi"),
                "torchvision": Package(version="0.20.1", installer="pip", source="pypi"),
                "numpy": Package(version="1.26.4", installer="pip", source="pypi"),
            },
            frameworks=Frameworks(torch=TorchBuild(version="2.5.1+cu124", cuda="12.4", variant="cu124")),
        ),
        {
            "composed_from": "https://github.com/Hellod035/LeggedLab/issues/26 and "
            "https://github.com/pBFSLab/DeepPrep/issues/233 (RTX 5090 with a torch built for "
            "sm_50..sm_90)",
            "how": "tests/machines/compose.py",
        },
    )
    _write(
        "windows-gpu-cpu-wheel",
        Facts(
            os=OsFacts(
                system="windows",
                distro="Windows",
                distro_version="11",
                arch="x86_64",
                cores=12,
                memory_mib=32607,
                wsl=False,
            ),
            python=PythonFacts(version="3.10.14", implementation="cpython", env_kind="conda", has_pip=True),
            gpu=GpuFacts(
                nvml_state="ok",
                driver_version="560.94",
                driver_cuda="12.6",
                driver_cuda_inferred=False,
                driver_source="nvml",
                count=1,
                devices=(
                    GpuDevice(
                        index=0,
                        name="NVIDIA GeForce RTX 3060",
                        compute_capability="8.6",
                        memory_mib=12288,
                        compute_capability_source="nvml",
                    ),
                ),
            ),
            conda=CondaFacts(in_conda_env=True, active_env="mineru_gpu"),
            packages={
                "torch": Package(version="2.3.1", installer="pip", source="pypi"),
                "torchvision": Package(version="0.18.1", installer="pip", source="pypi"),
            },
            frameworks=Frameworks(torch=TorchBuild(version="2.3.1+cpu", variant="cpu")),
        ),
        {
            "composed_from": "https://github.com/opendatalab/MinerU/issues/240 ('Torch not compiled with "
            "CUDA enabled' after pip install torch==2.3.1 on Windows, which is the CPU wheel)",
            "how": "tests/machines/compose.py",
        },
    )
    _write(
        "laptop-no-nvidia",
        Facts(
            os=OsFacts(
                system="linux",
                distro="ubuntu",
                distro_version="24.04",
                arch="x86_64",
                glibc="2.39",
                kernel="6.8.0-45-generic",
                cores=8,
                memory_mib=15718,
                wsl=False,
                container="none",
            ),
            python=PythonFacts(version="3.12.3", implementation="cpython", env_kind="venv", has_pip=True),
            gpu=GpuFacts(
                nvml_state="no_driver",
                nvml_error="NVMLError_LibraryNotFound: NVML Shared Library Not Found",
                count=0,
            ),
            packages={
                "torch": Package(version="2.9.1", installer="pip", source="pypi"),
                "transformers": Package(version="4.57.1", installer="pip", source="pypi"),
                "numpy": Package(version="2.3.4", installer="pip", source="pypi"),
            },
            frameworks=Frameworks(torch=TorchBuild(version="2.9.1+cpu", variant="cpu")),
            reasons={
                "gpu.driver_version": "no NVIDIA driver answered: NVML library not found",
                "gpu.driver_cuda": "no NVIDIA driver answered: NVML library not found",
                "frameworks.torch.cuda": "a CPU build of torch (torch/version.py: cuda = None)",
            },
        ),
        {
            "composed_from": "a laptop with integrated Intel graphics and the CPU wheel of torch "
            "(pip install torch --index-url https://download.pytorch.org/whl/cpu)",
            "how": "tests/machines/compose.py",
        },
    )


if __name__ == "__main__":
    main()
