"""Running outside programs (nvcc, nvidia-smi) safely: fixed argv, no shell, a timeout, bounded output.

A hung ``nvidia-smi`` (a wedged driver) must cost at most the timeout, and one that floods its output
(``cat /dev/zero`` in its place) at most a bounded read: ``communicate()`` would keep gigabytes in memory
until the timeout. Output is read as it comes, up to :data:`OUTPUT_LIMIT` bytes; past the limit or the
timeout the program is stopped.

``subprocess.run`` kills only the direct child on timeout; a wrapper script's grandchildren would keep
running and holding the pipes. So the child gets its own session and the whole process group is killed,
and every process that inherited this run's marker variable (:data:`MARKER`, unique per run) is killed
too: that reaches a grandchild that called ``setsid`` (it left the group, not the environment).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import IO, Any, NamedTuple

# What a driver tool prints is kilobytes (nvidia-smi -q on eight GPUs: ~100 KB); more is a broken or
# hostile program, stopped there.
OUTPUT_LIMIT = 1 << 20
ERROR_LIMIT = 256 << 10
# Set in every child's environment, unique per run: the processes to stop are the ones that carry it.
MARKER = "ENVADVISOR_PROBE_RUN"


class CommandResult(NamedTuple):
    argv: tuple[str, ...]
    returncode: int | None  # None when it did not run to completion
    stdout: str = ""
    stderr: str = ""
    error: str | None = None  # "timed out after 5.0 s", "cannot run: Permission denied", ...

    @property
    def ok(self) -> bool:
        return self.error is None and self.returncode == 0

    @property
    def timed_out(self) -> bool:
        return self.error is not None and self.error.startswith("timed out")

    def failure(self) -> str:
        """One line saying why the command did not answer (for Facts.reasons)."""
        name = os.path.basename(self.argv[0])
        if self.error:
            return f"{name} {self.error}"
        first = next((ln.strip() for ln in (self.stdout + "\n" + self.stderr).splitlines() if ln.strip()), "")
        return f"{name} exited with status {self.returncode}" + (f": {first[:200]}" if first else "")


def which(name: str, environ: Mapping[str, str]) -> str | None:
    """``shutil.which`` over the context's PATH, without importing shutil (it is not cheap)."""
    path = environ.get("PATH", os.defpath)
    suffixes = [""]
    if os.name == "nt":
        suffixes = [ext.lower() for ext in environ.get("PATHEXT", ".EXE;.BAT;.CMD").split(";") if ext]
    for directory in path.split(os.pathsep):
        if not directory:
            continue
        for suffix in suffixes:
            candidate = os.path.join(directory, name + suffix)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return None


def run_command(
    argv: Sequence[str], *, timeout: float, environ: Mapping[str, str], limit: int = OUTPUT_LIMIT
) -> CommandResult:
    """Run ``argv`` (absolute program path first), capture both streams as text, never raise.

    At most ``limit`` bytes of standard output (a quarter of it of standard error) are kept; a program
    that prints more, or runs past ``timeout`` seconds, is stopped with all its descendants.
    """
    args = tuple(argv)
    env = dict(environ)
    # The CUDA runtime hides or reorders GPUs by this variable; driver tools should see them all
    # (conda's CUDA probe drops it for the same reason), and an empty value breaks cuInit.
    env.pop("CUDA_VISIBLE_DEVICES", None)
    env.setdefault("LC_ALL", "C")
    marker = f"{os.getpid()}-{time.monotonic_ns()}"
    env[MARKER] = marker
    new_session = os.name != "nt"
    deadline = time.monotonic() + timeout
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=new_session,
        )
    except OSError as exc:
        return CommandResult(args, None, error=f"cannot run: {exc.strerror or exc}")
    assert proc.stdout is not None and proc.stderr is not None
    limits = (limit, max(limit // 4, 1))
    if os.name == "nt":
        out, err, problem = _read_with_threads(proc.stdout, proc.stderr, limits, deadline)
    else:
        out, err, problem = _read_with_poll(proc.stdout, proc.stderr, limits, deadline)
    if problem is None:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.0))
        except subprocess.TimeoutExpired:
            problem = "timeout"
    if problem is not None:
        _kill(proc, new_session, marker)
        error = f"timed out after {timeout:g} s" if problem == "timeout" else problem
        return CommandResult(args, None, _decode(out), _decode(err), error=error)
    _close(proc)
    return CommandResult(args, proc.returncode, _decode(out), _decode(err))


