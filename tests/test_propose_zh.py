"""``propose --lang zh``: every comment of the proposed environment.yml in Chinese, the YAML itself unchanged.

Goldens: tests/golden/propose-zh/<id>.yml for a representative set of the propose matrix
(tests/golden/propose/targets.yaml); regenerate with ENVADVISOR_REGEN_GOLDEN=1 and review the diff.
The whole matrix is held to the rules of a Chinese file: each comment has Chinese text unless it is
only a command, no English sentence of the phrase tables slipped through, no template placeholder, no
URL glued to full-width punctuation.
"""

from __future__ import annotations

import json
import os
import re
import string
from pathlib import Path

import pytest

from envadvisor.cli import main
from envadvisor.cli.why import header_target
from envadvisor.envfile import parse
from envadvisor.propose.phrases import PHRASES, phrase, render
from tests.fleet.nodes import mixed_fleet, report_json
from tests.propose_matrix import TESTS, case_ids, proposal

REGEN = os.environ.get("ENVADVISOR_REGEN_GOLDEN") == "1"
GOLDEN_ZH = TESTS / "golden" / "propose-zh"
ZH_GOLDEN_CASES = (
    "rtx4090-550",
    "gtx1080ti-470-pip",
    "k80-535",  # nothing fits the GPU: the CPU fallback
    "k80-470",  # an older release that fits
    "macos-arm64",
    "macos-x86_64",
    "windows-rtx3080-tensorflow",
    "wsl2-rtx4070",
    "no-gpu-linux",
    "h100-580-jax",
)

CJK = re.compile(r"[\u4e00-\u9fff]")
FULL_WIDTH = r"[\u3000-\u303f\uff00-\uffef]"
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
# A comment with no Chinese is allowed only when it is a command to paste
COMMAND_ONLY = re.compile(r"^(conda env create |CONDA_OVERRIDE_CUDA=\S+ conda env create )")


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "CONDA_OVERRIDE_CUDA"):
        monkeypatch.delenv(variable, raising=False)


def comments(text: str) -> list[str]:
    """Every comment of a proposed file: the header lines and the ``# why`` after each YAML line."""
    out = []
    for line in text.splitlines():
        if line.startswith("#"):
            out.append(line[1:].strip())
        elif "  # " in line:
            out.append(line.split("  # ", 1)[1].strip())
    return out


def english_fragments() -> set[str]:
    """The literal parts of the English phrases that are English prose: three words or more, and not
    kept verbatim by the Chinese phrase (a command such as ``envadvisor propose pytorch transformers``)."""
    out = set()
    for key, template in PHRASES["en"].items():
        for literal, *_ in string.Formatter().parse(template):
            for part in re.split(r"[;:()]", literal):
                words = [w for w in part.split() if re.fullmatch(r"[A-Za-z]+", w)]
                if len(words) >= 3 and part.strip() not in PHRASES["zh"][key]:
                    out.add(part.strip())
    return out


# ------------------------------------------------------------------------------------------------ tables


def test_phrase_tables_say_the_same_in_both_languages() -> None:
    assert PHRASES["en"].keys() == PHRASES["zh"].keys()
    url = re.compile(r"https?://[^\s（），。；]+")
    for key, english in PHRASES["en"].items():
        chinese = PHRASES["zh"][key]
        names = {name for _, name, _, _ in string.Formatter().parse(english) if name}
        assert {name for _, name, _, _ in string.Formatter().parse(chinese) if name} == names, key
        assert set(url.findall(chinese)) == set(url.findall(english)), key
        assert not re.search(rf"https://\S*{FULL_WIDTH}", chinese), key
        # a phrase of values, symbols and names (glibc, PyTorch) reads the same in both languages;
        # one with an English word the Chinese does not keep verbatim must be Chinese
        literal = "".join(part for part, *_ in string.Formatter().parse(english))
        words = re.findall(r"[A-Za-z]{3,}", literal)
        if any(word.lower() not in chinese.lower() for word in words):
            assert CJK.search(chinese), f"{key}: not Chinese"


def test_a_phrase_renders_its_values_in_the_language_asked() -> None:
    nested = phrase(
        "torch.cuda_version", cuda="12.9", major="12", driver=phrase("torch.driver_runs", cuda="12.4")
    )
    assert nested.text("en") == "CUDA 12.9 libraries; requires __cuda >= 12; driver 12.4 runs it"
    assert nested.text("zh") == "CUDA 12.9 库；要求 __cuda >= 12；驱动支持 CUDA 12.4，可以运行它"
    assert render("torch==2.7.1+cu118", "zh") == "torch==2.7.1+cu118"  # a verbatim value stays verbatim
    with pytest.raises(KeyError):
        phrase("no.such.phrase")


# ------------------------------------------------------------------------------------------------ files


@pytest.mark.parametrize("case_id", ZH_GOLDEN_CASES)
def test_chinese_proposal_matches_golden(case_id: str) -> None:
    text = proposal(case_id, "zh").to_yaml()
    path = GOLDEN_ZH / f"{case_id}.yml"
    if REGEN:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden for {case_id}: run with ENVADVISOR_REGEN_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_every_chinese_golden_is_a_matrix_target() -> None:
    assert {p.stem for p in GOLDEN_ZH.glob("*.yml")} == set(ZH_GOLDEN_CASES) <= set(case_ids())


