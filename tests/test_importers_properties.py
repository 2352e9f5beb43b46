"""Property tests: no detector or parser raises on any text (the issue's rule: bad text never crashes).

Three kinds of text: arbitrary Unicode, lines built from the report formats' own vocabulary (labels,
sentinels, versions, table borders, bullets, headings: the near-misses a parser sees in real pastes),
and real fixture lines shuffled and cut. Example counts are fixed per test (see EXAMPLES) so the run
time stays a few seconds; the counts are part of the test's record.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envadvisor.importers import (
    collect_env,
    conda_list,
    free_text,
    hf_env,
    issue_templates,
    nvidia_smi,
    pip_freeze,
    read_report,
    signatures,
    vllm,
)
from envadvisor.importers._base import Line, Parsed, clean_lines
from envadvisor.model import Facts, replace

# Example counts per property (recorded in the issue's closing note).
EXAMPLES = {"arbitrary": 300, "vocabulary": 200, "fixture_mix": 150, "read_report": 150}

DETECT_AND_PARSE: Sequence[
    tuple[str, Callable[[Sequence[Line]], bool], Callable[[Sequence[Line]], Parsed]]
] = (
    ("collect_env", collect_env.detect, collect_env.parse),
    ("vllm", vllm.detect, vllm.parse),
    ("nvidia_smi", nvidia_smi.detect, nvidia_smi.parse),
    ("hf_env", hf_env.detect, hf_env.parse),
    ("issue_templates", issue_templates.detect, issue_templates.parse),
    ("conda_list", conda_list.detect, conda_list.parse),
    ("pip_freeze", pip_freeze.detect, pip_freeze.parse),
    ("free_text", free_text.detect, free_text.parse),
    ("signatures", lambda lines: True, signatures.parse),
)

VOCABULARY = (
    "PyTorch version:",
    "CUDA used to build PyTorch:",
    "Is CUDA available:",
    "CUDA runtime version:",
    "GPU models and configuration:",
    "Nvidia driver version:",
    "cuDNN version:",
    "Probably one of the following:",
    "Versions of relevant libraries:",
    "[pip3]",
    "[conda]",
    "[uv]",
    "[]",
    "CPU:",
    "OS:",
    "Python version:",
    "Python platform:",
    "Could not collect",
    "No CUDA",
    "N/A",
    "None",
    "True",
    "False",
    "GPU 0:",
    "  MIG 1g.10gb",
    "| NVIDIA-SMI",
    "Driver Version:",
    "CUDA Version:",
    "|===",
    "+---",
    "(UUID: GPU-",
    "MiB /",
    "index, name,",
    "- `transformers` version:",
    "- PyTorch version (GPU?):",
    "(accelerator?)",
    "(CUDA)",
    "(NA)",
    "- GPU type:",
    "### Tensorflow Version",
    "### CUDA/cuDNN version",
    "### GPU model and memory",
    "_No response_",
    "<fill in>",
    "# packages in environment at",
    "# Name Version Build Channel",
    "pypi_0",
    "py3.10_cuda11.8_cudnn8.7.0_0",
    "cpu_0",
    "==",
    "@",
    "Name:",
    "Version:",
    "Package Version",
    "------- -------",
    "Successfully installed",
    "==============================",
    "System Info",
    "Environment Variables",
    "LD_LIBRARY_PATH=",
    "NVRM version:",
    "torch",
    "tensorflow",
    "python",
    "cuda",
    "cudnn",
    "driver",
    "RTX 5090",
    "Tesla T4",
    "sm_120",
    "sm_",
    "11040",
    "found version",
    "Failed to initialize NVML:",
    "no kernel image",
    "NumPy 1.x",
    "```",
    "> ",
    "<details>",
    "\t",
    "echo $LD_LIBRARY_PATH",
    "nvidia-cuda-runtime-cu12",
    "cu121",
    "+cpu",
    "+rocm6.2",
    ":",
    ",",
    "(",
    ")",
)
VERSIONS = st.from_regex(r"\A[0-9]{1,4}(\.[0-9]{1,5}){0,4}([+.-][a-z0-9.]{0,8})?\Z", fullmatch=True)
TOKEN = st.one_of(st.sampled_from(VOCABULARY), VERSIONS, st.text(max_size=12))
LINE = st.lists(TOKEN, max_size=8).map(" ".join)
VOCABULARY_TEXT = st.lists(LINE, max_size=40).map("\n".join)

FIXTURE_LINES = sorted(
    {
        line
        for path in (Path(__file__).parent / "reports").rglob("*.txt")
        for line in path.read_text("utf-8").split("\n")
    }
)


def run_every_reader(text: str) -> None:
    lines = clean_lines(text)
    for _name, detect, parse in DETECT_AND_PARSE:
        detect(lines)
        parsed = parse(lines)
        assert isinstance(parsed, Parsed)
        for observation in parsed.observations:
            assert observation.key
            assert observation.line is None or observation.line.number >= 1


@settings(max_examples=EXAMPLES["arbitrary"], deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_readers_never_raise_on_arbitrary_text(text: str) -> None:
    run_every_reader(text)


@settings(max_examples=EXAMPLES["vocabulary"], deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(VOCABULARY_TEXT)
def test_readers_never_raise_on_report_vocabulary(text: str) -> None:
    run_every_reader(text)


@settings(max_examples=EXAMPLES["fixture_mix"], deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False), st.integers(min_value=1, max_value=60), st.integers(0, 40))
def test_readers_never_raise_on_shuffled_real_lines(rng: random.Random, count: int, cut: int) -> None:
    chosen = [rng.choice(FIXTURE_LINES) for _ in range(count)]
    chosen = [line[: len(line) - cut] if rng.random() < 0.3 else line for line in chosen]
    run_every_reader("\n".join(chosen))


@settings(max_examples=EXAMPLES["read_report"], deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(VOCABULARY_TEXT, st.text(min_size=1, max_size=1500)).filter(
        lambda t: t.strip() and "\x00" not in t
    )
)
def test_read_report_never_raises_and_builds_valid_facts(text: str) -> None:
    imported = read_report(text, source_name="fuzz")
    assert isinstance(imported.facts, Facts)
    # every known-valued key that came from the text says where it came from
    for key, source in imported.facts.sources.items():
        assert source, key
    # the frozen model is intact (no lists where tuples belong)
    assert isinstance(imported.facts.gpu.devices, tuple)
    assert all(isinstance(v, str) for v in imported.facts.reasons.values())
    replace(imported.facts)
