"""The one data model every stage shares: facts in, findings out.

Everything here is a frozen value. ``None`` always means *unknown*; the reason it is unknown lives in
:attr:`Facts.reasons` under the fact's dotted key. A probe, an importer (pasted report), a target
override and a fleet reader all produce the same :class:`Facts`, so the rules engine, the proposer and
the renderers never care where the facts came from.

Dotted keys (``gpu.driver_version``, ``frameworks.torch.cuda``, ``packages.torch.version``) are the
public names of facts: rules refer to them, the JSON report nests them, and :func:`fact_keys` lists the
ones that exist so the rule loader can reject a typo at load time.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar, Union

from envadvisor.records import field, is_record, record, record_fields
from envadvisor.records import replace as _replace_record

SCHEMA_VERSION = 1


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {Severity.ERROR: 2, Severity.WARNING: 1, Severity.INFO: 0}[self]


class Category(str, enum.Enum):
    """The closed set of finding categories; a finding has exactly one."""

    DRIVER_TOO_OLD = "driver_too_old"
    NO_DRIVER = "no_driver"
    NVML_DRIVER_MISMATCH = "nvml_driver_mismatch"
    GPU_ARCH_UNSUPPORTED = "gpu_arch_unsupported"
    GPU_FEATURE_MISSING = "gpu_feature_missing"
    CPU_ONLY_BUILD = "cpu_only_build"
    CUDA_LIBS_MISSING = "cuda_libs_missing"
    CUDNN_MISMATCH = "cudnn_mismatch"
    MIXED_CUDA_RUNTIMES = "mixed_cuda_runtimes"
    TOOLKIT_MISMATCH = "toolkit_mismatch"
    PYTHON_UNSUPPORTED = "python_unsupported"
    PYTHON_EOL = "python_eol"
    FRAMEWORK_VERSION_MISMATCH = "framework_version_mismatch"
    NUMPY_ABI_MISMATCH = "numpy_abi_mismatch"
    PLATFORM_UNSUPPORTED = "platform_unsupported"
    WSL_GPU_UNAVAILABLE = "wsl_gpu_unavailable"
    DUPLICATE_INSTALL = "duplicate_install"
    ENV_FILE = "env_file"
    PROBE_FAILED = "probe_failed"
    # diagnose --deep: the framework, run on this machine, did not do what the facts predicted
    PROOF_DISAGREES = "proof_disagrees"
    GPU_BUSY = "gpu_busy"  # the GPU is held by other processes or its memory is full
    # Not a problem: the knowledge base does not know a version yet, or a fact worth a note.
    KNOWLEDGE_GAP = "knowledge_gap"


class NvmlState(str, enum.Enum):
    """What talking to the NVIDIA driver's management library told us, in words a person understands."""

    OK = "ok"
    NO_DRIVER = "no_driver"  # libnvidia-ml not found: no driver, no NVIDIA container runtime, or macOS
    DRIVER_NOT_LOADED = "driver_not_loaded"  # installed, kernel module not loaded
    DRIVER_LIBRARY_MISMATCH = "driver_library_mismatch"  # kernel module and user library differ
    NO_PERMISSION = "no_permission"
    GPU_LOST = "gpu_lost"
    BLOCKED_BY_OS = "blocked_by_os"  # WSL2 bridge missing, sandbox
    NOT_SUPPORTED = "not_supported"
    UNAVAILABLE = "unavailable"  # nvidia-ml-py missing or probe timed out
    UNKNOWN_ERROR = "unknown_error"


# --------------------------------------------------------------------------------------------------
# Facts
# --------------------------------------------------------------------------------------------------


@record
class OsFacts:
    system: str | None = None  # linux | windows | macos
    distro: str | None = None
    distro_version: str | None = None
    kernel: str | None = None
    arch: str | None = None  # x86_64 | aarch64 | arm64
    glibc: str | None = None
    cpu: str | None = None
    cores: int | None = None
    memory_mib: int | None = None
    hostname: str | None = None
    wsl: bool | None = None
    wsl_gpu_bridge: bool | None = None  # /dev/dxg present
    container: str | None = None  # docker | podman | kubernetes | container | "none"


