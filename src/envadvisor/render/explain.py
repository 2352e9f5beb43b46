"""Formatters for ``explain``, ``map`` and ``why``: they return text, data or rich renderables; never print.

A term or rule explanation is first built as a :class:`Doc` (a title, a subtitle and headed sections), and
that one structure becomes rich text for a terminal, plain text for a pipe, or JSON-ready data, so the
three outputs never drift apart. The map comes as a rich tree, Mermaid text or Graphviz dot text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from envadvisor.glossary import Glossary, Term
from envadvisor.records import field, record

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
        "summary": "简介",
        "more": "用 `envadvisor explain 术语` 查看单个条目;`envadvisor map` 可画出关系图。",
    },
}


def ui(lang: str) -> dict[str, str]:
    return UI.get(lang, UI["en"])


def colon(lang: str) -> str:
    """The separator after a label: a full-width colon in Chinese."""
    return "：" if lang == "zh" else ": "


# --------------------------------------------------------------------------------------------------
# One explanation, three outputs
# --------------------------------------------------------------------------------------------------


@record
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()  # shown as a bulleted list


@record
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
    """The explanation for a terminal: it wraps at words to the terminal's width (CJK between
    characters), long paths shortened in the middle, and list items hang under their text."""
    from rich.console import Group
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from envadvisor.render.wrap import Wrap

    parts: list[RenderableType] = [
        Wrap(doc.title, style="bold"),
        Wrap(doc.subtitle, style="dim"),
        Wrap(_styled(doc.lead, "italic")),
    ]
    for section in doc.sections:
        parts.append(Text(""))
        parts.append(Wrap(section.heading, style="bold cyan"))
        for paragraph in section.paragraphs:
            parts.append(Padding(Wrap(_styled(paragraph)), (0, 0, 0, 2)))
        if section.items:
            bullets = Table.grid(padding=(0, 1, 0, 0))  # wrapped lines hang under the text, not the bullet
            bullets.add_column(no_wrap=True)
            bullets.add_column()
            for item in section.items:
                bullets.add_row("•", Wrap(_styled(item)))
            parts.append(Padding(bullets, (0, 0, 0, 2)))
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
        lines = (
            f"{_term_ref(src, lang)}{colon(lang)}{glossary.relation_label(kind, lang)}"
            for src, kind in incoming
        )
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
    sep = colon(lang)
    lines.extend(f"{t.id.ljust(width)}  {t.text(lang).name}{sep}{t.text(lang).summary}" for t in glossary)
    lines += ["", words["more"]]
    return "\n".join(lines) + "\n"


def term_list_renderable(glossary: Glossary, lang: str) -> RenderableType:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from envadvisor.render.wrap import Wrap

    words = ui(lang)
    table = Table(show_lines=False)
    table.add_column(words["id"], style="bold", no_wrap=True)
    table.add_column(words["summary"])
    for t in glossary:
        table.add_row(
            t.id, Wrap(Text.assemble((t.text(lang).name, "bold cyan"), colon(lang), t.text(lang).summary))
        )
    return Group(
        Wrap(words["list_title"].format(count=len(glossary)), style="italic"),
        table,
        Wrap(_styled(words["more"])),
    )


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
        term_lines.append(
            f"{_term_ref(term, lang)}{colon(lang)}{term.text(lang).summary}" if term else str(term_id)
        )
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


RULES_UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "{count} rules · tables checked {date}",
        "plain_title": "{count} rules; compatibility tables checked {date}",
        "code": "code",
        "severity": "severity",
        "category": "category",
        "name": "name",
        "summary": "summary",
        "rule": "rule",
        "more": "envadvisor explain CODE prints one rule's documentation.",
    },
    "zh": {
        "title": "共 {count} 条规则 · 知识表核对日期 {date}",
        "plain_title": "共 {count} 条规则；兼容性数据表核对日期 {date}",
        "code": "编号",
        "severity": "级别",
        "category": "类别",
        "name": "名称",
        "summary": "简介",
        "rule": "规则",
        "more": "用 envadvisor explain 编号 查看单条规则的说明。",
    },
}
SEVERITY_WORDS: dict[str, dict[str, str]] = {
    "en": {"error": "error", "warning": "warning", "info": "info"},
    "zh": {"error": "错误", "warning": "警告", "info": "提示"},
}
_SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
# the rules listing keeps its category column from this many columns up
RULES_WIDE_COLUMNS = 120


class RulesView:
    """``envadvisor rules`` on a terminal: a table with every column where there is room; narrower,
    the code and severity beside the name, with the summary under the name."""

    def __init__(self, listing: Mapping[str, Any], lang: str) -> None:
        self.listing = listing
        self.lang = lang

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.table import Table
        from rich.text import Text

        from envadvisor.render.wrap import Wrap

        words = RULES_UI.get(self.lang, RULES_UI["en"])
        severities = SEVERITY_WORDS.get(self.lang, SEVERITY_WORDS["en"])
        yield Wrap(
            words["title"].format(count=self.listing["count"], date=self.listing["tables_checked"]),
            style="bold",
        )
        wide = options.max_width >= RULES_WIDE_COLUMNS
        table = Table(show_lines=False)
        table.add_column(words["code"], no_wrap=True)
        table.add_column(words["severity"], no_wrap=True)
        if wide:
            table.add_column(words["category"])
            table.add_column(words["name"])
        table.add_column(words["summary"] if wide else f"{words['name']} · {words['summary']}")
        for rule in self.listing["rules"]:
            severity = Text(
                severities.get(rule["severity"], rule["severity"]),
                style=_SEVERITY_STYLES.get(rule["severity"], ""),
            )
            if wide:
                table.add_row(
                    Text(rule["code"]),
                    severity,
                    Wrap(rule["category"]),
                    Wrap(rule["name"]),
                    Wrap(rule["summary"]),
                )
            else:
                about = Text.assemble((rule["name"], "bold"), "\n", rule["summary"])
                table.add_row(Text(rule["code"]), severity, Wrap(about))
        yield table
        yield Wrap(words["more"], style="dim")


def rules_text(listing: Mapping[str, Any], lang: str) -> str:
    """The listing for a pipe: one line a rule, for grep."""
    words = RULES_UI.get(lang, RULES_UI["en"])
    severities = SEVERITY_WORDS.get(lang, SEVERITY_WORDS["en"])
    lines = [words["plain_title"].format(count=listing["count"], date=listing["tables_checked"])]
    for r in listing["rules"]:
        severity = severities.get(r["severity"], r["severity"])
        lines.append(f"{r['code']}  {severity:<7}  {r['category']:<26}  {r['name']}: {r['summary']}")
    return "\n".join(lines) + "\n"


def rule_data(doc: Mapping[str, Any], lang: str) -> dict[str, Any]:
    return {"kind": "rule", "lang": lang, **dict(doc)}


# --------------------------------------------------------------------------------------------------
# The map
# --------------------------------------------------------------------------------------------------


@record
class MapScope:
    """Which part of the map to draw: everything, one term's neighbourhood, or only some terms."""

    focus: str | None = None  # a term id: its relations and the terms they reach
    only: frozenset[str] | None = None  # term ids: these terms and the relations among them

    def keeps(self, source: str, target: str) -> bool:
        if self.focus and self.focus not in (source, target):
            return False
        return self.only is None or (source in self.only and target in self.only)