@pytest.mark.parametrize("case_id", case_ids())
def test_every_comment_of_the_chinese_file_is_chinese(case_id: str) -> None:
    english = proposal(case_id).to_yaml()
    chinese = proposal(case_id, "zh").to_yaml()
    # only the comments change: the same name, channels, lines and variables, read back
    en, zh = parse(english, "en.yml"), parse(chinese, "zh.yml")
    assert (zh.name, [e.text for e in zh.channels], [e.text for e in zh.conda]) == (
        en.name,
        [e.text for e in en.channels],
        [e.text for e in en.conda],
    )
    assert [[e.text for e in b.entries] for b in zh.pip_blocks] == [
        [e.text for e in b.entries] for b in en.pip_blocks
    ]
    assert dict(zh.variables) == dict(en.variables)
    assert [line for line in chinese.splitlines() if not line.startswith("#")] != [] and len(
        comments(chinese)
    ) == len(comments(english))

    fragments = english_fragments()
    problems = []
    for text in comments(chinese):
        if not CJK.search(text) and not COMMAND_ONLY.match(text):
            problems.append(f"no Chinese: {text}")
        if PLACEHOLDER.search(text):
            problems.append(f"placeholder: {text}")
        if re.search(rf"https?://\S*{FULL_WIDTH}", text):
            problems.append(f"URL glued to full-width punctuation: {text}")
        problems += [f"English {fragment!r}: {text}" for fragment in fragments if fragment in text]
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------------------------ CLI


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


RTX4090 = ["--os", "linux", "--gpu", "NVIDIA GeForce RTX 4090", "--driver", "550.54.15"]


def test_propose_lang_zh_and_the_locale(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, english, _ = run(["propose", "pytorch", *RTX4090], capsys)
    assert code == 0 and english.startswith("# environment.yml proposed by envadvisor")
    code, chinese, _ = run(["propose", "pytorch", *RTX4090, "--lang", "zh"], capsys)
    assert code == 0 and chinese.startswith("# environment.yml，由 envadvisor")
    assert "# 驱动：550.54.15，最高支持 CUDA 12.4" in chinese
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert run(["propose", "pytorch", *RTX4090], capsys)[1] == chinese  # the locale, as other commands
    assert run(["propose", "pytorch", *RTX4090, "--lang", "en"], capsys)[1] == english  # --lang wins
    monkeypatch.setenv("LC_ALL", "C")
    assert run(["propose", "pytorch", *RTX4090], capsys)[1] == english  # LC_ALL before LANG


def test_propose_json_keeps_machine_fields_and_says_the_language(capsys: pytest.CaptureFixture[str]) -> None:
    en = json.loads(run(["propose", "pytorch", "transformers", *RTX4090, "--json"], capsys)[1])
    zh = json.loads(
        run(["propose", "pytorch", "transformers", *RTX4090, "--json", "--lang", "zh"], capsys)[1]
    )
    assert (en["lang"], zh["lang"]) == ("en", "zh")
    machine = ("name", "spec", "source", "based_on", "chain", "kind")
    assert [{k: d[k] for k in machine} for d in zh["dependencies"]] == [
        {k: d[k] for k in machine} for d in en["dependencies"]
    ]
    assert all(CJK.search(d["why"]) for d in zh["dependencies"])
    assert en["dependencies"][1]["why"].startswith("conda-forge PyTorch 2.")
    assert CJK.search(zh["python_why"]) and zh["environment_yml"].startswith(
        "# environment.yml，由 envadvisor"
    )


def test_why_file_reads_the_target_of_a_chinese_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {}
    for lang in ("en", "zh"):
        files[lang] = tmp_path / f"{lang}.yml"
        argv = ["propose", "pytorch", "--os", "linux", "--gpu", "Tesla K80", "--gpu", "Tesla K80"]
        code, _, err = run([*argv, "--driver", "470.82.01", "--lang", lang, "-o", str(files[lang])], capsys)
        assert code == 0
    assert "已写入" in err
    read = header_target(str(files["zh"]))
    assert read == header_target(str(files["en"]))
    assert read == {
        "target_os": "linux",
        "target_arch": "x86_64",
        "target_gpus": ["Tesla K80", "Tesla K80"],
        "target_cc": "3.7",
        "target_driver": "470.82.01",
    }
    code, out, _ = run(["why", "torch", "--file", str(files["zh"]), "--lang", "zh"], capsys)
    assert code == 0 and "精确指定 cu118 构建" in out


def test_fleet_propose_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for report in mixed_fleet():
        (folder / f"{report.facts.os.hostname}.json").write_text(report_json(report), encoding="utf-8")
    code, out, _ = run(["fleet", str(folder), "--propose", "torch", "--lang", "zh"], capsys)
    assert code in (0, 1)
    assert out.startswith("# environment.yml，由 envadvisor")
    assert "# 集群：读取了 7 份节点报告" in out
    problems = [text for text in comments(out) if not CJK.search(text) and not COMMAND_ONLY.match(text)]
    assert not problems, problems
