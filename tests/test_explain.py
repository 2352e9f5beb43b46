"""``envadvisor explain``: terms and rules, both languages, JSON, typos, terminal and pipe output."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from envadvisor.cli import _common, main
from envadvisor.glossary import load_glossary
from envadvisor.render import explain as render
from tests.test_glossary import SEED_TERMS, checks_or_skip

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "NO_COLOR"):
        monkeypatch.delenv(variable, raising=False)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("term_id", SEED_TERMS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_seed_term_is_explained_in_both_languages(
    capsys: pytest.CaptureFixture[str], term_id: str, lang: str
) -> None:
    code, out, err = _run(capsys, "explain", term_id, "--lang", lang)
    assert code == 0 and err == ""
    term = load_glossary().term(term_id)
    assert term is not None
    text = term.text(lang)
    lines = out.splitlines()
    assert lines[0] == text.name
    assert lines[2] == text.summary
    assert f"  {text.what}" in lines
    assert f"  {text.install}" in lines
    for feature in text.features:
        assert f"  - {feature}" in lines
    headings = render.UI[lang]
    for key in ("what", "features", "when", "relations", "install", "references"):
        assert headings[key] in lines
    if lang == "zh":
        assert CJK.search(out)


def test_json_output_has_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "torch", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "term" and data["id"] == "pytorch" and data["lang"] == "en"
    assert data["name"] == "PyTorch"
    assert "torch" in data["aliases"] and "torch" in data["packages"]
    assert {"kind": "accelerated_by", "label": "accelerated by", "target": "cuda", "target_name": "CUDA"} in (
        data["relations"]
    )
    assert any(r["source"] == "conda" and r["kind"] == "installs" for r in data["referenced_by"])
    assert all(ref.startswith("https://") for ref in data["references"])
    assert len(data["features"]) >= 3


def test_json_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "cuDNN", "--json", "--lang", "zh")
    assert code == 0
    data = json.loads(out)
    assert data["lang"] == "zh" and data["id"] == "cudnn"
    assert CJK.search(data["summary"]) and CJK.search(data["what"])
    assert CJK.search(data["relations"][0]["label"])


def test_transformer_is_not_transformers(capsys: pytest.CaptureFixture[str]) -> None:
    _, architecture_out, _ = _run(capsys, "explain", "Transformer", "--json")
    _, library_out, _ = _run(capsys, "explain", "transformers", "--json")
    architecture, library = json.loads(architecture_out), json.loads(library_out)
    assert architecture["id"] == "transformer-architecture"
    assert library["id"] == "transformers"
    assert "Hugging Face" in architecture["contrast"] and "2017" in library["contrast"]
    assert architecture["packages"] == [] and library["packages"] == ["transformers"]


def test_plain_text_shows_how_the_two_differ(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "explain", "transformer")
    assert "How it differs" in out
    assert "not to be confused with → Transformers (Hugging Face library) (transformers)" in out


def test_language_from_the_locale(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    _, out, _ = _run(capsys, "explain", "conda")
    assert "是什么" in out
    _, out, _ = _run(capsys, "explain", "conda", "--lang", "en")
    assert "What it is" in out and "是什么" not in out


def test_unknown_topic_suggests_the_closest_term(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "explain", "pytorh")
    assert code == 2 and out == ""
    assert err == "envadvisor: error: unknown topic 'pytorh' (did you mean pytorch?)\n"


def test_unknown_topic_without_a_close_match(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "explain", "qqqqzzzz")
    assert code == 2
    assert err == "envadvisor: error: unknown topic 'qqqqzzzz' (try: envadvisor explain --list)\n"


def test_missing_topic_and_conflicting_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "explain")
    assert code == 2 and "needs a TOPIC" in err
    code, _, err = _run(capsys, "explain", "cuda", "--list")
    assert code == 2 and "not both" in err
    code, _, err = _run(capsys, "explain", "cuda", "--lang", "fr")
    assert code == 2 and "invalid choice" in err


def test_list_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    glossary = load_glossary()
    code, out, _ = _run(capsys, "explain", "--list")
    assert code == 0
    for term in glossary:
        assert re.search(rf"^{re.escape(term.id)} +{re.escape(term.text('en').name)}: ", out, re.M), term.id
    code, out, _ = _run(capsys, "explain", "--list", "--lang", "zh", "--json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == list(glossary.ids())
    assert all(CJK.search(r["summary"]) for r in rows)


def test_terminal_output_is_rich_and_honours_no_color(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_common, "stdout_is_terminal", lambda stream=None: True)
    _, coloured, _ = _run(capsys, "explain", "nccl")
    assert _colour_codes(coloured) and "NCCL" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    _, plain, _ = _run(capsys, "explain", "nccl")
    # NO_COLOR (no-color.org) removes colour; bold and italic may stay
    assert _colour_codes(plain) == []
    assert "What it is" in plain and "• " in plain


def _colour_codes(text: str) -> list[str]:
    """SGR parameters that set a foreground or background colour."""
    found = []
    for params in re.findall(r"\x1b\[([0-9;]*)m", text):
        numbers = [int(p) for p in params.split(";") if p]
        if any(30 <= n <= 38 or 40 <= n <= 48 or 90 <= n <= 97 or 100 <= n <= 107 for n in numbers):
            found.append(params)
    return found


def test_rich_renderable_wraps_chinese_within_the_width() -> None:
    glossary = load_glossary()
    term = glossary.term("cuda")
    assert term is not None
    console = Console(width=60, record=True, color_system=None, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(render.doc_renderable(render.term_doc(term, glossary, "zh")))
    text = console.export_text()
    assert "是什么" in text
    assert max(console.measure(line).maximum for line in text.splitlines()) <= 60


# --------------------------------------------------------------------------------------------------
# Rules and file lints: documentation from the knowledge base and data/lint.yaml
# --------------------------------------------------------------------------------------------------


def test_every_rule_code_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    for rule in checks_or_skip():
        code, out, err = _run(capsys, "explain", rule.code)
        assert code == 0, err
        lines = out.splitlines()
        assert lines[0] == f"{rule.code} {rule.name}"
        assert rule.severity.value in lines[1] and rule.category.value in lines[1]
        assert lines[2] == rule.summary
        doc = rule.doc("en")  # placeholders in general words: no target is known here
        assert "Why it matters" in lines and f"  {doc['why']}" in lines
        assert len(doc["fix"]) == len(rule.fix)
        for fix in doc["fix"]:
            assert f"  - {fix}" in lines
            assert "{" not in fix, fix
        for term_id in rule.terms:
            assert f"({term_id})" in out


def test_rules_by_name_json_and_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    for rule in checks_or_skip():
        code, out, _ = _run(capsys, "explain", rule.name.upper(), "--json")
        assert code == 0
        data = json.loads(out)
        assert data["kind"] == "rule" and data["code"] == rule.code and data["name"] == rule.name
        assert data["severity"] == rule.severity.value and data["terms"] == list(rule.terms)
        code, out, _ = _run(capsys, "explain", rule.code.lower(), "--lang", "zh")
        assert code == 0 and "为什么重要" in out


def test_a_mistyped_rule_code_is_suggested(capsys: pytest.CaptureFixture[str]) -> None:
    rules = checks_or_skip()
    mistyped = rules[0].name[:-1]  # drop the last letter of a kebab-case name
    if load_glossary().suggest(mistyped):
        pytest.skip("the mistyped name is also close to a term")
    code, _, err = _run(capsys, "explain", mistyped)
    assert code == 2
    assert f"(did you mean {rules[0].name}?)" in err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
def test_any_topic_is_answered_or_refused_in_one_line(capsys: pytest.CaptureFixture[str], topic: str) -> None:
    glossary = load_glossary()
    found = glossary.term(topic)
    assert found is None or found.id in glossary.ids()
    assert all(term_id in glossary.ids() for term_id in glossary.suggest(topic))
    code = main(["explain", "--", topic])
    captured = capsys.readouterr()
    assert code in (0, 2)
    if code == 2:
        assert captured.out == "" and captured.err.count("\n") == 1


@pytest.mark.parametrize("topic", ["hugging face", "Hugging Face", "huggingface", "🤗"])
def test_hugging_face_finds_transformers(capsys: pytest.CaptureFixture[str], topic: str) -> None:
    """People name the library after its company; Transformers is what they mean."""
    code, out, _ = _run(capsys, "explain", topic, "--json")
    assert code == 0 and json.loads(out)["id"] == "transformers"