EVERYTHING = MapScope()  # the whole map (a record is immutable: safe as a default)


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


def map_tree(glossary: Glossary, lang: str, scope: MapScope = EVERYTHING) -> Tree:
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


def map_mermaid(glossary: Glossary, lang: str, scope: MapScope = EVERYTHING) -> str:
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


def map_dot(glossary: Glossary, lang: str, scope: MapScope = EVERYTHING) -> str:
    """Graphviz dot text (`dot -Tsvg`): one cluster per category."""
    edges = _edges(glossary, scope)
    lines = [
        "digraph envadvisor {",
        "  rankdir=LR;",
        "  newrank=true;",  # rank across clusters: Graphviz 2.43 can fail without it ("trouble in init_rank")
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


# --------------------------------------------------------------------------------------------------
# why: the chain from what the user asked for down to one dependency
# --------------------------------------------------------------------------------------------------

WHY_UI: dict[str, dict[str, str]] = {
    "en": {
        "from_proposal": "proposed by envadvisor",
        "line": "line",
        "why": "Why it is here",
        "chain": "Chain (this line <- what asked for it)",
        "chosen_by": "Chosen by (rules and table rows)",
        "what": "What it is",
        "target": "Target",
        "wants": "Asked for",
        "proposal": "What envadvisor would write",
        "same": "the same line",
        "absent": "envadvisor would not add it for {wants} on this target",
        "no_proposal": "no proposal to compare with: {reason}",
        "asked": '"{want}" (asked for)',
        "needs": ', which needs "{needs}"',
        "environment": "the environment itself (every environment has it)",
        "on": "{node} on {target}",
        "explain": "more: envadvisor explain {term}",
        "via_pip": "{spec} via pip",
        "this_file": "this file",
        "on_channel": "{spec} on {channel}",
        "unknown_term": "not in the glossary",
        "arrives": "No line of the environment names it: it comes with {bringer} ({via}){version}.",
        "arrives_version": ", at {version}",
        "arrives_line": "{spec} (comes with {bringer})",
        "via_requires_dist": "{table} {release}'s Requires-Dist on PyPI",
        "via_variant": "the {variant} wheel's Requires-Dist",
        "via_run_exports": "conda-forge pytorch {release}, CUDA build: the run_exports of its host "
        "requirement {host}",
        "via_run": "conda-forge pytorch {release}, CUDA build: a run requirement",
        "built_for_cuda": "{version} (a build for cuda-version {cuda})",
        "pinned_by_cuda": "{version} (cuda-version={cuda} pins it)",
        "no_cuda_line": "its version follows the environment's cuda-version, which no line pins",
        "variant_unknown": "the {variant} wheel from download.pytorch.org pins its own version, which the "
        "tables do not hold; PyPI's torch {release} pins {pypi_pin}",
        "version": "Version",
        "target_from_header": "{target} (read from the file's header: no target was given)",
        "listing_title": "What envadvisor propose would write for {wants}",
        "listing_nothing_asked": "no packages (name them as for propose: envadvisor why --for pytorch)",
        "listing_more": "One line: envadvisor why PACKAGE; what a line brings along: envadvisor why cudnn",
    },
    "zh": {
        "from_proposal": "由 envadvisor 提议",
        "line": "第",
        "why": "为什么需要它",
        "chain": "依赖链（本行 <- 引入它的需求）",
        "chosen_by": "选择依据（规则与数据表条目）",
        "what": "它是什么",
        "target": "目标机器",
        "wants": "你要求的包",
        "proposal": "envadvisor 会写成",
        "same": "与此行相同",
        "absent": "针对 {wants}，envadvisor 不会在这台目标机器上加入它",
        "no_proposal": "没有可对照的提议：{reason}",
        "asked": "“{want}”（你要求的）",
        "needs": "，它需要“{needs}”",
        "environment": "环境本身（每个环境都需要）",
        "on": "{node}，目标机器：{target}",
        "explain": "详见：envadvisor explain {term}",
        "via_pip": "{spec}（pip 安装）",
        "this_file": "本文件",
        "on_channel": "{spec}（来自 {channel}）",
        "unknown_term": "术语表中没有这一项",
        "arrives": "环境中没有哪一行写着它：它随 {bringer} 一起安装（{via}）{version}。",
        "arrives_version": "，版本 {version}",
        "arrives_line": "{spec}（随 {bringer} 安装）",
        "via_requires_dist": "PyPI 上 {table} {release} 的 Requires-Dist",
        "via_variant": "{variant} wheel 的 Requires-Dist",
        "via_run_exports": "conda-forge 的 pytorch {release} CUDA 构建：来自其构建依赖 {host} 的 run_exports",
        "via_run": "conda-forge 的 pytorch {release} CUDA 构建：运行依赖",
        "built_for_cuda": "{version}（针对 cuda-version {cuda} 的构建）",
        "pinned_by_cuda": "{version}（由 cuda-version={cuda} 锁定）",
        "no_cuda_line": "它的版本随环境的 cuda-version 而定，而没有哪一行固定了 cuda-version",
        "variant_unknown": "download.pytorch.org 上的 {variant} wheel 自己固定版本，数据表中没有；"
        "PyPI 上的 torch {release} 固定的是 {pypi_pin}",
        "version": "版本",
        "target_from_header": "{target}（取自文件头部：没有指定目标机器）",
        "listing_title": "envadvisor propose 针对 {wants} 会写出的环境",
        "listing_nothing_asked": "没有指定包（与 propose 一样传入：envadvisor why 包名 --for pytorch）",
        "listing_more": "单独一行：envadvisor why 包名；某一行带来的包：envadvisor why cudnn、nccl …",
    },
}


@record
class WhyAnswer:
    """Why one dependency is in an environment: the proposal's decision record, or a file line."""

    package: str  # as the user asked
    spec: str  # the line
    source: str  # conda | pip
    origin: str  # "proposal" or the file's path
    line_number: int | None
    wants: tuple[str, ...]
    target: str
    why: str | None = None
    chain: tuple[str, ...] = ()  # from this line back to what asked for it
    based_on: tuple[str, ...] = ()
    term: Term | None = None
    proposed: str | None = None  # file mode: the line envadvisor would write for this package
    remark: str | None = None  # file mode: how the file's line compares with the proposal
    arrives_with: str | None = None  # not a line: the line that brings it (torch==2.13.0)
    version_note: str | None = None  # not a line: what decides its version, or why it is not known


def describe_target(target: Any, lang: str = "en") -> str:
    """The target in one line: OS and glibc, GPUs, and the newest CUDA the driver supports.

    ``Linux x86_64, glibc 2.39, NVIDIA H200 (compute capability 9.0), driver 580.159.04 supports
    CUDA <= 13.0``; in Chinese ``Linux x86_64，glibc 2.39，NVIDIA H200（计算能力 9.0），驱动 580.159.04
    最高支持 CUDA 13.0``.
    """
    if lang == "zh":
        return _describe_target_zh(target)
    parts = [target.describe(), target.describe_gpus()]
    if target.gpus:
        if target.driver_cuda:
            parts.append(
                f"driver {target.driver or '(version unknown)'} supports CUDA <= {target.driver_cuda}"
            )
        else:
            parts.append(f"driver {target.describe_driver()}")
    return ", ".join(parts)


def _describe_target_zh(target: Any) -> str:
    os_name = {"linux": "Linux", "windows": "Windows", "macos": "macOS"}.get(target.system, target.system)
    machine = f"{os_name} {target.arch}" + ("（WSL2）" if target.wsl else "")
    parts = [machine]
    if target.glibc:
        parts.append(f"glibc {target.glibc}")
    if not target.gpus:
        parts.append("没有 NVIDIA GPU")
    else:
        counts: dict[tuple[str | None, str], int] = {}
        for gpu in target.gpus:
            counts[(gpu.name, gpu.compute_capability)] = counts.get((gpu.name, gpu.compute_capability), 0) + 1
        for (name, cc), n in counts.items():
            label = f"{n} x {name or 'NVIDIA GPU'}" if n > 1 else (name or "NVIDIA GPU")
            parts.append(f"{label}（计算能力 {cc}）")
        driver = target.driver or "（版本未知）"
        parts.append(
            f"驱动 {driver} 最高支持 CUDA {target.driver_cuda}" if target.driver_cuda else f"驱动 {driver}"
        )
    return "，".join(parts)


def _key(name: str) -> str:
    from envadvisor.model import canonical_name

    return canonical_name(name.split("[", 1)[0])


def find_dependency(proposal: Any, package: str, glossary: Glossary) -> Any | None:
    """The proposal's line for ``package``: by name first, then by glossary term (torch ~ pytorch-gpu)."""
    return _by_name_or_role([d for d in proposal.dependencies if d.kind == "package"], package, glossary)


def _by_name_or_role(items: Sequence[Any], package: str, glossary: Glossary) -> Any | None:
    """The first item (anything with a ``name``) named ``package``, else one that plays its role."""
    for item in items:
        if _key(item.name) == _key(package):
            return item
    same_role = _same_role(glossary, package)
    for item in items:
        term = glossary.for_package(item.name)
        if term is not None and term.id in same_role:
            return item
    return None


def _same_role(glossary: Glossary, package: str) -> set[str]:
    """Terms that play the package's role in a file: its own, and those joined by 'selects'.

    ``pytorch-gpu`` selects ``pytorch``, so a file's ``pytorch==2.5.1`` or ``pytorch-cuda=12.4`` line
    is the line where envadvisor writes ``pytorch-gpu=2.13.*``.
    """
    asked = glossary.for_package(package)
    if asked is None:
        return set()
    out = {asked.id}
    for src, rel, dst in glossary.relations():
        if rel.kind == "selects" and asked.id in (src.id, dst.id):
            out |= {src.id, dst.id}
    return out


def _line_label(dep: Any, proposal: Any, lang: str) -> str:
    words = WHY_UI[lang]
    if dep.source == "pip":
        return words["via_pip"].format(spec=dep.spec)
    channel = proposal.channels[0] if proposal.channels else "conda"
    return words["on_channel"].format(spec=dep.spec, channel=channel)


def chain_of(
    dep: Any, proposal: Any, lang: str, label: Callable[[Any], str | None] | None = None
) -> tuple[str, ...]:
    """This line, then each line that brought it in, then what the user asked for, on which target.

    ``Dependency.chain`` runs from the wanted package to this line (``("pytorch", "cuda-version")``);
    each step is shown as the line of the file that stands for it (``pytorch-gpu=2.13.*``). ``label``
    may name a step differently (a user's file shows its own line for the same package).
    """
    words = WHY_UI[lang]
    target = describe_target(proposal.target, lang)
    chain = tuple(dep.chain) or (dep.name,)

    def show(line: Any) -> str:
        return (label(line) if label else None) or _line_label(line, proposal, lang)

    nodes = [show(dep)]
    if _key(chain[0]) == _key(dep.name):  # the line is itself what was asked for (accelerate -> pytorch)
        head = words["asked"].format(want=chain[0]) if chain[0] in proposal.wants else words["environment"]
        if len(chain) > 1 and chain[0] in proposal.wants:
            head += words["needs"].format(needs='", "'.join(chain[1:]))
        nodes.append(words["on"].format(node=head, target=target))
        return tuple(nodes)
    ancestors = chain[:-1] if _key(chain[-1]) == _key(dep.name) else chain
    seen = {id(dep)}
    for depth in range(len(ancestors), 0, -1):
        parent = _line_for(proposal, ancestors[:depth])
        if parent is not None and id(parent) not in seen:
            seen.add(id(parent))
            nodes.append(show(parent))
    want = chain[0]
    head = words["asked"].format(want=want) if want in proposal.wants else words["environment"]
    nodes.append(words["on"].format(node=head, target=target))
    return tuple(nodes)


def _line_for(proposal: Any, prefix: tuple[str, ...]) -> Any | None:
    """The package line that stands for a step of a chain: same chain, else the line for that name."""
    lines = [d for d in proposal.dependencies if d.kind == "package"]
    tests: list[Callable[[Any], bool]] = [
        lambda d: tuple(d.chain) == prefix,
        lambda d: tuple(d.chain) == (prefix[-1],),
        lambda d: _key(d.name) == _key(prefix[-1]),
    ]
    for test in tests:
        for dep in lines:
            if test(dep):
                return dep
    return None


def why_from_proposal(package: str, proposal: Any, glossary: Glossary, lang: str) -> WhyAnswer | None:
    dep = find_dependency(proposal, package, glossary)
    if dep is None:
        return None
    return WhyAnswer(
        package=package,
        spec=dep.spec,
        source=dep.source,
        origin="proposal",
        line_number=None,
        wants=tuple(proposal.wants),
        target=describe_target(proposal.target, lang),
        why=_said(dep.why, lang),
        chain=chain_of(dep, proposal, lang),
        based_on=tuple(dep.based_on),
        term=glossary.for_package(dep.name),
    )


def why_doc(answer: WhyAnswer, lang: str) -> Doc:
    words = WHY_UI[lang]
    where = words["from_proposal"] if answer.origin == "proposal" else answer.origin
    if answer.line_number is not None:
        where += f", {words['line']} {answer.line_number}" if lang == "en" else f" 第 {answer.line_number} 行"
    sections: list[Section] = []
    if answer.why:
        sections.append(Section(words["why"], paragraphs=(answer.why,)))
    if answer.chain:
        sections.append(Section(words["chain"], paragraphs=(" <- ".join(answer.chain),)))
    if answer.based_on:
        sections.append(Section(words["chosen_by"], items=answer.based_on))
    if answer.version_note:
        sections.append(Section(words["version"], paragraphs=(answer.version_note,)))
    if answer.proposed is not None or answer.remark:
        text = answer.proposed or ""
        if answer.remark:
            text = f"{text} ({answer.remark})" if text else answer.remark
        sections.append(Section(words["proposal"], paragraphs=(text,)))
    if answer.term is not None:
        term_text = answer.term.text(lang)
        sections.append(
            Section(
                words["what"],
                paragraphs=(
                    f"{term_text.name}{colon(lang)}{term_text.summary}",
                    words["explain"].format(term=answer.term.id),
                ),
            )
        )
    else:
        sections.append(Section(words["what"], paragraphs=(words["unknown_term"],)))
    sections.append(Section(words["target"], paragraphs=(answer.target,)))
    if answer.wants:
        sections.append(Section(words["wants"], paragraphs=(", ".join(answer.wants),)))
    lead = answer.term.text(lang).summary if answer.term is not None else (answer.why or "")
    return Doc(title=answer.spec, subtitle=f"{answer.source} · {where}", lead=lead, sections=tuple(sections))


def why_data(answer: WhyAnswer, lang: str) -> dict[str, Any]:
    term = answer.term
    return {
        "package": answer.package,
        "lang": lang,
        "spec": answer.spec,
        "source": answer.source,
        "origin": answer.origin,
        "line": answer.line_number,
        "why": answer.why,
        "chain": list(answer.chain),
        "based_on": list(answer.based_on),
        "term": None
        if term is None
        else {"id": term.id, "name": term.text(lang).name, "summary": term.text(lang).summary},
        "proposed": answer.proposed,
        "remark": answer.remark,
        "arrives_with": answer.arrives_with,
        "version_note": answer.version_note,
        "target": answer.target,
        "wants": list(answer.wants),
    }


@record
class FileLine:
    name: str
    spec: str
    source: str  # conda | pip
    line: int | None


_CONDA_NAME_RE = re.compile(r"^(?:[^:\s]+::)?([A-Za-z0-9_][A-Za-z0-9_.\-]*)")
_PIP_NAME_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._\-]*)")


