"""Many node reports -> one fleet summary, and the one target an environment must fit on every node.

Input is what ``envadvisor diagnose --json`` writes on each node. A fleet can hold tens of thousands of
reports, so this module never keeps them: each report is parsed, a :class:`NodeRecord` of the dozen facts
a fleet summary needs is extracted, and :class:`FleetAggregator` folds it into counters. What stays per
node is its name in a few lists (which nodes differ, which nodes show a finding); the facts that decide
the common target are grouped into :class:`NodeClass` values (nodes with the same platform, driver and
GPUs), of which a real fleet has a handful.

Why not ``model.from_data(Facts, ...)`` on every report: it rebuilds ~300 frozen ``Package`` values per
report and costs ~50 ms a report (measured; 10,000 reports would take minutes), while the lean extraction
below reads only the keys it needs (about 0.5 ms with ``json.loads``). The keys it reads are listed in
:data:`EXTRACTED_FACT_KEYS`; a test checks that each exists in the model and that the lean extraction
agrees with ``from_data`` on the same report.

Nothing here prints or reads argv. :func:`summarize` reads the inputs (files, folders, JSON Lines,
stdin) through generators, so the command layer can wrap them in a progress bar.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

from envadvisor.model import (
    Facts,
    GpuDevice,
    GpuFacts,
    NvmlState,
    OsFacts,
    PythonFacts,
    Severity,
    newer_schema,
)
from envadvisor.records import field, record

# What `diagnose --redact` writes in place of a host name (envadvisor.redact.REDACTED; a test checks
# they agree, without importing redact's socket/getpass machinery here).
REDACTED = "[redacted]"

# The fact keys the lean extraction reads (``packages.*.version`` for transformers/tensorflow/torch).
EXTRACTED_FACT_KEYS: tuple[str, ...] = (
    "os.hostname",
    "os.system",
    "os.arch",
    "os.distro",
    "os.distro_version",
    "os.glibc",
    "python.version",
    "gpu.nvml_state",
    "gpu.driver_version",
    "gpu.driver_cuda",
    "gpu.devices",
    "packages.*.version",
    "frameworks.torch.version",
    "frameworks.torch.cuda",
    "frameworks.torch.variant",
    "frameworks.tensorflow.version",
    # diagnose --deep reports: each framework's outcome and whether it agreed with the prediction
    "proof.torch.outcome",
    "proof.torch.agrees",
    "proof.tensorflow.outcome",
    "proof.tensorflow.agrees",
    "proof.jax.outcome",
    "proof.jax.agrees",
)
PROOF_FRAMEWORKS = ("torch", "tensorflow", "jax")

# A diagnose report is tens of kilobytes; anything far larger is not one (a log, a core file).
MAX_REPORT_BYTES = 16 * 1024 * 1024

NOT_INSTALLED = "not installed"
UNKNOWN = "unknown"
NO_GPU = "no GPU"

# The dimensions compared across nodes, in display order.
DIMENSIONS: tuple[str, ...] = (
    "platform",
    "os",
    "gpu",
    "driver",
    "python",
    "torch",
    "tensorflow",
    "transformers",
)


class ReportShapeError(ValueError):
    """A report that parses as JSON but is not a diagnose report (or has a wrong-typed field)."""


# --------------------------------------------------------------------------------------------------
# One node, read leanly
# --------------------------------------------------------------------------------------------------


@record
class NodeGpu:
    name: str | None
    compute_capability: str | None


@record
class NodeFinding:
    code: str
    name: str
    severity: str


@record
class NodeRecord:
    """The facts of one node that a fleet summary needs; ``None`` means unknown, as in the model."""

    name: str
    source: str
    system: str | None = None
    arch: str | None = None
    distro: str | None = None
    distro_version: str | None = None
    glibc: str | None = None
    python: str | None = None
    nvml_state: str | None = None
    driver_version: str | None = None
    driver_cuda: str | None = None
    gpus: tuple[NodeGpu, ...] = ()
    torch: str | None = None  # label: version with its variant; NOT_INSTALLED; None = unknown
    torch_cuda: str | None = None
    tensorflow: str | None = None
    transformers: str | None = None
    findings: tuple[NodeFinding, ...] = ()
    proof_run: bool = False  # a diagnose --deep report: the frameworks were run on the node
    proof_failed: tuple[str, ...] = ()  # "torch: crashed" ...: a proof that did not come out ok
    proof_disagreed: tuple[str, ...] = ()  # frameworks whose run disagreed with the prediction

    @property
    def platform(self) -> str | None:
        if self.system is None:
            return None
        return f"{self.system}/{self.arch or UNKNOWN}"


def _text(obj: Mapping[str, Any], key: str, path: str) -> str | None:
    """A string fact: ``None`` when absent or null; numbers become text (as ``from_data`` does)."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        if not value.isprintable():  # lone surrogates and controls: U+FFFD, as from_data does
            from envadvisor.safetext import model_text

            value = model_text(value)
        return value or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ReportShapeError(f"{path}.{key}: expected a string, got {type(value).__name__}")


