"""General words for the placeholders of rule and lint texts (data/placeholders.yaml).

``{gpu.driver_version}`` reads "the driver version", ``{table.min_driver}`` "the driver version this
CUDA needs", ``{remedy.torch.install}`` the words :data:`envadvisor.remedies.REMEDIES` gives it. Used
where no target is known (``explain``) and where a value is not known, so that no reader ever sees a
placeholder or the word "unknown" glued into a sentence. Loaded only when needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

FALLBACK = {"en": "this value", "zh": "该值"}
_FRAMEWORK_LABELS = {"torch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX"}


@cache
def _words() -> Mapping[str, Mapping[str, Mapping[str, str]]]:
    from envadvisor.resources import data_dir, load_yaml_text

    path = data_dir() / "placeholders.yaml"
    doc: Any = load_yaml_text(path.read_text(encoding="utf-8"), path=str(path), cache=True)
    return {section: dict(doc.get(section) or {}) for section in ("facts", "table", "lint")}


def has_words(key: str) -> bool:
    """Whether ``key`` (as written inside the braces) has general words."""
    return _lookup(key, "en") is not None


def general_words(key: str, lang: str = "en") -> str:
    """What ``{key}`` stands for, in ``lang``."""
    found = _lookup(key, lang)
    return found if found is not None else FALLBACK.get(lang, FALLBACK["en"])


def _lookup(key: str, lang: str) -> str | None:
    words = _words()
    entry: Mapping[str, str] | None = None
    package = None
    if key.startswith("remedy."):
        from envadvisor.remedies import REMEDIES

        name = key[len("remedy.") :]
        if name not in REMEDIES:
            return None
        if name.startswith("gate."):
            # A gate is a prefix a fix gets only on a machine that needs a step first (a driver update
            # before a CUDA install); a fix explained for no machine reads without it.
            return ""
        en, zh = REMEDIES[name]
        return zh if lang == "zh" else en
    if key.startswith("table."):
        entry = words["table"].get(key[len("table.") :])
    elif key.startswith("packages.") and key.count(".") >= 2:
        _, package, field = key.split(".", 2)
        entry = words["facts"].get(f"packages.*.{field}")
    elif key.startswith("proof.") and key.count(".") >= 2:
        _, framework, field = key.split(".", 2)
        entry = words["facts"].get(f"proof.*.{field}")
        package = _FRAMEWORK_LABELS.get(framework, framework)
    else:
        entry = words["facts"].get(key) or words["lint"].get(key)
    if entry is None:
        return None
    text = entry.get(lang) or entry.get("en")
    if text is None:
        return None
    return text.replace("{package}", package) if package else text
