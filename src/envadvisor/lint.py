"""The file lints of ``envadvisor check``: what is wrong with an environment.yml on any machine.

Codes EA940-EA989, documented in ``data/lint.yaml`` (EA990-EA999: the few questions only conda
packaging raises, in :mod:`envadvisor.check`): legacy channels and packages, MatchSpec pitfalls,
pip/conda mixing, two pip blocks, two CUDA runtimes that disagree, unknown keys. The specs are parsed
here once (:func:`decode`); what they install is :mod:`envadvisor.resolve`'s question, and a lint that
names a version in its fix takes it from that resolution.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from envadvisor.envfile import Entry, EnvFile
from envadvisor.errors import DataFileError
from envadvisor.model import Category, Finding, Severity, canonical_name

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from envadvisor.knowledge.tables import Tables
    from envadvisor.resolve import Installed
    from envadvisor.target import Target

LINT_FILE = "lint.yaml"
# Codes retired when the diagnose rules took over judging what a file installs (EA010, EA001, EA020 and
# EA021, EA040, EA043, EA102 say it now); never reused.
RETIRED_CODES = ("EA990", "EA991", "EA992", "EA993", "EA997", "EA998")
_CODE_RE = re.compile(r"^EA9(?:4[0-8]|[5-9]\d)$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_DOC_FIELDS = ("summary", "message", "why")

# conda-forge packages that run-depend on conda pytorch (accelerate: conda-forge/accelerate-feedstock
# recipe; torchvision/torchaudio are built against pytorch).
CONDA_TORCH_DEPENDENTS = ("accelerate", "torchvision", "torchaudio")
TORCH_CONDA_NAMES = ("pytorch", "pytorch-gpu", "pytorch-cpu")
TF_NAMES = ("tensorflow", "tensorflow-gpu", "tensorflow-cpu", "tensorflow-base")
LEGACY_DEFAULT_CHANNELS = ("defaults", "anaconda", "main", "r", "msys2")
_ANACONDA_URL_RE = re.compile(r"^https?://repo\.anaconda\.com/pkgs/", re.IGNORECASE)
_EXPORT_BUILD_RE = re.compile(r"^[A-Za-z0-9_]*?h[0-9a-f]{7}(?:_\d+)?$")
_LOCAL_TAG_RE = re.compile(r"\+(cu\d+|cpu|rocm[\d.]+)\b", re.IGNORECASE)
VARIANT_URL_RE = re.compile(
    r"download\.pytorch\.org/whl/(?:nightly/)?(cu\d{2,3}|cpu|rocm[\d.]+)", re.IGNORECASE
)


# --------------------------------------------------------------------------------------------------
# The catalogue (data/lint.yaml)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LintDoc:
    code: str
    name: str
    severity: Severity
    category: Category
    summary: str
    message: str
    why: str
    fix: tuple[str, ...]
    references: tuple[str, ...]
    terms: tuple[str, ...]
    zh: Mapping[str, Any] = field(default_factory=dict)

    def doc(self, lang: str = "en") -> dict[str, Any]:
        from envadvisor.knowledge import documentation

        return documentation(self, lang)


@cache
def catalogue() -> Mapping[str, LintDoc]:
    """The lint documentation, validated once per process (a broken entry names file, code and field)."""
    from envadvisor.resources import data_dir, load_yaml_text

    path = data_dir() / LINT_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(str(path), f"cannot read: {exc.strerror or exc}") from None
    return parse_catalogue(load_yaml_text(text, path=str(path)), str(path))


def parse_catalogue(doc: object, path: str) -> Mapping[str, LintDoc]:
    if not isinstance(doc, Mapping) or not isinstance(doc.get("lints"), list):
        raise DataFileError(path, "expected a mapping with a 'lints' list")
    out: dict[str, LintDoc] = {}
    names: set[str] = set()
    for i, raw in enumerate(doc["lints"]):
        label = str(raw.get("code") if isinstance(raw, Mapping) else f"#{i + 1}")

        def fail(fld: str, msg: str, label: str = label) -> DataFileError:
            return DataFileError(path, msg, entry=label, field=fld)

        if not isinstance(raw, Mapping):
            raise fail("-", "expected a mapping")
        code = str(raw.get("code") or "")
        if not _CODE_RE.match(code):
            raise fail("code", f"'{code}' is not in the lint ranges EA940-EA948, EA950-EA999")
        if code in out:
            raise fail("code", "duplicate code")
        name = str(raw.get("name") or "")
        if not _NAME_RE.match(name) or name in names:
            raise fail("name", f"'{name}' is not a unique kebab-case name")
        names.add(name)
        try:
            severity = Severity(str(raw.get("severity")))
            category = Category(str(raw.get("category")))
        except ValueError as exc:
            raise fail("severity/category", str(exc)) from None
        texts = {}
        for fld in _DOC_FIELDS:
            value = raw.get(fld)
            if not isinstance(value, str) or not value.strip():
                raise fail(fld, "missing or empty")
            texts[fld] = value.strip()
        lists = {}
        for fld in ("fix", "references", "terms"):
            value = raw.get(fld)
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
                raise fail(fld, "expected a non-empty list of text")
            lists[fld] = tuple(value)
        if not all(r.startswith("https://") for r in lists["references"]):
            raise fail("references", "every reference must be an https URL")
        zh = raw.get("zh") or {}
        if not isinstance(zh, Mapping) or not {"summary", "message", "why", "fix"} <= set(zh):
            raise fail("zh", "expected the Chinese summary, message, why and fix")
        out[code] = LintDoc(
            code,
            name,
            severity,
            category,
            texts["summary"],
            texts["message"],
            texts["why"],
            lists["fix"],
            lists["references"],
            lists["terms"],
            dict(zh),
        )
    return out


def finding(code: str, lang: str, evidence: Mapping[str, Any], severity: Severity | None = None) -> Finding:
    """The finding of lint ``code`` with its texts filled from ``evidence``, as rule texts are: a value
    the evidence lacks reads as its general words (data/placeholders.yaml), an optional ``[[...]]``
    segment around it is left out, and a fix line that needs it is dropped (never a "?" to paste)."""
    from envadvisor.conditions import fill_template

    doc = catalogue()[code]
    zh = doc.zh if lang == "zh" else {}

    def value(key: str) -> str | None:
        found = evidence.get(key)
        return None if found is None or found == "" else str(found)

    def text(template: str) -> str:
        return fill_template(template, value, lang) or template

    fix_lines = (fill_template(str(f), value, lang, drop_when_unknown=True) for f in zh.get("fix", doc.fix))
    return Finding(
        code=doc.code,
        name=doc.name,
        severity=severity or doc.severity,
        category=doc.category,
        message=text(str(zh.get("message", doc.message))),
        why=text(str(zh.get("why", doc.why))),
        fix=tuple(line for line in fix_lines if line is not None),
        references=doc.references,
        terms=doc.terms,
        evidence=dict(evidence),
    )


# --------------------------------------------------------------------------------------------------
# conda MatchSpec strings and pip lines
# --------------------------------------------------------------------------------------------------


class SpecError(ValueError):
    """A dependency string conda (or pip) cannot parse; the message says why."""


@dataclass(frozen=True, slots=True)
class CondaSpec:
    text: str
    name: str
    version: str | None = None  # the version part as written ("3.12", ">=1.2,<2", "2.5.*")
    build: str | None = None
    channel: str | None = None
    exact_with_build: bool = False  # name=2.5=build: conda reads 2.5 as ==2.5
    bare_words: bool = False  # "my pkg": lenient parsers read the second word as a version

    @property
    def key(self) -> str:
        return canonical_name(self.name)


_CONDA_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_CONSTRAINT_RE = re.compile(r"^(==|!=|<=|>=|<|>|~=|=)?\s*[0-9A-Za-z_.*+!]+$")


def parse_conda_spec(text: str) -> CondaSpec:
    """Parse a MatchSpec string the way conda's lenient parser does; :class:`SpecError` when it cannot."""
    raw = text.split("#", 1)[0].strip()
    if not raw:
        raise SpecError("missing package name")
    if raw.startswith("-"):
        raise SpecError("a pip option, not a package")
    channel = None
    if "::" in raw:
        parts = raw.split("::")
        if len(parts) > 2:
            raise SpecError("more than one '::'")
        channel, raw = parts[0].strip(), parts[1].strip()
    bracket = None
    if "[" in raw or "]" in raw:
        m = re.fullmatch(r"([^\[\]]*)\[([^\[\]]*)\]", raw)
        if not m:
            raise SpecError("invalid bracket")
        raw, bracket = m.group(1).strip(), m.group(2)
        pairs = [p.strip() for p in bracket.split(",") if p.strip()]
        if not pairs or not all(re.fullmatch(r"[a-z_]+\s*=\s*['\"]?[^'\"]*['\"]?", p) for p in pairs):
            raise SpecError(f"invalid bracket '[{bracket}]' (pip extras are not conda syntax)")
    m = _CONDA_NAME_RE.match(raw)
    if not m:
        raise SpecError("missing package name")
    name = m.group(0)
    rest = raw[len(name) :].strip()
    if rest.startswith("@") or "+" in name:
        raise SpecError("not a conda package name")
    version: str | None = None
    build: str | None = None
    exact_with_build = False
    bare = False
    if not rest:
        pass
    elif rest.startswith("=") and not rest.startswith("=="):
        parts = rest[1:].split("=")
        if len(parts) > 2:
            raise SpecError(f"unable to parse version spec '{rest}'")
        version = parts[0].strip()
        build = (parts[1].strip() or None) if len(parts) == 2 else None
        if not version or not _CONSTRAINT_RE.match(version) or any(c in version for c in "<>!~"):
            raise SpecError(f"unable to parse version spec '{rest}'")
        if build is not None:
            # a wildcard build ("cuda*") says "any such build", so "2.5" was meant as 2.5.*; a concrete
            # build (an export's h1234abc_0) pins one exact package on purpose
            exact_with_build = not version.endswith("*") and "*" in build
    elif rest[0] in "<>!=~":
        # conda reads "python >= 3.8" and ">=3.8, <3.11" as ">=3.8" and ">=3.8,<3.11" (bounded: linear)
        rest = re.sub(r"(==|!=|<=|>=|~=|<|>)\s{1,64}", r"\1", ",".join(p.strip() for p in rest.split(",")))
        # "VERSION BUILD": the last word is the build when it looks like one (split in code: a lazy
        # pattern before an optional group backtracks quadratically on a long line)
        words = rest.rsplit(None, 1)
        if len(words) == 2 and not rest[-1].isspace() and re.fullmatch(r"[A-Za-z0-9_*.]{1,256}", words[1]):
            version, build = words[0].strip(), words[1]
        else:
            version, build = rest.strip(), None
        for piece in re.split(r"[,|]", version):
            if not _CONSTRAINT_RE.match(piece.strip()):
                raise SpecError(f"unable to parse version spec '{version}'")
    else:
        tokens = rest.split()
        if len(tokens) > 2:
            raise SpecError(f"unable to parse '{rest}'")
        version = tokens[0]
        build = tokens[1] if len(tokens) == 2 else None
        if not _CONSTRAINT_RE.match(version):
            raise SpecError(f"unable to parse version spec '{version}'")
        bare = not re.search(r"\d", version) and version != "*"
    if bracket:
        for pair in bracket.split(","):
            key, _, value = pair.partition("=")
            value = value.strip().strip("'\"")
            if key.strip() == "version":
                version = value
            elif key.strip() == "build":
                build = value
    return CondaSpec(
        text=text,
        name=name,
        version=version,
        build=build,
        channel=channel,
        exact_with_build=exact_with_build,
        bare_words=bare,
    )


