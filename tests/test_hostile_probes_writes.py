"""Issue 17, classes 7 and 8: one bad entry costs only itself; a write never replaces what it must not.

7. A looping ``*.dist-info`` symlink hid every package of its site folder while the probe said "ok"; a
   hostile ``torch/version.py`` (a 200 KB line, deep nesting) failed the whole frameworks probe, losing
   TensorFlow and JAX too. Now the entry is skipped with a reason and the rest is read.
8. The no-overwrite check and the rename were separate steps (a file created in between was replaced
   without ``--force``: 1 of 40 concurrent runs); the temporary file stayed behind on SIGTERM; a legal
   250-character name failed (the temporary name was longer); ``-o missing-dir/`` wrote a file called
   ``missing-dir``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from envadvisor import fsutil
from envadvisor.errors import InputError
from envadvisor.probes import collect
from envadvisor.probes.python_env import scan_distributions
from tests.reliability_support import REPO, run_cli, subprocess_env

PATH_ONLY = {"PATH": "/usr/bin:/bin"}


def _dist(site: Path, name: str, version: str) -> None:
    folder = site / f"{name}-{version}.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n")


# ------------------------------------------------------------------------------------------- class 7


def test_a_looping_dist_info_symlink_costs_only_itself(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    _dist(site, "numpy", "2.1.3")
    _dist(site, "transformers", "4.57.1")
    loop = site / "loop-1.0.dist-info"
    loop.symlink_to(loop)  # ELOOP on every stat
    dists, problems = scan_distributions([str(site)])
    assert set(dists) == {"numpy", "transformers"}
    assert any("loop-1.0.dist-info" in p and "skipped" in p for p in problems), problems


def test_a_looping_symlink_in_a_live_environment_is_a_partial_probe_not_an_empty_one(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    _dist(site, "numpy", "2.1.3")
    (site / "evil-1.0.dist-info").symlink_to(site / "evil-1.0.dist-info")
    facts, outcomes = collect(environ=PATH_ONLY, root=tmp_path, sys_path=[str(site)], timeout=2)
    assert facts.packages["numpy"].version == "2.1.3"
    status = {o.name: o for o in outcomes}["python_env"]
    assert status.status == "partial" and "evil-1.0.dist-info" in (status.detail or "")


HOSTILE_VERSION_PY = {
    "a 200 KB line": '__version__ = "2.5.1+cu124"\ncuda = "12.4"\ngit_version = "' + "a" * 200_000 + '"\n'
    "hip = " + "(" * 150 + "None" + ")" * 150 + "\n",
    "deep nesting": '__version__ = "2.5.1"\ncuda = ' + "-" * 100_000 + "1\n",
    "nested brackets": "__version__ = " + "[" * 5_000 + "]" * 5_000 + "\n",
    "not Python": "\x00\xff garbage {{{{\n",
}


@pytest.mark.parametrize("case", sorted(HOSTILE_VERSION_PY))
def test_a_hostile_torch_version_py_costs_only_torch(case: str, tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    _dist(site, "torch", "2.5.1")
    _dist(site, "tensorflow", "2.17.0")
    _dist(site, "jax", "0.4.35")
    _dist(site, "jaxlib", "0.4.35")
    (site / "torch").mkdir()
    version_py = site / "torch" / "version.py"
    version_py.write_text(HOSTILE_VERSION_PY[case], encoding="utf-8", errors="surrogateescape")
    facts, outcomes = collect(environ=PATH_ONLY, root=tmp_path, sys_path=[str(site)], timeout=2)
    frameworks = {o.name: o for o in outcomes}["frameworks"]
    assert frameworks.status in ("ok", "partial"), frameworks
    assert facts.frameworks.tensorflow.version == "2.17.0"
    assert facts.frameworks.jax.version == "0.4.35"
    assert facts.packages["torch"].version == "2.5.1"  # the distribution itself is still listed


def test_a_conda_record_nested_deeper_than_the_stack_costs_only_itself(tmp_path: Path) -> None:
    from envadvisor.probes.conda import read_conda_meta
    from tests.probe_support import make_conda_record

    prefix = tmp_path / "env"
    make_conda_record(prefix, "python", "3.12.8", "h9e4cc4f_1_cpython")
    deep = '{"name": "deep", "x": ' + "[" * 20_000 + "]" * 20_000 + "}"  # under the whole-read size
    (prefix / "conda-meta" / "deep-1.0-0.json").write_text(deep)
    records, broken = read_conda_meta(str(prefix / "conda-meta"))
    assert [r.name for r in records] == ["python"]
    assert broken and broken[0].startswith("deep-1.0-0.json")


# ------------------------------------------------------------------------------------------- class 8


def _assert_not_replaced_though_the_check_said_free(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone else's file at ``target``, and an existence check that says the name is free."""
    target.write_text("theirs\n")
    real_exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self: False if self == target else real_exists(self))
    with pytest.raises(InputError, match="already exists"):
        fsutil.write_atomic(target, "ours\n")
    assert target.read_text() == "theirs\n"


def test_a_file_created_between_the_check_and_the_write_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race made certain: the existence check says 'free', the file appears anyway."""
    _assert_not_replaced_though_the_check_said_free(tmp_path / "environment.yml", monkeypatch)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["environment.yml"]  # no temporary file left


def test_without_hard_links_an_exclusive_create_guards_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    fresh = tmp_path / "fresh.yml"
    fsutil.write_atomic(fresh, "ours\n")
    assert fresh.read_text() == "ours\n"
    _assert_not_replaced_though_the_check_said_free(tmp_path / "taken.yml", monkeypatch)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.yml", "taken.yml"]


def test_forty_concurrent_writers_never_replace_one_another(tmp_path: Path) -> None:
    """The issue's measurement: 40 runs at once on one name without --force; exactly one wins, the
    others say the file exists, and the file holds the winner's text whole."""
    target = tmp_path / "environment.yml"
    env = subprocess_env()
    script = (
        "import sys\nfrom envadvisor import fsutil\nfrom envadvisor.errors import InputError\n"
        "try:\n    fsutil.write_atomic(sys.argv[1], sys.argv[2] * 20000)\n"
        "except InputError:\n    sys.exit(3)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(target), f"{i:02d}\n"], env=env, cwd=REPO)
        for i in range(40)
    ]
    codes = [p.wait(timeout=120) for p in procs]
    assert codes.count(0) == 1 and codes.count(3) == 39, codes
    text = target.read_text()
    assert len(set(text.splitlines())) == 1 and len(text) == 3 * 20000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["environment.yml"]


def test_sigterm_during_a_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "environment.yml"
    script = (
        "import os, sys, time\nfrom envadvisor import fsutil\n"
        "os.fsync = lambda fd: time.sleep(60)  # hold the write open\n"
        "fsutil.write_atomic(sys.argv[1], 'x' * 1000)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(target)], env=subprocess_env(), cwd=REPO)
    deadline = time.monotonic() + 30
    while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())  # caught mid-write
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []  # neither the temporary file nor a half-written target


def test_a_long_legal_name_is_written(tmp_path: Path) -> None:
    target = tmp_path / ("e" * 246 + ".yml")  # 250 characters: NAME_MAX is 255
    fsutil.write_atomic(target, "name: x\n")
    assert target.read_text() == "name: x\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_an_output_name_ending_in_a_slash_is_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("missing-dir/", "missing-dir" + os.sep):
        code, _, err = run_cli(["propose", "torch", "--no-gpu", "--os", "linux", "-o", name], capsys)
        assert code == 2 and "names a folder" in err, err
    assert list(tmp_path.iterdir()) == []
