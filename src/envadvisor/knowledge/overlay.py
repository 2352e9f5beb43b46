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
from typing import Any

from envadvisor.errors import DataFileError
from envadvisor.knowledge.releases import ReleaseFile

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