@record
class PythonFacts:
    version: str | None = None
    implementation: str | None = None
    executable: str | None = None
    prefix: str | None = None
    env_kind: str | None = None  # venv | uv | conda | virtualenv | system
    has_pip: bool | None = None


@record
class GpuDevice:
    index: int | None = None
    name: str | None = None
    compute_capability: str | None = None
    memory_mib: int | None = None
    uuid: str | None = None
    serial: str | None = None
    compute_capability_source: str | None = None  # nvml | nvidia-smi | name-table | override | report


@record
class GpuFacts:
    nvml_state: str | None = None  # NvmlState value
    nvml_error: str | None = None  # the raw error text, for the curious
    driver_version: str | None = None
    driver_cuda: str | None = (
        None  # the newest CUDA the driver supports (what nvidia-smi calls "CUDA Version")
    )
    driver_cuda_inferred: bool | None = None  # derived from the driver version through the tables
    driver_source: str | None = None  # nvml | sysfs | procfs | nvidia-smi | override | report
    kernel_module_version: str | None = None  # /sys/module/nvidia/version, to explain mismatches
    count: int | None = None
    devices: tuple[GpuDevice, ...] = ()
    cuda_visible_devices: str | None = None


@record
class ToolkitInstall:
    path: str | None = None
    version: str | None = None
    source: str | None = None  # CUDA_HOME | CUDA_PATH | nvcc-on-PATH | /usr/local/cuda | conda | wheel


@record
class CudaToolkitFacts:
    version: str | None = None  # the toolkit a build would use (torch.utils.cpp_extension order)
    nvcc_version: str | None = None  # full, e.g. 13.0.88
    home: str | None = None
    source: str | None = None
    installs: tuple[ToolkitInstall, ...] = ()


@record
class LibraryCopy:
    """One copy of a shared CUDA library (runtime, cuDNN, NCCL) and where it came from."""

    version: str | None = None
    source: str | None = None  # system | wheel | conda | LD_LIBRARY_PATH
    name: str | None = None  # the distribution, package or file
    path: str | None = None


@record
class LibraryFacts:
    version: str | None = None  # the copy a framework most likely loads (wheel/conda before system)
    copies: tuple[LibraryCopy, ...] = ()


@record
class CondaFacts:
    in_conda_env: bool | None = None  # this interpreter's prefix has conda-meta/
    active_env: str | None = None  # CONDA_DEFAULT_ENV
    active_prefix: str | None = None  # CONDA_PREFIX
    prefix: str | None = None  # the prefix whose conda-meta was read
    exe: str | None = None
    package_count: int | None = None
    channels: tuple[str, ...] = ()


@record
class Package:
    version: str | None = None
    installer: str | None = None  # pip | uv | conda | poetry | ...
    source: str | None = None  # pypi | conda
    channel: str | None = None  # conda channel, when source is conda
    other_versions: tuple[str, ...] = ()  # the same distribution installed again (conda and pip, twice)


@record
class TorchBuild:
    version: str | None = None  # torch.__version__, with its local tag when known (2.8.0+cu128)
    cuda: str | None = None  # torch.version.cuda: None for CPU / ROCm / macOS builds
    hip: str | None = None
    variant: str | None = None  # cu128 | cpu | rocm6.4 | macos
    cudnn: str | None = None  # the cuDNN it pins or bundles
    cuda_available: bool | None = None  # torch.cuda.is_available() as a report (collect_env) states it
    arch_list: tuple[str, ...] = ()  # torch.cuda.get_arch_list() when known (sm_50 ...), e.g. from a warning


@record
class TensorflowBuild:
    version: str | None = None
    distribution: str | None = None  # tensorflow | tensorflow-cpu | tensorflow-gpu | tensorflow-macos ...
    cuda: str | None = None
    cudnn: str | None = None
    is_cuda_build: bool | None = None
    gpu_available: bool | None = None  # a GPU device was visible to TensorFlow, as a report states it


