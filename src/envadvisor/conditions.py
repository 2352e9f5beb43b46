"""The closed condition language of rules, evaluated with three-valued (Kleene) logic.

A condition is YAML data, never code. The forms:

- ``{all: [C, ...]}``, ``{any: [C, ...]}``, ``{not: C}`` - Kleene and/or/not over true/false/unknown.
- ``{fact: KEY, OP: VALUE}`` - one test of a fact. ``KEY`` is a dotted key of
  :func:`envadvisor.model.fact_keys`
  (``packages.<name>.version`` for any package; ``device.<field>`` inside ``any_device``). OP is one of
  ``exists`` (true/false), ``eq``, ``ne``, ``in``, ``not_in``, ``startswith``, ``contains``,
  ``lt``/``le``/``gt``/``ge`` (version order; VALUE a version or ``{fact: KEY}``), ``major_eq``/``major_ne``
  and ``line_eq``/``line_ne`` (same major / same major.minor), ``count_ge`` (items in a list fact),
  ``distinct_versions_ge``/``distinct_majors_ge``/``distinct_sources_ge`` and ``any_source``
  (library copies: how many versions or sources, whether one came from a given source).
- ``{signature: ID}`` - a known error message was seen (``evidence.signatures``); never unknown.
- ``{check: NAME, args: [KEY | {value: V}, ...]}`` - a table look-up from :data:`PREDICATES`.
- ``{any_device: C}`` - ``C`` holds for at least one GPU in ``gpu.devices``; the devices that make it
  true are listed in the finding.

Unknown is a value. Each fact is *known*, *missing* (``None``, or an empty list a reason in
``Facts.reasons`` explains) or *absent* (a package not in the package listing, or any fact of a
framework whose version is ``None``: it is not installed). A test of a missing fact is *unknown* and
names the fact, so a rule over it is "not evaluated", never a false alarm; a test of an absent fact is
false (there is nothing to test). ``exists`` is two-valued - it guards a rule's applicability - except
for a package when the package listing itself failed (``reasons['packages']``): then it is unknown.
A table look-up the tables cannot answer (a version newer than they know) is unknown too, and names
the look-up (``tables:check(args)``) instead of a fact.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from envadvisor.knowledge.tables import (
    ArchList,
    CcRange,
    Tables,
    _line,
    arch_covers,
    driver_system,
    is_prerelease,
    parse_arch_list,
    platform_key,
    variant_cuda,
    vtuple,
)
from envadvisor.model import Facts, GpuDevice, LibraryCopy, canonical_name, fact_keys, resolve
from envadvisor.records import is_record, record, record_fields

if TYPE_CHECKING:
    from envadvisor.knowledge.ecosystem import EcoPackage, EcoRow

Tri = bool | None
FailFn = Callable[[str, str], Exception]

_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")
_DEVICE_FIELDS = frozenset(record_fields(GpuDevice))


# --------------------------------------------------------------------------------------------------
# Fact keys
# --------------------------------------------------------------------------------------------------


@cache
def _known_keys() -> frozenset[str]:
    return fact_keys(include_proof=False)


@cache
def _proof_keys() -> frozenset[str]:
    return frozenset(k for k in fact_keys() if k.startswith("proof."))


def is_fact_key(key: str, *, device_scope: bool = False) -> bool:
    """Whether ``key`` names a fact (``packages.<any>.<field>`` and, in device scope, ``device.<field>``)."""
    if key in _known_keys():
        return True
    if key.startswith("proof."):  # only the rules over diagnose --deep's facts name these
        return key in _proof_keys()
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "packages" and parts[1]:
        return f"packages.*.{parts[2]}" in _known_keys()
    return device_scope and len(parts) == 2 and parts[0] == "device" and parts[1] in _DEVICE_FIELDS


def template_placeholders(template: str) -> list[str]:
    return _PLACEHOLDER_RE.findall(template)


# --------------------------------------------------------------------------------------------------
# Evaluation context and outcome
# --------------------------------------------------------------------------------------------------


@record
class Outcome:
    value: Tri
    missing: frozenset[str] = frozenset()


TRUE = Outcome(True)
FALSE = Outcome(False)


class Context:
    """What one rule's evaluation sees and collects (mutable: evidence accumulates as it runs)."""

    __slots__ = ("derived", "device", "devices", "evidence", "facts", "remedies", "tables", "today")

    def __init__(
        self, facts: Facts, tables: Tables, today: _dt.date, device: GpuDevice | None = None,
        remedies: RemedySource | None = None,
    ) -> None:
        self.facts = facts
        self.tables = tables
        self.today = today
        self.device = device
        self.remedies = remedies
        self.evidence: dict[str, Any] = {}
        self.derived: dict[str, str] = {}
        self.devices: list[str] = []

    def lookup(self, key: str) -> tuple[Any, str]:
        """(value, state). state is 'known'; 'absent' when the thing is known not to be there (a package
        not in the listing, a framework that is not installed); or 'missing' (None, or an empty list a
        reason explains): unknown."""
        if key.startswith("device."):
            value = getattr(self.device, key.split(".", 1)[1], None) if self.device else None
            return (value, "known") if value is not None else (None, "missing")
        if key.startswith("packages."):
            _, name, attr = key.split(".", 2)
            pkg = self.facts.packages.get(canonical_name(name))
            if pkg is None:
                reasons = self.facts.reasons
                known_absent = "packages" not in reasons and f"packages.{canonical_name(name)}" not in reasons
                return None, "absent" if known_absent else "missing"
            value = getattr(pkg, attr, None)
        else:
            value = resolve(self.facts, key)
            parts = key.split(".")
            if (
                value in (None, ())
                and len(parts) == 3
                and parts[0] == "frameworks"
                and resolve(self.facts, f"frameworks.{parts[1]}.version") is None
                and f"frameworks.{parts[1]}" not in self.facts.reasons
            ):
                return None, "absent"  # the framework is not installed (nothing else about it is known)
        if value is None or (value == () and self.has_reason(key)):
            return None, "missing"
        if value != ():
            self.evidence.setdefault(key, _plain(value))
        return value, "known"

    def has_reason(self, key: str) -> bool:
        """Whether Facts.reasons explains this key (or a section above it) as unknown."""
        reasons = self.facts.reasons
        parts = key.split(".")
        return any(".".join(parts[:i]) in reasons for i in range(1, len(parts) + 1))

    @property
    def system(self) -> str | None:
        return self.facts.os.system

    @property
    def platform(self) -> str | None:
        return platform_key(self.facts.os.system, self.facts.os.arch)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if is_record(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in record_fields(value)
                if getattr(value, name) not in (None, ())}
    return value


# --------------------------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------------------------


class Condition:
    def evaluate(self, ctx: Context) -> Outcome:
        raise NotImplementedError

    def fact_keys(self) -> frozenset[str]:
        return frozenset()

    def placeholders(self) -> frozenset[str]:
        return frozenset()

    def signatures(self) -> frozenset[str]:
        return frozenset()


@record
class _Junction(Condition):
    """Kleene all (``decisive`` False) or any (``decisive`` True): one decisive item settles it."""

    items: tuple[Condition, ...]
    decisive: bool

    def evaluate(self, ctx: Context) -> Outcome:
        missing: set[str] = set()
        unknown = False
        for item in self.items:
            out = item.evaluate(ctx)
            if out.value is self.decisive:
                return Outcome(self.decisive)
            if out.value is None:
                unknown = True
                missing |= out.missing
        return Outcome(None, frozenset(missing)) if unknown else Outcome(not self.decisive)

    def fact_keys(self) -> frozenset[str]:
        return frozenset().union(*(i.fact_keys() for i in self.items))

    def placeholders(self) -> frozenset[str]:
        return frozenset().union(*(i.placeholders() for i in self.items))

    def signatures(self) -> frozenset[str]:
        return frozenset().union(*(i.signatures() for i in self.items))


def All(items: tuple[Condition, ...]) -> Condition:
    return _Junction(items, decisive=False)


def Any_(items: tuple[Condition, ...]) -> Condition:
    return _Junction(items, decisive=True)


@record
class Not(Condition):
    item: Condition

    def evaluate(self, ctx: Context) -> Outcome:
        out = self.item.evaluate(ctx)
        return out if out.value is None else Outcome(not out.value)

    def fact_keys(self) -> frozenset[str]:
        return self.item.fact_keys()

    def placeholders(self) -> frozenset[str]:
        return self.item.placeholders()

    def signatures(self) -> frozenset[str]:
        return self.item.signatures()


def _version_cmp(a: Any, b: Any) -> int | None:
    ta, tb = vtuple(a), vtuple(b)
    if ta is None or tb is None:
        return None
    n = max(len(ta), len(tb))
    pa, pb = ta + (0,) * (n - len(ta)), tb + (0,) * (n - len(tb))
    return (pa > pb) - (pa < pb)


def _copies(value: Any) -> list[LibraryCopy]:
    return [c for c in value if isinstance(c, LibraryCopy)] if isinstance(value, tuple) else []


def _op_exists(v: Any, arg: Any) -> Tri:
    return (v is not None) == bool(arg)


def _op_eq(v: Any, arg: Any) -> Tri:
    return str(v).lower() == str(arg).lower() if not isinstance(arg, bool) else v is arg


def _op_ne(v: Any, arg: Any) -> Tri:
    r = _op_eq(v, arg)
    return None if r is None else not r


def _op_in(v: Any, arg: Any) -> Tri:
    return str(v).lower() in {str(a).lower() for a in arg}


def _op_not_in(v: Any, arg: Any) -> Tri:
    return str(v).lower() not in {str(a).lower() for a in arg}


def _op_startswith(v: Any, arg: Any) -> Tri:
    return str(v).lower().startswith(str(arg).lower())


