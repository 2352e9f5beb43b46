"""``envadvisor map``: the glossary's relations as a tree, Mermaid and Graphviz dot, checked structurally."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from envadvisor.cli import main
from envadvisor.glossary import Glossary, load_glossary
from envadvisor.render import explain as render

DOCS_MAP = Path(__file__).resolve().parent.parent / "docs" / "map.md"

MERMAID_SUBGRAPH = re.compile(r'^  subgraph (cat_[a-z0-9_]+)\["([^"]+)"\]$')
MERMAID_NODE = re.compile(r'^    ([a-z][a-z0-9_]*)\["([^"]+)"\]$')
MERMAID_EDGE = re.compile(r"^  ([a-z][a-z0-9_]*) (-->|-\.-)\|([^|\"]+)\| ([a-z][a-z0-9_]*)$")
DOT_NODE = re.compile(r'^    "([a-z0-9-]+)" \[label="((?:[^"\\]|\\.)+)"\];$')
DOT_EDGE = re.compile(
    r'^  "([a-z0-9-]+)" -> "([a-z0-9-]+)" \[label="((?:[^"\\]|\\.)+)"(, style=dashed, dir=none)?\];$'
)


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return load_glossary()


def _expected_edges(glossary: Glossary) -> set[tuple[str, str, str]]:
    """(source, label, target) for every relation; a symmetric 'differs_from' pair once."""
    edges: set[tuple[str, str, str]] = set()
    for src, rel, dst in glossary.relations():
        if (
            rel.kind == "differs_from"
            and (dst.id, glossary.relation_label("differs_from", "en"), src.id) in edges
        ):
            continue
        edges.add((src.id, glossary.relation_label(rel.kind, "en"), dst.id))
    return edges


def parse_mermaid(text: str) -> tuple[dict[str, str], list[tuple[str, str, str, str]]]:
    """Nodes (id -> label) and edges (source, arrow, label, target); fails on any other line."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str, str]] = []
    depth = 0
    for line in lines[1:]:
        if MERMAID_SUBGRAPH.match(line):
            assert depth == 0, "subgraphs are not nested"
            depth += 1
        elif line == "  end":
            assert depth == 1
            depth -= 1
        elif node := MERMAID_NODE.match(line):
            assert depth == 1, "every node sits in its category"
            assert node.group(1) not in nodes, f"node declared twice: {node.group(1)}"
            assert node.group(1) != "end"  # a reserved word in Mermaid
            nodes[node.group(1)] = node.group(2)
        elif edge := MERMAID_EDGE.match(line):
            assert depth == 0
            edges.append((edge.group(1), edge.group(2), edge.group(3), edge.group(4)))
        else:
            pytest.fail(f"not a Mermaid line this map writes: {line!r}")
    assert depth == 0, "unbalanced subgraph/end"
    return nodes, edges


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_mermaid_declares_every_term_and_every_relation(
    capsys: pytest.CaptureFixture[str], glossary: Glossary, lang: str
) -> None:
    assert main(["map", "--format", "mermaid", "--lang", lang]) == 0
    nodes, edges = parse_mermaid(capsys.readouterr().out)
    assert set(nodes) == {t.id.replace("-", "_") for t in glossary}
    for term in glossary:
        assert nodes[term.id.replace("-", "_")] == term.text(lang).name
    for src, _, _, dst in edges:
        assert src in nodes and dst in nodes
    if lang == "en":
        drawn = {(s.replace("_", "-"), label, d.replace("_", "-")) for s, _, label, d in edges}
        assert drawn == _expected_edges(glossary)
        assert len(edges) == len(drawn)
    differs = [e for e in edges if e[1] == "-.-"]
    assert (
        "transformer_architecture",
        "-.-",
        glossary.relation_label("differs_from", lang),
        "transformers",
    ) in differs


