"""Helpers shared by the reliability tests: run the CLI, check its error line, inject probe faults.

Faults are injected through the seams the code already has (``collect``'s ``environ``/``root``/
``sys_path``/``nvml`` arguments, the ``ProbeContext`` the probes read the machine through, fake
programs first on ``PATH``), never by patching the code under test.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from envadvisor import probes
from envadvisor.cli import main
from envadvisor.probes._base import ProbeContext
from tests.schema_check import assert_valid_report

REPO = Path(__file__).resolve().parent.parent
MACHINES = REPO / "tests" / "machines"
ERROR_PREFIX = "envadvisor: error: "


def run_cli(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``envadvisor ARGV`` in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()  # drop what earlier steps printed
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(code: int, err: str, *needles: str) -> str:
    """Exit 2 with exactly one line on stderr, no traceback; returns that line."""
    assert code == 2, (code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(ERROR_PREFIX), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def assert_valid_json_report(out: str) -> dict[str, Any]:
    data = json.loads(out)
    assert_valid_report(data)
    return data  # type: ignore[no-any-return]


def inject_machine(
    monkeypatch: pytest.MonkeyPatch,
    *,
    environ: Mapping[str, str],
    root: Path | None = None,
    sys_path: Sequence[str] = (),
    nvml: Any = None,
    prefix: Path | None = None,
    timeout: float = 5.0,
) -> None:
    """Make every ``collect()`` the CLI runs read this fake machine instead of the real one."""
    if prefix is not None:
        context = functools.partial(
            ProbeContext, prefix=str(prefix), base_prefix=str(prefix), executable=str(prefix / "bin/python")
        )
        monkeypatch.setattr(probes, "ProbeContext", context)
    fake_collect = functools.partial(
        probes.collect,
        environ=dict(environ),
        root=root if root is not None else Path("/"),
        sys_path=list(sys_path),
        nvml=nvml,
        timeout=timeout,
    )
    monkeypatch.setattr(probes, "collect", fake_collect)


def subprocess_env(extra: Mapping[str, str] | None = None, *, path: str | None = None) -> dict[str, str]:
    """A small, predictable environment for running ``python -m envadvisor`` in a child process."""
    env = {
        "HOME": os.environ.get("HOME", "/root"),
        "PATH": path if path is not None else os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO / "src"),
    }
    if extra:
        env.update(extra)
    return env


def run_envadvisor(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    timeout: float = 120,
    stdin: str | None = None,
    python_args: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *python_args, "-m", "envadvisor", *argv],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        cwd=REPO,
        check=False,
    )


# ------------------------------------------------------------------ recorded machines, fact by fact
def load_machine(name: str) -> dict[str, Any]:
    """A recorded machine report of tests/machines, as parsed JSON."""
    return json.loads((MACHINES / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def string_paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path (keys and list indexes) of every string inside ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from string_paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from string_paths(value, (*path, i))
    elif isinstance(node, str):
        yield path


def get_path(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def set_path(data: Any, path: tuple[Any, ...], value: Any) -> None:
    get_path(data, path[:-1])[path[-1]] = value