def _op_contains(v: Any, arg: Any) -> Tri:
    if isinstance(v, tuple):
        return any(str(x).lower() == str(arg).lower() for x in v)
    return str(arg).lower() in str(v).lower()


def _cmp_op(test: Callable[[int], bool]) -> Callable[[Any, Any], Tri]:
    def op(v: Any, arg: Any) -> Tri:
        c = _version_cmp(v, arg)
        return None if c is None else test(c)

    return op


def _major_eq(v: Any, arg: Any) -> Tri:
    a, b = vtuple(v), vtuple(arg)
    return None if a is None or b is None else a[0] == b[0]


def _line_eq(v: Any, arg: Any) -> Tri:
    a, b = _line(v), _line(arg)
    return None if a is None or b is None else a == b


def _negate(op: Callable[[Any, Any], Tri]) -> Callable[[Any, Any], Tri]:
    def neg(v: Any, arg: Any) -> Tri:
        r = op(v, arg)
        return None if r is None else not r

    return neg


def _count_ge(v: Any, arg: Any) -> Tri:
    return len(v) >= int(arg) if isinstance(v, (tuple, list)) else None


def _distinct(attr: str, major: bool = False) -> Callable[[Any, Any], Tri]:
    def op(v: Any, arg: Any) -> Tri:
        values = set()
        for c in _copies(v):
            x = getattr(c, attr)
            if x is None:
                continue
            if major:
                t = vtuple(x)
                if t is None:
                    continue
                x = t[0]
            values.add(x)
        return len(values) >= int(arg)

    return op


def _any_source(v: Any, arg: Any) -> Tri:
    return any((c.source or "").lower() == str(arg).lower() for c in _copies(v))


OPERATORS: dict[str, Callable[[Any, Any], Tri]] = {
    "exists": _op_exists,
    "eq": _op_eq,
    "ne": _op_ne,
    "in": _op_in,
    "not_in": _op_not_in,
    "startswith": _op_startswith,
    "contains": _op_contains,
    "lt": _cmp_op(lambda c: c < 0),
    "le": _cmp_op(lambda c: c <= 0),
    "gt": _cmp_op(lambda c: c > 0),
    "ge": _cmp_op(lambda c: c >= 0),
    "major_eq": _major_eq,
    "major_ne": _negate(_major_eq),
    "line_eq": _line_eq,
    "line_ne": _negate(_line_eq),
    "count_ge": _count_ge,
    "distinct_versions_ge": _distinct("version"),
    "distinct_majors_ge": _distinct("version", major=True),
    "distinct_sources_ge": _distinct("source"),
    "any_source": _any_source,
}
_FACT_ARG_OPS = frozenset({"eq", "ne", "lt", "le", "gt", "ge", "major_eq", "major_ne", "line_eq", "line_ne"})


@record
class FactTest(Condition):
    key: str
    op: str
    arg: Any
    arg_key: str | None = None  # the arg is another fact

    def evaluate(self, ctx: Context) -> Outcome:
        value, state = ctx.lookup(self.key)
        if self.op == "exists":
            # Two-valued: "is it there" guards a rule's applicability. The one exception is a package
            # when the package listing itself failed: then absence proves nothing.
            if value is None and self.key.startswith("packages.") and "packages" in ctx.facts.reasons:
                return Outcome(None, frozenset({"packages"}))
            return Outcome(_op_exists(value, self.arg))
        if state == "absent":
            return FALSE  # nothing to test: the package or framework is not installed
        if state != "known":
            return Outcome(None, frozenset({self.key}))
        arg = self.arg
        if self.arg_key is not None:
            arg, arg_state = ctx.lookup(self.arg_key)
            if arg_state == "absent":
                return FALSE
            if arg_state != "known":
                return Outcome(None, frozenset({self.arg_key}))
        result = OPERATORS[self.op](value, arg)
        if result is None:
            return Outcome(None, frozenset({self.key}))
        return Outcome(result)

    def fact_keys(self) -> frozenset[str]:
        keys = {self.key} | ({self.arg_key} if self.arg_key else set())
        return frozenset(k for k in keys if not k.startswith("device."))


@record
class Signature(Condition):
    signature_id: str

    def evaluate(self, ctx: Context) -> Outcome:
        seen = self.signature_id in ctx.facts.evidence.signatures
        if seen:
            ctx.evidence.setdefault("evidence.signatures", [])
            if self.signature_id not in ctx.evidence["evidence.signatures"]:
                ctx.evidence["evidence.signatures"].append(self.signature_id)
        return Outcome(seen)

    def fact_keys(self) -> frozenset[str]:
        return frozenset({"evidence.signatures"})

    def signatures(self) -> frozenset[str]:
        return frozenset({self.signature_id})


@record
class AnyDevice(Condition):
    item: Condition

    def evaluate(self, ctx: Context) -> Outcome:
        devices, state = ctx.lookup("gpu.devices")
        if state != "known" or not devices:
            # No device listed: known to be none when nothing says the list is incomplete, or when the
            # PCI bus (gpu.count) shows no NVIDIA GPU at all.
            if ctx.facts.gpu.count == 0 or not ctx.has_reason("gpu.devices"):
                return FALSE
            return Outcome(None, frozenset({"gpu.devices"}))
        ctx.evidence.pop("gpu.devices", None)
        missing: set[str] = set()
        unknown = False
        matched: list[str] = []
        saved = ctx.device
        try:
            for dev in devices:
                ctx.device = dev
                out = self.item.evaluate(ctx)
                if out.value is True:
                    matched.append(_device_label(dev))
                elif out.value is None:
                    unknown = True
                    missing |= {f"gpu.devices.{m.split('.', 1)[1]}" if m.startswith("device.") else m
                                for m in out.missing}
        finally:
            ctx.device = saved
        if matched:
            ctx.devices.extend(d for d in matched if d not in ctx.devices)
            ctx.evidence["gpu.devices"] = list(ctx.devices)
            return TRUE
        return Outcome(None, frozenset(missing)) if unknown else FALSE

    def fact_keys(self) -> frozenset[str]:
        return frozenset({"gpu.devices"}) | self.item.fact_keys()

    def placeholders(self) -> frozenset[str]:
        return self.item.placeholders()

    def signatures(self) -> frozenset[str]:
        return self.item.signatures()


def _device_label(dev: GpuDevice) -> str:
    name = dev.name or (f"GPU {dev.index}" if dev.index is not None else "GPU")
    return f"{name} (compute capability {dev.compute_capability})" if dev.compute_capability else name


# --------------------------------------------------------------------------------------------------
# Table predicates (the closed set of look-ups a rule may use)
# --------------------------------------------------------------------------------------------------

PredicateFn = Callable[[Context, Sequence[Any]], Tri]


@record
class Predicate:
    fn: PredicateFn
    arity: int
    provides: frozenset[str] = frozenset()
    optional: frozenset[int] = frozenset()  # argument positions that may be unknown
    doc: str = ""


def _derive(ctx: Context, name: str, value: object) -> None:
    if value is not None:
        ctx.derived[name] = str(value)
        ctx.evidence[f"table.{name}"] = str(value)


def _p_driver_runs_cuda(ctx: Context, args: Sequence[Any]) -> Tri:
    driver, driver_cuda, build_cuda = args
    t = ctx.tables
    build = vtuple(build_cuda)
    if build is None:
        return None
    system = driver_system(str(driver), ctx.system) if driver is not None else ctx.system
    floor = t.minor_compat_floor(build[0], system or "linux")
    if floor is None:
        # No minor version compatibility before CUDA 11: the release's own driver is the minimum.
        req = t.min_driver_for_cuda(str(build_cuda), system or "linux")
        _derive(ctx, "min_driver", req.toolkit_driver if req else None)
    else:
        _derive(ctx, "min_driver", floor)
    if driver is not None:
        return t.driver_runs_cuda(str(driver), str(build_cuda), ctx.system)
    # Only the driver's maximum CUDA is known (nvidia-smi header, CONDA_OVERRIDE_CUDA).
    dmax = vtuple(driver_cuda)
    if dmax is None:
        return None
    if dmax[0] != build[0]:
        # A newer major's driver runs older-major builds (backward compatibility); an older one cannot.
        return dmax[0] > build[0]
    if (_version_cmp(driver_cuda, build_cuda) or 0) >= 0:
        return True
    # Same major, older minor: a driver whose maximum is X.m (m >= 1, or X >= 12) is at least the X.0
    # toolkit's driver, which meets the minor-version floor (12.0 GA = 525.60.13; 13.0 GA >= 580).
    ga = t.min_driver_for_cuda(f"{dmax[0]}.{dmax[1] if len(dmax) > 1 else 0}", ctx.system or "linux")
    if ga is not None and ga.toolkit_driver and floor and _version_cmp(ga.toolkit_driver, floor) is not None:
        return (_version_cmp(ga.toolkit_driver, floor) or 0) >= 0
    return None


def _p_driver_predates_gpu(ctx: Context, args: Sequence[Any]) -> Tri:
    """The driver is older than the first one that supports this GPU (RTX 5090 on R550)."""
    cc, name, driver = args
    t = ctx.tables
    floor = t.min_driver_for_gpu(str(cc), str(name) if name is not None else None, ctx.system)
    if floor is not None:
        _derive(ctx, "gpu_min_driver", floor.label)
        _derive(ctx, "gpu_arch", floor.architecture)
    return t.driver_predates_gpu(str(driver), str(cc), str(name) if name is not None else None, ctx.system)


def _p_driver_dropped_gpu(ctx: Context, args: Sequence[Any]) -> Tri:
    """The driver's branch comes after the last one that supports this GPU (GTX 1080 on R590)."""
    cc, driver = args
    t = ctx.tables
    last = t.last_driver_branch_for_cc(str(cc))
    if last is not None:
        _derive(ctx, "gpu_last_branch", last)
        _derive(ctx, "gpu_last_cuda", t.last_cuda_for_cc(str(cc)))
    arch = t.architecture_for_cc(str(cc))
    _derive(ctx, "gpu_arch", arch)
    return t.driver_dropped_gpu(str(driver), str(cc), ctx.system)


