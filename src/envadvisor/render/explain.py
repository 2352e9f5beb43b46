"""Formatters for ``explain``, ``map`` and ``why``: they return text, data or rich renderables; never print.

A term or rule explanation is first built as a :class:`Doc` (a title, a subtitle and headed sections), and
that one structure becomes rich text for a terminal, plain text for a pipe, or JSON-ready data, so the
three outputs never drift apart. The map comes as a rich tree, Mermaid text or Graphviz dot text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from envadvisor.glossary import Glossary, Term

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.tree import Tree

UI: dict[str, dict[str, str]] = {
    "en": {
        "what": "What it is",
        "features": "Key features",
        "when": "When to use it",
        "contrast": "How it differs",
        "relations": "Relations",
        "referenced_by": "Referenced by",
        "install": "Install notes",
        "aliases": "Also known as",
        "packages": "Package names",
        "references": "References",
        "rule": "rule",
        "why": "Why it matters",
        "fix": "How to fix",
        "facts": "Facts it reads",
        "terms": "Terms",
        "confidence": "confidence",
        "added_in": "added in",
        "map_title": "How the components relate",
        "list_title": "Glossary ({count} terms)",
        "id": "id",
        "name": "name",
        "summary": "summary",
        "more": "Run `envadvisor explain TERM` for one term; `envadvisor map` draws the relations.",
    },
    "zh": {
        "what": "是什么",
        "features": "主要特点",
        "when": "适用场景",
        "contrast": "区别",
        "relations": "与其他组件的关系",
        "referenced_by": "被以下条目引用",
        "install": "安装提示",
        "aliases": "别名",
        "packages": "包名",
        "references": "参考资料",
        "rule": "规则",
        "why": "为什么重要",
        "fix": "解决办法",
        "facts": "检查的事实",
        "terms": "相关术语",
        "confidence": "可信度",
        "added_in": "加入版本",
        "map_title": "组件之间的关系",
        "list_title": "术语表(共 {count} 条)",
        "id": "标识",
        "name": "名称",
        "summary": "简介",
        "more": "用 `envadvisor explain 术语` 查看单个条目;`envadvisor map` 可画出关系图。",
    },
}


def ui(lang: str) -> dict[str, str]:
    return UI.get(lang, UI["en"])


# --------------------------------------------------------------------------------------------------
# One explanation, three outputs
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()  # shown as a bulleted list


@dataclass(frozen=True, slots=True)
class Doc:
    title: str
    subtitle: str
    lead: str
    sections: tuple[Section, ...] = field(default_factory=tuple)


def doc_text(doc: Doc) -> str:
    """Plain text: no colour, no wrapping (a pager or editor wraps better than we can for CJK)."""
    lines = [doc.title, doc.subtitle, doc.lead]
    for section in doc.sections:
        lines.append("")
        lines.append(section.heading)
        lines.extend(f"  {p}" for p in section.paragraphs)
        lines.extend(f"  - {item}" for item in section.items)
    return "\n".join(line for line in lines if line is not None) + "\n"


_CODE_RE = r"`[^`]+`"


def doc_renderable(doc: Doc) -> RenderableType:
    from rich.console import Group
    from rich.padding import Padding
    from rich.text import Text

    parts: list[RenderableType] = [
        Text(doc.title, style="bold"),
        Text(doc.subtitle, style="dim"),
        _styled(doc.lead, "italic"),
    ]
    for section in doc.sections:
        parts.append(Text(""))
        parts.append(Text(section.heading, style="bold cyan"))
        for paragraph in section.paragraphs:
            parts.append(Padding(_styled(paragraph), (0, 0, 0, 2)))
        for item in section.items:
            parts.append(Padding(_styled(f"• {item}"), (0, 0, 0, 2)))
    return Group(*parts)


def _styled(text: str, style: str = "") -> Any:
    from rich.text import Text

    out = Text(text, style=style)
    out.highlight_regex(_CODE_RE, "bold green")
    return out


# --------------------------------------------------------------------------------------------------
# Terms
# --------------------------------------------------------------------------------------------------


def _term_ref(term: Term, lang: str) -> str:
    return f"{term.text(lang).name} ({term.id})"


def _incoming(term: Term, glossary: Glossary) -> list[tuple[Term, str]]:
    """Relations other terms have to this one, less those this term already states the other way."""
    own = {(rel.kind, rel.target) for rel in term.relations}
    return [
        (src, rel.kind)
        for src, rel, dst in glossary.relations()
        if dst.id == term.id and (rel.kind, src.id) not in own
    ]


def term_doc(term: Term, glossary: Glossary, lang: str) -> Doc:
    words = ui(lang)
    text = term.text(lang)
    sections = [
        Section(words["what"], paragraphs=(text.what,)),
        Section(words["features"], items=text.features),
        Section(words["when"], paragraphs=(text.when,)),
    ]
    if text.contrast:
        sections.append(Section(words["contrast"], paragraphs=(text.contrast,)))
    relation_lines = _grouped_relations(term, glossary, lang)
    if relation_lines:
        sections.append(Section(words["relations"], items=tuple(relation_lines)))
    incoming = _incoming(term, glossary)
    if incoming:
        lines = (f"{_term_ref(src, lang)}: {glossary.relation_label(kind, lang)}" for src, kind in incoming)
        sections.append(Section(words["referenced_by"], items=tuple(lines)))
    sections.append(Section(words["install"], paragraphs=(text.install,)))
    if term.aliases:
        sections.append(Section(words["aliases"], paragraphs=(", ".join(term.aliases),)))
    if term.packages:
        sections.append(Section(words["packages"], paragraphs=(", ".join(term.packages),)))
    sections.append(Section(words["references"], items=term.references))
    return Doc(
        title=text.name,
        subtitle=f"{term.id} · {glossary.category_label(term.category, lang)}",
        lead=text.summary,
        sections=tuple(sections),
    )


def _grouped_relations(term: Term, glossary: Glossary, lang: str) -> list[str]:
    grouped: dict[str, list[str]] = {}
    for relation in term.relations:
        target = glossary.term(relation.target)
        assert target is not None  # the loader checked every target
        grouped.setdefault(relation.kind, []).append(_term_ref(target, lang))
    sep = "、" if lang == "zh" else ", "
    return [f"{glossary.relation_label(kind, lang)} → {sep.join(names)}" for kind, names in grouped.items()]


def term_data(term: Term, glossary: Glossary, lang: str) -> dict[str, Any]:
    text = term.text(lang)
    return {
        "kind": "term",
        "id": term.id,
        "lang": lang,
        "category": term.category,
        "category_label": glossary.category_label(term.category, lang),
        "name": text.name,
        "summary": text.summary,
        "what": text.what,
        "features": list(text.features),
        "when": text.when,
        "contrast": text.contrast,
        "install": text.install,
        "aliases": list(term.aliases),
        "packages": list(term.packages),
        "relations": [
            {
                "kind": r.kind,
                "label": glossary.relation_label(r.kind, lang),
                "target": r.target,
                "target_name": _name_of(glossary, r.target, lang),
            }
            for r in term.relations
        ],
        "referenced_by": [
            {
                "kind": kind,
                "label": glossary.relation_label(kind, lang),
                "source": src.id,
                "source_name": src.text(lang).name,
            }
            for src, kind in _incoming(term, glossary)
        ],
        "references": list(term.references),
    }


def _name_of(glossary: Glossary, term_id: str, lang: str) -> str:
    term = glossary.term(term_id)
    return term.text(lang).name if term else term_id


def term_list_data(glossary: Glossary, lang: str) -> list[dict[str, str]]:
    return [
        {"id": t.id, "name": t.text(lang).name, "category": t.category, "summary": t.text(lang).summary}
        for t in glossary
    ]


def term_list_text(glossary: Glossary, lang: str) -> str:
    words = ui(lang)
    width = max(len(t.id) for t in glossary)
    lines = [words["list_title"].format(count=len(glossary)), ""]
    lines.extend(f"{t.id.ljust(width)}  {t.text(lang).name}: {t.text(lang).summary}" for t in glossary)
    lines += ["", words["more"]]
    return "\n".join(lines) + "\n"


def term_list_renderable(glossary: Glossary, lang: str) -> RenderableType:
    from rich.table import Table

    words = ui(lang)
    table = Table(
        title=words["list_title"].format(count=len(glossary)),
        title_justify="left",
        show_lines=False,
        caption=words["more"],
        caption_justify="left",
    )
    table.add_column(words["id"], style="bold", no_wrap=True)
    table.add_column(words["name"])
    table.add_column(words["summary"])
    for t in glossary:
        table.add_row(t.id, t.text(lang).name, t.text(lang).summary)
    return table


# --------------------------------------------------------------------------------------------------
# Rules (documentation from the knowledge base: Rule.doc(lang))
# --------------------------------------------------------------------------------------------------


def rule_doc(doc: Mapping[str, Any], glossary: Glossary, lang: str) -> Doc:
    words = ui(lang)
    sections = [Section(words["why"], paragraphs=(str(doc.get("why") or ""),))]
    fixes = tuple(str(f) for f in doc.get("fix") or ())
    if fixes:
        sections.append(Section(words["fix"], items=fixes))
    facts = tuple(str(f) for f in doc.get("facts") or ())
    if facts:
        sections.append(Section(words["facts"], paragraphs=(", ".join(facts),)))
    term_lines = []
    for term_id in doc.get("terms") or ():
        term = glossary.term(str(term_id))
        term_lines.append(f"{_term_ref(term, lang)}: {term.text(lang).summary}" if term else str(term_id))
    if term_lines:
        sections.append(Section(words["terms"], items=tuple(term_lines)))
    references = tuple(str(r) for r in doc.get("references") or ())
    if references:
        sections.append(Section(words["references"], items=references))
    details = [str(doc.get("severity", "")), str(doc.get("category", ""))]
    if doc.get("confidence"):
        details.append(f"{words['confidence']} {doc['confidence']}")
    if doc.get("added_in"):
        details.append(f"{words['added_in']} {doc['added_in']}")
    return Doc(
        title=f"{doc.get('code')} {doc.get('name')}",
        subtitle=f"{words['rule']} · " + " · ".join(d for d in details if d),
        lead=str(doc.get("summary") or ""),
        sections=tuple(sections),
    )


def rule_data(doc: Mapping[str, Any], lang: str) -> dict[str, Any]:
    return {"kind": "rule", "lang": lang, **dict(doc)}


# --------------------------------------------------------------------------------------------------
# The map
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MapScope:
    """Which part of the map to draw: everything, one term's neighbourhood, or only some terms."""

    focus: str | None = None  # a term id: its relations and the terms they reach
    only: frozenset[str] | None = None  # term ids: these terms and the relations among them

    def keeps(self, source: str, target: str) -> bool:
        if self.focus and self.focus not in (source, target):
            return False
        return self.only is None or (source in self.only and target in self.only)


