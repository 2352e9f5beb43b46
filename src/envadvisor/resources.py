"""Find the shipped data files (rules/, data/) from a wheel install or a source checkout."""

from __future__ import annotations

import json
import os
import zlib
from functools import cache
from pathlib import Path

from envadvisor import __version__

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def _root(wheel_name: str, repo_name: str) -> Path:
    installed = _PACKAGE_DIR / wheel_name  # force-included by the wheel build (pyproject.toml)
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent.parent / repo_name  # editable install / checkout: src/envadvisor -> repo


def rules_dir() -> Path:
    return _root("_rules", "rules")


def data_dir() -> Path:
    return _root("_data", "data")


def load_yaml_text(text: str, *, path: str, cache: bool = False) -> object:
    """Parse YAML safely (C loader when present). Raises DataFileError naming the file.

    ``cache=True`` (for the shipped knowledge files only, never for user files) keeps the parsed data
    as JSON in the user's cache folder, keyed by the text's hash: parsing the rules takes longer than
    the whole rest of ``diagnose``, and json.loads is ten times faster than the YAML constructor.
    """
    cached_path = _cache_path(text) if cache else None
    if cached_path is not None:
        try:
            return json.loads(cached_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass  # no cache yet, or unreadable: parse the YAML
    data = _parse_yaml(text, path)
    if cached_path is not None:
        _store(cached_path, data)
    return data


def _parse_yaml(text: str, path: str) -> object:
    import yaml

    from envadvisor.errors import DataFileError

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except (ValueError, OverflowError) as exc:
        # a scalar the safe constructors cannot build: an integer of more than 4,300 digits (Python's
        # int() limit), a date like 2026-13-45
        detail = str(exc).split(";")[0][:120]
        raise DataFileError(path, f"holds a value that cannot be read ({detail})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DataFileError(path, f"not valid YAML{where}: {problem}") from None


def _cache_path(text: str, kind: str = "yaml", suffix: str = ".json") -> Path | None:
    if os.environ.get("ENVADVISOR_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    # Two independent checksums and the length: ample to tell versions of our own data files apart, and
    # zlib is already loaded where hashlib would cost an import on every run.
    data = text.encode("utf-8")
    digest = f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}{len(data):x}"
    return Path(base) / "envadvisor" / f"{kind}-{__version__}-{digest}{suffix}"


def checked_before(text: str) -> bool:
    """Whether this exact shipped rule file passed every load-time check in an earlier run of this
    version (a marker in the cache folder, keyed like the parsed-YAML cache): an edited file has
    another key, so it is checked again."""
    mark = _cache_path(text, "rules-checked", "")
    return mark is not None and mark.is_file()


def mark_checked(text: str) -> None:
    mark = _cache_path(text, "rules-checked", "")
    if mark is None:
        return
    try:
        mark.parent.mkdir(parents=True, exist_ok=True)
        mark.touch()
    except OSError:
        return  # a read-only home only costs speed


def _store(cached_path: Path, data: object) -> None:
    """Write the cache atomically; data JSON cannot represent exactly (dates, ...) is not cached."""
    try:
        payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return
    import tempfile

    try:
        cached_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cached_path.parent, prefix=".yaml-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(payload)
        os.replace(tmp, cached_path)
    except OSError:
        return  # a read-only home or full disk only costs speed
