"""Find the shipped data files (rules/, data/) from a wheel install or a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

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


def load_yaml_text(text: str, *, path: str) -> object:
    """Parse YAML safely (C loader when present). Raises DataFileError naming the file."""
    import yaml

    from envadvisor.errors import DataFileError

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader, C or Python
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DataFileError(path, f"not valid YAML{where}: {problem}") from None
