"""The NVIDIA driver and GPUs: NVML first, then /sys, /proc and nvidia-smi when NVML cannot answer.

Why NVML runs in a thread of this process and not in a child process: a child costs an interpreter
start plus the pynvml import (~80 ms on the 2-core test machine) on *every* run, to protect against a
hang that is rare (a wedged driver, conda/conda#9306). A daemon thread with a join timeout gives the
same bound on our waiting (``timeout`` seconds) for free, and it starts first so the driver's slow
initialisation (hundreds of ms when the GPU is idle without persistence mode) overlaps the other
probes. ctypes releases the GIL inside NVML calls, so a stuck call does not stop the rest; a stuck
thread is abandoned (daemon) and the run reports ``timeout``.

Why a pre-check before importing pynvml: pynvml's import alone costs ~50 ms (its module body plus
ctypes.util), and on machines without a driver (laptops, CI, build hosts, this test machine) it would
only tell us that ``libnvidia-ml.so.1`` cannot be loaded. The pre-check looks where the dynamic
loader looks for that name (LD_LIBRARY_PATH, the loader cache /etc/ld.so.cache, the default
folders) without loading anything; when it finds no trace it reports pynvml's own error name and
message, so the outcome is the one pynvml would give. Where there is no loader cache to read (musl),
it makes pynvml's own call, ``ctypes.CDLL("libnvidia-ml.so.1")``. A false "present" only costs the
import: pynvml then reports the failure itself.

Nothing is inferred here: when only the driver version is known, ``driver_cuda`` stays ``None`` with
a reason; the CLI may fill it from the knowledge tables and mark it ``driver_cuda_inferred``.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from typing import Any

from envadvisor.model import GpuDevice, GpuFacts, NvmlState
from envadvisor.probes._base import Contribution, ProbeContext, describe_error, try_read_text
from envadvisor.probes._commands import CommandResult, run_command, which

# NVML return codes (nvidia-ml-py pynvml.py, NVML_ERROR_*) -> what they mean for a person.
NVML_CODE_STATES: dict[int, NvmlState] = {
    12: NvmlState.NO_DRIVER,  # NVMLError_LibraryNotFound "NVML Shared Library Not Found"
    9: NvmlState.DRIVER_NOT_LOADED,  # NVMLError_DriverNotLoaded "Driver Not Loaded"
    18: NvmlState.DRIVER_LIBRARY_MISMATCH,  # NVMLError_LibRmVersionMismatch
    4: NvmlState.NO_PERMISSION,  # NVMLError_NoPermission "Insufficient Permissions"
    3: NvmlState.NOT_SUPPORTED,  # NVMLError_NotSupported "Not Supported"
    15: NvmlState.GPU_LOST,  # NVMLError_GpuIsLost "GPU is lost"
    16: NvmlState.GPU_LOST,  # NVMLError_ResetRequired "GPU requires restart"
    17: NvmlState.BLOCKED_BY_OS,  # NVMLError_OperatingSystem (WSL2 bridge, sandbox)
    13: NvmlState.UNAVAILABLE,  # NVMLError_FunctionNotFound: the library predates the binding
    999: NvmlState.UNKNOWN_ERROR,  # NVMLError_Unknown "Unknown Error"
}
LIBRARY_NOT_FOUND = "NVMLError_LibraryNotFound: NVML Shared Library Not Found"

# nvidia-smi's own failure lines (report-formats.md section 8.1) -> the same states, used only when
# NVML itself could not be asked (nvidia-ml-py missing).
SMI_FAILURE_STATES: tuple[tuple[str, NvmlState], ...] = (
    ("couldn't communicate with the nvidia driver", NvmlState.DRIVER_NOT_LOADED),
    ("driver/library version mismatch", NvmlState.DRIVER_LIBRARY_MISMATCH),
    ("blocked by the operating system", NvmlState.BLOCKED_BY_OS),
    ("insufficient permissions", NvmlState.NO_PERMISSION),
    ("no permission", NvmlState.NO_PERMISSION),
    ("gpu is lost", NvmlState.GPU_LOST),
    ("unknown error", NvmlState.UNKNOWN_ERROR),
)

# The query of report-formats.md section 6, so recorded outputs replay as they are.
SMI_FIELDS = ("index", "name", "driver_version", "compute_cap", "memory.total")
_MIB = 1 << 20


class NvmlReading:
    """What NVML said (a plain class: a dataclass costs ~1 ms to create at import)."""

    def __init__(self, state: NvmlState, error: str | None = None) -> None:
        self.state = state
        self.error = error
        self.driver_version: str | None = None
        self.driver_cuda: str | None = None
        self.count: int | None = None
        self.devices: list[GpuDevice] = []
        self.problems: dict[str, str] = {}  # fact key -> why a query failed


class NvmlQuery:
    """The NVML query, started in a daemon thread; :meth:`result` waits at most ``timeout``."""

    def __init__(self, ctx: ProbeContext, nvml: Any = None) -> None:
        self._ctx = ctx
        self._nvml = nvml
        self._reading: NvmlReading | None = None
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="envadvisor-nvml", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._reading = read_nvml(self._ctx, self._nvml)
        except Exception as exc:  # a binding bug must not kill the probe
            self._reading = NvmlReading(NvmlState.UNKNOWN_ERROR, error=describe_error(exc))

    def result(self) -> NvmlReading | None:
        """The reading, or ``None`` when NVML did not answer within the timeout."""
        remaining = self._ctx.timeout - (time.monotonic() - self._started)
        self._thread.join(max(remaining, 0.0))
        return None if self._thread.is_alive() else self._reading


def read_nvml(ctx: ProbeContext, nvml: Any = None) -> NvmlReading:
    """Ask NVML for the driver, its CUDA and every GPU. ``nvml`` replaces the pynvml module in tests."""
    if nvml is None:
        if ctx.platform in ("linux", "darwin") and not nvml_library_present(ctx):
            return NvmlReading(NvmlState.NO_DRIVER, error=LIBRARY_NOT_FOUND)
        try:
            import pynvml as binding
        except ImportError:
            return NvmlReading(NvmlState.UNAVAILABLE, error="nvidia-ml-py (module pynvml) is not installed")
        nvml = binding
        if not hasattr(nvml, "nvmlInitWithFlags"):
            # the deprecated 'pynvml' fork can shadow nvidia-ml-py's module (gpustat#107)
            return NvmlReading(
                NvmlState.UNAVAILABLE, error="the installed pynvml is not NVIDIA's nvidia-ml-py"
            )
    error_type = getattr(nvml, "NVMLError", Exception)
    try:
        nvml.nvmlInit()
    except error_type as exc:
        return NvmlReading(nvml_state_for(exc), error=describe_error(exc))
    try:
        return _query_initialised(nvml, error_type)
    finally:
        with contextlib.suppress(error_type):
            nvml.nvmlShutdown()


def nvml_state_for(exc: BaseException) -> NvmlState:
    code = getattr(exc, "value", None)
    return (
        NVML_CODE_STATES.get(code, NvmlState.UNKNOWN_ERROR)
        if isinstance(code, int)
        else NvmlState.UNKNOWN_ERROR
    )


NVML_LIBRARY = "libnvidia-ml.so.1"  # the name pynvml._LoadNvmlLibrary loads on Linux
# glibc's built-in search folders (Debian/Ubuntu builds add the multiarch ones), plus WSL2's folder of
# libraries mapped in from the Windows driver
_LOADER_DEFAULT_DIRS = (
    "/lib",
    "/usr/lib",
    "/lib64",
    "/usr/lib64",
    "/lib/x86_64-linux-gnu",
    "/usr/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib/wsl/lib",
)
# Signs of an NVIDIA driver: with any of them the loader itself is asked, whatever the files say.
_DRIVER_SIGNS = ("/dev/nvidiactl", "/proc/driver/nvidia", "/sys/module/nvidia", "/dev/dxg")


def nvml_library_present(ctx: ProbeContext) -> bool:
    """Whether the dynamic loader could find libnvidia-ml.so.1, without loading it when it cannot."""
    if any(ctx.system_path(sign).exists() for sign in _DRIVER_SIGNS):
        return True  # a driver is there: let pynvml load the library and tell us what it finds
    ld_path = [d for d in ctx.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if d]
    for directory in ld_path:
        if os.path.exists(os.path.join(directory, NVML_LIBRARY)):
            return True
    for directory in _LOADER_DEFAULT_DIRS:
        if ctx.system_path(f"{directory}/{NVML_LIBRARY}").exists():
            return True
    try:
        with open(ctx.system_path("/etc/ld.so.cache"), "rb") as handle:
            return NVML_LIBRARY.encode() in handle.read(16 << 20)
    except OSError:
        return _nvml_library_loads()  # no loader cache (musl, odd systems): ask the loader


def _nvml_library_loads() -> bool:
    import ctypes

    try:
        ctypes.CDLL(NVML_LIBRARY)
    except OSError:
        return False
    return True


def _query_initialised(nvml: Any, error_type: type[BaseException]) -> NvmlReading:
    reading = NvmlReading(NvmlState.OK)

    def ask(key: str, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except error_type as exc:
            reading.problems[key] = f"NVML: {describe_error(exc)}"
            return None

    reading.driver_version = _text(ask("gpu.driver_version", nvml.nvmlSystemGetDriverVersion))
    cuda_call = (
        getattr(nvml, "nvmlSystemGetCudaDriverVersion_v2", None) or nvml.nvmlSystemGetCudaDriverVersion
    )
    cuda_int = ask("gpu.driver_cuda", cuda_call)
    reading.driver_cuda = format_cuda_int(cuda_int) if isinstance(cuda_int, int) else None
    count = ask("gpu.count", nvml.nvmlDeviceGetCount)
    reading.count = count if isinstance(count, int) else None
    for index in range(reading.count or 0):
        handle = ask(f"gpu.devices.{index}", nvml.nvmlDeviceGetHandleByIndex, index)
        if handle is None:
            reading.devices.append(GpuDevice(index=index))
            continue
        name = _text(ask(f"gpu.devices.{index}.name", nvml.nvmlDeviceGetName, handle))
        memory = ask(f"gpu.devices.{index}.memory_mib", nvml.nvmlDeviceGetMemoryInfo, handle)
        total = getattr(memory, "total", None)
        cc = ask(f"gpu.devices.{index}.compute_capability", nvml.nvmlDeviceGetCudaComputeCapability, handle)
        uuid = _text(ask(f"gpu.devices.{index}.uuid", nvml.nvmlDeviceGetUUID, handle))
        serial = _text(ask(f"gpu.devices.{index}.serial", nvml.nvmlDeviceGetSerial, handle))
        cc_text = f"{cc[0]}.{cc[1]}" if isinstance(cc, (tuple, list)) and len(cc) == 2 else None
        reading.devices.append(
            GpuDevice(
                index=index,
                name=name,
                compute_capability=cc_text,
                memory_mib=int(total) // _MIB if isinstance(total, int) else None,
                uuid=uuid,
                serial=serial,
                compute_capability_source="nvml" if cc_text else None,
            )
        )
    return reading


def format_cuda_int(value: int) -> str:
    """NVML/cuDriverGetVersion's integer (13000, 12040) as "13.0", "12.4"."""
    return f"{value // 1000}.{(value % 1000) // 10}"


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):  # older bindings returned bytes
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