@dataclass(frozen=True, slots=True)
class PipLine:
    text: str
    kind: str  # option | requirement | reference
    option: str | None = None
    value: str | None = None
    requirement: Requirement | None = None

    @property
    def key(self) -> str | None:
        return canonical_name(self.requirement.name) if self.requirement is not None else None


def parse_pip_line(text: str) -> PipLine:
    """A pip requirements-file line; :class:`SpecError` when pip would reject it."""
    from packaging.requirements import InvalidRequirement, Requirement

    line = re.split(r"\s#", text, maxsplit=1)[0].strip()  # one character: "\s+#" backtracks on long blanks
    if line.startswith("-"):
        opt, _, value = (
            line.partition("=")
            if line.startswith("--") and "=" in line.split()[0]
            else (
                line.split(maxsplit=1)[0],
                "",
                line.split(maxsplit=1)[1] if len(line.split(maxsplit=1)) > 1 else "",
            )
        )
        return PipLine(text, "option", opt.strip(), value.strip() or None)
    if re.match(r"^(?:git\+|hg\+|svn\+|bzr\+|https?://|file:|\.{1,2}[/\\]|/|~)", line) or line.endswith(
        (".whl", ".tar.gz", ".zip")
    ):
        return PipLine(text, "reference")
    if re.match(r"^[\w.-]+[/\\]", line) and " @ " not in line:
        # pip reads a name with a path separator as a local project path (pip's _looks_like_path)
        return PipLine(text, "reference")
    try:
        req = Requirement(line)
    except InvalidRequirement as exc:
        raise SpecError(str(exc).splitlines()[0]) from None
    # some packaging releases (26.2 here) accept "torch===" (an operator without a version); pip does not
    empty = next((spec.operator for spec in req.specifier if not spec.version.strip()), None)
    if empty is not None:
        raise SpecError(f"'{empty}' without a version")
    return PipLine(text, "requirement", requirement=req)


