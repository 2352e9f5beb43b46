"""The glossary: what each component of a deep-learning stack is, in English and Chinese.

The words live in ``data/terms.yaml`` (data, not code). This module loads and validates that file once
per process, answers look-ups by id, alias or package name (case-insensitive), suggests the closest
terms for a typo, and lists the typed relations between terms that ``envadvisor map`` draws.

A malformed file is a :class:`~envadvisor.errors.DataFileError` naming the file, the term and the field,
so a contributor who breaks the glossary learns where at load time, not when a user asks.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from envadvisor.errors import DataFileError
from envadvisor.lang import DEFAULT_LANG, LANGS
from envadvisor.records import record

_ID_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# the per-language text fields every term must fill; "contrast" is optional
_TEXT_FIELDS: tuple[str, ...] = ("name", "summary", "what", "when", "install")
_LIST_FIELDS: tuple[str, ...] = ("features",)

_Fail = Callable[[str, str], DataFileError]  # (field, message) -> the error naming file and term


@record
class TermText:
    """One term in one language."""

    name: str
    summary: str  # one line; used by the diagnose components table
    what: str
    features: tuple[str, ...]
    when: str
    install: str
    contrast: str | None = None  # how it differs from what it is often confused with


@record
class Relation:
    kind: str  # a key of Glossary.relation_kinds: runs_on, accelerated_by, installs ...
    target: str  # a term id


@record
class Term:
    id: str
    category: str
    aliases: tuple[str, ...]
    packages: tuple[str, ...]  # conda / pip distribution names this term stands for
    texts: Mapping[str, TermText]
    relations: tuple[Relation, ...]
    references: tuple[str, ...]

    def text(self, lang: str) -> TermText:
        return self.texts.get(lang) or self.texts[DEFAULT_LANG]


@record
class Label:
    en: str
    zh: str

    def in_lang(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def lookup_key(text: str) -> str:
    """How names are compared: case, spaces, dots and underscores do not matter.

    ``Compute Capability`` and ``compute_capability`` meet ``compute-capability``; ``Transformer`` and
    ``transformers`` stay different because the final ``s`` is a different word.
    """
    # a leading separator survives ("__cuda" -> "-cuda") so virtual packages never meet "cuda"
    key = re.sub(r"[\s._]+", "-", text.strip().lower())
    return re.sub(r"-{2,}", "-", key)


class Glossary:
    """The validated glossary. Build it with :func:`load_glossary`."""

    def __init__(
        self,
        terms: tuple[Term, ...],
        relation_kinds: Mapping[str, Label],
        categories: Mapping[str, Label],
        source: str,
        core: tuple[str, ...] = (),
    ) -> None:
        self.terms = terms
        self.core = core  # the ids `map --core` draws
        self.relation_kinds = relation_kinds
        self.categories = categories
        self.source = source
        self._by_id = {t.id: t for t in terms}
        self._by_key: dict[str, str] = {}
        self._by_package: dict[str, str] = {}
        for t in terms:
            for name in (t.id, t.text("en").name, *t.aliases):
                self._by_key.setdefault(lookup_key(name), t.id)
            for package in t.packages:
                self._by_package[lookup_key(package)] = t.id

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def term(self, id_or_alias: str) -> Term | None:
        """The term named by its id, English name or an alias (case-insensitive), else ``None``."""
        term_id = self._by_key.get(lookup_key(id_or_alias))
        return self._by_id[term_id] if term_id else None

    def for_package(self, package: str) -> Term | None:
        """The term a conda or pip distribution belongs to (``torch`` -> pytorch), else by name."""
        key = lookup_key(_strip_extras(package))
        term_id = self._by_package.get(key)
        if term_id:
            return self._by_id[term_id]
        return self.term(key)

    def summary(self, term_id: str, lang: str = DEFAULT_LANG) -> str:
        """The one-line meaning of a term. Raises ``KeyError`` for a name the glossary does not know."""
        term = self.term(term_id)
        if term is None:
            raise KeyError(term_id)
        return term.text(lang).summary

    def suggest(self, text: str, limit: int = 3) -> tuple[str, ...]:
        """Term ids whose id, name or alias is closest to ``text`` (for "did you mean ...?")."""
        matches = difflib.get_close_matches(lookup_key(text), list(self._by_key), n=limit * 3, cutoff=0.6)
        out: list[str] = []
        for match in matches:
            term_id = self._by_key[match]
            if term_id not in out:
                out.append(term_id)
        return tuple(out[:limit])

    def did_you_mean(self, text: str) -> str:
        """The hint after an unknown name: `` (did you mean pytorch?)``, or where to look instead."""
        suggestions = self.suggest(text, limit=1)
        return f" (did you mean {suggestions[0]}?)" if suggestions else " (try: envadvisor explain --list)"

    def relations(self) -> Iterator[tuple[Term, Relation, Term]]:
        """Every edge of the map, in file order: (source term, relation, target term)."""
        for term in self.terms:
            for relation in term.relations:
                yield term, relation, self._by_id[relation.target]

    def relation_label(self, kind: str, lang: str) -> str:
        return self.relation_kinds[kind].in_lang(lang)

    def category_label(self, category: str, lang: str) -> str:
        return self.categories[category].in_lang(lang)


def _strip_extras(package: str) -> str:
    return package.split("[", 1)[0]


# --------------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------------


def default_path() -> Path:
    from envadvisor.resources import data_dir

    return data_dir() / "terms.yaml"


@cache
def _load_default() -> Glossary:
    path = default_path()
    return parse_glossary(_read(path), path=str(path))


def load_glossary(path: str | Path | None = None) -> Glossary:
    """The glossary from ``data/terms.yaml`` (cached per process), or from another file for tests."""
    if path is None:
        return _load_default()
    return parse_glossary(_read(Path(path)), path=str(path))


def summary(term_id: str, lang: str = DEFAULT_LANG) -> str:
    """One line saying what a component is, for tables (the diagnose components table uses it)."""
    return load_glossary().summary(term_id, lang)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(str(path), f"cannot read the glossary: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DataFileError(str(path), "not UTF-8 text") from None


def parse_glossary(text: str, *, path: str) -> Glossary:
    from envadvisor.resources import load_yaml_text

    data = load_yaml_text(text, path=path)
    if not isinstance(data, Mapping):
        raise DataFileError(path, "expected a mapping with 'relation_kinds', 'categories' and 'terms'")
    relation_kinds = _labels(data, "relation_kinds", path)
    categories = _labels(data, "categories", path)
    raw_terms = data.get("terms")
    if not isinstance(raw_terms, list) or not raw_terms:
        raise DataFileError(path, "expected a non-empty list", field="terms")

    terms: list[Term] = []
    seen_keys: dict[str, str] = {}
    for index, raw in enumerate(raw_terms):
        term = _term(raw, index, path, relation_kinds, categories)
        if any(t.id == term.id for t in terms):  # the alias check below lets a repeated id through
            raise DataFileError(path, "duplicate term id", entry=term.id, field="id")
        for name in (term.id, *term.aliases):
            key = lookup_key(name)
            owner = seen_keys.get(key)
            if owner is not None and owner != term.id:
                raise DataFileError(
                    path, f"'{name}' already names term '{owner}'", entry=term.id, field="aliases"
                )
            seen_keys[key] = term.id
        terms.append(term)

    ids = {t.id for t in terms}
    for term in terms:
        for relation in term.relations:
            if relation.target not in ids:
                raise DataFileError(
                    path,
                    f"relation {relation.kind} points at unknown term '{relation.target}'",
                    entry=term.id,
                    field="relations",
                )
            if relation.target == term.id:
                raise DataFileError(path, "a term cannot relate to itself", entry=term.id, field="relations")
    core = _str_list(
        data.get("core", []),
        "core",
        lambda field, message: DataFileError(path, message, field=field),
        allow_empty=True,
    )
    for term_id in core:
        if term_id not in ids:
            raise DataFileError(path, f"unknown term '{term_id}'", field="core")
    return Glossary(tuple(terms), relation_kinds, categories, path, core)


def _labels(data: Mapping[str, Any], section: str, path: str) -> dict[str, Label]:
    raw = data.get(section)
    if not isinstance(raw, Mapping) or not raw:
        raise DataFileError(path, "expected a mapping of key -> {en, zh}", field=section)
    out: dict[str, Label] = {}
    for key, value in raw.items():
        if not isinstance(value, Mapping):
            raise DataFileError(path, "expected {en: ..., zh: ...}", entry=str(key), field=section)
        en, zh = value.get("en"), value.get("zh")
        if not _non_empty_str(en) or not _non_empty_str(zh):
            raise DataFileError(path, "needs non-empty 'en' and 'zh' labels", entry=str(key), field=section)
        if not _CJK_RE.search(str(zh)):
            raise DataFileError(
                path, "the 'zh' label has no Chinese characters", entry=str(key), field=section
            )
        out[str(key)] = Label(en=str(en), zh=str(zh))
    return out


def _term(
    raw: object,
    index: int,
    path: str,
    relation_kinds: Mapping[str, Label],
    categories: Mapping[str, Label],
) -> Term:
    if not isinstance(raw, Mapping):
        raise DataFileError(path, "expected a mapping", entry=f"terms[{index}]")
    term_id = raw.get("id")
    if not isinstance(term_id, str) or not _ID_RE.match(term_id):
        raise DataFileError(
            path, f"expected a kebab-case id, got {term_id!r}", entry=f"terms[{index}]", field="id"
        )

    def fail(field: str, message: str) -> DataFileError:
        return DataFileError(path, message, entry=term_id, field=field)

    category = raw.get("category")
    if category not in categories:
        raise fail("category", f"unknown category {category!r} (known: {', '.join(categories)})")
    aliases = _str_list(raw.get("aliases", []), "aliases", fail, allow_empty=True)
    packages = _str_list(raw.get("packages", []), "packages", fail, allow_empty=True)
    references = _str_list(raw.get("references"), "references", fail, allow_empty=False)
    for ref in references:
        if not ref.startswith("https://"):
            raise fail("references", f"expected an https:// address, got {ref!r}")

    texts: dict[str, TermText] = {}
    for lang in LANGS:
        block = raw.get(lang)
        if not isinstance(block, Mapping):
            raise fail(lang, "missing: every term is written in English and Chinese")
        texts[lang] = _text(block, lang, fail)

    relations: list[Relation] = []
    raw_relations = raw.get("relations", [])
    if not isinstance(raw_relations, list):
        raise fail("relations", "expected a list of {kind: target} items")
    for item in raw_relations:
        if not isinstance(item, Mapping) or len(item) != 1:
            raise fail("relations", f"expected one 'kind: target' per item, got {item!r}")
        ((kind, target),) = item.items()
        if kind not in relation_kinds:
            raise fail("relations", f"unknown relation kind {kind!r} (known: {', '.join(relation_kinds)})")
        targets = target if isinstance(target, list) else [target]
        for one in targets:
            if not isinstance(one, str):
                raise fail("relations", f"{kind}: expected a term id, got {one!r}")
            relations.append(Relation(kind=str(kind), target=one))
    return Term(
        id=term_id,
        category=str(category),
        aliases=aliases,
        packages=packages,
        texts=texts,
        relations=tuple(relations),
        references=references,
    )


def _text(block: Mapping[str, Any], lang: str, fail: _Fail) -> TermText:
    values: dict[str, Any] = {}
    for field in _TEXT_FIELDS:
        value = block.get(field)
        if not _non_empty_str(value):
            raise fail(f"{lang}.{field}", "expected non-empty text")
        values[field] = flow_text(str(value))
    if "\n" in str(block["summary"]).strip():
        raise fail(f"{lang}.summary", "the summary must be one line")
    for field in _LIST_FIELDS:
        values[field] = _str_list(block.get(field), f"{lang}.{field}", fail, allow_empty=False)
    contrast = block.get("contrast")
    if contrast is not None and not _non_empty_str(contrast):
        raise fail(f"{lang}.contrast", "expected non-empty text when present")
    values["contrast"] = flow_text(str(contrast)) if contrast is not None else None
    if lang == "zh":
        for field in ("name", "summary", "what", "when", "install"):
            # names such as "PyTorch" stay in Latin letters in Chinese text; the prose must not
            if field != "name" and not _CJK_RE.search(values[field]):
                raise fail(f"zh.{field}", "the Chinese text has no Chinese characters")
    return TermText(**values)


def _is_wide(char: str) -> bool:
    """CJK characters and full-width punctuation: Chinese text puts no space around a line break there."""
    return bool(_CJK_RE.match(char)) or "\u3000" <= char <= "\u303f" or "\uff00" <= char <= "\uffef"


def flow_text(text: str) -> str:
    """One paragraph from a YAML block: lines joined by a space, or by nothing between Chinese characters.

    Chinese paragraphs are written as literal blocks (``|-``) so this, not YAML's folding (which always
    inserts a space), decides how lines join.
    """
    out = ""
    for line in text.strip().splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if out and not (_is_wide(out[-1]) or _is_wide(line[0])):
            out += " "
        out += line
    return out


def _str_list(value: object, field: str, fail: _Fail, *, allow_empty: bool) -> tuple[str, ...]:
    if value is None:
        value = []
    if not isinstance(value, list) or not all(_non_empty_str(v) for v in value):
        raise fail(field, "expected a list of non-empty strings")
    if not value and not allow_empty:
        raise fail(field, "expected at least one entry")
    return tuple(flow_text(str(v)) for v in value)


def _non_empty_str(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())
