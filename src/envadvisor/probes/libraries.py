"""Copies of the CUDA runtime, cuDNN and NCCL: pip wheels, conda packages, LD_LIBRARY_PATH, system.

No ``ldconfig -p`` subprocess: the folders the dynamic loader searches are read from
``/etc/ld.so.conf`` (and its includes) plus the standard ones, and listed directly; that finds the
same libraries without a process. Versions come from the library file name when it is fully
versioned (``libcudnn.so.9.1.0``), from headers (``cudnn_version.h``, ``nccl.h``,
``cuda_runtime_api.h``) next to it, or from a toolkit's wheel-style ``dist-info`` folder.

Which copy a framework most likely loads (``LibraryFacts.version``): a pip wheel (torch and
TensorFlow load their ``nvidia-*`` wheels first), then a conda package, then an ``LD_LIBRARY_PATH``
copy, then the system. Only a running process's ``/proc/<pid>/maps`` is ground truth, so every copy is
listed and rules can flag shadowing.
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import NamedTuple

from envadvisor.model import EnvironmentVariables, LibraryCopy, LibraryFacts
from envadvisor.probes._base import (
    Contribution,
    ProbeContext,
    dist_info_version,
    is_dotted_number,
    try_read_text,
    wheel_name_matches,
)


class LibrarySpec(NamedTuple):
    section: str  # Facts field
    soname: str  # file name prefix
    wheel: str  # canonical wheel name, without or with a -cuNN suffix
    conda: tuple[str, ...]  # conda package names
    header: str | None
    header_macros: tuple[str, str, str]


LIBRARIES: tuple[LibrarySpec, ...] = (
    LibrarySpec(
        "cuda_runtime",
        "libcudart.so",
        "nvidia-cuda-runtime",
        ("cuda-cudart", "cudatoolkit"),
        None,  # the runtime's version comes from the toolkit next to it (see _toolkit_runtime)
        ("", "", ""),
    ),
    LibrarySpec(
        "cudnn",
        "libcudnn.so",
        "nvidia-cudnn",
        ("cudnn",),
        "cudnn_version.h",
        ("CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"),
    ),
    LibrarySpec(
        "nccl",
        "libnccl.so",
        "nvidia-nccl",
        ("nccl",),
        "nccl.h",
        ("NCCL_MAJOR", "NCCL_MINOR", "NCCL_PATCH"),
    ),
)
# Libraries whose presence marks an LD_LIBRARY_PATH entry as a CUDA one.
CUDA_SONAMES = ("libcudart.so", "libcudnn.so", "libnccl.so", "libcublas.so", "libcuda.so", "libnvrtc.so")
_STANDARD_LIB_DIRS = ("/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib")
_MULTIARCH = ("x86_64-linux-gnu", "aarch64-linux-gnu", "powerpc64le-linux-gnu", "sbsa-linux")


def probe(ctx: ProbeContext) -> Contribution:
    out = Contribution()
    listings: dict[str, tuple[str, ...]] = {}  # each folder listed once for all three libraries
    ld_entries = [e for e in ctx.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if e]
    ld_cuda = [e for e in ld_entries if _holds_any(e, CUDA_SONAMES, listings)]
    system_dirs = _system_lib_dirs(ctx) if ctx.platform == "linux" else []
    toolkit_homes = _toolkit_homes(ctx)
    conda_include = []
    if ctx.conda_prefix_read:
        conda_include.append(os.path.join(ctx.conda_prefix_read, "include"))

    for spec in LIBRARIES:
        copies: list[LibraryCopy] = []
        for name, dist_copies in sorted(ctx.distributions.items()):
            if wheel_name_matches(name, spec.wheel):
                dist = dist_copies[0]
                copies.append(
                    LibraryCopy(version=dist.version, source="wheel", name=name, path=dist.site_dir)
                )
        for record in ctx.conda_records:
            if record.name in spec.conda:
                copies.append(
                    LibraryCopy(version=record.version, source="conda", name=record.name, path=record.path)
                )
        seen_files: set[str] = set()
        for entry in ld_cuda:
            copies.extend(_files_in(entry, spec, "LD_LIBRARY_PATH", seen_files, toolkit_homes, listings))
        for directory in system_dirs:
            copies.extend(_files_in(directory, spec, "system", seen_files, toolkit_homes, listings))
        if spec.header is not None:
            include_dirs = [os.path.join(h, "include") for h in toolkit_homes] + conda_include
            include_dirs += [
                str(ctx.system_path(p)) for p in ("/usr/include", *(f"/usr/include/{m}" for m in _MULTIARCH))
            ]
            copies.extend(_header_copies(spec, include_dirs, copies))
        version = _preferred_version(copies)
        out.sections[spec.section] = LibraryFacts(version=version, copies=tuple(copies))
        if version is None:
            where = "no copy found (pip wheels, conda packages, LD_LIBRARY_PATH, system library folders)"
            out.unknown(
                f"{spec.section}.version", where if not copies else "copies found but none states a version"
            )
        else:
            chosen = next(c for c in _ranked(copies) if c.version == version)
            out.source(f"{spec.section}.version", f"{chosen.source}: {chosen.name or chosen.path}")

    out.sections["env"] = EnvironmentVariables(
        ld_library_path_cuda=tuple(ld_cuda),
        conda_override_cuda=ctx.environ.get("CONDA_OVERRIDE_CUDA"),
    )
    if "CONDA_OVERRIDE_CUDA" not in ctx.environ:
        out.unknown("env.conda_override_cuda", "CONDA_OVERRIDE_CUDA is not set")
    return out


def _ranked(copies: list[LibraryCopy]) -> list[LibraryCopy]:
    order = {"wheel": 0, "conda": 1, "LD_LIBRARY_PATH": 2, "system": 3}
    return sorted(copies, key=lambda c: order.get(c.source or "", 9))


def _preferred_version(copies: list[LibraryCopy]) -> str | None:
    for copy in _ranked(copies):
        if copy.version:
            return copy.version
    return None


def _holds_any(directory: str, prefixes: tuple[str, ...], listings: dict[str, tuple[str, ...]]) -> bool:
    return any(name.startswith(prefixes) for name in _listing(directory, listings))


def _system_lib_dirs(ctx: ProbeContext) -> list[str]:
    """The loader's folders: /etc/ld.so.conf (with includes) then the standard ones, existing only."""
    dirs: list[str] = []
    _read_ld_conf(ctx, str(ctx.system_path("/etc/ld.so.conf")), dirs, depth=0)
    for base in _STANDARD_LIB_DIRS:
        dirs.append(str(ctx.system_path(base)))
        dirs.extend(str(ctx.system_path(f"{base}/{m}")) for m in _MULTIARCH)
    unique: list[str] = []
    seen: set[str] = set()
    for d in dirs:
        real = os.path.realpath(d)
        if real not in seen and os.path.isdir(d):
            seen.add(real)
            unique.append(d)
    return unique


