"""Operating system, GPU names and package rows as reports spell them, turned into observations.

Several formats share these readers: collect_env's ``OS:`` and ``Python platform:`` lines, the
transformers ``Platform:`` line, TensorFlow's "OS Platform and Distribution" and free text all describe
an operating system; GPU names appear in collect_env, nvidia-smi, issue templates and prose.
"""

from __future__ import annotations

import re
from typing import Any

from envadvisor.importers._base import Line, Observation, major_minor
from envadvisor.model import canonical_name

# ------------------------------------------------------------------------------------------------
# Operating systems
# ------------------------------------------------------------------------------------------------

_LINUX_DISTROS = (
    ("ubuntu", r"ubuntu(?=\D{0,12}?\d{2}\.\d{2}(?!\.\d+-))|ubuntu(?!\D{0,12}?\d)"),
    ("debian", r"debian"),
    ("centos", r"centos"),
    ("rhel", r"red hat enterprise linux|\brhel\b"),
    ("rocky", r"rocky linux"),
    ("almalinux", r"almalinux"),
    ("fedora", r"fedora"),
    ("arch", r"\barch linux\b|\barchlinux\b"),
    ("manjaro", r"manjaro"),
    ("opensuse", r"opensuse|\bsles\b|suse linux"),
    ("linuxmint", r"linux mint"),
    ("pop", r"pop!_os"),
    ("amzn", r"amazon linux"),
    ("kylin", r"kylin"),
    ("oracle", r"oracle linux"),
    ("nixos", r"nixos"),
    ("gentoo", r"gentoo"),
)
_DISTRO_RES = tuple(
    (name, re.compile(rf"(?:{pattern})(?:\D{{0,12}}?(\d{{1,6}}(?:\.\d{{1,6}})?))?", re.I))
    for name, pattern in _LINUX_DISTROS
)
_WINDOWS = re.compile(r"\bwindows(?:[\s-]{0,8}(?:server\s{0,8})?(\d{2,4}))?|\bwin\s?(1[01])\b", re.I)
_MACOS = re.compile(r"\b(?:macos|mac\s?os\s?x?|osx|darwin)\b[\s-]{0,8}(\d{1,6}(?:\.\d{1,6}){0,4})?", re.I)
_WSL = re.compile(r"\bwsl2?\b|microsoft-standard", re.I)
_ARCH = re.compile(r"\b(x86_64|amd64|aarch64|arm64)\b", re.I)
_GLIBC = re.compile(r"glibc[-\s]?(\d{1,6}\.\d{1,6})", re.I)
# A form that lists the choices before the answer ("操作系统 (Linux/macOS/Windows)：windows",
# "OS (Linux/Mac/Windows): Linux"): the parenthesised list names every system, the answer only one.
_CHOICE_LIST = re.compile(r"[(（][^()（）/\n]{1,24}(?:/[^()（）/\n]{1,24}){1,6}[)）]")
_KERNEL = re.compile(r"^Linux-(?P<kernel>\d{1,6}\.\d{1,6}[\w.+-]{0,128}?)-(?:x86_64|aarch64|arm64)", re.I)
_MACOS_PLATFORM = re.compile(r"^macOS-(?P<version>\d{1,6}(?:\.\d{1,6}){0,4})-(?P<arch>arm64|x86_64)", re.I)


def _arch_name(raw: str) -> str:
    lowered = raw.lower()
    return {"amd64": "x86_64"}.get(lowered, lowered)


