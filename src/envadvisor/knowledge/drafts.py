"""Draft table rows from what the registry says (``knowledge refresh --write DIR``), for a maintainer to
review and merge into rules/tables/*.yaml. Same schema as the hand-written rows; every row names the
URLs it was read from and the date. Facts package metadata cannot give (GPU architecture lists, wheel
variants on PyTorch's own index, driver floors, runtime import checks) are never drafted: they are
listed as "to fill by hand", with where to look.

Each ``*_draft`` function turns the facts of ONE release line (:class:`refresh.LineFacts`) into rows,
so a test can set the draft for the newest line the tables know beside the hand-written row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from envadvisor.knowledge.registry import Pin, cuda_of_pins, pin_of, variant_of_cuda
from envadvisor.knowledge.releases import release_key
from envadvisor.records import record

if TYPE_CHECKING:
    from envadvisor.knowledge.refresh import LineFacts, PackageRefresh, RefreshResult
    from envadvisor.knowledge.tables import Tables


@record
class ByHand:
    """A fact the registry cannot give: which table, what, and where a maintainer finds it."""

    package: str
    line: str
    table: str
    what: str
    where: str

    def as_dict(self) -> dict[str, str]:
        return {"package": self.package, "line": self.line, "table": self.table, "what": self.what,
                "where": self.where}


@record
class Drafts:
    read: str  # when the registry was read (ISO 8601)
    tables: Mapping[str, Any]  # table name -> rows (or {key: value} for single values)
    by_hand: tuple[ByHand, ...]
    drafted: tuple[str, ...]  # "torch 2.15", ... the lines drafted


# --------------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------------


def _day(timestamp: str | None) -> str:
    return (timestamp or "")[:10]


def row_source(facts: LineFacts) -> str:
    """Where a draft row's facts were read: the metadata (PEP 658 file or JSON API) and the wheel names."""
    json_api = f"https://pypi.org/pypi/{facts.package}/json"
    parts = []
    if facts.metadata_url:
        what = "metadata" if facts.metadata_url.endswith(".metadata") else "JSON API info"
        parts.append(f"PyPI {facts.package}=={facts.metadata_version} {what} ({facts.metadata_url}, read "
                     f"{_day(facts.metadata_read)})")
    parts.append(f"wheel names and Requires-Python of {facts.package} {facts.version} ({json_api})")
    return "; ".join(parts)


def python_range(facts: LineFacts) -> tuple[str | None, str | None]:
    """(min, max) CPython line: from the Linux x86_64 wheel tags when the release has CPython-specific
    wheels (free-threaded builds apart), else from Requires-Python (max only from an upper bound)."""
    tags = facts.wheels.pythons.get("linux-x86_64") or tuple(
        sorted({p for v in facts.wheels.pythons.values() for p in v}, key=lambda x: release_key(x) or ()))
    if tags and not facts.wheels.abi3_from:
        return tags[0], tags[-1]
    return _requires_python_bounds(facts.requires_python)


def _requires_python_bounds(spec: str | None) -> tuple[str | None, str | None]:
    low = high = None
    for part in (spec or "").split(","):
        m = re.fullmatch(r"\s*(>=|>|<=|<|~=|==)\s*(\d+)\.(\d+)(?:\.[\d*]+)?\s*", part)
        if not m:
            continue
        op, major, minor = m.group(1), int(m.group(2)), int(m.group(3))
        if op in (">=", "~=", "=="):
            low = f"{major}.{minor}"
        elif op == ">":
            low = f"{major}.{minor + 1}"
        elif op == "<" and minor > 0:
            high = f"{major}.{minor - 1}"
        elif op == "<=":
            high = f"{major}.{minor}"
    return low, high


def _torch_line_of_pin(pin: Pin | None) -> str | None:
    low = pin.lower if pin is not None else None
    key = release_key(low) if low else None
    return f"{key[0]}.{key[1] if len(key) > 1 else 0}" if key else None


def _line_of(version: str) -> tuple[int, ...]:
    return release_key(version) or ()


# --------------------------------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------------------------------