def _section(obj: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
    value = obj.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReportShapeError(f"{path}.{key}: expected an object, got {type(value).__name__}")
    return value


def _list(obj: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise ReportShapeError(f"{path}.{key}: expected a list, got {type(value).__name__}")
    return value


_SEVERITIES = frozenset(s.value for s in Severity)


def node_from_report(data: Any, *, source: str, fallback_name: str) -> NodeRecord:
    """Read the fleet's facts from one parsed ``diagnose --json`` report.

    Raises :class:`ReportShapeError` (one line naming the key) when ``data`` is not such a report.
    """
    if not isinstance(data, dict):
        raise ReportShapeError(f"not a diagnose report: a JSON {type(data).__name__}, expected an object")
    facts = data.get("facts")
    if not isinstance(facts, dict):
        raise ReportShapeError(
            "not a diagnose report: no 'facts' object (write it with `envadvisor diagnose --json`)"
        )
    newer = newer_schema(data)
    if newer is not None:
        raise ReportShapeError(newer)
    os_facts = _section(facts, "os", "facts")
    py = _section(facts, "python", "facts")
    gpu = _section(facts, "gpu", "facts")
    gpus: list[NodeGpu] = []
    for i, device in enumerate(_list(gpu, "devices", "facts.gpu")):
        where = f"facts.gpu.devices[{i}]"
        if not isinstance(device, dict):
            raise ReportShapeError(f"{where}: expected an object, got {type(device).__name__}")
        gpus.append(NodeGpu(_text(device, "name", where), _text(device, "compute_capability", where)))
    packages = _section(facts, "packages", "facts")
    reasons = _section(facts, "reasons", "facts")
    frameworks = _section(facts, "frameworks", "facts")
    torch = _section(frameworks, "torch", "facts.frameworks")
    tf = _section(frameworks, "tensorflow", "facts.frameworks")

    def package_version(name: str) -> str | None:
        entry = packages.get(name)
        if entry is None:
            return None
        if not isinstance(entry, dict):
            raise ReportShapeError(f"facts.packages.{name}: expected an object, got {type(entry).__name__}")
        return _text(entry, "version", f"facts.packages.{name}")

    # A package that is absent is "not installed" only when the package listing itself worked.
    packages_known = bool(packages) or not any(str(k).startswith("packages") for k in reasons)

    def presence(version: str | None) -> str | None:
        if version is not None:
            return version
        return NOT_INSTALLED if packages_known else None

    torch_version = _text(torch, "version", "facts.frameworks.torch") or package_version("torch")
    torch_variant = _text(torch, "variant", "facts.frameworks.torch")
    torch_label = torch_version
    if torch_version and torch_variant and "+" not in torch_version:
        torch_label = f"{torch_version} ({torch_variant})"

    findings: list[NodeFinding] = []
    for i, item in enumerate(_list(data, "findings", "report")):
        where = f"findings[{i}]"
        if not isinstance(item, dict):
            raise ReportShapeError(f"{where}: expected an object, got {type(item).__name__}")
        code = _text(item, "code", where)
        if code is None:
            raise ReportShapeError(f"{where}: has no code")
        severity = _text(item, "severity", where) or ""
        if severity not in _SEVERITIES:
            raise ReportShapeError(
                f"{where}.severity: {severity!r} is not one of {', '.join(sorted(_SEVERITIES))}"
            )
        findings.append(NodeFinding(code, _text(item, "name", where) or code, severity))

    proof = _section(facts, "proof", "facts")
    proof_run = False
    proof_failed: list[str] = []
    proof_disagreed: list[str] = []
    for framework in PROOF_FRAMEWORKS:
        entry = _section(proof, framework, "facts.proof")
        outcome = _text(entry, "outcome", f"facts.proof.{framework}")
        if outcome is None:
            continue
        proof_run = True
        if outcome != "ok":
            proof_failed.append(f"{framework}: {outcome}")
        if entry.get("agrees") is False:
            proof_disagreed.append(framework)

    python_version = _text(py, "version", "facts.python")
    hostname = _text(os_facts, "hostname", "facts.os")
    if hostname == REDACTED:  # `diagnose --redact`: the file name names the node
        hostname = None
    return NodeRecord(
        name=hostname or fallback_name,
        source=source,
        system=_text(os_facts, "system", "facts.os"),
        arch=_text(os_facts, "arch", "facts.os"),
        distro=_text(os_facts, "distro", "facts.os"),
        distro_version=_text(os_facts, "distro_version", "facts.os"),
        glibc=_text(os_facts, "glibc", "facts.os"),
        python=_minor(python_version) if python_version else None,
        nvml_state=_text(gpu, "nvml_state", "facts.gpu"),
        driver_version=_text(gpu, "driver_version", "facts.gpu"),
        driver_cuda=_text(gpu, "driver_cuda", "facts.gpu"),
        gpus=tuple(gpus),
        torch=presence(torch_label),
        torch_cuda=_text(torch, "cuda", "facts.frameworks.torch"),
        tensorflow=presence(
            _text(tf, "version", "facts.frameworks.tensorflow") or package_version("tensorflow")
        ),
        transformers=presence(package_version("transformers")),
        findings=tuple(findings),
        proof_run=proof_run,
        proof_failed=tuple(proof_failed),
        proof_disagreed=tuple(proof_disagreed),
    )


def _minor(version: str) -> str:
    parts = version.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else version


def version_key(version: str | None) -> tuple[int, ...]:
    """Numeric sort key for driver and CUDA versions ("580.65.06" -> (580, 65, 6)); junk sorts first."""
    if not version:
        return ()
    from envadvisor.safetext import version_numbers

    return version_numbers(version)


# --------------------------------------------------------------------------------------------------
# Reading sources: files, folders, JSON Lines on stdin
# --------------------------------------------------------------------------------------------------


@record
class RawReport:
    """One report's text (or why it could not be read) and the names to call it by."""

    source: str  # file path, "path:LINE" in JSON Lines, "stdin:LINE"
    fallback_name: str  # the node's name when the report has no hostname (redacted)
    text: bytes | None
    error: str | None = None


# What a worker process is handed: (source, fallback name, text). ``text`` None means "read the file
# named by source" so that a folder of reports crosses the process boundary as paths, not contents.
# It sends back NodeRecord and Unreadable records (records pickle on every Python this supports).
Task = tuple[str, str, "bytes | None"]


def expand_paths(paths: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Files to read (folders searched recursively for *.json / *.jsonl, sorted) and missing paths.

    ``-`` stays as itself (stdin). Listing 10,000 names first is cheap and gives the progress bar a total.
    """
    files: list[str] = []
    missing: list[tuple[str, str]] = []
    for path in paths:
        if path == "-":
            files.append(path)
        elif os.path.isdir(path):
            found: list[str] = []
            for root, dirs, names in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for n in names:
                    if n.endswith((".json", *_JSON_LINES_SUFFIXES)) and not n.startswith("."):
                        full = os.path.join(root, n)
                        # opening a FIFO named *.json would wait for a writer forever; a dangling link
                        # is kept, to be listed as unreadable
                        if os.path.isfile(full) or not os.path.exists(full):
                            found.append(full)
                        else:
                            missing.append((full, "not a regular file"))
            if not found:
                missing.append((path, "folder holds no *.json reports"))
            files.extend(sorted(found))
        elif os.path.exists(path):
            files.append(path)
        else:
            missing.append((path, "no such file or folder"))
    return files, missing


_JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")


def is_json_lines(path: str) -> bool:
    """``-`` and *.jsonl / *.ndjson hold one report per line; other files hold one report."""
    return path == "-" or path.endswith(_JSON_LINES_SUFFIXES)


def iter_tasks(files: Iterable[str], stdin: IO[bytes] | None = None) -> Iterator[Task]:
    """One task per report: a path for a report file, the line itself for JSON Lines (and stdin)."""
    for path in files:
        if path == "-":
            if stdin is None:
                yield ("stdin", "stdin", None)
            else:
                yield from _iter_lines(stdin, "stdin")
        elif is_json_lines(path):
            try:
                with open(path, "rb") as handle:
                    yield from _iter_lines(handle, path)
            except OSError as exc:
                yield (path, path, _unreadable_marker(exc.strerror or str(exc)))
        else:
            yield (path, Path(path).name.rsplit(".", 1)[0], None)


# A task whose text starts with this marker carries a read error instead of a report.
_ERROR_MARKER = b"\x00envadvisor-read-error:"


def _unreadable_marker(reason: str) -> bytes:
    return _ERROR_MARKER + reason.encode("utf-8", "replace")


def _iter_lines(stream: IO[bytes], label: str) -> Iterator[Task]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        where = f"{label}:{number}"
        if len(line) > MAX_REPORT_BYTES:
            yield (where, where, _unreadable_marker("line too large for a report"))
        else:
            yield (where, where, line)


def read_task(task: Task) -> RawReport:
    source, fallback, text = task
    if text is None:
        if source == "stdin":
            return RawReport(source, fallback, None, "stdin is not available")
        try:
            size = os.path.getsize(source)
            if size > MAX_REPORT_BYTES:
                return RawReport(
                    source, fallback, None, f"{size // (1024 * 1024)} MiB: too large for a report"
                )
            with open(source, "rb") as handle:  # bounded: /dev/zero or a pipe reports size 0
                text = handle.read(MAX_REPORT_BYTES + 1)
            if len(text) > MAX_REPORT_BYTES:
                limit = f"more than {MAX_REPORT_BYTES // (1024 * 1024)} MiB"
                return RawReport(source, fallback, None, f"{limit}: too large for a report")
        except OSError as exc:
            return RawReport(source, fallback, None, exc.strerror or str(exc))
    elif text.startswith(_ERROR_MARKER):
        return RawReport(source, fallback, None, text[len(_ERROR_MARKER) :].decode("utf-8", "replace"))
    return RawReport(source, fallback, text)


def parse_report(raw: RawReport) -> NodeRecord:
    """Parse and extract one report. Raises :class:`ReportShapeError` with a one-line reason."""
    items = parse_raw(raw)
    if len(items) != 1:
        raise ReportShapeError(f"{len(items)} JSON documents where one report was expected")
    item = items[0]
    if isinstance(item, Unreadable):
        raise ReportShapeError(item.reason)
    return item


def parse_raw(raw: RawReport) -> list[NodeRecord | Unreadable]:
    """The node(s) in one input: usually one report; several when whole reports were written one
    after another into one file (``cat *.json > all.json``). Problems come back as
    :class:`Unreadable` values, never as exceptions."""
    if raw.text is None:
        return [Unreadable(raw.source, raw.error or "could not be read")]
    if b"\x00" in raw.text[:4096]:
        return [Unreadable(raw.source, "binary data, not a JSON report")]
    try:
        documents = [json.loads(raw.text)]
    except UnicodeDecodeError:
        return [Unreadable(raw.source, "not UTF-8 text")]
    except json.JSONDecodeError as exc:
        if exc.msg != "Extra data":
            return [Unreadable(raw.source, _json_problem(raw.text, exc))]
        documents, broken = _concatenated(raw.text.decode("utf-8", "replace"))
        if broken is not None:
            tail = Unreadable(f"{raw.source}#{len(documents) + 1}", _json_problem(raw.text, broken))
            return [*_nodes(raw, documents, several=True), tail]
    except RecursionError:
        return [Unreadable(raw.source, "not usable JSON: nested too deeply")]
    except ValueError as exc:  # a number longer than Python's 4,300-digit conversion limit
        return [Unreadable(raw.source, f"not usable JSON: {str(exc).split(':')[0]}")]
    return _nodes(raw, documents, several=len(documents) > 1)


def _nodes(raw: RawReport, documents: list[Any], *, several: bool) -> list[NodeRecord | Unreadable]:
    out: list[NodeRecord | Unreadable] = []
    for i, data in enumerate(documents, start=1):
        source = f"{raw.source}#{i}" if several else raw.source
        fallback = f"{raw.fallback_name}#{i}" if several else raw.fallback_name
        try:
            out.append(node_from_report(data, source=source, fallback_name=fallback))
        except ReportShapeError as exc:
            out.append(Unreadable(source, str(exc)))
    return out


def _concatenated(text: str) -> tuple[list[Any], json.JSONDecodeError | None]:
    """Whole JSON documents one after another (whitespace between them), and the error that stopped
    the reading early, if one did (the documents before it still count)."""
    decoder = json.JSONDecoder()
    documents: list[Any] = []
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return documents, None
        try:
            data, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            return documents, exc
        except (ValueError, RecursionError) as exc:  # a 5,000-digit number, nesting deeper than the stack
            problem = "nested too deeply" if isinstance(exc, RecursionError) else str(exc).split(":")[0]
            return documents, json.JSONDecodeError(problem, text, position)
        documents.append(data)


def _json_problem(text: bytes, exc: json.JSONDecodeError) -> str:
    hint = ""
    if text[:200].lstrip()[:1] not in (b"{", b"["):
        # pdsh writes "host: " before every line; a log line or an error message also lands here
        hint = " (does each line start with a 'host: ' prefix? see docs/fleet.md)"
    return f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}{hint}"


def _work(tasks: Sequence[Task]) -> list[NodeRecord | Unreadable]:
    """Worker process: read and parse a batch of reports."""
    return [item for task in tasks for item in parse_raw(read_task(task))]


BATCH_BYTES = 4 * 1024 * 1024


def _batches(tasks: Iterator[Task], size: int) -> Iterator[list[Task]]:
    chunk: list[Task] = []
    weight = 0
    for task in tasks:
        chunk.append(task)
        weight += len(task[2] or b"")
        if len(chunk) >= size or weight >= BATCH_BYTES:
            yield chunk
            chunk, weight = [], 0
    if chunk:
        yield chunk


def parse_tasks(
    tasks: Iterable[Task], *, workers: int = 1, batch: int = 256
) -> Iterator[NodeRecord | Unreadable]:
    """Parse every task, in input order; with ``workers`` > 1 the JSON parsing runs in that many processes.

    JSON parsing is most of the cost (about 0.3 ms for a 45 KiB report), and it is CPU-bound, so
    processes (not threads) share it out. A batch holds up to ``batch`` reports but at most
    :data:`BATCH_BYTES` of report text (paths of report files weigh nothing; lines of a stream carry
    their text), and at most ``2 x workers`` batches are in flight: memory stays bounded however long
    the stream on stdin is.
    """
    if workers <= 1:
        for task in tasks:
            yield from parse_raw(read_task(task))
        return
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from envadvisor.errors import InputError

    batches = _batches(iter(tasks), batch)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        pending: deque[Future[list[NodeRecord | Unreadable]]] = deque()
        while True:
            chunk = next(batches, None)
            if chunk:
                pending.append(pool.submit(_work, chunk))
            if pending and (not chunk or len(pending) >= 2 * workers):
                try:
                    items = pending.popleft().result()
                except BrokenProcessPool:
                    # a worker was killed (out of memory, a signal): say so in one line, no traceback
                    raise InputError(
                        "a process reading reports died (out of memory?); nothing summed up"
                    ) from None
                yield from items
            if not chunk and not pending:
                return


# --------------------------------------------------------------------------------------------------
# The summary
# --------------------------------------------------------------------------------------------------


@record
class GpuModelCount:
    name: str
    compute_capability: str | None
    gpus: int
    nodes: int


@record
class DriverCount:
    version: str | None  # None: no working driver on those nodes
    max_cuda: str | None
    nodes: int


@record
class OldestDriver:
    version: str
    max_cuda: str | None
    nodes: tuple[str, ...]


@record
class ValueCount:
    value: str
    count: int


@record
class ValueNodes:
    value: str
    nodes: tuple[str, ...]


@record
class DimensionSummary:
    """How the nodes split on one dimension: the majority value and the nodes that differ from it."""

    name: str
    counts: tuple[ValueCount, ...]  # most common first
    majority: str
    majority_count: int
    tie: bool  # another value is as common as the majority
    differing: tuple[ValueNodes, ...] = ()


@record
class FindingNodes:
    code: str
    name: str
    severity: str
    count: int
    nodes: tuple[str, ...] = ()  # empty when the finding is on every node


@record
class Unreadable:
    source: str
    reason: str


@record
class NodeClass:
    """Nodes that look the same to an environment: platform, glibc, driver, and the set of GPUs."""

    system: str | None
    arch: str | None
    glibc: str | None
    nvml_state: str | None
    driver_version: str | None
    driver_cuda: str | None
    gpus: tuple[tuple[str | None, str | None], ...]  # distinct (model, compute capability), sorted
    nodes: tuple[str, ...]

    @property
    def platform(self) -> str | None:
        return None if self.system is None else f"{self.system}/{self.arch or UNKNOWN}"

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpus)


@record
class FleetSummary:
    node_count: int  # readable reports
    report_count: int  # readable + unreadable
    gpu_count: int
    gpus: tuple[GpuModelCount, ...]
    nodes_without_gpu: tuple[str, ...]
    drivers: tuple[DriverCount, ...]  # newest first, then nodes without a driver
    oldest_driver: OldestDriver | None
    dimensions: tuple[DimensionSummary, ...]
    findings_on_all: tuple[FindingNodes, ...]
    findings_on_some: tuple[FindingNodes, ...]
    unreadable: tuple[Unreadable, ...]
    renamed_duplicates: tuple[str, ...]  # node names seen twice; later ones got a "#2" suffix
    classes: tuple[NodeClass, ...] = field(default=(), repr=False)
    # diagnose --deep reports: how many nodes ran the frameworks, and which proofs failed or disagreed
    proof_nodes: int = 0
    proof_failed: tuple[ValueNodes, ...] = ()  # value "torch: crashed" -> nodes
    proof_disagreed: tuple[ValueNodes, ...] = ()  # value "torch" -> nodes

    @property
    def proof_problem_nodes(self) -> tuple[str, ...]:
        """Nodes whose proof failed or disagreed with the prediction, each once."""
        names = (n for group in (*self.proof_failed, *self.proof_disagreed) for n in group.nodes)
        return tuple(dict.fromkeys(names))

    def dimension(self, name: str) -> DimensionSummary | None:
        return next((d for d in self.dimensions if d.name == name), None)


def _gpu_label(node: NodeRecord) -> str:
    if not node.gpus:
        return NO_GPU
    models = Counter(f"{g.name or 'unknown GPU'} (CC {g.compute_capability or '?'})" for g in node.gpus)
    return " + ".join(f"{n}x {model}" for model, n in sorted(models.items()))


def _driver_label(node: NodeRecord) -> str:
    if node.driver_version:
        return node.driver_version
    return f"none ({node.nvml_state})" if node.nvml_state else UNKNOWN


def _os_label(node: NodeRecord) -> str:
    if node.distro:
        # probes report /etc/os-release NAME ("Ubuntu", "Debian GNU/Linux"), pasted reports often the
        # ID ("ubuntu"): compare by the lower-cased first word so one OS is one group
        family = node.distro.split()[0].lower() if node.distro.split() else node.distro.lower()
        return f"{family} {node.distro_version or ''}".strip()
    return node.system or UNKNOWN


def node_dimensions(node: NodeRecord) -> dict[str, str]:
    """The value of each compared dimension for one node (unknown spelled out, never empty)."""
    return {
        "platform": node.platform or UNKNOWN,
        "os": _os_label(node),
        "gpu": _gpu_label(node),
        "driver": _driver_label(node),
        "python": node.python or UNKNOWN,
        "torch": node.torch or UNKNOWN,
        "tensorflow": node.tensorflow or UNKNOWN,
        "transformers": node.transformers or UNKNOWN,
    }


class FleetAggregator:
    """Folds node records into counters one at a time; memory grows with node names, not reports."""

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._renamed: list[str] = []
        self._node_count = 0
        self._gpu_devices: Counter[tuple[str, str | None]] = Counter()
        self._gpu_nodes: Counter[tuple[str, str | None]] = Counter()
        self._without_gpu: list[str] = []
        self._drivers: dict[str | None, tuple[str | None, int]] = {}
        self._driver_nodes: dict[str, list[str]] = {}
        self._dims: dict[str, dict[str, list[str]]] = {d: {} for d in DIMENSIONS}
        self._findings: dict[str, tuple[str, str, list[str]]] = {}
        self._unreadable: list[Unreadable] = []
        self._classes: dict[tuple[Any, ...], list[str]] = {}
        self._proof_nodes = 0
        self._proof_failed: dict[str, list[str]] = {}
        self._proof_disagreed: dict[str, list[str]] = {}

    def add_unreadable(self, source: str, reason: str) -> None:
        self._unreadable.append(Unreadable(source, reason))

    def add_item(self, item: NodeRecord | Unreadable) -> None:
        if isinstance(item, Unreadable):
            self._unreadable.append(item)
        else:
            self.add(item)

    def add(self, node: NodeRecord) -> str:
        """Count one node; returns the name it is listed under (unique within the fleet)."""
        name = node.name
        if name in self._names:
            k = 2
            while f"{name}#{k}" in self._names:
                k += 1
            self._renamed.append(name)
            name = f"{name}#{k}"
        self._names.add(name)
        self._node_count += 1

        seen_models: set[tuple[str, str | None]] = set()
        for gpu in node.gpus:
            key = (gpu.name or "unknown GPU", gpu.compute_capability)
            self._gpu_devices[key] += 1
            seen_models.add(key)
        for key in seen_models:
            self._gpu_nodes[key] += 1
        if not node.gpus:
            self._without_gpu.append(name)

        max_cuda, count = self._drivers.get(node.driver_version, (None, 0))
        self._drivers[node.driver_version] = (max_cuda or node.driver_cuda, count + 1)
        if node.driver_version:
            self._driver_nodes.setdefault(node.driver_version, []).append(name)

        for dim, value in node_dimensions(node).items():
            self._dims[dim].setdefault(value, []).append(name)

        for finding in {f.code: f for f in node.findings}.values():
            entry = self._findings.get(finding.code)
            if entry is None:
                self._findings[finding.code] = (finding.name, finding.severity, [name])
            else:
                entry[2].append(name)

        class_key = (
            node.system,
            node.arch,
            node.glibc,
            node.nvml_state,
            node.driver_version,
            node.driver_cuda,
            tuple(sorted({(g.name, g.compute_capability) for g in node.gpus}, key=_gpu_sort_key)),
        )
        self._classes.setdefault(class_key, []).append(name)
        if node.proof_run:
            self._proof_nodes += 1
        for failed in node.proof_failed:
            self._proof_failed.setdefault(failed, []).append(name)
        for framework in node.proof_disagreed:
            self._proof_disagreed.setdefault(framework, []).append(name)
        return name

    def summary(self) -> FleetSummary:
        gpus = tuple(
            GpuModelCount(name, cc, self._gpu_devices[(name, cc)], self._gpu_nodes[(name, cc)])
            for (name, cc) in sorted(
                self._gpu_devices, key=lambda k: (-self._gpu_devices[k], k[0], k[1] or "")
            )
        )
        with_driver = sorted((v for v in self._drivers if v), key=version_key, reverse=True)
        drivers = [DriverCount(v, self._drivers[v][0], self._drivers[v][1]) for v in with_driver]
        if None in self._drivers:
            drivers.append(DriverCount(None, None, self._drivers[None][1]))
        oldest = None
        if with_driver:
            version = with_driver[-1]
            oldest = OldestDriver(version, self._drivers[version][0], tuple(self._driver_nodes[version]))

        dimensions = tuple(_dimension(name, self._dims[name]) for name in DIMENSIONS if self._dims[name])
        on_all: list[FindingNodes] = []
        on_some: list[FindingNodes] = []
        for code in sorted(self._findings):
            fname, severity, nodes = self._findings[code]
            if len(nodes) == self._node_count:
                on_all.append(FindingNodes(code, fname, severity, len(nodes)))
            else:
                on_some.append(FindingNodes(code, fname, severity, len(nodes), tuple(nodes)))
        severity_rank = {s.value: s.rank for s in Severity}
        on_some.sort(key=lambda f: (-severity_rank.get(f.severity, 0), -f.count, f.code))

        classes = tuple(
            NodeClass(system, arch, glibc, nvml, driver, cuda, gpu_set, tuple(nodes))
            for (system, arch, glibc, nvml, driver, cuda, gpu_set), nodes in self._classes.items()
        )
        return FleetSummary(
            node_count=self._node_count,
            report_count=self._node_count + len(self._unreadable),
            gpu_count=sum(self._gpu_devices.values()),
            gpus=gpus,
            nodes_without_gpu=tuple(self._without_gpu),
            drivers=tuple(drivers),
            oldest_driver=oldest,
            dimensions=dimensions,
            findings_on_all=tuple(on_all),
            findings_on_some=tuple(on_some),
            unreadable=tuple(self._unreadable),
            renamed_duplicates=tuple(dict.fromkeys(self._renamed)),
            classes=classes,
            proof_nodes=self._proof_nodes,
            proof_failed=tuple(ValueNodes(k, tuple(v)) for k, v in sorted(self._proof_failed.items())),
            proof_disagreed=tuple(ValueNodes(k, tuple(v)) for k, v in sorted(self._proof_disagreed.items())),
        )


def _gpu_sort_key(gpu: tuple[str | None, str | None]) -> tuple[tuple[int, ...], str]:
    return (version_key(gpu[1]), gpu[0] or "")


def _dimension(name: str, values: Mapping[str, list[str]]) -> DimensionSummary:
    # Most common first; among equals, a known value before "unknown", then alphabetical for stability.
    ordered = sorted(values.items(), key=lambda kv: (-len(kv[1]), kv[0] == UNKNOWN, kv[0]))
    majority, majority_nodes = ordered[0]
    tie = len(ordered) > 1 and len(ordered[1][1]) == len(majority_nodes)
    return DimensionSummary(
        name=name,
        counts=tuple(ValueCount(v, len(n)) for v, n in ordered),
        majority=majority,
        majority_count=len(majority_nodes),
        tie=tie,
        differing=tuple(ValueNodes(v, tuple(n)) for v, n in ordered[1:]),
    )


Progress = Callable[[Iterator["NodeRecord | Unreadable"], "int | None"], Iterator["NodeRecord | Unreadable"]]

# Below this many inputs, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 400


def default_workers(inputs: int, total: int | None) -> int:
    """Processes for JSON parsing: one per usable CPU (at most 8) for big fleets and for streams (whose
    length is unknown); one, without a pool, below :data:`PARALLEL_THRESHOLD` inputs."""
    if total is not None and inputs < PARALLEL_THRESHOLD:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def summarize(
    paths: Sequence[str],
    stdin: IO[bytes] | None = None,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> FleetSummary:
    """Read every report under ``paths`` and sum the fleet up; unreadable reports are listed, never fatal.

    ``progress(items, total)`` may wrap the stream of parsed reports (a progress bar); ``total`` is
    the number of inputs when each holds one report, ``None`` for streams and JSON Lines files.
    """
    files, missing = expand_paths(paths)
    aggregator = FleetAggregator()
    for source, reason in missing:
        aggregator.add_unreadable(source, reason)
    total = None if any(is_json_lines(f) for f in files) else len(files)
    if workers is None:
        workers = default_workers(len(files), total)
    items = parse_tasks(iter_tasks(files, stdin), workers=workers)
    for item in progress(items, total) if progress else items:
        aggregator.add_item(item)
    return aggregator.summary()


# --------------------------------------------------------------------------------------------------
# The common target: one machine description that every served node satisfies
# --------------------------------------------------------------------------------------------------


class _ToolkitRow(Protocol):
    @property
    def cuda(self) -> str: ...


class FleetKnowledge(Protocol):
    """What the common target needs from the knowledge tables (``Knowledge.tables`` provides it)."""

    @property
    def cuda_toolkit_rows(self) -> Sequence[_ToolkitRow]: ...

    def max_cuda_for_driver(self, driver: str, system: str | None) -> str | None: ...

    def driver_runs_cuda(self, driver: str, cuda: str, system: str | None) -> bool | None: ...

    def cuda_supports_cc(self, cuda: str, cc: str) -> bool | None: ...


@record
class Exclusion:
    """Nodes that one shared environment cannot serve, and why (in words a person can act on).

    ``reason`` is the English sentence; ``detail`` holds its values so a renderer can say it in
    another language (render/fleet.py keeps the Chinese sentences, keyed by ``kind``).
    """

    kind: str  # platform | unknown-platform | no-driver | driver-unknown | gpu-unsupported | driver-too-old
    reason: str
    nodes: tuple[str, ...]
    detail: Mapping[str, str] = field(default_factory=dict)


EXCLUSION_REASONS: dict[str, str] = {
    "platform": "{platform} node in a {fleet} fleet: an environment.yml is solved for one platform; "
    "propose one for these nodes separately",
    "unknown-platform": "the report does not say which operating system the node runs "
    "(facts.os.system unknown)",
    "no-driver": "has an NVIDIA GPU but no working driver ({state}): no CUDA build can use its GPU until "
    "the driver is fixed",
    "driver-unknown": "driver {driver} is not in the driver tables and the report has no CUDA version "
    "for it, so the newest CUDA it runs is unknown",
    "gpu-unsupported": "{gpu} (compute capability {cc}) is supported by CUDA {supported} builds, the rest of "
    "the fleet needs CUDA {fleet}: no one CUDA build covers both",
    "gpu-unsupported-anywhere": "{gpu} (compute capability {cc}) is supported by no CUDA release the "
    "tables know",
    "driver-too-old": "driver {driver} runs CUDA {driver_cuda} at most; the fleet's GPUs need CUDA {fleet} "
    "(upgrade this node's driver)",
}


def _exclusion(kind: str, nodes: Sequence[str], **detail: str) -> Exclusion:
    return Exclusion(kind, EXCLUSION_REASONS[kind].format(**detail), tuple(nodes), dict(detail))


@record
class TargetNote:
    """Something worth knowing about the common target; ``text`` in English, ``detail`` for others."""

    kind: str
    text: str
    detail: Mapping[str, str] = field(default_factory=dict)


NOTE_TEXTS: dict[str, str] = {
    "driver-without-gpu": "{count} node(s) report driver {driver} but no GPU devices; served on the CPU",
    "no-tables": "knowledge tables not loaded: compute capability coverage was not checked",
    "unknown-cc": "some GPUs have no known compute capability; the architecture list cannot cover them",
    "holds-back": "{nodes} ({what}) hold the fleet to CUDA {newest} builds at most; without them, "
    "builds up to CUDA {without} would fit the rest",
}


def _note(kind: str, **detail: str) -> TargetNote:
    return TargetNote(kind, NOTE_TEXTS[kind].format(**detail), dict(detail))


@record
class CommonTarget:
    facts: Facts  # the machine propose() is asked about: oldest driver, one device per (model, CC)
    platform: str | None
    oldest_driver: str | None
    max_cuda: str | None  # the newest CUDA the oldest served driver supports: no build may need more
    oldest_driver_nodes: tuple[str, ...]
    compute_capabilities: tuple[str, ...]  # every served GPU's CC, ascending
    cuda_lines: tuple[str, ...]  # CUDA releases (X.Y) whose builds can serve every served GPU node
    served_gpu_nodes: int
    cpu_only_nodes: tuple[str, ...]  # served without a GPU (see docs/fleet.md: CUDA builds on CPU nodes)
    excluded: tuple[Exclusion, ...]
    notes: tuple[TargetNote, ...] = ()

    @property
    def excluded_nodes(self) -> tuple[str, ...]:
        return tuple(n for e in self.excluded for n in e.nodes)


_WORKING_NVML = (None, NvmlState.OK.value)


def common_target(
    summary: FleetSummary,
    knowledge: FleetKnowledge | None = None,
    *,
    python: str | None = None,
) -> CommonTarget:
    """The one target every servable node satisfies, and the nodes that cannot share it.

    - Platform: one environment.yml is solved for one platform (linux-64, osx-arm64 ...), so nodes on
      another platform than the majority's are excluded.
    - Drivers and GPUs: a CUDA release X.Y can serve a GPU node when the node's driver runs X.Y builds
      (its own maximum, or minor-version compatibility, from the tables) and X.Y supports every
      compute capability on the node. The release that serves the most GPU nodes wins (the newest one
      among equals); GPU nodes it cannot serve are excluded with the reason (a Kepler GPU beside a
      Blackwell GPU: CUDA <= 11.8 versus >= 12.8).
    - The target then carries the oldest driver among the served GPU nodes (its CUDA is ``max_cuda``:
      no build may need more) and one device per distinct (model, compute capability), so the
      proposal's architecture list must cover them all.
    - A node with a GPU but no working driver cannot run a CUDA build on its GPU: excluded. A node
      without a GPU is served on the CPU: a CUDA build of PyTorch or TensorFlow imports and runs on the
      CPU there (docs/fleet.md explains, with conda's ``__cuda`` caveat).

    Without ``knowledge`` only what the reports state is used: no driver inference, no compute
    capability check (a note says so).
    """
    classes = list(summary.classes)
    excluded: list[Exclusion] = []
    notes: list[TargetNote] = []

    # 1. platform
    platform_nodes: Counter[str] = Counter()
    for cls in classes:
        if cls.platform is not None:
            platform_nodes[cls.platform] += len(cls.nodes)
    platform = min(platform_nodes, key=lambda p: (-platform_nodes[p], p)) if platform_nodes else None
    kept: list[NodeClass] = []
    by_platform: dict[str, list[str]] = {}
    unknown_platform: list[str] = []
    for cls in classes:
        if cls.platform is None:
            unknown_platform.extend(cls.nodes)
        elif cls.platform != platform:
            by_platform.setdefault(cls.platform, []).extend(cls.nodes)
        else:
            kept.append(cls)
    for other, nodes in sorted(by_platform.items()):
        excluded.append(_exclusion("platform", nodes, platform=other, fleet=str(platform)))
    if unknown_platform:
        excluded.append(_exclusion("unknown-platform", unknown_platform))

    # 2. drivers: GPU nodes need a working driver whose CUDA ceiling is known
    gpu_classes: list[tuple[NodeClass, str]] = []
    cpu_only: list[str] = []
    no_driver: dict[str, list[str]] = {}
    driver_unknown: dict[str, list[str]] = {}
    for cls in kept:
        if not cls.has_gpu:
            if cls.driver_version and cls.nvml_state in _WORKING_NVML:
                notes.append(
                    _note("driver-without-gpu", count=str(len(cls.nodes)), driver=cls.driver_version)
                )
            cpu_only.extend(cls.nodes)
            continue
        if cls.nvml_state not in _WORKING_NVML or cls.driver_version is None:
            state = cls.nvml_state or "no driver version reported"
            no_driver.setdefault(state, []).extend(cls.nodes)
            continue
        cuda = cls.driver_cuda
        if cuda is None and knowledge is not None:
            cuda = knowledge.max_cuda_for_driver(cls.driver_version, cls.system)
        if cuda is None:
            driver_unknown.setdefault(cls.driver_version, []).extend(cls.nodes)
            continue
        gpu_classes.append((cls, cuda))
    for state, nodes in sorted(no_driver.items()):
        excluded.append(_exclusion("no-driver", nodes, state=state))
    for driver, nodes in sorted(driver_unknown.items()):
        excluded.append(_exclusion("driver-unknown", nodes, driver=driver))

    # 3. one CUDA release for every GPU node that can share it
    cuda_lines: tuple[str, ...] = ()
    if knowledge is None:
        if gpu_classes:
            notes.append(_note("no-tables"))
    elif gpu_classes:
        gpu_classes, dropped, cuda_lines, held_back = _share_cuda(gpu_classes, knowledge)
        excluded.extend(dropped)
        notes.extend(held_back)

    # 4. the oldest driver among the served GPU nodes, and every GPU they hold
    oldest_driver: str | None = None
    max_cuda: str | None = None
    oldest_nodes: list[str] = []
    if gpu_classes:
        max_cuda = min((cuda for _, cuda in gpu_classes), key=version_key)
        # The oldest driver: the lowest version among the classes with the lowest CUDA ceiling.
        lowest = [cls for cls, cuda in gpu_classes if version_key(cuda) == version_key(max_cuda)]
        oldest_driver = min((cls.driver_version or "" for cls in lowest), key=version_key)
        for cls in lowest:
            if cls.driver_version == oldest_driver:
                oldest_nodes.extend(cls.nodes)
    devices: dict[tuple[str | None, str | None], None] = {}
    for cls, _ in gpu_classes:
        for gpu in cls.gpus:
            devices.setdefault(gpu, None)
    ordered_devices = sorted(devices, key=_gpu_sort_key)
    ccs = sorted({cc for _, cc in ordered_devices if cc}, key=version_key)
    if any(cc is None for _, cc in ordered_devices):
        notes.append(_note("unknown-cc"))

    served = [cls for cls in kept if cls.has_gpu is False or any(cls is c for c, _ in gpu_classes)]
    glibcs = [cls.glibc for cls in served if cls.glibc]
    glibc = min(glibcs, key=version_key) if glibcs else None
    system = kept[0].system if kept else None
    arch = kept[0].arch if kept else None
    facts = Facts(
        os=OsFacts(system=system, arch=arch, glibc=glibc),
        python=PythonFacts(version=python or _majority(summary, "python")),
        gpu=(
            GpuFacts(
                nvml_state=NvmlState.OK.value,
                driver_version=oldest_driver,
                driver_cuda=max_cuda,
                driver_source="report",
                count=len(ordered_devices),
                devices=tuple(
                    GpuDevice(index=i, name=name, compute_capability=cc, compute_capability_source="report")
                    for i, (name, cc) in enumerate(ordered_devices)
                ),
            )
            if gpu_classes
            else GpuFacts(nvml_state=NvmlState.NO_DRIVER.value, count=0)
        ),
        reasons=_target_reasons(bool(gpu_classes), glibc),
        sources={
            "gpu.driver_version": "fleet: the oldest driver among the served GPU nodes",
            "gpu.devices": "fleet: one device per distinct GPU model and compute capability",
            "os.glibc": "fleet: the oldest glibc among the served nodes",
        },
    )
    return CommonTarget(
        facts=facts,
        platform=platform,
        oldest_driver=oldest_driver,
        max_cuda=max_cuda,
        oldest_driver_nodes=tuple(oldest_nodes),
        compute_capabilities=tuple(ccs),
        cuda_lines=cuda_lines,
        served_gpu_nodes=sum(len(cls.nodes) for cls, _ in gpu_classes),
        cpu_only_nodes=tuple(cpu_only),
        excluded=tuple(excluded),
        notes=tuple(notes),
    )


def _cuda_line(version: str) -> str | None:
    parts = version_key(version)
    return f"{parts[0]}.{parts[1]}" if len(parts) >= 2 else None


def _span(lines: Sequence[str]) -> str:
    if not lines:
        return "none"
    return lines[0] if len(lines) == 1 else f"{lines[0]}-{lines[-1]}"


def _share_cuda(
    gpu_classes: list[tuple[NodeClass, str]], knowledge: FleetKnowledge
) -> tuple[list[tuple[NodeClass, str]], list[Exclusion], tuple[str, ...], list[TargetNote]]:
    """Pick the CUDA release that serves the most GPU nodes; name the nodes it cannot serve and why,
    and the few served nodes that hold everyone else to older CUDA builds."""
    lines = sorted({ln for r in knowledge.cuda_toolkit_rows if (ln := _cuda_line(r.cuda))}, key=version_key)

    def runs(cls: NodeClass, ceiling: str, line: str) -> bool:
        if version_key(line) <= version_key(ceiling):
            return True
        return knowledge.driver_runs_cuda(cls.driver_version or "", line, cls.system) is True

    def supports(line: str, cc: str | None) -> bool:
        # an unknown compute capability cannot be checked; it does not exclude a node (a note says so)
        return cc is None or knowledge.cuda_supports_cc(line, cc) is True

    def serves(entry: tuple[NodeClass, str], line: str) -> bool:
        cls, ceiling = entry
        return runs(cls, ceiling, line) and all(supports(line, cc) for _, cc in cls.gpus)

    def score(line: str) -> int:
        return sum(len(entry[0].nodes) for entry in gpu_classes if serves(entry, line))

    best = max(lines, key=lambda ln: (score(ln), version_key(ln)), default=None)
    if best is None or score(best) == 0:
        kept: list[tuple[NodeClass, str]] = []
        fleet_lines: list[str] = []
    else:
        kept = [entry for entry in gpu_classes if serves(entry, best)]
        fleet_lines = [ln for ln in lines if all(serves(entry, ln) for entry in kept)]
    # The CUDA releases the served GPUs need, ignoring their drivers: what an older driver falls short of.
    needed = [ln for ln in lines if all(supports(ln, cc) for cls, _ in kept for _, cc in cls.gpus)]
    dropped: dict[tuple[str, ...], list[str]] = {}
    details: dict[tuple[str, ...], dict[str, str]] = {}
    for entry in gpu_classes:
        if any(entry is k for k in kept):
            continue
        cls, ceiling = entry
        # The releases that support this node's GPUs, and those that support the rest of the fleet too:
        # when some release does both, only the node's driver stands in the way.
        own = [ln for ln in lines if all(supports(ln, cc) for _, cc in cls.gpus)]
        shared = [ln for ln in own if ln in needed] if kept else own
        kind: str
        detail: dict[str, str]
        if shared:
            kind = "driver-too-old"
            detail = {"driver": cls.driver_version or "?", "driver_cuda": ceiling, "fleet": _span(shared)}
        else:
            # name the GPU that no release shares with the fleet (or that no release supports at all)
            name, cc = next(
                ((n, c) for n, c in cls.gpus if not any(supports(ln, c) for ln in needed)), cls.gpus[0]
            )
            supported = [ln for ln in lines if supports(ln, cc)]
            kind = "gpu-unsupported" if supported else "gpu-unsupported-anywhere"
            detail = {"gpu": name or "unknown GPU", "cc": cc or "?"}
            if supported:
                detail.update(supported=_span(supported), fleet=_span(needed))
        key = (kind, *(f"{k}={v}" for k, v in sorted(detail.items())))
        dropped.setdefault(key, []).extend(cls.nodes)
        details[key] = detail
    exclusions = [_exclusion(key[0], nodes, **details[key]) for key, nodes in dropped.items()]

    # A minority that caps the newest usable CUDA release for everyone: worth knowing (upgrade its
    # driver, or give it its own environment), though it is served.
    held_back: list[TargetNote] = []
    served_nodes = sum(len(cls.nodes) for cls, _ in kept)
    for entry in kept:
        cls, _ = entry
        others = [e for e in kept if e is not entry]
        if not others or not fleet_lines or 2 * len(cls.nodes) >= served_nodes:
            continue
        without = [ln for ln in lines if all(serves(e, ln) for e in others)]
        if without and version_key(without[-1]) > version_key(fleet_lines[-1]):
            models = ", ".join(dict.fromkeys(name or "unknown GPU" for name, _ in cls.gpus))
            held_back.append(
                _note(
                    "holds-back",
                    nodes=",".join(cls.nodes[:5])
                    + (f" (+{len(cls.nodes) - 5} more)" if len(cls.nodes) > 5 else ""),
                    what=f"{models}, driver {cls.driver_version}",
                    newest=fleet_lines[-1],
                    without=without[-1],
                )
            )
    return kept, exclusions, tuple(fleet_lines), held_back


def _majority(summary: FleetSummary, dimension: str) -> str | None:
    dim = summary.dimension(dimension)
    if dim is None or dim.majority == UNKNOWN:
        return None
    return dim.majority


def _target_reasons(has_gpu_nodes: bool, glibc: str | None) -> dict[str, str]:
    reasons: dict[str, str] = {}
    if not has_gpu_nodes:
        reasons["gpu.driver_version"] = "fleet: no node has a GPU with a working driver"
        reasons["gpu.driver_cuda"] = "fleet: no node has a GPU with a working driver"
    if glibc is None:
        reasons["os.glibc"] = "fleet: no report states its glibc"
    return reasons