@record
class JaxBuild:
    version: str | None = None
    jaxlib: str | None = None
    cuda_plugin: str | None = None  # "12" / "13" from jax-cuda12-plugin, ...


@record
class Frameworks:
    torch: TorchBuild = field(default_factory=TorchBuild)
    tensorflow: TensorflowBuild = field(default_factory=TensorflowBuild)
    jax: JaxBuild = field(default_factory=JaxBuild)


@record
class EnvironmentVariables:
    ld_library_path_cuda: tuple[str, ...] = ()  # LD_LIBRARY_PATH entries that hold CUDA/cuDNN libraries
    conda_override_cuda: str | None = None


@record
class Evidence:
    """Things seen in a pasted report that are not facts of a component: known error messages."""

    signatures: tuple[str, ...] = ()  # ids of error signatures matched (see importers/signatures)


@record
class ProofDevice:
    """A GPU as the framework itself sees it (``diagnose --deep``)."""

    index: int | None = None
    name: str | None = None
    compute_capability: str | None = None


@record
class ProofOp:
    """One tiny computation of ``diagnose --deep`` and how it went."""

    name: str  # matmul | cudnn-conv2d | placed-matmul | jit
    device: str | None = None  # cpu | cuda:0 | /GPU:0 | gpu:0
    status: str = "skipped"  # ok | failed | mismatch | skipped
    seconds: float | None = None
    max_abs_diff: float | None = None  # against the CPU (or, on the CPU, the exact) result
    detail: str | None = None  # the error, the difference, or why it was skipped


@record
class Prediction:
    """What the static rules expected of a framework's GPU before anything was run."""

    gpu_usable: bool | None = None  # None: the facts do not say
    reason: str | None = None  # a code of envadvisor.proof.predict.REASONS
    basis: tuple[str, ...] = ()  # the facts ("key=value") and findings ("EA010 name") behind it


@record
class FrameworkProof:
    """``diagnose --deep``: one framework imported and run in a child process of this environment."""

    outcome: str  # ok | failed | timeout | crashed
    version: str | None = None  # as the framework says (torch.__version__ ...)
    cuda: str | None = None  # the build's CUDA as the framework says
    cudnn: str | None = None
    nccl: str | None = None
    rocm: str | None = None
    cuda_available: bool | None = None  # the framework sees at least one GPU
    device_count: int | None = None
    devices: tuple[ProofDevice, ...] = ()
    arch_list: tuple[str, ...] = ()  # torch.cuda.get_arch_list(): the GPU code the build carries
    ops: tuple[ProofOp, ...] = ()
    gpu_usable: bool | None = None  # a GPU was seen and every GPU op gave the right result
    seconds: float | None = None  # wall time of the child, start to end
    stage: str | None = None  # the last step the child reached: start, import, devices, op:matmul ...
    exit_status: str | None = None  # "exit status 1", "signal SIGABRT", "killed at the time limit"
    error_first: str | None = None
    error_last: str | None = None
    signatures: tuple[str, ...] = ()  # error signatures found in the child's stderr
    prediction: Prediction = field(default_factory=Prediction)
    agrees: bool | None = None  # prediction.gpu_usable == gpu_usable; None when either is unknown


@record
class ProofFacts:
    """The frameworks ``diagnose --deep`` ran; ``None`` for one it did not run (or without --deep)."""

    torch: FrameworkProof | None = None
    tensorflow: FrameworkProof | None = None
    jax: FrameworkProof | None = None
    timeout: float | None = None  # --deep-timeout, seconds per framework


