"""Which language to speak: ``--lang``, else the locale, else English.

Kept apart from the glossary so commands that only need the choice (``diagnose --json``) do not pay
for loading the glossary module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGS: tuple[str, ...] = ("en", "zh")
DEFAULT_LANG = "en"


def normalize_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


def lang_from(args: Any, environ: Mapping[str, str]) -> str:
    """The language to explain in: ``--lang``, else the locale (``zh*`` gives Chinese), else English.

    The locale variables are read in POSIX precedence (LC_ALL, LC_MESSAGES, LANG); the first one that is
    set decides, so ``LC_ALL=C`` wins over ``LANG=zh_CN.UTF-8`` exactly as it would for other programs.
    """
    chosen = getattr(args, "lang", None) if args is not None else None
    if chosen:
        return normalize_lang(str(chosen))
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if value:
            return "zh" if value.strip().lower().startswith("zh") else "en"
    return DEFAULT_LANG
