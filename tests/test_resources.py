"""Data files load safely, and the parse cache gives exactly what the YAML says."""

from __future__ import annotations

from pathlib import Path

import pytest

from envadvisor.errors import DataFileError
from envadvisor.resources import _cache_path, data_dir, load_yaml_text, rules_dir


def test_shipped_data_folders_exist() -> None:
    assert (rules_dir() / "compat.yaml").is_file()
    assert (data_dir() / "terms.yaml").is_file()


def test_unsafe_yaml_is_refused() -> None:
    with pytest.raises(DataFileError, match="not valid YAML"):
        load_yaml_text("!!python/object/apply:os.system ['echo hacked']", path="evil.yaml")


def test_syntax_errors_name_file_and_line() -> None:
    with pytest.raises(DataFileError, match=r"rules\.yaml: not valid YAML \(line 3, column 1\)"):
        load_yaml_text("a: 1\nb: [unclosed\n", path="rules.yaml")


def test_cache_returns_the_same_data_and_survives_corruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ENVADVISOR_NO_CACHE", raising=False)
    text = "rules:\n  - code: EA999\n    versions: ['12.8', 13]\n    ok: true\n"
    first = load_yaml_text(text, path="x.yaml", cache=True)
    cached = _cache_path(text)
    assert cached is not None and cached.is_file()
    assert load_yaml_text(text, path="x.yaml", cache=True) == first == load_yaml_text(text, path="x.yaml")
    cached.write_text("{not json")
    assert load_yaml_text(text, path="x.yaml", cache=True) == first


def test_values_json_cannot_hold_are_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = "eol: 2026-10-31\n"
    data = load_yaml_text(text, path="x.yaml", cache=True)
    assert str(data) == "{'eol': datetime.date(2026, 10, 31)}"
    cached = _cache_path(text)
    assert cached is not None and not cached.exists()


def test_user_files_are_never_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    load_yaml_text("name: private-project\n", path="environment.yml")
    assert not (tmp_path / "envadvisor").exists()
