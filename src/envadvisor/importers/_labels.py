"""``label: value`` pairs as people write them: transformers/accelerate env bullets, the lists issue
templates ask for (``- PyTorch Version (e.g., 1.0):``), TensorFlow's ``### CUDA/cuDNN version`` answers
and hand-written ``CUDA version: 12.2`` lines all go through :func:`interpret`.
"""

from __future__ import annotations

import re

from envadvisor.importers._base import (
    Line,
    Observation,
    first_version,
    major_minor,
    observe,
    parse_bool,
    sentinel_reason,
    strip_decoration,
)
from envadvisor.importers._system import device, is_tensorflow_distribution, os_observations, typed_gpus
from envadvisor.model import canonical_name

_EXAMPLE = re.compile(r"\((?:e\.g\.?|eg\.?|if |for example|such as|optional)[^()]{0,256}\)", re.IGNORECASE)
_FLAG = re.compile(r"\((?P<flag>[^()?]{0,128}\?[^()]{0,128})\)")
_GENERIC_PACKAGE = re.compile(r"^(?P<name>[a-z][a-z0-9_.+-]{0,127})(?:\s{1,8}version)?$")

_OS_LABELS = frozenset(
    {
        "platform",
        "os",
        "operating system",
        "os platform and distribution",
        "os platform",
        "os version",
        "os platform and version",
        "system",
        "os and version",
        "operating system and version",
        "distro version",
        "kernel version",
        "linux distribution",
        "distribution",
        "系统",
        "操作系统",
        "系统版本",
        "系统环境",
        "操作系统版本",
    }
)
_PYTHON_LABELS = frozenset({"python version", "python", "python ver", "python版本", "python 版本"})
_TORCH_LABELS = frozenset(
    {
        "pytorch version",
        "torch version",
        "pytorch",
        "torch",
        "pytorch版本",
        "torch版本",
        "pytorch 版本",
        "torch 版本",
    }
)
_TF_LABELS = frozenset(
    {"tensorflow version", "tensorflow", "tf version", "tensorflow版本", "tensorflow 版本"}
)
_GPU_LABELS = frozenset(
    {
        "gpu type",
        "gpu",
        "gpus",
        "gpu model",
        "gpu models",
        "gpu model and memory",
        "gpu models and configuration",
        "gpu name",
        "graphics card",
        "gpu info",
        "hardware",
        "gpu/device",
        "device",
        "accelerator",
        "gpu model(s)",
        "显卡",
        "显卡型号",
        "gpu型号",
        "gpu 型号",
        "显卡信息",
        "硬件",
    }
)
_DRIVER_LABELS = frozenset(
    {
        "nvidia driver version",
        "driver version",
        "gpu driver version",
        "nvidia driver",
        "driver",
        "驱动",
        "驱动版本",
        "显卡驱动",
        "显卡驱动版本",
        "nvidia驱动版本",
        "nvidia 驱动版本",
    }
)
_CUDA_LABELS = frozenset(
    {
        "cuda version",
        "cuda",
        "cuda toolkit version",
        "cuda toolkit",
        "nvcc version",
        "cuda runtime",
        "cuda版本",
        "cuda 版本",
    }
)
_CUDNN_LABELS = frozenset({"cudnn version", "cudnn", "cudnn版本", "cudnn 版本"})
_BOTH_LABELS = frozenset(
    {"cuda/cudnn version", "cuda/cudnn", "cuda / cudnn version", "cuda and cudnn version"}
)
# Labels whose answers are not facts envadvisor keeps; reading them still explains the line.
_IGNORED = frozenset(
    {
        "using gpu in script?",
        "using gpu in script",
        "using distributed or parallel set-up in script?",
        "using distributed or parallel set-up in script",
        "accelerate config",
        "accelerate default config",
        "accelerate config passed",
        "accelerate bash location",
        "how you installed pytorch",
        "build command you used",
        "any other relevant information",
        "source",
        "custom code",
        "mobile device",
        "bazel version",
        "gcc/compiler version",
        "issue type",
        "have you reproduced the bug with tensorflow nightly?",
        "have you reproduced the bug with tf nightly?",
        "system ram",
        "kernel release",
        "windows version",
        "wsl version",
        "are you using wsl 1 or wsl 2?",
        "nvidia open gpu kernel modules version",
        "cann version",
        "is debug build",
        "显存",
        "内存",
    }
)
# Words that end in "version" but are not Python distributions.
_NOT_PACKAGES = frozenset(
    {
        "gcc",
        "clang",
        "cmake",
        "bazel",
        "libc",
        "kernel",
        "os",
        "cuda",
        "cudnn",
        "driver",
        "nvidia driver",
        "rocm",
        "hip",
        "miopen",
        "model",
        "firmware",
        "bios",
        "docker",
        "conda",
        "pip",
        "nccl",
        "vbios",
        "transformers.js",
    }
)
_PACKAGE_ALIASES = {"transformers": "transformers", "huggingface_hub": "huggingface-hub", "flax": "flax"}