def file_lines(envfile: Any) -> list[FileLine]:
    """The package lines of a parsed environment.yml (pip options such as --extra-index-url left out)."""
    out = []
    for entry in envfile.conda:
        match = _CONDA_NAME_RE.match(entry.text.strip())
        if match:
            out.append(FileLine(match.group(1), entry.text.strip(), "conda", entry.line))
    for entry in envfile.pip:
        text = entry.text.strip()
        match = None if text.startswith("-") else _PIP_NAME_RE.match(text)
        if match:
            out.append(FileLine(match.group(1), text, "pip", entry.line))
    return out


def find_file_line(lines: Sequence[FileLine], package: str, glossary: Glossary) -> FileLine | None:
    """The file's line for ``package``: by name first, then by glossary term (torch ~ pytorch)."""
    found: FileLine | None = _by_name_or_role(lines, package, glossary)
    return found


def why_from_file(
    line: FileLine,
    lines: Sequence[FileLine],
    path: str,
    proposal: Any | None,
    no_proposal_reason: str | None,
    glossary: Glossary,
    lang: str,
) -> WhyAnswer:
    """A file's line explained: its glossary role and, when envadvisor would write it too, the decision."""
    words = WHY_UI[lang]
    base = WhyAnswer(
        package=line.name,
        spec=line.spec,
        source=line.source,
        origin=path,
        line_number=line.line,
        wants=tuple(proposal.wants) if proposal is not None else (),
        target=describe_target(proposal.target, lang) if proposal is not None else "",
        term=glossary.for_package(line.name),
    )
    if proposal is None:
        return _replace(base, remark=words["no_proposal"].format(reason=no_proposal_reason or "?"))
    dep = find_dependency(proposal, line.name, glossary)
    if dep is None:
        return _replace(base, remark=words["absent"].format(wants=", ".join(proposal.wants) or "-"))
    same = " ".join(dep.spec.split()) == " ".join(line.spec.split()) and dep.source == line.source

    def in_this_file(step: Any) -> str | None:
        """A step of the proposal's chain as the file writes it, when the file has that package."""
        own = line if step is dep else find_file_line(lines, step.name, glossary)
        return None if own is None else f"{own.spec} ({own.source}, {words['this_file']})"

    chain = chain_of(dep, proposal, lang, in_this_file)
    if same:
        why = _said(dep.why, lang)
        return _replace(base, why=why, chain=chain, based_on=tuple(dep.based_on), remark=words["same"])
    # the file says something else: the decision record explains envadvisor's line, not this one
    proposed = f"{dep.spec} ({dep.source}){colon(lang)}{_said(dep.why, lang)}"
    return _replace(base, chain=chain, proposed=proposed)


