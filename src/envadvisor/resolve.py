"""What an environment file installs on a target: every spec resolved to the release it allows.

``resolve(env, target_facts, tables)`` reads each conda and pip spec of the file and answers with the
concrete release it brings, from the registry's release lists in the tables (every patch release, not
only ``X.Y.0``): an exact pin is itself, a range is the newest release in range that the target can
install (its Python, its platform), a conda spec is matched with conda's rules (``MatchSpec`` through
py-rattler where installed, the same rules by hand otherwise), a pip spec with ``packaging``. A pin
newer than the tables know, or a spec nothing in them satisfies, is *not checked*, with the reason;
it is never replaced by another version.

Channel order decides which channel a conda package comes from: the first listed channel that carries
it (``channel::name`` forces one). conda-forge and the legacy ``pytorch`` channel's builds are in the
tables; a package from Anaconda's ``defaults`` keeps its version but its build (which CUDA) is unknown.

:func:`as_facts` turns the result into the target's :class:`~envadvisor.model.Facts` with the file's
environment installed, so ``check`` runs the same rules as ``diagnose``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from envadvisor.model import Facts, canonical_name
from envadvisor.records import field, record

if TYPE_CHECKING:
    from envadvisor.knowledge.tables import Tables
    from envadvisor.lint import CondaSpec, Decoded
    from envadvisor.target import Target

# conda package names -> the project whose releases they are (PyPI's name)
CONDA_PROJECTS = {
    "pytorch": "torch",
    "pytorch-gpu": "torch",
    "pytorch-cpu": "torch",
    "tensorflow": "tensorflow",
    "tensorflow-gpu": "tensorflow",
    "tensorflow-cpu": "tensorflow",
    "tensorflow-base": "tensorflow",
    "jax": "jax",
    "jaxlib": "jaxlib",
    "transformers": "transformers",
    "accelerate": "accelerate",
    "numpy": "numpy",
    "torchvision": "torchvision",
    "torchaudio": "torchaudio",
    "keras": "keras",
    "tf-keras": "tf-keras",
    "triton": "triton",
    "bitsandbytes": "bitsandbytes",
    "xformers": "xformers",
    "onnxruntime-gpu": "onnxruntime-gpu",
    "deepspeed": "deepspeed",
    "vllm": "vllm",
}
_FRAMEWORK_OF = {"torch": "torch", "tensorflow": "tensorflow", "jax": "jax", "jaxlib": "jax"}
# conda packages that pin a CUDA runtime line rather than install a framework
CUDA_RUNTIME_PINS = ("cudatoolkit", "cuda-version", "pytorch-cuda", "cuda-runtime", "cuda-cudart")
# Which packages a channel is known to carry (None: everything). A package is taken from the first
# channel in the file's order that carries it, as conda's channel priority does.
CHANNEL_CARRIES: Mapping[str, frozenset[str] | None] = {
    "conda-forge": None,
    "pytorch": frozenset(
        {
            "pytorch",
            "torchvision",
            "torchaudio",
            "pytorch-cuda",
            "cpuonly",
            "pytorch-mutex",
            "torchtext",
            "torchdata",
            "magma-cuda121",
            "ffmpeg",
        }
    ),
    "nvidia": frozenset(
        {
            "cuda-version",
            "cuda-runtime",
            "cuda-cudart",
            "cuda-toolkit",
            "cuda-nvcc",
            "cuda",
            "cuda-libraries",
            "cuda-nvrtc",
            "cuda-cupti",
            "libcublas",
            "libcufft",
            "libcurand",
            "libcusolver",
            "libcusparse",
            "libnvjitlink",
            "cudnn",
            "nccl",
            "pytorch-cuda",
        }
    ),
    "defaults": None,
    "main": None,
    "anaconda": None,
}
# Channels whose builds (which CUDA, which GPU code) the tables describe.
BUILDS_KNOWN = ("conda-forge", "pytorch")


@record
class Pinned:
    """One package the file installs, at the release it resolves to."""

    name: str  # the project name (torch for conda's pytorch-gpu)
    version: str  # the concrete release, "2.15.1"
    source: str  # conda | pip
    spec: str  # the line as written
    line: int | None
    package: str  # the package name as written (pytorch-gpu, tensorflow-gpu, torch)
    channel: str | None = None  # conda: the channel it comes from
    local: str | None = None  # pip: the local version tag (cu124), from the pin or the index
    build: str | None = None  # conda: the build selector written (cuda*, cpu*)
    extras: tuple[str, ...] = ()  # pip extras (and-cuda, cuda12)
    how: str = "pin"  # pin (exact) | range (the newest release allowed) | latest (unpinned)


@record
class NotChecked:
    """A spec the tables cannot resolve: said, never replaced by a guess. ``why`` is a reason code
    (:data:`NOT_CHECKED_WORDS`), ``detail`` its values."""

    package: str
    spec: str
    line: int | None
    why: str
    detail: Mapping[str, str] = field(default_factory=dict)

    def reason(self, lang: str = "en") -> str:
        words = NOT_CHECKED_WORDS.get(lang, NOT_CHECKED_WORDS["en"])
        return words[self.why].format(**self.detail)


NOT_CHECKED_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "no_list": "the tables hold no release list for {project}",
        "no_release": "no release of {project} in the tables satisfies it (newest known: {newest})",
        "prerelease_only": "only pre-releases ({version}) satisfy it",
        "not_installable": "no release it allows has a build for this target (Python {python})",
        "build_unknown": "the {channel} channel's {project} {version} builds are not in the tables",
        "local_without_index": "PyPI serves no +{local} builds and the file names no PyTorch index for them",
    },
    "zh": {
        "no_list": "表中没有 {project} 的版本列表",
        "no_release": "表中没有满足它的 {project} 版本（已知最新：{newest}）",
        "prerelease_only": "只有预发布版本（{version}）满足它",
        "not_installable": "它允许的版本都没有适合这个目标的构建（Python {python}）",
        "build_unknown": "{channel} 频道的 {project} {version} 构建不在表中",
        "local_without_index": "PyPI 不提供 +{local} 构建，而文件没有写对应的 PyTorch 索引",
    },
}


@record
class RuntimePin:
    """A line that pins a CUDA runtime: conda cudatoolkit/cuda-version/pytorch-cuda, a pip
    nvidia-*-cuNN wheel, a CUDA wheel index, the CUDA a TensorFlow and-cuda release pins."""

    what: str  # cudatoolkit | cuda-version | pytorch-cuda | nvidia-wheel | wheel-index | and-cuda
    cuda: str  # "11.8" or a major "12"
    spec: str
    line: int | None


@record
class Installed:
    """What the file installs on the target."""

    packages: Mapping[str, Pinned] = field(default_factory=dict)  # project name -> release
    not_checked: tuple[NotChecked, ...] = ()
    runtimes: tuple[RuntimePin, ...] = ()
    cpuonly: bool = False  # the pytorch channel's cpuonly selector is listed
    python: str | None = None  # the Python line, "3.12"
    python_how: str | None = None  # pin | solver (the newest every package allows) | None
    notes: tuple[str, ...] = ()

    def get(self, name: str) -> Pinned | None:
        return self.packages.get(canonical_name(name))


# --------------------------------------------------------------------------------------------------
# Version matching: conda's spec language and pip's
# --------------------------------------------------------------------------------------------------


def conda_matches(spec_text: str, version: str) -> bool | None:
    """Whether a conda MatchSpec's version constraint admits ``version`` (None: it cannot be read).

    py-rattler implements conda's MatchSpec exactly; without it the same rules are applied by hand
    for the forms environment files use: ``=1.2`` (fuzzy: 1.2.*), ``==1.2`` (exact, 1.2 == 1.2.0),
    ``1.2.*``, ``>=1.2,<2``, ``1.2|1.3``, ``!=``, ``~=``.
    """
    try:
        import rattler
    except ImportError:
        return _conda_matches_by_hand(spec_text, version)
    try:
        spec = rattler.MatchSpec(spec_text)
        if spec.version is None:
            return True
        return bool(rattler.VersionSpec(spec.version).matches(rattler.Version(version)))
    except Exception:  # rattler raises its own error classes for unparsable specs and versions
        return _conda_matches_by_hand(spec_text, version)


_CONDA_HEAD_RE = re.compile(r"^\s*(?:[^:\s\[]+::)?[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def _conda_matches_by_hand(spec_text: str, version: str) -> bool | None:
    from packaging.version import Version

    text = spec_text.split("#", 1)[0].strip()
    head = _CONDA_HEAD_RE.match(text)
    if head is None:
        return None
    rest = text[head.end() :].strip()
    if "[" in rest:
        return None
    if not rest:
        return True
    fuzzy = rest.startswith("=") and not rest.startswith("==")
    if fuzzy:
        rest = rest[1:].split("=", 1)[0].strip()
        if not rest.endswith("*"):
            rest += ".*"
    else:
        rest = rest.split()[0]
    try:
        v = Version(version)
    except ValueError:  # InvalidVersion, or a part int() refuses (4,300+ digits)
        return None
    any_ok = False
    for alternative in rest.split("|"):
        ok = True
        for piece in alternative.split(","):
            piece = piece.strip()
            m = re.fullmatch(r"(==|!=|<=|>=|<|>|~=)?\s*([0-9][0-9A-Za-z.]*)(\.?\*)?", piece)
            if not m:
                return None
            op, target, star = m.group(1), m.group(2).rstrip("."), bool(m.group(3))
            try:
                t = Version(target)
            except ValueError:  # InvalidVersion, or a part int() refuses (4,300+ digits)
                return None
            if op in (None, "==") and star:
                parts = target.split(".")
                ok = ok and v.release[: len(parts)] == tuple(int(p) for p in parts if p.isdigit())
            elif op in (None, "=="):
                ok = ok and v.release + (0,) * 4 == t.release + (0,) * (len(v.release) + 4 - len(t.release))
            elif op == "!=":
                ok = ok and v != t
            elif op == "<":
                ok = ok and v < t
            elif op == "<=":
                ok = ok and v <= t
            elif op == ">":
                ok = ok and v > t
            elif op == ">=":
                ok = ok and v >= t
            elif op == "~=":
                ok = ok and v >= t and v.release[: len(t.release) - 1] == t.release[:-1]
        any_ok = any_ok or ok
    return any_ok


def pip_matches(specifier: Any, version: str) -> bool:
    """PEP 440: whether a ``SpecifierSet`` admits a final release."""
    from packaging.version import Version

    try:
        return bool(specifier.contains(Version(version), prereleases=False))
    except ValueError:  # InvalidVersion, or a part int() refuses (4,300+ digits)
        return False


# --------------------------------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------------------------------


def resolve(decoded: Decoded, target_facts: Facts, tables: Tables) -> Installed:
    """What ``conda env create`` would install from the decoded file on the target."""
    return _Resolver(decoded, target_facts, tables).run()


class _Resolver:
    def __init__(self, d: Decoded, facts: Facts, tables: Tables) -> None:
        from envadvisor.target import describe_target

        self.d = d
        self.facts = facts
        self.t = tables
        self.target: Target = describe_target(facts, tables)
        self.packages: dict[str, Pinned] = {}
        self.not_checked: list[NotChecked] = []
        self.notes: list[str] = []
        self.channels = [c.text.rstrip("/") for c in d.env.channels]

    # ------------------------------------------------------------------ main
    def run(self) -> Installed:
        python_pin = self._python_pin()
        self._conda_packages(python_pin)
        self._pip_packages(python_pin)
        python, how = self._python(python_pin)
        if python is not None and how == "solver":
            # a range resolved before Python was known: resolve again within what that Python allows
            self.packages.clear()
            self.not_checked.clear()
            self._conda_packages(python)
            self._pip_packages(python)
        return Installed(
            packages=dict(self.packages),
            not_checked=tuple(self.not_checked),
            runtimes=tuple(self._runtimes()),
            cpuonly=bool(self.d.conda_named("cpuonly")),
            python=python,
            python_how=how,
            notes=tuple(dict.fromkeys(self.notes)),
        )

    # ------------------------------------------------------------------ Python
    def _python_pin(self) -> str | None:
        for c in self.d.conda_named("python"):
            if c.spec is None or not c.spec.version:
                continue
            lines = [p for p in self._known_pythons() if conda_matches(c.spec.text, f"{p}.0")]
            exact = re.fullmatch(r"(?:==?)?\s*(\d+\.\d+)(?:\.\d+)?\.?\*?", c.spec.version.strip())
            if exact:
                return exact.group(1)
            if lines:
                return None  # a range: the solver picks within it (see _python)
        return None

    def _python(self, pinned: str | None) -> tuple[str | None, str | None]:
        if pinned is not None:
            return pinned, "pin"
        specs = [c for c in self.d.conda_named("python") if c.spec is not None]
        if not specs:
            return None, None
        allowed = [p for p in self._known_pythons() if conda_matches(specs[0].spec.text, f"{p}.0")]  # type: ignore[union-attr]
        fitting = [
            p
            for p in allowed
            if all(self._supports_python(pkg, p) is not False for pkg in self.packages.values())
        ]
        if not fitting:
            return None, None
        return fitting[-1], "solver"

    def _known_pythons(self) -> list[str]:
        from envadvisor.propose.decide import _known_pythons

        return _known_pythons(self.t)

    def _supports_python(self, pkg: Pinned, python: str) -> bool | None:
        """Whether a release has builds for ``python``: the Pythons torch and TensorFlow built wheels
        for (their tables), else the release's Requires-Python."""
        if pkg.name == "torch" and (rel := self.t.torch_release(pkg.version)) is not None:
            from envadvisor.knowledge.tables import version_ge

            return bool(version_ge(python, rel.python.min) and version_ge(rel.python.max, python))
        if pkg.name == "tensorflow" and self.t.tf_tested_config(pkg.version, "linux") is not None:
            return self.t.tf_python_supported(pkg.version, python, self.target.system or "linux")
        release = self.t.release_of(pkg.name, pkg.version)
        if release is None or not release.requires_python:
            return None
        from packaging.specifiers import SpecifierSet

        try:
            return pip_matches(SpecifierSet(release.requires_python), f"{python}.0") or pip_matches(
                SpecifierSet(release.requires_python), f"{python}.99"
            )
        except ValueError:  # InvalidSpecifier, or a number int() refuses
            return None

    # ------------------------------------------------------------------ conda
    def _conda_packages(self, python: str | None) -> None:
        # torch first: torchvision and torchaudio resolve to the releases that pair with it
        for c in sorted(
            self.d.conda, key=lambda c: c.spec is None or CONDA_PROJECTS.get(c.spec.key) != "torch"
        ):
            spec = c.spec
            if spec is None or spec.key in ("python", "pip") or spec.key in CUDA_RUNTIME_PINS:
                continue
            project = CONDA_PROJECTS.get(spec.key)
            if project is None:
                continue
            channel = self._channel_for(spec)
            version, how, why = self._pick(
                project,
                lambda v, s=spec: conda_matches(s.text, v),
                bool(spec.version),
                python,
                conda=True,
                channel=channel,
                exact=bool(re.fullmatch(r"(?:==?)?\s*\d+\.\d+\.\d+", (spec.version or "").strip())),
            )
            if version is None:
                self.not_checked.append(NotChecked(spec.name, c.entry.text, c.entry.line, *why))
                continue
            if (
                project == "torch"
                and (channel or "").lower() == "conda-forge"
                and self.t.conda_forge_pytorch_branch(version) is None
            ):
                self.not_checked.append(
                    NotChecked(
                        spec.name,
                        c.entry.text,
                        c.entry.line,
                        "build_unknown",
                        {"channel": "conda-forge", "project": spec.name, "version": version},
                    )
                )
                continue
            self._add(
                Pinned(
                    project,
                    version,
                    "conda",
                    c.entry.text,
                    c.entry.line,
                    spec.key,
                    channel=channel,
                    build=spec.build,
                    how=how,
                )
            )

    def _channel_for(self, spec: CondaSpec) -> str | None:
        if spec.channel:
            return spec.channel.rstrip("/")
        for channel in self.channels:
            name = channel.lower().rsplit("/", 1)[-1] if "://" in channel else channel.lower()
            if name == "nodefaults":
                continue
            carries = CHANNEL_CARRIES.get(name, frozenset())
            if carries is None or spec.key in carries:
                return channel
        # no channel listed carries it: conda appends defaults unless nodefaults is listed
        if "nodefaults" not in [c.lower() for c in self.channels]:
            return "defaults"
        return None

    # ------------------------------------------------------------------ pip
    def _pip_packages(self, python: str | None) -> None:
        index_variants = self._index_variants()
        index_variant = index_variants[0] if index_variants else None
        for p in sorted(self.d.pip, key=lambda p: p.line is None or p.line.key != "torch"):
            line = p.line
            if line is None or line.requirement is None:
                continue
            req = line.requirement
            project = canonical_name(req.name)
            local = None
            exact = [s.version for s in req.specifier if s.operator in ("==", "===") and "*" not in s.version]
            if exact and "+" in exact[0]:
                local = exact[0].split("+", 1)[1].lower()
            spec = req.specifier
            if local:
                from packaging.specifiers import SpecifierSet

                spec = SpecifierSet(f"=={exact[0].split('+', 1)[0]}")
            version, how, why = self._pick(
                project,
                lambda v, s=spec: pip_matches(s, v),
                bool(str(spec)),
                python,
                conda=False,
                channel=None,
                exact=bool(exact),
            )
            if version is None:
                if self.t.release_list(project) is None:
                    continue  # a package the tables do not track: nothing to resolve it against
                self.not_checked.append(NotChecked(req.name, p.entry.text, p.entry.line, *why))
                continue
            if local is not None and local.startswith(("cu", "rocm")) and local not in index_variants:
                # PyPI serves no +cuXYZ local versions: only the variant's own index does
                self.not_checked.append(
                    NotChecked(req.name, p.entry.text, p.entry.line, "local_without_index", {"local": local})
                )
                continue
            if local is None and project in ("torch", "torchvision", "torchaudio"):
                local = index_variant
            if project in ("tensorflow-gpu", "tensorflow-cpu"):
                # the legacy names install TensorFlow itself (tensorflow-gpu's stub installs nothing)
                if project == "tensorflow-gpu" and _vkey(version) >= _vkey(self.t.tf_gpu_package_stub):
                    continue
                project = "tensorflow"
            self._add(
                Pinned(
                    project,
                    version,
                    "pip",
                    p.entry.text,
                    p.entry.line,
                    req.name,
                    local=local,
                    extras=tuple(sorted(req.extras)),
                    how=how,
                )
            )

    def _index_variants(self) -> list[str]:
        """The wheel variants of the PyTorch indexes the pip block names (cu124, cpu), in order."""
        from envadvisor.lint import VARIANT_URL_RE

        out = []
        for opt in self.d.pip_options("--index-url", "-i", "--extra-index-url", "--find-links", "-f"):
            m = VARIANT_URL_RE.search(opt.line.value or "") if opt.line else None
            if m:
                out.append(m.group(1).lower())
        return out

    # ------------------------------------------------------------------ picking a release
    def _pick(
        self,
        project: str,
        matches: Any,
        constrained: bool,
        python: str | None,
        *,
        conda: bool,
        channel: str | None,
        exact: bool = False,
    ) -> tuple[str | None, str, tuple[str, Mapping[str, str]]]:
        """(release, how, (why-not, its values)): the newest release of ``project`` the spec admits and
        the target can install."""
        releases = self.t.releases(project)
        if not releases:
            return None, "", ("no_list", {"project": project})
        # PEP 592: pip ignores a yanked release unless the spec pins it exactly (==); conda channels
        # do not follow PyPI's yanks
        candidates = [r for r in releases if conda or not r.yanked or (exact and matches(r.version))]
        if conda and project in ("torch", "torchvision", "torchaudio"):
            candidates = self._channel_releases(project, candidates, (channel or "").lower())
        admitted = [r for r in candidates if matches(r.version)]
        paired = self._paired_line(project)
        if paired is not None:
            # torchvision and torchaudio pin their torch exactly: the resolver takes the release that
            # pairs with the torch the file installs, when the spec allows one
            with_torch = [r for r in admitted if r.version.startswith(paired + ".") or r.version == paired]
            admitted = with_torch or admitted
        if not admitted:
            newest = candidates[0].version if candidates else None
            written = [r for r in self.t.prereleases(project) if matches(r.version)]
            if written:
                return None, "", ("prerelease_only", {"version": written[0].version})
            return None, "", ("no_release", {"project": project, "newest": str(newest)})
        if exact and len(admitted) == 1:
            # an exact pin is itself, installable here or not: the rules say what is wrong with it
            return admitted[0].version, "pin", ("", {})
        installable = [r for r in admitted if self._installable(project, r, python)]
        # none installable here: the newest the spec allows, so the rules say why it cannot install
        chosen = (installable or admitted)[0]
        how = "latest" if not constrained else ("pin" if len(admitted) == 1 else "range")
        return chosen.version, how, ("", {})

    def _paired_line(self, project: str) -> str | None:
        """The torchvision/torchaudio line that pairs with the torch already resolved."""
        if project not in ("torchvision", "torchaudio"):
            return None
        torch = self.packages.get("torch")
        release = self.t.torch_release(torch.version) if torch is not None else None
        if release is None:
            return None
        return release.torchvision if project == "torchvision" else release.torchaudio

    def _installable(self, project: str, release: Any, python: str | None) -> bool:
        """Whether the target can install this release: its Requires-Python admits the Python, and the
        platform has builds of it (macOS x86_64 stops at torch 2.2 and TensorFlow 2.16)."""
        from packaging.specifiers import SpecifierSet
        from packaging.version import Version

        if python is not None and release.requires_python:
            try:
                if not pip_matches(SpecifierSet(release.requires_python), f"{python}.0"):
                    return False
            except ValueError:  # InvalidSpecifier, or a number int() refuses
                pass
        target = self.target
        if target.system == "macos" and target.arch != "arm64":
            last = {"torch": self.t.torch_macos_x86_64_last, "tensorflow": self.t.tf_macos_x86_64_last}.get(
                project
            )
            if last is not None and Version(release.version).release[:2] > Version(last).release[:2]:
                return False
        return True

    def _channel_releases(self, project: str, candidates: list[Any], channel: str) -> list[Any]:
        """The releases a channel carries: the pytorch channel stopped at torch 2.5 (and the
        torchvision/torchaudio of 2.5); conda-forge's newest pytorch is in its table."""
        from packaging.version import Version

        if channel == "pytorch":
            pin = self.runtime_pin("pytorch-cuda")
            if project == "torch" and pin is not None:
                # the pytorch channel has pytorch-cuda X.Y builds only of the releases built for it
                variant = "cu" + pin.replace(".", "")
                candidates = [
                    r
                    for r in candidates
                    if (rel := self.t.torch_release(r.version)) is None or variant in rel.all_variants
                ]
            last = Version(self.t.torch_pytorch_channel_last)
            release = self.t.torch_release(self.t.torch_pytorch_channel_last)
            line = {"torch": last.release[:2]}
            if release is not None and release.torchvision:
                line["torchvision"] = Version(release.torchvision).release[:2]
            if release is not None and release.torchaudio:
                line["torchaudio"] = Version(release.torchaudio).release[:2]
            cap = line.get(project)
            return [r for r in candidates if cap is None or Version(r.version).release[:2] <= cap]
        if channel == "conda-forge" and project == "torch":
            newest = self._conda_forge_torch_newest()
            if newest is not None:
                candidates = [r for r in candidates if Version(r.version) <= Version(newest)]
            pin = self.runtime_pin("cuda-version")
            if pin is not None:
                # cuda-version pins the line: only the releases conda-forge built for it can install
                # (when none is, the file asks for a build that does not exist: EA999 says so)
                subdir = self.target.subdir
                built = [
                    r
                    for r in candidates
                    if (b := self.t.conda_forge_pytorch_branch(r.version)) is not None
                    and any(c == pin or c.split(".")[0] == pin for c in b.cuda.get(subdir, ()))
                ]
                candidates = built or candidates
        return candidates

    def _conda_forge_torch_newest(self) -> str | None:
        from envadvisor.knowledge.tables import rows_of

        table = rows_of(self.t, "conda_forge_pytorch")
        if table and isinstance(table[0], Mapping) and table[0].get("newest"):
            return str(table[0]["newest"])
        return None

    def _add(self, pinned: Pinned) -> None:
        # the first spec of a project decides (a second one is a lint of its own: framework twice)
        self.packages.setdefault(pinned.name, pinned)

    # ------------------------------------------------------------------ CUDA runtimes
    def _runtime_line(self, spec: CondaSpec) -> str | None:
        """The CUDA line a cudatoolkit / cuda-version / pytorch-cuda spec installs: the newest line the
        package is built for that the spec admits (``cudatoolkit<12`` is 11.8); the written version
        when the tables list no lines for the package."""
        lines = self.t.conda_cuda_lines(spec.key)
        admitted = [x for x in lines if conda_matches(spec.text, x) or conda_matches(spec.text, f"{x}.0")]
        if admitted:
            return admitted[-1]
        m = re.fullmatch(r"(?:==?)?\s*(\d+)(?:\.(\d+))?(?:\.\d+)*\.?\*?", (spec.version or "").strip())
        if m is None:
            return None
        return f"{m.group(1)}.{m.group(2)}" if m.group(2) else m.group(1)

    def runtime_pin(self, what: str) -> str | None:
        for c in self.d.conda:
            if c.spec is not None and c.spec.key == what and c.spec.version:
                return self._runtime_line(c.spec)
        return None

    def _runtimes(self) -> Iterable[RuntimePin]:
        for c in self.d.conda:
            spec = c.spec
            if spec is None or spec.key not in CUDA_RUNTIME_PINS or not spec.version:
                continue
            cuda = self._runtime_line(spec)
            if cuda:
                yield RuntimePin(spec.key, cuda, c.entry.text, c.entry.line)
        for p in self.d.pip:
            if p.line is None or p.line.requirement is None:
                continue
            m = re.fullmatch(r"nvidia-[a-z0-9-]+-cu(\d{2})", canonical_name(p.line.requirement.name))
            if m:
                yield RuntimePin("nvidia-wheel", m.group(1), p.entry.text, p.entry.line)
        from envadvisor.knowledge.tables import variant_cuda
        from envadvisor.lint import VARIANT_URL_RE

        for opt in self.d.pip_options("--index-url", "-i", "--extra-index-url", "--find-links", "-f"):
            m2 = VARIANT_URL_RE.search(opt.line.value or "") if opt.line else None
            cuda = variant_cuda(m2.group(1).lower()) if m2 else None
            if cuda:
                yield RuntimePin("wheel-index", cuda, opt.entry.text, opt.entry.line)
        torch = self.packages.get("torch")
        if torch is not None and torch.source == "pip" and torch.local and torch.local.startswith("cu"):
            cuda = variant_cuda(torch.local)
            if cuda:
                yield RuntimePin("wheel-index", cuda, torch.spec, torch.line)
        tf = self.packages.get("tensorflow")
        if tf is not None and "and-cuda" in tf.extras:
            pins = self.t.tf_and_cuda_pins(tf.version)
            if pins is not None:
                yield RuntimePin("and-cuda", pins.cuda, tf.spec, tf.line)


