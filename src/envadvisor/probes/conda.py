"""conda: the active environment, and the packages of a prefix read from ``conda-meta/*.json``.

No ``conda list`` subprocess (starting conda costs seconds). Which prefix is read: this interpreter's
``sys.prefix`` when it holds ``conda-meta/`` (the packages Python actually sees), otherwise the active
``CONDA_PREFIX`` (then its packages are reported as conda facts but not merged into the Python
packages, because this interpreter cannot import them).

Speed: a record's ``files`` list makes big packages' JSON large (a CUDA-enabled pytorch record is
megabytes), and a conda env has hundreds of records. Records up to 64 KiB are parsed whole; bigger
ones are read in two small pieces: the head, where ``channel`` comes before ``files`` both in conda's
sorted keys and in rattler/pixi's order, and the tail (a truncated file does not end in ``}``), so a
corrupt record is still reported and the cost stays flat. Name, version and build then come from the
file name, ``<name>-<version>-<build>.json``, which both tools write.
"""

from __future__ import annotations

import json
import os
import re

from envadvisor.model import CondaFacts
from envadvisor.probes._base import CondaRecord, Contribution, ProbeContext, open_nonblocking

WHOLE_RECORD_LIMIT = 64 * 1024
_HEAD_BYTES = 16 * 1024
_HEAD_FIELD = r'"(channel|name|version|build|url)"\s{0,16}:\s{0,16}"((?:[^"\\]|\\.){0,4096})"'


def probe(ctx: ProbeContext) -> Contribution:
    out = Contribution()
    own_prefix = ctx.prefix
    in_conda_env = os.path.isdir(os.path.join(own_prefix, "conda-meta"))
    active_prefix = ctx.environ.get("CONDA_PREFIX") or None
    active_env = ctx.environ.get("CONDA_DEFAULT_ENV") or None
    exe = ctx.environ.get("CONDA_EXE") or ctx.environ.get("MAMBA_EXE") or None

    prefix: str | None = own_prefix if in_conda_env else None
    if prefix is None and active_prefix and os.path.isdir(os.path.join(active_prefix, "conda-meta")):
        prefix = active_prefix

    records: list[CondaRecord] = []
    broken: list[str] = []
    if prefix is not None:
        records, broken = read_conda_meta(os.path.join(prefix, "conda-meta"))
        ctx.conda_records = records
        ctx.conda_prefix_read = prefix if in_conda_env else None

    if active_env is None:
        out.unknown("conda.active_env", "no conda environment is activated (CONDA_DEFAULT_ENV unset)")
    if active_prefix is None:
        out.unknown("conda.active_prefix", "no conda environment is activated (CONDA_PREFIX unset)")
    if exe is None:
        out.unknown("conda.exe", "CONDA_EXE is not set")
    if prefix is None:
        out.unknown("conda.prefix", "this Python is not in a conda environment and none is active")
        out.unknown("conda.package_count", "no conda environment to read")
    counts: dict[str, int] = {}
    for record in records:
        if record.channel:
            counts[record.channel] = counts.get(record.channel, 0) + 1
    out.sections["conda"] = CondaFacts(
        in_conda_env=in_conda_env,
        active_env=active_env,
        active_prefix=active_prefix,
        prefix=prefix,
        exe=exe,
        package_count=len(records) + len(broken) if prefix is not None else None,
        channels=tuple(sorted(counts, key=lambda c: (-counts[c], c))),
    )
    if prefix is not None:
        out.source("conda.prefix", "sys.prefix" if in_conda_env else "CONDA_PREFIX")
    if broken:
        out.status = "partial"
        shown = ", ".join(broken[:5]) + (f" and {len(broken) - 5} more" if len(broken) > 5 else "")
        out.detail = f"{len(broken)} unreadable conda-meta record(s): {shown}"
    elif prefix is None and not active_env and not exe:
        out.status, out.detail = "absent", "no conda environment"
    return out


def read_conda_meta(meta_dir: str) -> tuple[list[CondaRecord], list[str]]:
    """Every record in a ``conda-meta`` folder, plus the names of the files that are broken."""
    records: list[CondaRecord] = []
    broken: list[str] = []
    try:
        entries = sorted(e.name for e in os.scandir(meta_dir) if e.name.endswith(".json"))
    except OSError as exc:
        return [], [f"{meta_dir} ({exc.strerror})"]
    for name in entries:
        path = os.path.join(meta_dir, name)
        try:
            record = _read_record(path)
        except (OSError, ValueError, RecursionError, MemoryError) as exc:  # nesting deeper than the stack
            broken.append(f"{name} ({_short(exc)})")
            continue
        records.append(record)
    return records, broken


def _read_record(path: str) -> CondaRecord:
    size = os.path.getsize(path)
    with open(path, "rb", opener=open_nonblocking) as handle:  # a FIFO reads as empty, not a hang
        if size <= WHOLE_RECORD_LIMIT:
            data = json.loads(handle.read().decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            fields = {k: data.get(k) for k in ("name", "version", "build", "channel", "url")}
        else:
            head = handle.read(_HEAD_BYTES).decode("utf-8", errors="replace")
            handle.seek(max(size - 64, 0))
            tail = handle.read().decode("utf-8", errors="replace")
            if not head.lstrip().startswith("{") or not tail.rstrip().endswith("}"):
                raise ValueError("truncated JSON")
            fields = {}
            for match in re.finditer(_HEAD_FIELD, head):
                fields.setdefault(match.group(1), json.loads(f'"{match.group(2)}"'))
            # conda sorts keys (name and version come after files), rattler/pixi put them first; the
            # file name <name>-<version>-<build>.json says the same in both.
            parts = os.path.basename(path)[: -len(".json")].rsplit("-", 2)
            if len(parts) == 3:
                for key, value in zip(("name", "version", "build"), parts, strict=True):
                    fields.setdefault(key, value)
    name = fields.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError("no package name")
    version = fields.get("version")
    build = fields.get("build")
    return CondaRecord(
        name=name,
        version=version if isinstance(version, str) and version else None,
        build=build if isinstance(build, str) else None,
        channel=channel_name(fields.get("channel"), fields.get("url")),
        path=path,
    )


def channel_name(channel: object, url: object = None) -> str | None:
    """``https://conda.anaconda.org/conda-forge/linux-64`` -> ``conda-forge``;
    ``https://repo.anaconda.com/pkgs/main/linux-64`` -> ``pkgs/main``; a plain name stays."""
    text = channel if isinstance(channel, str) and channel else None
    if text is None and isinstance(url, str) and "/" in url:
        text = url.rsplit("/", 1)[0]  # drop the package file name
    if not text:
        return None
    text = text.rstrip("/")
    if "://" not in text:
        return text
    path = text.split("://", 1)[1].split("/", 1)[1] if "/" in text.split("://", 1)[1] else ""
    parts = [p for p in path.split("/") if p]
    if parts and re.fullmatch(r"(linux|osx|win|noarch|zos|emscripten|wasi)(-\w+)?", parts[-1]):
        parts = parts[:-1]
    if parts and parts[0] == "t" and len(parts) > 2:  # token URLs: /t/<token>/<channel>
        parts = parts[2:]
    return "/".join(parts) or text


def _short(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc).split("\n", 1)[0][:80]
