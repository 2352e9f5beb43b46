"""What every probe shares: the context it reads the machine through, and the shape of its answer.

A probe never builds a whole :class:`~envadvisor.model.Facts`; it returns a :class:`Contribution` (the
sections it learned, the reasons for what it could not learn, the source of what it did) and
:func:`envadvisor.probes.collect` merges them. Everything a probe touches on the machine goes through
the :class:`ProbeContext`, so tests point it at a temporary tree (``root``), a fake ``PATH``
(``environ``) and fake site directories (``sys_path``) instead of patching the world.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

# Files that probes read are small (version files, headers, METADATA heads); a cap keeps a corrupt
# or huge file from costing time or memory.
MAX_READ_BYTES = 1 << 20


# Plain classes and NamedTuples rather than dataclasses: creating a dataclass costs about 1 ms at
# import (it generates code with exec), and these modules load on every `diagnose`.


class DistInfo(NamedTuple):
    """One installed Python distribution as found on disk (``*.dist-info`` or ``*.egg-info``)."""

    name: str  # canonical (PEP 503) name
    display_name: str  # as METADATA spells it
    version: str | None
    installer: str | None
    site_dir: str  # the sys.path entry it was found in
    meta_path: str  # the .dist-info / .egg-info path
    problem: str | None = None  # why its metadata is not trustworthy (corrupt, no Version, ...)


class CondaRecord(NamedTuple):
    """One ``conda-meta/*.json`` record, reduced to what the probes use."""

    name: str
    version: str | None
    build: str | None
    channel: str | None
    path: str


class ProbeContext:
    """How the probes see the machine. Defaults are this process and this machine."""

    def __init__(
        self,
        environ: Mapping[str, str],
        timeout: float = 5.0,
        root: Path = Path("/"),
        sys_path: tuple[str, ...] = (),
        prefix: str = sys.prefix,
        base_prefix: str = sys.base_prefix,
        executable: str = sys.executable,
        platform: str = sys.platform,
    ) -> None:
        self.environ = environ
        self.timeout = timeout
        self.root = root  # prefix for absolute system paths (/sys, /proc, /etc, /usr, /dev)
        self.sys_path = sys_path
        self.prefix = prefix
        self.base_prefix = base_prefix
        self.executable = executable
        self.platform = platform  # linux | win32 | darwin
        # Filled by earlier probes for later ones; empty when the earlier probe failed or found nothing.
        self.distributions: dict[str, list[DistInfo]] = {}  # canonical name -> copies, sys.path order
        self.conda_records: list[CondaRecord] = []
        self.conda_prefix_read: str | None = None  # set when the records are this interpreter's

    def system_path(self, absolute: str) -> Path:
        """An absolute system path (``/sys/module/nvidia/version``) under the context's root."""
        if self.root == Path("/"):
            return Path(absolute)
        return self.root / absolute.lstrip("/")

    def first_distribution(self, name: str) -> DistInfo | None:
        copies = self.distributions.get(name)
        return copies[0] if copies else None


class Contribution:
    """What one probe learned. ``sections`` maps a :class:`Facts` field name to its new value."""

    def __init__(self, status: str = "ok", detail: str | None = None) -> None:
        self.sections: dict[str, Any] = {}
        self.reasons: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        self.status = status  # ok | partial | absent | failed | timeout | skipped
        self.detail = detail

    def unknown(self, key: str, reason: str) -> None:
        self.reasons[key] = reason

    def source(self, key: str, where: str) -> None:
        self.sources[key] = where


def read_text(path: str | os.PathLike[str], limit: int = MAX_READ_BYTES) -> str:
    """A small text file, decoded leniently (undecodable bytes become U+FFFD). Raises OSError."""
    with open(path, "rb", opener=open_nonblocking) as handle:
        data = handle.read(limit)
    return data.decode("utf-8", errors="replace")


def open_nonblocking(path: str, flags: int) -> int:
    """Open without waiting: a FIFO where a file should be reads as empty instead of hanging the run
    (O_NONBLOCK changes nothing for regular files; POSIX only)."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def try_read_text(path: str | os.PathLike[str], limit: int = MAX_READ_BYTES) -> tuple[str | None, str]:
    """``(text, "")`` or ``(None, why)``: "absent" when the file does not exist, else the error."""
    try:
        return read_text(path, limit), ""
    except FileNotFoundError:
        return None, "absent"
    except NotADirectoryError:
        return None, "absent"
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or exc.__class__.__name__})"


def describe_error(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# String helpers instead of regular expressions: each pattern costs ~0.3 ms to compile on first use,
# and these run on every diagnose.


def is_dotted_number(text: str) -> bool:
    """ "13.0.88" yes; "", "13..0", "13.0a" no."""
    return bool(text) and text.isascii() and all(part.isdigit() for part in text.split("."))


def wheel_name_matches(name: str, base: str) -> bool:
    """Whether a canonical wheel name is ``base`` or ``base-cuNN`` (``nvidia-cudnn-cu12``)."""
    return name == base or (name.startswith(base + "-cu") and name[len(base) + 3 :].isdigit())


def dist_info_version(folder: str, project: str) -> str | None:
    """``nvidia_cuda_nvcc-13.0.88.dist-info`` -> ``13.0.88`` for ``nvidia_cuda_nvcc`` (or its _cuNN)."""
    if not folder.endswith(".dist-info"):
        return None
    name, sep, version = folder[: -len(".dist-info")].rpartition("-")
    if not sep or not wheel_name_matches(name.replace("_", "-"), project.replace("_", "-")):
        return None
    return version if "." in version and is_dotted_number(version) else None


def major_minor(version: str | None) -> str | None:
    """ "12.6.20241114" -> "12.6"; None when the text does not start with two numbers."""
    if not version:
        return None
    parts = version.split(".")
    if len(parts) < 2 or not parts[0].isdigit() or not version.isascii():
        return None
    minor = ""
    for char in parts[1]:
        if not char.isdigit():
            break
        minor += char
    return f"{parts[0]}.{minor}" if minor else None