# --------------------------------------------------------------------------------------------------
# The probe: NVML result + fallbacks -> GpuFacts
# --------------------------------------------------------------------------------------------------


def start(ctx: ProbeContext, nvml: Any = None) -> NvmlQuery:
    """Start the NVML query early so that the driver's initialisation overlaps the other probes."""
    return NvmlQuery(ctx, nvml)


def probe(ctx: ProbeContext, query: NvmlQuery | None = None) -> Contribution:
    out = Contribution()
    query = query or start(ctx)
    reading = query.result()
    timed_out = reading is None
    if reading is None:
        reading = NvmlReading(
            NvmlState.UNAVAILABLE, error=f"NVML did not answer within {ctx.timeout:g} s (driver hung?)"
        )

    module_version, module_source, module_why = kernel_module_version(ctx)
    driver_version = reading.driver_version
    driver_cuda = reading.driver_cuda
    state = reading.state
    count = reading.count
    devices = list(reading.devices)
    out.reasons.update(reading.problems)
    smi_hung = ""  # why nvidia-smi did not answer, when it hung (a wedged driver does that)

    if state is NvmlState.OK:
        for key, value in (("gpu.driver_version", driver_version), ("gpu.driver_cuda", driver_cuda)):
            if value is not None:
                out.source(key, "nvml")
        if count is not None:
            out.source("gpu.count", "nvml")
    else:
        if module_version is not None:
            driver_version = module_version
            out.source("gpu.driver_version", module_source or "sysfs")
        smi_answered = False
        if timed_out:
            out.unknown("gpu.devices", "nvidia-smi not tried: NVML hung, and nvidia-smi asks the same driver")
        else:
            smi = _nvidia_smi(ctx)
            if smi is None:
                out.unknown("gpu.devices", f"NVML: {reading.error}; no nvidia-smi found")
            else:
                smi_devices, smi_driver, smi_why, smi_state = _query_smi(ctx, smi)
                if smi_devices is not None:
                    smi_answered = True
                    devices, count = smi_devices, len(smi_devices)
                    out.source("gpu.count", "nvidia-smi")
                    header_driver, header_cuda = _smi_header(ctx, smi)
                    smi_driver = smi_driver or header_driver
                    if smi_driver and driver_version is None:
                        driver_version = smi_driver
                        out.source("gpu.driver_version", "nvidia-smi")
                    if header_cuda:
                        driver_cuda = header_cuda
                        out.source("gpu.driver_cuda", "nvidia-smi")
                else:
                    out.unknown("gpu.devices", f"NVML: {reading.error}; {smi_why}")
                    smi_hung = smi_why if " timed out after " in smi_why else ""
                    if smi_state is not None and state is NvmlState.UNAVAILABLE and not timed_out:
                        state = smi_state
        if driver_version is None:
            out.unknown("gpu.driver_version", _no_driver_reason(reading, module_why))
        if driver_cuda is None:
            if driver_version is not None:
                out.unknown(
                    "gpu.driver_cuda",
                    f"the driver's maximum CUDA is only reported by NVML or nvidia-smi, and neither "
                    f"answered ({reading.error}); driver {driver_version} alone does not state it",
                )
            else:
                out.unknown("gpu.driver_cuda", _no_driver_reason(reading, module_why))
        if not smi_answered:
            count = _pci_nvidia_count(ctx, out)

    if module_version is None:
        out.unknown("gpu.kernel_module_version", module_why)
    visible = ctx.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        out.unknown("gpu.cuda_visible_devices", "not set: CUDA programs see every GPU")
    if count is None and "gpu.count" not in out.reasons:
        out.unknown("gpu.count", f"GPUs cannot be listed: {reading.error}")

    out.sections["gpu"] = GpuFacts(
        nvml_state=state.value,
        nvml_error=reading.error,
        driver_version=driver_version,
        driver_cuda=driver_cuda,
        driver_cuda_inferred=False if driver_cuda is not None else None,
        driver_source=out.sources.get("gpu.driver_version"),
        kernel_module_version=module_version,
        count=count,
        devices=tuple(devices),
        cuda_visible_devices=visible,
    )
    if timed_out:
        out.status, out.detail = "timeout", reading.error
    elif smi_hung:
        out.status, out.detail = "timeout", f"NVML: {state.value} ({reading.error}); {smi_hung}"
    elif state is NvmlState.OK:
        out.status = "partial" if reading.problems else "ok"
        out.detail = "; ".join(f"{k}: {v}" for k, v in sorted(reading.problems.items())) or None
    elif state is NvmlState.NO_DRIVER and driver_version is None:
        out.status, out.detail = "absent", f"no NVIDIA driver ({reading.error})"
    else:
        out.status = "partial"
        out.detail = f"NVML: {state.value} ({reading.error})"
    return out