def normalise_label(label: str) -> tuple[str, str | None]:
    """Lower-cased label without decoration or examples, and the ``(GPU?)``-style flag name if any."""
    text = strip_decoration(label.replace("`", "").replace("*", ""))
    text = _EXAMPLE.sub("", text)
    flag_match = _FLAG.search(text)
    flag = flag_match.group("flag").lower() if flag_match else None
    text = _FLAG.sub("", text)
    # "(use command below)", "(source or binary)", "（选填）"
    text = re.sub(r"\([^()]{0,256}\)|（[^（）]{0,256}）", "", text)
    text = re.sub(r"\s+", " ", text).strip(" -:").lower()
    return text, flag


def is_known(label: str) -> bool:
    name, _ = normalise_label(label)
    return (
        name in _OS_LABELS
        or name in _PYTHON_LABELS
        or name in _TORCH_LABELS
        or name in _TF_LABELS
        or name in _GPU_LABELS
        or name in _DRIVER_LABELS
        or name in _CUDA_LABELS
        or name in _CUDNN_LABELS
        or name in _BOTH_LABELS
        or name in _IGNORED
        or name == "pytorch accelerator"
        or _package_name(name) is not None
    )


def _package_name(label: str) -> str | None:
    if not label.endswith(" version"):
        return None
    match = _GENERIC_PACKAGE.match(label)
    if not match:
        return None
    name = match.group("name").strip()
    if name in _NOT_PACKAGES or " " in name:
        return None
    return canonical_name(_PACKAGE_ALIASES.get(name, name))


def version_of(value: str) -> str | None:
    """The version in an answer: a lone version token wins (``v2.13.0-rc2-7-g1cb1 2.13.0`` -> 2.13.0)."""
    tokens = [strip_decoration(token) for token in value.replace(",", " ").split()]
    for token in tokens:
        if re.fullmatch(
            r"v?\d{1,12}(?:\.\d{1,12}){1,12}(?:[a-z]{1,16}\d{0,12})?(?:\.(?:dev|post)\d{1,12})?(?:\+[\w.]{1,64})?",
            token,
            re.IGNORECASE,
        ):
            return token.lstrip("v")
    return first_version(value)


def interpret(
    label: str, value: str, line: Line, *, allow_generic_packages: bool = True
) -> list[Observation] | None:
    """The observations one ``label: value`` pair gives, or ``None`` when the label is not one we know."""
    name, flag = normalise_label(label)
    value = value.strip()
    if name in _IGNORED:
        return []
    if name in _OS_LABELS:
        if sentinel_reason(value):
            return []
        return os_observations(value, line, platform_string=name == "platform")
    if name in _PYTHON_LABELS:
        return [observe("python.version", value, line, value=version_of(value))] if version_of(value) else []
    if name in _TORCH_LABELS:
        return _framework("torch", value, flag, line)
    if name == "pytorch accelerator":
        lowered = strip_decoration(value).lower()
        if lowered == "cuda":
            return [Observation("frameworks.torch.cuda_available", True, line)]
        if lowered in ("n/a", "na", "none", "cpu"):
            return [Observation("frameworks.torch.cuda_available", False, line)]
        return []
    if name in _TF_LABELS:
        return _framework("tensorflow", value, flag, line)
    if name in _GPU_LABELS:
        return _gpus(value, line)
    if name in _DRIVER_LABELS:
        driver = re.search(r"(?<!\d)(\d{3}\.\d{1,3}(?:\.\d{1,3})?)\b", value)
        if not driver:
            return []
        return [
            Observation("gpu.driver_version", driver.group(1), line),
            Observation("gpu.driver_source", "report", line),
        ]
    if name in _CUDA_LABELS:
        return _cuda(value, line)
    if name in _CUDNN_LABELS:
        version = first_version(value)
        return [Observation("cudnn.version", version, line)] if version else []
    if name in _BOTH_LABELS:
        return _cuda_and_cudnn(strip_decoration(value), line)
    package = _package_name(name) if allow_generic_packages else None
    if package is not None:
        if package in ("jax", "jaxlib", "flax") or is_tensorflow_distribution(package):
            return _framework(package, value, flag, line)
        version = first_version(value)
        if version is None:
            return []
        return [Observation(f"packages.{package}", {"version": version}, line)]
    return None