def _read_ld_conf(ctx: ProbeContext, path: str, dirs: list[str], depth: int) -> None:
    if depth > 3:
        return
    text, _ = try_read_text(path, limit=64 * 1024)
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("include "):
            pattern = line.split(None, 1)[1]
            if os.path.isabs(pattern):
                pattern = str(ctx.system_path(pattern))
            else:
                pattern = os.path.join(os.path.dirname(path), pattern)
            for included in _expand(pattern):
                _read_ld_conf(ctx, included, dirs, depth + 1)
        elif line.startswith("/"):
            dirs.append(str(ctx.system_path(line)))


def _expand(pattern: str) -> list[str]:
    """An ld.so.conf include; the usual ``folder/*.conf`` without glob's regex compilation."""
    folder, _, leaf = pattern.rpartition("/")
    if leaf.startswith("*") and not any(c in folder + leaf[1:] for c in "*?["):
        try:
            return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(leaf[1:]))
        except OSError:
            return []
    import glob

    return sorted(glob.glob(pattern))


def _toolkit_homes(ctx: ProbeContext) -> list[str]:
    homes = [ctx.environ[v] for v in ("CUDA_HOME", "CUDA_PATH") if ctx.environ.get(v)]
    local = ctx.system_path("/usr/local")
    with contextlib.suppress(OSError):
        homes += sorted(str(local / e.name) for e in os.scandir(local) if e.name.startswith("cuda"))
    return homes