def _no_driver_reason(reading: NvmlReading, module_why: str) -> str:
    return (
        f"no NVIDIA driver answered: NVML {reading.state.value} ({reading.error}); kernel module {module_why}"
    )


def kernel_module_version(ctx: ProbeContext) -> tuple[str | None, str | None, str]:
    """The loaded kernel module's version from /sys, else /proc: (version, source, why-not)."""
    text, sys_why = try_read_text(ctx.system_path("/sys/module/nvidia/version"))
    if text is not None and text.strip() and re.fullmatch(r"[\w.\-]{1,64}", text.strip()):
        return text.strip(), "sysfs", ""
    version, proc_why = parse_procfs_version(ctx)
    if version is not None:
        return version, "procfs", ""
    if text is not None:
        sys_why = f"holds no version ({text.strip()[:40]!r})"
    return None, None, f"/sys/module/nvidia/version {sys_why}; /proc/driver/nvidia/version {proc_why}"


_PROC_VERSION = r"Kernel Module(?: for \S{1,64})?\s{1,16}(\d{1,6}(?:\.\d{1,6}){1,4})"


def parse_procfs_version(ctx: ProbeContext) -> tuple[str | None, str]:
    text, why = try_read_text(ctx.system_path("/proc/driver/nvidia/version"))
    if text is None:
        return None, why
    # "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  550.144.03  Release Build ..."
    # "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05  Sat Aug 19 ..."
    match = re.search(_PROC_VERSION, text)
    if match:
        return match.group(1), ""
    return None, "holds no recognisable NVRM version line"


