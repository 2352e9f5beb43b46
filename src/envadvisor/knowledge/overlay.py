"""The user's registry overlay: what ``envadvisor knowledge refresh --user`` read, kept in the cache folder.

The overlay is a release file (:mod:`releases`, same format) with one more key, ``facts``: per package
the mechanical facts of its newest release lines (Requires-Python, the Pythons and platforms wheels
exist for, glibc / macOS floors, the CUDA / cuDNN / NCCL / NumPy pins), each with the URL read and the
time. ``Tables`` replaces a package's shipped release list with the overlay's when the overlay was read
later; :func:`overlay_line_facts` serves diagnose and propose for versions the shipped tables lack,
and every such answer says "from the registry, read on DATE".

Nothing is written here but by ``--user``; ``ENVADVISOR_NO_OVERLAY=1`` ignores the overlay (tests).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envadvisor.errors import DataFileError, InputError
from envadvisor.knowledge.releases import ReleaseFile

if TYPE_CHECKING:
    from envadvisor.knowledge.refresh import RefreshResult

OVERLAY_NAME = "registry-overlay.json"


def user_cache_dir() -> Path | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "envadvisor" if os.path.isabs(base) else None


def user_overlay_path() -> Path | None:
    """Where ``--user`` keeps the overlay; None when disabled or no cache folder can be named."""
    if os.environ.get("ENVADVISOR_NO_OVERLAY"):
        return None
    folder = user_cache_dir()
    return folder / OVERLAY_NAME if folder is not None else None


def read_overlay(path: Path) -> Mapping[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataFileError(str(path), f"not a valid overlay ({exc}); run `envadvisor knowledge refresh "
                                       "--user` again or delete the file") from None
    if not isinstance(doc, Mapping):
        raise DataFileError(str(path), "expected a mapping at the top level")
    return doc


def overlay_release_file(path: Path) -> ReleaseFile:
    return ReleaseFile(read_overlay(path), str(path), "user")


def write_overlay(result: RefreshResult, path: Path | None = None) -> Path:
    """Store a refresh as the user's overlay (atomically; it is envadvisor's own cache file)."""
    from envadvisor.fsutil import write_atomic
    from envadvisor.knowledge.refresh import line_data, read_time
    from envadvisor.knowledge.releases import render_release_file

    target = path or user_overlay_path()
    if target is None:
        raise InputError("knowledge refresh --user: no cache folder (set XDG_CACHE_HOME or HOME to an "
                         "absolute path), or ENVADVISOR_NO_OVERLAY is set")
    facts = {p.package: [line_data(f) for f in p.lines] for p in result.packages}
    text = render_release_file([p.releases for p in result.packages],
                               {"registry": result.registry, "read": read_time(result), "facts": facts})
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{target.parent}: cannot create it ({exc.strerror or exc})") from None
    return write_atomic(target, text, force=True)


def overlay_facts(path: Path) -> tuple[str, Mapping[str, Any]]:
    """(read time, {package: [line facts]}) of an overlay."""
    doc = read_overlay(path)
    facts = doc.get("facts")
    return str(doc.get("read") or ""), facts if isinstance(facts, Mapping) else {}