def _platform_arch_list(ctx: Context, version: str, variant: str) -> tuple[ArchList | None, bool]:
    """The arch list for the facts' platform, or one shared by every platform the tables know."""
    t = ctx.tables
    platform = ctx.platform
    if platform is not None:
        return t.torch_arch_list(version, variant, platform), True
    platforms = ("linux-x86_64", "linux-aarch64", "windows-x86_64")
    lists = [t.torch_arch_list(version, variant, p) for p in platforms]
    known = [al for al in lists if al is not None]
    return (known[0] if known and all(str(k) == str(known[0]) for k in known) else None), False


def _p_torch_build_covers_cc(ctx: Context, args: Sequence[Any]) -> Tri:
    version, build_cuda, cc = args
    reported, _ = ctx.lookup("frameworks.torch.arch_list")
    al = parse_arch_list(reported) if reported else None
    if al is None:
        if version is None or build_cuda is None:
            return None
        variant = "cu" + "".join(str(p) for p in (vtuple(build_cuda) or ())[:2])
        al, _ = _platform_arch_list(ctx, str(version), variant)
        if al is None:
            return None
    _derive(ctx, "arch_list", al)
    if al.lowest:
        _derive(ctx, "arch_lowest", al.lowest)
    if al.highest:
        _derive(ctx, "arch_highest", al.highest)
    return arch_covers(al, str(cc))


def _torch_gap(older: bool) -> PredicateFn:
    """The build has no code for the GPU, and the GPU is older (or not older) than all of its code."""

    def fn(ctx: Context, args: Sequence[Any]) -> Tri:
        covered = _p_torch_build_covers_cc(ctx, args)
        if covered is None:
            return None
        if covered:
            return False
        lowest = vtuple(ctx.derived.get("arch_lowest"))
        cc = vtuple(args[2])
        if lowest is None or cc is None:
            return None
        return (cc < lowest) if older else (cc >= lowest)

    return fn


def _p_torch_cuda_build_serves(ctx: Context, args: Sequence[Any]) -> Tri:
    """Some official CUDA wheel in the tables runs on this GPU under this driver (version or, when only
    that is known, its maximum CUDA); unknown when the driver is. The GPU's name, when given, lets a
    board that came after its architecture's first driver (an RTX 5050 on early R570) count."""
    cc, driver, driver_cuda, *name = args
    return ctx.tables.any_torch_cuda_build_serves(
        str(cc),
        str(driver) if driver is not None else None,
        ctx.system,
        platform=ctx.platform,
        driver_cuda=str(driver_cuda) if driver_cuda is not None else None,
        gpu_name=str(name[0]) if name and name[0] is not None else None,
    )


def _p_torch_cuda_builds_ruled_out(ctx: Context, args: Sequence[Any]) -> Tri:
    """Proof, never a guess: every listed GPU has a known compute capability and the tables show that
    no CUDA wheel serves it with this driver. Anything unknown leaves it unproven (False), so a rule can
    stay quiet on the proof alone (a program's own "not compiled with CUDA" error is evidence enough
    to speak when the driver or the GPU is not in the report)."""
    devices, driver, driver_cuda = args
    gpus = [d for d in devices or () if isinstance(d, GpuDevice)]
    if not gpus or any(d.compute_capability is None for d in gpus):
        return False
    return all(
        _p_torch_cuda_build_serves(ctx, (d.compute_capability, driver, driver_cuda, d.name)) is False
        for d in gpus
    )


def _p_torch_python_supported(ctx: Context, args: Sequence[Any]) -> Tri:
    release = ctx.tables.torch_release(str(args[0]))
    if release is not None:
        platform = ctx.platform
        _derive(ctx, "python_range", release.python_by_platform.get(platform or "", release.python))
    return ctx.tables.torch_python_supported(str(args[0]), str(args[1]), ctx.platform)


def _p_tf_python_supported(ctx: Context, args: Sequence[Any]) -> Tri:
    cfg = ctx.tables.tf_tested_config(str(args[0]), "linux")
    if cfg is not None:
        _derive(ctx, "python_range", cfg.python)
    return ctx.tables.tf_python_supported(str(args[0]), str(args[1]), ctx.system)


def _p_torchvision_matches(ctx: Context, args: Sequence[Any]) -> Tri:
    release = ctx.tables.torch_release(str(args[1]))
    if release is not None:
        _derive(ctx, "expected_torchvision", release.torchvision)
    return ctx.tables.torchvision_matches_torch(str(args[0]), str(args[1]))


def _p_torchaudio_matches(ctx: Context, args: Sequence[Any]) -> Tri:
    release = ctx.tables.torch_release(str(args[1]))
    if release is not None:
        _derive(ctx, "expected_torchaudio", release.torchaudio)
    return ctx.tables.torchaudio_matches_torch(str(args[0]), str(args[1]))


def _p_local_cuda_majors_differ(ctx: Context, args: Sequence[Any]) -> Tri:
    """Two wheels' local versions (2.6.0+cu124, 0.21.0+cu118) name builds for different CUDA majors, or
    one a CUDA build and the other the CPU build: torchvision's operators refuse to load. Unknown when
    either has no local version (PyPI's own wheels do not say)."""
    tags = []
    for version in args:
        m = re.search(r"\+(cu\d{2,3}|cpu)\b", str(version))
        if m is None:
            return None
        tag = m.group(1)
        tags.append("cpu" if tag == "cpu" else tag[2:-1])
        _derive(ctx, f"local_{len(tags)}", m.group(1))
    return tags[0] != tags[1]


def _p_torch_supports_numpy2(ctx: Context, args: Sequence[Any]) -> Tri:
    """torch's wheels for this OS were built against NumPy 2 (Linux, macOS from 2.3; Windows from 2.4.1)."""
    t = ctx.tables
    system = str(args[1]) if args[1] is not None else None
    first = t.torch_numpy2_first_for(system)
    windows = t.torch_numpy2_first_for("windows")
    _derive(ctx, "numpy2_first_torch", first or f"{t.torch_numpy2_first} (Windows: {windows})")
    return t.torch_supports_numpy2(str(args[0]), system)


def _platform_floor_ok(kind: str, field: str) -> PredicateFn:
    """The OS (glibc, or the macOS version) is at least the floor of the PyPI wheels of a release
    (:meth:`Tables.wheel_os_floor`); unknown without the architecture when the platforms differ."""

    def fn(ctx: Context, args: Sequence[Any]) -> Tri:
        t = ctx.tables
        version, have = str(args[0]), args[1]
        platforms = [ctx.platform] if ctx.platform else t.wheel_floor_platforms(kind, ctx.system)
        floors = {t.wheel_os_floor(kind, version, p, field) for p in platforms}
        if not floors or None in floors or len(floors) != 1:
            return None
        (known,) = floors
        if known == "":
            return True  # no floor: wheels of this release install on any glibc / macOS people run
        if have is None:
            return None  # a floor exists and this system's version is not known
        _derive(ctx, f"{field}_min", known)
        sinces = []
        for p in platforms:
            system, _, arch = p.partition("-")
            floor = (t.torch_platform_floor if kind == "torch" else t.tensorflow_platform_floor)(
                version, system, arch)
            if floor is not None and floor.since:
                sinces.append(floor.since)
        if sinces:
            _derive(ctx, f"{field}_since", min(sinces, key=lambda v: vtuple(v) or (0,)))
        c = _version_cmp(have, known)
        return None if c is None else c >= 0

    return fn


def _p_tf_supports_numpy2(ctx: Context, args: Sequence[Any]) -> Tri:
    _derive(ctx, "numpy2_first_tf", ctx.tables.tf_numpy2_first)
    return ctx.tables.tf_supports_numpy2(str(args[0]))


def _p_python_is_eol(ctx: Context, args: Sequence[Any]) -> Tri:
    _derive(ctx, "eol_date", ctx.tables.python_eol(str(args[0])))
    return ctx.tables.python_is_eol(str(args[0]), ctx.today)


def _p_transformers_python_ok(ctx: Context, args: Sequence[Any]) -> Tri:
    line = ctx.tables.transformers_line(str(args[0]))
    if line is None:
        return None
    _derive(ctx, "python_min", line.python_min)
    python = _line(args[1])
    minimum = _line(line.python_min)
    return None if python is None or minimum is None else python >= minimum


def _transformers_torch_floor(field: str, derived: str) -> PredicateFn:
    """torch meets one of a Transformers release's floors: ``torch_runtime_min`` (the import-time check;
    below it Transformers disables PyTorch) or ``torch_extra_min`` (the `[torch]` extra, pip's floor)."""

    def fn(ctx: Context, args: Sequence[Any]) -> Tri:
        line = ctx.tables.transformers_line(str(args[0]))
        if line is None:
            return None
        floor = getattr(line, field)
        if floor is None:
            return True
        _derive(ctx, derived, floor)
        c = _version_cmp(args[1], floor)
        return None if c is None else c >= 0

    return fn


def _p_transformers_supports_tf(ctx: Context, args: Sequence[Any]) -> Tri:
    line = ctx.tables.transformers_line(str(args[0]))
    return None if line is None else line.tensorflow


def _derive_tf_line(ctx: Context, tf: Any) -> None:
    line = _line(tf)
    if line is not None:
        _derive(ctx, "tf_line", f"{line[0]}.{line[1]}")


