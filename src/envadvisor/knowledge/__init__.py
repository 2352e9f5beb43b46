"""The knowledge base: version tables and rules, loaded from rules/compat.yaml and the files it includes.

``load_knowledge()`` parses every file once per process (C YAML loader when present), validates the
tables and every rule, and returns a frozen :class:`Knowledge`. A malformed file raises
:class:`~envadvisor.errors.DataFileError` with one line naming the file, the rule and the field.
User rule files (``--rules FILE``) go through the same validation: ``load_knowledge(extra_rule_files=[...])``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envadvisor.errors import DataFileError
from envadvisor.knowledge.tables import Tables
from envadvisor.model import Category, Severity
from envadvisor.records import field, record

if TYPE_CHECKING:
    from envadvisor.conditions import Condition

__all__ = ["Knowledge", "Rule", "Tables", "load_knowledge"]

ENTRY_FILE = "compat.yaml"
# Nodes a rule file may hold once YAML aliases are expanded: the shipped rules hold ~3,000; a file of
# nested aliases (billion laughs) or a recursive alias would otherwise hang the condition compiler.
MAX_RULE_FILE_NODES = 100_000
CODE_RE = re.compile(r"^EA\d{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
DOC_FIELDS = ("summary", "message", "why")
RULE_FIELDS = frozenset({
    "code", "name", "severity", "category", "when", "summary", "message", "why", "fix", "references",
    "terms", "added_in", "confidence", "zh", "suppressed_by",
})
ZH_FIELDS = frozenset({"summary", "message", "why", "fix"})


@record
class Rule:
    code: str
    name: str
    severity: Severity
    category: Category
    summary: str
    message: str  # template: {fact.key} placeholders, {devices}, {table.*} values the condition derives
    why: str
    fix: tuple[str, ...]
    references: tuple[str, ...]
    terms: tuple[str, ...]
    added_in: str
    when: Condition
    source_file: str
    confidence: str = "high"
    zh: Mapping[str, Any] = field(default_factory=dict)  # summary/message/why/fix in Chinese
    # Codes of rules that explain the same problem better; when one of them fires, this one is dropped.
    suppressed_by: tuple[str, ...] = ()
    # Per fix line, the OSes it is for (linux, wsl, windows, macos); empty: every OS.
    fix_on: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if len(self.fix_on) != len(self.fix):
            object.__setattr__(self, "fix_on", tuple(() for _ in self.fix))

    @property
    def fact_keys(self) -> frozenset[str]:
        return self.when.fact_keys()

    def doc(self, lang: str = "en") -> dict[str, Any]:
        """The rule's documentation as plain data (for ``rules --json`` and ``explain``)."""
        return documentation(self, lang) | {
            "added_in": self.added_in,
            "confidence": self.confidence,
            "facts": sorted(self.fact_keys),
        }


def documentation(entry: Any, lang: str = "en") -> dict[str, Any]:
    """The documentation fields every catalogue entry has (rules here, lints in data/lint.yaml), with
    the Chinese text where ``lang`` asks for it and the entry has it. Placeholders are written in
    general words ("the driver version this CUDA needs"): no target is known here."""
    from envadvisor.conditions import render_general
    from envadvisor.engine import os_label

    zh = entry.zh if lang == "zh" else {}
    fix_on = getattr(entry, "fix_on", ()) or tuple(() for _ in entry.fix)
    fix = [
        f"{os_label(on, lang) if on else ''}{render_general(str(step), lang)}"
        for step, on in zip(zh.get("fix", entry.fix), fix_on, strict=False)
    ]
    return {
        "code": entry.code,
        "name": entry.name,
        "severity": entry.severity.value,
        "category": entry.category.value,
        "summary": render_general(zh.get("summary", entry.summary), lang),
        "message": render_general(zh.get("message", entry.message), lang),
        "why": render_general(zh.get("why", entry.why), lang),
        "fix": fix,
        "references": list(entry.references),
        "terms": list(entry.terms),
    }


@record
class Knowledge:
    tables: Tables
    rules: tuple[Rule, ...]
    checked: str

    def rule(self, code_or_name: str) -> Rule | None:
        key = code_or_name.strip()
        for r in self.rules:
            if r.code == key.upper() or r.name == key.lower():
                return r
        return None