def _listing(directory: str, listings: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    if directory not in listings:
        try:
            listings[directory] = tuple(os.listdir(directory))
        except OSError:
            listings[directory] = ()
    return listings[directory]


def _files_in(
    directory: str,
    spec: LibrarySpec,
    source: str,
    seen: set[str],
    toolkit_homes: list[str],
    listings: dict[str, tuple[str, ...]],
) -> list[LibraryCopy]:
    """One copy per real library file named ``<soname>*`` in a folder (links to it collapse)."""
    names = [n for n in _listing(directory, listings) if n.startswith(spec.soname)]
    by_file: dict[str, list[str]] = {}
    for name in names:
        full = os.path.join(directory, name)
        by_file.setdefault(os.path.realpath(full), []).append(name)
    copies = []
    for real, aliases in sorted(by_file.items()):
        if real in seen:
            continue
        seen.add(real)
        version = _version_from_names([*aliases, os.path.basename(real)])
        if spec.section == "cuda_runtime" and (version is None or version.count(".") == 0):
            version = _toolkit_runtime(directory, toolkit_homes) or version
        if version is not None and version.count(".") == 0 and spec.header is not None:
            header_version = _header_version(os.path.join(os.path.dirname(directory), "include"), spec)
            if header_version and header_version.split(".")[0] == version:
                version = header_version
        copies.append(LibraryCopy(version=version, source=source, name=os.path.basename(real), path=real))
    return copies


def _version_from_names(names: list[str]) -> str | None:
    best: str | None = None
    for name in names:
        _, sep, tail = name.partition(".so.")
        if sep and is_dotted_number(tail) and (best is None or tail.count(".") > best.count(".")):
            best = tail
    return best


def _toolkit_runtime(lib_dir: str, toolkit_homes: list[str]) -> str | None:
    """The CUDA runtime version of a toolkit that owns ``lib_dir`` (version.json, dist-info, header)."""
    real_lib = os.path.realpath(lib_dir)
    for home in toolkit_homes:
        real_home = os.path.realpath(home)
        if not real_lib.startswith(real_home + os.sep):
            continue
        text, _ = try_read_text(os.path.join(home, "version.json"))
        if text:
            version = _cudart_in_version_json(text)
            if version:
                return version
        try:
            for name in os.listdir(os.path.join(home, "dist-info")):
                version = dist_info_version(name, "nvidia_cuda_runtime")
                if version:
                    return version
        except OSError:
            pass
        header, _ = try_read_text(os.path.join(home, "include", "cuda_runtime_api.h"))
        match = re.search(r"#define\s{1,16}CUDART_VERSION\s{1,16}(\d{1,9})", header or "")
        if match:
            value = int(match.group(1))
            return f"{value // 1000}.{(value % 1000) // 10}"
    return None


def _cudart_in_version_json(text: str) -> str | None:
    """``cuda_cudart.version`` of a CUDA install's version.json (a parser, not a pattern: the file is
    JSON, and a pattern over it could be made to backtrack)."""
    import json

    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    entry = data.get("cuda_cudart") if isinstance(data, dict) else None
    version = entry.get("version") if isinstance(entry, dict) else None
    if isinstance(version, str) and re.fullmatch(r"\d{1,4}(?:\.\d{1,6}){0,4}", version):
        return version
    return None


def _header_version(include_dir: str, spec: LibrarySpec) -> str | None:
    if spec.header is None:
        return None
    text, _ = try_read_text(os.path.join(include_dir, spec.header), limit=256 * 1024)
    if text is None and spec.section == "cudnn":
        text, _ = try_read_text(os.path.join(include_dir, "cudnn.h"), limit=256 * 1024)  # cuDNN <= 7
    if not text:
        return None
    parts = []
    for macro in spec.header_macros:
        match = re.search(rf"#define\s{{1,16}}{macro}\s{{1,16}}(\d{{1,9}})", text)
        if not match:
            return None
        parts.append(match.group(1))
    return ".".join(parts)


def _header_copies(spec: LibrarySpec, include_dirs: list[str], found: list[LibraryCopy]) -> list[LibraryCopy]:
    """Headers of a library installed without a library file we saw (a dev package, a toolkit)."""
    copies = []
    seen: set[str] = set()
    for include in include_dirs:
        real = os.path.realpath(include)
        if real in seen:
            continue
        seen.add(real)
        version = _header_version(include, spec)
        if version is None:
            continue
        header_path = os.path.join(include, spec.header or "")
        if any(c.version == version and c.source == "system" for c in found):
            continue  # the library file next to it already told us
        copies.append(LibraryCopy(version=version, source="system", name=spec.header, path=header_path))
    return copies