def torch_release_draft(facts: LineFacts, companions: Sequence[LineFacts], tables: Tables
                        ) -> tuple[dict[str, Any], list[ByHand]]:
    """A ``torch_releases`` row for ``facts`` (a torch line). ``companions``: torchvision / torchaudio
    line facts; a companion line pairs with this torch line when its metadata requires it."""
    by_hand = [
        ByHand("torch", facts.line, "torch_releases", "variants and experimental_variants (CUDA builds on "
               "download.pytorch.org)", "pytorch/pytorch RELEASE.md 'Release Compatibility Matrix'; "
               "https://download.pytorch.org/whl/"),
        ByHand("torch", facts.line, "torch_arch_lists", "GPU architectures (SASS / PTX) of each variant and "
               "platform: package metadata does not carry them", "pytorch/pytorch RELEASE.md 'PyTorch CUDA "
               "Support Matrix'; .ci/manywheel/build_cuda.sh of the release branch"),
    ]
    low, high = python_range(facts)
    cuda = cuda_of_pins(facts.pins)
    pairs: dict[str, str | None] = {"torchvision": None, "torchaudio": None}
    for companion in companions:
        wants = _torch_line_of_pin(pin_of(companion.pins, "torch"))
        if companion.package in pairs and pairs[companion.package] is None and facts.line == wants:
            pairs[companion.package] = companion.line
    for name, paired in pairs.items():
        if paired is None:
            by_hand.append(ByHand("torch", facts.line, "torch_releases", f"{name}: no {name} release read "
                                  f"requires torch {facts.line} (none yet, or its metadata is not served)",
                                  f"https://pypi.org/project/{name}/#history"))
    if not facts.metadata_url:
        by_hand.append(ByHand("torch", facts.line, "torch_releases", "pypi_default: no metadata of torch "
                              f"{facts.line} is served, so its CUDA pins are unknown",
                              f"https://pypi.org/project/torch/{facts.version}/"))
    numpy2 = tables.torch_supports_numpy2(facts.line)
    channel_last = release_key(tables.torch_pytorch_channel_last) or ()
    row: dict[str, Any] = {
        "version": facts.line,
        "python": {"min": low, "max": high},
        "variants": [],
        "pypi_default": variant_of_cuda(cuda) if facts.metadata_url else None,
        "torchvision": pairs["torchvision"],
        "torchaudio": pairs["torchaudio"],
        "pytorch_conda_channel": _line_of(facts.line) <= channel_last,
        "numpy2": bool(numpy2),
        "source": row_source(facts),
        "note": "draft from the registry: variants to fill by hand; numpy2 and pytorch_conda_channel follow "
                "torch_numpy2 and torch_pytorch_conda_channel",
    }
    if low is None or high is None:
        by_hand.append(ByHand("torch", facts.line, "torch_releases", "python range: no CPython wheel tags",
                              f"https://pypi.org/project/torch/{facts.version}/#files"))
    return row, by_hand


def torch_variant_cudnn_draft(facts: LineFacts) -> dict[str, Any] | None:
    """The cuDNN the PyPI default wheel of a torch line pins (``torch_variant_cudnn``); None without pins."""
    cudnn = pin_of(facts.pins, "nvidia-cudnn")
    variant = variant_of_cuda(cuda_of_pins(facts.pins))
    if cudnn is None or cudnn.exact is None or variant is None:
        return None
    return {"torch": [facts.line], "variant": variant, "cudnn": cudnn.exact,
            "source": f"{row_source(facts)} ({cudnn.requirement()})"}


# --------------------------------------------------------------------------------------------------
# TensorFlow
# --------------------------------------------------------------------------------------------------


def tf_and_cuda_pins_draft(facts: LineFacts) -> dict[str, Any] | None:
    """The ``tensorflow[and-cuda]`` pins of a TensorFlow line (``tf_and_cuda_pins``); None without them."""
    runtime = pin_of(facts.pins, "nvidia-cuda-runtime", extra="and-cuda")
    cudnn = pin_of(facts.pins, "nvidia-cudnn", extra="and-cuda")
    nccl = pin_of(facts.pins, "nvidia-nccl", extra="and-cuda")
    if runtime is None or cudnn is None or nccl is None or not runtime.lower or not cudnn.lower:
        return None
    return {"version": facts.line, "cuda": ".".join(runtime.lower.split(".")[:2]), "cudnn": cudnn.lower,
            "cuda_runtime_pin": runtime.requirement(), "cudnn_pin": cudnn.requirement(),
            "nccl_pin": nccl.requirement(), "source": row_source(facts)}


