"""Writing files without losing anything: atomic, permission-keeping, never clobbering by default."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from envadvisor.errors import InputError


def write_atomic(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    Refuses to replace an existing file unless ``force``; keeps the replaced file's permission bits;
    refuses a symlink that points out of the target's folder (it would write somewhere unexpected).
    """
    target = Path(path)
    if not str(target).isprintable():  # a non-UTF-8 byte (surrogate escape) or a control character
        shown = str(target).encode("utf-8", "backslashreplace").decode("utf-8")
        raise InputError(f"{shown!r}: not a usable file name (not UTF-8, or unprintable characters)")
    try:
        return _write_atomic(target, text, force=force)
    except OSError as exc:  # a read-only or pseudo file system, a name too long, a full disk
        raise InputError(f"{target}: cannot write it ({exc.strerror or exc})") from None


def check_output_path(path: str | os.PathLike[str], *, force: bool = False) -> None:
    """Refuse an output path at once, before any slow work: a folder, a missing folder, or (without
    ``force``) a file that exists. :func:`write_atomic` checks again when it writes."""
    target = Path(path)
    try:
        if target.is_dir():
            raise InputError(f"{target}: is a folder; give a file name, e.g. {target / 'environment.yml'}")
        folder = target.parent if str(target.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(f"{target}: folder {folder} does not exist")
        if target.exists() and not force:
            raise InputError(f"{target}: already exists; pass --force to replace it")
    except OSError as exc:  # a name too long
        raise InputError(f"{target}: cannot write it ({exc.strerror or exc})") from None


def _write_atomic(target: Path, text: str, *, force: bool) -> Path:
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{target}: folder {folder} does not exist")
    if target.is_symlink():
        real = target.resolve()
        if real.parent != folder.resolve():
            raise InputError(f"{target}: is a symbolic link out of {folder}; refusing to follow it")
        target = real
        folder = real.parent
    mode: int | None = None
    if target.exists():
        if target.is_dir():
            raise InputError(f"{target}: is a folder")
        if not force:
            raise InputError(f"{target}: already exists; pass --force to replace it")
        if not target.is_file():  # /dev/null, a FIFO, a socket: a rename would replace the device
            raise InputError(f"{target}: is not a regular file; refusing to replace it")
        mode = stat.S_IMODE(target.stat().st_mode)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return target


def read_user_text(path_or_dash: str | os.PathLike[str], *, limit: int, what: str) -> tuple[str, str]:
    """Read text a user hands over (a pasted report, an environment file) as ``(text, name)``.

    ``-`` reads standard input. The read is bounded by ``limit`` (``/dev/zero`` or a pipe reports no
    size), and a folder, a missing or unreadable file, binary data or non-UTF-8 text is one-line
    :class:`InputError` naming the file and saying it is not ``what``.
    """
    import sys

    dash = str(path_or_dash) == "-"
    name = "standard input" if dash else str(path_or_dash)
    if dash:
        if sys.stdin is None:  # started with stdin closed (`<&-`)
            raise InputError(f"{name} is closed")
        data = sys.stdin.buffer.read(limit + 1)
    else:
        path = Path(path_or_dash)
        try:
            if path.is_dir():
                raise InputError(f"{name}: is a folder (directory), not {what}")
            with path.open("rb") as handle:
                data = handle.read(limit + 1)
        except FileNotFoundError:
            raise InputError(f"{name}: no such file") from None
        except PermissionError:
            raise InputError(f"{name}: permission denied") from None
        except OSError as exc:
            raise InputError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    return decode_user_text(data, name, limit=limit, what=what), name


def decode_user_text(data: bytes, name: str, *, limit: int, what: str) -> str:
    """UTF-8 text (a BOM allowed) of at most ``limit`` bytes without NUL bytes, or one-line InputError."""
    if len(data) > limit:
        raise InputError(f"{name}: too large for {what} (limit {limit:,} bytes)")
    if b"\x00" in data:
        raise InputError(f"{name}: binary data (NUL bytes), not {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