def _nvidia_smi(ctx: ProbeContext) -> str | None:
    found = which("nvidia-smi", ctx.environ)
    if found:
        return found
    candidates = ["/usr/lib/wsl/lib/nvidia-smi"]  # WSL2: mapped in from the Windows driver
    if ctx.platform == "win32":
        root = ctx.environ.get("SystemRoot", "C:\\Windows")
        program_files = ctx.environ.get("ProgramFiles", "C:\\Program Files")
        candidates = [
            os.path.join(root, "System32", "nvidia-smi.exe"),
            os.path.join(program_files, "NVIDIA Corporation", "NVSMI", "nvidia-smi.exe"),
        ]
        paths = [p for p in candidates if os.path.isfile(p)]
    else:
        paths = [str(ctx.system_path(p)) for p in candidates if ctx.system_path(p).is_file()]
    return paths[0] if paths else None


def _query_smi(
    ctx: ProbeContext, smi: str
) -> tuple[list[GpuDevice] | None, str | None, str, NvmlState | None]:
    """(devices, driver version, why-not, state from its failure text)."""
    from envadvisor.safetext import parse_int

    fields = list(SMI_FIELDS)
    result = _run_smi_query(ctx, smi, fields)
    # Old drivers reject the compute_cap field and fail the whole query: ask again without it. R610
    # deprecated "Driver Version" for "KMD Version"; should a driver reject driver_version, the header
    # (_smi_header) still tells the driver.
    for optional in ("compute_cap", "driver_version"):
        if not result.ok and not result.timed_out and optional in (result.stdout + result.stderr):
            fields.remove(optional)
            result = _run_smi_query(ctx, smi, fields)
    if not result.ok:
        return None, None, result.failure(), _smi_failure_state(result)
    devices: list[GpuDevice] = []
    driver = None
    for line in result.stdout.splitlines():
        if not line.strip():
            continue
        values = [v.strip() for v in line.split(",")]
        if len(values) != len(fields):
            return None, None, f"nvidia-smi printed an unexpected line: {line.strip()[:120]!r}", None
        row = {f: (None if _smi_missing(v) else v) for f, v in zip(fields, values, strict=True)}
        index = row["index"]
        memory = row["memory.total"]
        cc = row.get("compute_cap")
        devices.append(
            GpuDevice(
                index=parse_int(index, digits=3),
                name=row["name"],
                compute_capability=cc if cc and re.fullmatch(r"\d{1,3}\.\d{1,3}", cc) else None,
                memory_mib=parse_int(memory, digits=9),
                compute_capability_source="nvidia-smi" if cc else None,
            )
        )
        version = re.match(r"\d+\.\d+(?:\.\d+)?", row.get("driver_version") or "")
        driver = driver or (version.group(0) if version else None)
    if not devices:
        return None, None, "nvidia-smi listed no GPU", None
    return devices, driver, "", None


