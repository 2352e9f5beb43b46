"""Version statements in prose, the way people write them.

Versions next to names in any form (``torch==2.1.2``, ``torch 2.5.1+cpu``, ``torch-1.12.0+cu113``,
``tf 2.15``, ``python=3.10.12``, ``CUDA 12.4`` / ``cuda12.4`` / ``CUDA版本12.1``, a ``cu124`` tag next to
torch), what an interpreter session printed (``>>> torch.__version__`` then ``'2.4.1+cpu'``;
``torch.version.cuda``, ``torch.cuda.is_available()``, ``torch.backends.cudnn.version()``), nvcc banners,
nvidia-smi fragments (``Driver Version: 535.104.05   CUDA Version: 12.2``: the driver's CUDA, not a
toolkit), operating systems (``win10``, ``Windows 11``, ``Ubuntu 22.04``, WSL2, an M1 / Apple-silicon or
Intel Mac, Colab and Kaggle, Docker image tags such as ``nvidia/cuda:12.1.0-cudnn8-runtime-ubuntu22.04``),
GPU names as people type them (``RTX3090``, ``3090 24G``, ``1050ti``, ``显卡 4090``), Chinese labels and
phrases (``显卡``, ``驱动版本``, ``系统``, ``显存``), and ``label: value`` lines with a label we know.

Free text is the weakest evidence: it only fills what no structured format said, and only the lines no
structured format explained are read. The first statement of a fact wins, since reporters usually
state what they have before what they tried. A line is looked at only when it holds a word of interest
(a cheap substring test), which keeps a megabyte of log fast.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from envadvisor.importers._base import Line, Observation, Parsed, is_prompt, major_minor
from envadvisor.importers._labels import interpret, is_known
from envadvisor.importers._system import (
    device,
    gpu_names,
    is_tensorflow_distribution,
    os_observations,
    tidy_gpu_name,
    typed_gpus,
)
from envadvisor.model import canonical_name

NAME = "free_text"

_PACKAGES = (
    r"torch|pytorch|tensorflow-gpu|tensorflow-cpu|tensorflow|tf-nightly|tf|transformers|numpy|jaxlib|jax"
    r"|torchvision|torchaudio|accelerate|vllm|diffusers|keras|xformers|flash[-_]attn|bitsandbytes|deepspeed"
    r"|triton|cudatoolkit|onnxruntime-gpu|onnxruntime|peft|trl|tokenizers|safetensors|sentence-transformers"
    r"|paddlepaddle-gpu|paddlepaddle|huggingface[-_]hub|mmcv|ctranslate2|faster-whisper"
)
# Column output puts dozens of spaces between a name and its version ("vllm      0.5.4"): the gaps allow 64.
# The look-ahead lets a position that cannot start a name (a space) fail at once, before the alternation.
_PACKAGE_STATEMENT = re.compile(
    rf"(?<![\w/.-])(?=[a-z])(?P<name>{_PACKAGES})(?:\s{{0,64}}(?:==|=|:|-)\s{{0,64}}|\s{{1,64}}(?:version(?:\s{{0,64}}[:=])?\s{{0,64}})?"
    r"|\s{0,64}版本(?:\s{0,64}[:：])?\s{0,64})v?"
    r"(?P<version>\d{1,6}\.\d{1,6}(?:\.\d{1,6}){0,4}(?:\.?(?:post|dev|rc|a|b)\d{1,12}|\+[\w.]{1,64}){0,4})(?![\w.])",
    re.IGNORECASE,
)
_PYTHON = re.compile(
    r"\bpython(?:\s{0,64}(?:==|=|:|-)|\s{1,64}version(?:\s{0,64}[:=])?|\s{1,64}v|\s{0,64}版本(?:\s{0,64}[:：])?)?"
    r"\s{0,64}(?P<version>3\.\d{1,2}(?:\.\d{1,2})?)(?![\d.])",
    re.IGNORECASE,
)
_NVCC = re.compile(
    r"Cuda compilation tools, release (?P<release>\d{1,3}\.\d{1,3}), V(?P<full>\d{1,3}\.\d{1,3}\.\d{1,6})"
)
_CUDA = re.compile(
    r"\bCUDA(?:\s{1,64}toolkit)?(?:\s{1,64}version|\s{0,64}版本)?(?:\s{0,64}(?:[:=：]|==|是|为))?\s{0,64}"
    r"v?(?P<version>\d{1,2}\.\d)(?:\.\d{1,6})?(?![\d])",
    re.IGNORECASE,
)
_NOT_A_TOOLKIT = re.compile(r"cuda\s{0,64}(?:capability|error|out of memory|kernel)", re.IGNORECASE)
_CUDNN = re.compile(
    r"\bcuDNN(?:\s{1,64}version|\s{0,64}版本)?(?:\s{0,64}(?:[:=：]|==|是|为))?\s{0,64}"
    r"v?(?P<version>\d\.\d{1,6}(?:\.\d{1,6}){0,4})",
    re.IGNORECASE,
)
_DRIVER = re.compile(
    r"\bdriver(?:\s{1,64}version)?(?:\s{0,64}(?:[:=]|is))?\s{0,64}(?P<version>\d{3}\.\d{1,3}(?:\.\d{1,3})?)\b",
    re.IGNORECASE,
)
_DRIVER_ZH = re.compile(
    r"驱动(?:程序)?(?:版本|版本号)?(?:\s{0,64}(?:[:：]|是|为))?\s{0,64}(?P<version>\d{3}\.\d{1,3}(?:\.\d{1,3})?)"
)
# nvidia-smi's own header pieces typed or pasted outside its table: the CUDA there is the driver's.
_SMI_HEADER = re.compile(r"NVIDIA-SMI\s{1,64}(?P<version>\d{3}\.\d{1,3}(?:\.\d{1,3})?)")
_SMI_CUDA = re.compile(
    r"(?:Driver Version|NVIDIA-SMI|nvidia-smi)[^\n]{0,80}?CUDA(?:\s{0,64}Version|\s{0,64}版本)?"
    r"(?:\s{0,64}(?:[:：=]|is|是|为|shows?))?\s{0,64}(?P<version>\d{1,2}\.\d)(?![\d])",
    re.IGNORECASE,
)
_OS_HINT = re.compile(
    r"\b(?:ubuntu\s{0,4}\d|windows\s{0,4}(?:1[01]|server)|win\s?1[01]|macos|mac\s?os|os\s?x|wsl2?|centos|debian|fedora|"
    r"rocky linux|red hat|rhel|arch linux|linux mint|pop!_os|amazon linux)",
    re.IGNORECASE,
)
_APPLE_SILICON = re.compile(
    r"\bapple\s{1,8}(?:silicon|m[1-5])\b"
    r"|\bm[1-5](?:\s{1,8}(?:pro|max|ultra))?\s{1,8}(?:chip|mac|macbook|mac\s?mini|mac\s?studio|imac)\b"
    r"|\bm[1-5]\s{1,8}(?:pro|max|ultra)\b|\bmacbook[\w ]{0,20}\bm[1-5]\b|苹果\s{0,8}m[1-5]|m[1-5]\s{0,8}芯片",
    re.IGNORECASE,
)
_INTEL_MAC = re.compile(
    r"\bintel(?:-based)?\s{1,8}mac(?:book)?\b|\bmac(?:book)?[\w ]{0,20}\bintel\b", re.IGNORECASE
)
_HOSTED = re.compile(
    r"\b(?:on|in|using|with|from)\s{1,8}(?:google\s{1,8})?(?:colab|kaggle)\b|\bgoogle colab\b", re.IGNORECASE
)
_WORKS = re.compile(r"\bwork(?:s|ed|ing)?\b|\bfine\b", re.IGNORECASE)
_NVIDIA_CUDA_IMAGE = re.compile(
    r"\bnvidia/cuda:(?P<cuda>\d{1,2}\.\d)(?:\.\d{1,2})?-(?:cudnn(?P<cudnn>\d{1,2})-)?(?P<flavor>runtime|devel|base)"
    r"-(?P<os>ubuntu|ubi|rockylinux|centos)(?P<osver>\d{1,2}(?:\.\d{2})?)"
)
_PYTORCH_IMAGE = re.compile(
    r"\bpytorch/pytorch:(?P<torch>\d{1,6}\.\d{1,6}\.\d{1,6})-cuda(?P<cuda>\d{1,2}\.\d)-cudnn(?P<cudnn>\d{1,2})-(?:runtime|devel)"
)
_TF_IMAGE = re.compile(r"\btensorflow/tensorflow:(?P<tf>\d{1,6}\.\d{1,6}\.\d{1,6})(?P<gpu>-gpu)?")
_CU_TAG = re.compile(
    r"(?:\b(?:py)?torch[\s=:-]{0,3}v?\d{1,6}\.\d{1,6}(?:\.\d{1,6})?[\s,(/]{1,3}|download\.pytorch\.org/whl/(?:nightly/)?)"
    r"cu(?P<major>1[0-3]|[89])(?P<minor>\d)(?![\w.])",
    re.IGNORECASE,
)
_NVRM = re.compile(r"NVRM version:.{0,128}?Kernel Module\s{1,8}(?P<version>\d{3}\.\d{1,3}(?:\.\d{1,3})?)")
_LD_PATH = re.compile(r"\bLD_LIBRARY_PATH\s{0,8}[=:]\s{0,8}(?P<value>\S{1,65536})")
_CUDA_DIR = re.compile(r"cuda|cudnn|nvidia", re.IGNORECASE)
_COMPILER_LINE = re.compile(r"\b(?:gcc|clang|g\+\+|msvc)\b", re.IGNORECASE)
_KEY_VALUE = re.compile(
    r"^\s{0,32}(?:[-*+]\s{1,8})?(?P<label>[A-Za-z\u4e00-\u9fff][\w ./()（）`-]{0,38}[\w./()（）`-])"
    r"\s{0,64}[:：]\s{0,64}(?P<value>\S.*)$"
)

# A Python session: the expression, then its value (on the same line or the next one).
_REPL = re.compile(
    r"^\s{0,32}(?:>>>\s{0,8}|In \[\d{1,6}\]:\s{0,8})?(?:print\(\s{0,8})?(?P<expr>"
    r"(?P<module>torch|tf|tensorflow|np|numpy|jax|jaxlib|transformers|keras|xformers|triton|torchvision"
    r"|torchaudio|accelerate|vllm|diffusers|bitsandbytes|bnb|onnxruntime|ort|deepspeed|paddle)\.__version__"
    r"|torch\.version\.cuda|torch\.backends\.cudnn\.version\(\)|torch\.cuda\.is_available\(\)"
    r"|torch\.cuda\.get_device_name\(\s{0,8}\d?\s{0,8}\)|tf\.test\.is_gpu_available\(\)"
    r"|tf\.config\.list_physical_devices\(\s{0,8}['\"]GPU['\"]\s{0,8}\)|sys\.version)"
    # the value starts on a non-space: spaces before it are the separators' alone (no two runs compete)
    r"\s{0,8}\)?\s{0,8}(?:[=:#]|->|,)?\s{0,64}(?P<rest>(?:\S.*)?)"
)
_MODULES = {
    "torch": "torch",
    "tf": "tensorflow",
    "np": "numpy",
    "bnb": "bitsandbytes",
    "ort": "onnxruntime",
    "paddle": "paddlepaddle",
}
_VALUE = re.compile(
    r"^\s{0,32}(?:Out\[\d{1,6}\]:\s{0,8})?['\"]?(?P<value>[^'\"\s][^'\"]{0,120}?)['\"]?\s{0,32}$"
)

# Cheap first test: a line is read only if it holds one of these (lower-cased substrings), or a GeForce
# model number with Ti/SUPER/a memory size. `in` on a short tuple is far faster than one big alternation.
_GATE_WORDS = (
    "torch",
    "cud",
    "python",
    "driver",
    "nvid",
    "nvcc",
    "tensorflow",
    "tf",
    "jax",
    "numpy",
    "transformers",
    "keras",
    "xformers",
    "flash",
    "bitsandbytes",
    "deepspeed",
    "triton",
    "vllm",
    "diffusers",
    "onnx",
    "accelerate",
    "peft",
    "trl",
    "tokenizers",
    "safetensors",
    "paddle",
    "mmcv",
    "ctranslate",
    "whisper",
    "hugging",
    "ubuntu",
    "win",
    "mac",
    "osx",
    "os x",
    "darwin",
    "wsl",
    "debian",
    "centos",
    "fedora",
    "rocky",
    "red hat",
    "rhel",
    "arch linux",
    "mint",
    "pop!_os",
    "amazon",
    "linux",
    "colab",
    "kaggle",
    "docker",
    "gpu",
    "rtx",
    "gtx",
    "geforce",
    "tesla",
    "quadro",
    "titan",
    "a100",
    "a800",
    "h100",
    "h200",
    "h800",
    "h20",
    "b200",
    "b100",
    "b300",
    "gb10",
    "gh200",
    "a6000",
    "a5000",
    "a4000",
    "v100",
    "p100",
    "k80",
    "l40",
    "l20",
    "a40",
    "a30",
    "a10",
    "p40",
    "t4",
    "l4",
    "nvrm",
    "ld_library_path",
    "version",
    "is_available",
    "显卡",
    "驱动",
    "系统",
    "显存",
    "版本",
    "apple",
    "intel",
)
_BARE_GPU = re.compile(
    r"(?<![A-Za-z0-9_.\-/:])(?:10[5-8]0|16[356]0|20[6-8]0|30[5-9]0|40[5-9]0|50[5-9]0)(?![\d.])"
)
# Words that make a GPU name worth looking for (the name reader is a large expression).
_GPU_HINTS = (
    "rtx",
    "gtx",
    "rxt",
    "geforce",
    "nvidia",
    "tesla",
    "quadro",
    "titan",
    "gpu",
    "显卡",
    "card",
    "a100",
    "a800",
    "h100",
    "h200",
    "h800",
    "h20",
    "b200",
    "b100",
    "b300",
    "gb10",
    "gh200",
    "a6000",
    "a5000",
    "a4000",
    "v100",
    "p100",
    "k80",
    "k40",
    "m40",
    "m60",
    "p40",
    "l40",
    "l20",
    "a40",
    "a30",
    "a16",
    "a10",
    "a2 ",
    "t4",
    "l4",
    "p4",
)
_PACKAGE_WORDS = (
    "torch",
    "tensorflow",
    "tf",
    "transformers",
    "numpy",
    "jax",
    "accelerate",
    "vllm",
    "diffusers",
    "keras",
    "xformers",
    "flash",
    "bitsandbytes",
    "deepspeed",
    "triton",
    "cudatoolkit",
    "onnxruntime",
    "peft",
    "trl",
    "tokenizers",
    "safetensors",
    "sentence",
    "paddle",
    "hugging",
    "mmcv",
    "ctranslate2",
    "whisper",
)
_OS_WORDS = (
    "ubuntu",
    "win",
    "mac",
    "osx",
    "os x",
    "darwin",
    "wsl",
    "centos",
    "debian",
    "fedora",
    "rocky",
    "red hat",
    "rhel",
    "arch linux",
    "mint",
    "pop!_os",
    "amazon",
    "apple",
    "intel",
    "colab",
    "kaggle",
    "芯片",
    "苹果",
)
_REPEATS_KEPT = 3
_PATH_PYTHON = re.compile(r"python(3\.\d{1,2})")
_TRACEBACK = ("site-packages", "dist-packages")


def detect(lines: Sequence[Line]) -> bool:
    return any(line.text.strip() for line in lines)


def parse(lines: Sequence[Line]) -> Parsed:
    observations: list[Observation] = []
    consumed: set[int] = set()
    previous = ""
    pending: tuple[str, str | None] | None = None  # an interpreter expression waiting for its value
    path_pythons: set[str] = set()  # "python3.10" in traceback paths: one statement per version is enough
    repeats: dict[tuple[str, str], int] = {}
    for line in lines:
        text = line.text
        if not text.strip() or len(text) > 2000:
            continue
        if pending is not None:
            value = _VALUE.match(text)
            expression, module = pending
            pending = None
            if value and not text.lstrip().startswith((">>>", "In [")):
                found = _repl_value(expression, module, value.group("value"), line)
                if found:
                    observations.extend(found)
                    consumed.add(line.number)
                    previous = text
                    continue
        if previous.rstrip().endswith("echo $LD_LIBRARY_PATH"):
            text = f"LD_LIBRARY_PATH={text.strip()}"  # the value printed under the echo
        previous = text
        low = text.lower()
        if not _interesting(low):
            key_value = _KEY_VALUE.match(text) if (":" in text or "：" in text) else None
            if key_value is None or not is_known(key_value.group("label")):
                continue
        if "site-packages" in low or "dist-packages" in low:
            in_path_python = _PATH_PYTHON.search(low)
            seen_key = in_path_python.group(1) if in_path_python else ""
            if seen_key in path_pythons:
                continue  # another frame of a traceback: its path says nothing new
            path_pythons.add(seen_key)
        repl = (
            _REPL.match(text)
            if ("__version__" in low or "torch." in low or "tf." in low or "sys." in low)
            else None
        )
        if repl:
            rest = repl.group("rest").strip()
            if rest:
                found = _repl_value(repl.group("expr"), repl.group("module"), rest, line)
                if found:
                    observations.extend(found)
                    consumed.add(line.number)
                    continue
            else:
                pending = (repl.group("expr"), repl.group("module"))
                continue
        found = _statements(text, low, line)
        if found:
            consumed.add(line.number)
            for observation in found:
                # a log repeats its lines: a few statements of one value are enough to quote
                said = (observation.key, repr(observation.value))
                repeats[said] = repeats.get(said, 0) + 1
                if repeats[said] <= _REPEATS_KEPT:
                    observations.append(observation)
    return Parsed(tuple(observations), frozenset(consumed))


def _interesting(low: str) -> bool:
    for word in _GATE_WORDS:
        if word in low:
            return True
    return ("ti" in low or "super" in low or "gb" in low or "g " in low) and _BARE_GPU.search(low) is not None


def _statements(text: str, low: str, line: Line) -> list[Observation]:
    key_value = _KEY_VALUE.match(text) if (":" in text or "：" in text) else None
    if key_value and not is_prompt(text):
        interpreted = interpret(
            key_value.group("label"), key_value.group("value"), line, allow_generic_packages=False
        )
        if interpreted:
            return interpreted
    out: list[Observation] = []
    nvrm = _NVRM.search(text) if "nvrm" in low else None
    if nvrm:
        return [
            Observation("gpu.kernel_module_version", nvrm.group("version"), line),
            Observation("gpu.driver_version", nvrm.group("version"), line),
            Observation("gpu.driver_source", "procfs", line),
        ]
    ld_path = _LD_PATH.search(text) if "ld_library_path" in low else None
    if ld_path:
        dirs = [entry for entry in ld_path.group("value").split(":") if entry and _CUDA_DIR.search(entry)]
        return [Observation("env.ld_library_path_cuda", dirs, line)] if dirs else []
    if "/" in text and (
        "nvidia/cuda:" in low or "pytorch/pytorch:" in low or "tensorflow/tensorflow:" in low
    ):
        image = _image(text, line)
        if image:
            return image
    in_path = any(word in low for word in _TRACEBACK) or text.lstrip().startswith(('File "', "at "))
    smi_cuda = _SMI_CUDA.search(text) if ("driver version" in low or "nvidia-smi" in low) else None
    if smi_cuda:
        out.append(Observation("gpu.driver_cuda", smi_cuda.group("version"), line))
    smi = _SMI_HEADER.search(text) if "nvidia-smi" in low else None
    if smi:
        out.append(Observation("gpu.driver_version", smi.group("version"), line))
        out.append(Observation("gpu.driver_source", "report", line))
    if "cuda" in low:
        nvcc = _NVCC.search(text)
        if nvcc:
            out.append(Observation("cuda_toolkit.version", nvcc.group("release"), line))
            out.append(Observation("cuda_toolkit.nvcc_version", nvcc.group("full"), line))
        elif not in_path and not smi_cuda:
            cuda = _CUDA.search(text)
            if cuda and not _NOT_A_TOOLKIT.search(text):
                out.append(Observation("cuda_toolkit.version", major_minor(cuda.group("version")), line))
    if not in_path and any(word in low for word in _PACKAGE_WORDS):
        tagged = False
        for match in _PACKAGE_STATEMENT.finditer(text):
            out.extend(_package(match.group("name"), match.group("version"), line))
            tagged = tagged or "+" in match.group("version")
        if not tagged and ("torch" in low or "download.pytorch.org" in low):
            out.extend(_torch_cu_tag(text, line))
    if "python" in low:
        python = _PYTHON.search(text)
        if python:
            out.append(Observation("python.version", python.group("version"), line))
    if "cudnn" in low and not in_path:
        cudnn = _CUDNN.search(text)
        if cudnn:
            out.append(Observation("cudnn.version", cudnn.group("version"), line))
    if not smi:
        driver = _DRIVER.search(text) if "driver" in low else None
        if driver is None and "驱动" in text:
            driver = _DRIVER_ZH.search(text)
        if driver:
            out.append(Observation("gpu.driver_version", driver.group("version"), line))
            out.append(Observation("gpu.driver_source", "report", line))
    if not in_path:
        out.extend(_gpus(text, low, line))
        out.extend(_os(text, low, line))
    return out


def _os(text: str, low: str, line: Line) -> list[Observation]:
    if not any(word in low for word in _OS_WORDS) or _COMPILER_LINE.search(text):
        return []
    if _OS_HINT.search(text):
        return os_observations(text, line)
    if ("apple" in low or "mac" in low or "芯片" in text or "苹果" in text) and _APPLE_SILICON.search(text):
        return [
            Observation("os.system", "macos", line),
            Observation("os.distro", "macos", line),
            Observation("os.arch", "arm64", line),
        ]
    if "intel" in low and "mac" in low and _INTEL_MAC.search(text):
        return [
            Observation("os.system", "macos", line),
            Observation("os.distro", "macos", line),
            Observation("os.arch", "x86_64", line),
        ]
    if ("colab" in low or "kaggle" in low) and _HOSTED.search(text) and not _WORKS.search(text):
        return [Observation("os.system", "linux", line)]
    return []


def _gpus(text: str, low: str, line: Line) -> list[Observation]:
    if not any(word in low for word in _GPU_HINTS) and _BARE_GPU.search(low) is None:
        return []
    return [Observation("gpu.devices", found, line) for found in typed_gpus(text, context=None)]


def _image(text: str, line: Line) -> list[Observation]:
    """Docker image tags name the CUDA, cuDNN, framework and OS inside the container."""
    out: list[Observation] = []
    cuda_image = _NVIDIA_CUDA_IMAGE.search(text)
    if cuda_image:
        out.append(Observation("cuda_runtime.version", cuda_image.group("cuda"), line))
        if cuda_image.group("flavor") == "devel":
            out.append(Observation("cuda_toolkit.version", cuda_image.group("cuda"), line))
        if cuda_image.group("cudnn"):
            out.append(Observation("cudnn.version", cuda_image.group("cudnn"), line))
        out.append(Observation("os.system", "linux", line))
        if cuda_image.group("os") == "ubuntu":
            out.append(Observation("os.distro", "ubuntu", line))
            out.append(Observation("os.distro_version", cuda_image.group("osver"), line))
        out.append(Observation("os.container", "docker", line))
    torch_image = _PYTORCH_IMAGE.search(text)
    if torch_image:
        cuda = torch_image.group("cuda")
        major, minor = cuda.split(".")
        out.append(Observation("frameworks.torch.version", torch_image.group("torch"), line))
        out.append(Observation("packages.torch", {"version": torch_image.group("torch")}, line))
        out.append(Observation("frameworks.torch.cuda", cuda, line))
        out.append(Observation("frameworks.torch.variant", f"cu{major}{minor}", line))
        out.append(Observation("os.system", "linux", line))
        out.append(Observation("os.container", "docker", line))
    tf_image = _TF_IMAGE.search(text)
    if tf_image:
        out.append(Observation("frameworks.tensorflow.version", tf_image.group("tf"), line))
        out.append(Observation("packages.tensorflow", {"version": tf_image.group("tf")}, line))
        out.append(Observation("os.system", "linux", line))
        out.append(Observation("os.container", "docker", line))
    return out


def _torch_cu_tag(text: str, line: Line) -> list[Observation]:
    """``torch 2.4 cu124``, ``pytorch (cu121)``, ``.../whl/cu118``: the CUDA variant of the torch named."""
    tag = _CU_TAG.search(text)
    if not tag:
        return []
    major, minor = int(tag.group("major")), tag.group("minor")
    return [
        Observation("frameworks.torch.variant", f"cu{major}{minor}", line),
        Observation("frameworks.torch.cuda", f"{major}.{minor}", line),
    ]


def _repl_value(expression: str, module: str | None, raw: str, line: Line) -> list[Observation]:
    """What ``torch.__version__``, ``torch.version.cuda`` ... printed."""
    value = raw.strip().strip("'\"").strip()
    if not value:
        return []
    if module:
        version = re.search(
            r"(?<![\w.])v?(\d{1,6}\.\d{1,6}(?:\.\d{1,6}){0,4}(?:\.?(?:post|dev|rc|a|b)\d{1,12}|\+[\w.]{1,64}){0,4})",
            value,
        )
        return _package(_MODULES.get(module, module), version.group(1), line) if version else []
    if expression == "torch.version.cuda":
        if value == "None":
            return [
                Observation("frameworks.torch.cuda", None, line, reason="torch.version.cuda printed None")
            ]
        cuda = re.fullmatch(r"(\d{1,2}\.\d)(?:\.\d{1,6})?", value)
        return [Observation("frameworks.torch.cuda", cuda.group(1), line)] if cuda else []
    if expression == "torch.backends.cudnn.version()":
        number = re.fullmatch(r"\d{4,6}", value)
        return [Observation("frameworks.torch.cudnn", _cudnn_from_int(int(value)), line)] if number else []
    if expression == "torch.cuda.is_available()":
        answer = re.search(r"\b(True|False)\b", value)
        return (
            [Observation("frameworks.torch.cuda_available", answer.group(1) == "True", line)]
            if answer
            else []
        )
    if expression.startswith("torch.cuda.get_device_name"):
        names = gpu_names(value)
        return [Observation("gpu.devices", device(tidy_gpu_name(names[0])), line)] if names else []
    if expression.startswith(("tf.test", "tf.config")):
        answer = re.search(r"\b(True|False)\b", value)
        if answer:
            return [Observation("frameworks.tensorflow.gpu_available", answer.group(1) == "True", line)]
        if value == "[]":
            return [Observation("frameworks.tensorflow.gpu_available", False, line)]
        if "device_type='GPU'" in value:
            return [Observation("frameworks.tensorflow.gpu_available", True, line)]
        return []
    if expression == "sys.version":
        python = re.match(r"(3\.\d{1,2}\.\d{1,2})\b", value)
        return [Observation("python.version", python.group(1), line)] if python else []
    return []


def _cudnn_from_int(number: int) -> str:
    """torch.backends.cudnn.version(): 8902 -> 8.9.2, 90100 -> 9.1.0."""
    if number >= 10000:
        return f"{number // 10000}.{number % 10000 // 100}.{number % 100}"
    return f"{number // 1000}.{number % 1000 // 100}.{number % 100}"


def _package(name: str, version: str, line: Line) -> list[Observation]:
    canonical = canonical_name(name)
    if canonical in ("pytorch",):
        canonical = "torch"
    if canonical == "tf":
        canonical = "tensorflow"
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