def _said(why: Any, lang: str) -> str:
    """A proposal's reason (a phrase, :mod:`envadvisor.propose.phrases`) in ``lang``."""
    from envadvisor.propose.phrases import render

    return render(why, lang)


def _replace(answer: WhyAnswer, **changes: Any) -> WhyAnswer:
    from envadvisor.records import replace

    return replace(answer, **changes)


def _arrival_spec(arrival: Any) -> str:
    version = arrival.version or ""
    return f"{arrival.package}{version}" if version[:1] in "=<>~!" else f"{arrival.package} {version}".strip()


def _arrival_version(arrival: Any, lang: str) -> str | None:
    """The version as the reader is told it: with what it follows, or why it is not known."""
    words = WHY_UI[lang]
    if arrival.follows == "no_cuda_line":
        return None
    if arrival.version and arrival.follows in ("built_for_cuda", "pinned_by_cuda"):
        return str(words[arrival.follows].format(version=arrival.version, cuda=arrival.cuda))
    return str(arrival.version) if arrival.version else None


def _arrival_note(arrival: Any, lang: str) -> str | None:
    words = WHY_UI[lang]
    if arrival.follows == "no_cuda_line":
        return words["no_cuda_line"]
    if arrival.version is None and arrival.variant:
        return words["variant_unknown"].format(
            variant=arrival.variant, release=arrival.release, pypi_pin=arrival.pypi_pin
        )
    return None