def _edges(glossary: Glossary, scope: MapScope) -> list[tuple[Term, str, Term]]:
    """Edges to draw; a symmetric 'differs_from' pair is drawn once."""
    seen_pairs: set[frozenset[str]] = set()
    out = []
    for src, rel, dst in glossary.relations():
        if not scope.keeps(src.id, dst.id):
            continue
        if rel.kind == "differs_from":
            pair = frozenset((src.id, dst.id))
            if pair in seen_pairs:
                continue
            seen_pairs.add(pair)
        out.append((src, rel.kind, dst))
    return out


def _nodes(glossary: Glossary, edges: Sequence[tuple[Term, str, Term]], scope: MapScope) -> list[Term]:
    if scope.only is not None:
        return [t for t in glossary if t.id in scope.only]
    if not scope.focus:
        return list(glossary)
    wanted = {scope.focus} | {src.id for src, _, _ in edges} | {dst.id for _, _, dst in edges}
    return [t for t in glossary if t.id in wanted]


def _by_category(glossary: Glossary, terms: Iterable[Term]) -> dict[str, list[Term]]:
    grouped: dict[str, list[Term]] = {category: [] for category in glossary.categories}
    for term in terms:
        grouped[term.category].append(term)
    return {category: members for category, members in grouped.items() if members}