def _p_transformers_tf_ok(ctx: Context, args: Sequence[Any]) -> Tri:
    _derive_tf_line(ctx, args[1])
    line = ctx.tables.transformers_line(str(args[0]))
    if line is None:
        return None
    if not line.tensorflow:
        return False
    if line.tensorflow_max_exclusive is None:
        return True
    _derive(ctx, "tf_max_exclusive", line.tensorflow_max_exclusive)
    c = _version_cmp(args[1], line.tensorflow_max_exclusive)
    return None if c is None else c < 0


def _p_tf_native_windows_gpu(ctx: Context, args: Sequence[Any]) -> Tri:
    _derive(ctx, "tf_windows_gpu_last", ctx.tables.tf_windows_gpu_last)
    return ctx.tables.tf_native_windows_gpu(str(args[0]))


def _p_tf_cudnn_compatible(ctx: Context, args: Sequence[Any]) -> Tri:
    tf, cudnn = str(args[0]), str(args[1])
    cfg = ctx.tables.tf_tested_config(tf, "windows" if (ctx.system or "") == "windows" else "linux")
    if cfg is None or cfg.cudnn is None:
        return None
    _derive(ctx, "tf_cudnn", cfg.cudnn)
    _derive(ctx, "tf_cuda", cfg.cuda)
    want, have = vtuple(cfg.cudnn), vtuple(cudnn)
    if want is None or have is None:
        return None
    # cuDNN keeps binary compatibility within a major from the version built against upward.
    return have[0] == want[0] and (_version_cmp(cudnn, cfg.cudnn) or 0) >= 0


def _p_tf_cuda_compatible(ctx: Context, args: Sequence[Any]) -> Tri:
    tf, runtime = str(args[0]), str(args[1])
    cfg = ctx.tables.tf_tested_config(tf, "windows" if (ctx.system or "") == "windows" else "linux")
    if cfg is None or cfg.cuda is None:
        return None
    _derive(ctx, "tf_cuda", cfg.cuda)
    want, have = vtuple(cfg.cuda), vtuple(runtime)
    if want is None or have is None:
        return None
    return have[0] == want[0]


def _p_cudnn_supports_cc(ctx: Context, args: Sequence[Any]) -> Tri:
    _derive(ctx, "cudnn_min_cc", ctx.tables.cudnn_min_cc(str(args[0])))
    return ctx.tables.cudnn_supports_cc(str(args[0]), str(args[1]))


def _cc_range_text(r: CcRange) -> str:
    """7.5-12.1, 5.0-10.1 and 12.0, 7.5-12.1 except 10.7: the compute capabilities a CUDA release targets."""
    text = f"{r.cc_min}-{r.cc_max}" + (f" and {', '.join(r.extra)}" if r.extra else "")
    return text + (f" except {', '.join(r.missing)}" if r.missing else "")


def _p_cuda_supports_cc(ctx: Context, args: Sequence[Any]) -> Tri:
    r = ctx.tables.cc_range_for_cuda(str(args[0]))
    if r is not None:
        _derive(ctx, "cc_range", _cc_range_text(r))
    return ctx.tables.cuda_supports_cc(str(args[0]), str(args[1]))


def _p_cuda_drops_cc(ctx: Context, args: Sequence[Any]) -> Tri:
    r = ctx.tables.cc_range_for_cuda(str(args[0]))
    cc = vtuple(args[1])
    if r is None or cc is None:
        return None
    _derive(ctx, "cc_min", r.cc_min)
    return cc < (vtuple(r.cc_min) or (0,))


def _p_cuda_predates_cc(ctx: Context, args: Sequence[Any]) -> Tri:
    r = ctx.tables.cc_range_for_cuda(str(args[0]))
    cc = vtuple(args[1])
    if r is None or cc is None:
        return None
    _derive(ctx, "cc_range", _cc_range_text(r))
    if str(args[1]) in r.extra:
        return False
    if any(_line(m) == _line(args[1]) for m in r.missing):
        return True  # a GPU that came after this release (Rubin's 10.7 needs CUDA 13.4)
    return cc > (vtuple(r.cc_max) or (0,))


def _p_tf_keras_matches(ctx: Context, args: Sequence[Any]) -> Tri:
    _derive_tf_line(ctx, args[1])
    return ctx.tables.tf_keras_matches(str(args[0]), str(args[1]))


def _p_tf_uses_keras3(ctx: Context, args: Sequence[Any]) -> Tri:
    return ctx.tables.tf_uses_keras3(str(args[0]))


def _p_torch_has_macos_x86_64(ctx: Context, args: Sequence[Any]) -> Tri:
    _derive(ctx, "torch_macos_x86_64_last", ctx.tables.torch_macos_x86_64_last)
    c = _version_cmp(f"{(_line(args[0]) or (0, 0))[0]}.{(_line(args[0]) or (0, 0))[1]}",
                     ctx.tables.torch_macos_x86_64_last)
    return None if c is None else c <= 0


def _p_tf_has_macos_x86_64(ctx: Context, args: Sequence[Any]) -> Tri:
    _derive(ctx, "tf_macos_x86_64_last", ctx.tables.tf_macos_x86_64_last)
    line = _line(args[0])
    last = _line(ctx.tables.tf_macos_x86_64_last)
    return None if line is None or last is None else line <= last


def _knows(kind: str) -> PredicateFn:
    def fn(ctx: Context, args: Sequence[Any]) -> Tri:
        t = ctx.tables
        value = str(args[0])
        if kind == "torch":
            _derive(ctx, "newest_known", t.newest_torch)
            return t.knows_torch(value)
        if kind == "tensorflow":
            _derive(ctx, "newest_known", t.newest_tensorflow)
            return t.knows_tensorflow(value)
        if kind == "transformers":
            _derive(ctx, "newest_known", t.newest_transformers)
            return t.knows_transformers(value)
        if kind == "cuda":
            return t.knows_cuda(value)
        if kind == "gpu":
            return t.compute_capability_for(value) is not None
        if kind == "torch_arch":
            version, build_cuda = args[0], args[1]
            variant = "cu" + "".join(str(p) for p in (vtuple(build_cuda) or ())[:2])
            al, _ = _platform_arch_list(ctx, str(version), variant)
            return al is not None
        if kind == "driver":
            return t.max_cuda_for_driver(value, ctx.system) is not None
        raise AssertionError(kind)

    return fn


def _beyond_tables(kind: str, newer: bool) -> PredicateFn:
    """A release newer (or older) than every row of the ``kind`` tables; derives the known edge."""

    def fn(ctx: Context, args: Sequence[Any]) -> Tri:
        t = ctx.tables
        version = str(args[0])
        if kind == "torch":
            _derive(ctx, "newest_known", t.newest_torch)
            _derive(ctx, "oldest_known", t.torch_releases[-1].version)
            return t.torch_newer_than_tables(version) if newer else t.torch_older_than_tables(version)
        if kind == "tensorflow":
            _derive(ctx, "newest_known", t.newest_tensorflow)
            _derive(ctx, "oldest_known", t.oldest_tensorflow)
            if newer:
                return t.tensorflow_newer_than_tables(version)
            return t.tensorflow_older_than_tables(version)
        _derive(ctx, "newest_known", t.newest_transformers)
        _derive(ctx, "oldest_known", t.transformers_lines[-1].version_from)
        if newer:
            return t.transformers_newer_than_tables(version)
        return t.transformers_older_than_tables(version)

    return fn


# ----------------------------------------------------------------------------- ecosystem packages
# Look-ups over the ecosystem_packages table (knowledge/ecosystem.py). The first argument is always the
# package as a literal ({value: vllm}), the second its installed version. Every one that answers derives
# the values its rules' texts use, and answers None (unknown) for a release the tables do not hold.


def eco_major(version: object) -> int | None:
    from envadvisor.knowledge.ecosystem import major

    return major(version)


def eco_version_ge(a: object, b: object) -> bool | None:
    from envadvisor.knowledge.ecosystem import version_ge

    return version_ge(a, b)


def release_key(version: object) -> tuple[tuple[int, ...], int] | None:
    from envadvisor.knowledge.ecosystem import release_key as key

    return key(version)


def _eco_pkg(ctx: Context, name: Any) -> EcoPackage | None:
    pkg = ctx.tables.ecosystem_package(str(name))
    if pkg is not None:
        _derive(ctx, "pkg_label", pkg.label)
        _derive(ctx, "pkg_name", pkg.name)
    return pkg


def _eco_row(ctx: Context, name: Any, version: Any) -> tuple[EcoPackage | None, EcoRow | None]:
    pkg = _eco_pkg(ctx, name)
    if pkg is None or version is None:
        return pkg, None
    return pkg, pkg.row(version)


def _p_pkg_newer_than_tables(ctx: Context, args: Sequence[Any]) -> Tri:
    pkg = _eco_pkg(ctx, args[0])
    if pkg is None or args[1] is None:
        return None
    _derive(ctx, "pkg_newest_known", pkg.newest)
    _derive(ctx, "pkg_version", args[1])
    return pkg.newer_than_tables(args[1])


def _torch_index(ctx: Context, torch_pin: str | None, cuda: str | None) -> str | None:
    """The download.pytorch.org index (cu128 ...) of ``torch_pin`` for a package built with ``cuda``: that
    exact variant, else (a major only) the pin's PyPI default of that major, else its closest variant."""
    want = vtuple(cuda)
    if want is None:
        return None
    release = ctx.tables.torch_release(torch_pin) if torch_pin else None
    variants = [v for v in (release.pypi_default, *release.all_variants) if v] if release is not None else []
    same = []
    for v in variants:
        vc = vtuple(variant_cuda(v))
        if vc is not None and vc[0] == want[0]:
            same.append((vc, v))
    if same:
        if len(want) == 1 and release is not None and release.pypi_default in {v for _, v in same}:
            return release.pypi_default
        below = [p for p in same if p[0] <= want]
        return max(below)[1] if below else min(same)[1]
    return f"cu{want[0]}{want[1]}" if len(want) >= 2 else None