def load_knowledge(extra_rule_files: Sequence[str | Path] = (), *, deep_rules: bool = True,
                   ecosystem_rules: bool = True, registry_rules: bool = True) -> Knowledge:
    """The knowledge base; the default one is parsed once per process and cached.

    ``deep_rules=False`` leaves out the rules over ``proof.*`` facts (``include: deep_rules`` in
    compat.yaml), which only a ``diagnose --deep`` report holds: plain ``diagnose`` does not pay for
    compiling them. ``ecosystem_rules=False`` leaves out the rules over the ecosystem packages
    (``include: ecosystem_rules``), which diagnose needs only when one of them is installed.
    ``registry_rules=False`` leaves out the rules over the registry release lists (``include:
    registry_rules``), which speak only about a framework release newer than the tables."""
    base = _load_default(deep_rules, ecosystem_rules, registry_rules)
    if not extra_rule_files:
        return base
    extra: list[Rule] = []
    for path in extra_rule_files:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise DataFileError(str(p), f"cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise DataFileError(str(p), f"not UTF-8 text (byte {exc.start})") from None
        extra.extend(_rules_from_text(text, str(p), base.tables))
    complete = deep_rules and ecosystem_rules and registry_rules
    rules = _check_unique(base.rules + tuple(extra), complete=complete)
    return Knowledge(tables=base.tables, rules=rules, checked=base.checked)


@lru_cache(maxsize=8)
def _load_default(deep_rules: bool = True, ecosystem_rules: bool = True,
                  registry_rules: bool = True) -> Knowledge:
    from envadvisor.resources import rules_dir

    return load_from_dir(rules_dir(), cache=True, deep_rules=deep_rules, ecosystem_rules=ecosystem_rules,
                         registry_rules=registry_rules)


def load_from_dir(root: Path, *, cache: bool = False, deep_rules: bool = True,
                  ecosystem_rules: bool = True, registry_rules: bool = True) -> Knowledge:
    """Load ``root/compat.yaml`` and its includes (tests use this with a copied tree).

    ``cache`` keeps the parsed YAML as JSON in the user's cache folder (keyed by the text's hash): only
    for the shipped files, where parsing would otherwise dominate ``diagnose``'s run time."""
    entry_path = root / ENTRY_FILE
    entry = _read_yaml(entry_path, cache)
    if not isinstance(entry, Mapping):
        raise DataFileError(str(entry_path), "expected a mapping at the top level")
    checked = entry.get("checked")
    if not isinstance(checked, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", checked):
        raise DataFileError(str(entry_path), "expected a YYYY-MM-DD date", field="checked")
    include = entry.get("include") or {}
    if not isinstance(include, Mapping):
        raise DataFileError(str(entry_path), "expected {tables: [...], rules: [...]}", field="include")

    data: dict[str, Any] = {}
    origins: dict[str, str] = {"compat": str(entry_path)}
    for rel in include.get("tables") or ():
        path = root / str(rel)
        doc = _read_yaml(path, cache)
        if not isinstance(doc, Mapping):
            raise DataFileError(str(path), "expected a mapping of table name -> rows")
        for name, value in doc.items():
            if name in data:
                raise DataFileError(str(path), f"table '{name}' is also defined in {origins[name]}")
            data[str(name)] = value
            origins[str(name)] = str(path)
    releases = entry.get("releases")
    if releases is not None and not isinstance(releases, str):
        raise DataFileError(str(entry_path), "expected the path of the release file", field="releases")
    tables = Tables(data, checked=checked, origins=origins,
                    releases_file=root / releases if releases else None, user_overlay=cache)

    rules: list[Rule] = []
    rule_files = list(include.get("rules") or ())
    if deep_rules:
        rule_files.extend(include.get("deep_rules") or ())
    if ecosystem_rules:
        rule_files.extend(include.get("ecosystem_rules") or ())
    if registry_rules:
        rule_files.extend(include.get("registry_rules") or ())
    for rel in rule_files:
        path = root / str(rel)
        rules.extend(_rules_from_text(_read_text(path), str(path), tables, cache=cache))
    # A rule may yield to one in an optional set (deep, ecosystem); with that set left out, the reference
    # is checked when everything is loaded (the tests do), not here.
    complete = deep_rules and ecosystem_rules and registry_rules
    return Knowledge(tables=tables, rules=_check_unique(tuple(rules), complete=complete), checked=checked)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise DataFileError(str(path), f"not UTF-8 text (byte {exc.start})") from None


def _read_yaml(path: Path, cache: bool) -> Any:
    from envadvisor.resources import load_yaml_text

    return load_yaml_text(_read_text(path), path=str(path), cache=cache)


def _rules_from_text(text: str, path: str, tables: Tables, *, cache: bool = False) -> list[Rule]:
    from envadvisor.resources import load_yaml_text

    doc = load_yaml_text(text, path=path, cache=cache)
    if isinstance(doc, Mapping):
        doc = doc.get("rules")
    if not isinstance(doc, list):
        raise DataFileError(path, "expected a list of rules (or a mapping with 'rules:')")
    # A shipped file (``cache``) that passed every check in an earlier run of this version is not checked
    # again for fact keys, placeholders and alias size: a third of what loading the rules costs diagnose.
    # An edited file has another cache key and is checked in full; a user's --rules file always is.
    from envadvisor.resources import checked_before, mark_checked

    validate = not (cache and checked_before(text))
    if validate and _exceeds_nodes(doc, MAX_RULE_FILE_NODES):
        raise DataFileError(
            path,
            f"more than {MAX_RULE_FILE_NODES} values once YAML aliases are expanded (or a recursive alias)",
        )
    rules = [_parse_rule(raw, path, i, tables, validate=validate) for i, raw in enumerate(doc)]
    if validate and cache:
        mark_checked(text)
    return rules


def _parse_rule(raw: Any, path: str, index: int, tables: Tables, *, validate: bool = True) -> Rule:
    from envadvisor.conditions import compile_condition, template_placeholders

    if not isinstance(raw, Mapping):
        raise DataFileError(path, "expected a mapping", entry=f"rule #{index + 1}")
    label = str(raw.get("code") or raw.get("name") or f"rule #{index + 1}")

    def fail(fld: str, message: str) -> DataFileError:
        return DataFileError(path, message, entry=label, field=fld)

    unknown = sorted(set(map(str, raw)) - RULE_FIELDS)
    if unknown:
        raise fail(unknown[0], "unknown field")

    def text(fld: str) -> str:
        value = raw.get(fld)
        if not isinstance(value, str) or not value.strip():
            raise fail(fld, "missing or empty")
        return value.strip()

    def text_list(fld: str, *, required: bool = True) -> tuple[str, ...]:
        value = raw.get(fld)
        if value is None and not required:
            return ()
        if not isinstance(value, list) or (required and not value):
            raise fail(fld, "expected a non-empty list")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise fail(fld, "every item must be non-empty text")
        return tuple(v.strip() for v in value)

    code = text("code")
    if not CODE_RE.match(code):
        raise fail("code", f"'{code}' is not EA followed by three digits")
    name = text("name")
    if not NAME_RE.match(name):
        raise fail("name", f"'{name}' is not kebab-case")
    try:
        severity = Severity(text("severity"))
    except ValueError:
        raise fail("severity", f"'{raw.get('severity')}' is not one of error, warning, info") from None
    try:
        category = Category(text("category"))
    except ValueError:
        raise fail("category", f"'{raw.get('category')}' is not a known category") from None
    summary, message, why = (text(f) for f in DOC_FIELDS)
    fix, fix_on = _fix_items(raw.get("fix"), fail)
    references = text_list("references")
    for ref in references:
        if not ref.startswith("https://"):
            raise fail("references", f"'{ref}' is not an https URL")
    terms = text_list("terms")
    for term in terms:
        if not NAME_RE.match(term):
            raise fail("terms", f"'{term}' is not a kebab-case term id")
    added_in = text("added_in")
    confidence = str(raw.get("confidence") or "high")
    if confidence not in ("high", "medium", "low"):
        raise fail("confidence", f"'{confidence}' is not high, medium or low")
    if "when" not in raw:
        raise fail("when", "missing")
    when = compile_condition(raw["when"], lambda fld, msg: fail(fld, msg), check_keys=validate)
    suppressed_by = text_list("suppressed_by", required=False)
    for other in suppressed_by:
        if not CODE_RE.match(other) or other == code:
            raise fail("suppressed_by", f"'{other}' is not another rule's code")
    zh = dict(raw.get("zh") or {})
    if not isinstance(raw.get("zh") or {}, Mapping) or set(map(str, zh)) - ZH_FIELDS:
        raise fail("zh", f"expected a mapping with {', '.join(sorted(ZH_FIELDS))}")
    if "fix" in zh:
        zh_fix, _ = _fix_items(zh["fix"], lambda fld, msg: fail(f"zh.{fld}", msg))
        if len(zh_fix) != len(fix):
            raise fail("zh.fix", f"has {len(zh_fix)} lines; the English fix has {len(fix)}")
        zh["fix"] = list(zh_fix)
    if validate:
        allowed = when.placeholders() | {"devices"} | {f"remedy.{name}" for name in _remedy_names()}
        texts = [("message", message), ("why", why), *(("fix", f) for f in fix),
                 *((f"zh.{k}", v) for k, v in zh.items() if isinstance(v, str)),
                 *(("zh.fix", f) for f in zh.get("fix") or () if isinstance(f, str))]
        for fld, ph in ((fld, ph) for fld, template in texts for ph in template_placeholders(template)):
            if ph not in allowed and not _is_fact_key(ph):
                raise fail(fld, f"placeholder {{{ph}}} is not a fact key or a value the condition provides")
    return Rule(code=code, name=name, severity=severity, category=category, summary=summary, message=message,
                why=why, fix=fix, references=references, terms=terms, added_in=added_in, when=when,
                source_file=path, confidence=confidence, zh=dict(zh),
                suppressed_by=suppressed_by, fix_on=fix_on)


FIX_OS = ("linux", "wsl", "windows", "macos")


def _fix_items(value: Any, fail: Any) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Fix lines: text, or ``{os: [linux, wsl, windows, macos], text: ...}`` for a line that applies
    to some OSes only (a ``sudo`` line is no advice on Windows)."""
    if not isinstance(value, list) or not value:
        raise fail("fix", "expected a non-empty list")
    texts: list[str] = []
    ons: list[tuple[str, ...]] = []
    for item in value:
        on: tuple[str, ...] = ()
        if isinstance(item, Mapping):
            if set(map(str, item)) != {"os", "text"}:
                raise fail("fix", "a fix line is text or {os: [OS, ...], text: ...}")
            raw_on = item["os"]
            if not isinstance(raw_on, list) or not raw_on or any(o not in FIX_OS for o in raw_on):
                raise fail("fix", f"'os' must list some of {', '.join(FIX_OS)}")
            on = tuple(str(o) for o in raw_on)
            item = item["text"]
        if not isinstance(item, str) or not item.strip():
            raise fail("fix", "every item must be non-empty text")
        texts.append(item.strip())
        ons.append(on)
    return tuple(texts), tuple(ons)


def _remedy_names() -> tuple[str, ...]:
    from envadvisor.remedies import REMEDIES

    return tuple(REMEDIES)


def _exceeds_nodes(doc: Any, limit: int) -> bool:
    """Walk the document as its aliases expand, stopping after ``limit`` nodes (bounded time)."""
    stack = [doc]
    seen = 0
    while stack:
        value = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(value, Mapping):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _is_fact_key(key: str) -> bool:
    from envadvisor.conditions import is_fact_key

    return is_fact_key(key)


def _check_unique(rules: Iterable[Rule], *, complete: bool = True) -> tuple[Rule, ...]:
    by_code: dict[str, Rule] = {}
    by_name: dict[str, Rule] = {}
    out = []
    for r in rules:
        if r.code in by_code:
            raise DataFileError(r.source_file, f"duplicate code (also in {by_code[r.code].source_file})",
                                entry=r.code, field="code")
        if r.name in by_name:
            raise DataFileError(r.source_file, f"duplicate name (also {by_name[r.name].code})",
                                entry=r.code, field="name")
        by_code[r.code] = r
        by_name[r.name] = r
        out.append(r)
    out.sort(key=lambda r: r.code)
    for r in out:
        for other in r.suppressed_by:
            if other not in by_code and complete:
                raise DataFileError(r.source_file, f"'{other}' is not a rule", entry=r.code,
                                    field="suppressed_by")
    return tuple(out)