# --------------------------------------------------------------------------------------------------
# The installed environment as facts
# --------------------------------------------------------------------------------------------------


def as_facts(installed: Installed, target_facts: Facts, tables: Tables, channels: Sequence[str]) -> Facts:
    """The target's facts with the file's environment installed in place of whatever was there."""
    return _FactsBuilder(installed, target_facts, tables, channels).build()


class _FactsBuilder:
    def __init__(self, installed: Installed, facts: Facts, tables: Tables, channels: Sequence[str]) -> None:
        from envadvisor.target import describe_target

        self.i = installed
        self.facts = facts
        self.t = tables
        self.channels = tuple(channels)
        self.target = describe_target(facts, tables)
        self.reasons: dict[str, str] = {
            k: v for k, v in facts.reasons.items() if k.startswith(("os.", "gpu."))
        }

    def build(self) -> Facts:
        from envadvisor.model import (
            CondaFacts,
            CudaToolkitFacts,
            Evidence,
            Frameworks,
            LibraryCopy,
            LibraryFacts,
            Package,
            PythonFacts,
            replace,
        )

        packages: dict[str, Package] = {}
        for p in self.i.packages.values():
            # as pip's METADATA says it: a wheel from a variant index carries its local version
            version = f"{p.version}+{p.local}" if p.local and p.source == "pip" else p.version
            packages[p.name] = Package(
                version=version,
                installer="conda" if p.source == "conda" else "pip",
                source="conda" if p.source == "conda" else "pypi",
                channel=p.channel,
            )
        for nc in self.i.not_checked:
            self.reasons[f"packages.{canonical_name(nc.package)}"] = f"not checked: {nc.reason()}"
            framework = _FRAMEWORK_OF.get(
                CONDA_PROJECTS.get(canonical_name(nc.package), canonical_name(nc.package))
            )
            if framework is not None:
                self.reasons[f"frameworks.{framework}"] = f"not checked: {nc.reason()}"
        torch = self._torch()
        tf = self._tensorflow()
        jax = self._jax()
        if self.i.python is None:
            self.reasons["python.version"] = "the file does not pin python to one X.Y line"
        runtime_copies = tuple(
            LibraryCopy(
                version=r.cuda,
                source="conda" if r.what in ("cudatoolkit", "cuda-version", "pytorch-cuda") else "wheel",
                name=r.spec,
            )
            for r in self.i.runtimes
            if r.what in ("cudatoolkit", "pytorch-cuda")
            or (r.what == "nvidia-wheel" and "cuda-runtime" in r.spec)
        )
        cudnn = torch.cudnn or tf.cudnn
        return replace(
            self.facts,
            python=PythonFacts(version=self.i.python, env_kind="conda"),
            cuda_toolkit=CudaToolkitFacts(),
            cuda_runtime=LibraryFacts(
                version=runtime_copies[0].version if len(runtime_copies) == 1 else None, copies=runtime_copies
            ),
            cudnn=LibraryFacts(version=cudnn) if cudnn else LibraryFacts(),
            nccl=LibraryFacts(),
            conda=CondaFacts(in_conda_env=True, channels=self.channels),
            packages=packages,
            frameworks=Frameworks(torch=torch, tensorflow=tf, jax=jax),
            evidence=Evidence(),
            reasons=self.reasons,
        )

    # ------------------------------------------------------------------ torch
    def _torch(self) -> Any:
        from envadvisor.knowledge.tables import variant_cuda
        from envadvisor.model import TorchBuild

        p = self.i.get("torch")
        if p is None:
            return TorchBuild()
        if p.source == "pip":
            variant = p.local or self._pip_default_variant(p.version)
            version = f"{p.version}+{variant}" if p.local else p.version
            cuda = variant_cuda(variant)
            cudnn = self.t.torch_variant_cudnn(p.version, variant) if variant else None
            if variant is None:
                self.reasons["frameworks.torch.variant"] = (
                    "the wheel PyPI serves on this platform is not in the tables"
                )
            return TorchBuild(version=version, cuda=cuda, variant=variant, cudnn=cudnn)
        channel = (p.channel or "").lower()
        if self.target.system == "macos":
            return TorchBuild(version=p.version, variant="mps" if self.target.arch == "arm64" else "cpu")
        if channel == "pytorch":
            return self._pytorch_channel_torch(p)
        if channel != "conda-forge":
            self.reasons["frameworks.torch.cuda"] = (
                f"the {p.channel or 'unknown'} channel's pytorch builds are not in the tables"
            )
            self.reasons["frameworks.torch.variant"] = self.reasons["frameworks.torch.cuda"]
            return TorchBuild(version=p.version)
        return self._conda_forge_torch(p)

    def _pip_default_variant(self, version: str) -> str | None:
        release = self.t.torch_release(version)
        t = self.target
        if t.system == "macos":
            return "mps" if t.arch == "arm64" else "cpu"
        if t.system == "windows":
            return "cpu"  # PyPI's Windows wheels are CPU builds
        if t.system == "linux" and t.arch == "x86_64" and release is not None:
            return release.pypi_default
        return None

    def _pytorch_channel_torch(self, p: Pinned) -> Any:
        from envadvisor.knowledge.tables import variant_cuda
        from envadvisor.model import TorchBuild

        # pytorch-cuda (2.0 on) or cudatoolkit (before) selects the CUDA build; cpuonly the CPU one
        cuda_pin = next((r for r in self.i.runtimes if r.what in ("pytorch-cuda", "cudatoolkit")), None)
        if self.i.cpuonly:
            return TorchBuild(version=p.version, variant="cpu")
        if cuda_pin is None:
            self.reasons["frameworks.torch.variant"] = (
                "the file pins no CUDA line: the solver picks the build"
            )
            self.reasons["frameworks.torch.cuda"] = self.reasons["frameworks.torch.variant"]
            return TorchBuild(version=p.version)
        variant = "cu" + cuda_pin.cuda.replace(".", "")
        return TorchBuild(
            version=p.version,
            cuda=variant_cuda(variant),
            variant=variant,
            cudnn=self.t.torch_variant_cudnn(p.version, variant),
        )

    def _conda_forge_torch(self, p: Pinned) -> Any:
        from envadvisor.model import TorchBuild

        t = self.target
        wants_cpu = p.package == "pytorch-cpu" or (p.build or "").startswith("cpu")
        wants_cuda = p.package == "pytorch-gpu" or (p.build or "").startswith("cuda")
        if wants_cpu and not wants_cuda:
            return TorchBuild(version=p.version, variant="cpu")
        if not wants_cuda and not (t.gpus and t.driver_cuda):
            # the CUDA build needs __cuda; without a driver the solver takes the CPU build
            return TorchBuild(version=p.version, variant="cpu")
        branch = self.t.conda_forge_pytorch_branch(p.version)
        built = list(branch.cuda.get(t.subdir, ())) if branch else []
        pin = next((r.cuda for r in self.i.runtimes if r.what in ("cuda-version", "pytorch-cuda")), None)
        cuda = None
        if pin:
            same = [c for c in built if c == pin or c.split(".")[0] == pin]
            cuda = max(same, key=_vkey) if same else None
        elif built:
            dmajor = int(t.driver_cuda.split(".")[0]) if t.driver_cuda else None
            fitting = [c for c in built if dmajor is None or int(c.split(".")[0]) <= dmajor]
            cuda = max(fitting or built, key=_vkey)
        if cuda is None:
            self.reasons["frameworks.torch.cuda"] = (
                "no conda-forge build of this release for the pinned CUDA line"
            )
            return TorchBuild(version=p.version)
        arch = self.t.conda_forge_arch_list(p.version, cuda, t.arch)
        return TorchBuild(
            version=p.version,
            cuda=cuda,
            variant="cu" + cuda.replace(".", ""),
            arch_list=tuple(str(arch).split(", ")) if arch is not None else (),
        )

    # ------------------------------------------------------------------ TensorFlow, JAX
    def _tensorflow(self) -> Any:
        from envadvisor.model import TensorflowBuild

        p = self.i.get("tensorflow")
        if p is None:
            return TensorflowBuild()
        system = self.target.system
        distribution = p.package if p.package.startswith("tensorflow") else "tensorflow"
        cuda_build = tensorflow_is_cuda_build(
            self.t, p.version, distribution, system, conda_build=p.build if p.source == "conda" else None
        )
        cuda = cudnn = None
        libraries = "and-cuda" in p.extras or any(
            r.what in ("cudatoolkit", "cuda-version", "nvidia-wheel") for r in self.i.runtimes
        )
        if cuda_build and libraries:
            pins = self.t.tf_and_cuda_pins(p.version) if "and-cuda" in p.extras else None
            cfg = self.t.tf_tested_config(p.version, system)
            cuda = pins.cuda if pins else (cfg.cuda if cfg else None)
            cudnn = pins.cudnn if pins else (cfg.cudnn if cfg else None)
        elif cuda_build:
            # the GPU-capable wheel without CUDA libraries in the file: it finds the system's, or runs
            # on the CPU (nothing is wasted on a machine without a GPU)
            self.reasons["frameworks.tensorflow.cuda"] = "the file brings no CUDA libraries for TensorFlow"
        return TensorflowBuild(
            version=p.version, distribution=distribution, is_cuda_build=cuda_build, cuda=cuda, cudnn=cudnn
        )

    def _jax(self) -> Any:
        from envadvisor.model import JaxBuild

        p = self.i.get("jax")
        lib = self.i.get("jaxlib")
        plugin = None
        for name in ("jax-cuda13-plugin", "jax-cuda12-plugin"):
            if self.i.get(name) is not None:
                plugin = name.split("cuda")[1][:2]
        for extra in p.extras if p else ():
            m = re.match(r"cuda(\d+)", extra)
            if m:
                plugin = m.group(1)
        if p is None and lib is None:
            return JaxBuild()
        return JaxBuild(
            version=p.version if p else None, jaxlib=lib.version if lib else None, cuda_plugin=plugin
        )