def _p_pkg_torch_ok(ctx: Context, args: Sequence[Any]) -> Tri:
    _, row = _eco_row(ctx, args[0], args[1])
    torch = args[2]
    if row is None or torch is None or is_prerelease(torch):
        return None
    requirement = row.torch_requirement()
    if requirement is None:
        return None
    _derive(ctx, "pkg_torch_requirement", requirement)
    _derive(ctx, "pkg_torch_install", f"torch{requirement}")
    if row.torch:
        a, b = _line(torch), _line(row.torch)
        return None if a is None or b is None else a == b
    return eco_version_ge(torch, row.torch_min)


def _p_pkg_cuda_matches(ctx: Context, args: Sequence[Any]) -> Tri:
    """The package's build CUDA has the same major as ``args[2]`` (torch's CUDA, a runtime)."""
    pkg, row = _eco_row(ctx, args[0], args[1])
    if pkg is None or row is None:
        return None
    cuda = pkg.build_cuda(args[1])
    have, want = eco_major(args[2]), eco_major(cuda)
    requirement = row.torch_requirement()
    if cuda is None or have is None or want is None or requirement is None:
        return None
    _derive(ctx, "pkg_cuda", cuda)
    _derive(ctx, "pkg_cuda_major", want)
    _derive(ctx, "pkg_torch_install", f"torch{requirement}")
    index = _torch_index(ctx, row.torch or row.torch_min, cuda)
    if index is None:
        return None  # the remedy (a torch build for this CUDA) cannot be named
    _derive(ctx, "pkg_torch_index", index)
    return have == want


def _p_pkg_supports_cc(ctx: Context, args: Sequence[Any]) -> Tri:
    pkg, row = _eco_row(ctx, args[0], args[1])
    if pkg is None or row is None or args[2] is None:
        return None
    if row.sass:
        _derive(ctx, "pkg_archs", ", ".join(f"sm_{a.replace('.', '')}" for a in row.sass))
        _derive(ctx, "pkg_cc_floor", min(row.sass, key=lambda a: vtuple(a) or (0,)))
    elif row.cc_min:
        _derive(ctx, "pkg_archs", f">= {row.cc_min}")
        _derive(ctx, "pkg_cc_floor", row.cc_min)
    supported = row.supports_cc(str(args[2]))
    if supported is False:
        _derive(ctx, "pkg_release_for_cc", pkg.newest_release(lambda r: r.supports_cc(str(args[2]))))
    return supported


def _p_pkg_release_supports_cc(ctx: Context, args: Sequence[Any]) -> Tri:
    """Some release in the tables has code for this compute capability (derives the newest one)."""
    pkg = _eco_pkg(ctx, args[0])
    if pkg is None or vtuple(args[1]) is None:
        return None
    release = pkg.newest_release(lambda r: r.supports_cc(str(args[1])))
    _derive(ctx, "pkg_release_for_cc", release)
    return release is not None


def _p_pkg_has_platform(ctx: Context, args: Sequence[Any]) -> Tri:
    pkg, row = _eco_row(ctx, args[0], args[1])
    system, arch = args[2], args[3]
    if pkg is None or row is None or not row.platforms or system is None:
        return None
    _derive(ctx, "pkg_platforms", ", ".join(row.platforms))
    first = pkg.first_release(lambda r: any(p.startswith(f"{str(system).lower()}-") for p in r.platforms))
    _derive(ctx, "pkg_first_for_platform", first)
    same_system = [p for p in row.platforms if p.startswith(f"{str(system).lower()}-")]
    if not same_system:
        return False
    key = platform_key(str(system), str(arch)) if arch is not None else None
    return None if key is None else key in row.platforms


def _cuda_binary_fits(cuda: str, torch: Any) -> Callable[[EcoRow], bool | None]:
    """A release with a native library for ``cuda`` whose torch floor the installed torch meets."""

    def accept(r: EcoRow) -> bool | None:
        found = r.has_cuda_binary(cuda)
        if not found or torch is None or r.torch_min is None:
            return found
        return eco_version_ge(torch, r.torch_min)

    return accept


def _p_pkg_has_cuda_binary(ctx: Context, args: Sequence[Any]) -> Tri:
    pkg, row = _eco_row(ctx, args[0], args[1])
    if pkg is None or row is None or args[2] is None or not row.cuda_builds:
        return None
    _derive(ctx, "pkg_cuda_builds", ", ".join(row.cuda_builds))
    return row.has_cuda_binary(str(args[2]))


def _p_pkg_release_has_cuda_binary(ctx: Context, args: Sequence[Any]) -> Tri:
    """Some release has a native library for this CUDA and accepts the installed torch (derives the
    newest)."""
    pkg = _eco_pkg(ctx, args[0])
    if pkg is None or vtuple(args[1]) is None:
        return None
    release = pkg.newest_release(_cuda_binary_fits(str(args[1]), args[2]))
    _derive(ctx, "pkg_release_for_cuda", release)
    return release is not None


def _p_pkg_cudnn_ok(ctx: Context, args: Sequence[Any]) -> Tri:
    """The cuDNN in use (args[2]) has the major the build needs and is not below its floor."""
    pkg, row = _eco_row(ctx, args[0], args[1])
    if pkg is None or args[1] is None or args[2] is None:
        return None
    need = pkg.build_cudnn(args[1])
    floor = row.cudnn_min if row is not None else None
    if need is None and floor is None:
        return None
    _derive(ctx, "pkg_cuda_major", eco_major(pkg.build_cuda(args[1])))
    if need is not None:
        _derive(ctx, "pkg_cudnn", need)
        _derive(ctx, "pkg_cudnn_major", eco_major(need))
    _derive(ctx, "pkg_cudnn_min", floor or need)
    have = eco_major(args[2])
    if have is None:
        return None
    if need is not None and have != eco_major(need):
        return False
    return True if floor is None else eco_version_ge(args[2], floor)


def _p_pkg_cuda_runtime_ok(ctx: Context, args: Sequence[Any]) -> Tri:
    """The CUDA runtime that loads (args[2]) is of the build's CUDA major and not below the release's
    floor (the JAX plugin's _check_cuda_versions)."""
    pkg, row = _eco_row(ctx, args[0], args[1])
    if pkg is None or row is None or row.cuda_runtime_min is None or args[2] is None:
        return None
    want, have = eco_major(row.cuda), eco_major(args[2])
    if want is None or have is None:
        return None
    _derive(ctx, "pkg_cuda_major", want)
    _derive(ctx, "pkg_cuda_runtime_min", row.cuda_runtime_min)
    _derive(ctx, "pkg_version", args[1])
    return have == want and bool(eco_version_ge(args[2], row.cuda_runtime_min))


def _p_pkg_lib_major_present(ctx: Context, args: Sequence[Any]) -> Tri:
    """A copy of the CUDA runtime (kind cuda) or cuDNN (kind cudnn) of the major the build links is among
    the copies found (args[3]), or, when no copy has a version, is the one version a report states
    (args[4]); unknown when neither is known."""
    pkg = _eco_pkg(ctx, args[0])
    kind = str(args[2])
    found = sorted({str(c.version) for c in _copies(args[3]) if c.version}) or (
        [str(args[4])] if args[4] is not None else [])
    if pkg is None or args[1] is None:
        return None
    need = pkg.build_cudnn(args[1]) if kind == "cudnn" else pkg.build_cuda(args[1])
    want = eco_major(need)
    majors = {eco_major(v) for v in found} - {None}
    if want is None or not majors:
        return None
    _derive(ctx, "pkg_needs_major", want)
    _derive(ctx, "pkg_found_versions", ", ".join(found))
    cuda, cudnn = pkg.build_cuda(args[1]), pkg.build_cudnn(args[1])
    _derive(ctx, "pkg_cuda", cuda)
    _derive(ctx, "pkg_cuda_major", eco_major(cuda))
    _derive(ctx, "pkg_cudnn", cudnn)
    row = pkg.row(args[1])
    if row is not None and row.libs and eco_major(row.cuda) == eco_major(cuda):
        _derive(ctx, "pkg_libs", row.libs)
    return want in majors


def _driver_runs(ctx: Context, driver: Any, driver_cuda: Any, build_cuda: str) -> Tri:
    """driver_runs_cuda without deriving anything into ``ctx`` (it is asked about many builds)."""
    return _p_driver_runs_cuda(Context(ctx.facts, ctx.tables, ctx.today), (driver, driver_cuda, build_cuda))


def _p_pkg_driver_ok(ctx: Context, args: Sequence[Any]) -> Tri:
    pkg = _eco_pkg(ctx, args[0])
    driver, driver_cuda = args[2], args[3]
    if pkg is None or args[1] is None:
        return None
    cuda = pkg.build_cuda(args[1]) if pkg.row(args[1]) is not None else None
    if cuda is None:
        return None
    _derive(ctx, "pkg_cuda", cuda)
    _derive(ctx, "pkg_version", args[1])
    runs = _driver_runs(ctx, driver, driver_cuda, cuda)
    if runs is False:
        release = pkg.newest_release(
            lambda r: _driver_runs(ctx, driver, driver_cuda, r.cuda) if r.cuda else None)
        _derive(ctx, "pkg_release_for_driver", release)
        _derive(ctx, "min_driver", _min_driver_for(ctx, driver, cuda))
    return runs


def _min_driver_for(ctx: Context, driver: Any, cuda: str) -> str | None:
    """The driver floor for a build of ``cuda`` on this system (what driver_runs_cuda derives)."""
    scratch = Context(ctx.facts, ctx.tables, ctx.today)
    _p_driver_runs_cuda(scratch, (driver, None, cuda))
    return scratch.derived.get("min_driver")