# --------------------------------------------------------------------------------------------------
# The parsed file, with specs decoded once
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Conda:
    entry: Entry
    spec: CondaSpec | None
    error: str | None


@dataclass(frozen=True, slots=True)
class _Pip:
    entry: Entry
    line: PipLine | None
    error: str | None


@dataclass
class Decoded:
    env: EnvFile
    conda: list[_Conda]
    pip: list[_Pip]  # the pip lines conda installs (the last block)
    pip_all: list[_Pip]  # every pip line written, for the lints

    def conda_named(self, *names: str) -> list[_Conda]:
        wanted = {canonical_name(n) for n in names}
        return [c for c in self.conda if c.spec is not None and c.spec.key in wanted]

    def pip_named(self, *names: str, written: bool = False) -> list[_Pip]:
        wanted = {canonical_name(n) for n in names}
        return [
            p for p in (self.pip_all if written else self.pip) if p.line is not None and p.line.key in wanted
        ]

    def pip_options(self, *options: str, written: bool = False) -> list[_Pip]:
        return [
            p
            for p in (self.pip_all if written else self.pip)
            if p.line is not None and p.line.kind == "option" and p.line.option in options
        ]

    @property
    def channel_names(self) -> list[str]:
        return [c.text.rstrip("/").lower() for c in self.env.channels]


