"""The Python environment: interpreter, kind of environment, and every installed distribution.

Distributions are read straight from the ``*.dist-info`` / ``*.egg-info`` folders on ``sys.path``
(the same folders importlib.metadata reads), taking only the header of each METADATA file and the
INSTALLER file. importlib.metadata would parse every METADATA whole through the email parser, which
is what makes a 1,000-distribution environment slow; reading the header is enough for the name and
version. The first copy on ``sys.path`` is the one Python imports; any further copy of the same
distribution (a second dist-info left behind, a user-site copy, a conda record with another version)
is kept in ``Package.other_versions``. Broken metadata is reported in the probe outcome, never fatal.
"""

from __future__ import annotations

import os
import re
import sys

from envadvisor.model import Package, PythonFacts, canonical_name
from envadvisor.probes._base import CondaRecord, Contribution, DistInfo, ProbeContext, try_read_text

_HEAD_BYTES = 4096
# PEP 440 versions in their common canonical spelling; anything else goes to packaging to decide.
_SIMPLE_VERSION = (
    r"^\d{1,12}(\.\d{1,12}){0,12}((a|b|rc)\d{1,12})?(\.post\d{1,12})?(\.dev\d{1,12})?(\+[a-z0-9]{1,64}(\.[a-z0-9]{1,64}){0,12})?$"
)
# conda package names that install a Python distribution under another name
_META_SUFFIXES = (".dist-info", ".egg-info")
_NAME_HEADER = r"(?mi)^Name:[ \t]{0,64}(\S(?:[^\r\n]{0,254}\S)?)[ \t\r]{0,64}$"
_VERSION_HEADER = r"(?mi)^Version:[ \t]{0,64}(\S(?:[^\r\n]{0,254}\S)?)[ \t\r]{0,64}$"
CONDA_TO_PYPI = {
    "pytorch": "torch",
    "pytorch-cpu": "torch",
    "pytorch-gpu": "torch",
    "py-opencv": "opencv-python",
}


def probe(ctx: ProbeContext) -> Contribution:
    out = Contribution()
    dists, problems = scan_distributions(ctx.sys_path)
    ctx.distributions = dists

    kind = environment_kind(ctx.prefix, ctx.base_prefix)
    out.source("python.env_kind", kind[1])
    out.sections["python"] = PythonFacts(
        version=_python_version(),
        implementation=sys.implementation.name,
        executable=ctx.executable or None,
        prefix=ctx.prefix,
        env_kind=kind[0],
        has_pip="pip" in dists,
    )
    out.sections["packages"] = build_packages(ctx, dists, out)
    for name, copies in dists.items():
        first = copies[0]
        if first.version is None:
            out.unknown(f"packages.{name}.version", first.problem or "no version in its metadata")
    if problems:
        out.status = "partial"
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        out.detail = f"{len(problems)} distribution(s) with broken metadata: {shown}"
    return out


def _python_version() -> str:
    info = sys.version_info
    version = f"{info.major}.{info.minor}.{info.micro}"
    suffix = {"alpha": "a", "beta": "b", "candidate": "rc"}.get(info.releaselevel)
    return version + (f"{suffix}{info.serial}" if suffix else "")


def environment_kind(prefix: str, base_prefix: str) -> tuple[str, str]:
    """(venv | uv | virtualenv | conda | system, the evidence)."""
    if os.path.isdir(os.path.join(prefix, "conda-meta")):
        return "conda", f"{prefix}/conda-meta"
    cfg_path = os.path.join(prefix, "pyvenv.cfg")
    text, _ = try_read_text(cfg_path, limit=16 * 1024)
    if text is not None:
        keys = {line.partition("=")[0].strip().lower() for line in text.splitlines() if "=" in line}
        if "uv" in keys:
            return "uv", f"{cfg_path} (uv = ...)"
        if "virtualenv" in keys:
            return "virtualenv", f"{cfg_path} (virtualenv = ...)"
        return "venv", cfg_path
    if prefix != base_prefix:
        return "virtualenv", "sys.prefix differs from sys.base_prefix"
    return "system", "no pyvenv.cfg and no conda-meta in sys.prefix"


def scan_distributions(sys_path: tuple[str, ...] | list[str]) -> tuple[dict[str, list[DistInfo]], list[str]]:
    """canonical name -> copies in sys.path order; plus one line per broken distribution."""
    dists: dict[str, list[DistInfo]] = {}
    problems: list[str] = []
    seen_dirs: set[str] = set()
    for entry in sys_path:
        if not entry or entry in seen_dirs:
            continue  # '' is the current folder: not an installation
        seen_dirs.add(entry)
        found: list[tuple[str, bool]] = []
        try:
            # scandir's entries know whether they are folders without another stat call
            with os.scandir(entry) as listing:
                for item in listing:
                    if not item.name.endswith(_META_SUFFIXES):
                        continue
                    try:
                        found.append((item.name, item.is_dir()))
                    except OSError as exc:  # a symlink loop, a permission: this entry, not the folder
                        problems.append(f"{os.path.join(entry, item.name)}: {exc.strerror or exc}; skipped")
        except OSError:
            continue  # missing folders and zip files on sys.path are normal
        found.sort()
        for name, is_dir in found:
            if name.endswith(".dist-info"):
                if not is_dir:
                    continue
                dist = _read_dist(entry, name, f"{entry}{os.sep}{name}{os.sep}METADATA", dist_info=True)
            else:  # .egg-info: a folder with PKG-INFO, or a file that is the metadata itself
                meta = os.path.join(entry, name, "PKG-INFO") if is_dir else os.path.join(entry, name)
                dist = _read_dist(entry, name, meta, dist_info=False)
            dists.setdefault(dist.name, []).append(dist)
            if dist.problem:
                problems.append(f"{os.path.join(entry, name)}: {dist.problem}")
    for name, copies in dists.items():
        if len(copies) > 1 and copies[0].site_dir == copies[1].site_dir:
            problems.append(
                f"{name}: {len(copies)} metadata folders in {copies[0].site_dir} (an interrupted upgrade?)"
            )
    return dists, problems


