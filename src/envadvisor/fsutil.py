"""Writing files without losing anything: atomic, permission-keeping, never clobbering by default.

Without ``--force`` the file is put in place with a primitive that refuses to replace anything (a hard
link, or an exclusive create where the file system has no links), so a file created between the check
and the write is never replaced; the temporary file has a short name of its own (a legal 250-character
target name would be too long with a suffix) and is removed on SIGTERM as on any error.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from envadvisor.errors import InputError


def write_atomic(path: str | os.PathLike[str], text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    Refuses to replace an existing file unless ``force``; keeps the replaced file's permission bits;
    refuses a symlink that points out of the target's folder (it would write somewhere unexpected).
    """
    _refuse_folder_name(path)
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
    _refuse_folder_name(path)
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


def _refuse_folder_name(path: str | os.PathLike[str]) -> None:
    """``-o missing-dir/`` names a folder: ``Path`` would drop the slash and write a file of that name."""
    name = os.fspath(path)
    if isinstance(name, str) and name.endswith(("/", os.sep)) and name.strip("/" + os.sep):
        raise InputError(f"{name}: ends with '{name[-1]}', so it names a folder; give a file name")


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
    fd, tmp_name = tempfile.mkstemp(prefix=".envadvisor-", suffix=".tmp", dir=folder)
    restore = _remove_on_sigterm()
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
        if force:
            os.replace(tmp_name, target)
        else:
            _put_in_place_without_replacing(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    finally:
        restore()
    return target


def _put_in_place_without_replacing(tmp_name: str, target: Path) -> None:
    """Move the finished temporary file to ``target`` only if nothing is there, in one step the file
    system refuses when something is: a hard link (then the temporary name is removed), or where links
    are not supported, an exclusive create that reserves the name before the rename."""
    try:
        os.link(tmp_name, target)
    except FileExistsError:
        raise InputError(f"{target}: already exists; pass --force to replace it") from None
    except OSError:  # no hard links here (FAT, some network file systems): reserve the name instead
        try:
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise InputError(f"{target}: already exists; pass --force to replace it") from None
        os.replace(tmp_name, target)  # over our own empty reservation
        return
    os.unlink(tmp_name)


def _remove_on_sigterm() -> Callable[[], None]:
    """While a file is written, SIGTERM ends the command through the normal error path (which removes the
    temporary file) instead of killing it mid-write. Returns the function restoring the old handler."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return lambda: None

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except (ValueError, OSError):
        return lambda: None

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


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
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its BOM: PowerShell's `>` redirect
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = None  # not UTF-16 after all: said below as what it is not (UTF-8)
        if text is not None:
            if "\x00" in text:
                raise InputError(f"{name}: binary data (NUL characters), not {what}")
            return text
    if b"\x00" in data:
        raise InputError(f"{name}: binary data (NUL bytes), not {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