def _read_with_poll(
    stdout: IO[bytes], stderr: IO[bytes], limits: tuple[int, int], deadline: float
) -> tuple[bytes, bytes, str | None]:
    """Read both pipes as data arrives until both end; stop at a limit or the deadline."""
    import selectors

    buffers = (bytearray(), bytearray())
    names = ("output", "error output")
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ, 0)
        selector.register(stderr, selectors.EVENT_READ, 1)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return bytes(buffers[0]), bytes(buffers[1]), "timeout"
            for key, _ in selector.select(remaining):
                which = key.data
                try:
                    chunk = os.read(key.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffers[which].extend(chunk)
                if len(buffers[which]) > limits[which]:
                    del buffers[which][limits[which] :]
                    problem = f"printed more than {limits[which]:,} bytes of {names[which]}; stopped"
                    return bytes(buffers[0]), bytes(buffers[1]), problem
    return bytes(buffers[0]), bytes(buffers[1]), None


def _read_with_threads(
    stdout: IO[bytes], stderr: IO[bytes], limits: tuple[int, int], deadline: float
) -> tuple[bytes, bytes, str | None]:
    """Windows, where pipes cannot be polled: one reader thread per pipe, the same limits."""
    import threading

    buffers = (bytearray(), bytearray())
    over = threading.Event()

    def pump(stream: IO[bytes], which: int) -> None:
        with contextlib.suppress(OSError, ValueError):
            while not over.is_set():
                chunk = stream.read1(65536)  # type: ignore[attr-defined]
                if not chunk:
                    return
                buffers[which].extend(chunk)
                if len(buffers[which]) > limits[which]:
                    over.set()

    streams = (stdout, stderr)
    threads = [threading.Thread(target=pump, args=(pipe, i), daemon=True) for i, pipe in enumerate(streams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive() and not over.is_set() and time.monotonic() < deadline:
            thread.join(timeout=min(0.05, max(deadline - time.monotonic(), 0.0)))
    out, err = bytes(buffers[0][: limits[0]]), bytes(buffers[1][: limits[1]])
    if over.is_set():
        which = 0 if len(buffers[0]) > limits[0] else 1
        name = ("output", "error output")[which]
        return out, err, f"printed more than {limits[which]:,} bytes of {name}; stopped"
    if any(thread.is_alive() for thread in threads):
        return out, err, "timeout"
    return out, err, None


def _kill(proc: subprocess.Popen[bytes], whole_group: bool, marker: str) -> None:
    try:
        if whole_group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:
        pass  # already gone
    _kill_marked(marker, proc.pid)
    # Reap the child; its pipes may stay open in an orphan that ignores us, so do not read them.
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=1.0)
    _close(proc)


def _kill_marked(marker: str, child: int) -> None:
    """Kill the processes that carry this run's marker: descendants that left the process group
    (``setsid``), and were perhaps reparented away from the child."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - a dependency; without it the group kill still runs
        return
    own = os.getpid()
    for process in psutil.process_iter():
        if process.pid in (own, child):
            continue
        try:
            if process.environ().get(MARKER) == marker:
                process.kill()
        except (psutil.Error, OSError):
            continue


def _close(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------------------------------
# Long-running children whose output may be endless: keep the head and the tail, drain the rest
# --------------------------------------------------------------------------------------------------

KEEP_BYTES = 64 * 1024


class Captured(NamedTuple):
    """What a stream carried: its first and last ``keep`` bytes, and how many bytes it carried in all.

    A child that floods its output is drained (so it never blocks on a full pipe) but only the two
    ends are kept: memory stays bounded whatever the child prints, and a result line written last is
    still in the tail.
    """

    head: bytes = b""
    tail: bytes = b""  # the bytes after ``head`` that were kept (the last ones), empty when all fit
    total: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + len(self.tail)

    def text(self) -> str:
        """Head and tail as text; where bytes were dropped, one line says how many."""
        if not self.truncated:
            return _decode(self.head + self.tail)
        dropped = self.total - len(self.head) - len(self.tail)
        # cut at line breaks so no half line of either end is taken for a whole one
        head = self.head[: self.head.rfind(b"\n") + 1] if b"\n" in self.head else self.head
        tail = self.tail[self.tail.find(b"\n") + 1 :] if b"\n" in self.tail else self.tail
        return f"{_decode(head)}[... {dropped:,} bytes left out ...]\n{_decode(tail)}"


class _Keeper:
    __slots__ = ("head", "keep", "tail", "total")

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.keep - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > 2 * self.keep:
                del self.tail[: -self.keep]

    def captured(self) -> Captured:
        return Captured(bytes(self.head), bytes(self.tail[-self.keep :]), self.total)


class BoundedResult(NamedTuple):
    argv: tuple[str, ...]
    returncode: int | None  # None when it could not start or was killed at the time limit
    stdout: Captured
    stderr: Captured
    seconds: float
    error: str | None = None  # "cannot run: ...", "timed out after 60 s"

    @property
    def timed_out(self) -> bool:
        return self.error is not None and self.error.startswith("timed out")


def run_bounded(
    argv: Sequence[str],
    *,
    timeout: float,
    environ: Mapping[str, str],
    keep: int = KEEP_BYTES,
    cwd: str | None = None,
) -> BoundedResult:
    """Run ``argv`` (fixed, no shell) in its own process group; never raise, never block past ``timeout``.

    Unlike :func:`run_command` the environment is passed as given (CUDA_VISIBLE_DEVICES included: a
    program that uses the GPU must see what the user's programs see). Both streams are drained by
    reader threads and kept bounded (:class:`Captured`). At the time limit the whole group is killed;
    after a normal exit the group is killed too, so nothing the child started outlives it.
    """
    import threading
    import time

    args = tuple(argv)
    new_session = os.name != "nt"
    started = time.perf_counter()
    marker = f"{os.getpid()}-{time.monotonic_ns()}"
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**environ, MARKER: marker},
            cwd=cwd,
            start_new_session=new_session,
        )
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in argv or the environment
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return BoundedResult(
            args, None, Captured(), Captured(), time.perf_counter() - started, f"cannot run: {reason}"
        )
    keepers = (_Keeper(keep), _Keeper(keep))
    readers = [
        threading.Thread(target=_drain, args=(stream, keeper), daemon=True)
        for stream, keeper in zip((proc.stdout, proc.stderr), keepers, strict=True)
    ]
    for reader in readers:
        reader.start()
    error = None
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        error = f"timed out after {timeout:g} s"
    finally:  # Ctrl-C too: the child is in its own session, the terminal's interrupt never reaches it
        returncode = proc.returncode if error is None else None
        _kill_group(proc, new_session)
        _kill_marked(marker, proc.pid)  # a descendant that left the group (setsid) still carries it
    # The pipes close when the last process holding them is gone; one that left the group (setsid)
    # may keep them open: give the readers a moment, then go on without them.
    for reader in readers:
        reader.join(timeout=2.0)
    seconds = time.perf_counter() - started
    return BoundedResult(args, returncode, keepers[0].captured(), keepers[1].captured(), seconds, error)


def _drain(stream: Any, keeper: _Keeper) -> None:
    fd = stream.fileno()
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            keeper.add(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            stream.close()


def _kill_group(proc: subprocess.Popen[bytes], whole_group: bool) -> None:
    try:
        if whole_group:
            os.killpg(proc.pid, signal.SIGKILL)
        elif proc.poll() is None:
            proc.kill()
    except OSError:
        pass  # the group is already empty
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5.0)