def map_tree(glossary: Glossary, lang: str, scope: MapScope = MapScope()) -> Tree:
    from rich.text import Text
    from rich.tree import Tree

    edges = _edges(glossary, scope)
    tree = Tree(Text(ui(lang)["map_title"], style="bold"))
    for category, members in _by_category(glossary, _nodes(glossary, edges, scope)).items():
        branch = tree.add(Text(glossary.category_label(category, lang), style="bold cyan"))
        for term in members:
            node = branch.add(Text.assemble((term.text(lang).name, "bold"), f" ({term.id})"))
            for src, kind, dst in edges:
                if src.id == term.id:
                    node.add(
                        Text.assemble(
                            (glossary.relation_label(kind, lang), "dim"), " → ", _term_ref(dst, lang)
                        )
                    )
    return tree


def _mermaid_id(term_id: str) -> str:
    return term_id.replace("-", "_")


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;")


def map_mermaid(glossary: Glossary, lang: str, scope: MapScope = MapScope()) -> str:
    """A Mermaid flowchart (GitHub renders it in Markdown): one subgraph per category."""
    edges = _edges(glossary, scope)
    lines = ["flowchart LR"]
    for category, members in _by_category(glossary, _nodes(glossary, edges, scope)).items():
        label = _mermaid_label(glossary.category_label(category, lang))
        lines.append(f'  subgraph cat_{_mermaid_id(category)}["{label}"]')
        lines.extend(f'    {_mermaid_id(t.id)}["{_mermaid_label(t.text(lang).name)}"]' for t in members)
        lines.append("  end")
    for src, kind, dst in edges:
        arrow = "-.-" if kind == "differs_from" else "-->"
        label = _mermaid_label(glossary.relation_label(kind, lang))
        lines.append(f"  {_mermaid_id(src.id)} {arrow}|{label}| {_mermaid_id(dst.id)}")
    return "\n".join(lines) + "\n"


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def map_dot(glossary: Glossary, lang: str, scope: MapScope = MapScope()) -> str:
    """Graphviz dot text (`dot -Tsvg`): one cluster per category."""
    edges = _edges(glossary, scope)
    lines = [
        "digraph envadvisor {",
        "  rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for category, members in _by_category(glossary, _nodes(glossary, edges, scope)).items():
        lines.append(f"  subgraph {_dot_quote('cluster_' + category)} {{")
        lines.append(f"    label={_dot_quote(glossary.category_label(category, lang))};")
        lines.extend(f"    {_dot_quote(t.id)} [label={_dot_quote(t.text(lang).name)}];" for t in members)
        lines.append("  }")
    for src, kind, dst in edges:
        style = ", style=dashed, dir=none" if kind == "differs_from" else ""
        lines.append(
            f"  {_dot_quote(src.id)} -> {_dot_quote(dst.id)} "
            f"[label={_dot_quote(glossary.relation_label(kind, lang))}{style}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"
