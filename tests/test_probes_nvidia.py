"""The NVIDIA probe: NVML error branches, /sys and /proc fallbacks, nvidia-smi in every bad mood.

The fake NVML exists only for the error branches we cannot reach on this machine. Each fake raises the
real exception class of nvidia-ml-py (``pynvml.NVMLError(code)`` builds the same subclass and message
the library raises), so the mapping is tested against the binding, not against our own idea of it.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pynvml
import pytest

from envadvisor.model import NvmlState
from envadvisor.probes import nvidia
from tests.probe_support import (
    SMI_QUERY_H100,
    SMI_TABLE_HEADER_580,
    context,
    path_with,
    write_executable,
)


class FakeNvmlInitFails:
    """A pynvml stand-in whose nvmlInit raises the given NVML error code, as the real library does."""

    NVMLError = pynvml.NVMLError

    def __init__(self, code: int) -> None:
        self.code = code
        self.shutdown_called = False

    def nvmlInit(self) -> None:
        raise pynvml.NVMLError(self.code)

    def nvmlShutdown(self) -> None:
        self.shutdown_called = True


# (pynvml code, class name in nvidia-ml-py, its message, the state a person reads)
NVML_ERRORS = [
    (
        pynvml.NVML_ERROR_LIBRARY_NOT_FOUND,
        "NVMLError_LibraryNotFound",
        "NVML Shared Library Not Found",
        NvmlState.NO_DRIVER,
    ),
    (
        pynvml.NVML_ERROR_DRIVER_NOT_LOADED,
        "NVMLError_DriverNotLoaded",
        "Driver Not Loaded",
        NvmlState.DRIVER_NOT_LOADED,
    ),
    (
        pynvml.NVML_ERROR_LIB_RM_VERSION_MISMATCH,
        "NVMLError_LibRmVersionMismatch",
        "RM has detected an NVML/RM version mismatch.",
        NvmlState.DRIVER_LIBRARY_MISMATCH,
    ),
    (
        pynvml.NVML_ERROR_NO_PERMISSION,
        "NVMLError_NoPermission",
        "Insufficient Permissions",
        NvmlState.NO_PERMISSION,
    ),
    (pynvml.NVML_ERROR_NOT_SUPPORTED, "NVMLError_NotSupported", "Not Supported", NvmlState.NOT_SUPPORTED),
    (pynvml.NVML_ERROR_GPU_IS_LOST, "NVMLError_GpuIsLost", "GPU is lost", NvmlState.GPU_LOST),
    (pynvml.NVML_ERROR_UNKNOWN, "NVMLError_Unknown", "Unknown Error", NvmlState.UNKNOWN_ERROR),
    (
        pynvml.NVML_ERROR_OPERATING_SYSTEM,
        "NVMLError_OperatingSystem",
        "The operating system has blocked the request.",
        NvmlState.BLOCKED_BY_OS,
    ),
]


@pytest.mark.parametrize(("code", "class_name", "message", "state"), NVML_ERRORS)
def test_each_nvml_init_error_maps_to_a_state_a_person_understands(
    tmp_path: Path, code: int, class_name: str, message: str, state: NvmlState
) -> None:
    fake = FakeNvmlInitFails(code)
    ctx = context(root=tmp_path, environ={"PATH": str(tmp_path / "empty")})
    out = nvidia.probe(ctx, nvidia.start(ctx, fake))
    gpu = out.sections["gpu"]
    assert gpu.nvml_state == state.value
    assert gpu.nvml_error == f"{class_name}: {message}"
    assert gpu.driver_version is None and gpu.driver_cuda is None
    assert "gpu.driver_version" in out.reasons and message in out.reasons["gpu.driver_version"]
    assert gpu.driver_cuda_inferred is None  # nothing guessed


def test_mismatch_keeps_the_kernel_module_version_from_sysfs(tmp_path: Path) -> None:
    (tmp_path / "sys/module/nvidia").mkdir(parents=True)
    (tmp_path / "sys/module/nvidia/version").write_text("580.95.05\n")
    fake = FakeNvmlInitFails(pynvml.NVML_ERROR_LIB_RM_VERSION_MISMATCH)
    ctx = context(root=tmp_path, environ={"PATH": str(tmp_path / "empty")})
    out = nvidia.probe(ctx, nvidia.start(ctx, fake))
    gpu = out.sections["gpu"]
    assert gpu.nvml_state == "driver_library_mismatch"
    assert gpu.kernel_module_version == "580.95.05"
    assert gpu.driver_version == "580.95.05" and gpu.driver_source == "sysfs"
    # only the driver version is known: its maximum CUDA is left unknown, with a reason, not inferred
    assert gpu.driver_cuda is None and "580.95.05 alone does not state it" in out.reasons["gpu.driver_cuda"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.144.03  Release Build  "
            "(dvs-builder@U16-I3-B03-4-3)  Mon Dec 30 17:10:10 UTC 2024\nGCC version:  gcc version 12.2.0\n",
            "550.144.03",
        ),
        (
            "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 01:15:15 UTC 2023\n",
            "535.104.05",
        ),
    ],
)
def test_procfs_version_when_sysfs_is_missing(tmp_path: Path, line: str, expected: str) -> None:
    (tmp_path / "proc/driver/nvidia").mkdir(parents=True)
    (tmp_path / "proc/driver/nvidia/version").write_text(line)
    fake = FakeNvmlInitFails(pynvml.NVML_ERROR_DRIVER_NOT_LOADED)
    ctx = context(root=tmp_path, environ={"PATH": str(tmp_path / "empty")})
    gpu = nvidia.probe(ctx, nvidia.start(ctx, fake)).sections["gpu"]
    assert gpu.kernel_module_version == expected
    assert gpu.driver_source == "procfs"


def test_unreadable_sysfs_and_procfs_files_become_reasons(tmp_path: Path) -> None:
    # As root, file modes do not stop reads; a folder where a file should be, and a link loop, do.
    (tmp_path / "sys/module/nvidia/version").mkdir(parents=True)
    (tmp_path / "proc/driver/nvidia").mkdir(parents=True)
    os.symlink("version", tmp_path / "proc/driver/nvidia/version")
    fake = FakeNvmlInitFails(pynvml.NVML_ERROR_DRIVER_NOT_LOADED)
    ctx = context(root=tmp_path, environ={"PATH": str(tmp_path / "empty")})
    out = nvidia.probe(ctx, nvidia.start(ctx, fake))
    gpu = out.sections["gpu"]
    assert gpu.kernel_module_version is None
    reason = out.reasons["gpu.kernel_module_version"]
    assert "/sys/module/nvidia/version unreadable" in reason
    assert "/proc/driver/nvidia/version unreadable" in reason


class FakeNvmlQueriesFail:
    """Initialises, then answers like a real H100 node except for fields the GPU does not support.

    Values are the recorded H100 node of report-formats.md; the failing calls raise the real classes.
    """

    NVMLError = pynvml.NVMLError

    def nvmlInit(self) -> None:
        pass

    def nvmlShutdown(self) -> None:
        pass

    def nvmlSystemGetDriverVersion(self) -> str:
        return "580.65.06"

    def nvmlSystemGetCudaDriverVersion_v2(self) -> int:
        return 13000

    def nvmlDeviceGetCount(self) -> int:
        return 2

    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any:
        if index == 1:
            raise pynvml.NVMLError(pynvml.NVML_ERROR_GPU_IS_LOST)
        return object()

    def nvmlDeviceGetName(self, handle: Any) -> bytes:
        return b"NVIDIA H100 80GB HBM3"  # old bindings return bytes

    def nvmlDeviceGetMemoryInfo(self, handle: Any) -> Any:
        class Memory:
            total = 81559 * (1 << 20)

        return Memory()

    def nvmlDeviceGetCudaComputeCapability(self, handle: Any) -> tuple[int, int]:
        return (9, 0)

    def nvmlDeviceGetUUID(self, handle: Any) -> str:
        return "GPU-9c73eb7b-8d6d-6c0e-dc13-97873e2ede40"

    def nvmlDeviceGetSerial(self, handle: Any) -> str:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)


def test_a_failing_field_or_device_does_not_discard_the_rest(tmp_path: Path) -> None:
    ctx = context(root=tmp_path, environ={"PATH": str(tmp_path), "CUDA_VISIBLE_DEVICES": "1"})
    out = nvidia.probe(ctx, nvidia.start(ctx, FakeNvmlQueriesFail()))
    gpu = out.sections["gpu"]
    assert gpu.nvml_state == "ok" and out.status == "partial"
    assert (gpu.driver_version, gpu.driver_cuda, gpu.count) == ("580.65.06", "13.0", 2)
    first, lost = gpu.devices
    assert (first.name, first.compute_capability, first.memory_mib) == ("NVIDIA H100 80GB HBM3", "9.0", 81559)
    assert first.uuid == "GPU-9c73eb7b-8d6d-6c0e-dc13-97873e2ede40" and first.serial is None
    assert first.compute_capability_source == "nvml"
    assert out.reasons["gpu.devices.0.serial"] == "NVML: NVMLError_NotSupported: Not Supported"
    assert lost.index == 1 and lost.name is None
    assert "GPU is lost" in out.reasons["gpu.devices.1"]
    assert gpu.cuda_visible_devices == "1"
    assert out.sources["gpu.driver_cuda"] == "nvml"


class FakeNvmlHangs:
    NVMLError = pynvml.NVMLError

    def nvmlInit(self) -> None:
        time.sleep(3)


def test_a_hung_nvml_costs_at_most_the_timeout(tmp_path: Path) -> None:
    ctx = context(root=tmp_path, environ={"PATH": str(tmp_path)}, timeout=0.3)
    started = time.monotonic()
    out = nvidia.probe(ctx, nvidia.start(ctx, FakeNvmlHangs()))
    assert time.monotonic() - started < 1.5
    assert out.status == "timeout"
    assert out.sections["gpu"].nvml_state == "unavailable"
    assert "did not answer within 0.3 s" in (out.sections["gpu"].nvml_error or "")


# --------------------------------------------------------------------------------------------------
# nvidia-smi fallback: NVML cannot be asked (nvidia-ml-py missing) but a driver library is there
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def nvml_binding_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nvidia, "nvml_library_present", lambda ctx: True)
    monkeypatch.setitem(sys.modules, "pynvml", None)  # import pynvml -> ImportError


def _smi_probe(tmp_path: Path, body: str, timeout: float = 5.0) -> Any:
    bin_dir = tmp_path / "bin"
    write_executable(bin_dir, "nvidia-smi", body)
    ctx = context(root=tmp_path, environ=path_with(bin_dir), timeout=timeout)
    return nvidia.probe(ctx, nvidia.start(ctx))


def test_smi_recorded_output_fills_devices_and_header_cuda(
    tmp_path: Path, nvml_binding_missing: None
) -> None:
    body = 'case "$1" in --query-gpu=*) printf "%s" "$QUERY";; *) printf "%s" "$TABLE";; esac\n'
    body = f"QUERY='{SMI_QUERY_H100}'\nTABLE='{SMI_TABLE_HEADER_580}'\n" + body
    out = _smi_probe(tmp_path, body)
    gpu = out.sections["gpu"]
    assert gpu.nvml_state == "unavailable"
    assert "nvidia-ml-py" in (gpu.nvml_error or "")
    assert (gpu.driver_version, gpu.driver_source, gpu.driver_cuda) == ("580.65.06", "nvidia-smi", "13.0")
    (device,) = gpu.devices
    assert (device.index, device.name, device.compute_capability, device.memory_mib) == (
        0,
        "NVIDIA H100 80GB HBM3",
        "9.0",
        81559,
    )
    assert device.compute_capability_source == "nvidia-smi"
    assert out.sources["gpu.count"] == "nvidia-smi"


def test_smi_on_an_old_driver_is_asked_again_without_compute_cap(
    tmp_path: Path, nvml_binding_missing: None
) -> None:
    body = (
        'case "$1" in\n'
        "  *compute_cap*) echo 'Field \"compute_cap\" is not a valid field to query.'; exit 2;;\n"
        '  --query-gpu=*) echo "0, Tesla V100-SXM2-16GB, 470.82.01, 16160";;\n'
        "  *) exit 9;;\n"
        "esac\n"
    )
    gpu = _smi_probe(tmp_path, body).sections["gpu"]
    (device,) = gpu.devices
    assert device.name == "Tesla V100-SXM2-16GB" and device.memory_mib == 16160
    assert device.compute_capability is None  # the old driver cannot say; nothing guessed here
    assert gpu.driver_version == "470.82.01"


def test_smi_hang_costs_at_most_its_timeout(tmp_path: Path, nvml_binding_missing: None) -> None:
    started = time.monotonic()
    out = _smi_probe(tmp_path, "sleep 30\n", timeout=0.5)
    assert time.monotonic() - started < 3
    assert "timed out after 0.5 s" in out.reasons["gpu.devices"]


def test_smi_failure_message_tells_the_state(tmp_path: Path, nvml_binding_missing: None) -> None:
    body = (
        "echo \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
        'Make sure that the latest NVIDIA driver is installed and running."\nexit 9\n'
    )
    out = _smi_probe(tmp_path, body)
    assert out.sections["gpu"].nvml_state == "driver_not_loaded"
    assert "exited with status 9" in out.reasons["gpu.devices"]


@pytest.mark.parametrize(
    "body",
    [
        "echo 'this is not csv at all'\n",
        "printf '\\377\\376\\000garbage, \\351\\n'\n",  # bytes that are not UTF-8
        "echo '0, NVIDIA H100, 580.65.06, [N/A]'\n",  # a field short
    ],
)
def test_smi_garbage_is_a_reason_not_a_crash(tmp_path: Path, nvml_binding_missing: None, body: str) -> None:
    out = _smi_probe(tmp_path, body)
    gpu = out.sections["gpu"]
    assert gpu.devices == ()
    assert "unexpected line" in out.reasons["gpu.devices"]


def test_pci_bus_counts_nvidia_gpus_without_a_driver(tmp_path: Path) -> None:
    for address, vendor, klass in (
        ("0000:00:02.0", "0x8086", "0x030000"),  # Intel iGPU: not counted
        ("0000:01:00.0", "0x10de", "0x030200"),  # NVIDIA 3D controller
        ("0000:01:00.1", "0x10de", "0x040300"),  # NVIDIA HDMI audio: not a GPU
    ):
        device = tmp_path / "sys/bus/pci/devices" / address
        device.mkdir(parents=True)
        (device / "vendor").write_text(vendor + "\n")
        (device / "class").write_text(klass + "\n")
    fake = FakeNvmlInitFails(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND)
    ctx = context(root=tmp_path, environ={"PATH": str(tmp_path / "empty")})
    out = nvidia.probe(ctx, nvidia.start(ctx, fake))
    assert out.sections["gpu"].count == 1
    assert out.sources["gpu.count"] == "sysfs-pci"


def test_library_pre_check_finds_the_driver_where_the_loader_would(tmp_path: Path) -> None:
    ctx = context(root=tmp_path, environ={})
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/ld.so.cache").write_bytes(b"glibc-ld.so.cache1.1\x00libcudart.so.13\x00")
    assert nvidia.nvml_library_present(ctx) is False
    # the loader cache names it (what `ldconfig` writes after a driver install)
    (tmp_path / "etc/ld.so.cache").write_bytes(b"glibc-ld.so.cache1.1\x00libnvidia-ml.so.1\x00/usr/lib/x\x00")
    assert nvidia.nvml_library_present(ctx) is True
    # WSL2 maps the Windows driver's libraries into /usr/lib/wsl/lib
    (tmp_path / "etc/ld.so.cache").write_bytes(b"glibc-ld.so.cache1.1\x00")
    (tmp_path / "usr/lib/wsl/lib").mkdir(parents=True)
    (tmp_path / "usr/lib/wsl/lib/libnvidia-ml.so.1").write_bytes(b"\x7fELF")
    assert nvidia.nvml_library_present(ctx) is True
    # LD_LIBRARY_PATH is searched first
    other = tmp_path / "drivers"
    other.mkdir()
    (other / "libnvidia-ml.so.1").write_bytes(b"\x7fELF")
    assert nvidia.nvml_library_present(
        context(root=tmp_path / "empty", environ={"LD_LIBRARY_PATH": str(other)})
    )


def test_pre_check_agrees_with_the_loader_on_this_machine() -> None:
    import ctypes

    try:
        ctypes.CDLL("libnvidia-ml.so.1")
        loads = True
    except OSError:
        loads = False
    assert nvidia.nvml_library_present(context(environ=dict(os.environ))) is loads


def test_signs_of_a_driver_always_send_the_question_to_pynvml(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/ld.so.cache").write_bytes(b"glibc-ld.so.cache1.1\x00")
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/nvidiactl").write_bytes(b"")  # a device node passed into a container
    assert nvidia.nvml_library_present(context(root=tmp_path, environ={})) is True