def os_observations(value: str, line: Line | None, *, platform_string: bool = False) -> list[Observation]:
    """What an OS description says: system, distribution, version, architecture, WSL, glibc, kernel."""
    found: dict[str, Any] = {}
    text = _CHOICE_LIST.sub(" ", value).strip()
    if platform_string:
        kernel = _KERNEL.match(text)
        if kernel:
            found["os.system"] = "linux"
            found["os.kernel"] = kernel.group("kernel")
        mac = _MACOS_PLATFORM.match(text)
        if mac:
            found["os.system"] = "macos"
            found["os.distro"] = "macos"
            found["os.distro_version"] = mac.group("version")
    if _WSL.search(text):
        found["os.system"] = "linux"
        found["os.wsl"] = True
    for name, pattern in _DISTRO_RES:
        match = pattern.search(text)
        if match:
            found.setdefault("os.system", "linux")
            found["os.distro"] = name
            if match.group(1):
                found["os.distro_version"] = match.group(1)
            break
    else:
        mac = _MACOS.search(text)
        win = _WINDOWS.search(text)
        if win and (not mac or win.start() < mac.start()):
            found["os.system"] = "windows"
            found["os.distro"] = "windows"
            release = win.group(1) or win.group(2)
            if release:
                found["os.distro_version"] = release
        elif mac:
            found["os.system"] = "macos"
            found["os.distro"] = "macos"
            if mac.group(1) and "os.distro_version" not in found:
                found["os.distro_version"] = mac.group(1)
        elif re.search(r"\blinux\b", text, re.I):
            found.setdefault("os.system", "linux")
    arch = _ARCH.search(text)
    if arch:
        found["os.arch"] = _arch_name(arch.group(1))
    glibc = _GLIBC.search(text)
    if glibc:
        found["os.glibc"] = glibc.group(1)
    return [Observation(key, val, line) for key, val in found.items()]


# ------------------------------------------------------------------------------------------------
# GPU names
# ------------------------------------------------------------------------------------------------

# Names NVIDIA sells, in the spellings people paste. Short data-centre names (T4, L4, A2 ...) need a
# "NVIDIA"/"Tesla" prefix or a "GPU" suffix: on their own they are too easily something else.
_GPU_NAME = re.compile(
    r"(?<![\w-])(?P<name>"
    r"(?:NVIDIA\s{1,4})?(?:GeForce\s{1,4})?(?:RTX|GTX)\s?\d{3,4}(?:\s?(?:Ti|SUPER|Super)){0,2}(?:\s(?:Laptop\sGPU|Max-Q))?"
    r"|(?:NVIDIA\s{1,4})?(?:Quadro\s{1,4})?RTX\s?(?:PRO\s)?[A-Z]?\d{4}(?:\s(?:Ada|Blackwell)(?:\sGeneration)?)?"
    r"|(?:NVIDIA\s{1,4})?Quadro\s{1,4}[A-Z]{0,3}\d{3,4}"
    r"|(?:NVIDIA\s{1,4})?TITAN\s{1,4}(?:RTX|V|Xp|X)"
    r"|(?:NVIDIA\s{1,4})?(?:Tesla\s{1,4})?(?:A100|A800|H100|H200|H800|H20|B200|B100|B300|GB200|GB10|GH200|A6000|A5000"
    r"|A4000|V100|P100|K80|K40|M40|M60|P40|L40S?|L20|A40|A30|A16|A10G?)(?:[-\s](?:SXM\d?|PCIe|NVL|\d{1,4}GB(?:\sHBM\d\w{0,4})?)){0,4}"
    r"|(?:NVIDIA|Tesla)\s{1,4}(?:T4|L4|A2|P4)"
    r"|(?:T4|L4|A2|P4)(?=\s{1,4}GPU)"
    r")(?![\w])",
    re.IGNORECASE,
)


def gpu_names(text: str) -> list[str]:
    """NVIDIA GPU names in free text, in order, without duplicates."""
    names: list[str] = []
    for match in _GPU_NAME.finditer(text):
        name = " ".join(match.group("name").split())
        if name not in names:
            names.append(name)
    return names


# Names as people type them, beyond what nvidia-smi prints: model numbers alone (in a GPU context, or
# with Ti/SUPER/a memory size), run-together spellings (RTX3090, 1050ti) and memory suffixes (3090 24G).
_BARE_GPU = re.compile(
    r"(?<![A-Za-z0-9_.\-/:])(?:(?P<prefix>RTX|GTX|RXT)[\s-]?)?(?P<num>10[5-8]0|16[356]0|20[6-8]0|30[5-9]0|40[5-9]0|50[5-9]0)"
    r"(?:\s?(?P<suffix>ti|super))?(?:\s?(?P<mem>\d{1,2})\s?g(?:b|ib)?)?(?![\w.])",
    re.IGNORECASE,
)
_GPU_CONTEXT = ("gpu", "graphics", "显卡", "geforce", "nvidia", "vram", "显存", "card", "rtx", "gtx")
_MEMORY = re.compile(r"(?<![A-Za-z0-9_.])(?P<gb>\d{1,3})\s?(?:g|gb|gib)\b", re.IGNORECASE)


