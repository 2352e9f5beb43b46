"""Settle what many formats said into one :class:`Facts`, keeping where each fact came from.

Precedence: a direct statement beats one derived from another fact; then the more structured format
wins (its order in :data:`PRECEDENCE`); then the earlier line. Packages merge across formats (the
other versions seen are kept as ``other_versions``); GPU lists come whole from the best format that
has one, so two listings of the same card never become two cards. Library copies and channels are
collected from every format. Every key that stays unknown gets a reason.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from envadvisor.importers._base import Observation, major_minor
from envadvisor.importers._system import is_tensorflow_distribution
from envadvisor.model import DataError, Facts, fact_keys, from_data
from envadvisor.records import is_record, record

# Most structured first. Signatures state facts in error messages; free text is prose.
PRECEDENCE = (
    "envadvisor_json",
    "collect_env",
    "vllm",
    "nvidia_smi",
    "hf_env",
    "issue_templates",
    "conda_list",
    "pip_freeze",
    "signatures",
    "free_text",
)
NOT_IN_REPORT = "not in the report"
_COLLECTED = frozenset(
    {
        "cudnn.copies",
        "cuda_runtime.copies",
        "nccl.copies",
        "cuda_toolkit.installs",
        "conda.channels",
        "env.ld_library_path_cuda",
    }
)
_LOCAL_TAG = re.compile(r"\+(?P<tag>[A-Za-z][\w.]{0,63})$")
# GPU and MIG UUIDs identify a machine; quotes echo report lines, so they leave them out.
# the spaces before the note are tried only after a non-space, not at every blank of a long run
_UUID_NOTE = re.compile(r"(?:(?<=\S)\s{1,8})?\(UUID:\s{0,8}[^()]{0,128}\)")
_UUID = re.compile(r"\b(?:GPU|MIG)-[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\b")


@record
class Tagged:
    format: str
    observation: Observation

    @property
    def rank(self) -> tuple[int, int, int]:
        derived = 1 if self.observation.derived_from else 0
        fmt = PRECEDENCE.index(self.format) if self.format in PRECEDENCE else len(PRECEDENCE)
        line = self.observation.line.number if self.observation.line else 0
        return (derived, fmt, line)


@record
class Merged:
    facts: Facts
    quotes: Mapping[str, tuple[str, ...]]


class _Builder:
    def __init__(self, raw_lines: Sequence[str]) -> None:
        self.raw_lines = raw_lines
        self.values: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        self.reasons: dict[str, str] = {}
        self.quotes: dict[str, list[str]] = {}

    def quote(self, tagged: Tagged) -> str | None:
        line = tagged.observation.line
        if line is None or not (0 < line.number <= len(self.raw_lines)):
            return None
        text = self.raw_lines[line.number - 1].strip()[:300]
        return _UUID.sub("[uuid]", _UUID_NOTE.sub("", text))

    def provenance(self, tagged: Tagged) -> str:
        line = tagged.observation.line
        where = f"{tagged.format}, line {line.number}" if line else tagged.format
        if tagged.observation.derived_from:
            where += f" (derived from {tagged.observation.derived_from})"
        return where

    def set(self, key: str, value: Any, tagged: Tagged | None, *, source: str | None = None) -> None:
        self.values[key] = value
        self.reasons.pop(key, None)
        if tagged is not None:
            self.sources[key] = self.provenance(tagged)
            quoted = self.quote(tagged)
            if quoted:
                self.quotes.setdefault(key, [])
                if quoted not in self.quotes[key]:
                    self.quotes[key].append(quoted)
        elif source:
            self.sources[key] = source

    def add_quote(self, key: str, tagged: Tagged) -> None:
        quoted = self.quote(tagged)
        if quoted and quoted not in self.quotes.setdefault(key, []) and len(self.quotes[key]) < 5:
            self.quotes[key].append(quoted)


def merge(tagged: Sequence[Tagged], raw_lines: Sequence[str], *, tables: Any = None) -> Merged:
    """Build the facts. ``tables`` (knowledge Tables) fills compute capabilities and the driver's CUDA."""
    builder = _Builder(raw_lines)
    ordered = sorted(tagged, key=lambda item: item.rank)
    signatures: list[str] = []
    devices_format: str | None = None
    packages: dict[str, dict[str, Any]] = {}

    for item in ordered:
        obs = item.observation
        key = obs.key
        if key == "evidence.signatures":
            if obs.value not in signatures:
                signatures.append(obs.value)
            builder.add_quote(obs.value, item)
            continue
        if key == "gpu.devices":
            if obs.value is None:
                builder.reasons.setdefault(key, obs.reason or NOT_IN_REPORT)
            elif devices_format in (None, item.format):
                if devices_format is None:
                    builder.sources[key] = builder.provenance(item)
                devices_format = item.format
                listed = builder.values.setdefault(key, [])
                entry = dict(obs.value)
                # A GPU named twice in prose or messages is one GPU; only indexed listings count cards.
                twin = next(
                    (d for d in listed if "index" not in entry and d.get("name") == entry.get("name")), None
                )
                if twin is None:
                    listed.append(entry)
                else:
                    twin.update({k: v for k, v in entry.items() if v is not None and k not in twin})
                builder.add_quote(key, item)
            continue
        if key.startswith("packages."):
            _merge_package(packages, builder, key.removeprefix("packages."), obs.value, item)
            continue
        if key in _COLLECTED:
            if obs.value is None:
                builder.reasons.setdefault(key, obs.reason or NOT_IN_REPORT)
                continue
            entries = obs.value if isinstance(obs.value, list) else [obs.value]
            current = builder.values.setdefault(key, [])
            for entry in entries:
                if entry not in current:
                    current.append(entry)
            builder.sources.setdefault(key, builder.provenance(item))
            builder.add_quote(key, item)
            continue
        if key in builder.values:
            continue
        if obs.value is None:
            builder.reasons.setdefault(key, obs.reason or NOT_IN_REPORT)
            continue
        builder.set(key, obs.value, item)

    _derive(builder, packages, tables)
    for name, fields in packages.items():
        builder.values[f"packages.{name}"] = fields
    if signatures:
        builder.values["evidence.signatures"] = signatures
    facts = _build(builder)
    quotes = {key: tuple(lines) for key, lines in builder.quotes.items() if lines}
    return Merged(facts, quotes)