def tensorflow_is_cuda_build(
    tables: Tables, version: str, distribution: str, system: str | None, *, conda_build: str | None = None
) -> bool | None:
    """Whether a TensorFlow release as the target installs it uses an NVIDIA GPU: on Linux the
    ``tensorflow`` wheel is a GPU build from 2.1 on (the CUDA libraries come from the and-cuda extra,
    conda or the system), ``tensorflow-cpu`` never is; on native Windows GPU builds end with 2.10;
    macOS has none."""
    from envadvisor.knowledge.tables import version_ge

    if distribution in ("tensorflow-cpu",) or (conda_build or "").startswith("cpu"):
        return False
    if system == "macos":
        return False
    if system == "windows":
        return tables.tf_native_windows_gpu(version)
    if system == "linux":
        return bool(version_ge(version, "2.1")) or distribution == "tensorflow-gpu"
    return None


def _vkey(v: str) -> tuple[int, ...]:
    from envadvisor.safetext import version_numbers

    return version_numbers(v)


def describe(installed: Installed, facts: Facts | None = None) -> list[str]:
    """The ``installs:`` summary: each framework with its release, where it comes from and, with the
    resolved ``facts``, its build (a build the tables cannot name is left out, never guessed)."""
    out = []
    if installed.python:
        out.append(f"python {installed.python}")
    for name in ("torch", "torchvision", "torchaudio", "tensorflow", "jax", "transformers", "numpy"):
        p = installed.get(name)
        if p is None:
            continue
        if p.source == "conda":
            text = f"{p.channel + '::' if p.channel else ''}{p.package} {p.version}"
        else:
            text = f"pip {p.package} {p.version}" + (f"+{p.local}" if p.local else "")
        build = _build_words(name, facts) if facts is not None else None
        out.append(f"{text} ({build})" if build else text)
    return out


def _build_words(name: str, facts: Facts) -> str | None:
    if name == "torch":
        torch = facts.frameworks.torch
        if torch.cuda:
            return f"CUDA {torch.cuda}"
        return {"cpu": "CPU", "mps": "MPS"}.get(torch.variant or "")
    if name == "tensorflow":
        tf = facts.frameworks.tensorflow
        if tf.is_cuda_build:
            return f"CUDA {tf.cuda}" if tf.cuda else "GPU build"
        return "CPU" if tf.is_cuda_build is False else None
    return None


__all__ = [
    "Installed",
    "NotChecked",
    "Pinned",
    "RuntimePin",
    "as_facts",
    "conda_matches",
    "describe",
    "pip_matches",
    "resolve",
    "tensorflow_is_cuda_build",
]
