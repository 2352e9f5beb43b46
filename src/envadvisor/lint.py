"""``envadvisor check FILE``: lint an environment.yml and hold it against a target machine.

Two kinds of findings come out, both :class:`~envadvisor.model.Finding` values:

* **File lints** (codes EA950-EA989, documented in ``data/lint.yaml``): legacy channels and packages,
  MatchSpec pitfalls, pip/conda mixing, two pip blocks, unknown keys. They need no facts.
* **Target findings**: the file is *resolved* (what would ``conda env create`` install? the pinned or
  newest torch, its CUDA variant and GPU code, TensorFlow, Transformers, Python) into the facts of the
  target machine with that environment installed, and the diagnose rules engine runs over them, so the
  findings are the ones ``diagnose`` would report after creating the file (same codes, same categories).
  A few questions only a file can raise (a conda-forge CUDA 13 build on an old glibc, CUDA packages in a
  file for macOS, GPU TensorFlow on native Windows) have EA990-EA999 lints; they also stand in for a category
  the rules engine could not judge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from envadvisor.envfile import Entry, EnvFile
from envadvisor.errors import DataFileError
from envadvisor.model import Category, Finding, NotEvaluated, Severity, canonical_name

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from envadvisor.knowledge import Knowledge
    from envadvisor.knowledge.tables import Tables
    from envadvisor.model import Facts

LINT_FILE = "lint.yaml"
_CODE_RE = re.compile(r"^EA9[5-9]\d$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_DOC_FIELDS = ("summary", "message", "why")

_FILE_ONLY_CATEGORIES = frozenset({Category.ENV_FILE, Category.DUPLICATE_INSTALL})
# Target lints about conda packaging the rules engine cannot see (CUDA packages for macOS, the glibc a
# conda-forge CUDA 13 build needs, a CUDA line conda-forge does not build): always reported. The other
# EA99x lints stand in for a category only when the engine said nothing about it.
_FILE_ONLY_TARGET_LINTS = frozenset({"EA994", "EA996", "EA999"})

# Keys of the resolved facts that the file decides; an engine finding that rests on none of them is
# about the machine, not the file, and is left to `diagnose`.
FILE_FACT_PREFIXES = ("python.", "frameworks.", "packages.", "cudnn.", "conda.")

# conda-forge packages that run-depend on conda pytorch (accelerate: conda-forge/accelerate-feedstock
# recipe; torchvision/torchaudio are built against pytorch).
CONDA_TORCH_DEPENDENTS = ("accelerate", "torchvision", "torchaudio")
TORCH_CONDA_NAMES = ("pytorch", "pytorch-gpu", "pytorch-cpu")
TF_NAMES = ("tensorflow", "tensorflow-gpu", "tensorflow-cpu", "tensorflow-base")
LEGACY_DEFAULT_CHANNELS = ("defaults", "anaconda", "main", "r", "msys2")
_ANACONDA_URL_RE = re.compile(r"^https?://repo\.anaconda\.com/pkgs/", re.IGNORECASE)
_EXPORT_BUILD_RE = re.compile(r"^[A-Za-z0-9_]*?h[0-9a-f]{7}(?:_\d+)?$")
_LOCAL_TAG_RE = re.compile(r"\+(cu\d+|cpu|rocm[\d.]+)\b", re.IGNORECASE)
_VARIANT_URL_RE = re.compile(
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
            raise fail("code", f"'{code}' is not in the lint range EA950-EA999")
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


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _finding(code: str, lang: str, evidence: Mapping[str, Any], severity: Severity | None = None) -> Finding:
    doc = catalogue()[code]
    zh = doc.zh if lang == "zh" else {}
    values = _Blank({k: ("?" if v is None else v) for k, v in evidence.items()})
    return Finding(
        code=doc.code,
        name=doc.name,
        severity=severity or doc.severity,
        category=doc.category,
        message=str(zh.get("message", doc.message)).format_map(values),
        why=str(zh.get("why", doc.why)).format_map(values),
        fix=tuple(str(f).format_map(values) for f in zh.get("fix", doc.fix)),
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
class _Decoded:
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


def _decode(env: EnvFile) -> _Decoded:
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
    return _Decoded(env, conda, [p for p in pip_all if id(p.entry) in effective], pip_all)


# --------------------------------------------------------------------------------------------------
# File lints
# --------------------------------------------------------------------------------------------------


def lint(env: EnvFile, *, lang: str = "en", tables: Tables | None = None) -> tuple[Finding, ...]:
    """The file lints (EA950-EA989): what is wrong with the file on any machine."""
    return tuple(_sorted(_lint(_decode(env), lang, tables)))


def _lint(d: _Decoded, lang: str, tables: Tables | None) -> Iterable[Finding]:
    env = d.env
    for e in env.unknown_keys:
        yield _finding("EA951", lang, {"line": e.line, "key": e.text})
    for e in env.lock_keys:
        yield _finding("EA952", lang, {"line": e.line, "key": e.text})
    for e in env.duplicate_keys:
        yield _finding("EA953", lang, {"line": e.line, "key": e.text})
    if env.name is not None:
        problem = None
        if any(ch in env.name for ch in "/ :#"):
            problem = "contains '/', a space, ':' or '#'"
        elif env.name.strip().lower() in ("base", "root"):
            problem = "is the base environment's name"
        elif not env.name.strip():
            problem = "is empty"
        if problem:
            yield _finding("EA954", lang, {"line": env.name_line, "env_name": env.name, "problem": problem})
    yield from _lint_channels(d, lang, tables)
    yield from _lint_conda_specs(d, lang)
    yield from _lint_pip(d, lang)
    yield from _lint_mixing(d, lang)
    yield from _lint_frameworks(d, lang, tables)


def _lint_channels(d: _Decoded, lang: str, tables: Tables | None) -> Iterable[Finding]:
    names = d.channel_names
    has_forge = any(n in ("conda-forge",) or n.endswith("/conda-forge") for n in names)
    for e in d.env.channels:
        n = e.text.rstrip("/").lower()
        if has_forge and (n in LEGACY_DEFAULT_CHANNELS or _ANACONDA_URL_RE.match(n)):
            yield _finding("EA955", lang, {"line": e.line, "channel": e.text})
        if has_forge and (n == "nvidia" or n.endswith("/nvidia")):
            yield _finding("EA961", lang, {"line": e.line, "channel": e.text})
    if has_forge and "nodefaults" not in names:
        yield _finding("EA956", lang, {"line": d.env.channels[0].line if d.env.channels else None})
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
        yield _finding(
            "EA957",
            lang,
            {"line": e.line, "channel": e.text, "detail": detail},
            severity=Severity.WARNING if legacy_ok else None,
        )


def _lint_conda_specs(d: _Decoded, lang: str) -> Iterable[Finding]:
    pytorch_channel = any(n in ("pytorch",) for n in d.channel_names)
    exported = []
    for c in d.conda:
        line = c.entry.line
        text = c.entry.text
        if c.spec is None:
            problem = c.error or "cannot parse"
            if text.lstrip().startswith("-") or "invalid bracket" in problem:
                kind = "a pip option" if text.lstrip().startswith("-") else "pip extras in brackets"
                yield _finding("EA965", lang, {"line": line, "spec": text, "problem": kind})
            else:
                yield _finding("EA964", lang, {"line": line, "spec": text, "problem": problem})
            continue
        s = c.spec
        if s.version and _LOCAL_TAG_RE.search(s.version):
            yield _finding("EA965", lang, {"line": line, "spec": text, "problem": "a +local version tag"})
        if (
            s.version
            and s.version.startswith("==")
            and re.fullmatch(r"==\s*\d+(\.\d+)?", s.version)
            and not s.build
        ):
            yield _finding(
                "EA962", lang, {"line": line, "spec": text, "name": s.name, "version": s.version.lstrip("= ")}
            )
        if s.exact_with_build and s.version and len(s.version.split(".")) <= 2:
            yield _finding(
                "EA963",
                lang,
                {"line": line, "spec": text, "name": s.name, "version": s.version, "build": s.build},
            )
        if s.bare_words:
            yield _finding("EA966", lang, {"line": line, "spec": text, "name": s.name, "version": s.version})
        if s.key == "pytorch-cuda":
            detail = (
                "; kept only because the pytorch channel is listed"
                if pytorch_channel
                else "; without '-c pytorch -c nvidia' it cannot be found"
            )
            yield _finding(
                "EA958",
                lang,
                {"line": line, "spec": text, "detail": detail},
                severity=Severity.WARNING if pytorch_channel else None,
            )
        if s.key in ("cpuonly", "pytorch-mutex"):
            yield _finding("EA959", lang, {"line": line, "spec": text})
        if s.key == "cudatoolkit":
            major = _major(s.version)
            if major is not None and major <= 11:
                detail = (
                    f" (CUDA {s.version}: fine for a stack that needs CUDA 11, such as TensorFlow <= 2.10 "
                    "on Windows)"
                )
                yield _finding(
                    "EA960", lang, {"line": line, "spec": text, "detail": detail}, severity=Severity.INFO
                )
            else:
                yield _finding(
                    "EA960",
                    lang,
                    {"line": line, "spec": text, "detail": "; CUDA 12 and newer use cuda-version"},
                )
        if s.build and _EXPORT_BUILD_RE.match(s.build):
            exported.append(c)
    if len(exported) >= 3:
        first = exported[0]
        yield _finding(
            "EA979", lang, {"count": len(exported), "spec": first.entry.text, "line": first.entry.line}
        )
    gpu = d.conda_named("pytorch-gpu")
    cpu = d.conda_named("pytorch-cpu")
    if gpu and cpu:
        yield _finding("EA980", lang, {"gpu_line": gpu[0].entry.line, "cpu_line": cpu[0].entry.line})


def _lint_pip(d: _Decoded, lang: str) -> Iterable[Finding]:
    env = d.env
    if len(env.pip_blocks) > 1:
        for block in env.pip_blocks[1:]:
            yield _finding("EA967", lang, {"line": block.line, "count": len(block.entries)})
    for block in env.pip_blocks:
        if not block.entries:
            yield _finding("EA969", lang, {"line": block.line})
    if env.pip_blocks and not d.conda_named("pip"):
        yield _finding("EA968", lang, {"line": env.pip_blocks[0].line})
    for e in env.other_installers:
        yield _finding("EA978", lang, {"line": e.line, "key": e.text})
    for p in d.pip_all:
        if p.line is None:
            yield _finding("EA970", lang, {"line": p.entry.line, "spec": p.entry.text, "problem": p.error})
    for p in d.pip_options("--index-url", "-i", written=True):
        yield _finding("EA971", lang, {"line": p.entry.line, "url": p.line.value if p.line else "?"})
    variant_urls = [
        (p, _VARIANT_URL_RE.search(p.line.value or ""))
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
                yield _finding(
                    "EA972",
                    lang,
                    {
                        "line": p.entry.line,
                        "spec": p.entry.text,
                        "variant": m.group(1).lower(),
                        "url": opt.line.value if opt.line else "?",
                    },
                )
                break
    for p in d.pip_named("tensorflow-gpu", written=True):
        yield _finding("EA975", lang, {"line": p.entry.line, "spec": p.entry.text})


def _lint_mixing(d: _Decoded, lang: str) -> Iterable[Finding]:
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
            yield _finding(
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
            yield _finding(
                "EA974",
                lang,
                {
                    "line": c.entry.line,
                    "spec": c.entry.text,
                    "name": c.spec.name,
                    "pip_line": pip_torch[0].entry.line,
                },
            )


def _lint_frameworks(d: _Decoded, lang: str, tables: Tables | None) -> Iterable[Finding]:
    tf = d.pip_named(*TF_NAMES, written=True) + d.conda_named(*TF_NAMES)
    if not tf:
        return
    for t in d.pip_named("transformers", written=True):
        req = t.line.requirement if t.line else None
        if req is not None and _allows(req.specifier, "5.0"):
            yield _finding("EA976", lang, {"line": t.entry.line, "spec": t.entry.text})
    for c in d.conda_named("transformers"):
        assert c.spec is not None
        if _conda_allows(c.spec.version, "5.0"):
            yield _finding("EA976", lang, {"line": c.entry.line, "spec": c.entry.text})
    transformers = d.pip_named("transformers", written=True) + d.conda_named("transformers")
    if transformers and not (d.pip_named("tf-keras", written=True) or d.conda_named("tf-keras")):
        first = tf[0]
        version = _tf_version_of(first, tables)
        keras3 = tables.tf_uses_keras3(version) if tables is not None and version else None
        if keras3 or (keras3 is None and version is None):
            yield _finding("EA977", lang, {"line": first.entry.line, "spec": first.entry.text})


# --------------------------------------------------------------------------------------------------
# Resolution: what the file installs on the target
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolution:
    """What ``conda env create`` would most likely install from the file on the target (None: unknown)."""

    python: str | None = None
    torch_source: str | None = None  # conda-forge | pytorch-channel | pip
    torch_version: str | None = None
    torch_variant: str | None = None  # cu126 / cpu / mps
    torch_cuda: str | None = None
    torch_arch_list: tuple[str, ...] = ()
    torch_cudnn: str | None = None
    tensorflow_version: str | None = None
    tensorflow_cuda_build: bool | None = None
    tensorflow_and_cuda: bool = False
    tensorflow_cuda: str | None = None
    tensorflow_cudnn: str | None = None
    transformers_version: str | None = None
    tf_keras_version: str | None = None
    jax_cuda: str | None = None
    conda_cuda: str | None = None  # cuda-version / pytorch-cuda / cudatoolkit pin
    conda_cuda_from: str | None = None
    glibc_needed: str | None = None
    notes: tuple[str, ...] = ()


def resolve(env: EnvFile, facts: Facts, tables: Tables) -> Resolution:
    return _resolve(_decode(env), facts, tables)


def _resolve(d: _Decoded, facts: Facts, tables: Tables) -> Resolution:
    from envadvisor.knowledge.tables import variant_cuda
    from envadvisor.propose.fit import target_from_facts

    target = target_from_facts(facts, tables)
    notes: list[str] = []
    out: dict[str, Any] = {}
    py = d.conda_named("python")
    if py and py[0].spec is not None and py[0].spec.version:
        m = re.fullmatch(r"(?:==?)?\s*(\d+\.\d+)(?:\.\d+)?\.?\*?", py[0].spec.version.strip())
        out["python"] = m.group(1) if m else None
    # conda CUDA pins
    cv = d.conda_named("cuda-version")
    pc = d.conda_named("pytorch-cuda")
    ct = d.conda_named("cudatoolkit")
    for entries in (cv, pc, ct):
        if entries and entries[0].spec is not None and entries[0].spec.version:
            m = re.search(r"(\d+)(?:\.(\d+))?", entries[0].spec.version)
            if m:
                out["conda_cuda"] = m.group(0)
                out["conda_cuda_from"] = entries[0].entry.text
                break
    # torch
    conda_torch = d.conda_named(*TORCH_CONDA_NAMES)
    pip_torch = d.pip_named("torch")
    if pip_torch:
        _resolve_pip_torch(d, pip_torch[0], target, tables, out)
    elif conda_torch:
        _resolve_conda_torch(d, conda_torch, target, tables, out, notes)
    if out.get("torch_variant") and not out.get("torch_cuda"):
        out["torch_cuda"] = variant_cuda(out["torch_variant"])
    # TensorFlow
    tf_pip = d.pip_named(*TF_NAMES)
    tf_conda = d.conda_named(*TF_NAMES)
    if tf_pip or tf_conda:
        first: Any = tf_pip[0] if tf_pip else tf_conda[0]
        version = _tf_version_of(first, tables) or tables.newest_tensorflow
        out["tensorflow_version"] = version
        extras = (
            set(first.line.requirement.extras) if tf_pip and first.line and first.line.requirement else set()
        )
        and_cuda = "and-cuda" in extras
        out["tensorflow_and_cuda"] = and_cuda
        if target.system == "windows":
            out["tensorflow_cuda_build"] = bool(tables.tf_native_windows_gpu(version)) and bool(ct)
        elif target.system == "linux":
            conda_spec = tf_conda[0].spec if tf_conda else None
            conda_gpu = conda_spec is not None and (
                conda_spec.key == "tensorflow-gpu" or (conda_spec.build or "").startswith("cuda")
            )
            out["tensorflow_cuda_build"] = and_cuda or conda_gpu
        else:
            out["tensorflow_cuda_build"] = False
        if out["tensorflow_cuda_build"]:
            pins = tables.tf_and_cuda_pins(version) if and_cuda else None
            cfg = tables.tf_tested_config(version, target.system)
            out["tensorflow_cuda"] = pins.cuda if pins else (cfg.cuda if cfg else None)
            out["tensorflow_cudnn"] = pins.cudnn if pins else (cfg.cudnn if cfg else None)
    # transformers / tf-keras
    tr_pip = d.pip_named("transformers")
    tr_conda = d.conda_named("transformers")
    if tr_pip or tr_conda:
        out["transformers_version"] = _transformers_version(tr_pip, tr_conda, tables)
    keras = d.pip_named("tf-keras")
    if keras and keras[0].line and keras[0].line.requirement is not None and out.get("tensorflow_version"):
        spec = keras[0].line.requirement.specifier
        out["tf_keras_version"] = (
            _pep440_pick(spec, [out["tensorflow_version"]]) if str(spec) else out["tensorflow_version"]
        )
    jax = d.pip_named("jax")
    if jax and jax[0].line and jax[0].line.requirement is not None:
        for extra in jax[0].line.requirement.extras:
            m = re.match(r"cuda(\d+)", extra)
            if m:
                out["jax_cuda"] = m.group(1)
    return Resolution(notes=tuple(notes), **out)


def _resolve_pip_torch(d: _Decoded, p: _Pip, target: Any, tables: Tables, out: dict[str, Any]) -> None:
    req = p.line.requirement if p.line else None
    if req is None:
        return
    out["torch_source"] = "pip"
    exact = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
    local = None
    if exact:
        version = exact[0]
        if "+" in version:
            version, local = version.split("+", 1)
        out["torch_version"] = version
    else:
        candidates = [f"{r.version}.0" for r in tables.torch_releases]
        out["torch_version"] = _pep440_pick(req.specifier, candidates)
    variant = local.lower() if local else None
    if variant is None:
        for opt in d.pip_options("--extra-index-url", "--index-url", "-i", "--find-links", "-f"):
            m = _VARIANT_URL_RE.search(opt.line.value or "") if opt.line else None
            if m:
                variant = m.group(1).lower()
                break
    if variant is None and out.get("torch_version"):
        release = tables.torch_release(out["torch_version"])
        if target.system == "macos":
            variant = "mps" if target.arch == "arm64" else "cpu"
        elif target.system == "linux" and target.arch == "x86_64" and release is not None:
            variant = release.pypi_default
    out["torch_variant"] = variant
    if variant and out.get("torch_version"):
        out["torch_cudnn"] = tables.torch_variant_cudnn(out["torch_version"], variant)


def _resolve_conda_torch(
    d: _Decoded, entries: list[_Conda], target: Any, tables: Tables, out: dict[str, Any], notes: list[str]
) -> None:
    from envadvisor.knowledge.tables import rows_of

    legacy = any((c.spec.channel or "").lower() == "pytorch" for c in entries if c.spec) or any(
        n == "pytorch" for n in d.channel_names
    )
    out["torch_source"] = "pytorch-channel" if legacy else "conda-forge"
    pinned = next(
        (
            _conda_line(c.spec.version)
            for c in entries
            if c.spec and c.spec.version and _conda_line(c.spec.version)
        ),
        None,
    )
    table = rows_of(tables, "conda_forge_pytorch")
    newest = str(table[0].get("newest")) if table and isinstance(table[0], Mapping) else None
    version = pinned or (tables.torch_pytorch_channel_last if legacy else newest)
    if version is None:
        return
    out["torch_version"] = version if version.count(".") >= 2 else f"{version}.0"
    names = {c.spec.key for c in entries if c.spec}
    builds = {(c.spec.build or "") for c in entries if c.spec}
    if target.system == "macos":
        out["torch_variant"] = "mps" if target.arch == "arm64" else "cpu"
        return
    if legacy:
        pc = d.conda_named("pytorch-cuda")
        if pc and pc[0].spec and pc[0].spec.version:
            m = re.search(r"(?<!\d)(\d{1,3})\.(\d{1,3})", pc[0].spec.version)
            out["torch_variant"] = f"cu{m.group(1)}{m.group(2)}" if m else None
        elif d.conda_named("cpuonly"):
            out["torch_variant"] = "cpu"
        return
    wants_cuda = "pytorch-gpu" in names or any(b.startswith("cuda") for b in builds)
    wants_cpu = "pytorch-cpu" in names or any(b.startswith("cpu") for b in builds)
    if wants_cpu and not wants_cuda:
        out["torch_variant"] = "cpu"
        return
    has_cuda_vp = bool(target.gpus) and (target.driver_cuda is not None)
    if not wants_cuda and not has_cuda_vp:
        out["torch_variant"] = (
            "cpu"  # the +200 CUDA build needs __cuda; without it the solver takes the CPU build
        )
        notes.append("no __cuda on the target: conda installs the CPU build of plain 'pytorch'")
        return
    branch = tables.conda_forge_pytorch_branch(out["torch_version"])
    subdir_cudas = list(branch.cuda.get(target.subdir, ())) if branch else []
    pin = out.get("conda_cuda")
    cuda = None
    if pin:
        same = [c for c in subdir_cudas if c == pin or c.split(".")[0] == pin]
        cuda = max(same, key=_vkey) if same else (pin if "." in pin else None)
    elif subdir_cudas:
        dmajor = _major(target.driver_cuda)
        fitting = [c for c in subdir_cudas if dmajor is None or (_major(c) or 99) <= dmajor]
        cuda = max(fitting or subdir_cudas, key=_vkey)
    if cuda is None:
        return
    out["torch_cuda"] = cuda
    out["torch_variant"] = "cu" + cuda.replace(".", "")
    arch = tables.conda_forge_arch_list(out["torch_version"], cuda, target.arch)
    if arch is not None:
        out["torch_arch_list"] = tuple(str(arch).split(", "))
    if target.system == "linux":
        out["glibc_needed"] = tables.conda_forge_glibc_min(cuda)


def _transformers_version(tr_pip: list[_Pip], tr_conda: list[_Conda], tables: Tables) -> str | None:
    lines = [t.version_from for t in tables.transformers_lines] + [tables.newest_transformers]
    if tr_pip and tr_pip[0].line and tr_pip[0].line.requirement is not None:
        return _pep440_pick(tr_pip[0].line.requirement.specifier, lines)
    if tr_conda and tr_conda[0].spec is not None:
        spec = _conda_to_pep440(tr_conda[0].spec.version)
        if spec is None:
            return None
        from packaging.specifiers import SpecifierSet

        try:
            return _pep440_pick(SpecifierSet(spec), lines)
        except ValueError:  # InvalidSpecifier, or a number int() refuses
            return None
    return None


def _tf_version_of(entry: Any, tables: Tables | None) -> str | None:
    """The TensorFlow line a pip/conda entry resolves to (newest allowed; None when unknown)."""
    if tables is None:
        return None
    from envadvisor.knowledge.tables import rows_of

    known = [
        str(r["version"])
        for r in rows_of(tables, "tf_tested_linux_gpu")
        if isinstance(r, Mapping) and r.get("version")
    ]
    if isinstance(entry, _Pip) and entry.line and entry.line.requirement is not None:
        return _pep440_pick(entry.line.requirement.specifier, known)
    if isinstance(entry, _Conda) and entry.spec is not None:
        if not entry.spec.version:
            return tables.newest_tensorflow
        return _conda_line(entry.spec.version)
    return None


def _pep440_pick(specifier: Any, candidates: Sequence[str]) -> str | None:
    """The newest candidate line the specifier allows (checked at X.Y.0 and, for ranges, X.Y.99)."""
    from packaging.version import Version

    best = None
    for c in candidates:
        for probe in (c if c.count(".") >= 2 else f"{c}.0", c if c.count(".") >= 2 else f"{c}.99"):
            try:
                if specifier.contains(Version(probe), prereleases=False):
                    if best is None or _vkey(c) > _vkey(best):
                        best = c
                    break
            except ValueError:  # InvalidVersion, or a version part int() refuses (4,300+ digits)
                continue
    return best


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


def _pinned_torch_line(d: _Decoded) -> str | None:
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


# --------------------------------------------------------------------------------------------------
# Holding the file against the target
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckResult:
    findings: tuple[Finding, ...]
    not_evaluated: tuple[NotEvaluated, ...]
    resolution: Resolution
    env_facts: Facts

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)


def facts_with_env(facts: Facts, res: Resolution, channels: Sequence[str]) -> Facts:
    """The target's facts with the file's environment installed in place of whatever was there."""
    from envadvisor.model import (
        CondaFacts,
        CudaToolkitFacts,
        Evidence,
        Frameworks,
        JaxBuild,
        LibraryFacts,
        Package,
        PythonFacts,
        TensorflowBuild,
        TorchBuild,
        replace,
    )

    packages: dict[str, Package] = {}
    reasons = {k: v for k, v in facts.reasons.items() if k.startswith(("os.", "gpu."))}
    torch = TorchBuild()
    if res.torch_version:
        local = f"+{res.torch_variant}" if res.torch_source == "pip" and res.torch_variant else ""
        torch = TorchBuild(
            version=f"{res.torch_version}{local}",
            cuda=res.torch_cuda,
            variant=res.torch_variant,
            cudnn=res.torch_cudnn,
            arch_list=res.torch_arch_list,
        )
        packages["torch"] = Package(
            version=res.torch_version,
            installer="pip" if res.torch_source == "pip" else "conda",
            source="pypi" if res.torch_source == "pip" else "conda",
        )
    tf = TensorflowBuild()
    if res.tensorflow_version:
        tf = TensorflowBuild(
            version=f"{res.tensorflow_version}.0",
            distribution="tensorflow",
            is_cuda_build=res.tensorflow_cuda_build,
            cuda=res.tensorflow_cuda,
            cudnn=res.tensorflow_cudnn,
        )
        packages["tensorflow"] = Package(version=f"{res.tensorflow_version}.0")
    if res.transformers_version:
        packages["transformers"] = Package(version=res.transformers_version)
    if res.tf_keras_version:
        packages["tf-keras"] = Package(version=res.tf_keras_version)
    jax = JaxBuild(cuda_plugin=res.jax_cuda) if res.jax_cuda else JaxBuild()
    if res.python is None:
        reasons["python.version"] = "the file does not pin python to one X.Y line"
    return replace(
        facts,
        python=PythonFacts(version=res.python, env_kind="conda"),
        cuda_toolkit=CudaToolkitFacts(),
        cuda_runtime=LibraryFacts(),
        cudnn=LibraryFacts(version=res.torch_cudnn) if res.torch_cudnn else LibraryFacts(),
        nccl=LibraryFacts(),
        conda=CondaFacts(in_conda_env=True, channels=tuple(channels)),
        packages=packages,
        frameworks=Frameworks(torch=torch, tensorflow=tf, jax=jax),
        evidence=Evidence(),
        reasons=reasons,
    )


def check(
    env: EnvFile, facts: Facts, knowledge: Knowledge, *, lang: str = "en", today: Any = None
) -> CheckResult:
    """File lints plus the target findings for ``facts`` (see the module docstring)."""
    import datetime as _dt

    from envadvisor.engine import evaluate

    tables = knowledge.tables
    d = _decode(env)
    findings = list(_lint(d, lang, tables))
    res = _resolve(d, facts, tables)
    env_facts = facts_with_env(facts, res, [c.text for c in env.channels])
    day = today or _dt.date.fromisoformat(knowledge.checked)
    evaluation = evaluate(knowledge, env_facts, today=day, lang=lang)
    engine = [f for f in evaluation.findings if any(k.startswith(FILE_FACT_PREFIXES) for k in f.evidence)]
    covered = {f.category for f in engine}
    # A file lint about what the file resolves to (Transformers 5 with TensorFlow, no tf-keras) yields
    # to the rules engine's finding of the same category: one finding per problem, diagnose's code.
    findings = [f for f in findings if f.category in _FILE_ONLY_CATEGORIES or f.category not in covered]
    findings.extend(engine)
    findings.extend(
        f
        for f in _target_lints(d, res, facts, tables, lang, day)
        if f.code in _FILE_ONLY_TARGET_LINTS or f.category not in covered
    )
    not_evaluated = tuple(
        n for n in evaluation.not_evaluated if any(k.startswith(FILE_FACT_PREFIXES) for k in n.missing)
    )
    return CheckResult(tuple(_sorted(findings)), not_evaluated, res, env_facts)


def _target_lints(
    d: _Decoded, res: Resolution, facts: Facts, tables: Tables, lang: str, today: Any
) -> Iterable[Finding]:
    from envadvisor.knowledge.tables import variant_cuda, version_ge
    from envadvisor.propose.fit import driver_fit, gpus_covered, target_from_facts
    from envadvisor.target import GpuTarget

    target = target_from_facts(facts, tables)
    what = _what_torch(res)
    cuda_asked = res.torch_cuda or res.conda_cuda
    if target.system == "macos":
        cuda_things = d.conda_named("pytorch-gpu", "cuda-version", "pytorch-cuda", "cudatoolkit")
        if cuda_things or (res.torch_variant or "").startswith("cu"):
            label = cuda_things[0].entry.text if cuda_things else what
            yield _finding("EA994", lang, {"what": label})
        if (
            target.arch != "arm64"
            and res.torch_version
            and not version_ge(tables.torch_macos_x86_64_last, ".".join(res.torch_version.split(".")[:2]))
        ):
            yield _finding("EA998", lang, {"what": what, "version": res.torch_version})
        return
    if (
        target.system == "windows"
        and res.tensorflow_and_cuda
        and res.tensorflow_version
        and not tables.tf_native_windows_gpu(res.tensorflow_version)
    ):
        spec = d.pip_named(*TF_NAMES)[0].entry.text if d.pip_named(*TF_NAMES) else "tensorflow"
        yield _finding("EA995", lang, {"spec": spec, "version": res.tensorflow_version})
    if res.glibc_needed and target.glibc and not version_ge(target.glibc, res.glibc_needed):
        yield _finding("EA996", lang, {"what": what, "glibc": target.glibc})
    if res.torch_source == "conda-forge" and res.conda_cuda and res.torch_version:
        branch = tables.conda_forge_pytorch_branch(res.torch_version)
        built = tuple(branch.cuda.get(target.subdir, ())) if branch else ()
        pin = res.conda_cuda
        if built and not any(c == pin or c.split(".")[0] == pin for c in built):
            yield _finding(
                "EA999",
                lang,
                {
                    "spec": res.conda_cuda_from,
                    "version": res.torch_version,
                    "subdir": target.subdir,
                    "available": ", ".join(built),
                    "suggest": " or ".join(built),
                },
            )
    wants_cuda = bool(cuda_asked) and (res.torch_variant or "cu").startswith("cu")
    if wants_cuda and not target.gpus:
        yield _finding(
            "EA991",
            lang,
            {
                "what": what if res.torch_cuda else res.conda_cuda_from,
                "reason": target.gpu_note or "no NVIDIA GPU",
            },
        )
    if wants_cuda and target.gpus and cuda_asked:
        cuda = res.torch_cuda or variant_cuda(res.torch_variant) or cuda_asked
        if cuda and "." in cuda:
            arch = None
            if res.torch_arch_list:
                from envadvisor.knowledge.tables import parse_arch_list

                arch = parse_arch_list(res.torch_arch_list)
            elif res.torch_version and res.torch_variant:
                arch = tables.torch_arch_list(
                    res.torch_version, res.torch_variant, f"{target.system}-{target.arch}"
                )
            cover, needs_ptx = gpus_covered(arch, target.gpus) if arch is not None else (None, False)
            drv = driver_fit(tables, target, cuda, needs_ptx=needs_ptx)
            if drv.ok is False:
                yield _finding(
                    "EA990",
                    lang,
                    {
                        "what": what,
                        "needs": cuda,
                        "driver": target.driver or "?",
                        "driver_cuda": target.driver_cuda,
                        "driver_major": _major(target.driver_cuda),
                        "suggest": f"{_major(target.driver_cuda)}.x",
                    },
                )
            if cover is not None and cover.ok is False:
                bad = [
                    g
                    for g in target.gpus
                    if gpus_covered(arch, [GpuTarget(g.name, g.compute_capability)])[0].ok is False
                ]
                g = bad[0] if bad else target.gpus[0]
                yield _finding(
                    "EA992",
                    lang,
                    {
                        "what": what,
                        "arch_list": str(arch),
                        "gpu": g.name or "GPU",
                        "cc": g.compute_capability,
                        "fix_hint": "Run `envadvisor propose` for this target to get a build "
                        "whose kernels cover it.",
                    },
                )
    if res.python and res.torch_version:
        release = tables.torch_release(res.torch_version)
        if release is not None and release.python.contains(res.python) is False:
            yield _finding(
                "EA993",
                lang,
                {
                    "python": res.python,
                    "package": "torch",
                    "version": res.torch_version,
                    "low": release.python.min,
                    "high": release.python.max,
                    "suggest": release.python.max,
                },
            )
    if res.python and tables.python_is_eol(res.python, today):
        yield _finding("EA997", lang, {"python": res.python, "eol": tables.python_eol(res.python)})


def _what_torch(res: Resolution) -> str:
    if not res.torch_version:
        return f"CUDA {res.conda_cuda}" if res.conda_cuda else "the file"
    src = {"pip": "pip", "conda-forge": "conda-forge", "pytorch-channel": "the pytorch channel's"}.get(
        res.torch_source or "", ""
    )
    variant = f" ({res.torch_variant})" if res.torch_variant else ""
    return f"{src} torch {res.torch_version}{variant}".strip()


def _sorted(findings: Iterable[Finding]) -> list[Finding]:
    def line(f: Finding) -> int:
        value = f.evidence.get("line")
        return value if isinstance(value, int) else 0

    return sorted(findings, key=lambda f: (-f.severity.rank, f.code, line(f)))


_LABELS = {
    "en": {
        "ok": "no problems found",
        "why": "why",
        "fix": "fix",
        "checked": "checked",
        "against": "against",
        "resolved": "installs",
        "not_evaluated": "not evaluated (facts unknown)",
    },
    "zh": {
        "ok": "没有发现问题",
        "why": "原因",
        "fix": "修复",
        "checked": "检查",
        "against": "目标",
        "resolved": "将安装",
        "not_evaluated": "未评估（事实未知）",
    },
}


def format_text(result: CheckResult, path: str, lang: str = "en") -> str:
    """The findings as plain text, worst first (the command line prints it)."""
    labels = _LABELS.get(lang, _LABELS["en"])
    facts = result.env_facts
    target = " ".join(str(x) for x in (facts.os.system, facts.os.arch) if x)
    gpus = (
        ", ".join(f"{d.name or 'GPU'} ({d.compute_capability})" for d in facts.gpu.devices) or "no NVIDIA GPU"
    )
    driver = f", driver {facts.gpu.driver_version}" if facts.gpu.driver_version else ""
    lines = [f"{labels['checked']} {path} {labels['against']} {target or '?'}; {gpus}{driver}"]
    res = result.resolution
    installs = [
        f"python {res.python}" if res.python else None,
        _what_torch(res) if res.torch_version else None,
        f"tensorflow {res.tensorflow_version}" if res.tensorflow_version else None,
        f"transformers {res.transformers_version}" if res.transformers_version else None,
    ]
    shown = [x for x in installs if x]
    if shown:
        lines.append(f"{labels['resolved']}: " + "; ".join(shown))
    if not result.findings:
        lines.append(labels["ok"])
    for f in result.findings:
        lines.append("")
        lines.append(f"{f.severity.value} {f.code} {f.name}: {f.message}")
        lines.append(f"  {labels['why']}: {f.why}")
        for step in f.fix:
            lines.append(f"  {labels['fix']}: {step}")
    if result.not_evaluated:
        lines.append("")
        lines.append(
            f"{labels['not_evaluated']}: "
            + ", ".join(f"{n.code} ({', '.join(n.missing)})" for n in result.not_evaluated)
        )
    return "\n".join(lines) + "\n"