def tf_tested_linux_gpu_draft(facts: LineFacts) -> tuple[dict[str, Any], list[ByHand]]:
    low, high = python_range(facts)
    pins = tf_and_cuda_pins_draft(facts)
    row: dict[str, Any] = {"version": facts.line, "python": {"min": low, "max": high},
                           "cuda": pins["cuda"] if pins else None,
                           "cudnn": ".".join(pins["cudnn"].split(".")[:2]) if pins else None,
                           "source": row_source(facts),
                           "note": "draft: Python from the wheel tags; CUDA and cuDNN from the and-cuda pins"}
    return row, [ByHand("tensorflow", facts.line, "tf_tested_linux_gpu", "confirm CUDA / cuDNN against the "
                        "tested build configurations (the pins say what pip installs, not what was tested)",
                        "https://www.tensorflow.org/install/source#gpu")]


def tf_windows_cpu_python_draft(facts: LineFacts) -> dict[str, Any] | None:
    tags = facts.wheels.pythons.get("windows-x86_64")
    if not tags:
        return None
    return {"version": facts.line, "python": {"min": tags[0], "max": tags[-1]}, "source": row_source(facts)}


# --------------------------------------------------------------------------------------------------
# Transformers
# --------------------------------------------------------------------------------------------------


def transformers_line_draft(facts: LineFacts) -> tuple[dict[str, Any], list[ByHand]]:
    """A ``transformers_lines`` row: Python floor (Requires-Python), the ``torch`` extra's floor (what pip
    enforces at install), whether TensorFlow extras still ship. The runtime floor below which
    Transformers disables PyTorch at import lives in its code, not its metadata: by hand."""
    low, _high = _requires_python_bounds(facts.requires_python)
    torch_extra = pin_of(facts.pins, "torch", extra="torch") if facts.metadata_url else None
    row: dict[str, Any] = {"from": facts.line, "python_min": low, "torch_min": None,
                           "torch_extra_min": _torch_line_of_pin(torch_extra) if torch_extra else None,
                           "tensorflow": ("tf" in facts.provides_extra) if facts.metadata_url else None,
                           "source": row_source(facts)}
    by_hand = [ByHand("transformers", facts.line, "transformers_lines", "torch_min: the import-time floor "
                      "(below it Transformers disables PyTorch)", "src/transformers/utils/import_utils.py of "
                      f"the v{facts.version} tag")]
    if not facts.metadata_url:
        by_hand.append(ByHand("transformers", facts.line, "transformers_lines", "torch extra floor and "
                              "TensorFlow extras: no metadata of this line is served",
                              f"https://pypi.org/project/transformers/{facts.version}/"))
    return row, by_hand


# --------------------------------------------------------------------------------------------------
# Any package: platform floors of the wheels
# --------------------------------------------------------------------------------------------------


def platform_floor_draft(facts: LineFacts) -> dict[str, Any] | None:
    w = facts.wheels
    if not w.platforms:
        return None
    return {"package": facts.package, "line": facts.line, "version": facts.version,
            "glibc_min": dict(w.glibc_min), "macos_min": dict(w.macos_min),
            "windows": any(p.startswith("windows-") for p in w.platforms),
            "source": f"wheel names of {facts.package} {facts.version} (https://pypi.org/pypi/{facts.package}/json)"}


# --------------------------------------------------------------------------------------------------
# All drafts of a refresh
# --------------------------------------------------------------------------------------------------


def _lines_to_draft(pkg: PackageRefresh, tables: Tables) -> list[LineFacts]:
    """The lines at or after the newest the tables know (all read lines when no table covers it)."""
    from envadvisor.knowledge.coverage import tables_newest

    newest = tables_newest(tables, pkg.package)
    floor = release_key(newest) if newest else None
    return [f for f in pkg.lines if floor is None or (release_key(f.line) or ()) >= floor]


_Rows = tuple[list[tuple[str, "dict[str, Any] | None"]], list[ByHand]]


def _torch_rows(facts: LineFacts, companions: Sequence[LineFacts], tables: Tables) -> _Rows:
    row, hand = torch_release_draft(facts, companions, tables)
    return [("torch_releases", row), ("torch_variant_cudnn", torch_variant_cudnn_draft(facts))], hand