def tidy_gpu_name(name: str) -> str:
    """``RTX3090`` -> ``RTX 3090``, ``GTX1080TI`` -> ``GTX 1080 Ti``: the spellings the tables know."""
    name = re.sub(r"(?i)\b(RTX|GTX)-?(?=\d)", lambda m: m.group(1).upper() + " ", name)
    name = re.sub(r"(?i)(\d)\s?ti\b", r"\1 Ti", name)
    return re.sub(r"(?i)(\d)\s?super\b", r"\1 SUPER", name)


def typed_gpus(text: str, *, context: bool | None = None) -> list[dict[str, Any]]:
    """GPUs in text a person typed, as device dicts (name, and memory when stated). ``context`` says the
    text is about GPUs (a ``GPU:`` answer); ``None`` looks for a GPU word in the text itself."""
    low = text.lower()
    if context is None:
        context = any(word in low for word in _GPU_CONTEXT)
    names = [tidy_gpu_name(name) for name in gpu_names(text)]
    numbers = {re.sub(r"\D", "", name)[-4:] for name in names}
    memories: dict[str, int] = {}
    for match in _BARE_GPU.finditer(text):
        number = match.group("num")
        if number in numbers:
            continue
        if not (match.group("prefix") or match.group("suffix") or match.group("mem") or context):
            continue
        series = "GTX" if number.startswith(("10", "16")) else "RTX"
        name = f"GeForce {series} {number}"
        suffix = match.group("suffix")
        if suffix:
            name += " Ti" if suffix.lower() == "ti" else " SUPER"
        names.append(name)
        numbers.add(number)
        if match.group("mem"):
            memories[name] = int(match.group("mem")) * 1024
    if (
        len(names) == 1
        and names[0] not in memories
        and ("显存" in text or "vram" in low or "memory" in low or context)
    ):
        memory = _MEMORY.search(text)
        if memory and 2 <= int(memory.group("gb")) <= 192:
            memories[names[0]] = int(memory.group("gb")) * 1024
    out: list[dict[str, Any]] = []
    for name in dict.fromkeys(names):
        out.append(device(name, memory_mib=memories.get(name)))
    return out