def _run_smi_query(ctx: ProbeContext, smi: str, fields: list[str]) -> CommandResult:
    argv = [smi, "--query-gpu=" + ",".join(fields), "--format=csv,noheader,nounits"]
    return run_command(argv, timeout=ctx.timeout, environ=ctx.environ)


def _smi_missing(value: str) -> bool:
    return value in ("", "[N/A]", "N/A", "[Not Supported]", "[Unknown Error]") or value.startswith("[")


def _smi_failure_state(result: CommandResult) -> NvmlState | None:
    text = (result.stdout + "\n" + result.stderr).lower()
    for needle, state in SMI_FAILURE_STATES:
        if needle in text:
            return state
    return None


# The default table's header: "Driver Version: X ... CUDA Version: Y" before R610, "KMD Version: X ...
# CUDA UMD Version: Y" from R610 (docs.nvidia.com/deploy/nvidia-smi: "deprecated Driver Version and CUDA
# Version in favor of KMD Version and CUDA UMD Version").
_SMI_HEADER_CUDA = re.compile(r"CUDA(?: UMD)? Version:\s{0,16}(\d{1,3}\.\d{1,3})")
_SMI_HEADER_DRIVER = re.compile(r"(?:Driver|KMD) Version:\s{0,16}(\d{1,4}\.\d{1,4}(?:\.\d{1,4})?)")


