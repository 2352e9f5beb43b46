"""Writes lose nothing: atomic, no clobbering without --force, permissions kept, no escaping symlinks."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from envadvisor.errors import InputError
from envadvisor.fsutil import write_atomic


def test_writes_a_new_file(tmp_path: Path) -> None:
    target = write_atomic(tmp_path / "environment.yml", "name: x\n")
    assert target.read_text() == "name: x\n"
    assert [p.name for p in tmp_path.iterdir()] == ["environment.yml"]  # no temporary left behind


def test_refuses_to_replace_without_force(tmp_path: Path) -> None:
    target = tmp_path / "environment.yml"
    target.write_text("mine\n")
    with pytest.raises(InputError, match="already exists; pass --force"):
        write_atomic(target, "theirs\n")
    assert target.read_text() == "mine\n"


def test_force_replaces_and_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "environment.yml"
    target.write_text("mine\n")
    os.chmod(target, 0o640)
    write_atomic(target, "new\n", force=True)
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_refuses_a_symlink_out_of_the_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "precious.txt"
    secret.write_text("keep me\n")
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "environment.yml").symlink_to(secret)
    with pytest.raises(InputError, match="symbolic link"):
        write_atomic(folder / "environment.yml", "x\n", force=True)
    assert secret.read_text() == "keep me\n"


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "environment.yml", "x\n")


def test_failed_write_leaves_the_original(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "environment.yml"
    target.write_text("original\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(InputError, match="cannot write it \\(disk full\\)"):  # one line, exit 2
        write_atomic(target, "new\n", force=True)
    assert target.read_text() == "original\n"
    assert [p.name for p in tmp_path.iterdir()] == ["environment.yml"]
