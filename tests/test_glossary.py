"""The glossary data (data/terms.yaml) and its loader: complete, bilingual, consistent, and strict."""

from __future__ import annotations

import argparse
import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from envadvisor import glossary as glossary_module
from envadvisor.errors import DataFileError
from envadvisor.glossary import load_glossary, parse_glossary
from envadvisor.lang import lang_from

TERMS_FILE = Path(__file__).resolve().parent.parent / "data" / "terms.yaml"
CJK = re.compile(r"[\u4e00-\u9fff]")

SEED_TERMS = (
    "pytorch",
    "tensorflow",
    "transformer-architecture",
    "transformers",
    "anaconda",
    "conda",
    "cuda",
)
# the ids the team brief promises to other helpers (rules' `terms:` use them)
PROMISED_TERMS = (
    *SEED_TERMS,
    "nvidia-driver",
    "cuda-toolkit",
    "cuda-runtime",
    "cudnn",
    "nccl",
    "compute-capability",
    "cuda-wheel-variant",
    "conda-forge",
    "conda-channel",
    "virtual-package",
    "environment-yml",
    "pip",
    "pypi",
    "venv",
    "apple-mps",
    "rocm",
    "tf-keras",
    "keras-3",
    "accelerate",
    "python",
    "numpy",
    "jax",
    "torchvision",
    "cuda-version",
    "pytorch-gpu",
)


@pytest.fixture(scope="module")
def glossary() -> glossary_module.Glossary:
    return load_glossary()


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data = yaml.safe_load(TERMS_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_every_promised_term_exists(glossary: glossary_module.Glossary) -> None:
    missing = [t for t in PROMISED_TERMS if t not in glossary.ids()]
    assert missing == []


@pytest.mark.parametrize("term_id", SEED_TERMS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_seed_terms_are_complete_in_both_languages(
    glossary: glossary_module.Glossary, term_id: str, lang: str
) -> None:
    term = glossary.term(term_id)
    assert term is not None and term.id == term_id
    text = term.text(lang)
    for field in ("name", "summary", "what", "when", "install"):
        assert getattr(text, field).strip(), field
    assert len(text.features) >= 3
    assert term.relations, "a seed term must relate to the others"
    assert term.references
    prose = [text.summary, text.what, text.when, text.install, *text.features]
    if lang == "zh":
        # natural Chinese: every paragraph and feature is written in Chinese, not left in English
        assert all(CJK.search(p) for p in prose), [p for p in prose if not CJK.search(p)]
    else:
        assert not any(CJK.search(p) for p in prose)


def test_every_term_has_chinese_prose_and_english_prose(glossary: glossary_module.Glossary) -> None:
    for term in glossary:
        zh, en = term.text("zh"), term.text("en")
        assert all(CJK.search(p) for p in (zh.summary, zh.what, zh.when, zh.install, *zh.features)), term.id
        assert not CJK.search(en.what + en.summary + en.install), term.id
        assert zh.what != en.what


def test_summaries_are_one_line(glossary: glossary_module.Glossary) -> None:
    for term in glossary:
        for lang in ("en", "zh"):
            summary = term.text(lang).summary
            assert "\n" not in summary and 10 < len(summary) < 200, (term.id, lang, summary)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("torch", "pytorch"),
        ("TORCH", "pytorch"),
        ("PyTorch", "pytorch"),
        ("nvcc", "cuda-toolkit"),
        ("Transformer", "transformer-architecture"),
        ("transformer", "transformer-architecture"),
        ("transformers", "transformers"),
        ("Transformers", "transformers"),
        ("Hugging Face Transformers", "transformers"),
        ("environment.yml", "environment-yml"),
        ("environment.yaml", "environment-yml"),
        ("__cuda", "virtual-package"),
        ("cuda", "cuda"),
        ("cu126", "cuda-wheel-variant"),
        ("Compute Capability", "compute-capability"),
        ("compute_capability", "compute-capability"),
        ("tf_keras", "tf-keras"),
        ("keras", "keras-3"),
        ("MPS", "apple-mps"),
        ("CONDA_OVERRIDE_CUDA", "virtual-package"),
        ("自注意力", "transformer-architecture"),
    ],
)
def test_aliases_are_case_insensitive(glossary: glossary_module.Glossary, typed: str, expected: str) -> None:
    term = glossary.term(typed)
    assert term is not None, typed
    assert term.id == expected


