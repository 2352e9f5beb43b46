"""Every word the terminal shows in ``--lang zh`` is Chinese, except names, commands, versions, paths.

The rendered Chinese output of every recorded machine and every report fixture (diagnose, full and
--brief), and of check and fleet, is walked for ASCII words. A word passes when it is a version, a
path, an option, an identifier (dotted, with '_' or '=', or a rule's own name), a name (a glossary
term's id, alias or package; a tool, file format or unit in NAMES), text the rules' Chinese wording
itself carries (commands in fixes, quoted error messages), or a value the report holds as a name (a
GPU model, a distribution, a path). Everything else is an English word of the interface: a miss.

Values of the model that are kinds rather than names (where a fact was found, the kind of
environment, an NVML state) must come out in Chinese: those fields are in TRANSLATED_FIELDS, and only
their NAMES values may stay as they are.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from envadvisor.cli import _common, build_parser
from envadvisor.cli.diagnose import build_report, terminal_output
from envadvisor.glossary import load_glossary
from envadvisor.model import Report, to_data
from tests.terminal_support import MACHINES, REPO, REPORTS, lines_of, run_cli, too_wide

# tools, formats, units and products the Chinese text names as they are
NAMES = frozenset(
    word.lower()
    for word in [
        "CUDA",
        "NVIDIA",
        "GPU",
        "GPUs",
        "CPU",
        "OS",
        "Python",
        "PyTorch",
        "TensorFlow",
        "JAX",
        "NVML",
        "nvcc",
        "cuDNN",
        "NCCL",
        "NumPy",
        "Keras",
        "Transformers",
        "accelerate",
        "torchvision",
        "torchaudio",
        "conda",
        "pip",
        "pypi",
        "uv",
        "venv",
        "virtualenv",
        "wheel",
        "envadvisor",
        "explain",
        "GiB",
        "MiB",
        "WSL",
        "WSL2",
        "glibc",
        "ROCm",
        "MPS",
        "Linux",
        "Windows",
        "macOS",
        "Ubuntu",
        "Debian",
        "nvidia-smi",
        "sysfs",
        "procfs",
        "docker",
        "podman",
        "kubernetes",
        "container-runtime",
        "mamba",
        "micromamba",
        "miniconda",
        "anaconda",
        "conda-forge",
        "nodefaults",
        "pytorch",
        "tensorflow",
        "jax",
        "torch",
        "numpy",
        "nvidia",
        "cpu",
        "gpu",
        "Tesla",
        "GeForce",
        "RTX",
        "GTX",
        "Quadro",
        "Laptop",
        "laptop",
        "Ti",
        "SUPER",
        "HBM3",
        "SXM4",
        "PCIe",
        "NVL",
        "Apple",
        "Blackwell",
        "Hopper",
        "Ada",
        "Ampere",
        "Turing",
        "Volta",
        "Pascal",
        "Maxwell",
        "Kepler",
        "linux",
        "windows",
        "macos",
        "darwin",
        "arm64",
        "aarch64",
        "ubuntu",
        "debian",
        "rocky",
        "centos",
        "fedora",
        "nightly",
        "cu",
        "CUDA_HOME",
        "CUDA_PATH",
        "LD_LIBRARY_PATH",
        "PATH",
        "Version",
    ]
)
# fields whose values are kinds, not names: the Chinese output must translate them
TRANSLATED_FIELDS = frozenset(
    {"source", "driver_source", "compute_capability_source", "env_kind", "nvml_state", "installer"}
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'+\-]*")
_SKIP = re.compile(r"[0-9/\\=_.@:]|^-")  # versions, paths, URLs, options, identifiers, keys
_BORDERS = re.compile(r"[\u2500-\u257f]")


def _strings(data: Any, key: str | None = None) -> Iterator[tuple[str | None, str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, str(k))
    elif isinstance(data, list):
        for v in data:
            yield from _strings(v, key)
    elif isinstance(data, str):
        yield key, data


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def glossary_words() -> set[str]:
    glossary = load_glossary()
    words: set[str] = set()
    for term in glossary:
        words |= _words(" ".join((term.id, *term.aliases, *term.packages)))
        text = term.text("zh")
        words |= _words(" ".join((text.name, text.summary)))
    return words


GLOSSARY = glossary_words()


def allowed_words(report: Report) -> set[str]:
    """The words a Chinese rendering of ``report`` may show in ASCII."""
    allowed = set(NAMES) | GLOSSARY
    for finding in report.findings:
        allowed |= _words(
            " ".join((finding.message, finding.why, *finding.fix, *finding.quotes, finding.name))
        )
        allowed |= _words(" ".join(f"{k} {v}" for k, v in finding.evidence.items()))
    for key, value in _strings(to_data(report.facts)):
        if key in TRANSLATED_FIELDS or key in ("reasons", "sources"):
            continue
        allowed |= _words(value)
    allowed |= _words(" ".join((report.origin.path or "", *report.origin.formats)))
    for probe in report.probes:
        allowed |= _words(probe.detail or "")  # an error message from the system, quoted
    return allowed


def english_leftovers(output: str, allowed: set[str]) -> list[str]:
    found = []
    for line in lines_of(output):
        for token in _BORDERS.sub(" ", line).split():
            if _SKIP.search(token):
                continue
            for word in _WORD.findall(token):
                if word.lower() not in allowed and len(word) > 1:
                    found.append(word)
    return found


def render(report: Report, columns: int, *, brief: bool = False) -> str:
    stream = io.StringIO()
    _common.make_console(stream, width=columns).print(terminal_output(report, "zh", brief=brief))
    return stream.getvalue()


@pytest.mark.parametrize("source", [*MACHINES, *REPORTS], ids=lambda p: p.stem)
def test_chinese_diagnose_has_no_english_ui_words(source: Path) -> None:
    report = build_report(build_parser().parse_args(["diagnose", "--from", str(source), "--lang", "zh"]))
    allowed = allowed_words(report)
    for columns, brief in ((120, False), (80, True)):
        output = render(report, columns, brief=brief)
        assert not too_wide(output, columns)
        leftovers = english_leftovers(output, allowed)
        assert not leftovers, f"{source.name} ({columns} columns, brief={brief}): {sorted(set(leftovers))}"
        if brief:  # --brief keeps every finding code
            assert set(re.findall(r"\bEA\d{3}\b", output)) == {f.code for f in report.findings}


def test_the_walker_finds_english_words() -> None:
    """The walker itself: an English UI word is caught; a version, path, option or name is not."""
    allowed = set(NAMES)
    assert english_leftovers("来源：override（计算能力 8.6）", allowed) == ["override"]
    assert english_leftovers("状态 unknown，CC 9.0", allowed) == ["unknown", "CC"]
    line = "PyTorch 2.5.1+cu124 /home/a/b --index-url EA020 frameworks.torch.cuda=12.4 CUDA（nvcc）"
    assert english_leftovers(line, allowed) == []


def test_chinese_check_and_fleet_have_no_english_ui_words(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(
        "name: legacy\nchannels: [pytorch, nvidia, defaults]\ndependencies:\n  - python=3.9\n"
        "  - pytorch==2.1.0\n  - pytorch-cuda=12.1\n  - pip:\n    - numpy=>1.2\n",
        encoding="utf-8",
    )
    monkeypatch.delenv("NO_COLOR", raising=False)
    argv = [
        "--lang",
        "zh",
        "--fail-on",
        "never",
        "--gpu",
        "RTX 4090",
        "--driver",
        "535.104.05",
        "--os",
        "linux",
    ]
    _, data = run_cli(["check", str(env), *argv, "--json"], 100, monkeypatch)
    import json

    findings = json.loads(data)["findings"]
    allowed = set(NAMES) | GLOSSARY | _words(str(env))
    for f in findings:
        allowed |= _words(" ".join((f["message"], f["why"], *f["fix"], f["name"], str(f["evidence"]))))
    for extra in ([], ["--brief"]):
        _, output = run_cli(["check", str(env), *argv, *extra], 100, monkeypatch)
        assert not english_leftovers(output, allowed), sorted(set(english_leftovers(output, allowed)))

    fleet = [str(p) for p in sorted((REPO / "tests" / "fleet" / "recorded").glob("*.json"))]
    fleet.append(str(REPO / "tests" / "fleet" / "handwritten-minimal.json"))
    _, data = run_cli(["fleet", *fleet, "--json"], 100, monkeypatch)
    summary = json.loads(data)
    allowed = set(NAMES) | GLOSSARY | {"hand01", "h200-node", "cpu-node"}
    for finding in [*summary["findings_on_some"], *summary["findings_on_all"]]:
        allowed |= _words(finding["name"])
    for dim in summary["dimensions"].values():
        for value in dim["counts"]:
            allowed |= _words(value) - {"none", "no", "not", "installed", "unknown"}
    allowed |= {g["name"].lower() for g in summary["gpus"]} | _words(
        " ".join(g["name"] for g in summary["gpus"])
    )
    for extra in ([], ["--brief"]):
        _, output = run_cli(["fleet", *fleet, "--lang", "zh", *extra], 100, monkeypatch)
        assert not english_leftovers(output, allowed), sorted(set(english_leftovers(output, allowed)))