def decode(env: EnvFile) -> Decoded:
    conda = []
    for e in env.conda:
        try:
            conda.append(_Conda(e, parse_conda_spec(e.text), None))
        except SpecError as exc:
            conda.append(_Conda(e, None, str(exc)))
    pip_all = []
    for block in env.pip_blocks:
        for e in block.entries:
            try:
                pip_all.append(_Pip(e, parse_pip_line(e.text), None))
            except SpecError as exc:
                pip_all.append(_Pip(e, None, str(exc)))
    effective = {id(e) for e in env.pip}
    return Decoded(env, conda, [p for p in pip_all if id(p.entry) in effective], pip_all)


# --------------------------------------------------------------------------------------------------
# File lints
# --------------------------------------------------------------------------------------------------


def lint(env: EnvFile, *, lang: str = "en", tables: Tables | None = None) -> tuple[Finding, ...]:
    """The file lints: what is wrong with the file on any machine (with the tables, what the file pins
    is resolved first, for the target-free lints that name versions)."""
    d = decode(env)
    installed = None
    if tables is not None:
        from envadvisor.model import Facts
        from envadvisor.resolve import resolve

        installed = resolve(d, Facts(), tables)
    return tuple(_sorted(lint_decoded(d, lang, tables, installed=installed)))


def lint_decoded(
    d: Decoded,
    lang: str,
    tables: Tables | None,
    *,
    installed: Installed | None = None,
    target: Target | None = None,
) -> Iterable[Finding]:
    """The file lints of a decoded file; with what it installs (and on which target), a fix names the
    versions to write instead of a stand-in."""
    ctx = _LintContext(tables, installed, target)
    yield from _lint(d, lang, ctx)
    yield from _lint_runtimes(d, lang, ctx)
    yield from _lint_tensorflow_gpu(d, lang, ctx)
    yield from _lint_frameworks(d, lang, ctx)


def _lint(d: Decoded, lang: str, ctx: _LintContext) -> Iterable[Finding]:
    env = d.env
    for e in env.unknown_keys:
        yield finding("EA951", lang, {"line": e.line, "key": e.text})
    for e in env.lock_keys:
        yield finding("EA952", lang, {"line": e.line, "key": e.text})
    for e in env.duplicate_keys:
        yield finding("EA953", lang, {"line": e.line, "key": e.text})
    if env.name is not None:
        problem = None
        if any(ch in env.name for ch in "/ :#"):
            problem = "contains '/', a space, ':' or '#'"
        elif env.name.strip().lower() in ("base", "root"):
            problem = "is the base environment's name"
        elif not env.name.strip():
            problem = "is empty"
        if problem:
            yield finding("EA954", lang, {"line": env.name_line, "env_name": env.name, "problem": problem})
    yield from _lint_channels(d, lang, ctx)
    yield from _lint_conda_specs(d, lang, ctx)
    yield from _lint_pip(d, lang, ctx)
    yield from _lint_mixing(d, lang)


def _lint_channels(d: Decoded, lang: str, ctx: _LintContext) -> Iterable[Finding]:
    tables = ctx.tables
    names = d.channel_names
    has_forge = any(n in ("conda-forge",) or n.endswith("/conda-forge") for n in names)
    for e in d.env.channels:
        n = e.text.rstrip("/").lower()
        if has_forge and (n in LEGACY_DEFAULT_CHANNELS or _ANACONDA_URL_RE.match(n)):
            yield finding("EA955", lang, {"line": e.line, "channel": e.text})
        if has_forge and (n == "nvidia" or n.endswith("/nvidia")):
            yield finding("EA961", lang, {"line": e.line, "channel": e.text, **_cuda_pin_words(ctx)})
    if has_forge and "nodefaults" not in names:
        yield finding("EA956", lang, {"line": d.env.channels[0].line if d.env.channels else None})
    torch_version = _pinned_torch_line(d)
    legacy_ok = (
        torch_version is not None
        and tables is not None
        and _version_le(torch_version, tables.torch_pytorch_channel_last)
    )
    last = tables.torch_pytorch_channel_last if tables is not None else "2.5"
    uses_channel = [
        e
        for e in d.env.channels
        if e.text.rstrip("/").lower() in ("pytorch", "pytorch-nightly")
        or e.text.rstrip("/").lower().endswith("/pytorch")
    ]
    uses_channel += [
        c.entry for c in d.conda if c.spec is not None and (c.spec.channel or "").lower() == "pytorch"
    ]
    for e in uses_channel:
        detail = f"; the file pins torch {torch_version}" if legacy_ok else f"; it has nothing after {last}"
        yield finding(
            "EA957",
            lang,
            {"line": e.line, "channel": e.text, "detail": detail},
            severity=Severity.WARNING if legacy_ok else None,
        )


