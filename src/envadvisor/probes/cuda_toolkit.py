"""CUDA toolkits (nvcc): every install found, and the one a build of a CUDA extension would use.

The order is torch.utils.cpp_extension's ``_find_cuda_home``: ``CUDA_HOME``, then ``CUDA_PATH`` (even
when the folder does not exist), then the parent of the folder of ``nvcc`` found on ``PATH``, then
``/usr/local/cuda`` if it exists (Windows: the first ``C:/Program Files/NVIDIA GPU Computing
Toolkit/CUDA/v*``).

A home is reported as the real toolkit folder: links are resolved (``/usr/local/cuda`` ->
``/usr/local/cuda-13.0``), and an ``nvcc`` on ``PATH`` whose parent is no toolkit (a
``/usr/local/bin/nvcc`` link, or a wrapper script that execs ``/usr/local/cuda-13.0/bin/nvcc``) is
followed to the nvcc it runs, so the home is ``/usr/local/cuda-13.0``, not ``/usr/local``. Installs are
counted once per real folder.

The version of an install comes from its files when they say it (``version.json`` since CUDA 11.1,
``version.txt`` before, the ``dist-info`` folder of NVIDIA's wheel-based installers), otherwise from
``nvcc --version``. For the selected install nvcc is always asked too, since that is what a build runs.
"""

from __future__ import annotations

import json
import os
import re

from envadvisor.model import CudaToolkitFacts, ToolkitInstall
from envadvisor.probes._base import (
    Contribution,
    ProbeContext,
    dist_info_version,
    major_minor,
    try_read_text,
)
from envadvisor.probes._commands import run_command, which

_NVCC_RELEASE = r"release (\d{1,4}\.\d{1,4}), V(\d{1,4}(?:\.\d{1,6}){0,4})"
_VERSION_TXT = r"CUDA Version (\d{1,4}\.\d{1,4}(?:\.\d{1,6}){0,4})"


def probe(ctx: ProbeContext) -> Contribution:
    out = Contribution()
    candidates = _candidates(ctx)  # (home, source, nvcc path or None), build order first
    installs: list[ToolkitInstall] = []
    seen: set[str] = set()
    selected: ToolkitInstall | None = None
    selected_nvcc_version: str | None = None
    selected_why = ""
    problems: list[str] = []

    for position, (home, source, nvcc) in enumerate(candidates):
        key = _realpath(home)
        if key in seen:
            continue
        seen.add(key)
        exists = os.path.isdir(home)
        short_version, full, why = (
            (None, None, "folder does not exist") if not exists else _version_from_files(home)
        )
        nvcc_full = None
        is_build_choice = selected is None and position == 0
        nvcc_path = nvcc or os.path.join(home, "bin", "nvcc.exe" if ctx.platform == "win32" else "nvcc")
        if exists and (is_build_choice or short_version is None) and os.path.isfile(nvcc_path):
            release, nvcc_full, nvcc_why = nvcc_version(ctx, nvcc_path)
            if release is not None:
                short_version = short_version or release
                full = full or nvcc_full
                why = ""
            else:
                why = f"{why}; {nvcc_why}" if why else nvcc_why
                problems.append(nvcc_why)
        install = ToolkitInstall(path=home, version=short_version, source=source)
        installs.append(install)
        if is_build_choice:
            selected = install
            selected_nvcc_version = nvcc_full or full
            selected_why = why

    for home, source in _other_installs(ctx):
        key = _realpath(home)
        if key in seen:
            continue
        seen.add(key)
        short_version, _full, _why = _version_from_files(home)
        if short_version is None:
            nvcc_path = os.path.join(home, "bin", "nvcc")
            if os.path.isfile(nvcc_path):
                short_version, _full, _ = nvcc_version(ctx, nvcc_path)
        installs.append(ToolkitInstall(path=home, version=short_version, source=source))

    for wheel in (
        "nvidia-cuda-nvcc",
        "nvidia-cuda-nvcc-cu12",
        "nvidia-cuda-nvcc-cu11",
        "nvidia-cuda-nvcc-cu13",
    ):
        dist = ctx.first_distribution(wheel)
        if dist is not None:
            installs.append(
                ToolkitInstall(path=dist.site_dir, version=major_minor(dist.version), source="wheel")
            )

    if selected is None:
        looked = "CUDA_HOME, CUDA_PATH, nvcc on PATH, /usr/local/cuda"
        reason = f"no CUDA toolkit found ({looked})"
        for key in ("cuda_toolkit.version", "cuda_toolkit.nvcc_version", "cuda_toolkit.home"):
            out.unknown(key, reason)
        out.sections["cuda_toolkit"] = CudaToolkitFacts(installs=tuple(installs))
        out.status, out.detail = "absent", reason + (f"; other installs: {len(installs)}" if installs else "")
        return out

    if selected.version is None:
        out.unknown("cuda_toolkit.version", f"{selected.path} ({selected.source}): {selected_why}")
    if selected_nvcc_version is None:
        out.unknown("cuda_toolkit.nvcc_version", f"{selected.path}: {selected_why or 'nvcc gave no version'}")
    out.source("cuda_toolkit.version", selected.source or "")
    out.sections["cuda_toolkit"] = CudaToolkitFacts(
        version=selected.version,
        nvcc_version=selected_nvcc_version,
        home=selected.path,
        source=selected.source,
        installs=tuple(installs),
    )
    if selected.version is None or problems:
        # a hung nvcc is a timeout, so the report lists it among the probes that could not finish
        out.status = "timeout" if any(" timed out after " in p for p in problems) else "partial"
        out.detail = "; ".join(dict.fromkeys(problems)) or selected_why
    return out