def _installed(ctx: Context, names: Any) -> tuple[list[tuple[str, str]], bool]:
    """(name, version) of the listed packages that are installed, and whether the listing is incomplete
    (the package listing failed, so a package not seen may still be there)."""
    found = []
    for name in names if isinstance(names, (list, tuple)) else ():
        version, state = ctx.lookup(f"packages.{name}.version")
        if state == "known":
            found.append((str(name), str(version)))
    return found, "packages" in ctx.facts.reasons


def _p_eco_driver_gap(ctx: Context, args: Sequence[Any]) -> Tri:
    """One of the listed packages is built for a CUDA the driver cannot run, and (mode ``older_fits``) an
    older release of it is built for one it can, or (mode ``none_fits``) none is. Derives the values of
    the first such package."""
    mode, names, driver, driver_cuda = args
    found, incomplete = _installed(ctx, names)
    unknown = incomplete
    for name, version in found:
        runs = _p_pkg_driver_ok(ctx, (name, version, driver, driver_cuda))
        if runs is None:
            unknown = True
        elif runs is False:
            pkg = ctx.tables.ecosystem_package(name)
            release = pkg.newest_release(
                lambda r: _driver_runs(ctx, driver, driver_cuda, r.cuda) if r.cuda else None) if pkg else None
            if (release is not None) == (mode == "older_fits"):
                _p_pkg_driver_ok(ctx, (name, version, driver, driver_cuda))  # this package's values last
                return True
    return None if unknown else False


def _p_eco_newer_than_tables(ctx: Context, args: Sequence[Any]) -> Tri:
    """One of the listed packages is a release newer than the tables (derives its values)."""
    found, incomplete = _installed(ctx, args[0])
    for name, version in found:
        if _p_pkg_newer_than_tables(ctx, (name, version)):
            return True
    return None if incomplete else False


def _p_pkg_toolkit_accepted(ctx: Context, args: Sequence[Any]) -> Tri:
    """DeepSpeed's op builder accepts this nvcc for this torch build: the same X.Y, or both minors in
    its list for that major (cuda_minor_mismatch_ok)."""
    pkg, row = _eco_row(ctx, args[0], args[1])
    toolkit, torch_cuda = _line(args[2]), _line(args[3])
    if pkg is None or row is None or not row.minor_ok or toolkit is None or torch_cuda is None:
        return None
    _derive(ctx, "pkg_torch_cuda_line", f"{torch_cuda[0]}.{torch_cuda[1]}")
    highest = _line(row.minor_ok.get(str(torch_cuda[0])))
    _derive(ctx, "pkg_minor_ok",
            f"{torch_cuda[0]}.0-{highest[0]}.{highest[1]}" if highest else f"{torch_cuda[0]}.{torch_cuda[1]}")
    if toolkit == torch_cuda:
        return True
    if toolkit[0] != torch_cuda[0] or highest is None:
        return False
    return toolkit <= highest and torch_cuda <= highest


def _p_jaxlib_compatible(ctx: Context, args: Sequence[Any]) -> Tri:
    """jax's import check: jaxlib not older than the jax release's minimum and not newer than jax."""
    pkg, row = _eco_row(ctx, "jax", args[0])
    if pkg is None or row is None or row.jaxlib_min is None or args[1] is None:
        return None
    jax_key, jaxlib_key = release_key(args[0]), release_key(args[1])
    minimum = str(args[0]).split("+")[0] if row.jaxlib_min == "self" else row.jaxlib_min
    min_key = release_key(minimum)
    if jax_key is None or jaxlib_key is None or min_key is None:
        return None
    _derive(ctx, "jaxlib_min", minimum)
    _derive(ctx, "jaxlib_max", str(args[0]).split("+")[0])
    return min_key <= jaxlib_key <= jax_key


def _p_jax_plugin_matches_jaxlib(ctx: Context, args: Sequence[Any]) -> Tri:
    """The jax-cuda{N}-plugin is the same release as jaxlib (local tags ignored): jax's cuda12/cuda13
    extras pin both to the jax release, and a plugin of another release is not loaded."""
    a, b = release_key(args[1]), release_key(args[2])
    if a is None or b is None:
        return None
    _derive(ctx, "jax_plugin_cuda", args[0])
    _derive(ctx, "jax_plugin_version", args[1])
    return a == b


def _p_pkg_build_torch_matches(ctx: Context, args: Sequence[Any]) -> Tri:
    """A prebuilt wheel whose local tag names a torch line (flash-attn's +cu12torch2.3...) matches the
    installed torch line; unknown without such a tag."""
    pkg = _eco_pkg(ctx, args[0])
    if pkg is None or args[1] is None or args[2] is None:
        return None
    tag = pkg.tag(args[1])
    if tag.torch is None:
        return None
    _derive(ctx, "pkg_tag_torch", tag.torch)
    _derive(ctx, "pkg_release", str(args[1]).split("+")[0])
    return _line(args[2]) == _line(tag.torch)


def _p_pkg_cuda_predates_cc(ctx: Context, args: Sequence[Any]) -> Tri:
    """The GPU is newer than anything the CUDA of this build can target (an Ampere card and a CUDA 10.2
    build, a Blackwell card and CUDA 11.8)."""
    pkg = _eco_pkg(ctx, args[0])
    if pkg is None or args[1] is None:
        return None
    cuda = pkg.build_cuda(args[1])
    if cuda is None:
        return None
    _derive(ctx, "pkg_cuda", cuda)
    return _p_cuda_predates_cc(ctx, (cuda, args[2]))


_EDGES = frozenset({"newest_known", "oldest_known"})
_PKG = frozenset({"pkg_label", "pkg_name"})  # every pkg_* look-up names the package
_REGISTRY = frozenset({"registry_package", "registry_version", "registry_read", "registry_newest"})


def _derive_registry(ctx: Context, package: str, version: str) -> None:
    listed = ctx.tables.release_list(package)
    _derive(ctx, "registry_package", package)
    _derive(ctx, "registry_version", version)
    if listed is not None:
        _derive(ctx, "registry_read", listed.read_date)
        _derive(ctx, "registry_newest", ctx.tables.newest_release(package))


def _p_registry_requires_python(ctx: Context, args: Sequence[Any]) -> Tri:
    """Whether the Requires-Python the registry lists for this exact release admits this Python; None
    when the release is not in the release lists (shipped, or the user's ``knowledge refresh --user``)
    or declares none. Derives the specifier and the date the list was read."""
    package, version, python = (str(a) for a in args)
    _derive_registry(ctx, package, version)
    release = ctx.tables.release_of(package, version)
    if release is None or not release.requires_python:
        return None
    _derive(ctx, "requires_python", release.requires_python)
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    try:
        spec = SpecifierSet(release.requires_python)
        interpreter = Version(python)
    except ValueError:  # InvalidSpecifier/InvalidVersion, or a number int() refuses
        return None
    if spec.contains(Version(interpreter.base_version), prereleases=True):
        return True
    # the Python to propose instead: the oldest line the release admits that is still supported today,
    # else the newest it admits (Python lines from the end-of-life table)
    lines = sorted((r.version for r in ctx.tables.python_lines), key=lambda v: vtuple(v) or ())
    admitted = [v for v in lines if spec.contains(f"{v}.0", prereleases=True)]
    supported = [v for v in admitted if ctx.tables.python_is_eol(v, ctx.today) is False]
    choice = supported[0] if supported else (admitted[-1] if admitted else None)
    if choice is None:
        return None  # no Python line the tables know satisfies it: nothing to advise
    _derive(ctx, "registry_python", choice)
    return False


def _p_registry_lists(ctx: Context, args: Sequence[Any]) -> Tri:
    """Whether the registry release lists have this release (None: the package is not tracked)."""
    package, version = (str(a) for a in args)
    _derive_registry(ctx, package, version)
    return ctx.tables.has_release(package, version)