def _lint_conda_specs(d: Decoded, lang: str, ctx: _LintContext) -> Iterable[Finding]:
    pytorch_channel = any(n in ("pytorch",) for n in d.channel_names)
    exported = []
    for c in d.conda:
        line = c.entry.line
        text = c.entry.text
        if c.spec is None:
            problem = c.error or "cannot parse"
            if text.lstrip().startswith("-") or "invalid bracket" in problem:
                kind = "a pip option" if text.lstrip().startswith("-") else "pip extras in brackets"
                yield finding("EA965", lang, {"line": line, "spec": text, "problem": kind})
            else:
                yield finding("EA964", lang, {"line": line, "spec": text, "problem": problem})
            continue
        s = c.spec
        if s.version and _LOCAL_TAG_RE.search(s.version):
            yield finding("EA965", lang, {"line": line, "spec": text, "problem": "a +local version tag"})
        if (
            s.version
            and s.version.startswith("==")
            and re.fullmatch(r"==\s*\d+(\.\d+)?", s.version)
            and not s.build
            and _has_patch_releases(ctx, s.key, s.version.lstrip("= "))
        ):
            yield finding(
                "EA962", lang, {"line": line, "spec": text, "name": s.name, "version": s.version.lstrip("= ")}
            )
        if s.exact_with_build and s.version and len(s.version.split(".")) <= 2:
            yield finding(
                "EA963",
                lang,
                {"line": line, "spec": text, "name": s.name, "version": s.version, "build": s.build},
            )
        if s.bare_words:
            yield finding("EA966", lang, {"line": line, "spec": text, "name": s.name, "version": s.version})
        if s.key == "pytorch-cuda":
            detail = (
                "; kept only because the pytorch channel is listed"
                if pytorch_channel
                else "; without '-c pytorch -c nvidia' it cannot be found"
            )
            yield finding(
                "EA958",
                lang,
                {
                    "line": line,
                    "spec": text,
                    "detail": detail,
                    **_cuda_pin_words(ctx, _conda_line(s.version)),
                },
                severity=Severity.WARNING if pytorch_channel else None,
            )
        if s.key in ("cpuonly", "pytorch-mutex"):
            yield finding("EA959", lang, {"line": line, "spec": text})
        if s.key == "cudatoolkit":
            major = _major(s.version)
            words = _cuda_pin_words(ctx, _conda_line(s.version))
            tf = ctx.installed.get("tensorflow") if ctx.installed is not None else None
            if (
                major is not None
                and major <= 11
                and tf is not None
                and ctx.tables is not None
                and ctx.tables.tf_native_windows_gpu(tf.version)
            ):
                pass  # the runtime TensorFlow <= 2.10's own recipe installs (conda-forge cudatoolkit/cudnn)
            elif major is not None and major <= 11:
                detail = (
                    f" (CUDA {s.version}: the runtime an old stack such as TensorFlow <= 2.10 on native "
                    "Windows was tested with; conda-forge carries cudatoolkit up to 11.8)"
                )
                yield finding(
                    "EA960",
                    lang,
                    {"line": line, "spec": text, "detail": detail, **words},
                    severity=Severity.INFO,
                )
            else:
                yield finding(
                    "EA960",
                    lang,
                    {"line": line, "spec": text, "detail": "; CUDA 12 and newer use cuda-version", **words},
                )
        if s.build and _EXPORT_BUILD_RE.match(s.build):
            exported.append(c)
    if len(exported) >= 3:
        first = exported[0]
        yield finding(
            "EA979", lang, {"count": len(exported), "spec": first.entry.text, "line": first.entry.line}
        )
    gpu = d.conda_named("pytorch-gpu")
    cpu = d.conda_named("pytorch-cpu")
    if gpu and cpu:
        yield finding("EA980", lang, {"gpu_line": gpu[0].entry.line, "cpu_line": cpu[0].entry.line})


