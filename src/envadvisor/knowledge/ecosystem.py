"""What each release of the CUDA-dependent packages that break most often needs (issue 13 part 3).

The data is ``rules/tables/ecosystem-packages.yaml`` (table ``ecosystem_packages``): per PyPI
distribution (vllm, xformers, flash-attn, bitsandbytes, jax, jax-cuda12-plugin, jax-cuda13-plugin,
onnxruntime-gpu, deepspeed, paddlepaddle-gpu) rows that cover a range of releases, each with its
source. This module parses and validates it once and answers questions about one installed release;
the rules ask them through the ``pkg_*`` look-ups of :mod:`envadvisor.conditions`.

Versions are ordered by release number and post number (``0.0.28.post3`` > ``0.0.28.post2``); a
pre-release, a version in a gap between rows or beyond the last row is not in the tables (``None``),
never matched to a neighbour. A local tag on an installed version tells how that build was made and
wins over the row: ``+cu118`` (vLLM and flash-attn wheels from GitHub releases), ``+cu12torch2.3``
(flash-attn's prebuilt wheels: CUDA major and torch line), ``+cuda12.cudnn89`` (old jaxlib), and
paddlepaddle-gpu's ``.post118`` (a CUDA 11.8 build).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from envadvisor.errors import DataFileError
from envadvisor.records import field, record

Key = tuple[tuple[int, ...], int]

# A version part has at most 9 digits: a longer run (a hostile report's 5,000 digits) is no version, not
# an int() that raises, and never a prefix read as a shorter number.
_RELEASE_RE = re.compile(
    r"^\s*v?(\d{1,9}(?:\.\d{1,9}){0,15})(?:[.-]?post(\d{1,9}))?(?:\+([0-9A-Za-z.\-_]{1,128}))?\s*$",
    re.IGNORECASE,
)
_NUM_RE = re.compile(r"^\s*v?(\d{1,9}(?:\.\d{1,9}){0,15})(?!\.?\d)")
_PLATFORMS = frozenset({"linux-x86_64", "linux-aarch64", "windows-x86_64", "windows-arm64", "macos-arm64",
                        "macos-x86_64"})
_ROW_FIELDS = frozenset({
    "from", "last", "torch", "torch_min", "cuda", "cudnn", "cudnn_min", "cuda_runtime_min", "cc_min", "sass",
    "python", "platforms", "cuda_builds", "cuda_fallback", "toolkit_min", "minor_ok", "jaxlib_min", "source",
    "confidence", "note", "libs",
})
_PACKAGE_FIELDS = frozenset({"label", "reference", "source", "rows", "links_torch", "builds_from_source",
                             "post_is_cuda", "post_cudnn"})


def _nums(text: object) -> tuple[int, ...] | None:
    m = _NUM_RE.match(str(text)) if text is not None else None
    return tuple(int(p) for p in m.group(1).split(".")) if m else None


def _pad(v: Sequence[int], n: int = 6) -> tuple[int, ...]:
    return tuple(v) + (0,) * (n - len(v))


def release_key(version: object, *, post_is_cuda: bool = False) -> Key | None:
    """(release padded to 6 parts, post number or -1); None for a pre-release or an unparsable text.
    With ``post_is_cuda`` (paddlepaddle-gpu) a three-digit post number names a CUDA build, not a post."""
    m = _RELEASE_RE.match(str(version or ""))
    if not m:
        return None
    release = tuple(int(p) for p in m.group(1).split("."))
    post = int(m.group(2)) if m.group(2) is not None else -1
    if post_is_cuda and m.group(2) is not None and len(m.group(2)) >= 3:
        post = -1
    return _pad(release), post


def line(version: object) -> tuple[int, int] | None:
    v = _nums(version)
    return None if v is None else (v[0], v[1] if len(v) > 1 else 0)


def major(version: object) -> int | None:
    v = _nums(version)
    return None if v is None else v[0]


def version_ge(a: object, b: object) -> bool | None:
    ta, tb = _nums(a), _nums(b)
    return None if ta is None or tb is None else _pad(ta) >= _pad(tb)


def cuda_from_digits(digits: str) -> str:
    """``118`` -> ``11.8``, ``130`` -> ``13.0``, ``12`` -> ``12`` (a major only)."""
    return digits if len(digits) <= 2 else f"{digits[:-1]}.{digits[-1]}"


@record
class BuildTag:
    """What a local version tag (or paddle's postNNN) says about how a build was made."""

    cuda: str | None = None
    cudnn: str | None = None
    torch: str | None = None  # the torch line a prebuilt flash-attn wheel was built for ("2.3")


_TAG_CUDA_RE = re.compile(r"(?:^|[^a-z])cu(?:da)?(\d{2,3})(?![0-9])", re.IGNORECASE)
_TAG_CUDNN_RE = re.compile(r"cudnn(\d)(\d*)", re.IGNORECASE)
_TAG_TORCH_RE = re.compile(r"torch(\d+)\.(\d+)", re.IGNORECASE)
_POST_CUDA_RE = re.compile(r"^\s*v?\d+(?:\.\d+)*[.-]?post(\d{3})\s*$", re.IGNORECASE)


def build_tag(version: object, *, post_is_cuda: bool = False) -> BuildTag:
    text = str(version or "")
    if post_is_cuda:
        m = _POST_CUDA_RE.match(text)
        return BuildTag(cuda=cuda_from_digits(m.group(1))) if m else BuildTag()
    if "+" not in text:
        return BuildTag()
    local = text.split("+", 1)[1]
    cuda = _TAG_CUDA_RE.search(local.replace("cudnn", "_dnn_"))
    cudnn = _TAG_CUDNN_RE.search(local)
    torch = _TAG_TORCH_RE.search(local)
    return BuildTag(
        cuda=cuda_from_digits(cuda.group(1)) if cuda else None,
        cudnn=(f"{cudnn.group(1)}.{cudnn.group(2)}" if cudnn.group(2) else cudnn.group(1)) if cudnn else None,
        torch=f"{torch.group(1)}.{torch.group(2)}" if torch else None,
    )


@record
class EcoRow:
    first: str
    last: str
    first_key: Key
    last_key: Key
    source: str
    confidence: str = "high"
    torch: str | None = None
    torch_min: str | None = None
    cuda: str | None = None
    cudnn: str | None = None
    cudnn_min: str | None = None
    cuda_runtime_min: str | None = None
    cc_min: str | None = None
    sass: tuple[str, ...] = ()
    python: str | None = None  # "3.9-3.12"
    platforms: tuple[str, ...] = ()
    cuda_builds: tuple[str, ...] = ()
    cuda_fallback: str | None = None  # same_major: the nearest library of the same CUDA major loads
    toolkit_min: str | None = None
    minor_ok: Mapping[str, str] = field(default_factory=dict)
    jaxlib_min: str | None = None  # "self": the jax release's own version
    libs: str | None = None  # pip requirements that install the CUDA/cuDNN libraries the build loads

    def covers(self, key: Key) -> bool:
        return self.first_key <= key <= self.last_key

    def torch_requirement(self) -> str | None:
        if self.torch:
            return f"=={self.torch}"
        return f">={self.torch_min}" if self.torch_min else None

    def supports_cc(self, cc: str) -> bool | None:
        """Whether the build has code for compute capability ``cc`` (SASS X.y runs on X.z, z >= y)."""
        target = _nums(cc)
        if target is None or len(target) < 2:
            return None
        if self.sass:
            return any((s := _nums(a)) is not None and len(s) >= 2 and s[0] == target[0] and s[1] <= target[1]
                       for a in self.sass)
        if self.cc_min:
            return version_ge(cc, self.cc_min)
        return None

    def has_cuda_binary(self, cuda: str) -> bool | None:
        if not self.cuda_builds:
            return None
        want = line(cuda)
        if want is None:
            return None
        builds = {line(b) for b in self.cuda_builds}
        if want in builds:
            return True
        return self.cuda_fallback == "same_major" and any(b is not None and b[0] == want[0] for b in builds)


@record
class EcoPackage:
    name: str
    label: str
    reference: str
    rows: tuple[EcoRow, ...]
    links_torch: bool = False
    builds_from_source: bool = False
    post_is_cuda: bool = False
    post_cudnn: Mapping[str, str] = field(default_factory=dict)

    @property
    def newest(self) -> str:
        return self.rows[-1].last

    @property
    def oldest(self) -> str:
        return self.rows[0].first

    def key(self, version: object) -> Key | None:
        return release_key(version, post_is_cuda=self.post_is_cuda)

    def row(self, version: object) -> EcoRow | None:
        key = self.key(version)
        if key is None:
            return None
        return next((r for r in self.rows if r.covers(key)), None)

    def newer_than_tables(self, version: object) -> bool | None:
        key = self.key(version)
        return None if key is None else key > self.rows[-1].last_key

    def tag(self, version: object) -> BuildTag:
        return build_tag(version, post_is_cuda=self.post_is_cuda)

    def build_cuda(self, version: object) -> str | None:
        """The CUDA a build of this release needs: its local tag, else the PyPI wheel's (the row)."""
        tagged = self.tag(version).cuda
        if tagged:
            return tagged
        row = self.row(version)
        return row.cuda if row else None

    def build_cudnn(self, version: object) -> str | None:
        tag = self.tag(version)
        if tag.cudnn:
            return tag.cudnn
        if tag.cuda and self.post_cudnn:
            return next((v for k, v in self.post_cudnn.items() if line(k) == line(tag.cuda)), None)
        row = self.row(version)
        return row.cudnn if row else None

    def newest_release(self, accept: Callable[[EcoRow], bool | None], *, before: object = None) -> str | None:
        """The newest release (a row's ``last``) whose row ``accept`` proves fit, optionally only releases
        older than ``before``."""
        limit = self.key(before) if before is not None else None
        for r in reversed(self.rows):
            if limit is not None and r.last_key >= limit:
                continue
            if accept(r) is True:
                return r.last
        return None

    def first_release(self, accept: Callable[[EcoRow], bool | None]) -> str | None:
        return next((r.first for r in self.rows if accept(r) is True), None)


def parse_ecosystem(raw: Any, path: str) -> dict[str, EcoPackage]:
    """Validate the ``ecosystem_packages`` table; a malformed entry names file, package, row and field."""

    def fail(entry: str, message: str, fld: str | None = None) -> DataFileError:
        return DataFileError(path, message, entry=f"ecosystem_packages.{entry}", field=fld)

    if not isinstance(raw, Mapping) or not raw:
        raise fail("*", "expected a mapping of package name -> entry")
    out: dict[str, EcoPackage] = {}
    for name, entry in raw.items():
        name = str(name)
        if not isinstance(entry, Mapping):
            raise fail(name, "expected a mapping")
        unknown = sorted(set(map(str, entry)) - _PACKAGE_FIELDS)
        if unknown:
            raise fail(name, "unknown field", unknown[0])
        for fld in ("label", "reference", "source"):
            if not isinstance(entry.get(fld), str) or not entry[fld].strip():
                raise fail(name, "missing", fld)
        if not str(entry["reference"]).startswith("https://"):
            raise fail(name, "expected an https URL", "reference")
        raw_rows = entry.get("rows")
        if not isinstance(raw_rows, list) or not raw_rows:
            raise fail(name, "expected a non-empty list", "rows")
        rows = [_parse_row(r, f"{name}.rows[{i}]", str(entry["source"]), fail)
                for i, r in enumerate(raw_rows)]
        post_is_cuda = bool(entry.get("post_is_cuda"))
        for i, r in enumerate(rows):
            if r.first_key > r.last_key:
                raise fail(f"{name}.rows[{i}]", "'from' must be a release not after 'last'", "from")
            if i and r.first_key <= rows[i - 1].last_key:
                raise fail(f"{name}.rows[{i}]", "rows must be in release order and must not overlap", "from")
        post_cudnn = entry.get("post_cudnn") or {}
        if not isinstance(post_cudnn, Mapping):
            raise fail(name, "expected a mapping of CUDA -> cuDNN", "post_cudnn")
        out[name] = EcoPackage(
            name=name, label=str(entry["label"]), reference=str(entry["reference"]), rows=tuple(rows),
            links_torch=bool(entry.get("links_torch")),
            builds_from_source=bool(entry.get("builds_from_source")),
            post_is_cuda=post_is_cuda, post_cudnn={str(k): str(v) for k, v in post_cudnn.items()},
        )
    return out


def _parse_row(raw: Any, entry: str, default_source: str,
               fail: Callable[[str, str, str | None], DataFileError]) -> EcoRow:
    if not isinstance(raw, Mapping):
        raise fail(entry, "expected a mapping", None)
    unknown = sorted(set(map(str, raw)) - _ROW_FIELDS)
    if unknown:
        raise fail(entry, "unknown field", unknown[0])

    def text(fld: str, *, required: bool = False) -> str | None:
        value = raw.get(fld)
        if value is None or value == "":
            if required:
                raise fail(entry, "missing", fld)
            return None
        value = str(value)
        if fld not in ("source", "note", "confidence", "cuda_fallback", "jaxlib_min", "python", "libs") and \
                _nums(value) is None:
            raise fail(entry, f"'{value}' is not a version", fld)
        return value

    def texts(fld: str) -> tuple[str, ...]:
        value = raw.get(fld)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            raise fail(entry, "expected a list", fld)
        return tuple(str(v) for v in value)

    platforms = texts("platforms")
    for p in platforms:
        if p not in _PLATFORMS:
            raise fail(entry, f"'{p}' is not a platform ({', '.join(sorted(_PLATFORMS))})", "platforms")
    python = text("python")
    if python is not None and not re.fullmatch(r"\d+\.\d+-\d+\.\d+", python):
        raise fail(entry, f"'{python}' is not MIN-MAX", "python")
    minor_ok = raw.get("minor_ok") or {}
    if not isinstance(minor_ok, Mapping):
        raise fail(entry, "expected a mapping of CUDA major -> highest minor", "minor_ok")
    confidence = str(raw.get("confidence") or "high")
    if confidence not in ("high", "medium", "low"):
        raise fail(entry, f"'{confidence}' is not high, medium or low", "confidence")
    fallback = text("cuda_fallback")
    if fallback not in (None, "same_major"):
        raise fail(entry, f"'{fallback}' is not same_major", "cuda_fallback")
    jaxlib_min = text("jaxlib_min")
    if jaxlib_min not in (None, "self") and _nums(jaxlib_min) is None:
        raise fail(entry, f"'{jaxlib_min}' is not a version or 'self'", "jaxlib_min")
    first, last = text("from", required=True) or "", text("last", required=True) or ""
    first_key, last_key = release_key(first), release_key(last)
    if first_key is None or last_key is None:
        raise fail(entry, "expected a final release", "from" if first_key is None else "last")
    return EcoRow(
        first=first, last=last, first_key=first_key, last_key=last_key,
        source=str(raw.get("source") or default_source), confidence=confidence,
        torch=text("torch"), torch_min=text("torch_min"), cuda=text("cuda"), cudnn=text("cudnn"),
        cudnn_min=text("cudnn_min"), cuda_runtime_min=text("cuda_runtime_min"), cc_min=text("cc_min"),
        sass=texts("sass"), python=python, platforms=platforms, cuda_builds=texts("cuda_builds"),
        cuda_fallback=fallback, toolkit_min=text("toolkit_min"),
        minor_ok={str(k): str(v) for k, v in minor_ok.items()}, jaxlib_min=jaxlib_min, libs=text("libs"),
    )