def test_transformer_and_transformers_are_kept_apart(glossary: glossary_module.Glossary) -> None:
    architecture = glossary.term("transformer-architecture")
    library = glossary.term("transformers")
    assert architecture is not None and library is not None
    assert architecture.category == "architecture" and library.category == "library"
    assert not architecture.packages and library.packages == ("transformers",)
    # each explains how it differs from the other, in both languages
    for lang in ("en", "zh"):
        assert "Transformers" in (architecture.text(lang).contrast or "")
        assert "Transformer" in (library.text(lang).contrast or "")
    assert ("differs_from", "transformers") in [(r.kind, r.target) for r in architecture.relations]
    assert ("implements", "transformer-architecture") in [(r.kind, r.target) for r in library.relations]


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("pytorh", "pytorch"),
        ("tensorflw", "tensorflow"),
        ("Transfomers", "transformers"),
        ("condaforge", "conda-forge"),
        ("cudn", "cudnn"),
        ("anacoda", "anaconda"),
        ("nvidia-drivr", "nvidia-driver"),
    ],
)
def test_typos_get_the_closest_suggestion(
    glossary: glossary_module.Glossary, typo: str, expected: str
) -> None:
    assert glossary.term(typo) is None
    assert glossary.suggest(typo)[0] == expected
    assert glossary.did_you_mean(typo) == f" (did you mean {expected}?)"


def test_nonsense_gets_no_suggestion(glossary: glossary_module.Glossary) -> None:
    assert glossary.suggest("qqqqzzzz") == ()
    assert "explain --list" in glossary.did_you_mean("qqqqzzzz")


@pytest.mark.parametrize(
    ("package", "expected"),
    [
        ("torch", "pytorch"),
        ("pytorch", "pytorch"),
        ("tensorflow[and-cuda]", "tensorflow"),
        ("nvidia-cudnn-cu12", "cudnn"),
        ("nvidia_nccl_cu13", "nccl"),
        ("cuda-version", "cuda-version"),
        ("pytorch-gpu", "pytorch-gpu"),
        ("pytorch-cuda", "pytorch-gpu"),
        ("cudatoolkit", "cuda-runtime"),
        ("cuda-nvcc", "cuda-toolkit"),
        ("tf-keras", "tf-keras"),
        ("keras", "keras-3"),
        ("torchaudio", "torchaudio"),
        ("python", "python"),
        ("pip", "pip"),
        ("jax-cuda12-plugin", "jax"),
    ],
)
def test_package_names_map_to_terms(glossary: glossary_module.Glossary, package: str, expected: str) -> None:
    term = glossary.for_package(package)
    assert term is not None and term.id == expected


def test_unknown_package_has_no_term(glossary: glossary_module.Glossary) -> None:
    assert glossary.for_package("left-pad") is None


def test_every_relation_points_at_an_existing_term(raw: dict[str, Any]) -> None:
    # read straight from the YAML, independently of the loader's own check
    ids = {t["id"] for t in raw["terms"]}
    kinds = set(raw["relation_kinds"])
    for term in raw["terms"]:
        for item in term.get("relations") or []:
            ((kind, targets),) = item.items()
            assert kind in kinds, (term["id"], kind)
            for target in targets if isinstance(targets, list) else [targets]:
                assert target in ids, (term["id"], kind, target)
                assert target != term["id"]


def test_the_relation_kinds_the_issue_names_are_used(glossary: glossary_module.Glossary) -> None:
    used = {rel.kind for _, rel, _ in glossary.relations()}
    assert {"runs_on", "accelerated_by", "installs", "manages", "implements", "built_with"} <= used