def _merge_package(
    packages: dict[str, dict[str, Any]], builder: _Builder, name: str, fields: Any, item: Tagged
) -> None:
    if not isinstance(fields, Mapping) or not fields.get("version"):
        return
    current = packages.get(name)
    if current is None:
        packages[name] = {k: v for k, v in fields.items() if v is not None}
        builder.sources[f"packages.{name}.version"] = builder.provenance(item)
        builder.add_quote(f"packages.{name}.version", item)
        return
    version = str(fields["version"])
    if _same_version(version, str(current["version"])):
        for field_name, value in fields.items():
            current.setdefault(field_name, value)
        return
    # The same distribution again with another version: a conda and a pip copy, or two statements.
    if item.format in ("collect_env", "vllm", "conda_list", "pip_freeze") and version not in current.get(
        "other_versions", []
    ):
        current.setdefault("other_versions", []).append(version)
        builder.add_quote(f"packages.{name}.version", item)


def _same_version(a: str, b: str) -> bool:
    # 2.5.1+cu121 (torch.__version__) and 2.5.1 (pip's list) are one install.
    return a.split("+")[0] == b.split("+")[0]


def _derive(builder: _Builder, packages: dict[str, dict[str, Any]], tables: Any) -> None:
    """Facts that follow from other facts: the torch build from its version tag, frameworks from
    packages and back, library versions from their copies, compute capability from the GPU name."""
    values = builder.values

    def derive(key: str, value: Any, origin: str) -> None:
        if key in values or value is None:
            return
        values[key] = value
        builder.reasons.pop(key, None)
        builder.sources[key] = f"derived from {origin} ({builder.sources.get(origin, 'the report')})"
        if origin in builder.quotes:
            builder.quotes.setdefault(key, list(builder.quotes[origin]))

    # torch: packages <-> frameworks
    torch_pkg = packages.get("torch")
    if torch_pkg:
        derive("frameworks.torch.version", torch_pkg["version"], "packages.torch.version")
    elif values.get("frameworks.torch.version"):
        packages["torch"] = {"version": values["frameworks.torch.version"]}
        builder.sources["packages.torch.version"] = builder.sources.get("frameworks.torch.version", "")

    version = values.get("frameworks.torch.version")
    tag = _LOCAL_TAG.search(version) if isinstance(version, str) else None
    if tag:
        local = tag.group("tag").lower()
        cu = re.fullmatch(r"cu(\d{1,3})(\d)", local)
        if cu:
            derive("frameworks.torch.variant", local, "frameworks.torch.version")
            derive("frameworks.torch.cuda", f"{int(cu.group(1))}.{cu.group(2)}", "frameworks.torch.version")
        elif local == "cpu" or local.startswith("cpu."):
            derive("frameworks.torch.variant", "cpu", "frameworks.torch.version")
            if "frameworks.torch.cuda" not in values:
                builder.reasons["frameworks.torch.cuda"] = (
                    "a CPU-only build of torch (its version ends in +cpu)"
                )
        elif local.startswith("rocm"):
            derive("frameworks.torch.variant", local, "frameworks.torch.version")
            derive("frameworks.torch.hip", local.removeprefix("rocm"), "frameworks.torch.version")
            builder.reasons.setdefault("frameworks.torch.cuda", "a ROCm build of torch (no CUDA)")
    if values.get("frameworks.torch.variant") == "cpu-or-macos":
        system = values.get("os.system")
        values["frameworks.torch.variant"] = "macos" if system == "macos" else "cpu"

    # TensorFlow and JAX from their packages
    if "frameworks.tensorflow.version" not in values:
        for name, fields in packages.items():
            if is_tensorflow_distribution(name):
                derive("frameworks.tensorflow.version", fields["version"], f"packages.{name}.version")
                derive("frameworks.tensorflow.distribution", name, f"packages.{name}.version")
                break
    elif "tensorflow" not in packages and not any(is_tensorflow_distribution(name) for name in packages):
        distribution = values.get("frameworks.tensorflow.distribution") or "tensorflow"
        packages[distribution] = {"version": values["frameworks.tensorflow.version"]}
    for name, key in (("jax", "frameworks.jax.version"), ("jaxlib", "frameworks.jax.jaxlib")):
        if name in packages:
            derive(key, packages[name]["version"], f"packages.{name}.version")
    for name in packages:
        plugin = re.fullmatch(r"jax-cuda(\d{1,3})-(?:plugin|pjrt)", name)
        if plugin:
            derive("frameworks.jax.cuda_plugin", plugin.group(1), f"packages.{name}.version")
    if "transformers" not in packages and values.get("packages.transformers.version"):
        packages["transformers"] = {"version": values.pop("packages.transformers.version")}

    # Library versions: the copy a framework loads (wheel or conda before the system's)
    for section in ("cudnn", "cuda_runtime", "nccl"):
        copies = values.get(f"{section}.copies") or []
        preferred = [c for c in copies if c.get("source") in ("wheel", "conda")]
        if preferred and preferred[0].get("version"):
            version_text = str(preferred[0]["version"])
            if section == "cudnn":
                version_text = ".".join(version_text.split(".")[:3])
            elif section == "cuda_runtime":
                version_text = major_minor(version_text) or version_text
            derive(f"{section}.version", version_text, f"{section}.copies")

    # GPUs: count, and compute capability from the name table when the report did not state it
    devices = values.get("gpu.devices")
    if devices:
        derive("gpu.count", len(devices), "gpu.devices")
        looked_up: dict[str, str | None] = {}
        for entry in devices:
            if entry.get("compute_capability") or not entry.get("name"):
                continue
            name = str(entry["name"])
            if name not in looked_up:
                looked_up[name] = _compute_capability(tables, name)
            cc = looked_up[name]
            if cc:
                entry["compute_capability"] = cc
                entry["compute_capability_source"] = "name-table"
    # The driver's CUDA from the driver version, through the tables, when nvidia-smi's header is absent.
    driver = values.get("gpu.driver_version")
    if driver and "gpu.driver_cuda" not in values and tables is not None:
        # Under WSL2 the driver in a report is the Windows driver, numbered on Windows' scale.
        system = "windows" if values.get("os.wsl") else values.get("os.system")
        try:
            inferred = tables.max_cuda_for_driver(str(driver), system)
        except Exception:  # a table still being written must not make a report unreadable
            inferred = None
        if inferred:
            derive("gpu.driver_cuda", inferred, "gpu.driver_version")
            values["gpu.driver_cuda_inferred"] = True
            builder.sources["gpu.driver_cuda_inferred"] = builder.sources["gpu.driver_cuda"]


