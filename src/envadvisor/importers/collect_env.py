"""PyTorch's ``python -m torch.utils.collect_env`` report, every era (report-formats.md section 1).

A line that starts with a known label begins a field; other non-blank lines continue the field before
(multi-line GPU and cuDNN values, the CPU block). ``[tag] payload`` lines are packages: ``[pip3]``,
``[pip]``, ``[uv]`` and any other tag hold ``pip list --format=freeze`` lines, ``[conda]`` holds
``conda list`` rows. Sentinels (Could not collect, No CUDA, N/A) become unknowns with their reason.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from envadvisor.importers._base import (
    Line,
    Observation,
    Parsed,
    first_version,
    major_minor,
    observe,
    parse_bool,
    sentinel_reason,
    strip_decoration,
)
from envadvisor.importers._system import device, freeze_line, os_observations, package_observations

NAME = "collect_env"

# Every label any era printed (collect_env 2019 .. 2.11, and vLLM's copy); lower case.
LABELS = (
    "pytorch version",
    "is debug build",
    "cuda used to build pytorch",
    "rocm used to build pytorch",
    "xpu used to build pytorch",
    "os",
    "gcc version",
    "clang version",
    "cmake version",
    "libc version",
    "python version",
    "python platform",
    "is cuda available",
    "cuda runtime version",
    "cuda_module_loading set to",
    "gpu models and configuration",
    "nvidia driver version",
    "cudnn version",
    "is xpu available",
    "intel gpu driver version",
    "intel gpu models onboard",
    "intel gpu models detected",
    "hip runtime version",
    "miopen runtime version",
    "is xnnpack available",
    "caching allocator config",
    "cpu",
    "versions of relevant libraries",
    "version of relevant libraries",  # hand-edited pastes
    # vLLM's sections (vllm.py) share this reader
    "rocm version",
    "neuron sdk version",
    "vllm version",
    "vllm build flags",
    "gpu topology",
)
_LABEL_SET = frozenset(LABELS)
_MULTILINE = frozenset(
    {"gpu models and configuration", "cudnn version", "cpu", "gpu topology", "vllm build flags"}
)
# ":" or the full-width "：" of localised systems; the first label is sometimes pasted without its colon
_FIELD = re.compile(
    r"^(?P<label>[A-Za-z](?:[A-Za-z0-9 _./()-]{0,80}[A-Za-z0-9_./()-])?)\s{0,128}[:：]\s?(?P<value>.*)$"
)
_BARE_TORCH_VERSION = re.compile(r"^(?P<label>PyTorch version)\s{1,64}(?P<value>\d\S{0,64})$", re.IGNORECASE)
_INLINE_LABELS = re.compile(
    r"(?:^|\s)(?P<label>"
    + "|".join(re.escape(lab) for lab in sorted(LABELS, key=len, reverse=True))
    + r")\s{0,16}:(?:\s|$)",
    re.IGNORECASE,
)
_PACKAGE = re.compile(r"^\[(?P<tag>[A-Za-z0-9_.+-]{1,32})\]\s{1,16}(?P<payload>.*)$")
_GPU_LINE = re.compile(
    r"^\s{0,16}GPU\s{1,8}(?P<index>\d{1,3})\s{0,8}[:：]\s{0,8}(?P<name>\S.{0,254}?)(?:\s{0,8}\(UUID:[^)]{0,128}\))?\s{0,16}$"
)
_CUDNN_FILE = re.compile(r"cudnn\w{0,32}?(?:\.so\.|64_)(?P<version>\d{1,6}(?:\.\d{1,6}){0,4})", re.IGNORECASE)


def _label_of(text: str) -> tuple[str, str] | None:
    match = _FIELD.match(text) or _BARE_TORCH_VERSION.match(text)
    if not match:
        return None
    label = re.sub(r"\s+", " ", match.group("label").strip().lower())
    return (label, match.group("value")) if label in _LABEL_SET else None


# A line can carry one of the labels detect() looks for only if it holds one of these words.
_DETECT_WORDS = ("debug", "relevant", "available", "driver", "models", "cudnn", "pytorch", "build")


def detect(lines: Sequence[Line]) -> bool:
    relevant = [line for line in lines if any(word in line.text.lower() for word in _DETECT_WORDS)]
    labels = {found[0] for line in _split_run_together(relevant) if (found := _label_of(line.text.strip()))}
    core = labels & {
        "cuda used to build pytorch",
        "is debug build",
        "versions of relevant libraries",
        "is cuda available",
        "nvidia driver version",
        "gpu models and configuration",
        "cudnn version",
    }
    # the PyTorch line may be edited away or mangled; three of collect_env's own labels suffice then
    return bool(core) and ("pytorch version" in labels or len(core) >= 3)


def _split_run_together(lines: Sequence[Line]) -> list[Line]:
    # A paste that lost its newlines keeps the labels in one line; split it at each known label.
    out: list[Line] = []
    for line in lines:
        text = line.text
        if ":" not in text:  # every label ends in a colon
            out.append(line)
            continue
        starts = [m.start("label") for m in _INLINE_LABELS.finditer(text)]
        if len(starts) < 2:
            out.append(line)
            continue
        if text[: starts[0]].strip():
            out.append(Line(line.number, text[: starts[0]]))
        bounds = [*starts, len(text)]
        out.extend(Line(line.number, text[a:b].strip()) for a, b in itertools.pairwise(bounds))
    return out


def parse(lines: Sequence[Line], *, section_titles: frozenset[str] = frozenset()) -> Parsed:
    """Read every collect_env field. ``section_titles`` lets the vLLM variant skip its banners."""
    observations: list[Observation] = []
    consumed: set[int] = set()
    active = False
    label: str | None = None
    label_line: Line | None = None
    first_value = ""
    continuation: list[Line] = []
    unknown_run = 0

    def finish() -> None:
        if label is not None and label_line is not None:
            observations.extend(_field(label, first_value, continuation, label_line))

    for line in _split_run_together(lines):
        text = line.text.strip()
        found = _label_of(text)
        if found:
            finish()
            label, first_value = found
            label_line, continuation, active, unknown_run = line, [], True, 0
            consumed.add(line.number)
            continue
        if not active:
            continue
        package = _PACKAGE.match(text)
        if package:
            finish()
            label = None
            observations.extend(_package(package.group("tag"), package.group("payload"), line))
            consumed.add(line.number)
            unknown_run = 0
            continue
        if not text:
            if label in ("gpu models and configuration", "cudnn version") and continuation:
                finish()
                label = None
            continue
        if set(text) <= {"="} or text.lower() in section_titles:
            finish()
            label = None
            consumed.add(line.number)
            continue
        if label in _MULTILINE or (label == "cuda_module_loading set to"):
            continuation.append(line)
            consumed.add(line.number)
            unknown_run = 0
            continue
        unknown_run += 1
        if unknown_run > 2:
            finish()
            label, active = None, False
    finish()
    return Parsed(tuple(observations), frozenset(consumed))


def _field(label: str, value: str, continuation: list[Line], line: Line) -> list[Observation]:
    value = value.strip()
    if label == "pytorch version":
        reason = sentinel_reason(value)
        if reason:
            return [
                Observation("frameworks.torch.version", None, line, reason=reason + ": torch not importable")
            ]
        return [observe("frameworks.torch.version", value.split()[0] if value else value, line)]
    if label == "cuda used to build pytorch":
        return _build_cuda(value, line)
    if label == "rocm used to build pytorch":
        return [observe("frameworks.torch.hip", value, line)] if not sentinel_reason(value) else []
    if label == "os":
        return os_observations(value, line) if not sentinel_reason(value) else []
    if label == "libc version":
        return os_observations(value, line) if "glibc" in value.lower() else []
    if label == "python version":
        return [observe("python.version", value, line, parse_version=True)]
    if label == "python platform":
        return os_observations(value, line, platform_string=True)
    if label == "is cuda available":
        flag = parse_bool(value)
        if flag is None:
            return [Observation("frameworks.torch.cuda_available", None, line, reason=sentinel_reason(value))]
        return [Observation("frameworks.torch.cuda_available", flag, line)]
    if label == "cuda runtime version":
        return _nvcc(value, line)
    if label == "gpu models and configuration":
        return _gpus(value, continuation, line)
    if label == "nvidia driver version":
        reason = sentinel_reason(value)
        if reason:
            return [Observation("gpu.driver_version", None, line, reason=reason)]
        return [
            observe("gpu.driver_version", value, line, parse_version=True),
            Observation("gpu.driver_source", "report", line),
        ]
    if label == "cudnn version":
        return _cudnn(value, continuation, line)
    if label == "cpu":
        return _cpu(value, continuation)
    if label == "vllm version":
        version = first_version(value)
        if version:
            return [Observation("packages.vllm", {"version": version, "source": "pypi"}, line)]
    return []


def _build_cuda(value: str, line: Line) -> list[Observation]:
    key = "frameworks.torch.cuda"
    lowered = strip_decoration(value).lower()
    if lowered in ("none", "could not collect"):
        # torch.version.cuda is None: a CPU (or macOS/MPS) build; the variant is settled once the OS is known.
        return [
            Observation(
                key, None, line, reason=f"a CPU-only build of torch (the report says {value.strip()!r})"
            ),
            Observation("frameworks.torch.variant", "cpu-or-macos", line),
        ]
    if lowered == "n/a":
        return [
            Observation(
                key, None, line, reason="the report says 'N/A' (a ROCm build, or torch not importable)"
            )
        ]
    version = major_minor(first_version(value) or "")
    if version is None:
        return [
            Observation(key, None, line, reason=f"the report's value {value.strip()[:40]!r} is not a version")
        ]
    return [Observation(key, version, line)]


def _nvcc(value: str, line: Line) -> list[Observation]:
    reason = sentinel_reason(value)
    if reason:
        why = f"{reason}; collect_env's 'CUDA runtime version' is the nvcc on PATH (often absent)"
        return [Observation("cuda_toolkit.version", None, line, reason=why)]
    full = first_version(value)
    if full is None:
        return [
            Observation("cuda_toolkit.version", None, line, reason="the report's nvcc version is unreadable")
        ]
    return [
        Observation("cuda_toolkit.nvcc_version", full, line),
        Observation("cuda_toolkit.version", major_minor(full), line),
        Observation("cuda_toolkit.source", "nvcc-on-PATH", line),
        Observation(
            "cuda_runtime.version",
            None,
            line,
            reason="collect_env's 'CUDA runtime version' is the nvcc on PATH, not the runtime torch loads",
        ),
    ]


def _gpus(value: str, continuation: list[Line], line: Line) -> list[Observation]:
    reason = sentinel_reason(value) if value.strip() else None
    if reason:
        return [Observation("gpu.devices", None, line, reason=reason)]
    entries = ([line] if value.strip() else []) + continuation
    out: list[Observation] = []
    for entry in entries:
        text = value if entry is line else entry.text
        gpu = _GPU_LINE.match(text)
        if gpu:
            out.append(
                Observation(
                    "gpu.devices", device(gpu.group("name").strip(), index=int(gpu.group("index"))), entry
                )
            )
        elif entry is line and text.strip() and not text.strip().lower().startswith("mig"):
            out.append(Observation("gpu.devices", device(strip_decoration(text)), entry))
    return out


def _cudnn(value: str, continuation: list[Line], line: Line) -> list[Observation]:
    reason = sentinel_reason(value) if value.strip() else None
    why = "collect_env lists the system's cuDNN files, not the copy the framework loads"
    if reason:
        return [Observation("cudnn.version", None, line, reason=reason)]
    out = [Observation("cudnn.version", None, line, reason=why)]
    entries = [(line, value)] if value.strip() and "probably one of" not in value.lower() else []
    entries += [(entry, entry.text.strip()) for entry in continuation]
    for entry, text in entries:
        found = _CUDNN_FILE.search(text)
        version = found.group("version") if found else first_version(text)
        if version:
            copy = {
                "version": version,
                "source": "system",
                "path": text if ("/" in text or "\\" in text) else None,
            }
            out.append(Observation("cudnn.copies", copy, entry))
    return out


def _cpu(value: str, continuation: list[Line]) -> list[Observation]:
    entries = [line for line in continuation if line.text.strip()]
    for entry in entries:
        text = entry.text.strip()
        match = re.match(
            r"^(?:model name|name|processor)\s{0,16}[:=：]\s{0,16}(?P<cpu>.+)$", text, re.IGNORECASE
        )
        if match:
            return [Observation("os.cpu", match.group("cpu").strip(), entry)]
    if value.strip():
        return []
    if len(entries) == 1 and ":" not in entries[0].text:  # macOS: the brand string alone
        return [Observation("os.cpu", entries[0].text.strip(), entries[0])]
    return []


def _package(tag: str, payload: str, line: Line) -> list[Observation]:
    payload = payload.strip()
    if sentinel_reason(payload):
        return []
    if tag.lower() == "conda":
        return conda_row(payload, line, installer="conda")
    pinned = freeze_line(payload)
    if not pinned:
        return []
    name, version = pinned
    installer = "uv" if tag.lower() == "uv" else "pip"
    return package_observations(name, version, line, installer=installer, source="pypi")


_CONDA_ROW = re.compile(
    r"^(?P<name>[A-Za-z0-9_][A-Za-z0-9._-]{0,127})\s{1,64}(?P<version>\d[\w.+!-]{0,63})"
    r"(?:\s{1,64}(?P<build>\S{1,128}))?(?:\s{1,64}(?P<channel>\S{1,256}))?\s{0,16}$"
)


def conda_row(text: str, line: Line, *, installer: str) -> list[Observation]:
    """One ``conda list`` row: name, version, build and (sometimes absent) channel."""
    match = _CONDA_ROW.match(text.strip())
    if not match:
        return []
    build = match.group("build") or ""
    channel = match.group("channel")
    is_pip = build.startswith("pypi_") or channel == "pypi"
    return package_observations(
        match.group("name"),
        match.group("version"),
        line,
        installer="pip" if is_pip else installer,
        source="pypi" if is_pip else "conda",
        channel=None if is_pip else channel,
        build=None if is_pip else build,
    )
