"""The rule catalogue: unique codes and names, complete documentation, real references and terms."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from envadvisor.conditions import is_fact_key, template_placeholders
from envadvisor.knowledge import Knowledge, load_knowledge
from envadvisor.model import Category, Severity
from envadvisor.remedies import REMEDIES
from envadvisor.resources import data_dir, load_yaml_text

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


def test_codes_and_names_are_unique_and_well_formed(knowledge: Knowledge) -> None:
    codes = [r.code for r in knowledge.rules]
    names = [r.name for r in knowledge.rules]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"EA\d{3}", c) for c in codes)
    assert all(re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", n) for n in names)
    assert len(knowledge.rules) >= 60


def test_every_documentation_field_is_filled(knowledge: Knowledge) -> None:
    for r in knowledge.rules:
        assert isinstance(r.severity, Severity) and isinstance(r.category, Category)
        for text in (r.summary, r.message, r.why, r.added_in):
            assert text.strip(), r.code
        assert r.fix and all(step.strip() for step in r.fix), r.code
        assert r.references and r.terms, r.code
        assert not template_placeholders(r.summary), f"{r.code}: a summary is static text"
        assert r.confidence in ("high", "medium", "low")


def test_every_rule_has_chinese_text(knowledge: Knowledge) -> None:
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for r in knowledge.rules:
        for field in ("summary", "message", "why"):
            assert cjk.search(str(r.zh.get(field, ""))), f"{r.code}: zh.{field}"
        # The Chinese message fills the same facts as the English one.
        assert set(template_placeholders(r.zh["message"])) == set(template_placeholders(r.message)), r.code


_URL_RE = re.compile(r"https://[^\s（），。；]+")


def _urls(text: str) -> set[str]:
    return {u.rstrip(".,;)") for u in _URL_RE.findall(text)}


def test_chinese_text_mirrors_the_english(knowledge: Knowledge) -> None:
    """`--lang zh` shows the zh block whole: each field exists, the fix has the same steps in the same
    order, and every text fills the same placeholders and cites the same URLs as its English original."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    for r in knowledge.rules:
        for field in ("summary", "message", "why"):
            zh_text = str(r.zh.get(field, ""))
            assert cjk.search(zh_text), f"{r.code}: zh.{field}"
            english = str(getattr(r, field))
            assert set(template_placeholders(zh_text)) == set(template_placeholders(english)), (r.code, field)
        zh_fix = r.zh.get("fix")
        assert isinstance(zh_fix, list), f"{r.code}: zh.fix is missing"
        assert len(zh_fix) == len(r.fix), f"{r.code}: zh.fix has {len(zh_fix)} steps, fix has {len(r.fix)}"
        for i, (english, chinese) in enumerate(zip(r.fix, zh_fix, strict=True)):
            where = f"{r.code} fix[{i}]"
            assert isinstance(chinese, str) and cjk.search(chinese), f"{where}: not Chinese text"
            assert set(template_placeholders(chinese)) == set(template_placeholders(english)), where
            assert _urls(chinese) == _urls(english), where
            # A URL ends at a space or the end of the step: glued to full-width punctuation, a terminal's
            # link detection or a double-click would take the "（" or "。" along with it.
            assert not re.search(r"https://\S*[\u3000-\u303f\uff00-\uffef]", chinese), where


# A space next to full-width punctuation or between two Chinese characters: a YAML line fold (`>-` joins
# lines with a space) inside Chinese text, shown as "CPU 版。 它永远" in `--lang zh`.
_FULL_WIDTH = r"[\u3000-\u303f\uff00-\uffef]"
_HAN = r"[\u4e00-\u9fff]"
_FOLD_ARTIFACT_RE = re.compile(rf"{_FULL_WIDTH} | {_FULL_WIDTH}|{_HAN} {_HAN}")


def test_chinese_text_has_no_line_fold_spaces(knowledge: Knowledge) -> None:
    for r in knowledge.rules:
        for field in ("summary", "message", "why"):
            found = _FOLD_ARTIFACT_RE.search(str(r.zh[field]))
            assert found is None, f"{r.code} zh.{field}: {found.group(0) if found else ''!r}"
        for i, step in enumerate(r.zh["fix"]):
            assert not _FOLD_ARTIFACT_RE.search(step), f"{r.code} zh.fix[{i}]"


def test_rendered_chinese_fix_comes_from_the_zh_block(knowledge: Knowledge) -> None:
    """The engine renders zh.fix (placeholders filled) for lang='zh', the English fix otherwise."""
    from envadvisor.engine import evaluate
    from tests.rule_cases import TODAY, build_facts, load_cases

    cases = load_cases()
    case = next(c for c in cases["cases"] if c["rule"] == "EA010")
    facts = build_facts(cases["base"], case["fires"])
    rule = knowledge.rule("EA010")
    assert rule is not None
    zh = next(f for f in evaluate(knowledge, facts, today=TODAY, lang="zh").findings if f.code == "EA010")
    en = next(f for f in evaluate(knowledge, facts, today=TODAY).findings if f.code == "EA010")
    assert len(zh.fix) == len(en.fix) == len(rule.fix)
    assert zh.fix[0].startswith("把 NVIDIA 驱动升级到 525.60.13") and "{" not in zh.fix[0], zh.fix
    assert en.fix[0].startswith("Update the NVIDIA driver to 525.60.13"), en.fix


