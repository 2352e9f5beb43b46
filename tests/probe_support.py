"""Builders for the probe tests: fake executables, dist-info folders, conda-meta records, tmp roots."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

from envadvisor.probes._base import ProbeContext

# Real recorded outputs (shared/reference/report-formats.md sections 5 and 6, detection.md section 5)
NVCC_12_4_OUTPUT = """nvcc: NVIDIA (R) Cuda compiler driver
Copyright (c) 2005-2024 NVIDIA Corporation
Built on Thu_Mar_28_02:18:24_PDT_2024
Cuda compilation tools, release 12.4, V12.4.131
Build cuda_12.4.r12.4/compiler.34097967_0
"""
SMI_QUERY_H100 = "0, NVIDIA H100 80GB HBM3, 580.65.06, 9.0, 81559\n"
SMI_TABLE_HEADER_580 = (
    "+-----------------------------------------------------------------------------------------+\n"
    "| NVIDIA-SMI 580.65.06              Driver Version: 580.65.06      CUDA Version: 13.0     |\n"
)


def write_executable(directory: Path, name: str, body: str) -> Path:
    """A small POSIX shell script; ``body`` follows the ``#!/bin/sh`` line."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def path_with(directory: Path) -> dict[str, str]:
    """An environment whose PATH has ``directory`` first, then the basic system folders only."""
    return {"PATH": f"{directory}{os.pathsep}/usr/bin{os.pathsep}/bin"}


def make_dist(
    site: Path,
    name: str,
    version: str | None,
    *,
    installer: str | None = "pip",
    folder: str | None = None,
    extra_headers: str = "",
    metadata: bytes | None = None,
) -> Path:
    """A ``<name>-<version>.dist-info`` folder as pip writes it (METADATA, INSTALLER)."""
    folder = folder or f"{name.replace('-', '_')}-{version or '0'}.dist-info"
    path = site / folder
    path.mkdir(parents=True, exist_ok=True)
    if metadata is None:
        lines = ["Metadata-Version: 2.1", f"Name: {name}"]
        if version is not None:
            lines.append(f"Version: {version}")
        text = "\n".join(lines) + "\n" + extra_headers + "\nA long description follows.\nName: not-a-header\n"
        metadata = text.encode()
    (path / "METADATA").write_bytes(metadata)
    if installer is not None:
        (path / "INSTALLER").write_text(installer + "\n")
    return path


def make_conda_record(
    prefix: Path, name: str, version: str, build: str = "h0_0", channel: str | None = None, **extra: object
) -> Path:
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True, exist_ok=True)
    record: dict[str, object] = {
        "build": build,
        "build_number": 0,
        "channel": channel or "https://conda.anaconda.org/conda-forge/linux-64",
        "depends": [],
        "files": [],
        "name": name,
        "version": version,
    }
    record.update(extra)
    path = meta / f"{name}-{version}-{build}.json"
    path.write_text(json.dumps(record, indent=2, sort_keys=True))
    return path


def context(
    *,
    environ: dict[str, str] | None = None,
    root: Path | None = None,
    sys_path: list[str] | None = None,
    prefix: Path | None = None,
    timeout: float = 5.0,
    platform: str = "linux",
) -> ProbeContext:
    prefix_text = str(prefix) if prefix is not None else sys.prefix
    return ProbeContext(
        environ=environ if environ is not None else {"PATH": "/usr/bin:/bin"},
        timeout=timeout,
        root=root if root is not None else Path("/"),
        sys_path=tuple(sys_path or ()),
        prefix=prefix_text,
        base_prefix=prefix_text if prefix is not None else sys.base_prefix,
        platform=platform,
    )
