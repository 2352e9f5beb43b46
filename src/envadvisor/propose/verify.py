"""``propose --verify CHANNEL``: solve the conda part of a proposal as the target would.

Uses py-rattler (optional extra ``envadvisor[solve]``, imported here only) with the target's virtual
packages: ``__cuda`` (the driver's CUDA), ``__glibc``, ``__linux``/``__unix``, ``__osx``, ``__win``. The
channel is a URL, a channel name (``conda-forge``: on https://conda.anaconda.org, as conda reads it) or
a local folder with ``<subdir>/repodata.json`` (the tests use ``tests/channel``). Without py-rattler, or
when the channel cannot be read, :class:`NotVerified` says why: the proposal stands, marked unverified.
The pip block is not solved: pip resolves it at create time against PyPI.
"""

from __future__ import annotations

import gc
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from envadvisor.errors import EnvAdvisorError, UsageError
from envadvisor.propose.model import Proposal
from envadvisor.target import Target

# Assumed when the target does not say: conda-forge's baseline glibc and the macOS MPS needs.
DEFAULT_GLIBC = "2.17"
DEFAULT_OSX = "14.0"


@dataclass(frozen=True, slots=True)
class VirtualPackage:
    name: str
    version: str
    assumed: bool = False


@dataclass(frozen=True, slots=True)
class SolveResult:
    ok: bool
    channel: str
    subdir: str
    virtual_packages: tuple[VirtualPackage, ...]
    packages: tuple[str, ...]  # name=version=build of the solution
    error: str | None
    seconds: float


def virtual_packages(target: Target, *, driver_cuda: str | None = None) -> tuple[VirtualPackage, ...]:
    """The virtual packages conda would detect on the target (or assume, marked so)."""
    out: list[VirtualPackage] = []
    if target.system == "linux":
        out += [VirtualPackage("__unix", "0"), VirtualPackage("__linux", "0")]
        out.append(VirtualPackage("__glibc", target.glibc or DEFAULT_GLIBC, assumed=target.glibc is None))
    elif target.system == "macos":
        out += [VirtualPackage("__unix", "0"), VirtualPackage("__osx", DEFAULT_OSX, assumed=True)]
    elif target.system == "windows":
        out.append(VirtualPackage("__win", "0"))
    cuda = driver_cuda or target.driver_cuda
    if cuda and target.gpus:
        out.append(VirtualPackage("__cuda", cuda))
    return tuple(out)


class NotVerified(EnvAdvisorError):
    """The proposal could not be checked (no py-rattler, the channel cannot be reached): the proposal
    itself stands, marked ``not verified: <reason>``."""


# conda's default channel alias: a bare channel name means this host's channel of that name
CHANNEL_ALIAS = "https://conda.anaconda.org"
_CHANNEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(?:/label/[A-Za-z0-9_.-]+)?$")


def channel_url(channel: str) -> str:
    """A channel argument as rattler wants it: URLs as given, local folders as file:// URLs, and a
    channel name (``conda-forge``) on conda's default channel alias, as conda reads it."""
    if "://" in channel:
        return channel
    try:
        path = Path(channel).expanduser()
        is_folder = path.is_dir()
    except RuntimeError:  # ~name of a user this system does not know
        raise UsageError(f"--verify {channel}: no such user's home folder") from None
    except OSError as exc:  # pathlib raises for a name too long instead of saying "no"
        raise UsageError(f"--verify {channel}: {exc.strerror or exc}") from None
    if not is_folder and _CHANNEL_NAME.match(channel) and not path.exists():
        return f"{CHANNEL_ALIAS}/{channel}"
    if not is_folder:
        raise UsageError(f"--verify {channel}: not a URL, a channel name or a folder")
    if not any(
        (path / sub / "repodata.json").is_file() for sub in ("noarch", "linux-64", "osx-arm64", "win-64")
    ):
        raise UsageError(f"--verify {channel}: no <subdir>/repodata.json in it; not a conda channel")
    return path.resolve().as_uri()


def verify(proposal: Proposal, channel: str, *, timeout_s: float = 60.0) -> SolveResult:
    """Solve ``proposal``'s conda dependencies from ``channel`` for the proposal's target."""
    try:
        import rattler
        from rattler.exceptions import SolverError
    except ImportError:
        raise NotVerified("py-rattler is not installed (pip install 'envadvisor[solve]')") from None
    import asyncio
    import datetime as _dt

    url = channel_url(channel)
    target = proposal.target
    vps = virtual_packages(target, driver_cuda=proposal.conda_override_cuda)
    generic = [
        rattler.GenericVirtualPackage(
            rattler.PackageName(v.name), rattler.Version(v.version), rattler.BuildString("0")
        )
        for v in vps
    ]
    specs = [rattler.MatchSpec(d.spec) for d in proposal.conda]
    started = time.perf_counter()
    failure: str | None = None
    try:
        if url.startswith("file://"):
            records = asyncio.run(_solve_local(rattler, url, target.subdir, specs, generic, timeout_s))
        else:
            records = asyncio.run(
                rattler.solve(
                    sources=[rattler.Channel(url)],
                    specs=specs,
                    platforms=[cast(Any, target.subdir), "noarch"],
                    virtual_packages=generic,
                    timeout=_dt.timedelta(seconds=timeout_s),
                )
            )
    except SolverError as exc:
        message, seconds = str(exc), time.perf_counter() - started
        del exc
        gc.collect()
        return SolveResult(False, channel, target.subdir, vps, (), message, seconds)
    except Exception as exc:  # network, unreadable repodata: rattler raises its own classes
        failure = f"{channel} cannot be read: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}"
    if failure is not None:
        # Raised outside the except block, after a collection: the rattler error's traceback holds
        # rattler objects that, freed at interpreter shutdown, crashed the process (abort or segfault).
        del specs, generic
        gc.collect()
        raise NotVerified(failure)
    found = tuple(sorted(f"{r.name.normalized}={r.version}={r.build}" for r in records))
    seconds = time.perf_counter() - started
    del records, specs, generic
    # rattler objects still held by collectable cycles (the finished coroutine) would otherwise be freed
    # during interpreter shutdown, when rattler's runtime threads can no longer take the GIL: a crash at exit.
    gc.collect()
    return SolveResult(True, channel, target.subdir, vps, found, None, seconds)


def _solve_local(
    rattler: Any, url: str, subdir: str, specs: list[Any], generic: list[Any], timeout_s: float
) -> Any:
    """Solve from a local channel through sparse repodata: no gateway, no background download threads
    (a gateway's runtime threads can outlive the interpreter and crash it at exit)."""
    import datetime as _dt
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    root = Path(url2pathname(urlparse(url).path))
    channel = rattler.Channel(url)
    sources = [
        rattler.SparseRepoData(channel, sub, root / sub / "repodata.json")
        for sub in (subdir, "noarch")
        if (root / sub / "repodata.json").is_file()
    ]
    return rattler.solve_with_sparse_repodata(
        specs=specs,
        sparse_repodata=sources,
        virtual_packages=generic,
        timeout=_dt.timedelta(seconds=timeout_s),
    )