PREDICATES: dict[str, Predicate] = {
    "driver_runs_cuda": Predicate(_p_driver_runs_cuda, 3, frozenset({"min_driver"}), frozenset({0, 1}),
                                  "driver (version, or its max CUDA) runs a build for this CUDA"),
    "driver_predates_gpu": Predicate(_p_driver_predates_gpu, 3, frozenset({"gpu_min_driver", "gpu_arch"}),
                                     frozenset({1}), "the driver is older than the first for the GPU"),
    "driver_dropped_gpu": Predicate(_p_driver_dropped_gpu, 2,
                                    frozenset({"gpu_last_branch", "gpu_last_cuda", "gpu_arch"}),
                                    doc="the driver's branch is after the last one that supports the GPU"),
    "torch_build_covers_cc": Predicate(_p_torch_build_covers_cc, 3,
                                       frozenset({"arch_list", "arch_lowest", "arch_highest"}),
                                       frozenset({0, 1}),
                                       doc="the torch build has SASS or PTX for this compute capability"),
    "torch_build_lacks_older_gpu": Predicate(_torch_gap(older=True), 3,
                                             frozenset({"arch_list", "arch_lowest", "arch_highest"}),
                                             frozenset({0, 1}),
                                             doc="no code for the GPU, older than all the build has"),
    "torch_build_lacks_newer_gpu": Predicate(_torch_gap(older=False), 3,
                                             frozenset({"arch_list", "arch_lowest", "arch_highest"}),
                                             frozenset({0, 1}),
                                             doc="no code for the GPU, newer than (or between) it"),
    "torch_cuda_build_serves": Predicate(_p_torch_cuda_build_serves, 4, optional=frozenset({1, 2, 3}),
                                         doc="some CUDA wheel in the tables runs on this GPU and driver"),
    "torch_cuda_builds_ruled_out": Predicate(_p_torch_cuda_builds_ruled_out, 3, optional=frozenset({0, 1, 2}),
                                             doc="proven: no CUDA wheel in the tables serves any listed GPU"),
    "torch_python_supported": Predicate(_p_torch_python_supported, 2, frozenset({"python_range"})),
    "tf_python_supported": Predicate(_p_tf_python_supported, 2, frozenset({"python_range"})),
    "torchvision_matches_torch": Predicate(_p_torchvision_matches, 2, frozenset({"expected_torchvision"})),
    "torchaudio_matches_torch": Predicate(_p_torchaudio_matches, 2, frozenset({"expected_torchaudio"})),
    "torch_glibc_ok": Predicate(_platform_floor_ok("torch", "glibc"), 2,
                                frozenset({"glibc_min", "glibc_since"}), frozenset({1}),
                                doc="the glibc is at least what the PyPI torch wheels of this release need"),
    "torch_macos_ok": Predicate(_platform_floor_ok("torch", "macos"), 2,
                                frozenset({"macos_min", "macos_since"}), frozenset({1}),
                                doc="the macOS is at least what the PyPI torch wheels need"),
    "tf_glibc_ok": Predicate(_platform_floor_ok("tensorflow", "glibc"), 2,
                             frozenset({"glibc_min", "glibc_since"}), frozenset({1}),
                             doc="the glibc is at least what the PyPI tensorflow wheels need"),
    "torch_supports_numpy2": Predicate(_p_torch_supports_numpy2, 2, frozenset({"numpy2_first_torch"}),
                                       frozenset({1}), "torch's wheels for this OS work with NumPy 2"),
    "local_cuda_majors_differ": Predicate(_p_local_cuda_majors_differ, 2, frozenset({"local_1", "local_2"}),
                                          doc="two wheels' +cuXYZ/+cpu tags name different CUDA majors"),
    "tf_supports_numpy2": Predicate(_p_tf_supports_numpy2, 1, frozenset({"numpy2_first_tf"})),
    "python_is_eol": Predicate(_p_python_is_eol, 1, frozenset({"eol_date"})),
    "transformers_python_ok": Predicate(_p_transformers_python_ok, 2, frozenset({"python_min"})),
    "transformers_torch_ok": Predicate(_transformers_torch_floor("torch_runtime_min", "torch_min"), 2,
                                       frozenset({"torch_min"}),
                                       doc="torch meets the release's import-time floor"),
    "transformers_torch_extra_ok": Predicate(_transformers_torch_floor("torch_extra_min", "torch_extra_min"),
                                             2, frozenset({"torch_extra_min"}),
                                             doc="torch meets the floor of the release's [torch] extra"),
    "transformers_supports_tf": Predicate(_p_transformers_supports_tf, 1),
    "transformers_tf_ok": Predicate(_p_transformers_tf_ok, 2, frozenset({"tf_max_exclusive", "tf_line"})),
    "tf_native_windows_gpu": Predicate(_p_tf_native_windows_gpu, 1, frozenset({"tf_windows_gpu_last"})),
    "tf_cudnn_compatible": Predicate(_p_tf_cudnn_compatible, 2, frozenset({"tf_cudnn", "tf_cuda"})),
    "tf_cuda_compatible": Predicate(_p_tf_cuda_compatible, 2, frozenset({"tf_cuda"})),
    "cudnn_supports_cc": Predicate(_p_cudnn_supports_cc, 2, frozenset({"cudnn_min_cc"})),
    "cuda_supports_cc": Predicate(_p_cuda_supports_cc, 2, frozenset({"cc_range"})),
    "cuda_drops_cc": Predicate(_p_cuda_drops_cc, 2, frozenset({"cc_min"}),
                               doc="the compute capability is below the oldest this CUDA release supports"),
    "cuda_predates_cc": Predicate(_p_cuda_predates_cc, 2, frozenset({"cc_range"}),
                                  doc="the compute capability is newer than this CUDA release can target"),
    "tf_keras_matches": Predicate(_p_tf_keras_matches, 2, frozenset({"tf_line"})),
    "tf_uses_keras3": Predicate(_p_tf_uses_keras3, 1),
    "torch_has_macos_x86_64": Predicate(_p_torch_has_macos_x86_64, 1, frozenset({"torch_macos_x86_64_last"})),
    "tf_has_macos_x86_64": Predicate(_p_tf_has_macos_x86_64, 1, frozenset({"tf_macos_x86_64_last"})),
    "knows_torch": Predicate(_knows("torch"), 1, frozenset({"newest_known"})),
    "torch_newer_than_tables": Predicate(_beyond_tables("torch", newer=True), 1, _EDGES),
    "torch_older_than_tables": Predicate(_beyond_tables("torch", newer=False), 1, _EDGES),
    "tensorflow_newer_than_tables": Predicate(_beyond_tables("tensorflow", newer=True), 1, _EDGES),
    "tensorflow_older_than_tables": Predicate(_beyond_tables("tensorflow", newer=False), 1, _EDGES),
    "transformers_newer_than_tables": Predicate(_beyond_tables("transformers", newer=True), 1, _EDGES),
    "transformers_older_than_tables": Predicate(_beyond_tables("transformers", newer=False), 1, _EDGES),
    "knows_tensorflow": Predicate(_knows("tensorflow"), 1, frozenset({"newest_known"})),
    "knows_transformers": Predicate(_knows("transformers"), 1, frozenset({"newest_known"})),
    "knows_cuda": Predicate(_knows("cuda"), 1),
    "knows_gpu": Predicate(_knows("gpu"), 1),
    "knows_torch_arch": Predicate(_knows("torch_arch"), 2),
    "knows_driver": Predicate(_knows("driver"), 1),
    "eco_newer_than_tables": Predicate(_p_eco_newer_than_tables, 1,
                                       _PKG | {"pkg_newest_known", "pkg_version"},
                                       doc="one of the listed packages is newer than the tables"),
    "pkg_torch_ok": Predicate(_p_pkg_torch_ok, 3, _PKG | {"pkg_torch_requirement", "pkg_torch_install"},
                              doc="the installed torch is the one the release was built for"),
    "pkg_cuda_matches": Predicate(_p_pkg_cuda_matches, 3,
                                  _PKG | {"pkg_cuda", "pkg_cuda_major", "pkg_torch_install",
                                          "pkg_torch_index"},
                                  doc="the release's build CUDA has the same major as this CUDA version"),
    "pkg_supports_cc": Predicate(_p_pkg_supports_cc, 3,
                                 _PKG | {"pkg_archs", "pkg_cc_floor", "pkg_release_for_cc"},
                                 doc="the release has GPU code for this compute capability"),
    "pkg_release_supports_cc": Predicate(_p_pkg_release_supports_cc, 2, _PKG | {"pkg_release_for_cc"}),
    "pkg_has_platform": Predicate(_p_pkg_has_platform, 4, _PKG | {"pkg_platforms", "pkg_first_for_platform"},
                                  optional=frozenset({3}), doc="CUDA wheels exist for this OS, arch"),
    "pkg_has_cuda_binary": Predicate(_p_pkg_has_cuda_binary, 3, _PKG | {"pkg_cuda_builds"}),
    "pkg_release_has_cuda_binary": Predicate(_p_pkg_release_has_cuda_binary, 3,
                                             _PKG | {"pkg_release_for_cuda"}, optional=frozenset({2}),
                                             doc="a release for this torch ships a library for this CUDA"),
    "pkg_cudnn_ok": Predicate(_p_pkg_cudnn_ok, 3,
                              _PKG | {"pkg_cudnn", "pkg_cudnn_major", "pkg_cudnn_min", "pkg_cuda_major"}),
    "pkg_cuda_runtime_ok": Predicate(_p_pkg_cuda_runtime_ok, 3,
                                     _PKG | {"pkg_cuda_major", "pkg_cuda_runtime_min", "pkg_version"},
                                     doc="the CUDA runtime has the build's major and its floor"),
    "pkg_lib_major_present": Predicate(_p_pkg_lib_major_present, 5,
                                       _PKG | {"pkg_needs_major", "pkg_found_versions", "pkg_cuda",
                                               "pkg_cuda_major", "pkg_cudnn", "pkg_libs"},
                                       optional=frozenset({3, 4})),
    "eco_driver_gap": Predicate(_p_eco_driver_gap, 4,
                                _PKG | {"pkg_version", "pkg_cuda", "min_driver", "pkg_release_for_driver"},
                                optional=frozenset({2, 3}),
                                doc="a listed package's build needs a newer driver (older_fits|none_fits)"),
    "pkg_toolkit_accepted": Predicate(_p_pkg_toolkit_accepted, 4,
                                      _PKG | {"pkg_torch_cuda_line", "pkg_minor_ok"}),
    "jaxlib_compatible": Predicate(_p_jaxlib_compatible, 2, _PKG | {"jaxlib_min", "jaxlib_max"}),
    "jax_plugin_matches_jaxlib": Predicate(_p_jax_plugin_matches_jaxlib, 3,
                                           frozenset({"jax_plugin_cuda", "jax_plugin_version"})),
    "pkg_build_torch_matches": Predicate(_p_pkg_build_torch_matches, 3,
                                         _PKG | {"pkg_tag_torch", "pkg_release"}),
    "pkg_cuda_predates_cc": Predicate(_p_pkg_cuda_predates_cc, 3, _PKG | {"pkg_cuda", "cc_range"}),
    "registry_requires_python": Predicate(
        _p_registry_requires_python, 3, _REGISTRY | {"requires_python", "registry_python"},
        doc="the registry's Requires-Python of this release admits this Python"),
    "registry_lists": Predicate(_p_registry_lists, 2, _REGISTRY,
                                doc="the registry release lists have this release"),
}


@record
class Arg:
    key: str | None = None
    value: Any = None