def test_dot_is_balanced_and_complete(capsys: pytest.CaptureFixture[str], glossary: Glossary) -> None:
    assert main(["map", "--format", "dot"]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0] == "digraph envadvisor {" and lines[-1] == "}"
    depth = 0
    nodes: set[str] = set()
    edges: set[tuple[str, str, str]] = set()
    for line in lines:
        unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', line)
        assert unquoted.count('"') % 2 == 0, f"unbalanced quotes: {line!r}"
        depth += unquoted.count("{") - unquoted.count("}")
        assert depth >= 0
        if node := DOT_NODE.match(line):
            nodes.add(node.group(1))
        elif edge := DOT_EDGE.match(line):
            edges.add((edge.group(1), edge.group(3), edge.group(2)))
    assert depth == 0
    assert nodes == set(glossary.ids())
    assert edges == _expected_edges(glossary)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("core", [False, True])
def test_dot_renders_with_graphviz_when_installed(glossary: Glossary, lang: str, core: bool) -> None:
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz 'dot' is not installed")
    scope = render.MapScope(only=frozenset(glossary.core)) if core else render.MapScope()
    result = subprocess.run(
        [dot, "-Tsvg"],
        input=render.map_dot(glossary, lang, scope),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[:500]
    assert "<svg" in result.stdout and "PyTorch" in result.stdout


def test_labels_with_quotes_are_escaped(glossary: Glossary) -> None:
    assert render._mermaid_label('say "hi"') == "say #quot;hi#quot;"
    assert render._dot_quote('a "b" \\ c') == '"a \\"b\\" \\\\ c"'


def test_tree_in_the_terminal(capsys: pytest.CaptureFixture[str], glossary: Glossary) -> None:
    assert main(["map"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("How the components relate\n")
    for term in glossary:
        assert f"{term.text('en').name} ({term.id})" in out
    assert "accelerated by → CUDA (cuda)" in out
    assert "implements → Transformer (architecture) (transformer-architecture)" in out
    assert "├── " in out and "└── " in out


def test_tree_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("组件之间的关系\n")
    assert "深度学习框架" in out and "借助其加速 → CUDA (cuda)" in out


def test_focus_on_one_term(capsys: pytest.CaptureFixture[str], glossary: Glossary) -> None:
    assert main(["map", "Transformer", "--format", "mermaid"]) == 0
    nodes, edges = parse_mermaid(capsys.readouterr().out)
    assert all("transformer_architecture" in (src, dst) for src, _, _, dst in edges)
    assert set(nodes) == {"transformer_architecture"} | {s for s, *_ in edges} | {e[3] for e in edges}
    assert "transformers" in nodes and "pytorch" not in nodes


def test_unknown_term_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", "cudaa"]) == 2
    assert capsys.readouterr().err == "envadvisor: error: unknown term 'cudaa' (did you mean cuda?)\n"
    assert main(["map", "--format", "png"]) == 2


def test_docs_map_is_current(glossary: Glossary) -> None:
    """docs/map.md carries the Mermaid picture; regenerate it with `envadvisor map --format mermaid`."""
    blocks = re.findall(r"```mermaid\n(.*?)```", DOCS_MAP.read_text(encoding="utf-8"), re.S)
    core = render.MapScope(only=frozenset(glossary.core))
    assert blocks == [
        render.map_mermaid(glossary, "en", core),
        render.map_mermaid(glossary, "en"),
        render.map_mermaid(glossary, "zh", core),
    ]


def test_core_map_holds_the_seed_components(capsys: pytest.CaptureFixture[str], glossary: Glossary) -> None:
    assert main(["map", "--core", "--format", "mermaid"]) == 0
    nodes, edges = parse_mermaid(capsys.readouterr().out)
    seed = {"pytorch", "tensorflow", "transformer_architecture", "transformers", "anaconda", "conda", "cuda"}
    assert seed <= set(nodes) == {t.replace("-", "_") for t in glossary.core}
    assert all(src in nodes and dst in nodes for src, _, _, dst in edges)
    expected = {(s, label, d) for s, label, d in _expected_edges(glossary) if {s, d} <= set(glossary.core)}
    assert {(s.replace("_", "-"), label, d.replace("_", "-")) for s, _, label, d in edges} == expected
    assert main(["map", "--core", "cudnn"]) == 2