def test_seed_relations_follow_the_seed_glossary(glossary: glossary_module.Glossary) -> None:
    edges = {(src.id, rel.kind, dst.id) for src, rel, dst in glossary.relations()}
    assert ("pytorch", "accelerated_by", "cuda") in edges
    assert ("tensorflow", "accelerated_by", "cuda") in edges
    assert ("transformers", "implements", "transformer-architecture") in edges
    assert ("transformers", "built_with", "pytorch") in edges
    assert ("conda", "installs", "pytorch") in edges
    assert ("anaconda", "provides", "conda") in edges
    assert ("cuda", "runs_on", "nvidia-driver") in edges


def test_references_are_https(glossary: glossary_module.Glossary) -> None:
    for term in glossary:
        assert term.references and all(r.startswith("https://") for r in term.references), term.id


def test_package_names_belong_to_one_term(raw: dict[str, Any]) -> None:
    owners: dict[str, str] = {}
    for term in raw["terms"]:
        for package in term.get("packages") or []:
            assert package not in owners, (package, owners.get(package), term["id"])
            owners[package] = term["id"]


def test_summary_helper_for_the_diagnose_table(glossary: glossary_module.Glossary) -> None:
    pytorch = glossary.term("pytorch")
    assert pytorch is not None
    assert glossary_module.summary("pytorch", "zh") == pytorch.text("zh").summary
    assert glossary_module.summary("torch", "en") == pytorch.text("en").summary
    # an unknown language falls back to English
    assert glossary_module.summary("cudnn", "fr") == glossary.summary("cudnn", "en")
    with pytest.raises(KeyError):
        glossary.summary("no-such-term", "en")


def test_the_default_glossary_is_loaded_once() -> None:
    assert load_glossary() is load_glossary()


