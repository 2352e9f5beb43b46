"""The host: OS, distribution, kernel, architecture, glibc, CPU, cores, memory, WSL2, containers.

On Linux every answer comes from a file under /proc, /etc or /dev (cheap, and a tmp tree in tests);
psutil is only the fallback for memory on other systems, since importing it costs ~40 ms
(measured with ``python -X importtime``) and /proc/meminfo answers the same question for free.
"""

from __future__ import annotations

import os

from envadvisor.model import OsFacts
from envadvisor.probes._base import Contribution, ProbeContext, try_read_text

_SYSTEMS = {"linux": "linux", "win32": "windows", "cygwin": "windows", "darwin": "macos"}
_ARCH_ALIASES = {
    "amd64": "x86_64",
    "x64": "x86_64",
    "x86_64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "arm64",
}


def probe(ctx: ProbeContext) -> Contribution:
    out = Contribution()
    system = _SYSTEMS.get(ctx.platform)
    if system is None:
        out.unknown("os.system", f"unrecognised platform {ctx.platform!r}")
    uname = os.uname() if hasattr(os, "uname") else None
    machine = uname.machine if uname else ctx.environ.get("PROCESSOR_ARCHITECTURE", "")
    arch = _ARCH_ALIASES.get(machine.lower(), machine.lower() or None)
    if system == "macos" and arch == "aarch64":
        arch = "arm64"
    if arch is None:
        out.unknown("os.arch", "the machine type is not reported by the OS")

    distro = distro_version = None
    kernel = uname.release if uname else None
    glibc = _glibc_version()
    cpu = cores_reason = None
    memory_mib: int | None = None
    wsl: bool | None = None
    wsl_bridge: bool | None = None
    container: str | None = None

    if system == "linux":
        distro, distro_version = _os_release(ctx, out)
        cpu = _cpu_model(ctx, out)
        memory_mib = _meminfo_total_mib(ctx, out)
        wsl = _is_wsl(ctx, kernel, out)
        wsl_bridge = ctx.system_path("/dev/dxg").exists()
        container = _container_kind(ctx)
        if glibc is None:
            out.unknown("os.glibc", "this Python does not report a glibc (musl or static build)")
    else:
        wsl, wsl_bridge, container = False, False, None
        out.unknown("os.container", "container detection is implemented for Linux only")
        out.unknown("os.glibc", f"no glibc on {system or ctx.platform}")
        if system == "macos":
            import platform

            distro, distro_version = "macOS", platform.mac_ver()[0] or None
        elif system == "windows":
            import platform

            distro, distro_version = "Windows", platform.version() or None
            kernel = kernel or platform.release() or None
        memory_mib = _psutil_memory_mib(out)
        out.unknown("os.cpu", "the CPU model is read from /proc/cpuinfo, which only Linux has")

    cores = os.cpu_count()
    if cores is None:
        cores_reason = "the OS did not report a CPU count"
        out.unknown("os.cores", cores_reason)
    hostname = uname.nodename if uname else ctx.environ.get("COMPUTERNAME")
    if not hostname:
        hostname = None
        out.unknown("os.hostname", "the OS did not report a host name")

    out.sections["os"] = OsFacts(
        system=system,
        distro=distro,
        distro_version=distro_version,
        kernel=kernel,
        arch=arch,
        glibc=glibc,
        cpu=cpu,
        cores=cores,
        memory_mib=memory_mib,
        hostname=hostname,
        wsl=wsl,
        wsl_gpu_bridge=wsl_bridge,
        container=container,
    )
    if out.reasons and any(k in out.reasons for k in ("os.system", "os.arch", "os.memory_mib")):
        out.status = "partial"
    return out


def _glibc_version() -> str | None:
    try:
        value = os.confstr("CS_GNU_LIBC_VERSION")  # "glibc 2.36"; cheap, unlike platform.libc_ver()
    except (AttributeError, ValueError, OSError):
        return None
    if value and value.startswith("glibc "):
        return value.split(" ", 1)[1]
    return None


def _os_release(ctx: ProbeContext, out: Contribution) -> tuple[str | None, str | None]:
    for candidate in ("/etc/os-release", "/usr/lib/os-release"):
        text, _ = try_read_text(ctx.system_path(candidate))
        if text is None:
            continue
        fields: dict[str, str] = {}
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            if sep:
                fields[key.strip()] = value.strip().strip("\"'")
        name = fields.get("NAME") or fields.get("ID") or None
        version = fields.get("VERSION_ID") or None
        if name is None:
            out.unknown("os.distro", f"{candidate} names no distribution")
        if version is None:
            out.unknown("os.distro_version", f"{candidate} has no VERSION_ID (rolling release?)")
        return name, version
    out.unknown("os.distro", "no /etc/os-release")
    out.unknown("os.distro_version", "no /etc/os-release")
    return None, None


def _cpu_model(ctx: ProbeContext, out: Contribution) -> str | None:
    text, why = try_read_text(ctx.system_path("/proc/cpuinfo"), limit=256 * 1024)
    if text is None:
        out.unknown("os.cpu", f"/proc/cpuinfo {why}")
        return None
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        # x86: "model name"; some ARM kernels: "Model"/"Hardware"; s390x/POWER: "cpu"
        if sep and key.strip() in ("model name", "Model", "Hardware", "cpu") and value.strip():
            return " ".join(value.split())
    out.unknown("os.cpu", "/proc/cpuinfo names no CPU model (common on ARM)")
    return None


def _meminfo_total_mib(ctx: ProbeContext, out: Contribution) -> int | None:
    text, why = try_read_text(ctx.system_path("/proc/meminfo"), limit=64 * 1024)
    if text is None:
        out.unknown("os.memory_mib", f"/proc/meminfo {why}")
        return None
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            parts = line.split()
            from envadvisor.safetext import parse_int

            kib = parse_int(parts[1]) if len(parts) >= 2 else None
            if kib is not None:
                return kib // 1024  # the file says kB, meaning KiB
    out.unknown("os.memory_mib", "/proc/meminfo has no MemTotal line")
    return None


def _psutil_memory_mib(out: Contribution) -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total) // (1 << 20)
    except Exception as exc:  # psutil raises its own errors on exotic systems
        out.unknown("os.memory_mib", f"psutil could not read the memory size: {exc}")
        return None


def _is_wsl(ctx: ProbeContext, kernel: str | None, out: Contribution) -> bool | None:
    text, why = try_read_text(ctx.system_path("/proc/sys/kernel/osrelease"))
    release = (text or kernel or "").lower()
    if not release:
        out.unknown("os.wsl", f"/proc/sys/kernel/osrelease {why} and no kernel release")
        return None
    return "microsoft" in release or "wsl" in release


def _container_kind(ctx: ProbeContext) -> str:
    if ctx.environ.get("KUBERNETES_SERVICE_HOST"):
        return "kubernetes"
    if ctx.system_path("/run/.containerenv").exists():
        return "podman"
    if ctx.system_path("/.dockerenv").exists():
        return "docker"
    text, _ = try_read_text(ctx.system_path("/proc/1/cgroup"), limit=64 * 1024)
    cgroup = text or ""
    if "kubepods" in cgroup:
        return "kubernetes"
    if "docker" in cgroup:
        return "docker"
    if "containerd" in cgroup or "libpod" in cgroup or "lxc" in cgroup:
        return "container"
    if ctx.environ.get("container"):  # systemd's convention, set by podman, lxc, systemd-nspawn
        return "container"
    return "none"