def _smi_header(ctx: ProbeContext, smi: str) -> tuple[str | None, str | None]:
    """(driver version, driver CUDA) from the header of nvidia-smi's default table, either spelling (no
    --query-gpu field has the driver's CUDA)."""
    result = run_command([smi], timeout=ctx.timeout, environ=ctx.environ)
    if not result.ok:
        return None, None
    driver = _SMI_HEADER_DRIVER.search(result.stdout)
    cuda = _SMI_HEADER_CUDA.search(result.stdout)
    return (driver.group(1) if driver else None), (cuda.group(1) if cuda else None)


def _pci_nvidia_count(ctx: ProbeContext, out: Contribution) -> int | None:
    """NVIDIA display/3D controllers on the PCI bus: tells 'a GPU without a working driver' apart."""
    if ctx.platform != "linux":
        out.unknown("gpu.count", "no driver answered and the PCI bus is only read on Linux")
        return None
    bus = ctx.system_path("/sys/bus/pci/devices")
    try:
        entries = list(os.scandir(bus))
    except OSError as exc:
        out.unknown("gpu.count", f"no driver answered and {bus} cannot be read ({exc.strerror})")
        return None
    count = 0
    for entry in entries:
        vendor, _ = try_read_text(os.path.join(entry.path, "vendor"), limit=64)
        if not vendor or vendor.strip().lower() != "0x10de":
            continue
        klass, _ = try_read_text(os.path.join(entry.path, "class"), limit=64)
        if klass and klass.strip().lower().startswith("0x03"):  # display controller (VGA or 3D)
            count += 1
    out.source("gpu.count", "sysfs-pci")
    return count