@pytest.mark.parametrize(
    ("lang_arg", "env", "expected"),
    [
        ("zh", {"LANG": "en_US.UTF-8"}, "zh"),
        ("en", {"LC_ALL": "zh_CN.UTF-8"}, "en"),
        (None, {"LC_ALL": "zh_CN.UTF-8"}, "zh"),
        (None, {"LANG": "zh_TW.UTF-8"}, "zh"),
        (None, {"LC_MESSAGES": "zh_CN", "LANG": "en_GB.UTF-8"}, "zh"),
        (None, {"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins, as for every program
        (None, {"LANG": "en_US.UTF-8"}, "en"),
        (None, {"LANG": "de_DE.UTF-8"}, "en"),
        (None, {}, "en"),
        (None, {"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),  # empty means unset
    ],
)
def test_lang_from(lang_arg: str | None, env: dict[str, str], expected: str) -> None:
    assert lang_from(argparse.Namespace(lang=lang_arg), env) == expected


def test_lang_from_without_a_lang_option() -> None:
    assert lang_from(argparse.Namespace(), {"LANG": "zh_SG.UTF-8"}) == "zh"
    assert lang_from(None, {}) == "en"


# --------------------------------------------------------------------------------------------------
# A malformed file: one error naming the file, the term and the field
# --------------------------------------------------------------------------------------------------


def _term(data: dict[str, Any], term_id: str) -> dict[str, Any]:
    return next(t for t in data["terms"] if t["id"] == term_id)


def _break_relation(d: dict[str, Any]) -> None:
    _term(d, "pytorch")["relations"].append({"runs_on": "pytorh"})


def _drop_chinese(d: dict[str, Any]) -> None:
    del _term(d, "cuda")["zh"]


def _english_in_chinese(d: dict[str, Any]) -> None:
    _term(d, "conda")["zh"]["what"] = "conda installs packages."


def _duplicate_alias(d: dict[str, Any]) -> None:
    _term(d, "tensorflow")["aliases"].append("torch")


def _unknown_category(d: dict[str, Any]) -> None:
    _term(d, "nccl")["category"] = "gadget"


def _plain_http(d: dict[str, Any]) -> None:
    _term(d, "pip")["references"] = ["http://pip.pypa.io/"]


def _empty_summary(d: dict[str, Any]) -> None:
    _term(d, "cudnn")["en"]["summary"] = "  "


def _unknown_kind(d: dict[str, Any]) -> None:
    _term(d, "jax")["relations"].append({"loves": "numpy"})


def _bad_id(d: dict[str, Any]) -> None:
    _term(d, "venv")["id"] = "Virtual Env"


def _no_features(d: dict[str, Any]) -> None:
    _term(d, "rocm")["en"]["features"] = []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_break_relation, "pytorch: field 'relations': relation runs_on points at unknown term 'pytorh'"),
        (_drop_chinese, "cuda: field 'zh': missing"),
        (_english_in_chinese, "conda: field 'zh.what': the Chinese text has no Chinese characters"),
        (_duplicate_alias, "tensorflow: field 'aliases': 'torch' already names term 'pytorch'"),
        (_unknown_category, "nccl: field 'category': unknown category 'gadget'"),
        (_plain_http, "pip: field 'references': expected an https:// address"),
        (_empty_summary, "cudnn: field 'en.summary': expected non-empty text"),
        (_unknown_kind, "jax: field 'relations': unknown relation kind 'loves'"),
        (_bad_id, "field 'id': expected a kebab-case id, got 'Virtual Env'"),
        (_no_features, "rocm: field 'en.features': expected at least one entry"),
    ],
)
def test_malformed_glossary_names_file_term_and_field(
    raw: dict[str, Any], mutate: Any, expected: str
) -> None:
    data = copy.deepcopy(raw)
    mutate(data)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with pytest.raises(DataFileError) as info:
        parse_glossary(text, path="broken/terms.yaml")
    message = str(info.value)
    assert message.startswith("broken/terms.yaml: ")
    assert expected in message


def test_unparsable_yaml_and_wrong_shape_are_data_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "terms.yaml"
    bad.write_text("terms: [\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"terms\.yaml: not valid YAML"):
        load_glossary(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="expected a mapping"):
        load_glossary(bad)
    with pytest.raises(DataFileError, match="cannot read the glossary"):
        load_glossary(tmp_path / "missing.yaml")


def test_a_copy_of_the_real_file_loads_the_same(raw: dict[str, Any]) -> None:
    reloaded = parse_glossary(yaml.safe_dump(raw, allow_unicode=True), path="copy.yaml")
    assert reloaded.ids() == load_glossary().ids()


# --------------------------------------------------------------------------------------------------
# Rules name glossary terms: every one must exist
# --------------------------------------------------------------------------------------------------


def checks_or_skip() -> tuple[Any, ...]:
    """Every documented check: knowledge-base rules and environment-file lints (same doc fields).

    Skips, with the reason, while the issue-3 and issue-5 work has not landed in this checkout.
    """
    checks: list[Any] = []
    try:
        from envadvisor.knowledge import load_knowledge

        checks.extend(load_knowledge().rules)
    except ModuleNotFoundError as exc:
        pytest.skip(f"the knowledge base is not in this checkout yet ({exc.name})")
    except DataFileError as exc:
        pytest.skip(f"the rules do not load yet: {exc}")
    try:
        from envadvisor.lint import catalogue

        checks.extend(catalogue().values())
    except ModuleNotFoundError:
        pass  # the lint catalogue (issue 5) is optional here
    if not checks:
        pytest.skip("no rules written yet")
    return tuple(checks)


def test_every_term_a_rule_or_lint_names_exists(glossary: glossary_module.Glossary) -> None:
    known = set(glossary.ids())
    missing = sorted({(check.code, t) for check in checks_or_skip() for t in check.terms if t not in known})
    assert missing == []


def test_rule_and_lint_codes_are_unique() -> None:
    codes = [check.code for check in checks_or_skip()]
    assert len(codes) == len(set(codes)), sorted(c for c in set(codes) if codes.count(c) > 1)
