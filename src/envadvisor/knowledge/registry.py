"""What the package registry's own metadata says, parsed (pure functions, no network).

Three sources, all PyPI's:
  * the JSON API document (https://pypi.org/pypi/NAME/json): every release, its files, each file's
    upload time, Requires-Python and yanked flag -> :func:`registry_releases`;
  * wheel file names (PEP 427 / PEP 425 tags): the Pythons, platforms and glibc / macOS minimums a
    release has wheels for -> :func:`parse_wheel_filename`, :func:`wheel_summary`;
  * a wheel's core metadata file (PEP 658: the METADATA served next to the wheel as ``URL.metadata``,
    so no wheel is downloaded): Requires-Python, Requires-Dist -> :func:`parse_core_metadata`, and the
    CUDA, cuDNN, NCCL and NumPy pins among the requirements -> :func:`bundled_pins`.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from envadvisor.knowledge.releases import PackageReleases, Release, canonical_name
from envadvisor.records import record


class RegistryFormatError(ValueError):
    """A registry document without the shape the JSON API documents."""


@record
class RegistryFile:
    filename: str
    url: str
    packagetype: str  # bdist_wheel | sdist | ...
    requires_python: str | None
    uploaded: str | None  # ISO 8601 UTC
    yanked: bool
    core_metadata: bool  # whether the registry advertises a PEP 658 metadata file for it


@record
class RegistryRelease:
    release: Release
    files: tuple[RegistryFile, ...]


def registry_releases(doc: Any, *, source: str,
                      read: str) -> tuple[PackageReleases, dict[str, RegistryRelease]]:
    """The release list of a JSON API document, and each release's files (by version).

    Versions that are not PEP 440 and releases with no file are left out: pip cannot install them.
    """
    from packaging.version import Version

    if not isinstance(doc, Mapping) or not isinstance(doc.get("info"), Mapping) or not isinstance(
            doc.get("releases"), Mapping):
        raise RegistryFormatError("not a PyPI JSON API document (no 'info' and 'releases')")
    name = canonical_name(str(doc["info"].get("name") or ""))
    by_version: dict[str, RegistryRelease] = {}
    for version, raw_files in doc["releases"].items():
        try:
            parsed = Version(str(version))
        except ValueError:  # InvalidVersion, or a part int() refuses
            continue
        files = tuple(_file(f) for f in raw_files or () if isinstance(f, Mapping) and f.get("filename"))
        if not files:
            continue
        uploads = sorted(f.uploaded for f in files if f.uploaded)
        date = _dt.date.fromisoformat(uploads[0][:10]) if uploads else None
        declared = Counter(f.requires_python for f in files if f.requires_python)
        # most files agree; on a tie the wheels' value wins over an sdist's, then the first seen
        requires_python = None
        if declared:
            top = max(declared.values())
            tied = [v for v, n in declared.items() if n == top]
            wheel_values = {f.requires_python for f in files if f.packagetype == "bdist_wheel"}
            requires_python = next((v for v in tied if v in wheel_values), tied[0])
        release = Release(str(version), date, requires_python, all(f.yanked for f in files),
                          parsed.is_prerelease)
        by_version[str(version)] = RegistryRelease(release, files)
    ordered = sorted(by_version.values(), key=lambda r: Version(r.release.version), reverse=True)
    finals = tuple(r.release for r in ordered if not r.release.prerelease)
    pres = tuple(r.release for r in ordered if r.release.prerelease)
    return PackageReleases(name, source, read, finals, pres), by_version


def _file(raw: Mapping[str, Any]) -> RegistryFile:
    uploaded = raw.get("upload_time_iso_8601") or raw.get("upload_time")
    core = raw.get("core-metadata") or raw.get("data-dist-info-metadata")
    return RegistryFile(
        filename=str(raw["filename"]),
        url=str(raw.get("url") or ""),
        packagetype=str(raw.get("packagetype") or ""),
        requires_python=str(raw["requires_python"]).strip() or None if raw.get("requires_python") else None,
        uploaded=str(uploaded) if uploaded else None,
        yanked=bool(raw.get("yanked")),
        core_metadata=bool(core),
    )


# --------------------------------------------------------------------------------------------------
# Wheel tags
# --------------------------------------------------------------------------------------------------

_WHEEL_RE = re.compile(
    r"^(?P<name>[^-]+)-(?P<version>[^-]+)(?:-(?P<build>\d[^-]*))?-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$"
)
# manylinux1/2010/2014 are aliases of glibc 2.5, 2.12 and 2.17 (PEP 600)
_LEGACY_MANYLINUX = {"manylinux1": "2.5", "manylinux2010": "2.12", "manylinux2014": "2.17"}


@record
class WheelFile:
    name: str
    version: str
    pythons: tuple[str, ...]  # interpreter tags: cp312, cp313t, py3
    abis: tuple[str, ...]
    platforms: tuple[str, ...]


def parse_wheel_filename(filename: str) -> WheelFile | None:
    m = _WHEEL_RE.match(filename)
    if not m:
        return None
    return WheelFile(m.group("name"), m.group("version"), tuple(m.group("py").split(".")),
                     tuple(m.group("abi").split(".")), tuple(m.group("plat").split(".")))


def platform_os_arch(platform: str) -> tuple[str, str] | None:
    """(os, arch) of a platform tag: ('linux', 'x86_64'), ('macos', 'arm64'), ('windows', 'x86_64')."""
    p = platform.lower()
    if p == "any":
        return ("any", "any")
    if p.startswith(("manylinux", "linux_")):
        return ("linux", _arch_after(p))
    if p.startswith("musllinux"):
        return ("linux-musl", _arch_after(p))
    if p.startswith("macosx_"):
        return ("macos", _arch_after(p))
    if p in ("win_amd64", "win32", "win_arm64"):
        return ("windows", {"win_amd64": "x86_64", "win32": "x86", "win_arm64": "arm64"}[p])
    return None


def _arch_after(tag: str) -> str:
    for arch in ("x86_64", "aarch64", "arm64", "universal2", "ppc64le", "s390x", "i686", "armv7l"):
        if tag.endswith(arch):
            return arch
    return tag.rsplit("_", 1)[-1]


def glibc_of(platform: str) -> str | None:
    """The glibc a manylinux wheel needs (``manylinux_2_28_x86_64`` -> '2.28'); None otherwise."""
    for legacy, glibc in _LEGACY_MANYLINUX.items():
        if platform.startswith(legacy + "_"):
            return glibc
    m = re.match(r"manylinux_(\d+)_(\d+)_", platform)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def macos_of(platform: str) -> str | None:
    m = re.match(r"macosx_(\d+)_(\d+)_", platform)
    return f"{m.group(1)}.{m.group(2)}" if m else None


@record
class WheelSummary:
    """What a release's wheel names say: per platform key (``linux-x86_64``) the CPython lines with a
    wheel, and the lowest glibc / macOS a wheel of that platform asks."""

    pythons: Mapping[str, tuple[str, ...]]  # platform key -> ("3.10", ..., "3.14"); free-threaded apart
    free_threaded: Mapping[str, tuple[str, ...]]
    abi3_from: Mapping[str, str]  # platform key -> lowest Python of an abi3 wheel (open-ended)
    pure: bool  # a py3-none-any wheel exists
    glibc_min: Mapping[str, str]  # linux arch -> lowest glibc among its wheels
    macos_min: Mapping[str, str]  # macos arch -> lowest macOS among its wheels
    platforms: tuple[str, ...]  # sorted platform keys


def _vkey(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def wheel_summary(filenames: Iterable[str]) -> WheelSummary:
    pythons: dict[str, set[str]] = {}
    free: dict[str, set[str]] = {}
    abi3: dict[str, str] = {}
    glibc: dict[str, str] = {}
    macos: dict[str, str] = {}
    keys: set[str] = set()
    pure = False
    for filename in filenames:
        wheel = parse_wheel_filename(filename)
        if wheel is None:
            continue
        for plat in wheel.platforms:
            os_arch = platform_os_arch(plat)
            if os_arch is None:
                continue
            if os_arch == ("any", "any"):
                pure = True
                continue
            key = f"{os_arch[0]}-{os_arch[1]}"
            keys.add(key)
            if (g := glibc_of(plat)) and (key not in glibc or _vkey(g) < _vkey(glibc[key])):
                glibc[key] = g
            if (mac := macos_of(plat)) and (key not in macos or _vkey(mac) < _vkey(macos[key])):
                macos[key] = mac
            # free-threaded builds carry the "t" in the ABI tag (cp314-cp314t); older names put it on
            # the interpreter tag too
            threaded = any(re.fullmatch(r"cp\d+t", abi) for abi in wheel.abis)
            for py in wheel.pythons:
                m = re.fullmatch(r"cp(\d)(\d+)(t?)", py)
                if not m:
                    continue
                line = f"{m.group(1)}.{m.group(2)}"
                if "abi3" in wheel.abis:
                    if key not in abi3 or _vkey(line) < _vkey(abi3[key]):
                        abi3[key] = line
                elif m.group(3) or threaded:
                    free.setdefault(key, set()).add(line)
                else:
                    pythons.setdefault(key, set()).add(line)
    def ordered(d: Mapping[str, set[str]]) -> dict[str, tuple[str, ...]]:
        return {k: tuple(sorted(v, key=_vkey)) for k, v in sorted(d.items())}

    return WheelSummary(ordered(pythons), ordered(free), dict(sorted(abi3.items())), pure,
                        dict(sorted(glibc.items())), dict(sorted(macos.items())), tuple(sorted(keys)))


# --------------------------------------------------------------------------------------------------
# Core metadata (PEP 658) and the pins it carries
# --------------------------------------------------------------------------------------------------


@record
class CoreMetadata:
    name: str | None
    version: str | None
    requires_python: str | None
    requires_dist: tuple[str, ...]
    provides_extra: tuple[str, ...]


def info_metadata(doc: Mapping[str, Any]) -> tuple[str, CoreMetadata] | None:
    """The newest release's core metadata as the JSON API document's ``info`` carries it (the registry
    keeps it from the upload): (version, metadata); None when the document has none."""
    info = doc.get("info")
    if not isinstance(info, Mapping) or not info.get("version"):
        return None
    requires = info.get("requires_dist")
    if requires is not None and not isinstance(requires, list):
        return None
    extras = info.get("provides_extra")
    return str(info["version"]), CoreMetadata(
        str(info.get("name") or "") or None, str(info["version"]),
        str(info["requires_python"]).strip() or None if info.get("requires_python") else None,
        tuple(" ".join(str(r).split()) for r in requires or ()),
        tuple(str(e) for e in extras or ()) if isinstance(extras, list) else ())


def parse_core_metadata(text: str) -> CoreMetadata:
    """The header fields of a METADATA file (RFC 822 style; the description body is not read)."""
    from email.parser import HeaderParser

    head = text.split("\n\n", 1)[0] if "\n\n" in text else text
    msg = HeaderParser().parsestr(head + "\n\n")

    def one(key: str) -> str | None:
        value = msg.get(key)
        return " ".join(str(value).split()) or None if value is not None else None

    return CoreMetadata(one("Name"), one("Version"), one("Requires-Python"),
                        tuple(" ".join(str(v).split()) for v in msg.get_all("Requires-Dist") or ()),
                        tuple(str(v).strip() for v in msg.get_all("Provides-Extra") or ()))


@record
class Pin:
    """A requirement on a package the rules care about, as the metadata writes it."""

    package: str  # canonical name: nvidia-cudnn-cu13, cuda-toolkit, numpy, torch
    specifier: str  # ">=12.5.82,<13.0" (lower bounds first), "==9.24.0.43"; "" when unpinned
    extra: str | None  # the extra it belongs to ("and-cuda"), None for a plain requirement
    marker: str | None  # the environment marker without the extra clause
    extras_of_pin: tuple[str, ...] = ()  # cuda-toolkit[cudart,...]

    @property
    def exact(self) -> str | None:
        """The version of an ``==X`` pin."""
        m = re.fullmatch(r"===?([^,]+)", self.specifier)
        return m.group(1) if m else None

    @property
    def lower(self) -> str | None:
        """The lowest version the pin allows (``==X`` or ``>=X``); None when unbounded below."""
        for part in self.specifier.split(","):
            m = re.fullmatch(r"(?:===?|>=|~=)\s*([^,]+)", part.strip())
            if m:
                return m.group(1)
        return None

    def requirement(self) -> str:
        return f"{self.package}{self.specifier}"


# requirement names whose pins are facts: the CUDA runtime, cuDNN, NCCL (any CUDA major), the CUDA
# toolkit meta-package (torch >= 2.14), NumPy, and the framework a companion package pins
_PIN_NAMES_RE = re.compile(
    r"^(nvidia-(cuda-runtime|cudnn|nccl|cublas|cuda-nvrtc|cuda-nvcc|nvjitlink)(-cu\d+)?|cuda-toolkit|cuda-bindings|"
    r"numpy|torch|tensorflow|tensorflow-cpu|jax|jaxlib|keras|triton)$"
)
_OP_ORDER = {"===": 0, "==": 0, "~=": 1, ">=": 1, ">": 2, "<=": 3, "<": 4, "!=": 5}


def bundled_pins(requires_dist: Sequence[str]) -> tuple[Pin, ...]:
    """The requirements on CUDA / cuDNN / NCCL wheels, NumPy and sibling frameworks, in file order."""
    from packaging.requirements import InvalidRequirement, Requirement

    out: list[Pin] = []
    for text in requires_dist:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        name = canonical_name(req.name)
        if not _PIN_NAMES_RE.match(name):
            continue
        marker = str(req.marker) if req.marker is not None else None
        extra = None
        if marker:
            m = re.search(r"""extra\s*==\s*["']([^"']+)["']""", marker)
            if m:
                extra = canonical_name(m.group(1))
                marker = _without_extra(marker)
        specs = sorted(req.specifier, key=lambda s: (_OP_ORDER.get(s.operator, 9), s.version))
        out.append(Pin(name, ",".join(f"{s.operator}{s.version}" for s in specs), extra, marker or None,
                       tuple(sorted(req.extras))))
    return tuple(out)


def _without_extra(marker: str) -> str:
    """A marker with its ``extra == "x"`` clause removed (what is left: platform, Python)."""
    text = re.sub(r"""\s*and\s+extra\s*==\s*["'][^"']+["']""", "", marker)
    text = re.sub(r"""extra\s*==\s*["'][^"']+["']\s*(and\s*)?""", "", text).strip()
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1].strip()
    return text


def cuda_of_pins(pins: Iterable[Pin]) -> str | None:
    """The CUDA line a set of pins brings: the cuda-toolkit meta-package (``==13.0.3`` -> '13.0'), else
    the CUDA runtime wheel's lower bound (``nvidia-cuda-runtime-cu12==12.8.90`` -> '12.8')."""
    pins = list(pins)
    for wanted in ("cuda-toolkit", "nvidia-cuda-runtime"):
        for pin in pins:
            if pin.package == wanted or pin.package.startswith(wanted + "-cu"):
                low = pin.lower
                if low:
                    parts = low.split(".")
                    return ".".join(parts[:2])
    return None


def variant_of_cuda(cuda: str | None) -> str | None:
    """'13.0' -> 'cu130', '12.8' -> 'cu128' (PyTorch's wheel variant names)."""
    if not cuda:
        return None
    m = re.fullmatch(r"(\d+)\.(\d+)", cuda)
    return f"cu{m.group(1)}{m.group(2)}" if m else None


def pin_of(pins: Iterable[Pin], prefix: str, *, extra: str | None = None) -> Pin | None:
    """The first pin on a package named ``prefix`` or ``prefix-cuNN`` (in ``extra`` when given)."""
    for pin in pins:
        if (pin.package == prefix or re.fullmatch(re.escape(prefix) + r"-cu\d+", pin.package)) and (
                extra is None or pin.extra == extra):
            return pin
    return None