def _lint_pip(d: Decoded, lang: str, ctx: _LintContext) -> Iterable[Finding]:
    env = d.env
    if len(env.pip_blocks) > 1:
        for block in env.pip_blocks[1:]:
            yield finding("EA967", lang, {"line": block.line, "count": len(block.entries)})
    for block in env.pip_blocks:
        if not block.entries:
            yield finding("EA969", lang, {"line": block.line})
    if env.pip_blocks and not d.conda_named("pip"):
        yield finding("EA968", lang, {"line": env.pip_blocks[0].line})
    for e in env.other_installers:
        yield finding("EA978", lang, {"line": e.line, "key": e.text})
    for p in d.pip_all:
        if p.line is None:
            yield finding("EA970", lang, {"line": p.entry.line, "spec": p.entry.text, "problem": p.error})
    for p in d.pip_options("--index-url", "-i", written=True):
        url = p.line.value if p.line and p.line.value else "--index-url"
        m = VARIANT_URL_RE.search(url)
        yield finding(
            "EA971",
            lang,
            {"line": p.entry.line, "url": url, **_torch_pin_words(ctx, m.group(1).lower() if m else None)},
        )
    variant_urls = [
        (p, VARIANT_URL_RE.search(p.line.value or ""))
        for p in d.pip_options("--extra-index-url", "--find-links", "-f", written=True)
        if p.line is not None
    ]
    for p in d.pip_named("torch", written=True):
        req = p.line.requirement if p.line else None
        if req is None:
            continue
        exact = [s for s in req.specifier if s.operator in ("==", "===") and "+" in s.version]
        for opt, m in variant_urls:
            if m and not exact:
                yield finding(
                    "EA972",
                    lang,
                    {
                        "line": p.entry.line,
                        "spec": p.entry.text,
                        "variant": m.group(1).lower(),
                        "url": opt.line.value if opt.line else "--extra-index-url",
                        **_torch_pin_words(ctx, m.group(1).lower()),
                    },
                )
                break


def _lint_mixing(d: Decoded, lang: str) -> Iterable[Finding]:
    pairs = [
        ("torch", TORCH_CONDA_NAMES, ("torch",)),
        ("TensorFlow", TF_NAMES, TF_NAMES),
        ("transformers", ("transformers",), ("transformers",)),
        ("jax", ("jax", "jaxlib"), ("jax", "jaxlib")),
    ]
    for framework, conda_names, pip_names in pairs:
        conda = d.conda_named(*conda_names)
        pip = d.pip_named(*pip_names, written=True)
        if conda and pip:
            yield finding(
                "EA973",
                lang,
                {
                    "framework": framework,
                    "conda_spec": conda[0].entry.text,
                    "conda_line": conda[0].entry.line,
                    "pip_spec": pip[0].entry.text,
                    "pip_line": pip[0].entry.line,
                },
            )
    pip_torch = d.pip_named("torch", written=True)
    if pip_torch:
        for c in d.conda_named(*CONDA_TORCH_DEPENDENTS):
            assert c.spec is not None
            yield finding(
                "EA974",
                lang,
                {
                    "line": c.entry.line,
                    "spec": c.entry.text,
                    "name": c.spec.name,
                    "pip_line": pip_torch[0].entry.line,
                },
            )


def _lint_frameworks(d: Decoded, lang: str, ctx: _LintContext) -> Iterable[Finding]:
    tf = d.pip_named(*TF_NAMES, written=True) + d.conda_named(*TF_NAMES)
    if not tf:
        return
    for t in d.pip_named("transformers", written=True):
        req = t.line.requirement if t.line else None
        if req is not None and _allows(req.specifier, "5.0"):
            yield finding("EA976", lang, {"line": t.entry.line, "spec": t.entry.text})
    for c in d.conda_named("transformers"):
        assert c.spec is not None
        if _conda_allows(c.spec.version, "5.0"):
            yield finding("EA976", lang, {"line": c.entry.line, "spec": c.entry.text})
    transformers = d.pip_named("transformers", written=True) + d.conda_named("transformers")
    if transformers and not (d.pip_named("tf-keras", written=True) or d.conda_named("tf-keras")):
        first = tf[0]
        resolved = ctx.installed.get("tensorflow") if ctx.installed is not None else None
        version = resolved.version if resolved is not None else None
        keras3 = ctx.tables.tf_uses_keras3(version) if ctx.tables is not None and version else None
        if keras3 or (keras3 is None and version is None):
            yield finding("EA977", lang, {"line": first.entry.line, "spec": first.entry.text})


# --------------------------------------------------------------------------------------------------
# Lints that name versions: CUDA runtimes that disagree, tensorflow-gpu by its real history
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _LintContext:
    tables: Tables | None
    installed: Installed | None
    target: Target | None