def _tensorflow_rows(facts: LineFacts, _companions: Sequence[LineFacts], _tables: Tables) -> _Rows:
    tested, hand = tf_tested_linux_gpu_draft(facts)
    return [("tf_and_cuda_pins", tf_and_cuda_pins_draft(facts)), ("tf_tested_linux_gpu", tested),
            ("tf_tested_windows_cpu_python", tf_windows_cpu_python_draft(facts))], hand


def _transformers_rows(facts: LineFacts, _companions: Sequence[LineFacts], _tables: Tables) -> _Rows:
    row, hand = transformers_line_draft(facts)
    return [("transformers_lines", row)], hand


_DRAFTERS: dict[str, Callable[[LineFacts, Sequence[LineFacts], Tables], _Rows]] = {
    "torch": _torch_rows, "tensorflow": _tensorflow_rows, "transformers": _transformers_rows,
}


def draft_all(result: RefreshResult, tables: Tables) -> Drafts:
    from envadvisor.knowledge.refresh import read_time

    by_name = {p.package: p for p in result.packages}
    out: dict[str, list[Any]] = {}
    by_hand: list[ByHand] = []
    drafted: list[str] = []

    def add(table: str, row: Mapping[str, Any] | None) -> None:
        if row is not None:
            out.setdefault(table, []).append(dict(row))

    companions = tuple(f for name in ("torchvision", "torchaudio") if name in by_name
                       for f in by_name[name].lines)
    for name, drafter in _DRAFTERS.items():
        if name not in by_name:
            continue
        for facts in _lines_to_draft(by_name[name], tables):
            rows, hand = drafter(facts, companions, tables)
            for table, row in rows:
                add(table, row)
            by_hand += hand
            drafted.append(f"{name} {facts.line}")
    for pkg in result.packages:
        for facts in pkg.lines:
            add("registry_platform_floors", platform_floor_draft(facts))
    tables_out: dict[str, Any] = {}
    for name, rows in out.items():
        tables_out[name] = rows
    newest = {name: by_name[name].newest for name in ("tensorflow", "transformers") if name in by_name}
    if newest.get("tensorflow"):
        source = ("PyPI tensorflow release list (https://pypi.org/pypi/tensorflow/json, read "
                  f"{_day(by_name['tensorflow'].releases.read)})")
        tables_out["tf_platform_limits"] = {"newest_known": _two(newest["tensorflow"]),
                                            "newest_source": source}
    if newest.get("transformers"):
        tables_out["transformers_lines.newest_known"] = _two(newest["transformers"])
    return Drafts(read_time(result), tables_out, tuple(by_hand), tuple(drafted))


def _two(version: str | None) -> str | None:
    key = release_key(version or "")
    return f"{key[0]}.{key[1] if len(key) > 1 else 0}" if key else None


# --------------------------------------------------------------------------------------------------
# YAML text (flow rows, like the hand-written tables)
# --------------------------------------------------------------------------------------------------

_BARE_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _flow(value: Any) -> str:
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k if _BARE_KEY_RE.match(str(k)) else json.dumps(str(k))}: {_flow(v)}"
                          for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def drafts_yaml(drafts: Drafts, registry: str) -> str:
    lines = [
        "# Draft rows from the package registry, written by `envadvisor knowledge refresh --write DIR`.",
        f"# Read from {registry} on {drafts.read}. Review each row against its source before merging it",
        "# into rules/tables/*.yaml; `to_fill_by_hand` lists what package metadata cannot give.",
        f"read: {json.dumps(drafts.read)}",
        f"drafted: {_flow(list(drafts.drafted))}",
    ]
    for name, rows in drafts.tables.items():
        if isinstance(rows, list):
            lines.append(f"{name}:")
            lines.extend(f"  - {_flow(row)}" for row in rows)
        elif isinstance(rows, Mapping):
            lines.append(f"{name}: {_flow(rows)}")
        else:
            lines.append(f"{json.dumps(name)}: {_flow(rows)}")
    lines.append("to_fill_by_hand:")
    lines.extend(f"  - {_flow(item.as_dict())}" for item in drafts.by_hand)
    if not drafts.by_hand:
        lines[-1] = "to_fill_by_hand: []"
    return "\n".join(lines) + "\n"


def rows_equal(draft: Mapping[str, Any], hand: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """The keys on which a draft row and a hand-written row differ (for tests and reviews)."""
    return [k for k in keys if draft.get(k) != hand.get(k)]