def device(name: str, *, index: int | None = None, memory_mib: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    if index is not None:
        out["index"] = index
    if memory_mib is not None:
        out["memory_mib"] = memory_mib
    return out


# ------------------------------------------------------------------------------------------------
# Packages
# ------------------------------------------------------------------------------------------------

_TF_DISTRIBUTIONS = frozenset(
    {
        "tensorflow",
        "tensorflow-gpu",
        "tensorflow-cpu",
        "tensorflow-macos",
        "tensorflow-intel",
        "tf-nightly",
        "tensorflow-rocm",
        "intel-tensorflow",
    }
)
_CONDA_BUILD_CUDA = re.compile(r"cuda(\d{1,3})\.(\d{1,3})|cuda(\d{2})(\d)(?!\d)", re.I)
_CONDA_BUILD_CUDNN = re.compile(r"cudnn(\d{1,6}(?:\.\d{1,6}){1,4})", re.I)
_NVIDIA_WHEEL = re.compile(r"^nvidia-(?P<lib>[a-z-]{1,64}?)-cu(?P<major>\d{1,3})$")


def package_observations(
    name: str,
    version: str,
    line: Line | None,
    *,
    installer: str,
    source: str,
    channel: str | None = None,
    build: str | None = None,
) -> list[Observation]:
    """One installed package, plus what its name, version and build string say about CUDA builds."""
    canonical = canonical_name(name)
    if source == "conda" and canonical == "pytorch":
        canonical = "torch"  # the same distribution under its conda name
    version = version.strip()
    fields: dict[str, Any] = {"version": version, "installer": installer, "source": source}
    if channel:
        fields["channel"] = channel
    out = [Observation(f"packages.{canonical}", fields, line)]
    key = f"packages.{canonical}.version"
    if canonical == "torch" and build:
        out.extend(_conda_torch_build(build, line, key))
    elif canonical == "pytorch-cuda":
        out.append(Observation("frameworks.torch.cuda", major_minor(version), line, derived_from=key))
    elif canonical in ("cudnn", "nvidia-cudnn-cu11", "nvidia-cudnn-cu12", "nvidia-cudnn-cu13"):
        out.append(Observation("cudnn.copies", _copy(version, source, canonical), line))
    elif canonical in ("cudatoolkit", "cuda-cudart", "cuda-runtime") or _is_nvidia_wheel(
        canonical, "cuda-runtime"
    ):
        copy = _copy(major_minor(version) or version, source, canonical)
        out.append(Observation("cuda_runtime.copies", copy, line))
    elif canonical in ("nccl",) or _is_nvidia_wheel(canonical, "nccl"):
        out.append(Observation("nccl.copies", _copy(version, source, canonical), line))
    elif canonical in ("jax-cuda12-plugin", "jax-cuda13-plugin", "jax-cuda11-plugin"):
        out.append(
            Observation("frameworks.jax.cuda_plugin", canonical.split("cuda")[1][:2], line, derived_from=key)
        )
    return out


def _is_nvidia_wheel(canonical: str, lib: str) -> bool:
    match = _NVIDIA_WHEEL.match(canonical)
    return bool(match and match.group("lib") == lib)


def _copy(version: str, source: str, name: str) -> dict[str, Any]:
    return {"version": version, "source": "wheel" if source == "pypi" else source, "name": name}


def _conda_torch_build(build: str, line: Line | None, key: str) -> list[Observation]:
    """The pytorch channel's ``py3.10_cuda11.8_cudnn8.7.0_0`` and conda-forge's ``cuda120_py310h...``."""
    out: list[Observation] = []
    lowered = build.lower()
    cuda = _CONDA_BUILD_CUDA.search(lowered)
    if cuda:
        major, minor = (cuda.group(1), cuda.group(2)) if cuda.group(1) else (cuda.group(3), cuda.group(4))
        out.append(Observation("frameworks.torch.cuda", f"{int(major)}.{int(minor)}", line, derived_from=key))
        out.append(
            Observation("frameworks.torch.variant", f"cu{int(major)}{int(minor)}", line, derived_from=key)
        )
        cudnn = _CONDA_BUILD_CUDNN.search(lowered)
        if cudnn:
            out.append(Observation("frameworks.torch.cudnn", cudnn.group(1), line, derived_from=key))
    elif re.search(r"(?:^|_)cpu(?:_|$)", lowered):
        out.append(Observation("frameworks.torch.variant", "cpu", line, derived_from=key))
        out.append(
            Observation(
                "frameworks.torch.cuda",
                None,
                line,
                reason="a CPU build of torch (conda build string)",
                derived_from=key,
            )
        )
    return out


def is_tensorflow_distribution(canonical: str) -> bool:
    return canonical in _TF_DISTRIBUTIONS


_FREEZE = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,127})\s{0,8}(?:===?\s{0,8}(?P<version>[^\s;#,]{1,128})|\s@\s{1,8}(?P<url>\S{1,4096}))"
)


def freeze_line(text: str) -> tuple[str, str] | None:
    """``name==version`` or ``name @ url`` (version then taken from the wheel file name when it has one)."""
    match = _FREEZE.match(text.strip())
    if not match:
        return None
    if match.group("version"):
        return match.group("name"), match.group("version")
    url = match.group("url") or ""
    wheel = re.search(
        r"/[A-Za-z0-9_.]{1,128}-(\d{1,12}(?:\.\d{1,12}){1,12}[^-/]{0,64})-[^/]{0,256}\.whl", url
    )
    return (match.group("name"), wheel.group(1)) if wheel else None
