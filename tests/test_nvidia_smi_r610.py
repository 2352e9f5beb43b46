"""nvidia-smi of R610 and later: "KMD Version" and "CUDA UMD Version" in the header (issue 11 part 4).

NVIDIA's nvidia-smi documentation (https://docs.nvidia.com/deploy/nvidia-smi/index.html): "Modified
version information: deprecated Driver Version and CUDA Version in favor of KMD Version and CUDA UMD
Version respectively". The printouts below are copied from public threads (the source above each);
before this change neither the paste importer nor the live nvidia-smi fallback read them, so the driver
and its CUDA were lost on every current driver. The old header keeps working (last tests).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from envadvisor.importers import read_report
from envadvisor.probes import nvidia
from tests.probe_support import SMI_TABLE_HEADER_580, context, path_with, write_executable

# https://github.com/sgl-project/sglang/issues/27487 (Linux, 8x B200, driver 610.43.02), first two GPUs.
SGLANG_27487_B200 = """\
Sun Jun  7 08:16:57 2026
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 610.43.02              KMD Version: 610.43.02     CUDA UMD Version: 13.3     |
+-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|                                         |                        |               MIG M. |
|=========================================+========================+======================|
|   0  NVIDIA B200                    On  |   00000000:63:00.0 Off |                    0 |
| N/A   26C    P0            139W / 1000W |       0MiB / 183359MiB |      0%      Default |
|                                         |                        |             Disabled |
+-----------------------------------------+------------------------+----------------------+
|   1  NVIDIA B200                    On  |   00000000:68:00.0 Off |                    0 |
| N/A   30C    P0            142W / 1000W |       0MiB / 183359MiB |      0%      Default |
|                                         |                        |             Disabled |
+-----------------------------------------+------------------------+----------------------+
"""

# https://github.com/EricLBuehler/mistral.rs/pull/2287 (Linux, a laptop RTX 5070, driver 610.43.02).
MISTRALRS_2287_RTX5070 = """\
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 610.43.02              KMD Version: 610.43.02     CUDA UMD Version: 13.3     |
+-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|                                         |                        |               MIG M. |
|=========================================+========================+======================|
|   0  NVIDIA GeForce RTX 5070 ...    Off |   00000000:02:00.0  On |                  N/A |
| N/A   51C    P8              7W /   70W |     273MiB /  12227MiB |      2%      Default |
|                                         |                        |                  N/A |
+-----------------------------------------+------------------------+----------------------+

+-----------------------------------------------------------------------------------------+
| Processes:                                                                              |
|  GPU   GI   CI              PID   Type   Process name                        GPU Memory |
"""

# https://github.com/AtomicBot-ai/atomic-agent/pull/55 (Windows, RTX 5070 Ti, driver 610.47), the
# header as the PR quotes it (columns squeezed).
ATOMIC_AGENT_55_WINDOWS = "| NVIDIA-SMI 610.47   KMD Version: 610.47      CUDA UMD Version: 13.3 |\n"


@pytest.mark.parametrize(
    ("text", "driver", "cuda", "names"),
    [
        (SGLANG_27487_B200, "610.43.02", "13.3", ["NVIDIA B200", "NVIDIA B200"]),
        (MISTRALRS_2287_RTX5070, "610.43.02", "13.3", ["NVIDIA GeForce RTX 5070"]),
        (ATOMIC_AGENT_55_WINDOWS, "610.47", "13.3", []),
    ],
    ids=["sglang-27487", "mistralrs-2287", "atomic-agent-55"],
)
def test_pasted_r610_table_is_read(text: str, driver: str, cuda: str, names: list[str]) -> None:
    imported = read_report(text, source_name="smi")
    assert "nvidia_smi" in imported.formats  # recognised as nvidia-smi at all
    gpu = imported.facts.gpu
    assert (gpu.driver_version, gpu.driver_cuda) == (driver, cuda)
    assert gpu.driver_cuda_inferred is False  # printed by nvidia-smi, not derived
    assert gpu.driver_source == "nvidia-smi"
    assert [d.name for d in gpu.devices] == names


def test_the_b200_table_keeps_memory_and_index() -> None:
    gpu = read_report(SGLANG_27487_B200, source_name="smi").facts.gpu
    assert [(d.index, d.memory_mib) for d in gpu.devices] == [(0, 183359), (1, 183359)]


def test_old_header_keeps_working() -> None:
    facts = read_report(SMI_TABLE_HEADER_580, source_name="smi").facts
    assert (facts.gpu.driver_version, facts.gpu.driver_cuda) == ("580.65.06", "13.0")


# --------------------------------------------------------------------------------------------------
# The live fallback: NVML cannot be asked, nvidia-smi answers with the R610 header
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def nvml_binding_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nvidia, "nvml_library_present", lambda ctx: True)
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml -> ImportError


def _probe(tmp_path: Path, query_cases: str, table: str) -> nvidia.Contribution:
    """A fake nvidia-smi: ``query_cases`` are shell case arms for the --query-gpu call; the bare command
    prints ``table``."""
    bin_dir = tmp_path / "bin"
    (tmp_path / "table.txt").write_text(table)
    body = f'case "$1" in\n{query_cases}  *) cat \'{tmp_path / "table.txt"}\';;\nesac\n'
    write_executable(bin_dir, "nvidia-smi", body)
    ctx = context(root=tmp_path, environ=path_with(bin_dir))
    return nvidia.probe(ctx, nvidia.start(ctx))


def test_live_fallback_reads_the_r610_header(tmp_path: Path, nvml_binding_missing: None) -> None:
    query = '  --query-gpu=*) echo "0, NVIDIA B200, 610.43.02, 10.0, 183359";;\n'
    out = _probe(tmp_path, query, SGLANG_27487_B200)
    gpu = out.sections["gpu"]
    assert (gpu.driver_version, gpu.driver_cuda) == ("610.43.02", "13.3")
    assert out.sources["gpu.driver_cuda"] == "nvidia-smi"
    assert gpu.devices[0].compute_capability == "10.0"


def test_live_fallback_without_a_driver_version_field(tmp_path: Path, nvml_binding_missing: None) -> None:
    # Should a driver reject the deprecated driver_version field, the query is asked again without it
    # and the header's KMD Version tells the driver.
    query = (
        "  *driver_version*) echo 'Field \"driver_version\" is not a valid field to query.'; exit 2;;\n"
        '  --query-gpu=*) echo "0, NVIDIA B200, 10.0, 183359";;\n'
    )
    out = _probe(tmp_path, query, SGLANG_27487_B200)
    gpu = out.sections["gpu"]
    (device,) = gpu.devices
    assert (device.name, device.compute_capability, device.memory_mib) == ("NVIDIA B200", "10.0", 183359)
    assert (gpu.driver_version, gpu.driver_cuda) == ("610.43.02", "13.3")
    assert out.sources["gpu.driver_version"] == "nvidia-smi"


def test_live_fallback_old_header_keeps_working(tmp_path: Path, nvml_binding_missing: None) -> None:
    query = '  --query-gpu=*) echo "0, NVIDIA H100 80GB HBM3, 580.65.06, 9.0, 81559";;\n'
    out = _probe(tmp_path, query, SMI_TABLE_HEADER_580)
    gpu = out.sections["gpu"]
    assert (gpu.driver_version, gpu.driver_cuda) == ("580.65.06", "13.0")