def _arrival_why(arrival: Any, lang: str) -> str:
    words = WHY_UI[lang]
    if arrival.how == "requires_dist":
        via = (
            words["via_variant"].format(variant=arrival.variant)
            if arrival.variant
            else words["via_requires_dist"].format(table=arrival.table, release=arrival.release)
        )
    else:
        via = words[f"via_{arrival.how}"].format(release=arrival.release, host=arrival.host)
    version = _arrival_version(arrival, lang)
    said = words["arrives_version"].format(version=version) if version else ""
    return words["arrives"].format(bringer=arrival.bringer, via=via, version=said)


def why_from_arrival(package: str, arrival: Any, proposal: Any, glossary: Glossary, lang: str) -> WhyAnswer:
    """A package no line of the proposal names, explained through the line that brings it."""
    words = WHY_UI[lang]
    spec = _arrival_spec(arrival)
    bringer = next(
        (d for d in proposal.dependencies if d.kind == "package" and d.spec.strip() == arrival.bringer), None
    )
    chain: tuple[str, ...] = (words["arrives_line"].format(spec=spec, bringer=arrival.bringer),)
    if bringer is not None:
        chain += chain_of(bringer, proposal, lang)
    return WhyAnswer(
        package=package,
        spec=spec,
        source=arrival.source,
        origin="proposal",
        line_number=None,
        wants=tuple(proposal.wants),
        target=describe_target(proposal.target, lang),
        why=_arrival_why(arrival, lang),
        chain=chain,
        based_on=(arrival.reference,),
        term=glossary.for_package(arrival.package.split(" ", 1)[0]) or glossary.for_package(package),
        version_note=_arrival_note(arrival, lang),
        arrives_with=arrival.bringer,
    )