@record
class Check(Condition):
    name: str
    args: tuple[Arg, ...]

    def evaluate(self, ctx: Context) -> Outcome:
        pred = PREDICATES[self.name]
        values: list[Any] = []
        missing: set[str] = set()
        for i, arg in enumerate(self.args):
            if arg.key is None:
                values.append(arg.value)
                continue
            value, state = ctx.lookup(arg.key)
            if state != "known":
                if i not in pred.optional:
                    missing.add(_report_key(arg.key))
                values.append(None)
            else:
                values.append(value)
        if missing:
            return Outcome(None, frozenset(missing))
        result = pred.fn(ctx, values)
        if result is None:
            unknown_optional = {
                _report_key(self.args[i].key or "") for i in pred.optional if values[i] is None
            }
            if unknown_optional:
                return Outcome(None, frozenset(unknown_optional))
            shown = ", ".join(str(v) for v in values if v is not None)
            return Outcome(None, frozenset({f"tables:{self.name}({shown})"}))
        return Outcome(bool(result))

    def fact_keys(self) -> frozenset[str]:
        return frozenset(a.key for a in self.args if a.key and not a.key.startswith("device."))

    def placeholders(self) -> frozenset[str]:
        return frozenset(f"table.{p}" for p in PREDICATES[self.name].provides)


def _report_key(key: str) -> str:
    return f"gpu.devices.{key.split('.', 1)[1]}" if key.startswith("device.") else key


# --------------------------------------------------------------------------------------------------
# Compiling YAML into nodes (validation happens here, at load time)
# --------------------------------------------------------------------------------------------------


def compile_condition(raw: Any, fail: FailFn, *, device_scope: bool = False, path: str = "when",
                      check_keys: bool = True) -> Condition:
    """Validate and compile a ``when`` tree; ``fail(field, message)`` builds the error to raise.
    ``check_keys=False`` (the shipped rules, checked by the tests) skips looking fact keys up."""
    if not isinstance(raw, Mapping) or not raw:
        raise fail(path, "expected a condition mapping")
    keys = set(map(str, raw))
    if keys == {"all"} or keys == {"any"}:
        (kind,) = keys
        items = raw[kind]
        if not isinstance(items, list) or not items:
            raise fail(f"{path}.{kind}", "expected a non-empty list")
        nodes = tuple(compile_condition(it, fail, device_scope=device_scope, path=f"{path}.{kind}[{i}]",
                                        check_keys=check_keys)
                      for i, it in enumerate(items))
        return All(nodes) if kind == "all" else Any_(nodes)
    if keys == {"not"}:
        return Not(compile_condition(raw["not"], fail, device_scope=device_scope, path=f"{path}.not",
                                     check_keys=check_keys))
    if keys == {"any_device"}:
        if device_scope:
            raise fail(f"{path}.any_device", "any_device cannot nest")
        inner = compile_condition(raw["any_device"], fail, device_scope=True, path=f"{path}.any_device",
                                  check_keys=check_keys)
        return AnyDevice(inner)
    if keys == {"signature"}:
        sig = raw["signature"]
        if not isinstance(sig, str) or not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", sig):
            raise fail(f"{path}.signature", f"'{sig}' is not a kebab-case signature id")
        return Signature(sig)
    if "check" in keys:
        if keys - {"check", "args"}:
            raise fail(f"{path}.check", f"unexpected key(s) {', '.join(sorted(keys - {'check', 'args'}))}")
        name = raw["check"]
        if not isinstance(name, str) or name not in PREDICATES:  # a list or mapping is not hashable
            raise fail(f"{path}.check", f"unknown check '{name}'")
        args_raw = raw.get("args") or []
        pred = PREDICATES[name]
        if not isinstance(args_raw, list) or len(args_raw) != pred.arity:
            raise fail(f"{path}.args", f"check '{name}' takes {pred.arity} argument(s)")
        args = []
        for i, a in enumerate(args_raw):
            if isinstance(a, str):
                if check_keys and not is_fact_key(a, device_scope=device_scope):
                    raise fail(f"{path}.args[{i}]", f"unknown fact key '{a}'")
                args.append(Arg(key=a))
            elif isinstance(a, Mapping) and set(a) == {"value"}:
                args.append(Arg(value=a["value"]))
            else:
                raise fail(f"{path}.args[{i}]", "expected a fact key or {value: ...}")
        return Check(str(name), tuple(args))
    if "fact" in keys:
        key = raw["fact"]
        if not isinstance(key, str) or (check_keys and not is_fact_key(key, device_scope=device_scope)):
            raise fail(f"{path}.fact", f"unknown fact key '{key}'")
        ops = keys - {"fact"}
        if len(ops) != 1:
            raise fail(f"{path}.fact", f"expected exactly one operator with fact '{key}'")
        (op,) = ops
        if op not in OPERATORS:
            raise fail(f"{path}.{op}", f"unknown operator '{op}'")
        arg = raw[op]
        arg_key = None
        if isinstance(arg, Mapping):
            if set(arg) != {"fact"} or op not in _FACT_ARG_OPS:
                raise fail(f"{path}.{op}", "expected a literal or {fact: KEY}")
            arg_key = arg["fact"]
            if not isinstance(arg_key, str) or (
                check_keys and not is_fact_key(arg_key, device_scope=device_scope)
            ):
                raise fail(f"{path}.{op}", f"unknown fact key '{arg_key}'")
            arg = None
        elif op in ("in", "not_in") and not isinstance(arg, list):
            raise fail(f"{path}.{op}", "expected a list")
        elif op == "exists" and not isinstance(arg, bool):
            raise fail(f"{path}.{op}", "expected true or false")
        elif op.endswith("_ge") and op != "ge" and not isinstance(arg, int):
            raise fail(f"{path}.{op}", "expected a whole number")
        return FactTest(key, op, arg, arg_key)
    raise fail(path, f"unknown condition form with key(s) {', '.join(sorted(keys))}")


# --------------------------------------------------------------------------------------------------
# Message templates
# --------------------------------------------------------------------------------------------------


_SEGMENT_RE = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)
_EMPTY_WORDS = {"en": "none", "zh": "无"}


class RemedySource(Protocol):
    """Computes ``{remedy.*}`` fix commands for the facts being judged
    (:class:`envadvisor.remedies.Remedies`)."""

    def value(self, name: str, lang: str, derived: Mapping[str, str]) -> str | None: ...


def render_template(template: str, ctx: Context, lang: str = "en", *, drop_when_unknown: bool = False
                    ) -> str | None:
    """``template`` with its placeholders filled from the facts, derived table values and remedies.

    ``[[ ... ]]`` marks an optional segment: it is left out when a value inside is unknown. A value
    outside such a segment that is unknown is replaced by its general words ("the driver version"),
    or, with ``drop_when_unknown`` (a fix line: a command with a hole in it helps nobody), the whole
    text is None. Never is "unknown" or the placeholder itself pasted where a value belongs.
    """

    def value(key: str) -> str | None:
        if key == "devices":
            return ", ".join(ctx.devices) if ctx.devices else None
        if key.startswith("table."):
            return ctx.derived.get(key[6:])
        if key.startswith("remedy."):
            return ctx.remedies.value(key[7:], lang, ctx.derived) if ctx.remedies is not None else None
        found, state = ctx.lookup(key)
        if state != "known":
            return None
        if isinstance(found, tuple):
            return ", ".join(_item_label(v) for v in found) or _EMPTY_WORDS.get(lang, "none")
        return str(found)

    return fill_template(template, value, lang, drop_when_unknown=drop_when_unknown)


def fill_template(template: str, value: Callable[[str], str | None], lang: str = "en", *,
                  drop_when_unknown: bool = False) -> str | None:
    """``template`` with each ``{key}`` replaced by ``value(key)``; None means not known.

    The one way rule texts and environment-file lint texts are filled (see :func:`render_template`):
    an optional ``[[ ... ]]`` segment with an unknown value inside is left out; an unknown value
    elsewhere reads as its general words, or drops the whole text with ``drop_when_unknown``.
    """

    def fill(text: str) -> tuple[str, list[str]]:
        missing: list[str] = []

        def sub(m: re.Match[str]) -> str:
            found = value(m.group(1))
            if found is None:
                missing.append(m.group(1))
                return m.group(0)
            return found

        return _PLACEHOLDER_RE.sub(sub, text), missing

    dropped = False

    def segment(m: re.Match[str]) -> str:
        nonlocal dropped
        text, missing = fill(m.group(1))
        dropped = dropped or bool(missing)
        return "" if missing else text

    text, missing = fill(_SEGMENT_RE.sub(segment, template))
    if missing:
        if drop_when_unknown:
            return None
        from envadvisor.placeholders import general_words

        text = _PLACEHOLDER_RE.sub(lambda m: general_words(m.group(1), lang), text)
    return _tidy(text) if dropped else text


def render_general(template: str, lang: str = "en") -> str:
    """A template in general words, for a rule explained without a target: every placeholder becomes
    what it stands for ("the driver version this CUDA needs"). Optional ``[[...]]`` segments hold the
    target's details ("driver 470.82"), so they are left out, as for a target that lacks them."""
    return fill_template(template, lambda _key: None, lang) or template


_TIDY = (
    (re.compile(r"([(（])\s*[;；,，]\s*"), r"\1"),  # "(; x)" left by an omitted first segment
    (re.compile(r"\s*[;；,，]\s*([)）])"), r"\1"),  # "(x; )"
    (re.compile(r"\s+\(\s*\)|\s*（\s*）"), ""),  # " ()" when every segment inside was omitted
    (re.compile(r"(?<=\S) {2,}(?=\S)"), " "),
)


def _tidy(text: str) -> str:
    """Punctuation and spacing left behind by omitted segments."""
    for pattern, repl in _TIDY:
        text = pattern.sub(repl, text)
    return text


def _item_label(value: Any) -> str:
    if isinstance(value, LibraryCopy):
        where = value.path or value.name or value.source
        return f"{value.version or 'unknown version'} ({where})" if where else str(value.version)
    if isinstance(value, GpuDevice):
        return _device_label(value)
    return str(value)
