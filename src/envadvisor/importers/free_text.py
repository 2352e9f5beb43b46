"""Version statements in prose: ``torch==2.1.2``, ``python=3.10.12``, ``PyTorch 2.5.1``,
``CUDA version: 12.2``, ``Driver Version: 535.161.07``, ``nvcc ... release 12.1, V12.1.105``, GPU names
and OS names, and ``label: value`` lines with a label we know.

Free text is the weakest evidence: it only fills what no structured format said, and only the lines no
structured format explained are read. The first statement of a fact wins, since reporters usually
state what they have before what they tried.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envadvisor.importers._base import Line, Observation, Parsed, is_prompt, major_minor
from envadvisor.importers._labels import interpret
from envadvisor.importers._system import device, gpu_names, is_tensorflow_distribution, os_observations
from envadvisor.model import canonical_name

NAME = "free_text"

_PACKAGES = (
    r"torch|pytorch|tensorflow-gpu|tensorflow-cpu|tensorflow|tf-nightly|transformers|numpy|jaxlib|jax|torchvision"
    r"|torchaudio|accelerate|vllm|diffusers|keras|xformers|flash[-_]attn|bitsandbytes|deepspeed|triton"
    r"|cudatoolkit|onnxruntime-gpu|onnxruntime|peft|trl|tokenizers|safetensors|sentence-transformers"
)
_PACKAGE_STATEMENT = re.compile(
    rf"(?<![\w/.-])(?P<name>{_PACKAGES})(?:\s*(?:==|=|:)\s*|\s+(?:version\s*[:=]?\s*)?|\s*-\s*)v?"
    r"(?P<version>\d+\.\d+(?:\.\d+)*(?:(?:\.?(?:post|dev|rc|a|b)\d+)|(?:\+[\w.]+))*)(?![\w.])",
    re.IGNORECASE,
)
_PYTHON = re.compile(
    r"\bpython\s*(?:==|=|:|\s+version\s*[:=]?|\s+v?|-)?\s*(?P<version>3\.\d{1,2}(?:\.\d{1,2})?)(?![\d.])",
    re.IGNORECASE,
)
_NVCC = re.compile(r"Cuda compilation tools, release (?P<release>\d+\.\d+), V(?P<full>\d+\.\d+\.\d+)")
_CUDA = re.compile(
    r"\bCUDA(?:\s+toolkit)?(?:\s+version)?\s*(?:[:=]|==)?\s*v?(?P<version>\d{1,2}\.\d)(?:\.\d+)?(?![\d])",
    re.IGNORECASE,
)
_CUDNN = re.compile(
    r"\bcuDNN(?:\s+version)?\s*(?:[:=]|==)?\s*v?(?P<version>\d\.\d+(?:\.\d+)*)", re.IGNORECASE
)
_DRIVER = re.compile(
    r"\bdriver(?:\s+version)?\s*(?:[:=]|is)?\s*(?P<version>\d{3}\.\d{1,3}(?:\.\d{1,3})?)\b", re.IGNORECASE
)
_OS_HINT = re.compile(
    r"\b(?:ubuntu\s*\d|windows\s*(?:1[01]|server)|win1[01]|macos|mac\s?os|os\s?x|wsl2?|centos|debian|fedora|"
    r"rocky linux|red hat|rhel|arch linux|linux mint|pop!_os|amazon linux)",
    re.IGNORECASE,
)
_NVRM = re.compile(r"NVRM version:.*?Kernel Module\s+(?P<version>\d{3}\.\d{1,3}(?:\.\d{1,3})?)")
_LD_PATH = re.compile(r"\bLD_LIBRARY_PATH\s*[=:]\s*(?P<value>\S+)")
_CUDA_DIR = re.compile(r"cuda|cudnn|nvidia", re.IGNORECASE)
_COMPILER_LINE = re.compile(r"\b(?:gcc|clang|g\+\+|msvc)\b", re.IGNORECASE)
_KEY_VALUE = re.compile(r"^\s*(?:[-*+]\s+)?(?P<label>[A-Za-z][\w ./()`-]{1,40}?)\s*[:：]\s*(?P<value>\S.*)$")
_TRACEBACK_PATH = re.compile(r'^\s*File "|site-packages|dist-packages|^\s*at\s')


def detect(lines: Sequence[Line]) -> bool:
    return any(line.text.strip() for line in lines)


def parse(lines: Sequence[Line]) -> Parsed:
    observations: list[Observation] = []
    consumed: set[int] = set()
    previous = ""
    for line in lines:
        text = line.text
        if not text.strip() or len(text) > 2000:
            continue
        if previous.rstrip().endswith("echo $LD_LIBRARY_PATH"):
            text = f"LD_LIBRARY_PATH={text.strip()}"  # the value printed under the echo
        previous = text
        found = _statements(text, line)
        if found:
            observations.extend(found)
            consumed.add(line.number)
    return Parsed(tuple(observations), frozenset(consumed))


def _statements(text: str, line: Line) -> list[Observation]:
    key_value = _KEY_VALUE.match(text)
    if key_value and not is_prompt(text):
        interpreted = interpret(
            key_value.group("label"), key_value.group("value"), line, allow_generic_packages=False
        )
        if interpreted:
            return interpreted
    out: list[Observation] = []
    nvrm = _NVRM.search(text)
    if nvrm:
        return [
            Observation("gpu.kernel_module_version", nvrm.group("version"), line),
            Observation("gpu.driver_version", nvrm.group("version"), line),
            Observation("gpu.driver_source", "procfs", line),
        ]
    ld_path = _LD_PATH.search(text)
    if ld_path:
        dirs = [entry for entry in ld_path.group("value").split(":") if entry and _CUDA_DIR.search(entry)]
        return [Observation("env.ld_library_path_cuda", dirs, line)] if dirs else []
    in_path = bool(_TRACEBACK_PATH.search(text))
    nvcc = _NVCC.search(text)
    if nvcc:
        out.append(Observation("cuda_toolkit.version", nvcc.group("release"), line))
        out.append(Observation("cuda_toolkit.nvcc_version", nvcc.group("full"), line))
    elif not in_path:
        cuda = _CUDA.search(text)
        if cuda and not re.search(r"cuda\s*(?:capability|error|out of memory|kernel)", text, re.IGNORECASE):
            out.append(Observation("cuda_toolkit.version", major_minor(cuda.group("version")), line))
    if not in_path:
        for match in _PACKAGE_STATEMENT.finditer(text):
            out.extend(_package(match.group("name"), match.group("version"), line))
    python = _PYTHON.search(text)
    if python:
        out.append(Observation("python.version", python.group("version"), line))
    cudnn = _CUDNN.search(text)
    if cudnn and not in_path:
        out.append(Observation("cudnn.version", cudnn.group("version"), line))
    driver = _DRIVER.search(text)
    if driver:
        out.append(Observation("gpu.driver_version", driver.group("version"), line))
        out.append(Observation("gpu.driver_source", "report", line))
    if not in_path:
        out.extend(Observation("gpu.devices", device(name), line) for name in gpu_names(text))
        if _OS_HINT.search(text) and not _COMPILER_LINE.search(text):
            out.extend(os_observations(text, line))
    return out


def _package(name: str, version: str, line: Line) -> list[Observation]:
    canonical = canonical_name(name)
    if canonical == "pytorch":
        canonical = "torch"
    if canonical == "flash-attn":
        canonical = "flash-attn"
    out = [Observation(f"packages.{canonical}", {"version": version}, line)]
    if canonical == "torch":
        out.append(Observation("frameworks.torch.version", version, line))
    elif is_tensorflow_distribution(canonical):
        out.append(Observation("frameworks.tensorflow.version", version, line))
    elif canonical == "jax":
        out.append(Observation("frameworks.jax.version", version, line))
    elif canonical == "jaxlib":
        out.append(Observation("frameworks.jax.jaxlib", version, line))
    elif canonical == "cudatoolkit":
        out.append(
            Observation(
                "cuda_runtime.copies",
                {"version": major_minor(version), "source": "conda", "name": "cudatoolkit"},
                line,
            )
        )
    return out