@record
class Facts:
    os: OsFacts = field(default_factory=OsFacts)
    python: PythonFacts = field(default_factory=PythonFacts)
    gpu: GpuFacts = field(default_factory=GpuFacts)
    cuda_toolkit: CudaToolkitFacts = field(default_factory=CudaToolkitFacts)
    cuda_runtime: LibraryFacts = field(default_factory=LibraryFacts)
    cudnn: LibraryFacts = field(default_factory=LibraryFacts)
    nccl: LibraryFacts = field(default_factory=LibraryFacts)
    conda: CondaFacts = field(default_factory=CondaFacts)
    packages: Mapping[str, Package] = field(default_factory=dict)
    frameworks: Frameworks = field(default_factory=Frameworks)
    env: EnvironmentVariables = field(default_factory=EnvironmentVariables)
    evidence: Evidence = field(default_factory=Evidence)
    proof: ProofFacts = field(default_factory=ProofFacts)
    # dotted key -> why it is unknown; dotted key -> where the value came from
    reasons: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    overridden: tuple[str, ...] = ()

    def get(self, key: str) -> Any:
        """The value at a dotted key, or ``None`` when it is unknown or does not exist."""
        return resolve(self, key)

    def package_version(self, name: str) -> str | None:
        pkg = self.packages.get(canonical_name(name))
        return pkg.version if pkg else None


# --------------------------------------------------------------------------------------------------
# Findings and the report
# --------------------------------------------------------------------------------------------------


@record
class Finding:
    code: str
    name: str
    severity: Severity
    category: Category
    message: str
    why: str
    fix: tuple[str, ...]
    references: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)  # fact key -> value that made it fire
    quotes: tuple[str, ...] = ()  # report lines behind the evidence (pasted reports)


@record
class NotEvaluated:
    code: str
    name: str
    missing: tuple[str, ...]  # fact keys that were unknown


@record
class ProbeOutcome:
    name: str
    status: str  # ok | partial | absent | failed | timeout | skipped
    seconds: float | None = None
    detail: str | None = None


@record
class Origin:
    kind: str  # machine | report | fleet-node
    path: str | None = None
    formats: tuple[str, ...] = ()


@record
class Report:
    tool_version: str
    origin: Origin
    facts: Facts
    findings: tuple[Finding, ...] = ()
    not_evaluated: tuple[NotEvaluated, ...] = ()
    probes: tuple[ProbeOutcome, ...] = ()
    tables_checked: str | None = None
    schema_version: int = SCHEMA_VERSION

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)


# --------------------------------------------------------------------------------------------------
# Helpers: names, dotted keys, (de)serialisation
# --------------------------------------------------------------------------------------------------


def canonical_name(name: str) -> str:
    """PEP 503 normalisation, also used for conda names so both sources meet under one key."""
    out = []
    prev_sep = False
    for ch in name.strip().lower():
        if ch in "-_.":
            if not prev_sep:
                out.append("-")
            prev_sep = True
        else:
            out.append(ch)
            prev_sep = False
    return "".join(out)


def resolve(obj: Any, key: str) -> Any:
    """Walk a dotted key through dataclasses and mappings; ``None`` when any step is missing."""
    cur = obj
    for part in key.split("."):
        if cur is None:
            return None
        if isinstance(cur, Mapping):
            cur = cur.get(part, cur.get(canonical_name(part)))
        elif is_record(cur):
            cur = getattr(cur, part, None)
        else:
            return None
    return cur