def _compute_capability(tables: Any, name: str) -> str | None:
    if tables is None:
        return None
    try:
        cc = tables.compute_capability_for(name)
    except Exception:  # a table still being written must not make a report unreadable
        return None
    return str(cc) if cc else None


# ------------------------------------------------------------------------------------------------
# Building the frozen Facts
# ------------------------------------------------------------------------------------------------


@cache
def _field_type(key: str) -> Any:
    """The annotated type at a dotted key of :class:`Facts` (packages and devices handled by callers)."""
    cls: Any = Facts
    tp: Any = None
    for part in key.split("."):
        if not (isinstance(cls, type) and is_record(cls)):
            return None
        hints = typing.get_type_hints(cls)
        if part not in hints:
            return None
        tp = hints[part]
        cls = next(
            (
                arg
                for arg in (tp, *typing.get_args(tp))
                if isinstance(arg, type) and is_record(arg)
            ),
            None,
        )
    return tp


def _coerce(tp: Any, value: Any) -> Any:
    args = typing.get_args(tp)
    allowed = {arg for arg in args if isinstance(arg, type)} | ({tp} if isinstance(tp, type) else set())
    if typing.get_origin(tp) is tuple or tuple in allowed:
        items = value if isinstance(value, (list, tuple)) else [value]
        return [item for item in items if item is not None]
    if bool in allowed:
        return value if isinstance(value, bool) else None
    if int in allowed:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        from envadvisor.safetext import parse_int

        return parse_int(value) if isinstance(value, str) else None
    if str in allowed:
        return value if isinstance(value, str) else str(value)
    return value