def test_references_are_https(knowledge: Knowledge) -> None:
    for r in knowledge.rules:
        for ref in r.references:
            assert ref.startswith("https://") and " " not in ref, (r.code, ref)


def test_every_fact_key_exists(knowledge: Knowledge) -> None:
    for r in knowledge.rules:
        for key in r.fact_keys:
            assert is_fact_key(key), (r.code, key)
        for template in (r.message, *r.fix):
            for ph in template_placeholders(template):
                remedy = ph.startswith("remedy.") and ph[len("remedy."):] in REMEDIES
                assert ph == "devices" or ph.startswith("table.") or remedy or is_fact_key(ph), (r.code, ph)


def test_every_category_has_a_rule_except_env_file_and_probe_failed(knowledge: Knowledge) -> None:
    used = {r.category for r in knowledge.rules}
    # env_file belongs to the environment.yml linter, probe_failed to the probes' own outcomes.
    assert set(Category) - used <= {Category.ENV_FILE, Category.PROBE_FAILED}


def _data_ids(file_name: str, list_key: str, owner: str) -> set[str]:
    """The ids listed in a data file another helper owns; skip (with the reason) when it is absent."""
    path = data_dir() / file_name
    if not path.is_file():
        pytest.skip(f"data/{file_name} ({owner}) is not in this checkout")
    data = load_yaml_text(path.read_text(encoding="utf-8"), path=str(path))
    assert isinstance(data, dict)
    return {entry["id"] for entry in data[list_key]}


def test_every_term_exists_in_the_glossary(knowledge: Knowledge) -> None:
    ids = _data_ids("terms.yaml", "terms", "glossary, issue 4")
    for r in knowledge.rules:
        for term in r.terms:
            assert term in ids, (r.code, term)


def test_every_signature_exists(knowledge: Knowledge) -> None:
    ids = _data_ids("signatures.yaml", "signatures", "importers, issue 6")
    for r in knowledge.rules:
        for sig in r.when.signatures():
            assert sig in ids, (r.code, sig)


def test_suppressors_exist_and_do_not_cycle(knowledge: Knowledge) -> None:
    by_code = {r.code: r for r in knowledge.rules}
    for r in knowledge.rules:
        for other in r.suppressed_by:
            assert other in by_code
            assert r.code not in by_code[other].suppressed_by, (r.code, other)


def test_shipped_rules_pass_the_full_checks(knowledge: Knowledge) -> None:
    """At run time the shipped rules skip the fact-key, placeholder and alias-size checks (they cost a
    third of loading them); here they go through every check a user's --rules file gets, and the
    run-time load holds the same rules."""
    from envadvisor.knowledge import load_from_dir
    from envadvisor.resources import rules_dir

    checked = load_from_dir(rules_dir(), cache=False)
    assert [(r.code, r.when) for r in checked.rules] == [(r.code, r.when) for r in knowledge.rules]
    assert [r.fix for r in checked.rules] == [r.fix for r in knowledge.rules]


def test_a_bad_fact_key_in_a_user_rule_file_is_refused(tmp_path: Path) -> None:
    from envadvisor.errors import DataFileError

    bad = tmp_path / "mine.yaml"
    bad.write_text(
        "rules:\n  - {code: EA900, name: mine, severity: info, category: driver_too_old,\n"
        "     summary: s, message: m,\n"
        "     why: w, fix: [f], references: ['https://example.org'], terms: [cuda], added_in: '0.1.0',\n"
        "     when: {fact: gpu.no_such_fact, exists: true},\n"
        "     zh: {summary: s, message: m, why: w, fix: [f]}}\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=r"unknown fact key 'gpu\.no_such_fact'"):
        load_knowledge([bad])


def test_a_checked_shipped_file_is_marked_and_loads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from envadvisor.knowledge import load_from_dir
    from envadvisor.resources import checked_before, rules_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ENVADVISOR_NO_CACHE", raising=False)
    driver_rules = (rules_dir() / "checks" / "driver.yaml").read_text(encoding="utf-8")
    assert not checked_before(driver_rules)
    first = load_from_dir(rules_dir(), cache=True)  # every check, then the marks
    assert checked_before(driver_rules)
    again = load_from_dir(rules_dir(), cache=True)  # the marks: no re-check
    assert [(r.code, r.when, r.fix) for r in again.rules] == [(r.code, r.when, r.fix) for r in first.rules]
    assert not checked_before(driver_rules + "\n# edited\n")