# Platform words inside installer names (``cudnn-windows-x86_64-8.6.0.163_cuda11``) carry digits that
# are not versions; they go before a version is looked for.
_ARCH_WORDS = re.compile(r"\b(?:x86[_-]64|x86|x64|amd64|aarch64|arm64|ppc64le|sbsa)\b", re.IGNORECASE)


def _cuda_and_cudnn(value: str, line: Line) -> list[Observation]:
    """``12.1/8.8.0.121``, ``CUDA 12.6; CUDNN 9.0``, ``CUDA 10.0``, ``11.5``, and installer names as people
    paste them: ``cuda_11.8.0_522.06_windows / cudnn-windows-x86_64-8.6.0.163_cuda11``."""
    value = _ARCH_WORDS.sub(" ", value)
    named_cuda = re.search(r"cuda(?!\s{0,8}nn)\D{0,12}?(\d{1,6}\.\d{1,6})", value, re.IGNORECASE)
    named_cudnn = re.search(r"cudnn\D{0,12}?(\d{1,6}(?:\.\d{1,6}){0,4})", value, re.IGNORECASE)
    if named_cuda or named_cudnn:
        out = _cuda(named_cuda.group(1), line) if named_cuda else []
        if named_cudnn:
            out.append(Observation("cudnn.version", named_cudnn.group(1), line))
        return out
    parts = re.split(r"\s{0,16}[/,;]\s{0,16}|\s{1,16}and\s{1,16}", value, maxsplit=1)
    out = _cuda(parts[0], line)
    if len(parts) > 1 and first_version(parts[1]):
        out.append(Observation("cudnn.version", first_version(parts[1]), line))
    return out


def _cuda(value: str, line: Line) -> list[Observation]:
    version = first_version(value)
    if version is None or sentinel_reason(value):
        return []
    return [Observation("cuda_toolkit.version", major_minor(version), line)]


# In a field that asks for the GPU, people often type the model number alone ("1050ti 4 GB", "4090"):
# there the number is a GeForce model. Only the numbers GeForce GTX (7xx, 9xx, 10xx, 16xx) and RTX
# (20xx-50xx) cards carry are read, and only when no spelled-out name is in the field.
_BARE_GEFORCE = re.compile(
    r"(?<![\w.])(?P<num>[79][5-8]0|1[06][5-9]0|[2-5]0[5-9]0)\s?(?P<suffix>ti|super)?(?![\w.])", re.IGNORECASE
)


def _bare_geforce(value: str) -> list[str]:
    names: list[str] = []
    for match in _BARE_GEFORCE.finditer(value):
        number = match.group("num")
        series = "RTX" if len(number) == 4 and number[0] in "2345" else "GTX"
        suffix = {"ti": " Ti", "super": " SUPER"}.get((match.group("suffix") or "").lower(), "")
        name = f"GeForce {series} {number}{suffix}"
        if name not in names:
            names.append(name)
    return names


def _gpus(value: str, line: Line) -> list[Observation]:
    if sentinel_reason(value) or not value.strip():
        return []
    found = typed_gpus(value, context=True) or [device(name) for name in _bare_geforce(value)]
    return [Observation("gpu.devices", entry, line) for entry in found]


def _framework(name: str, value: str, flag: str | None, line: Line) -> list[Observation]:
    """``2.0.1+cu117 (True)``, ``2.12.1+cu130 (CUDA)``, ``2.15.1 (False)``, ``not installed (NA)``."""
    reason = sentinel_reason(value.split("(")[0])
    if reason:
        return []
    version = version_of(value.split("(")[0]) or version_of(value)
    if version is None:
        return []
    out: list[Observation] = []
    canonical = canonical_name(name)
    if name == "torch":
        out.append(Observation("frameworks.torch.version", version, line))
    elif is_tensorflow_distribution(canonical):
        out.append(Observation("frameworks.tensorflow.version", version, line))
        out.append(Observation("frameworks.tensorflow.distribution", canonical, line))
    elif name == "jax":
        out.append(Observation("frameworks.jax.version", version, line))
    elif name == "jaxlib":
        out.append(Observation("frameworks.jax.jaxlib", version, line))
    out.append(Observation(f"packages.{canonical}", {"version": version}, line))
    accel = re.search(r"\(([^()]{0,256})\)\s{0,16}$", value)
    if accel and flag is not None:
        answer = accel.group(1).strip()
        available = parse_bool(answer)
        if available is None and answer.lower() in ("cuda",):
            available = True
        elif available is None and answer.lower() in ("na", "n/a", "cpu"):
            available = False
        if available is not None and name == "torch":
            out.append(Observation("frameworks.torch.cuda_available", available, line))
        elif available is not None and is_tensorflow_distribution(canonical):
            out.append(Observation("frameworks.tensorflow.gpu_available", available, line))
    return out