def why_arrival_in_file(
    package: str,
    arrival: Any,
    lines: Sequence[FileLine],
    path: str,
    target: str,
    glossary: Glossary,
    lang: str,
) -> WhyAnswer:
    """A package no line of the file names, explained through the file's line that brings it."""
    words = WHY_UI[lang]
    spec = _arrival_spec(arrival)
    line = next((item for item in lines if item.spec.strip() == arrival.bringer), None)
    chain: tuple[str, ...] = (words["arrives_line"].format(spec=spec, bringer=arrival.bringer),)
    if line is not None:
        chain += (f"{line.spec} ({line.source}, {words['this_file']})",)
    return WhyAnswer(
        package=package,
        spec=spec,
        source=arrival.source,
        origin=path,
        line_number=line.line if line is not None else None,
        wants=(),
        target=target,
        why=_arrival_why(arrival, lang),
        chain=chain,
        based_on=(arrival.reference,),
        term=glossary.for_package(arrival.package.split(" ", 1)[0]) or glossary.for_package(package),
        version_note=_arrival_note(arrival, lang),
        arrives_with=arrival.bringer,
    )


def proposal_listing_doc(proposal: Any, lang: str) -> Doc:
    """``why`` with no package: every line of the environment ``propose`` would write, with its why."""
    words = WHY_UI[lang]
    wants = ", ".join(proposal.wants) if proposal.wants else words["listing_nothing_asked"]
    items = tuple(
        f"{_line_label(d, proposal, lang)}{colon(lang)}{_said(d.why, lang)}"
        for d in proposal.dependencies
        if d.kind == "package"
    )
    sections = (
        Section(words["proposal"], items=items),
        Section(words["target"], paragraphs=(describe_target(proposal.target, lang),)),
    )
    return Doc(
        title=words["listing_title"].format(wants=wants),
        subtitle=words["from_proposal"],
        lead=words["listing_more"],
        sections=sections,
    )


def proposal_listing_data(proposal: Any, lang: str) -> dict[str, Any]:
    return {
        "lang": lang,
        "wants": list(proposal.wants),
        "target": describe_target(proposal.target),
        "lines": [
            {
                "spec": d.spec,
                "source": d.source,
                "why": _said(d.why, lang),
                "chain": list(d.chain),
                "based_on": list(d.based_on),
            }
            for d in proposal.dependencies
            if d.kind == "package"
        ],
    }