def _candidates(ctx: ProbeContext) -> list[tuple[str, str, str | None]]:
    found: list[tuple[str, str, str | None]] = []
    for variable in ("CUDA_HOME", "CUDA_PATH"):
        value = ctx.environ.get(variable)
        if value:
            found.append((_real_folder(value), variable, None))
    nvcc = which("nvcc", ctx.environ)
    if nvcc:
        found.append((toolkit_root_of_nvcc(nvcc), "nvcc-on-PATH", nvcc))
    if ctx.platform == "win32":
        import glob

        homes = sorted(glob.glob("C:/Program Files/NVIDIA GPU Computing Toolkit/CUDA/v*.*"))
        found.extend((home, "CUDA_PATH", None) for home in homes[:1])
    else:
        default = ctx.system_path("/usr/local/cuda")
        if default.exists():
            found.append((_real_folder(str(default)), "/usr/local/cuda", None))
    return found


_WRAPPED_NVCC = re.compile(r"""(?:^|[\s"'=])(/[^\s"';|&<>`$]*/nvcc)(?=["'\s;]|$)""", re.MULTILINE)
_MAX_HOPS = 4


def toolkit_root_of_nvcc(nvcc: str) -> str:
    """The toolkit folder an ``nvcc`` belongs to: its parent's parent when that is a toolkit (a conda
    prefix, /usr with Debian's package, /opt/cuda-12.4), else the folder of the nvcc it really runs,
    followed through links and wrapper scripts (``exec /usr/local/cuda-13.0/bin/nvcc "$@"``). When
    nothing leads to a toolkit, the parent's parent, as torch takes it."""
    home = os.path.dirname(os.path.dirname(nvcc))
    if _looks_like_toolkit(home):
        return _real_folder(home)
    current = nvcc
    for _ in range(_MAX_HOPS):
        real = _realpath(current)
        candidate = os.path.dirname(os.path.dirname(real))
        if _looks_like_toolkit(candidate):
            return candidate
        target = _wrapped_nvcc(real)
        if target is None or _realpath(target) == real:
            break
        current = target
    return home


def _looks_like_toolkit(home: str) -> bool:
    """An nvcc next to what a toolkit (or a conda prefix) holds, not a bare bin folder like /usr/local."""
    if not os.path.isfile(os.path.join(home, "bin", "nvcc")) and not os.path.isfile(
        os.path.join(home, "bin", "nvcc.exe")
    ):
        return False
    marks = ("version.json", "version.txt", "dist-info", "nvvm", "conda-meta",
             os.path.join("include", "cuda.h"))
    return any(os.path.exists(os.path.join(home, mark)) for mark in marks)