@functools.cache
def fact_keys(*, include_proof: bool = True) -> frozenset[str]:
    """Every dotted key a rule may name. ``packages.<name>.*`` accepts any package name as ``*``.

    ``include_proof=False`` leaves out the ``proof.*`` keys (only ``diagnose --deep`` writes them):
    resolving their type hints costs milliseconds plain ``diagnose`` need not spend. Computed once per
    process for each choice: the report importers would otherwise pay for it on every report."""
    keys: set[str] = set()

    def walk(cls: type, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for name in record_fields(cls):
            if name in ("reasons", "sources", "overridden"):
                continue
            if not include_proof and not prefix and name == "proof":
                continue
            key = f"{prefix}{name}"
            keys.add(key)
            tp = hints[name]
            inner = _record_in(tp)
            origin = typing.get_origin(tp)
            if origin in (Mapping, dict) or (origin is not None and _is_mapping_origin(origin)):
                value_cls = typing.get_args(tp)[1]
                for sub in record_fields(value_cls):
                    keys.add(f"{key}.*.{sub}")
            elif inner is not None and origin is not tuple:
                walk(inner, key + ".")

    walk(Facts, "")
    return frozenset(keys)


def _is_mapping_origin(origin: Any) -> bool:
    try:
        return issubclass(origin, Mapping)
    except TypeError:
        return False


def _record_in(tp: Any) -> type | None:
    if isinstance(tp, type) and is_record(tp):
        return tp
    for arg in typing.get_args(tp):
        if isinstance(arg, type) and is_record(arg):
            return arg
    return None


def to_data(obj: Any) -> Any:
    """A JSON-ready structure: records (and dataclasses) become dicts, tuples lists, enums values."""
    names = getattr(obj, "__record_fields__", None) or getattr(obj, "__dataclass_fields__", None)
    if names is not None and not isinstance(obj, type):
        return {name: to_data(getattr(obj, name)) for name in names}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, Mapping):
        return {str(k): to_data(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return [to_data(v) for v in obj]
    return obj


T = TypeVar("T")


class DataError(ValueError):
    """Raised by :func:`from_data` when the input does not have the model's shape."""


def from_data(cls: type[T], data: Any, path: str = "") -> T:
    """Rebuild a frozen model value from :func:`to_data` output; unknown keys are ignored."""
    return typing.cast(T, _convert(cls, data, path or cls.__name__))


def _convert(tp: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        last_error: DataError | None = None
        for arg in non_none:
            try:
                return _convert(arg, data, path)
            except DataError as exc:
                last_error = exc
        raise last_error or DataError(f"{path}: unexpected value {data!r}")
    if tp is Any:
        return data
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError as exc:
            raise DataError(f"{path}: {data!r} is not a valid {tp.__name__}") from exc
    if isinstance(tp, type) and is_record(tp):
        if not isinstance(data, Mapping):
            raise DataError(f"{path}: expected an object, got {type(data).__name__}")
        hints = _hints(tp)
        kwargs = {}
        for name in record_fields(tp):
            if name in data:
                kwargs[name] = _convert(hints[name], data[name], f"{path}.{name}")
        try:
            return tp(**kwargs)
        except TypeError as exc:
            raise DataError(f"{path}: {exc}") from exc
    if origin is tuple:
        if not isinstance(data, (list, tuple)):
            raise DataError(f"{path}: expected a list, got {type(data).__name__}")
        item = args[0] if args else Any
        return tuple(_convert(item, v, f"{path}[{i}]") for i, v in enumerate(data))
    if origin is not None and _is_mapping_origin(origin):
        if not isinstance(data, Mapping):
            raise DataError(f"{path}: expected an object, got {type(data).__name__}")
        value_tp = args[1] if len(args) == 2 else Any
        return {_key(k): _convert(value_tp, v, f"{path}.{k}") for k, v in data.items()}
    if tp is bool:
        if isinstance(data, bool):
            return data
        raise DataError(f"{path}: expected true/false, got {data!r}")
    if tp is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        raise DataError(f"{path}: expected an integer, got {data!r}")
    if tp is float:
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return float(data)
        raise DataError(f"{path}: expected a number, got {data!r}")
    if tp is str:
        if isinstance(data, str):
            if data.isprintable():
                return data
            from envadvisor.safetext import model_text

            return model_text(data)  # lone surrogates and controls from a JSON report: U+FFFD
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            return str(data)
        raise DataError(f"{path}: expected a string, got {data!r}")
    return data


def _key(key: object) -> str:
    text = str(key)
    if text.isprintable():
        return text
    from envadvisor.safetext import model_text

    return model_text(text)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """Resolved field types of a model class (evaluating string annotations is slow: once per class)."""
    return typing.get_type_hints(cls)


def newer_schema(report: Mapping[str, Any]) -> str | None:
    """Why a ``diagnose --json`` report cannot be read here: written by a newer envadvisor (its
    ``schema_version`` is above :data:`SCHEMA_VERSION`); ``None`` when it can. One rule for ``--from``
    and ``fleet``."""
    schema = report.get("schema_version", SCHEMA_VERSION)
    if isinstance(schema, int) and not isinstance(schema, bool) and schema > SCHEMA_VERSION:
        return f"written by a newer envadvisor (report schema {schema}; this one reads {SCHEMA_VERSION})"
    return None


def printable_facts(facts: Facts) -> Facts:
    """``facts`` with every string valid, printable UTF-8 (see :func:`envadvisor.safetext.model_text`).

    A probe reads file names, environment variables and files as the system gives them: a folder name
    or a ``CUDA_VISIBLE_DEVICES`` byte that is not UTF-8 arrives as a lone surrogate, which no JSON or
    terminal writer accepts (``diagnose --json`` wrote JSON envadvisor then refused to read). Each
    replacement is recorded in ``facts.sources`` beside the fact, so the change is said, not hidden.
    A first pass only looks (joined strings checked at once); the copying walk runs when it finds one.
    """
    cleaned: dict[str, int] = {}

    def walk(value: Any, key: str) -> Any:
        if isinstance(value, str):
            if value.isprintable():
                return value
            from envadvisor.safetext import REPLACEMENT, model_text

            new = model_text(value)
            if new != value:
                cleaned[key] = cleaned.get(key, 0) + new.count(REPLACEMENT) - value.count(REPLACEMENT)
            return new
        if isinstance(value, tuple):
            items = tuple(walk(item, key) for item in value)
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        if isinstance(value, Mapping):
            pairs = {walk(k, key): walk(v, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
            same = len(pairs) == len(value) and all(
                k in value and value[k] is v for k, v in pairs.items()
            )
            return value if same else pairs
        if is_record(value) and not isinstance(value, type):
            changes = {}
            for name in record_fields(value):
                old = getattr(value, name)
                new = walk(old, f"{key}.{name}" if key else name)
                if new is not old:
                    changes[name] = new
            return _replace_record(value, **changes) if changes else value
        return value

    if _all_printable(facts):  # the usual case, checked at C speed where it can be: nothing to copy
        return facts
    result: Facts = walk(facts, "")
    if not cleaned:
        return facts
    sources = dict(result.sources)
    for key, count in cleaned.items():
        note = f"{count} character(s) not valid UTF-8 or not printable shown as U+FFFD"
        sources[key] = f"{sources[key]}; {note}" if sources.get(key) else note
    return _replace_record(result, sources=sources)


def _all_printable(value: Any) -> bool:
    """Whether every string in ``value`` (records, tuples, mappings) is printable: the strings are
    gathered without recursion (each record's fields read by one C-level getter) and checked at once."""
    import operator

    strings: list[str] = []
    stack = [value]
    getters: dict[type, Any] = {}
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            strings.append(item)
        elif item is None or kind is int or kind is bool or kind is float:
            continue
        elif kind is tuple or kind is list:
            stack.extend(item)
        elif kind is dict:
            stack.extend(item)
            stack.extend(item.values())
        elif hasattr(kind, "__record_fields__"):
            getter = getters.get(kind)
            if getter is None:
                fields = kind.__record_fields__
                getter = operator.attrgetter(*fields) if len(fields) > 1 else None
                getters[kind] = getter
            stack.extend(getter(item) if getter is not None else [getattr(item, kind.__record_fields__[0])])
        elif isinstance(item, Mapping):  # a mapping that is not a dict (rare: a read-only view)
            stack.extend(item)
            stack.extend(item.values())
    return "".join(strings).isprintable()


def iter_devices(facts: Facts) -> Iterator[GpuDevice]:
    yield from facts.gpu.devices


def replace(obj: T, **changes: Any) -> T:
    """A copy of a model value with some fields changed (``dataclasses.replace`` for records)."""
    return _replace_record(obj, **changes)
