"""Running outside programs (nvcc, nvidia-smi) safely: fixed argv, no shell, a timeout, any bytes.

A hung ``nvidia-smi`` (a wedged driver) must cost at most the timeout. ``subprocess.run`` kills only
the direct child on timeout; a wrapper script's grandchildren would keep running and holding the
pipes. So the child gets its own session and the whole process group is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from typing import NamedTuple


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


def run_command(argv: Sequence[str], *, timeout: float, environ: Mapping[str, str]) -> CommandResult:
    """Run ``argv`` (absolute program path first), capture both streams as text, never raise."""
    args = tuple(argv)
    env = dict(environ)
    # The CUDA runtime hides or reorders GPUs by this variable; driver tools should see them all
    # (conda's CUDA probe drops it for the same reason), and an empty value breaks cuInit.
    env.pop("CUDA_VISIBLE_DEVICES", None)
    env.setdefault("LC_ALL", "C")
    new_session = os.name != "nt"
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
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc, new_session)
        return CommandResult(args, None, error=f"timed out after {timeout:g} s")
    return CommandResult(args, proc.returncode, _decode(out), _decode(err))


def _kill(proc: subprocess.Popen[bytes], whole_group: bool) -> None:
    try:
        if whole_group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except OSError:
        pass  # already gone
    # Reap the child; its pipes may stay open in an orphan that ignores us, so do not read them.
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=1.0)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