def _wrapped_nvcc(path: str) -> str | None:
    """The absolute nvcc a small wrapper script runs (``exec /usr/local/cuda-13.0/bin/nvcc "$@"``)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    if not head.startswith(b"#!"):
        return None  # a binary: the real nvcc
    text = head.decode("utf-8", errors="replace")
    for match in _WRAPPED_NVCC.finditer(text):
        target = match.group(1)
        if os.path.isfile(target) and _realpath(target) != _realpath(path):
            return target
    return None


def _real_folder(path: str) -> str:
    """A folder through its links (``/usr/local/cuda`` -> ``/usr/local/cuda-13.0``); as given when it does
    not exist (a CUDA_HOME that points nowhere is still what a build uses)."""
    return _realpath(path) if os.path.isdir(path) else path


def _other_installs(ctx: ProbeContext) -> list[tuple[str, str]]:
    """Toolkits a build would not pick but a person may switch to: /usr/local/cuda-*, conda's nvcc."""
    others: list[tuple[str, str]] = []
    if ctx.platform != "win32":
        base = ctx.system_path("/usr/local")
        try:
            names = sorted(e.name for e in os.scandir(base) if e.name.startswith("cuda-"))
        except OSError:
            names = []
        others.extend((str(base / name), "/usr/local/cuda-*") for name in names)
    else:
        for variable, value in sorted(ctx.environ.items()):
            if variable.upper().startswith("CUDA_PATH_V") and value:
                others.append((value, variable))
    conda_prefix = ctx.environ.get("CONDA_PREFIX")
    if conda_prefix and os.path.isfile(os.path.join(conda_prefix, "bin", "nvcc")):
        others.append((conda_prefix, "conda"))
    return others


def _version_from_files(home: str) -> tuple[str | None, str | None, str]:
    """(major.minor, full nvcc version, why-not) from the install's own files."""
    text, why_json = try_read_text(os.path.join(home, "version.json"))
    if text is not None:
        try:
            data = json.loads(text)
            cuda = data.get("cuda", {}).get("version")
            nvcc = data.get("cuda_nvcc", {}).get("version")
            # cuda.version's third part can be a date (12.6.20241114): only major.minor is meant.
            if isinstance(cuda, str) and major_minor(cuda):
                return major_minor(cuda), nvcc if isinstance(nvcc, str) else None, ""
        except (ValueError, AttributeError):
            pass
        why_json = "is not valid JSON with a cuda.version"
    text, why_txt = try_read_text(os.path.join(home, "version.txt"))
    if text is not None:
        match = re.search(_VERSION_TXT, text)
        if match:
            return major_minor(match.group(1)), match.group(1), ""
        why_txt = "names no version"
    dist_dir = os.path.join(home, "dist-info")
    try:
        for name in sorted(os.listdir(dist_dir)):
            version = dist_info_version(name, "nvidia_cuda_nvcc")
            if version:
                return major_minor(version), version, ""
    except OSError:
        pass
    return None, None, f"version.json {why_json}, version.txt {why_txt}"


def nvcc_version(ctx: ProbeContext, nvcc: str) -> tuple[str | None, str | None, str]:
    """``nvcc --version`` -> (release major.minor, full version, why-not)."""
    result = run_command([nvcc, "--version"], timeout=ctx.timeout, environ=ctx.environ)
    if not result.ok:
        return None, None, result.failure()
    match = re.search(_NVCC_RELEASE, result.stdout)
    if not match:
        first = result.stdout.strip().splitlines()[:1]
        return (
            None,
            None,
            f"{nvcc} --version printed no release line ({first[0][:80]!r})"
            if first
            else (f"{nvcc} --version printed nothing"),
        )
    return match.group(1), match.group(2), ""


def _realpath(path: str) -> str:
    try:
        return os.path.realpath(path)
    except OSError:
        return path