def _read_dist(site_dir: str, folder: str, meta_path: str, *, dist_info: bool) -> DistInfo:
    path = site_dir + os.sep + folder
    dir_name = folder.rsplit(".", 1)[0].partition("-")[0]
    meta_name = "METADATA" if dist_info else "PKG-INFO"
    headers, why = read_metadata_headers(meta_path)
    problem = None
    if headers is None:
        problem = f"{meta_name} {why}"
        headers = {}
    name = headers.get("name")
    version = headers.get("version")
    if name is None and problem is None:
        problem = f"{meta_name} has no Name (corrupt?)"
    if version is None and problem is None:
        problem = f"{meta_name} has no Version"
    if version is not None and not is_valid_version(version):
        problem = f"invalid version {version!r} in {meta_name}"
        version = None
    display = name or dir_name
    installer = None
    if dist_info:
        try:
            installer = (
                _read_head(path + os.sep + "INSTALLER", 256).decode("utf-8", "replace").strip() or None
            )
        except OSError:
            installer = None  # INSTALLER is optional (PEP 376)
    return DistInfo(
        name=_canonical(display),
        display_name=display,
        version=version,
        installer=installer,
        site_dir=site_dir,
        meta_path=path,
        problem=problem,
    )


def read_metadata_headers(path: str) -> tuple[dict[str, str] | None, str]:
    """Name and Version (lower-case keys) from a METADATA/PKG-INFO header, reading as little as needed."""
    try:
        head = _read_head(path, _HEAD_BYTES)
        headers = _parse_headers(head)
        if ("name" not in headers or "version" not in headers) and len(head) == _HEAD_BYTES:
            headers = _parse_headers(_read_head(path, 1 << 20))
    except FileNotFoundError:
        return None, "is missing"
    except OSError as exc:
        return None, f"is unreadable ({exc.strerror})"
    return headers, ""


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # POSIX only; no effect on regular files


def _read_head(path: str, limit: int) -> bytes:
    """The first ``limit`` bytes of a file: os.open/os.read skip building a Python file object,
    which is most of the cost when 1,000 small files are read."""
    fd = os.open(path, os.O_RDONLY | _NONBLOCK)  # a FIFO in place of METADATA: EOF, not a hang
    try:
        return os.read(fd, limit)
    finally:
        os.close(fd)


def _parse_headers(data: bytes) -> dict[str, str]:
    text = data.decode("utf-8", errors="replace")
    end = text.find("\n\n")  # the body (long description) starts after the first blank line
    if end >= 0:
        text = text[:end]
    headers: dict[str, str] = {}
    # two searches in C instead of a Python loop over every Requires-Dist line: 1,000 distributions
    # must stay cheap (issue 2 speed target)
    for key, pattern in (("name", _NAME_HEADER), ("version", _VERSION_HEADER)):
        match = re.search(pattern, text)
        if match:
            headers[key] = match.group(1)
    return headers


def _canonical(name: str) -> str:
    """model.canonical_name's PEP 503 rule, in one C-level substitution (it runs per distribution)."""
    return re.sub(r"[-_.]+", "-", name.strip().lower())


def is_valid_version(version: str) -> bool:
    if re.match(_SIMPLE_VERSION, version):
        return True
    from packaging.version import Version  # rare: only for unusual spellings

    try:
        Version(version)
    except ValueError:  # InvalidVersion, or a part int() refuses
        return False
    return True


def build_packages(
    ctx: ProbeContext, dists: dict[str, list[DistInfo]], out: Contribution
) -> dict[str, Package]:
    """Python distributions and (when this Python lives in a conda env) conda packages, by name."""
    conda_by_name: dict[str, CondaRecord] = {}
    if ctx.conda_prefix_read is not None and ctx.conda_prefix_read == ctx.prefix:
        for conda_record in ctx.conda_records:
            key = canonical_name(CONDA_TO_PYPI.get(conda_record.name, conda_record.name))
            conda_by_name.setdefault(key, conda_record)
    packages: dict[str, Package] = {}
    for name, copies in dists.items():
        first = copies[0]
        others = [c.version or "unknown" for c in copies[1:]]
        record: CondaRecord | None = conda_by_name.pop(name, None)
        from_conda = first.installer == "conda" or (
            record is not None and first.installer is None and record.version == first.version
        )
        if record is not None and not from_conda and record.version:
            others.append(record.version)  # pip installed over a conda package: a mixed install
            out.source(f"packages.{name}.other_versions", "dist-info and conda-meta")
        packages[name] = Package(
            version=first.version,
            installer=first.installer or ("conda" if from_conda else None),
            source="conda" if from_conda else "pypi",
            channel=record.channel if (record is not None and from_conda) else None,
            other_versions=tuple(others),
        )
    for name, record in conda_by_name.items():
        packages[name] = Package(
            version=record.version, installer="conda", source="conda", channel=record.channel
        )
    return packages