def _lint_runtimes(d: Decoded, lang: str, ctx: _LintContext) -> Iterable[Finding]:
    """Two lines that pin CUDA runtimes of different versions (EA940).

    conda-forge's ``cuda-version X.Y`` run-constrains ``cudatoolkit X.Y|X.Y.*``
    (conda-forge/cuda-version-feedstock recipe/meta.yaml @ ae97761), so a cudatoolkit of another line
    cannot be solved with it; ``pytorch-cuda`` brings the nvidia channel's runtime of its own line next
    to any cudatoolkit; a pip nvidia-*-cuNN wheel or a CUDA wheel index of another major loads a second
    runtime beside the conda one.
    """
    if ctx.installed is None:
        return
    pins = list(ctx.installed.runtimes)
    reported: set[tuple[int | None, int | None]] = set()
    for i, a in enumerate(pins):
        for b in pins[i + 1 :]:
            if a.line == b.line or not _runtimes_disagree(a.what, a.cuda, b.what, b.cuda):
                continue
            key = (a.line, b.line)
            if key in reported:
                continue
            reported.add(key)
            suggest = _framework_cuda(ctx) or max((a.cuda, b.cuda), key=_vkey)
            yield finding(
                "EA940",
                lang,
                {
                    "line": a.line,
                    "spec": a.spec,
                    "cuda": a.cuda,
                    "other_line": b.line,
                    "other_spec": b.spec,
                    "other_cuda": b.cuda,
                    "suggest": suggest,
                },
            )


def _runtimes_disagree(what_a: str, cuda_a: str, what_b: str, cuda_b: str) -> bool:
    def major(c: str) -> str:
        return c.split(".")[0]

    # cuda-version X.Y constrains cudatoolkit to X.Y exactly (the feedstock's run_constrained); any
    # other pair loads two runtimes, which works within one major (minor version compatibility)
    if {what_a, what_b} == {"cudatoolkit", "cuda-version"} and "." in cuda_a and "." in cuda_b:
        return _vkey(cuda_a)[:2] != _vkey(cuda_b)[:2]
    return major(cuda_a) != major(cuda_b)


def _framework_cuda(ctx: _LintContext) -> str | None:
    """The CUDA line the file's torch build is for (its +cuXYZ, index or pytorch-cuda), if any."""
    from envadvisor.knowledge.tables import variant_cuda

    if ctx.installed is None:
        return None
    torch = ctx.installed.get("torch")
    if torch is not None and torch.local:
        return variant_cuda(torch.local)
    pc = next((r for r in ctx.installed.runtimes if r.what == "pytorch-cuda"), None)
    return pc.cuda if pc is not None else None


def _lint_tensorflow_gpu(d: Decoded, lang: str, ctx: _LintContext) -> Iterable[Finding]:
    """tensorflow-gpu by its real history: up to 2.10 a real GPU package under a legacy name (and on
    native Windows the last GPU release), from 2.11 an empty stub that fails to install (EA975)."""
    for p in d.pip_named("tensorflow-gpu", written=True):
        req = p.line.requirement if p.line else None
        version = _newest_allowed(ctx, "tensorflow-gpu", req.specifier if req is not None else None)
        system = ctx.target.system if ctx.target is not None else None
        stub = ctx.tables.tf_gpu_package_stub if ctx.tables is not None else "2.12.0"
        if version is not None and _vkey(version) < _vkey(stub):
            if (
                system == "windows"
                and ctx.tables is not None
                and not ctx.tables.tf_native_windows_gpu(version)
            ):
                continue  # no Windows wheels: EA995 (GPU TensorFlow after 2.10 on native Windows) says it
            yield finding(
                "EA941",
                lang,
                {
                    "line": p.entry.line,
                    "spec": p.entry.text,
                    "version": version,
                    "instead": f"tensorflow=={version}"
                    if system != "windows"
                    else f"tensorflow<{_next_line(version)}",
                },
            )
            continue
        yield finding(
            "EA975",
            lang,
            {
                "line": p.entry.line,
                "spec": p.entry.text,
                "version": version or stub,
                "instead": _tf_instead(ctx),
            },
        )


def _has_patch_releases(ctx: _LintContext, name: str, line: str) -> bool:
    """Whether ``name`` is known to publish X.Y.Z releases of ``line`` (Python always does), so that
    ``==X.Y`` really misses them; a package the tables do not follow may be versioned X.Y."""
    if name == "python":
        return True
    if ctx.tables is None:
        return False
    from envadvisor.resolve import CONDA_PROJECTS

    project = CONDA_PROJECTS.get(name, name)
    return any(r.version.startswith(f"{line}.") for r in ctx.tables.releases(project))


