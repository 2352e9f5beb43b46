"""Typed look-ups over the knowledge tables (rules/tables/*.yaml).

Every answer comes from a table row that keeps its ``source`` (and ``confidence`` where not high).
A question the tables cannot answer returns ``None`` (unknown), never a guess; ``knows_*`` tell a
rule whether a version is newer than the tables, so it can say "tables do not know X yet".

Look-ups (``t = load_knowledge().tables``):

CUDA and the driver
  - ``t.minor_compat_floor(cuda_major, system)`` -> driver floor string for a CUDA major ("525.60.13")
  - ``t.min_driver_for_cuda(cuda, system)`` -> :class:`DriverRequirement` (minor-version floor and the
    driver bundled with that exact toolkit release)
  - ``t.driver_runs_cuda(driver, cuda, system)`` -> bool | None: minor version compatibility (a 12.x
    build runs on any driver >= 525.60.13 / 527.41), backward compatibility (a CUDA 12 build runs on a
    580+ driver), CUDA 13 needs >= 580. ``system`` None: a three-part driver (550.90.07) is
    Linux's; otherwise answered only when the Linux and Windows tables agree.
    A ``driver`` anywhere here may be a full version (570.133.07, Windows 581.57) or a branch as people
    type it (``580``, ``R570``, ``570.xx``: :func:`driver_branch_input` / :func:`normal_driver` make it
    ``570``; :func:`driver_is_branch` tells that its patch level is not known). A floor inside the
    branch then leaves the answer unknown (``driver_runs_cuda("525", "12.1")`` is None: 12.x needs
    525.60.13), while the branch's own CUDA always runs (``driver_runs_cuda("525", "12.0")`` is True).
  - ``t.max_cuda_for_driver(driver, system)`` -> "12.8" | None: what nvidia-smi prints for the driver
    ("CUDA Version", "CUDA UMD Version" from R610), from its own table ``driver_branch_cuda`` (per OS,
    per branch; 565 -> 12.7, Windows 581.57 -> 13.0, 616.64 -> 13.4), not from the toolkit minimums.
    Unlisted branches (R600/R605, R620, Windows R610 before 610.x) are None. A "linux" version that is
    no Linux branch is a Windows driver seen through WSL and is looked up among the Windows rows.
  - ``t.driver_branch_row(driver, system)`` -> :class:`BranchCuda` | None (branch, OS, range, CUDA,
    source); ``t.driver_branch_of(driver, system)`` -> 580 for Windows 581.57; ``t.driver_branch_rows``
  - ``t.knows_cuda(cuda)``; ``t.cuda_toolkit_rows`` (all rows)
The driver a GPU needs (table ``gpu_driver_support``)
  - ``t.min_driver_for_gpu(compute_capability, gpu_name=None, system=None)`` -> :class:`GpuDriverFloor`
    | None: ``branch`` (570: "R570+"), ``version`` (first version on ``system``, None when system is
    None), ``architecture``, ``gpu`` (the named row that raised the floor, e.g. "RTX 5060"),
    ``per_branch`` (Linux: minimum per branch, None = never in that branch), ``last_branch``,
    ``source``, ``confidence``, ``label`` ("R570+ (>= 570.86.10)", "R570 >= 570.169, R575 >=
    575.57.08, R580+"). None when the architecture's first driver is unknown (Kepler, Maxwell,
    Jetson, Rubin).
  - ``t.driver_predates_gpu(driver, cc, gpu_name=None, system=None)`` -> bool | None (RTX 5090 on R550:
    True); ``t.driver_dropped_gpu(driver, cc, system=None)`` -> bool | None (GTX 1080 on R590: True);
    ``t.driver_supports_gpu(driver, cc, gpu_name=None, system=None)`` -> bool | None (neither)
  - ``t.last_driver_branch_for_cc(cc)`` -> 470 (Kepler) | 580 (Maxwell, Pascal, Volta) | None
  - ``t.last_cuda_for_cc(cc)`` -> "12.9" (Maxwell, Pascal, Volta: CUDA 13 has no code for them) | "11.8"
    (Kepler 3.5/3.7) | "10.2" (Kepler 3.0) | None while the newest CUDA still targets it;
    ``t.cuda_supports_cc(cuda, cc)`` answers "does CUDA X have code for cc Y"
GPUs
  - ``t.compute_capability_for(gpu_name)`` -> "8.9" | None for NVML / nvidia-smi names
  - ``t.gpu_names_like(gpu_name, limit=3)`` -> close table names, for "did you mean"
  - ``t.architecture_for_cc(cc)`` -> "Ada Lovelace" | None
  - ``t.cc_range_for_cuda(cuda)`` -> :class:`CcRange` | None; ``t.cuda_supports_cc(cuda, cc)`` -> bool | None
PyTorch
  - ``t.knows_torch(version)``, ``t.torch_newer_than_tables(v)``, ``t.torch_older_than_tables(v)``;
    ``t.torch_release(version)`` -> :class:`TorchRelease` | None (Python range,
    CUDA variants, PyPI default variant, torchvision/torchaudio pairing, NumPy 2, ``pytorch`` channel)
  - ``t.torch_releases`` (newest first); ``t.newest_torch``
  - ``t.torch_arch_list(version, variant, platform)`` -> :class:`ArchList` | None (SASS + PTX);
    platform is linux-x86_64 | linux-aarch64 | windows-x86_64 (:func:`platform_key` builds it)
  - ``t.any_torch_cuda_build_serves(cc, driver, system, platform=, driver_cuda=)`` -> bool | None: some
    official CUDA wheel has code for the GPU and runs on the driver (False for a Tesla K40 today)
  - ``t.torch_python_supported(torch, python, platform=None)`` -> bool | None (torch 1.13: cp311 on
    linux-x86_64 only; without a platform, None where platforms disagree)
  - ``t.last_torch_for_cc(cc, platform=None)`` -> "2.14" (Maxwell, Pascal, Volta: 2.15 is CUDA 13 only),
    "2.7" (K80) | None while the newest release serves it
  - ``t.torch_platform_floor(version, system, arch=None)`` / ``t.tensorflow_platform_floor(...)`` ->
    :class:`PlatformFloor` | None: the oldest OS the PyPI wheels install on (``glibc`` "2.28" for torch
    >= 2.7 on Linux x86_64, >= 2.6 aarch64; ``macos`` "14.0" for torch >= 2.12; TF 2.21 glibc "2.27"),
    ``since`` (the first release line with that floor: "torch<2.7" installs below it), ``source``;
    ``t.wheel_os_floor(package, version, platform, field)`` -> "2.28" | "" (no floor) | None (unknown)
  - ``t.torchvision_matches_torch(torchvision, torch)``, ``t.torchaudio_matches_torch(torchaudio, torch)``
  - ``t.torch_supports_numpy2(torch, system=None)`` -> bool | None (Linux/macOS from 2.3.0, Windows from
    2.4.1; system None: answered where they agree); ``t.torch_numpy2_first``,
    ``t.torch_numpy2_first_for(system)``
  - ``t.torch_pytorch_channel_last`` ("2.5"), ``t.torch_macos_x86_64_last`` ("2.2")
  - ``t.conda_forge_pytorch_branch(version)`` -> :class:`CondaForgeBranch` | None;
    ``t.conda_forge_arch_list(torch, cuda, arch)``, ``t.conda_forge_glibc_min(cuda)`` (conda-forge builds)
  - ``t.torch_variant_cudnn(torch, variant)`` -> the cuDNN an official wheel variant pins | None
  - module level: :func:`is_prerelease` (nightlies: release pairings do not apply),
    :func:`arch_covers` (SASS X.y runs on X.z, z >= y; PTX on any CC >= its version),
    :func:`parse_arch_list` (``sm_86`` / ``compute_120`` / ``8.6+PTX``),
    :func:`variant_cuda` ("cu128" -> "12.8")
cuDNN
  - ``t.cudnn_min_cc(cudnn)`` -> "7.5" | None; ``t.cudnn_supports_cc(cudnn, cc)`` -> bool | None
    (8.0-8.7: 3.5; 8.8-9.10: 5.0; 9.11+: 7.5, observed in NVIDIA's wheels)
TensorFlow
  - ``t.knows_tensorflow(version)``, ``t.tensorflow_newer_than_tables(v)``, ``..._older_than_tables(v)``;
    ``t.tf_tested_config(version, system)`` -> :class:`TfConfig` | None
  - ``t.tf_python_supported(tf, python, system)`` -> bool | None
  - ``t.tf_native_windows_gpu(version)`` -> bool | None (GPU builds on native Windows end at 2.10)
  - ``t.tf_and_cuda_pins(version)`` -> :class:`TfAndCudaPins` | None (from 2.14)
  - ``t.tf_uses_keras3(version)`` -> bool | None (from 2.16); ``t.tf_keras_matches(tf_keras, tf)``
  - ``t.tf_supports_numpy2(version)`` -> bool | None (from 2.18); ``t.tf_numpy2_first``
  - ``t.tf_macos_x86_64_last`` ("2.16"), ``t.tf_windows_gpu_last`` ("2.10")
Transformers
  - ``t.knows_transformers(version)``, ``t.transformers_newer_than_tables(v)``,
    ``t.transformers_older_than_tables(v)``;
    ``t.transformers_line(version)`` -> :class:`TransformersLine` | None: python_min, two kinds of torch
    floor (``torch_runtime_min``: below it Transformers disables PyTorch at import, from 4.52;
    ``torch_extra_min``: the ``[torch]`` extra's floor, below it pip refuses transformers[torch]),
    ``torch_min`` (the higher of the two: what a proposal respects), whether TensorFlow is supported
Ecosystem packages (vLLM, xFormers, flash-attn, bitsandbytes, JAX and its CUDA plugins, ONNX Runtime GPU,
DeepSpeed, PaddlePaddle; :mod:`envadvisor.knowledge.ecosystem`)
  - ``t.ecosystem`` (name -> EcoPackage); ``t.ecosystem_package(name)`` -> EcoPackage | None, whose
    ``row(version)`` says which torch, CUDA, cuDNN, GPU, Python and platforms a release needs
Python
  - ``t.python_eol(version)`` -> date | None; ``t.python_is_eol(version, today)`` -> bool | None;
    ``t.python_lines`` (the lines of the end-of-life table)
Registry release lists (rules/tables/releases.json, read lazily on the first of these calls; written
only by ``envadvisor knowledge refresh --write DIR``; a user overlay from ``knowledge refresh --user``
replaces a package's list when it was read later). ``package`` is any spelling of a tracked name
(``Flash_Attn`` = ``flash-attn``); versions compare as PEP 440 (``2.14`` = ``2.14.0``, a local
``+cu130`` is ignored).
  - ``t.releases(package)`` -> tuple[:class:`Release`, ...]: the final releases, newest first, each with
    ``version``, ``date`` (first upload, a ``datetime.date``), ``requires_python``, ``yanked``;
    empty for a package that is not tracked. Pre-releases are kept apart: ``t.prereleases(package)``
  - ``t.newest_release(package)`` -> "2.15.0" | None: newest final, non-yanked release (never a
    pre-release); None when the package is not tracked
  - ``t.newest_patch(package, line)`` -> "2.14.1" | None: newest final, non-yanked release whose version
    starts with ``line`` ("2.14"; "9.10" for nvidia-cudnn-cu12 -> "9.10.2.21")
  - ``t.has_release(package, version)`` -> bool | None: whether the registry serves that version (a
    yanked release or a pre-release counts: it exists); None when the package is not tracked or the
    version is not PEP 440
  - ``t.release_of(package, version)`` -> :class:`Release` | None: the listed release equal to
    ``version`` (its Requires-Python, date, yanked flag)
  - ``t.release_list(package)`` -> :class:`PackageReleases` | None (``source`` URL, ``read`` time,
    ``origin`` "shipped" | "user"); ``t.release_packages`` (the tracked names); ``t.releases_read``
    (the date the shipped lists were read)
Provenance
  - ``t.checked`` (the date the tables were last checked); ``t.source_file(table)``; ``rows_of(t, table)``
    (raw rows, each with its ``source``)
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from envadvisor.errors import DataFileError
from envadvisor.records import field, record, replace

if TYPE_CHECKING:
    from pathlib import Path

    from envadvisor.knowledge.ecosystem import EcoPackage
    from envadvisor.knowledge.releases import PackageReleases, Release, ReleaseFile

Version = tuple[int, ...]

# ASCII digits, each part at most nine of them (a longer run is no version part: None, not a guess)
_NUM_RE = re.compile(r"^\s{0,16}v?([0-9]{1,9}(?:\.[0-9]{1,9}){0,15})(?![0-9])")


def vtuple(text: object) -> Version | None:
    """The numeric release part of a version string (``2.8.0+cu128`` -> (2, 8, 0)); None if none."""
    if text is None:
        return None
    m = _NUM_RE.match(str(text))
    if not m:
        return None
    return tuple(int(p) for p in m.group(1).split("."))


def _line(text: object) -> tuple[int, int] | None:
    v = vtuple(text)
    if v is None:
        return None
    return (v[0], v[1] if len(v) > 1 else 0)


def _cmp(a: Version, b: Version) -> int:
    """Compare release tuples with missing parts as 0 (12.2 == 12.2.0)."""
    n = max(len(a), len(b))
    pa = a + (0,) * (n - len(a))
    pb = b + (0,) * (n - len(b))
    return (pa > pb) - (pa < pb)


def version_ge(a: object, b: object) -> bool | None:
    ta, tb = vtuple(a), vtuple(b)
    if ta is None or tb is None:
        return None
    return _cmp(ta, tb) >= 0


_PRERELEASE_RE = re.compile(
    r"^\s*v?\d+(?:\.\d+)*(?:[.-]?(?:dev|a|alpha|b|beta|rc|pre)\d*|\+git)", re.IGNORECASE
)


def is_prerelease(text: object) -> bool:
    """A nightly/dev/alpha/beta/rc version (``2.5.0.dev20240720+cu124``): release tables do not apply."""
    return bool(_PRERELEASE_RE.match(str(text or "")))


def driver_system(driver: str, system: str | None) -> str | None:
    """The OS a driver version belongs to when ``system`` is unknown: only Linux drivers carry three
    components (550.90.07); Windows drivers have two (551.61), like some Linux ones (570.26)."""
    if system:
        return system
    return "linux" if len(vtuple(driver) or ()) >= 3 else None


_BRANCH_INPUT_RE = re.compile(r"^\s*[Rr]?(\d{3})(?:\.[xX*]{1,3})?\s*$")


def driver_branch_input(text: object) -> str | None:
    """A driver given by its branch, as people type it (``580``, ``R570``, ``r570``, ``570.xx``) -> the
    branch number as a one-part version (``570``); None for anything else (a full version included)."""
    m = _BRANCH_INPUT_RE.match(str(text or ""))
    return m.group(1) if m else None


def normal_driver(driver: str) -> str:
    """A driver as the tables compare it: a branch typed as ``R570`` / ``570.xx`` becomes ``570``."""
    return driver_branch_input(driver) or driver


def driver_is_branch(driver: object) -> bool:
    """Whether a driver version names only its branch (``570``): its patch level is not known."""
    v = vtuple(driver)
    return v is not None and len(v) == 1


def _fmt_line(v: tuple[int, int]) -> str:
    return f"{v[0]}.{v[1]}"


# --------------------------------------------------------------------------------------------------
# Row types
# --------------------------------------------------------------------------------------------------


@record
class DriverFloor:
    major: int
    linux: str
    windows: str
    source: str
    confidence: str = "high"


@record
class ToolkitDriver:
    cuda: str  # full toolkit version 12.6.3
    linux: str | None
    windows: str | None
    source: str
    confidence: str = "high"
    release_candidate: bool = False  # an RC build: never the minimum for the release


@record
class DriverRequirement:
    cuda: str
    system: str | None
    minor_compat_floor: str | None  # the floor of this CUDA major (minor version compatibility)
    toolkit_driver: str | None  # the driver bundled with this exact toolkit release
    source: str


@record
class BranchCuda:
    """What the drivers of one branch on one OS print as their CUDA (nvidia-smi's header)."""

    branch: int  # 580 for R580
    system: str  # linux | windows
    lo: Version  # the branch's drivers are lo <= version < hi
    hi: Version
    cuda: str
    source: str
    confidence: str = "high"


@record
class GpuDriverFloor:
    """The oldest NVIDIA driver a GPU works with (:meth:`Tables.min_driver_for_gpu`).

    ``branch`` is the first branch that supports the GPU ("R570+"); ``version`` the first version on
    ``system`` known to list it (None when ``system`` is None: versions differ by OS). ``per_branch``
    (Linux) holds the minimum version inside each listed branch, None where the GPU is in no release of
    that branch (RTX 4070: R525 from 525.116.03, never in R530); a branch above all listed ones supports
    it. ``last_branch`` is the last branch that still supports the architecture (R580 for Pascal).
    """

    architecture: str
    gpu: str | None  # the named GPU row that matched; None: the architecture's floor
    branch: int
    version: str | None
    system: str | None
    per_branch: tuple[tuple[int, str | None], ...] = ()
    next_branch: int | None = None  # the branch after the listed ones (every release of it supports the GPU)
    last_branch: int | None = None
    source: str = ""
    confidence: str = "high"

    @property
    def label(self) -> str:
        """Language-neutral: "R570+ (>= 570.86.10)", "R570 >= 570.169, R575 >= 575.57.08, R580+"."""
        listed = [(b, v) for b, v in self.per_branch if v is not None]
        if self.system == "linux" and len(listed) > 1:
            parts = [f"R{b} >= {v}" for b, v in listed]
            if self.next_branch is not None:
                parts.append(f"R{self.next_branch}+")
            return ", ".join(parts)
        if self.version:
            return f"R{self.branch}+ (>= {self.version})"
        return f"R{self.branch}+"


@record
class CcRange:
    cuda_from: str
    cuda_to: str
    cc_min: str
    cc_max: str
    extra: tuple[str, ...]
    source: str
    confidence: str = "high"
    missing: tuple[str, ...] = ()  # inside [cc_min, cc_max] but not targetable (10.7 before CUDA 13.4)


@record
class GpuModel:
    name: str
    cc: str
    arch: str
    source: str
    confidence: str = "high"


@record
class PythonRange:
    min: str
    max: str
    experimental: tuple[str, ...] = ()

    def contains(self, python: str) -> bool | None:
        line = _line(python)
        lo, hi = _line(self.min), _line(self.max)
        if line is None or lo is None or hi is None:
            return None
        if _fmt_line(line) in self.experimental:
            return True
        return lo <= line <= hi

    def __str__(self) -> str:
        return f"{self.min}-{self.max}"


@record
class TorchRelease:
    version: str  # minor line "2.8"
    python: PythonRange
    variants: tuple[str, ...]
    experimental_variants: tuple[str, ...]
    pypi_default: str | None
    torchvision: str | None
    torchaudio: str | None
    pytorch_conda_channel: bool
    numpy2: bool
    source: str
    confidence: str = "high"
    # Platforms whose wheels cover another Python range (torch 1.13: cp311 on linux-x86_64 only)
    python_by_platform: Mapping[str, PythonRange] = field(default_factory=dict)

    @property
    def all_variants(self) -> tuple[str, ...]:
        return self.variants + self.experimental_variants


@record
class ArchList:
    """GPU code in a build: SASS (machine code) and PTX (JIT-able) compute capabilities."""

    sass: tuple[str, ...]
    ptx: tuple[str, ...] = ()
    source: str = ""
    confidence: str = "high"

    def __str__(self) -> str:
        parts = [f"sm_{c.replace('.', '')}" for c in self.sass]
        parts += [f"compute_{c.replace('.', '')}" for c in self.ptx]
        return ", ".join(parts)

    @property
    def highest(self) -> str | None:
        all_cc = [c for c in self.sass + self.ptx if vtuple(c)]
        return max(all_cc, key=lambda c: vtuple(c) or (0,)) if all_cc else None

    @property
    def lowest(self) -> str | None:
        all_cc = [c for c in self.sass + self.ptx if vtuple(c)]
        return min(all_cc, key=lambda c: vtuple(c) or (0,)) if all_cc else None


@record
class PlatformFloor:
    """The oldest OS a PyPI wheel installs on (its platform tag): glibc for Linux, macOS version."""

    platform: str  # linux-x86_64 | linux-aarch64 | macos-arm64
    glibc: str | None
    macos: str | None
    source: str
    confidence: str = "high"
    since: str = ""  # the first release line with this floor ("2.7": "torch<2.7" installs below it)


@record
class CondaForgeBranch:
    torch_from: str
    torch_to: str
    cuda: Mapping[str, tuple[str, ...]]
    python: PythonRange
    source: str


@record
class TfConfig:
    version: str
    python: PythonRange
    cuda: str | None
    cudnn: str | None
    system: str
    source: str


@record
class TfAndCudaPins:
    version: str
    cuda: str
    cudnn: str
    cuda_runtime_pin: str
    cudnn_pin: str
    nccl_pin: str
    source: str


@record
class TransformersLine:
    version_from: str
    python_min: str
    torch_runtime_min: str | None  # import-time check: below it Transformers disables PyTorch (from 4.52)
    torch_extra_min: str | None  # the `[torch]` extra's floor: below it pip refuses transformers[torch]
    tensorflow: bool
    tensorflow_max_exclusive: str | None
    source: str
    confidence: str = "high"

    @property
    def torch_min(self) -> str | None:
        """The torch a release is meant for: the higher of the runtime and the install-time floor."""
        floors = [f for f in (self.torch_runtime_min, self.torch_extra_min) if f]
        return max(floors, key=lambda f: vtuple(f) or (0,)) if floors else None


@record
class PythonEol:
    version: str
    end_of_life: _dt.date
    source: str
    confidence: str = "high"


# --------------------------------------------------------------------------------------------------
# Compute capability arithmetic
# --------------------------------------------------------------------------------------------------

_ARCH_TOKEN_RE = re.compile(r"^(?:(sm|compute)_(\d+)([a-z]?)|(\d+)\.(\d+)(\+ptx)?)$", re.IGNORECASE)


def _cc_from_digits(digits: str) -> str:
    return f"{digits[:-1]}.{digits[-1]}"


def parse_arch_list(items: Iterable[str]) -> ArchList | None:
    """``sm_86``/``compute_120`` (torch.cuda.get_arch_list) or ``8.6``/``12.0+PTX`` (TORCH_CUDA_ARCH_LIST).

    Arch-specific targets (``sm_90a``) run only on that exact CC and are skipped for coverage; None when
    nothing parses.
    """
    sass: list[str] = []
    ptx: list[str] = []
    for raw in items:
        for token in re.split(r"[;,\s]+", str(raw).strip()):
            if not token:
                continue
            m = _ARCH_TOKEN_RE.match(token)
            if not m:
                continue
            if m.group(1):
                if m.group(3):
                    continue
                cc = _cc_from_digits(m.group(2))
                (ptx if m.group(1).lower() == "compute" else sass).append(cc)
            else:
                cc = f"{int(m.group(4))}.{int(m.group(5))}"
                sass.append(cc)
                if m.group(6):
                    ptx.append(cc)
    if not sass and not ptx:
        return None
    return ArchList(tuple(dict.fromkeys(sass)), tuple(dict.fromkeys(ptx)), source="reported arch list")


def arch_covers(arch_list: ArchList, cc: str) -> bool | None:
    """Whether a build with ``arch_list`` has GPU code that runs on compute capability ``cc``.

    SASS for X.y runs on X.z when z >= y (same major); PTX for X.y is JIT-compiled for any CC >= X.y.
    None when ``cc`` does not parse.
    """
    target = vtuple(cc)
    if target is None or len(target) < 2:
        return None
    for s in arch_list.sass:
        v = vtuple(s)
        if v and len(v) >= 2 and v[0] == target[0] and v[1] <= target[1]:
            return True
    for p in arch_list.ptx:
        v = vtuple(p)
        if v and _cmp(v, target) <= 0:
            return True
    return False


def variant_cuda(variant: str | None) -> str | None:
    """``cu128`` -> ``12.8``, ``cu118`` -> ``11.8``; None for cpu/rocm/unknown."""
    if not variant:
        return None
    m = re.fullmatch(r"cu(\d{2,3})", variant.strip().lower())
    if not m:
        return None
    digits = m.group(1)
    return f"{digits[:-1]}.{digits[-1]}"


def platform_key(system: str | None, arch: str | None) -> str | None:
    """linux-x86_64 | linux-aarch64 | windows-x86_64 | macos-arm64 ...; None when either is unknown."""
    if not system or not arch:
        return None
    aliases = {"amd64": "x86_64", "arm64": "arm64" if system == "macos" else "aarch64"}
    arch = aliases.get(arch.lower(), arch.lower())
    return f"{system.lower()}-{arch}"


# --------------------------------------------------------------------------------------------------
# GPU name matching
# --------------------------------------------------------------------------------------------------

_VENDOR_WORDS = frozenset({"NVIDIA", "GEFORCE", "TESLA", "QUADRO"})
_NOISE_RE = re.compile(r"\b\d+\s*GB\b|\bHBM\d\w*\b|\bPCIE\b|\bSXM\d?\b|\bNVL\b", re.IGNORECASE)


def gpu_tokens(name: str) -> tuple[str, ...]:
    words = re.split(r"[\s\-_/(),]+", name.upper())
    return tuple(w for w in words if w and w not in _VENDOR_WORDS)


def _contains_run(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


# --------------------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------------------


def _span_at_least(span: tuple[Version, Version, bool], minimum: str) -> bool | None:
    """Whether every driver in ``span`` (:meth:`Tables._driver_span`) is at least ``minimum``: True when
    all are, False when none is, None when the patch level inside a branch decides."""
    lo, hi, exact = span
    m = vtuple(minimum)
    if m is None:
        return None
    if _cmp(lo, m) >= 0:
        return True
    if exact or _cmp(hi, m) <= 0:
        return False
    return None


@record
class _ArchDriver:
    arch: str
    ccs: tuple[str, ...]
    first_branch: int | None
    linux: tuple[tuple[int, str | None], ...]
    windows: str | None
    last_branch: int | None
    source: str
    confidence: str


@record
class _NamedDriver:
    name: str
    key: tuple[str, ...]
    linux: tuple[tuple[int, str | None], ...]
    windows: str | None
    source: str
    confidence: str


_MEMORY_SIZE_RE = re.compile(r"\b\d+\s*GB\b", re.IGNORECASE)


def _driver_name_key(name: str) -> tuple[str, ...]:
    """A GPU name for whole-name matching: no vendor words, memory size or trailing "GPU"."""
    tokens = gpu_tokens(_MEMORY_SIZE_RE.sub(" ", name))
    return tokens[:-1] if tokens and tokens[-1] == "GPU" else tokens


class _Rows:
    """Field access on one YAML row that fails with a DataFileError naming file, table and field."""

    def __init__(self, path: str, table: str) -> None:
        self.path = path
        self.table = table

    def need(self, row: Any, key: str, index: int | str) -> Any:
        if not isinstance(row, Mapping):
            raise DataFileError(self.path, "expected a mapping", entry=f"{self.table}[{index}]")
        if key not in row or row[key] is None or row[key] == "":
            raise DataFileError(self.path, "missing", entry=f"{self.table}[{index}]", field=key)
        return row[key]

    def text(self, row: Any, key: str, index: int | str) -> str:
        return str(self.need(row, key, index))


def _src(row: Mapping[str, Any], default: Mapping[str, Any] | None, rows: _Rows, index: int | str) -> str:
    source = row.get("source") or (default or {}).get("source")
    if not source:
        raise DataFileError(rows.path, "every row needs a source", entry=f"{rows.table}[{index}]",
                            field="source")
    return str(source)


def _conf(row: Mapping[str, Any], default: Mapping[str, Any] | None = None) -> str:
    return str(row.get("confidence") or (default or {}).get("confidence") or "high")


def _per_branch(raw: Any, rows: _Rows, index: int | str) -> tuple[tuple[int, str | None], ...]:
    """``{570: "570.169", 575: "575.57.08"}`` -> ((570, "570.169"), (575, "575.57.08")), by branch."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping) or not raw:
        raise DataFileError(rows.path, "expected {branch: first version}", entry=f"{rows.table}[{index}]",
                            field="linux")
    out = []
    for branch, version in raw.items():
        if not str(branch).isdigit() or (version is not None and vtuple(version) is None):
            raise DataFileError(rows.path, f"bad branch entry {branch}: {version}",
                                entry=f"{rows.table}[{index}]", field="linux")
        out.append((int(branch), str(version) if version is not None else None))
    return tuple(sorted(out))


def _pyrange(raw: Any, rows: _Rows, index: int | str) -> PythonRange:
    if not isinstance(raw, Mapping) or "min" not in raw or "max" not in raw:
        raise DataFileError(rows.path, "expected {min, max}", entry=f"{rows.table}[{index}]", field="python")
    return PythonRange(str(raw["min"]), str(raw["max"]), tuple(str(x) for x in raw.get("experimental") or ()))


class Tables:
    """Look-ups over the knowledge tables; see the module docstring for the full list."""

    def __init__(self, data: Mapping[str, Any], *, checked: str, origins: Mapping[str, str],
                 releases_file: Path | None = None, user_overlay: bool = False) -> None:
        # data: top-level table name -> raw YAML value; origins: table name -> file it came from;
        # releases_file: the registry release lists, read on first use (not part of the eager parse);
        # user_overlay: also read the user's refreshed lists (knowledge refresh --user), when present
        self.checked = checked
        self._data = data
        self._origins = origins
        self._releases_file = releases_file
        self._user_overlay = user_overlay
        self.overlay_error: str | None = None  # why a damaged user overlay was ignored
        # Build every index once, now: a malformed table fails at load with its file and row.
        for name in (
            "minor_compat",
            "cuda_toolkit_rows",
            "cc_ranges",
            "gpu_models",
            "torch_releases",
            "_arch_rows",
            "_cudnn_rows",
            "_tf_linux",
            "_tf_windows",
            "_tf_pins",
            "transformers_lines",
            "_python_eol",
            "_conda_forge_branches",
        ):
            getattr(self, name)
        # The driver tables (driver_branch_rows, _gpu_driver_arch, _gpu_driver_named) are built on first
        # use: a machine without an NVIDIA driver never needs them, and diagnose must stay fast there.
        # tests/test_knowledge_tables.py builds them, so a malformed row still fails before a release.

    # ---------------------------------------------------------------- plumbing
    def _table(self, name: str) -> Any:
        if name not in self._data:
            raise DataFileError(self._origins.get("compat", "rules/compat.yaml"),
                                f"table '{name}' is missing")
        return self._data[name]

    def _rows(self, name: str) -> _Rows:
        return _Rows(self._origins.get(name, "rules/compat.yaml"), name)

    def source_file(self, table: str) -> str | None:
        return self._origins.get(table)

    @property
    def table_names(self) -> tuple[str, ...]:
        return tuple(self._data)

    # ---------------------------------------------------------------- ecosystem packages
    @cached_property
    def ecosystem(self) -> Mapping[str, EcoPackage]:
        """vLLM, xFormers, flash-attn, bitsandbytes, JAX, ONNX Runtime, DeepSpeed, PaddlePaddle: what each
        release needs (:mod:`envadvisor.knowledge.ecosystem`); empty when the table is absent. Parsed on
        first use, not at load: diagnose asks only when one of these packages is installed (the rules
        check `exists` first), and tests/test_knowledge_ecosystem.py validates the shipped table."""
        from envadvisor.knowledge.ecosystem import parse_ecosystem

        if "ecosystem_packages" not in self._data:
            return {}
        return parse_ecosystem(self._data["ecosystem_packages"], self._rows("ecosystem_packages").path)

    def ecosystem_package(self, name: str) -> EcoPackage | None:
        return self.ecosystem.get(name)

    @property
    def ecosystem_names(self) -> tuple[str, ...]:
        """The packages the ecosystem table covers, without parsing its rows."""
        raw = self._data.get("ecosystem_packages")
        return tuple(map(str, raw)) if isinstance(raw, Mapping) else ()

    # ---------------------------------------------------------------- registry release lists
    @cached_property
    def _release_files(self) -> tuple[ReleaseFile, ReleaseFile | None]:
        from envadvisor.knowledge.releases import ReleaseFile, read_release_file

        shipped = (read_release_file(self._releases_file) if self._releases_file is not None
                   else ReleaseFile({"format": 1, "packages": {}}, "(none)", "shipped"))
        user = None
        if self._user_overlay:
            from envadvisor.knowledge.overlay import overlay_release_file, user_overlay_path

            path = user_overlay_path()
            if path is not None and path.is_file():
                try:
                    user = overlay_release_file(path)
                except DataFileError as exc:
                    # a damaged cache file must not stop diagnose: the shipped lists still answer
                    self.overlay_error = str(exc)
        return shipped, user

    @property
    def release_packages(self) -> tuple[str, ...]:
        shipped, user = self._release_files
        return tuple(dict.fromkeys((*shipped.names(), *(user.names() if user else ()))))

    @property
    def releases_read(self) -> str | None:
        """The date the shipped release lists were read (the oldest package's read date)."""
        shipped, _user = self._release_files
        dates = [shipped.read_time(n)[:10] for n in shipped.names()]
        return min((d for d in dates if d), default=None)

    def release_list(self, package: str) -> PackageReleases | None:
        """A package's list: the user overlay's when it was read after the shipped one."""
        from envadvisor.knowledge.releases import canonical_name

        name = canonical_name(package)
        shipped, user = self._release_files
        if user is not None and name in user.names() and (
                name not in shipped.names() or user.read_time(name) > shipped.read_time(name)):
            try:
                return user.get(name)
            except DataFileError as exc:
                self.overlay_error = str(exc)
        return shipped.get(name)

    def releases(self, package: str) -> tuple[Release, ...]:
        found = self.release_list(package)
        return found.releases if found is not None else ()

    def prereleases(self, package: str) -> tuple[Release, ...]:
        found = self.release_list(package)
        return found.prereleases if found is not None else ()

    def newest_release(self, package: str) -> str | None:
        from envadvisor.knowledge.releases import newest_release

        return newest_release(self.releases(package))

    def newest_patch(self, package: str, line: str) -> str | None:
        from envadvisor.knowledge.releases import newest_patch

        return newest_patch(self.releases(package), str(line))

    def release_of(self, package: str, version: str) -> Release | None:
        """The listed release equal to ``version`` (PEP 440, local part ignored); None when not listed."""
        found = self.release_list(package)
        if found is None:
            return None
        from packaging.version import Version

        text = str(version).strip()
        try:
            wanted = Version(Version(text).public)
        except ValueError:  # InvalidVersion, or a part int() refuses
            return None
        for r in (*found.releases, *found.prereleases):
            if r.version == text or Version(r.version) == wanted:
                return r
        return None

    def has_release(self, package: str, version: str) -> bool | None:
        if self.release_list(package) is None:
            return None
        from packaging.version import Version

        try:
            Version(str(version).strip())
        except ValueError:  # InvalidVersion, or a part int() refuses
            return None
        return self.release_of(package, version) is not None

    # ---------------------------------------------------------------- CUDA and the driver
    @cached_property
    def minor_compat(self) -> dict[int, DriverFloor]:
        rows = self._rows("cuda_minor_version_compatibility")
        out: dict[int, DriverFloor] = {}
        for i, row in enumerate(self._table("cuda_minor_version_compatibility")):
            major = int(rows.need(row, "major", i))
            out[major] = DriverFloor(major, rows.text(row, "linux", i), rows.text(row, "windows", i),
                                     _src(row, None, rows, i), _conf(row))
        return out

    @cached_property
    def cuda_toolkit_rows(self) -> tuple[ToolkitDriver, ...]:
        rows = self._rows("cuda_toolkit_drivers")
        table = self._table("cuda_toolkit_drivers")
        out = []
        for i, row in enumerate(rows.need(table, "rows", "rows")):
            cuda = rows.text(row, "cuda", i)
            if vtuple(cuda) is None or len(vtuple(cuda) or ()) < 3:
                raise DataFileError(rows.path, f"'{cuda}' is not a full toolkit version", entry=f"rows[{i}]",
                                    field="cuda")
            lin, win = row.get("linux"), row.get("windows")
            out.append(ToolkitDriver(cuda, str(lin) if lin else None, str(win) if win else None,
                                     _src(row, table, rows, i), _conf(row, table),
                                     bool(row.get("release_candidate"))))
        out.sort(key=lambda r: vtuple(r.cuda) or (0,), reverse=True)
        return tuple(out)

    @cached_property
    def _cuda_known_without_driver(self) -> tuple[tuple[int, int], ...]:
        table = self._table("cuda_toolkit_drivers")
        found = []
        for row in table.get("known_without_driver") or ():
            line = _line(row.get("cuda"))
            if line:
                found.append(line)
        return tuple(found)

    def knows_cuda(self, cuda: str) -> bool:
        line = _line(cuda)
        if line is None:
            return False
        lines = {_line(r.cuda) for r in self.cuda_toolkit_rows} | set(self._cuda_known_without_driver)
        if line in lines:
            return True
        v = vtuple(cuda) or ()
        # "12" (a major only, e.g. jax-cuda12-plugin) is known when its floor is.
        return len(v) == 1 and v[0] in self.minor_compat

    def minor_compat_floor(self, cuda_major: int, system: str | None) -> str | None:
        floor = self.minor_compat.get(cuda_major)
        if floor is None:
            return None
        return floor.windows if (system or "").lower() == "windows" else floor.linux

    def _toolkit_ga_driver(self, cuda: str, system: str | None) -> ToolkitDriver | None:
        line = _line(cuda)
        v = vtuple(cuda) or ()
        if line is None or len(v) < 2:
            return None
        matches = [r for r in self.cuda_toolkit_rows if _line(r.cuda) == line and not r.release_candidate]
        if not matches:
            return None
        exact = [r for r in matches if len(v) >= 3 and _cmp(vtuple(r.cuda) or (), v) == 0]
        return exact[0] if exact else matches[-1]  # rows are newest first: the last is the GA release

    def min_driver_for_cuda(self, cuda: str, system: str | None = "linux") -> DriverRequirement | None:
        v = vtuple(cuda)
        if v is None:
            return None
        floor = self.minor_compat_floor(v[0], system)
        row = self._toolkit_ga_driver(cuda, system)
        bundled = None
        if row is not None:
            bundled = row.windows if (system or "").lower() == "windows" else row.linux
        if floor is None and bundled is None:
            return None
        sources = []
        if floor is not None:
            sources.append(self.minor_compat[v[0]].source)
        if row is not None:
            sources.append(row.source)
        return DriverRequirement(cuda, system, floor, bundled, "; ".join(dict.fromkeys(sources)))

    def driver_runs_cuda(self, driver: str, cuda: str, system: str | None) -> bool | None:
        """Whether a driver runs a build made for ``cuda`` (None: the tables cannot tell).

        ``driver`` is a version (550.90.07) or a branch (570: any driver of R570, patch level unknown,
        so a floor inside the branch, like 12.x's 525.60.13 for ``525``, leaves it unknown).
        """
        driver = normal_driver(driver)
        system = driver_system(driver, system)
        if system is None or system.lower() not in ("linux", "windows"):
            answers = {self.driver_runs_cuda(driver, cuda, s) for s in ("linux", "windows")}
            return answers.pop() if len(answers) == 1 else None
        system = system.lower()
        c = vtuple(cuda)
        span = self._driver_span(driver, system)
        if c is None or span is None:
            return None
        major = c[0]
        verdicts: list[bool | None] = []
        floor = self.minor_compat_floor(major, system)
        if floor is not None:
            verdicts.append(_span_at_least(span, floor))
        req = self.min_driver_for_cuda(cuda, system) if len(c) >= 2 else None
        if req is not None and req.toolkit_driver:
            verdicts.append(_span_at_least(span, req.toolkit_driver))
        # Backward compatibility: a newer major's driver runs older-major builds.
        for other_major in self.minor_compat:
            if other_major > major:
                other = self.minor_compat_floor(other_major, system)
                if other is not None:
                    verdicts.append(_span_at_least(span, other))
        if driver_is_branch(driver):
            # Every driver of the branch runs its own CUDA (what its nvidia-smi prints).
            row = self.driver_branch_row(driver, system)
            if row is not None and (_line(row.cuda) or (0, 0)) >= (_line(cuda) or (99, 0)):
                return True
        if any(v is True for v in verdicts):
            return True
        if floor is None and (req is None or req.toolkit_driver is None):
            return None  # a CUDA the tables do not know
        return None if any(v is None for v in verdicts) else False

    def _driver_span(self, driver: str, system: str) -> tuple[Version, Version, bool] | None:
        """The versions a driver may be: (lo, hi, exact). A full version is itself (exact); a Linux
        branch X is X <= v < X+1; a Windows branch is its row's range (None when no row knows it)."""
        v = vtuple(driver)
        if v is None:
            return None
        if len(v) > 1:
            return v, v, True
        if system == "windows":
            row = self.driver_branch_row(driver, "windows")
            return (row.lo, row.hi, False) if row is not None else None
        return (v[0],), (v[0] + 1,), False

    @cached_property
    def driver_branch_rows(self) -> tuple[BranchCuda, ...]:
        rows = self._rows("driver_branch_cuda")
        table = self._table("driver_branch_cuda")
        out = []
        for i, row in enumerate(rows.need(table, "rows", "rows")):
            branch = int(rows.need(row, "branch", i))
            system = rows.text(row, "system", i).lower()
            if system not in ("linux", "windows"):
                raise DataFileError(rows.path, f"system '{system}' is not linux or windows",
                                    entry=f"driver_branch_cuda[{i}]", field="system")
            lo = vtuple(row["from"]) if "from" in row else (branch,)
            hi = vtuple(row["below"]) if "below" in row else (branch + 1,)
            cuda = rows.text(row, "cuda", i)
            if lo is None or hi is None or _cmp(lo, hi) >= 0 or _line(cuda) is None:
                raise DataFileError(rows.path, "bad from/below/cuda", entry=f"driver_branch_cuda[{i}]")
            out.append(BranchCuda(branch, system, lo, hi, cuda, _src(row, table, rows, i), _conf(row, table)))
        out.sort(key=lambda r: (r.system, r.lo))
        for a, b in itertools.pairwise(out):  # sorted by start: an overlap shows between neighbours
            if a.system == b.system and _cmp(b.lo, a.hi) < 0:
                raise DataFileError(rows.path, f"R{a.branch} and R{b.branch} overlap on {a.system}",
                                    entry="driver_branch_cuda")
        return tuple(out)

    def driver_branch_row(self, driver: str, system: str) -> BranchCuda | None:
        """The branch row of a driver on ``system`` (linux | windows): by number for a branch (570), by
        version range for a full version (581.57 is Windows R580)."""
        driver = normal_driver(driver)
        v = vtuple(driver)
        if v is None:
            return None
        for r in self.driver_branch_rows:
            if r.system != system:
                continue
            if len(v) == 1 and r.branch == v[0]:
                return r
            if len(v) > 1 and _cmp(r.lo, v) <= 0 and _cmp(v, r.hi) < 0:
                return r
        return None

    def conda_cuda_lines(self, package: str) -> tuple[str, ...]:
        """The CUDA lines a conda CUDA-pinning package (cudatoolkit, cuda-version, pytorch-cuda) is
        built for, oldest first; empty for another package."""
        table = self._data.get("conda_cuda_lines") or {}
        row = table.get(package) if isinstance(table, Mapping) else None
        lines = row.get("lines") if isinstance(row, Mapping) else None
        return tuple(str(x) for x in lines) if isinstance(lines, list) else ()

    def max_cuda_for_driver(self, driver: str, system: str | None) -> str | None:
        """The newest CUDA a driver runs ("12.8"): what its nvidia-smi prints, from the branch table
        (``driver_branch_cuda``); ``driver`` may be a branch (``570``). None when no row knows it.

        Inside WSL nvidia-smi shows the Windows driver's version, so a "linux" version that is no Linux
        branch (566.36, 591.44) is looked up among the Windows rows. ``system`` None: a three-part
        version is Linux's; otherwise the answer the Linux and Windows rows give (when they agree).
        """
        driver = normal_driver(driver)
        system = driver_system(driver, system)
        if system is None or system.lower() not in ("linux", "windows"):
            answers = {self.max_cuda_for_driver(driver, s) for s in ("linux", "windows")} - {None}
            return answers.pop() if len(answers) == 1 else None
        system = system.lower()
        row = self.driver_branch_row(driver, system)
        if row is None and system == "linux" and not driver_is_branch(driver):
            row = self.driver_branch_row(driver, "windows")
        return row.cuda if row is not None else None

    def driver_branch_of(self, driver: str, system: str | None) -> int | None:
        """The branch a driver belongs to: Linux 570.133.07 -> 570, Windows 581.57 -> 580 (from the branch
        rows), a branch given as such -> itself; None when the tables cannot tell."""
        driver = normal_driver(driver)
        v = vtuple(driver)
        if v is None:
            return None
        if len(v) == 1 or (system or "").lower() == "linux":
            return v[0]
        row = self.driver_branch_row(driver, "windows") if (system or "").lower() == "windows" else None
        return row.branch if row is not None else None

    # ---------------------------------------------------------------- the driver a GPU needs
    @cached_property
    def _gpu_driver_arch(self) -> tuple[_ArchDriver, ...]:
        rows = self._rows("gpu_driver_support")
        table = self._table("gpu_driver_support")
        out = []
        for i, row in enumerate(rows.need(table, "architectures", "architectures")):
            ccs = tuple(str(c) for c in rows.need(row, "cc", i))
            first = row.get("first_branch")
            linux = _per_branch(row.get("linux"), rows, i)
            if first is not None and (not linux or linux[0][0] != int(first)):
                raise DataFileError(rows.path, "linux must start at first_branch",
                                    entry=f"architectures[{i}]", field="linux")
            out.append(_ArchDriver(rows.text(row, "arch", i), ccs, int(first) if first is not None else None,
                                   linux, str(row["windows"]) if row.get("windows") else None,
                                   int(row["last_branch"]) if row.get("last_branch") else None,
                                   _src(row, None, rows, i), _conf(row)))
        return tuple(out)

    @cached_property
    def _gpu_driver_named(self) -> tuple[_NamedDriver, ...]:
        rows = self._rows("gpu_driver_support")
        table = self._table("gpu_driver_support")
        out = []
        for i, row in enumerate(rows.need(table, "gpus", "gpus")):
            linux = _per_branch(rows.need(row, "linux", i), rows, i)
            if not any(v is not None for _, v in linux):
                raise DataFileError(rows.path, "no branch lists the GPU", entry=f"gpus[{i}]", field="linux")
            for name in rows.need(row, "names", i):
                out.append(_NamedDriver(str(name), _driver_name_key(str(name)), linux,
                                        str(row["windows"]) if row.get("windows") else None,
                                        _src(row, None, rows, i), _conf(row)))
        return tuple(out)

    def _arch_driver_row(self, cc: str) -> _ArchDriver | None:
        line = _line(cc)
        if line is None:
            return None
        for r in self._gpu_driver_arch:
            if any(_line(c) == line for c in r.ccs):
                return r
        return None

    def min_driver_for_gpu(self, compute_capability: str, gpu_name: str | None = None,
                           system: str | None = None) -> GpuDriverFloor | None:
        """The oldest driver a GPU works with: its architecture's first branch, raised by a named row
        for boards that came later (RTX 5060: R570 >= 570.169 or R575 >= 575.57.08). ``gpu_name`` as NVML
        or nvidia-smi prints it; ``system`` linux | windows picks the version (None: only the branch).
        None when the first driver of the architecture is not known (Kepler, Maxwell, Jetson, Rubin)."""
        arch = self._arch_driver_row(compute_capability)
        if arch is None or arch.first_branch is None:
            return None
        named = self._named_driver(gpu_name) if gpu_name else None
        system = (system or "").lower() or None
        if system not in (None, "linux", "windows"):
            return None
        if named is not None and (system != "windows" or named.windows):
            per_branch = named.linux
            first = min(b for b, v in per_branch if v is not None)
            version = named.windows if system == "windows" else dict(per_branch)[first]
            gpu, source, confidence = named.name, named.source, named.confidence
        else:
            per_branch, first = arch.linux, arch.first_branch
            version = arch.windows if system == "windows" else arch.linux[0][1]
            gpu, source, confidence = None, arch.source, arch.confidence
        last_listed = per_branch[-1][0]
        following = [r.branch for r in self.driver_branch_rows
                     if r.system == "linux" and r.branch > last_listed]
        return GpuDriverFloor(
            architecture=arch.arch, gpu=gpu, branch=first,
            version=version if system is not None else None, system=system,
            per_branch=per_branch if system == "linux" else (),
            next_branch=min(following) if following else None,
            last_branch=arch.last_branch, source=source, confidence=confidence,
        )

    def _named_driver(self, gpu_name: str) -> _NamedDriver | None:
        key = _driver_name_key(gpu_name)
        for r in self._gpu_driver_named:
            if r.key == key:
                return r
        return None

    def last_driver_branch_for_cc(self, compute_capability: str) -> int | None:
        """The last driver branch that supports GPUs of this compute capability: 470 for Kepler, 580 for
        Maxwell, Pascal and Volta; None while the architecture is supported (or not in the table)."""
        arch = self._arch_driver_row(compute_capability)
        return arch.last_branch if arch is not None else None

    def driver_supports_gpu(self, driver: str, compute_capability: str, gpu_name: str | None = None,
                            system: str | None = None) -> bool | None:
        """Whether a driver (version or branch) drives this GPU: False when it predates the GPU
        (:meth:`driver_predates_gpu`) or comes after the architecture's last branch
        (:meth:`driver_dropped_gpu`, a GTX 1080 on R590); None when the tables cannot tell."""
        predates = self.driver_predates_gpu(driver, compute_capability, gpu_name, system)
        dropped = self.driver_dropped_gpu(driver, compute_capability, system)
        if predates or dropped:
            return False
        return None if predates is None or dropped is None else True

    def driver_dropped_gpu(self, driver: str, compute_capability: str,
                           system: str | None = None) -> bool | None:
        """Whether the driver is of a branch after the last one that supports the GPU's architecture
        (Kepler after R470; Maxwell, Pascal, Volta after R580). False while the architecture is supported."""
        driver = normal_driver(driver)
        system = driver_system(driver, system)
        if system is None or system.lower() not in ("linux", "windows"):
            answers = {self.driver_dropped_gpu(driver, compute_capability, s) for s in ("linux", "windows")}
            return answers.pop() if len(answers) == 1 else None
        if self._arch_driver_row(compute_capability) is None:
            return None
        last = self.last_driver_branch_for_cc(compute_capability)
        if last is None:
            return False
        branch = self.driver_branch_of(driver, system.lower())
        return None if branch is None else branch > last

    def driver_predates_gpu(self, driver: str, compute_capability: str, gpu_name: str | None = None,
                            system: str | None = None) -> bool | None:
        """Whether the driver is older than the first one that supports the GPU
        (:meth:`min_driver_for_gpu`): an RTX 5090 on R550, an H100 on R470. None when the floor is
        unknown or the patch level inside a branch decides (``570`` for an RTX 5060)."""
        driver = normal_driver(driver)
        system = driver_system(driver, system)
        if system is None or system.lower() not in ("linux", "windows"):
            answers = {self.driver_predates_gpu(driver, compute_capability, gpu_name, s)
                       for s in ("linux", "windows")}
            return answers.pop() if len(answers) == 1 else None
        system = system.lower()
        floor = self.min_driver_for_gpu(compute_capability, gpu_name, system)
        branch = self.driver_branch_of(driver, system)
        if floor is None or branch is None:
            return None
        if system == "windows":
            span = self._driver_span(driver, "windows")
            at_least = None if span is None or floor.version is None else _span_at_least(span, floor.version)
            return None if at_least is None else not at_least
        listed = dict(floor.per_branch)
        if branch < floor.per_branch[0][0]:
            return True
        if branch in listed:
            minimum = listed[branch]
            if minimum is None:
                return True  # no release of this branch lists the GPU
            if driver_is_branch(driver):
                # A branch given as such: an architecture's first version opens its branch; a named
                # board's minimum is somewhere inside it, where the patch level decides.
                return False if floor.gpu is None else None
            return not version_ge(driver, minimum)
        return False if branch > floor.per_branch[-1][0] else None

    # ---------------------------------------------------------------- compute capability
    @cached_property
    def cc_ranges(self) -> tuple[CcRange, ...]:
        rows = self._rows("cuda_cc_ranges")
        table = self._table("cuda_cc_ranges")
        out = []
        for i, row in enumerate(rows.need(table, "rows", "rows")):
            out.append(CcRange(rows.text(row, "cuda_from", i), rows.text(row, "cuda_to", i),
                               rows.text(row, "cc_min", i), rows.text(row, "cc_max", i),
                               tuple(str(x) for x in row.get("extra") or ()),
                               _src(row, table, rows, i), _conf(row, table),
                               tuple(str(x) for x in row.get("missing") or ())))
        return tuple(out)

    def cc_range_for_cuda(self, cuda: str) -> CcRange | None:
        line = _line(cuda)
        if line is None:
            return None
        for r in self.cc_ranges:
            lo, hi = _line(r.cuda_from), _line(r.cuda_to)
            if lo is not None and hi is not None and lo <= line <= hi:
                return r
        return None

    def cuda_supports_cc(self, cuda: str, cc: str) -> bool | None:
        r = self.cc_range_for_cuda(cuda)
        target = vtuple(cc)
        if r is None or target is None:
            return None
        if cc in r.extra:
            return True
        if any(_line(m) == _line(cc) for m in r.missing):
            return False
        return _cmp(vtuple(r.cc_min) or (), target) <= 0 <= _cmp(vtuple(r.cc_max) or (), target)

    def last_cuda_for_cc(self, cc: str) -> str | None:
        """The last CUDA release line that can build code for this compute capability, when a newer one
        cannot: "12.9" for Maxwell, Pascal and Volta (CUDA 13 has no code for them), "11.8" for Kepler 3.5,
        "10.2" for 3.0. None while the newest CUDA in the tables still targets it (or cc does not parse).
        Whether one CUDA line has code for a cc: :meth:`cuda_supports_cc`."""
        if vtuple(cc) is None:
            return None
        rows = sorted(self.cc_ranges, key=lambda r: vtuple(r.cuda_to) or (0,))
        if not rows or self.cuda_supports_cc(rows[-1].cuda_to, cc) is not False:
            return None
        supporting = [r for r in rows if self.cuda_supports_cc(r.cuda_to, cc)]
        line = _line(supporting[-1].cuda_to) if supporting else None
        return _fmt_line(line) if line else None

    @cached_property
    def gpu_models(self) -> tuple[GpuModel, ...]:
        rows = self._rows("gpu_compute_capability")
        out: list[GpuModel] = []
        seen: dict[tuple[str, ...], str] = {}
        for i, row in enumerate(self._table("gpu_compute_capability")):
            cc = rows.text(row, "cc", i)
            arch = rows.text(row, "arch", i)
            source = _src(row, None, rows, i)
            for name in rows.need(row, "names", i):
                tokens = gpu_tokens(str(name))
                if tokens in seen and seen[tokens] != cc:
                    raise DataFileError(rows.path, f"'{name}' is listed with CC {seen[tokens]} and {cc}",
                                        entry=f"gpu_compute_capability[{i}]", field="names")
                seen[tokens] = cc
                out.append(GpuModel(str(name), cc, arch, source, _conf(row)))
        return tuple(out)

    @cached_property
    def _gpu_index(self) -> tuple[tuple[tuple[str, ...], GpuModel], ...]:
        return tuple(sorted(((gpu_tokens(m.name), m) for m in self.gpu_models), key=lambda p: -len(p[0])))

    def gpu_model_for(self, gpu_name: str) -> GpuModel | None:
        tokens = gpu_tokens(_NOISE_RE.sub(" ", gpu_name))
        if not tokens:
            return None
        for needle, model in self._gpu_index:  # longest names first
            if needle and _contains_run(tokens, needle):
                return model
        return None

    def compute_capability_for(self, gpu_name: str) -> str | None:
        model = self.gpu_model_for(gpu_name)
        return model.cc if model else None

    def gpu_names_like(self, gpu_name: str, limit: int = 3) -> list[str]:
        names = {m.name.upper(): m.name for m in self.gpu_models}
        query = " ".join(gpu_tokens(gpu_name))
        import difflib  # only for a GPU name the table does not know: not on diagnose's path

        close = difflib.get_close_matches(query, list(names), n=limit, cutoff=0.5)
        return [names[c] for c in close]

    def architecture_for_cc(self, cc: str) -> str | None:
        for m in self.gpu_models:
            if m.cc == cc:
                return m.arch
        return None

    # ---------------------------------------------------------------- PyTorch
    @cached_property
    def torch_releases(self) -> tuple[TorchRelease, ...]:
        rows = self._rows("torch_releases")
        out = []
        for i, row in enumerate(self._table("torch_releases")):
            version = rows.text(row, "version", i)
            out.append(TorchRelease(
                version=version,
                python=_pyrange(rows.need(row, "python", i), rows, i),
                variants=tuple(str(v) for v in row.get("variants") or ()),
                experimental_variants=tuple(str(v) for v in row.get("experimental_variants") or ()),
                pypi_default=str(row["pypi_default"]) if row.get("pypi_default") else None,
                torchvision=str(row["torchvision"]) if row.get("torchvision") else None,
                torchaudio=str(row["torchaudio"]) if row.get("torchaudio") else None,
                pytorch_conda_channel=bool(row.get("pytorch_conda_channel")),
                numpy2=bool(row.get("numpy2")),
                source=_src(row, None, rows, i),
                confidence=_conf(row),
                python_by_platform={str(k): _pyrange(v, rows, i)
                                    for k, v in (row.get("python_by_platform") or {}).items()},
            ))
        out.sort(key=lambda r: _line(r.version) or (0, 0), reverse=True)
        return tuple(out)

    @property
    def newest_torch(self) -> str:
        return self.torch_releases[0].version

    def torch_release(self, version: str) -> TorchRelease | None:
        line = _line(version)
        for r in self.torch_releases:
            if _line(r.version) == line:
                return r
        return None

    def knows_torch(self, version: str) -> bool:
        return self.torch_release(version) is not None

    def torch_newer_than_tables(self, version: str) -> bool | None:
        line, newest = _line(version), _line(self.newest_torch)
        return None if line is None or newest is None else line > newest

    def torch_older_than_tables(self, version: str) -> bool | None:
        line, oldest = _line(version), _line(self.torch_releases[-1].version)
        return None if line is None or oldest is None else line < oldest

    @cached_property
    def _arch_rows(self) -> tuple[tuple[tuple[int, int], str, str, ArchList], ...]:
        rows = self._rows("torch_arch_lists")
        out = []
        for i, row in enumerate(self._table("torch_arch_lists")):
            al = ArchList(tuple(str(x) for x in rows.need(row, "sass", i)),
                          tuple(str(x) for x in row.get("ptx") or ()),
                          _src(row, None, rows, i), _conf(row))
            for t in rows.need(row, "torch", i):
                line = _line(t)
                if line is None:
                    raise DataFileError(rows.path, f"bad torch version {t!r}", entry=f"torch_arch_lists[{i}]",
                                        field="torch")
                for platform in rows.need(row, "platforms", i):
                    out.append((line, rows.text(row, "variant", i), str(platform), al))
        return tuple(out)

    def torch_arch_list(self, version: str, variant: str | None, platform: str | None) -> ArchList | None:
        """SASS/PTX compute capabilities of a torch wheel variant on a platform (None: not in the tables)."""
        line = _line(version)
        if line is None or not variant or not platform:
            return None
        for row_line, row_variant, row_platform, al in self._arch_rows:
            if row_line == line and row_variant == variant and row_platform == platform:
                return al
        return None

    def any_torch_cuda_build_serves(
        self,
        cc: str,
        driver: str | None,
        system: str | None,
        *,
        platform: str | None = None,
        driver_cuda: str | None = None,
        gpu_name: str | None = None,
    ) -> bool | None:
        """Whether some official CUDA wheel of PyTorch in the tables runs on a GPU of compute capability
        ``cc`` under this driver (``driver`` version, or only its maximum ``driver_cuda``). None serves
        when the driver does not drive the GPU at all (:meth:`driver_supports_gpu`, with ``gpu_name``
        for boards that need a later driver than their architecture).

        A build serves when its arch list covers ``cc`` (:func:`arch_covers`; code reached only through
        PTX also needs a driver for at least the build's CUDA, as minor version compatibility excludes
        JIT) and the driver runs its CUDA (:meth:`driver_runs_cuda`). A build whose arch list is not in
        the tables cannot serve a ``cc`` below the oldest its CUDA can target (:meth:`cc_range_for_cuda`);
        otherwise it is unknown. Kleene "or" over every release x variant x platform (``platform`` None:
        those of ``system``, or all three): True when one build serves, False when none can (a Tesla
        K40, 3.5, with today's wheels; a driver older than every build's CUDA), None when cc does not
        parse, the driver is unknown, or the tables cannot tell. conda-forge's builds are not counted.
        """
        if vtuple(cc) is None or len(vtuple(cc) or ()) < 2:
            return None
        if driver is not None and self.driver_supports_gpu(driver, cc, gpu_name, system) is False:
            return False  # the driver itself does not drive the GPU (a K80 on R535, a B200 on R535)
        every = ("linux-x86_64", "linux-aarch64", "windows-x86_64")
        platforms = (platform,) if platform else tuple(
            p for p in every if not system or p.startswith(f"{system.lower()}-")
        )
        answer: bool | None = False
        for release in self.torch_releases:
            for variant in release.all_variants:
                cuda = variant_cuda(variant)
                if cuda is None:
                    continue
                for plat in platforms:
                    served = self._torch_build_serves(release.version, variant, cuda, plat, cc, driver,
                                                      system, driver_cuda)
                    if served:
                        return True
                    if served is None:
                        answer = None
        return answer

    def _torch_build_serves(self, torch: str, variant: str, cuda: str, platform: str, cc: str,
                            driver: str | None, system: str | None, driver_cuda: str | None) -> bool | None:
        al = self.torch_arch_list(torch, variant, platform)
        needs_jit = False
        if al is None:
            cc_range = self.cc_range_for_cuda(cuda)
            if cc_range is not None and _cmp(vtuple(cc) or (), vtuple(cc_range.cc_min) or ()) < 0:
                return False  # the compiler of this CUDA cannot target so old a GPU
            covered: bool | None = None
        else:
            covered = arch_covers(al, cc)
            needs_jit = bool(covered) and not arch_covers(ArchList(al.sass), cc)
        if covered is False:
            return False
        runs = self._driver_runs_build(driver, driver_cuda, cuda, system)
        if runs and needs_jit:
            newest = driver_cuda or (self.max_cuda_for_driver(driver, system) if driver else None)
            runs = version_ge(newest, cuda) if newest else None
        if runs is False:
            return False
        return True if covered and runs else None

    def _driver_runs_build(self, driver: str | None, driver_cuda: str | None, cuda: str,
                           system: str | None) -> bool | None:
        if driver:
            return self.driver_runs_cuda(driver, cuda, system)
        dmax, build = vtuple(driver_cuda), vtuple(cuda)
        if dmax is None or build is None:
            return None
        if dmax[0] != build[0]:
            return dmax[0] > build[0]  # backward compatibility; an older major's driver cannot
        if _cmp(dmax, build) >= 0:
            return True
        # Same major, older minor: the driver is at least that line's GA driver; minor version
        # compatibility holds when the GA driver meets the major's floor (12.0 GA = 525.60.13).
        floor = self.minor_compat_floor(build[0], system or "linux")
        ga = self.min_driver_for_cuda(_fmt_line(_line(driver_cuda) or (0, 0)), system or "linux")
        if floor is None or ga is None or ga.toolkit_driver is None:
            return None
        return version_ge(ga.toolkit_driver, floor)

    def _platform_floor(self, table: str, prefix: str, version: str, system: str | None,
                        arch: str | None) -> PlatformFloor | None:
        line = _line(version)
        if line is None or not system:
            return None
        rows = self._rows(table)
        wanted = platform_key(system, arch)
        found: dict[str, PlatformFloor] = {}
        listed = {str(p) for row in self._table(table) for p in row.get("platforms") or ()}
        for i, row in enumerate(self._table(table)):
            lo = _line(rows.text(row, f"{prefix}_from", i))
            hi = _line(row.get(f"{prefix}_to")) if row.get(f"{prefix}_to") else None
            if lo is None or line < lo or (hi is not None and line > hi):
                continue
            for plat in rows.need(row, "platforms", i):
                found[str(plat)] = PlatformFloor(
                    str(plat), str(row["glibc"]) if row.get("glibc") else None,
                    str(row["macos"]) if row.get("macos") else None, _src(row, None, rows, i), _conf(row),
                    rows.text(row, f"{prefix}_from", i))
        if wanted is not None:
            return found.get(wanted)
        # No architecture: the floor every platform of the system (that the table lists) shares.
        mine = sorted(p for p in listed if p.startswith(f"{system.lower()}-"))
        if not mine or any(p not in found for p in mine):
            return None
        floors = {(found[p].glibc, found[p].macos) for p in mine}
        if len(floors) != 1:
            return None
        first = found[mine[0]]
        if len(mine) == 1:
            return first
        sources = "; ".join(dict.fromkeys(found[p].source for p in mine))
        since = min((found[p].since for p in mine), key=lambda v: vtuple(v) or (0,))
        return replace(first, platform=system.lower(), source=sources, since=since)

    def torch_platform_floor(self, version: str, system: str | None,
                             arch: str | None = None) -> PlatformFloor | None:
        """The oldest OS the PyPI torch wheels of ``version`` install on: glibc 2.28 for Linux x86_64 from
        2.7 (aarch64 from 2.6), macOS 14 for macOS arm64 from 2.12. None when no floor is recorded (older
        releases, Windows) or, without ``arch``, when the system's architectures differ."""
        return self._platform_floor("torch_platform_floors", "torch", version, system, arch)

    def tensorflow_platform_floor(self, version: str, system: str | None,
                                  arch: str | None = None) -> PlatformFloor | None:
        """The oldest glibc the PyPI tensorflow wheels of ``version`` install on (2.21: 2.27; 2.19-2.20:
        2.17 on x86_64); None when not recorded."""
        return self._platform_floor("tf_platform_floors", "tf", version, system, arch)

    def wheel_floor_platforms(self, package: str, system: str | None) -> list[str]:
        """The platforms of ``system`` the floor table of ``package`` (torch | tensorflow) lists."""
        table = "torch_platform_floors" if package == "torch" else "tf_platform_floors"
        listed = {str(p) for row in self._table(table) for p in row.get("platforms") or ()}
        return sorted(p for p in listed if system and p.startswith(f"{system.lower()}-"))

    def wheel_os_floor(self, package: str, version: str, platform: str | None, field: str) -> str | None:
        """The ``field`` (glibc | macos) floor of the PyPI wheels of ``package`` (torch | tensorflow)
        ``version`` on ``platform``: the version ("2.28"); "" when there is none (a release before the
        first recorded floor of that platform: manylinux1/2014 or macosx_11 tags); None when unknown (a
        release newer than the tables, a platform the table does not list)."""
        torch = package == "torch"
        table, prefix = ("torch_platform_floors", "torch") if torch else ("tf_platform_floors", "tf")
        newer = self.torch_newer_than_tables(version) if torch else self.tensorflow_newer_than_tables(version)
        line = _line(version)
        if newer is not False or line is None or not platform:
            return None
        system = platform.split("-", 1)[0]
        floor = self._platform_floor(table, prefix, version, system, platform.split("-", 1)[1])
        if floor is not None and getattr(floor, field) is not None:
            return str(getattr(floor, field))
        starts = [_line(r[f"{prefix}_from"]) for r in self._table(table)
                  if platform in (r.get("platforms") or ()) and r.get(field)]
        earliest = min((s for s in starts if s is not None), default=None)
        return "" if earliest is not None and line < earliest else None

    def last_torch_for_cc(self, compute_capability: str, platform: str | None = None) -> str | None:
        """The newest torch release line with an official CUDA wheel that has code for this compute
        capability, when a newer line has none: "2.14" for Maxwell, Pascal and Volta (2.15 ships CUDA 13
        only), "2.7" for a Tesla K80 (3.7). None while the newest release still serves it, when no release
        in the tables ever did (3.5), or when the tables cannot tell."""
        if vtuple(compute_capability) is None:
            return None
        platforms = (platform,) if platform else ("linux-x86_64", "linux-aarch64", "windows-x86_64")

        def serves(release: TorchRelease) -> bool | None:
            answer: bool | None = False
            for variant in release.all_variants:
                cuda = variant_cuda(variant)
                if cuda is None:
                    continue
                for plat in platforms:
                    al = self.torch_arch_list(release.version, variant, plat)
                    if al is not None:
                        covered = arch_covers(al, compute_capability)
                    else:
                        targets = self.cuda_supports_cc(cuda, compute_capability)
                        covered = False if targets is False else None
                    if covered:
                        return True
                    if covered is None:
                        answer = None
            return answer

        newest = self.torch_releases[0]
        if serves(newest) is not False:
            return None
        for release in self.torch_releases[1:]:
            verdict = serves(release)
            if verdict:
                return release.version
            if verdict is None:
                return None
        return None

    def torch_python_supported(self, torch: str, python: str, platform: str | None = None) -> bool | None:
        """Whether ``torch`` has wheels for ``python`` (on ``platform``, e.g. linux-x86_64, when given: torch
        1.13 has cp311 wheels there only). Without a platform, None where the platforms disagree."""
        r = self.torch_release(torch)
        if r is None:
            return None
        if platform is not None:
            return r.python_by_platform.get(platform, r.python).contains(python)
        answers = {rng.contains(python) for rng in (r.python, *r.python_by_platform.values())}
        return answers.pop() if len(answers) == 1 else None

    def torchvision_matches_torch(self, torchvision: str, torch: str) -> bool | None:
        if is_prerelease(torchvision) or is_prerelease(torch):
            return None  # nightlies pair by date, not by the release table
        tv_line = _line(torchvision)
        t_line = _line(torch)
        if tv_line is None or t_line is None:
            return None
        expected = None
        for r in self.torch_releases:
            if r.torchvision and _line(r.torchvision) == tv_line:
                expected = _line(r.version)
        if expected is None:
            return None  # a torchvision the tables do not know
        if expected == t_line:
            return True
        for row in self._table("torchvision_open_ended") or ():
            if version_ge(torchvision, row["torchvision"]) and _line(row["torchvision"]) == tv_line:
                if not version_ge(torch, row["torch_min"]):
                    return False
                return True if self.knows_torch(torch) and t_line == _line(row["torch_min"]) else None
        return False

    def torchaudio_matches_torch(self, torchaudio: str, torch: str) -> bool | None:
        if is_prerelease(torchaudio) or is_prerelease(torch):
            return None  # nightlies pair by date, not by the release table
        ta_line = _line(torchaudio)
        t_line = _line(torch)
        if ta_line is None or t_line is None:
            return None
        open_ended = self._table("torchaudio_open_ended")
        if ta_line == _line(open_ended["torchaudio"]):
            return bool(version_ge(torch, open_ended["torch_min"]))
        for r in self.torch_releases:
            if r.torchaudio and _line(r.torchaudio) == ta_line:
                return _line(r.version) == t_line
        return None

    @property
    def torch_numpy2_first(self) -> str:
        """The first torch built against NumPy 2 on Linux and macOS ("2.3"); Windows: 2.4.1."""
        return str(self._table("torch_numpy2")["first_torch"])

    def torch_numpy2_first_for(self, system: str | None) -> str | None:
        """The first torch whose wheels for ``system`` work with NumPy 2: 2.3 (Linux, macOS), 2.4.1
        (Windows); None when ``system`` is None and the answers differ."""
        table = self._table("torch_numpy2")
        by_system = table.get("first_torch_by_system") or {}
        if system is None:
            firsts = {self.torch_numpy2_first, *(str(v) for v in by_system.values())}
            return firsts.pop() if len(firsts) == 1 else None
        return str(by_system.get(system.lower(), self.torch_numpy2_first))

    def torch_supports_numpy2(self, torch: str, system: str | None = None) -> bool | None:
        """Whether ``torch``'s wheels for ``system`` work with NumPy 2 (built against it). ``system`` None:
        answered where Linux, macOS and Windows agree (2.2: False, 2.5: True; 2.3.1: None)."""
        if system is None:
            systems = ("linux", "macos", "windows")
            answers = {version_ge(torch, self.torch_numpy2_first_for(s)) for s in systems}
            return answers.pop() if len(answers) == 1 else None
        return version_ge(torch, self.torch_numpy2_first_for(system))

    @property
    def torch_pytorch_channel_last(self) -> str:
        return str(self._table("torch_pytorch_conda_channel")["last"])

    @property
    def torch_macos_x86_64_last(self) -> str:
        return str(self._table("torch_macos_x86_64")["last"])

    @cached_property
    def _conda_forge_branches(self) -> tuple[CondaForgeBranch, ...]:
        rows = self._rows("conda_forge_pytorch")
        table = self._table("conda_forge_pytorch")
        out = []
        for i, row in enumerate(rows.need(table, "branches", "branches")):
            cuda = {str(k): tuple(str(x) for x in v) for k, v in rows.need(row, "cuda", i).items()}
            out.append(CondaForgeBranch(rows.text(row, "torch_from", i), rows.text(row, "torch_to", i), cuda,
                                        _pyrange(rows.need(row, "python", i), rows, i),
                                        _src(row, table, rows, i)))
        return tuple(out)

    def conda_forge_pytorch_branch(self, version: str) -> CondaForgeBranch | None:
        line = _line(version)
        for b in self._conda_forge_branches:
            lo, hi = _line(b.torch_from), _line(b.torch_to)
            if line is not None and lo is not None and hi is not None and lo <= line <= hi:
                return b
        return None

    def conda_forge_arch_list(self, torch: str, cuda: str, arch: str | None) -> ArchList | None:
        """GPU code in conda-forge's pytorch ``torch`` build for ``cuda`` (arch x86_64 | aarch64).

        Only the releases with an ``arch_lists_<X>_<Y>`` entry in conda_forge_pytorch are known; any
        other release (or CUDA line) is None, never assumed to match a neighbour.
        """
        table = self._table("conda_forge_pytorch")
        key = f"arch_lists_{'_'.join(map(str, _line(torch) or ()))}"
        lists = table.get(key) if isinstance(table, Mapping) else None
        line = _line(cuda)
        if not isinstance(lists, Mapping) or line is None:
            return None
        machine = "aarch64" if (arch or "").lower() in ("aarch64", "arm64") else "x86_64"
        candidates = [f"cuda_{line[0]}_{line[1]}_{machine}", f"cuda_{line[0]}_{line[1]}"]
        pattern = rf"cuda_(\d+_\d+_or_)*{line[0]}_{line[1]}(_or_\d+_\d+)*"
        candidates += [k for k in lists if re.fullmatch(pattern, k)]
        for key in candidates:
            row = lists.get(key)
            if isinstance(row, Mapping) and row.get("sass"):
                return ArchList(tuple(str(x) for x in row["sass"]),
                                tuple(str(x) for x in row.get("ptx") or ()),
                                str(table.get("source") or ""), _conf(table))
        return None

    def conda_forge_glibc_min(self, cuda: str) -> str | None:
        """The glibc conda-forge's linux pytorch build for ``cuda`` needs (None: not in the tables)."""
        table = self._table("conda_forge_pytorch")
        mins = table.get("linux_glibc_min") if isinstance(table, Mapping) else None
        line = _line(cuda)
        if not isinstance(mins, Mapping) or line is None:
            return None
        for key, value in mins.items():
            if _line(key) == line:
                return str(value)
        return None

    def torch_variant_cudnn(self, torch: str, variant: str) -> str | None:
        """The cuDNN an official torch wheel variant bundles (``torch_variant_cudnn``); None if unknown."""
        line = _line(torch)
        for row in self._data.get("torch_variant_cudnn") or ():
            if isinstance(row, Mapping) and row.get("variant") == variant and line in {
                    _line(t) for t in row.get("torch") or ()}:
                return str(row["cudnn"]) if row.get("cudnn") else None
        return None

    # ---------------------------------------------------------------- cuDNN
    @cached_property
    def _cudnn_rows(self) -> tuple[tuple[tuple[int, int], tuple[int, int], str, str, str], ...]:
        rows = self._rows("cudnn_cc_support")
        out = []
        for i, row in enumerate(self._table("cudnn_cc_support")):
            lo, hi = _line(rows.text(row, "cudnn_from", i)), _line(rows.text(row, "cudnn_to", i))
            if lo is None or hi is None:
                raise DataFileError(rows.path, "bad version range", entry=f"cudnn_cc_support[{i}]")
            out.append((lo, hi, rows.text(row, "cc_min", i), _src(row, None, rows, i), _conf(row)))
        return tuple(out)

    def cudnn_min_cc(self, cudnn: str) -> str | None:
        line = _line(cudnn)
        if line is None:
            return None
        for lo, hi, cc_min, _source, _confidence in self._cudnn_rows:
            if lo <= line <= hi:
                return cc_min
        return None

    def cudnn_supports_cc(self, cudnn: str, cc: str) -> bool | None:
        cc_min = self.cudnn_min_cc(cudnn)
        return None if cc_min is None else version_ge(cc, cc_min)

    # ---------------------------------------------------------------- TensorFlow
    def _tf_rows(self, table: str, system: str) -> tuple[TfConfig, ...]:
        rows = self._rows(table)
        raw = self._table(table)
        out = []
        for i, row in enumerate(rows.need(raw, "rows", "rows")):
            out.append(TfConfig(rows.text(row, "version", i), _pyrange(rows.need(row, "python", i), rows, i),
                                str(row["cuda"]) if row.get("cuda") else None,
                                str(row["cudnn"]) if row.get("cudnn") else None,
                                system, _src(row, raw, rows, i)))
        return tuple(out)

    @cached_property
    def _tf_linux(self) -> tuple[TfConfig, ...]:
        return self._tf_rows("tf_tested_linux_gpu", "linux")

    @cached_property
    def _tf_windows(self) -> tuple[TfConfig, ...]:
        return self._tf_rows("tf_tested_windows_gpu", "windows")

    @property
    def _tf_limits(self) -> Mapping[str, Any]:
        return self._table("tf_platform_limits")  # type: ignore[no-any-return]

    @property
    def tf_windows_gpu_last(self) -> str:
        return str(self._tf_limits["windows_native_gpu_last"])

    @property
    def tf_gpu_package_stub(self) -> str:
        """The first tensorflow-gpu release that is the empty stub (2.12.0); the ones before are real."""
        return str(self._tf_limits["gpu_package_stub"])

    @property
    def tf_macos_x86_64_last(self) -> str:
        return str(self._tf_limits["macos_x86_64_last"])

    @property
    def newest_tensorflow(self) -> str:
        return str(self._tf_limits["newest_known"])

    def knows_tensorflow(self, version: str) -> bool:
        line, newest = _line(version), _line(self.newest_tensorflow)
        return line is not None and newest is not None and line <= newest and any(
            _line(r.version) == line for r in self._tf_linux)

    def tensorflow_newer_than_tables(self, version: str) -> bool | None:
        line, newest = _line(version), _line(self.newest_tensorflow)
        return None if line is None or newest is None else line > newest

    @property
    def oldest_tensorflow(self) -> str:
        return min((r.version for r in self._tf_linux), key=lambda v: _line(v) or (0, 0))

    def tensorflow_older_than_tables(self, version: str) -> bool | None:
        line, oldest = _line(version), _line(self.oldest_tensorflow)
        return None if line is None or oldest is None else line < oldest

    def tf_tested_config(self, version: str, system: str | None = "linux") -> TfConfig | None:
        line = _line(version)
        rows = self._tf_windows if (system or "").lower() == "windows" else self._tf_linux
        for r in rows:
            if _line(r.version) == line:
                return r
        return None

    def tf_python_supported(self, tf: str, python: str, system: str | None = "linux") -> bool | None:
        cfg = self.tf_tested_config(tf, "linux")
        if (system or "").lower() == "windows":
            cfg = self.tf_tested_config(tf, "windows") or self._tf_windows_cpu(tf) or cfg
        return None if cfg is None else cfg.python.contains(python)

    def _tf_windows_cpu(self, tf: str) -> TfConfig | None:
        line = _line(tf)
        raw = self._table("tf_tested_windows_cpu_python")
        rows = self._rows("tf_tested_windows_cpu_python")
        for i, row in enumerate(raw["rows"]):
            if _line(row["version"]) == line:
                return TfConfig(str(row["version"]), _pyrange(row["python"], rows, i), None, None, "windows",
                                _src(row, raw, rows, i))
        return None

    def tf_native_windows_gpu(self, version: str) -> bool | None:
        """Whether official TF builds of ``version`` use an NVIDIA GPU on native Windows."""
        ok = version_ge(self.tf_windows_gpu_last, version)
        return None if ok is None else ok or _line(version) == _line(self.tf_windows_gpu_last)

    @cached_property
    def _tf_pins(self) -> tuple[TfAndCudaPins, ...]:
        rows = self._rows("tf_and_cuda_pins")
        raw = self._table("tf_and_cuda_pins")
        return tuple(
            TfAndCudaPins(rows.text(r, "version", i), rows.text(r, "cuda", i), rows.text(r, "cudnn", i),
                          rows.text(r, "cuda_runtime_pin", i), rows.text(r, "cudnn_pin", i),
                          rows.text(r, "nccl_pin", i), _src(r, raw, rows, i))
            for i, r in enumerate(rows.need(raw, "rows", "rows"))
        )

    def tf_and_cuda_pins(self, version: str) -> TfAndCudaPins | None:
        line = _line(version)
        for p in self._tf_pins:
            if _line(p.version) == line:
                return p
        return None

    def tf_uses_keras3(self, version: str) -> bool | None:
        return version_ge(version, self._table("tf_keras")["keras3_from_tf"])

    @property
    def tf_numpy2_first(self) -> str:
        return str(self._table("tf_numpy2")["first_tf"])

    def tf_supports_numpy2(self, tf: str) -> bool | None:
        return version_ge(tf, self.tf_numpy2_first)

    def tf_keras_matches(self, tf_keras: str, tf: str) -> bool | None:
        a, b = _line(tf_keras), _line(tf)
        return None if a is None or b is None else a == b

    # ---------------------------------------------------------------- Transformers
    @cached_property
    def transformers_lines(self) -> tuple[TransformersLine, ...]:
        rows = self._rows("transformers_lines")
        raw = self._table("transformers_lines")
        out = []
        for i, row in enumerate(rows.need(raw, "rows", "rows")):
            out.append(TransformersLine(
                rows.text(row, "from", i), rows.text(row, "python_min", i),
                str(row["torch_runtime_min"]) if row.get("torch_runtime_min") else None,
                str(row["torch_extra_min"]) if row.get("torch_extra_min") else None,
                bool(rows.need(row, "tensorflow", i)) if "tensorflow" in row else False,
                str(row["tensorflow_max_exclusive"]) if row.get("tensorflow_max_exclusive") else None,
                _src(row, raw, rows, i), _conf(row, raw)))
        out.sort(key=lambda r: _line(r.version_from) or (0, 0), reverse=True)
        return tuple(out)

    @property
    def newest_transformers(self) -> str:
        return str(self._table("transformers_lines")["newest_known"])

    def knows_transformers(self, version: str) -> bool:
        line, newest, oldest = _line(version), _line(self.newest_transformers), _line(
            self.transformers_lines[-1].version_from)
        return line is not None and newest is not None and oldest is not None and oldest <= line <= newest

    def transformers_newer_than_tables(self, version: str) -> bool | None:
        line, newest = _line(version), _line(self.newest_transformers)
        return None if line is None or newest is None else line > newest

    def transformers_older_than_tables(self, version: str) -> bool | None:
        line, oldest = _line(version), _line(self.transformers_lines[-1].version_from)
        return None if line is None or oldest is None else line < oldest

    def transformers_line(self, version: str) -> TransformersLine | None:
        if not self.knows_transformers(version):
            return None
        line = _line(version)
        for r in self.transformers_lines:
            start = _line(r.version_from)
            if line is not None and start is not None and line >= start:
                return r
        return None

    # ---------------------------------------------------------------- Python
    @cached_property
    def _python_eol(self) -> tuple[PythonEol, ...]:
        rows = self._rows("python_eol")
        raw = self._table("python_eol")
        out = []
        for i, row in enumerate(rows.need(raw, "rows", "rows")):
            try:
                eol = _dt.date.fromisoformat(rows.text(row, "end_of_life", i))
            except ValueError:
                raise DataFileError(rows.path, "expected YYYY-MM-DD", entry=f"python_eol[{i}]",
                                    field="end_of_life") from None
            out.append(PythonEol(rows.text(row, "version", i), eol, _src(row, raw, rows, i), _conf(row, raw)))
        return tuple(out)

    @property
    def python_lines(self) -> tuple[PythonEol, ...]:
        """The Python lines the end-of-life table lists."""
        return self._python_eol

    def python_eol(self, version: str) -> _dt.date | None:
        line = _line(version)
        for r in self._python_eol:
            if _line(r.version) == line:
                return r.end_of_life
        return None

    def python_is_eol(self, version: str, today: _dt.date) -> bool | None:
        eol = self.python_eol(version)
        if eol is None:
            line = _line(version)
            oldest = min((_line(r.version) or (0, 0) for r in self._python_eol), default=None)
            if line is not None and oldest is not None and line < oldest:
                return True  # older than every listed release, all of which are already past EOL
            return None
        return today >= eol


def rows_of(tables: Tables, name: str) -> Sequence[Any]:
    """The raw rows of a table, for tests and the ``rules`` listing."""
    raw = tables._table(name)
    if isinstance(raw, Mapping) and "rows" in raw:
        return list(raw["rows"])
    return list(raw) if isinstance(raw, list) else [raw]