def _nest(target: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _build(builder: _Builder) -> Facts:
    data: dict[str, Any] = {}
    for key, value in builder.values.items():
        if key.startswith("packages."):
            name = key.removeprefix("packages.")
            package: dict[str, Any] = {
                k: str(v)
                for k, v in value.items()
                if k in ("version", "installer", "source", "channel") and v
            }
            package["other_versions"] = [str(v) for v in value.get("other_versions", [])]
            data.setdefault("packages", {})[name] = package
            continue
        if key == "gpu.devices":
            data.setdefault("gpu", {})["devices"] = [_device(entry) for entry in value]
            continue
        tp = _field_type(key)
        if tp is None:
            continue
        coerced = _coerce(tp, value)
        if coerced is None:
            builder.reasons.setdefault(key, NOT_IN_REPORT)
            continue
        _nest(data, key, coerced)
    known = {key for key in fact_keys() if "*" not in key}
    for key in sorted(known):
        if key in ("packages", "evidence", "evidence.signatures"):
            continue
        if key == "proof" or key.startswith("proof."):
            continue  # only diagnose --deep runs a framework; a text report never holds a proof
        if _is_section(key):
            continue
        if key not in builder.values and not _has_value(data, key):
            builder.reasons.setdefault(key, NOT_IN_REPORT)
    data["reasons"] = dict(sorted(builder.reasons.items()))
    data["sources"] = dict(sorted(builder.sources.items()))
    try:
        return from_data(Facts, data)
    except DataError:
        # A value of the wrong shape is a parser bug; a report must still be readable.
        return Facts(reasons=data["reasons"], sources=data["sources"])


def _device(entry: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("index", "name", "compute_capability", "memory_mib", "compute_capability_source"):
        value = entry.get(name)
        if value is None:
            continue
        if name in ("index", "memory_mib"):
            if isinstance(value, int) and not isinstance(value, bool):
                out[name] = value
        else:
            out[name] = str(value)
    return out


def _is_section(key: str) -> bool:
    tp = _field_type(key)
    return isinstance(tp, type) and is_record(tp)


def _has_value(data: Mapping[str, Any], key: str) -> bool:
    current: Any = data
    for part in key.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return False
        current = current[part]
    return current not in (None, [], {})