def _cuda_pin_words(ctx: _LintContext, cuda: str | None = None) -> dict[str, str]:
    """``cuda_spec``/``cuda_spec_zh``: "'- cuda-version=12.4'" for a fix, from the file's own CUDA line
    (or the one its torch build needs); general words when the file names none."""
    cuda = cuda or _framework_cuda(ctx)
    if cuda is None and ctx.installed is not None:
        cuda = next((r.cuda for r in ctx.installed.runtimes if "." in r.cuda), None)
    if cuda is None:
        return {
            "cuda_spec": "the '- cuda-version' line of the CUDA the framework needs",
            "cuda_spec_zh": "框架所需 CUDA 的 '- cuda-version' 行",
        }
    return {"cuda_spec": f"'- cuda-version={cuda}'", "cuda_spec_zh": f"'- cuda-version={cuda}'"}


def _torch_pin_words(ctx: _LintContext, variant: str | None) -> dict[str, str]:
    """``torch_pin``: the exact local version to write (torch==2.5.1+cu124), from the release the
    file's torch spec resolves to; the words "torch's exact +local version" when it does not."""
    torch = ctx.installed.get("torch") if ctx.installed is not None else None
    if torch is None or variant is None:
        return {
            "torch_pin": "torch's exact version with its +local tag",
            "torch_pin_zh": "torch 带 +本地标签的精确版本",
        }
    pin = f"torch=={torch.version}+{variant}"
    return {"torch_pin": pin, "torch_pin_zh": pin}


def _newest_allowed(ctx: _LintContext, package: str, specifier: Any) -> str | None:
    if ctx.tables is None:
        return None
    for r in ctx.tables.releases(package):
        if r.yanked:
            continue
        if specifier is None or not str(specifier) or _allows(specifier, r.version):
            return str(r.version)
    return None


def _next_line(version: str) -> str:
    major, minor = (*_vkey(version), 0, 0)[:2]
    return f"{major}.{minor + 1}"


def _tf_instead(ctx: _LintContext) -> str:
    """What to write instead of the stub, for the target's OS."""
    system = ctx.target.system if ctx.target is not None else None
    if system == "windows" and ctx.tables is not None:
        last = ctx.tables.tf_windows_gpu_last
        return f"tensorflow<{_next_line(last)} with conda-forge cudatoolkit and cudnn"
    if system == "macos":
        return "tensorflow"
    return "tensorflow[and-cuda]"


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------


def _allows(specifier: Any, version: str) -> bool:
    from packaging.version import Version

    try:
        return not str(specifier) or bool(specifier.contains(Version(version)))
    except ValueError:  # a specifier's version int() refuses (4,300+ digits): cannot tell, no false alarm
        return False


def _conda_allows(version: str | None, probe: str) -> bool:
    if not version:
        return True
    spec = _conda_to_pep440(version)
    if spec is None:
        return False  # cannot tell: no false alarm
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    try:
        return bool(SpecifierSet(spec).contains(Version(probe)))
    except ValueError:  # InvalidSpecifier, or a number int() refuses
        return False


def _conda_to_pep440(version: str | None) -> str | None:
    """A conda version spec as a PEP 440 specifier for the simple forms; None otherwise."""
    if not version:
        return ""
    if "|" in version:
        return None
    out = []
    for piece in version.split(","):
        piece = piece.strip()
        m = re.fullmatch(r"(==|!=|<=|>=|<|>|~=)?\s*([0-9][0-9A-Za-z.*]*)", piece)
        if not m:
            return None
        op, ver = m.group(1), m.group(2)
        if op is None:
            op, ver = "==", ver if ver.endswith("*") else f"{ver}.*"
        out.append(f"{op}{ver}")
    return ",".join(out)


def _conda_line(version: str | None) -> str | None:
    if not version:
        return None
    m = re.fullmatch(r"(?:==?)?\s*(\d+\.\d+)(?:\.(\d+))?(?:\.\*|\*)?", version.strip())
    if not m:
        return None
    return f"{m.group(1)}.{m.group(2)}" if m.group(2) else m.group(1)


def _pinned_torch_line(d: Decoded) -> str | None:
    for c in d.conda_named("pytorch"):
        if c.spec is not None and c.spec.version:
            line = _conda_line(c.spec.version)
            if line:
                return line
    return None


def _major(version: str | None) -> int | None:
    m = re.match(r"\s{0,16}[=<>!~]{0,3}\s{0,16}(\d{1,6})", version or "")
    return int(m.group(1)) if m else None


def _vkey(v: str) -> tuple[int, ...]:
    from envadvisor.safetext import version_numbers

    return version_numbers(v)


def _version_le(a: str, b: str) -> bool:
    return _vkey(a)[:2] <= _vkey(b)[:2]


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    def line(f: Finding) -> int:
        value = f.evidence.get("line")
        return value if isinstance(value, int) else 0

    return sorted(findings, key=lambda f: (-f.severity.rank, f.code, line(f)))
