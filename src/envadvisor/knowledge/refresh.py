"""``envadvisor knowledge refresh``: read the registry, say what the tables do not know yet.

Pipeline (network only through a :class:`~envadvisor.knowledge.fetch.Fetcher`):
  1. per tracked package, the JSON API document -> the release list (:func:`registry.registry_releases`);
  2. per package, the newest patch of its last few release lines (and of the line the tables know
     newest): the wheel names -> Pythons, platforms, glibc / macOS floors; one wheel's PEP 658
     metadata file -> Requires-Python, Requires-Dist and the CUDA / cuDNN / NCCL / NumPy pins;
  3. coverage: the newest release of each package against the hand-written tables (:mod:`coverage`).
The result is plain data (:class:`RefreshResult`); the command renders it, ``--write`` turns it into
draft rows (:mod:`drafts`) and a release file, ``--user`` into the overlay (:mod:`overlay`).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from envadvisor.knowledge.fetch import Fetcher, RegistryError, Response, utc_now
from envadvisor.knowledge.registry import (
    CoreMetadata,
    Pin,
    RegistryFile,
    RegistryFormatError,
    RegistryRelease,
    WheelSummary,
    bundled_pins,
    info_metadata,
    parse_core_metadata,
    registry_releases,
    wheel_summary,
)
from envadvisor.knowledge.releases import TRACKED_PACKAGES, PackageReleases, canonical_name
from envadvisor.records import record

if TYPE_CHECKING:
    pass

DEFAULT_REGISTRY = "https://pypi.org"
DEFAULT_LINES = 3  # release lines per package whose newest patch gets its metadata read
MAX_METADATA_TRIES = 4  # wheels tried per release before "metadata not served" (PyPI serves it for
# every wheel uploaded since 2023 and backfilled older ones: the first try normally answers)
MAX_RELEASES_PER_LINE = 3  # releases of a line tried (newest first) before giving up on its metadata
WORKERS = 8


@record
class LineFacts:
    """Mechanical facts of one release line, read from the registry (no guess, no hand-written fact)."""

    package: str
    line: str  # "2.14"
    version: str  # the newest final, non-yanked release of the line: "2.14.1"
    date: str | None  # its first upload, YYYY-MM-DD
    requires_python: str | None
    wheels: WheelSummary  # from the file names of ``version``
    metadata_version: str | None  # the release whose metadata was read (may be an older patch)
    metadata_url: str | None  # a wheel's PEP 658 file, or the JSON API document (its newest release)
    metadata_read: str | None
    requires_dist: tuple[str, ...]
    provides_extra: tuple[str, ...]
    pins: tuple[Pin, ...]
    tried: int  # metadata files asked for (404s included)


@record
class PackageRefresh:
    package: str
    releases: PackageReleases
    newest: str | None  # newest final, non-yanked release
    newest_date: str | None
    newest_prerelease: str | None  # only when newer than ``newest``
    lines: tuple[LineFacts, ...]  # newest line first


@record
class RefreshResult:
    registry: str
    started: str  # when this run began
    packages: tuple[PackageRefresh, ...]
    missing: tuple[str, ...]  # tracked names the registry does not know (404)


def json_api_url(registry: str, package: str) -> str:
    return f"{registry.rstrip('/')}/pypi/{package}/json"


def release_line(version: str) -> str:
    """The line a release belongs to: major.minor, or 0.0.patch for 0.0.x packages (xformers)."""
    parts = re.findall(r"\d+", version.split("+", 1)[0])[:3]
    if len(parts) >= 3 and parts[0] == "0" and parts[1] == "0":
        return ".".join(parts[:3])
    return ".".join(parts[:2]) if len(parts) >= 2 else (parts[0] if parts else version)


def refresh(
    fetcher: Fetcher,
    *,
    packages: Sequence[str] = TRACKED_PACKAGES,
    registry: str = DEFAULT_REGISTRY,
    lines: int = DEFAULT_LINES,
    extra_lines: Callable[[str], Iterable[str]] | None = None,
    metadata: bool = True,
) -> RefreshResult:
    """Read the registry for ``packages``. ``extra_lines(package)`` names lines whose facts are read
    besides the newest ``lines`` (the tables' newest known line, so drafts can be compared with it)."""
    started = utc_now()
    names = [canonical_name(p) for p in packages]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        documents = list(pool.map(lambda n: _read_json(fetcher, registry, n), names))
        missing = tuple(n for n, doc in zip(names, documents, strict=True) if doc is None)
        found = [(n, doc) for n, doc in zip(names, documents, strict=True) if doc is not None]
        jobs = [(doc, _lines_to_read(doc.releases, lines, list(extra_lines(name)) if extra_lines else []))
                for name, doc in found]
        facts_per_package = list(pool.map(
            lambda job: [_line_facts(fetcher, job[0], line, metadata) for line in job[1]], jobs))
    out = []
    for (doc, _wanted), facts in zip(jobs, facts_per_package, strict=True):
        pkg = doc.releases
        newest = next((r for r in pkg.releases if not r.yanked), None)
        pre = next((r for r in pkg.prereleases if not r.yanked), None)
        newer_pre = None
        if pre is not None and (newest is None or _newer(pre.version, newest.version)):
            newer_pre = pre.version
        out.append(PackageRefresh(
            pkg.package, pkg, newest.version if newest else None,
            newest.date.isoformat() if newest and newest.date else None, newer_pre,
            tuple(f for f in facts if f is not None)))
    return RefreshResult(registry, started, tuple(out), missing)


def read_time(result: RefreshResult) -> str:
    """When the registry was read: the first document's time (a replay keeps the recorded times)."""
    return min((p.releases.read for p in result.packages), default=result.started)


def _newer(a: str, b: str) -> bool:
    from packaging.version import Version

    return Version(a) > Version(b)


@record
class _Document:
    releases: PackageReleases
    by_version: dict[str, RegistryRelease]
    # the newest release's core metadata as the JSON API's "info" gives it (version, metadata)
    info: tuple[str, CoreMetadata] | None
    response: Response


def _read_json(fetcher: Fetcher, registry: str, name: str) -> _Document | None:
    url = json_api_url(registry, name)
    response = fetcher.get(url)
    if response.status == 404:
        return None
    try:
        doc = json.loads(response.body)
        pkg, by_version = registry_releases(doc, source=url, read=response.read_at)
    except (ValueError, RegistryFormatError) as exc:
        raise RegistryError(f"{url}: not a JSON API document ({str(exc)[:80]})") from None
    return _Document(pkg, by_version, info_metadata(doc), response)


def _lines_to_read(pkg: PackageReleases, count: int, extra: Sequence[str]) -> list[str]:
    seen: list[str] = []
    for r in pkg.releases:
        if r.yanked:
            continue
        line = release_line(r.version)
        if line not in seen:
            seen.append(line)
    wanted = seen[: max(count, 0)]
    for line in extra:
        if line in seen and line not in wanted:
            wanted.append(line)
    return wanted


def _line_facts(fetcher: Fetcher, doc: _Document, line: str, metadata: bool) -> LineFacts | None:
    pkg = doc.releases
    in_line = [r for r in pkg.releases if not r.yanked and release_line(r.version) == line]
    if not in_line:
        return None
    newest = doc.by_version[in_line[0].version]
    summary = wheel_summary(f.filename for f in newest.files if f.packagetype == "bdist_wheel")
    meta: tuple[str, str, str, CoreMetadata] | None = None  # version, url, read time, metadata
    tried = 0
    if metadata:
        for candidate in in_line[:MAX_RELEASES_PER_LINE]:
            found, n = _read_metadata(fetcher, pkg.source, doc.by_version[candidate.version])
            tried += n
            if found is not None:
                meta = (candidate.version, found[0], found[1].read_at, found[2])
                break
            if doc.info is not None and doc.info[0] == candidate.version:
                # no wheel's PEP 658 file is served (or the release has no wheel), but this is the
                # newest release: the JSON API's "info" holds the same core metadata
                meta = (candidate.version, pkg.source, doc.response.read_at, doc.info[1])
                break
    release = newest.release
    day = release.date.isoformat() if release.date else None
    if meta is None:
        return LineFacts(pkg.package, line, release.version, day, release.requires_python, summary, None,
                         None, None, (), (), (), tried)
    version, url, read_at, core = meta
    return LineFacts(
        pkg.package, line, release.version, day, release.requires_python, summary, version, url,
        read_at, core.requires_dist, core.provides_extra, bundled_pins(core.requires_dist), tried)


def _metadata_candidates(files: Iterable[RegistryFile]) -> list[RegistryFile]:
    """Wheels in the order their metadata is asked for: advertised PEP 658 files first, then Linux
    x86_64 wheels of the newest CPython (the build most users get), then the rest."""
    wheels = [f for f in files if f.packagetype == "bdist_wheel" and f.url]

    def rank(f: RegistryFile) -> tuple[int, int, int, str]:
        m = re.search(r"-cp3(\d+)-", f.filename)
        py = -int(m.group(1)) if m else 0
        linux = 0 if ("manylinux" in f.filename and "x86_64" in f.filename) else 1
        return (0 if f.core_metadata else 1, linux, py, f.filename)

    return sorted(wheels, key=rank)


def _read_metadata(fetcher: Fetcher, source: str, release: RegistryRelease
                   ) -> tuple[tuple[str, Response, CoreMetadata] | None, int]:
    tried = 0
    for f in _metadata_candidates(release.files)[:MAX_METADATA_TRIES]:
        url = urllib.parse.urljoin(source, f.url) + ".metadata"
        if urllib.parse.urlsplit(url).scheme != "https":
            continue
        tried += 1
        response = fetcher.get(url)
        if response.status != 200:
            continue
        text = response.body.decode("utf-8", "replace")
        return (url, response, parse_core_metadata(text)), tried
    return None, tried


# --------------------------------------------------------------------------------------------------
# The shipped release file
# --------------------------------------------------------------------------------------------------


def release_file_text(result: RefreshResult) -> str:
    """rules/tables/releases.json as this refresh read it (the one writer: releases.render_release_file)."""
    from envadvisor.knowledge.releases import render_release_file

    return render_release_file([p.releases for p in result.packages],
                               {"registry": result.registry, "read": read_time(result)[:10]})


def line_data(facts: LineFacts) -> dict[str, Any]:
    """A line's facts as plain data (``knowledge refresh --json`` and the user overlay)."""
    from envadvisor.knowledge.drafts import python_range

    w = facts.wheels
    low, high = python_range(facts)
    return {
        "line": facts.line,
        "version": facts.version,
        "date": facts.date,
        "requires_python": facts.requires_python,
        "python": {"min": low, "max": high},
        "wheels": {"platforms": list(w.platforms), "pythons": {k: list(v) for k, v in w.pythons.items()},
                   "free_threaded": {k: list(v) for k, v in w.free_threaded.items()},
                   "abi3_from": dict(w.abi3_from), "pure_python": w.pure,
                   "glibc_min": dict(w.glibc_min), "macos_min": dict(w.macos_min)},
        "metadata": ({"version": facts.metadata_version, "url": facts.metadata_url,
                      "read": facts.metadata_read} if facts.metadata_url else None),
        "metadata_files_tried": facts.tried,
        "requires_dist": len(facts.requires_dist),
        "pins": [{"package": p.package, "specifier": p.specifier, "extra": p.extra, "marker": p.marker}
                 for p in facts.pins],
    }
