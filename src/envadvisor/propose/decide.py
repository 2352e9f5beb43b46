"""Decide an environment for a target: which builds, from which source, with which Python, and why.

Pure: facts and the knowledge tables in, a :class:`~envadvisor.propose.model.Proposal` out. Every
version, CUDA line, architecture list, driver floor and Python range comes from the tables
(``envadvisor.knowledge.tables``); this module only holds the *policy*:

* PyTorch from conda-forge (``pytorch-gpu`` + ``cuda-version``) when a conda-forge build fits the
  driver, the GPU's architecture, the cuDNN it resolves and glibc; otherwise the official wheels with an
  exact ``torch==X.Y.Z+cuXYZ`` pin from ``--extra-index-url``; a CPU build without a usable GPU.
* One source for torch and everything that depends on it.
* TensorFlow through pip (``tensorflow[and-cuda]`` on a Linux GPU; 2.10 with CUDA 11.2 on native
  Windows; CPU elsewhere), ``transformers<5`` and ``tf-keras`` with it.
* JAX through pip (``jax[cuda13]`` / ``jax[cuda12]`` on a Linux GPU).
* Python: the newest every chosen package supports, or ``--python`` validated against all of them.
* When nothing current fits, an honest fallback (an older release that fits, or CPU) with the reason.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from envadvisor.errors import UsageError
from envadvisor.knowledge.tables import (
    PythonRange,
    Tables,
    TorchRelease,
    rows_of,
    variant_cuda,
    version_ge,
    vtuple,
)
from envadvisor.propose import install
from envadvisor.propose.choices import (
    CONDA_FORGE,
    TORCH_INDEX,
    Decision,
    JaxChoice,
    PairedPackage,
    TensorflowChoice,
    TorchChoice,
)
from envadvisor.propose.choices import PIP as PIP_ROUTE
from envadvisor.propose.fit import (
    GPU_DRIVER_BASIS,
    Fit,
    cudnn_fit,
    driver_fit,
    gpu_driver_floor,
    gpus_covered,
    platform_of,
    target_from_facts,
)
from envadvisor.propose.model import CONDA, PIP, Dependency, Note, Proposal
from envadvisor.propose.phrases import Phrase, Value, joined, phrase, render, target_note
from envadvisor.records import replace
from envadvisor.target import Target

if TYPE_CHECKING:
    from envadvisor.knowledge import Knowledge
    from envadvisor.model import Facts

SOURCES = ("auto", "conda-forge", "pip")
CHANNELS = ("conda-forge", "nodefaults")
# wanted name -> the package it means
ALIASES = {
    "torch": "pytorch",
    "pytorch": "pytorch",
    "tensorflow": "tensorflow",
    "tf": "tensorflow",
    "jax": "jax",
    "transformers": "transformers",
    "accelerate": "accelerate",
    "torchvision": "torchvision",
    "torchaudio": "torchaudio",
}
# Names of the legacy or variant packages people ask for by habit -> what they mean here; the build
# (CPU/CUDA, which CUDA) is the proposal's decision, not the name's.
LEGACY_NAMES = {
    "pytorch-gpu": "pytorch",
    "pytorch-cpu": "pytorch",
    "pytorch-cuda": "pytorch",
    "cpuonly": "pytorch",
    "tensorflow-gpu": "tensorflow",
    "tensorflow-cpu": "tensorflow",
}
# CUDA itself comes with the framework builds (conda-forge cuda-* packages or NVIDIA's wheels).
NOT_WANTABLE = ("cudatoolkit", "cuda", "cudnn", "cuda-runtime")
# Packages that run on PyTorch: wanting them means wanting PyTorch, and they follow torch's source
# (conda-forge accelerate run-depends on conda pytorch: conda-forge/accelerate-feedstock recipe).
TORCH_DEPENDENTS = ("accelerate", "torchvision", "torchaudio")
_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")
_PYTHON_RE = re.compile(r"^3\.\d{1,2}$")


@dataclass(frozen=True, slots=True)
class ProposeOptions:
    python: str | None = None
    name: str | None = None
    source: str = "auto"  # auto | conda-forge | pip
    target_is_host: bool = False  # the facts are this machine's own (no overrides, no --from)
    today: _dt.date | None = None  # for end-of-life notes; default: the tables' date


def decide(target: Target, wants: Sequence[str], options: ProposeOptions, tables: Tables) -> Decision:
    """The typed choices for ``target`` and the ``wants`` packages (see :mod:`envadvisor.propose.choices`).

    Pure: the same target, wants and options give the same decision. ``propose`` writes it as a file;
    the fixes of findings render it as commands (:mod:`envadvisor.remedies`).
    """
    proposal = _Decider(tables, tables.checked, target, wants, options).run()
    assert proposal.decision is not None
    return proposal.decision


def propose(
    facts: Facts, wants: Sequence[str], options: ProposeOptions, knowledge: Knowledge, *, lang: str = "en"
) -> Proposal:
    """An environment for ``facts``' machine with the ``wants`` packages, its comments in ``lang``.

    The proposal is then held against the same target by ``check``; an error or warning that remains
    (a trade-off no file can avoid, such as an unused GPU when nothing fits it) is kept in
    :attr:`Proposal.check_findings` (in ``lang``) and printed in the header, never hidden.
    """
    from envadvisor.check import check
    from envadvisor.envfile import parse
    from envadvisor.lang import normalize_lang
    from envadvisor.model import Severity, replace

    target = target_from_facts(facts, knowledge.tables)
    proposal = _Decider(knowledge.tables, knowledge.checked, target, wants, options).run()
    lang = normalize_lang(lang)
    if lang != proposal.lang:
        proposal = replace(proposal, lang=lang)
    result = check(
        parse(proposal.to_yaml(), "<proposal>"),
        facts,
        knowledge,
        lang=lang,
        today=options.today or _dt.date.fromisoformat(knowledge.checked),
    )
    remaining = tuple(f for f in result.findings if f.severity is not Severity.INFO)
    return replace(proposal, check_findings=remaining) if remaining else proposal


# --------------------------------------------------------------------------------------------------
# Plans: what each framework decision contributes
# --------------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    conda: list[Dependency] = field(default_factory=list)
    pip: list[Dependency] = field(default_factory=list)
    python: PythonRange | None = None
    python_label: Phrase | None = None
    notes: list[Note] = field(default_factory=list)
    fallback: Phrase | None = None


@dataclass
class _TfPlan(_Plan):
    choice: TensorflowChoice | None = None


@dataclass
class _JaxPlan(_Plan):
    choice: JaxChoice | None = None


@dataclass
class _TorchPlan(_Plan):
    choice: TorchChoice | None = None

    @property
    def torch(self) -> TorchChoice:
        assert self.choice is not None
        return self.choice

    @property
    def route(self) -> str:
        return self.torch.route

    @property
    def release(self) -> str:
        return self.torch.release

    @property
    def variant(self) -> str:
        return self.torch.variant

    @property
    def cuda(self) -> str | None:
        return self.torch.cuda

    @property
    def index_url(self) -> str | None:
        return self.torch.index_url

    @property
    def numpy2(self) -> bool | None:
        return self.torch.numpy2

    @property
    def conda_cuda_build(self) -> bool:
        return self.torch.route == CONDA_FORGE and self.torch.gpu


@dataclass(frozen=True, slots=True)
class _Candidate:
    route: str
    release: str
    variant: str
    cuda: str
    fits: tuple[Fit, ...]
    cudnn: str | None = None
    cudnn_pin: str | None = None  # conda-forge: a cudnn spec that brings a cuDNN supporting the GPU

    @property
    def clean(self) -> bool:
        return all(f.ok for f in self.fits)

    @property
    def acceptable(self) -> bool:
        """No known misfit; an unknown driver is allowed (said out loud), nothing else unknown."""
        return all(f.ok or (f.ok is None and f.reason.key == _DRIVER_UNKNOWN) for f in self.fits)

    @property
    def failures(self) -> list[Phrase]:
        return [f.reason for f in self.fits if f.ok is False]

    @property
    def based_on(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b for f in self.fits for b in f.based_on))


_DRIVER_UNKNOWN = "fit.driver_unknown_floor"


class _Decider:
    def __init__(
        self, tables: Tables, checked: str, target: Target, wants: Sequence[str], options: ProposeOptions
    ) -> None:
        if options.source not in SOURCES:
            raise UsageError(f"--source {options.source!r}: choose one of {', '.join(SOURCES)}")
        self.t = tables
        self.checked = checked
        self.options = options
        self.today = options.today or _dt.date.fromisoformat(checked)
        self.target = target
        self.wants, self.chains = _normalise_wants(wants)
        self.forced_python = _validate_python(options.python, tables) if options.python else None
        self.notes: list[Note] = []
        self.paired: list[PairedPackage] = []

    # ------------------------------------------------------------------------------------ main
    def run(self) -> Proposal:
        from envadvisor import __version__

        wants = self.wants
        tf = self._tensorflow() if "tensorflow" in wants else None
        torch = self._torch(force_pip=tf is not None) if "pytorch" in wants else None
        if tf is not None and self.options.source == "conda-forge":
            self.notes.append(
                Note("info", phrase("want.tf_from_pip"))
            )
        jax = self._jax() if "jax" in wants else None
        python, python_why = self._python([p for p in (torch, tf) if p is not None])
        everything_pip = tf is not None or (torch is not None and torch.route == "pip")

        conda: list[Dependency] = [
            Dependency(
                "python",
                f"python={python}",
                CONDA,
                python_why,
                tuple(f"python range: {render(p.python_label)}" for p in (torch, tf) if p and p.python),
                ("python",),
            )
        ]
        pip: list[Dependency] = []
        fallback = None
        for plan in (torch, tf, jax):
            if plan is None:
                continue
            conda.extend(plan.conda)
            pip.extend(plan.pip)
            self.notes.extend(plan.notes)
            fallback = fallback or plan.fallback
        dependents_pip = everything_pip
        for name in TORCH_DEPENDENTS:
            if name in wants and torch is not None:
                dep = self._torch_dependent(name, torch, pip_side=dependents_pip)
                (pip if dep.source == PIP else conda).append(dep)
        if "transformers" in wants:
            dep = self._transformers(torch, tf is not None, python, pip_side=everything_pip)
            (pip if dep.source == PIP else conda).append(dep)
        if tf is not None and "transformers" in wants:
            keras = self._tf_keras(tf)
            if keras is not None:
                pip.append(keras)
        if torch is not None and torch.numpy2 is False:
            spec = "numpy<2"
            why = phrase("torch.numpy1", release=torch.release, first=str(self.t.torch_numpy2_first))
            dep = Dependency(
                "numpy",
                spec,
                PIP if torch.route == "pip" else CONDA,
                why,
                ("torch_numpy2",),
                ("pytorch", "numpy"),
            )
            (pip if dep.source == PIP else conda).append(dep)
        for name in wants:
            if name in ALIASES.values() or name in ("python", "pip"):
                continue
            if name == "numpy" and torch is not None and torch.numpy2 is False:
                continue
            on_pip = everything_pip
            wanted = phrase("want.pip" if on_pip else "want.conda")
            dep = Dependency(name, name, PIP if on_pip else CONDA, wanted, (), (name,))
            (pip if on_pip else conda).append(dep)
        if pip:
            conda.append(
                Dependency(
                    "pip",
                    "pip",
                    CONDA,
                    phrase("pip.package"),
                    ("conda env.py: pip dependencies need pip",),
                    ("pip",),
                )
            )
        if not wants:
            self.notes.append(Note("info", phrase("want.nothing")))
        if "transformers" in wants and torch is None and tf is None and jax is None:
            self.notes.append(
                Note("info", phrase("want.transformers_alone"))
            )
        variables: dict[str, str] = {}
        variable_why: dict[str, Value] = {}
        if torch is not None and torch.variant == "mps":
            variables["PYTORCH_ENABLE_MPS_FALLBACK"] = "1"
            variable_why["PYTORCH_ENABLE_MPS_FALLBACK"] = phrase("var.mps_fallback")
        self._python_notes(python)
        unranged = [
            n
            for n in wants
            if n not in ("pytorch", "tensorflow", "transformers", "torchvision", "python", "pip")
        ]
        if unranged:
            self.notes.append(
                Note("info", phrase("python.no_range", names=joined(unranged, ", "), python=python))
            )
        self._target_notes(torch, tf)
        override = None
        if torch is not None and torch.conda_cuda_build and not self.options.target_is_host:
            override = self.target.driver_cuda or torch.cuda
        decision = Decision(
            target=self.target,
            wants=tuple(wants),
            python=python,
            python_why=python_why,
            torch=torch.choice if torch is not None else None,
            paired=tuple(self.paired),
            tensorflow=tf.choice if tf is not None else None,
            jax=jax.choice if jax is not None else None,
            transformers_spec=next((d.spec for d in conda + pip if d.name == "transformers"), None),
        )
        return Proposal(
            decision=decision,
            name=self.options.name or _default_name(wants),
            wants=tuple(wants),
            python=python,
            python_why=python_why,
            target=self.target,
            channels=CHANNELS,
            dependencies=tuple(conda + pip),
            tables_checked=self.checked,
            tool_version=__version__,
            variables=variables,
            variable_why=variable_why,
            notes=tuple(dict.fromkeys(self.notes)),
            fallback=fallback,
            conda_override_cuda=override,
            needs_target_host=not self.options.target_is_host and self.target.system != "linux",
        )

    # ------------------------------------------------------------------------------------ PyTorch
    def _torch(self, *, force_pip: bool) -> _TorchPlan:
        t = self.target
        source = "pip" if force_pip else self.options.source
        if t.system == "macos":
            return self._torch_macos(source)
        if not t.gpus:
            why = target_note(t.gpu_note) if t.gpu_note else phrase("torch.no_gpu")
            return self._torch_cpu(source, why)
        conda_cands = self._conda_forge_candidates() if source != "pip" else []
        pip_cands = self._wheel_candidates() if source != "conda-forge" else []
        clean_conda = [c for c in conda_cands if c.acceptable and not c.cudnn_pin]
        clean_pip = [c for c in pip_cands if c.acceptable]
        pinned_conda = [c for c in conda_cands if c.acceptable and c.cudnn_pin]
        newest_pip_release = self._newest_wheel_release()
        if clean_conda:
            return self._torch_from_candidate(clean_conda[0])
        if clean_pip:
            chosen = clean_pip[0]
            plan = self._torch_from_candidate(chosen)
            if conda_cands and source == "auto":
                plan.notes.append(
                    Note("info", phrase("torch.conda_forge_misfit", reasons=joined(_reasons(conda_cands))))
                )
            if newest_pip_release and chosen.release != newest_pip_release.version:
                newer = [c for c in pip_cands if c.release == newest_pip_release.version]
                plan.fallback = phrase(
                    "torch.older_release",
                    newest=newest_pip_release.version,
                    reasons=joined(_reasons(newer)),
                    chosen=chosen.release,
                )
                plan.notes.extend(self._driver_update_note(conda_cands + newer))
            return plan
        if pinned_conda:
            return self._torch_from_candidate(pinned_conda[0])
        if source == "conda-forge":
            raise UsageError(
                "--source conda-forge: no conda-forge PyTorch build fits "
                + t.describe_gpus()
                + " ("
                + joined(_reasons(conda_cands)).text("en")
                + "); --source auto or pip looks at older wheels"
            )
        newest_pip = [c for c in pip_cands if newest_pip_release and c.release == newest_pip_release.version]
        reasons = _reasons(conda_cands) + _reasons(newest_pip)
        if pip_cands:
            reasons.append(phrase("torch.no_older_wheel"))
        plan = self._torch_cpu(source, phrase("torch.no_build_fits"))
        plan.fallback = phrase(
            "torch.cpu_fallback", reasons=joined(reasons) if reasons else phrase("torch.no_build_known")
        )
        plan.notes.extend(self._driver_update_note(conda_cands + newest_pip))
        option = self._driver_update_option(conda_cands + pip_cands)
        if option is not None and plan.choice is not None:
            floor, major, _ = option
            plan.choice = replace(plan.choice, driver_needed=floor, driver_needed_cuda=str(major))
        last = self._dropped_by_driver()
        if last is not None and plan.choice is not None:
            plan.choice = replace(plan.choice, driver_last_branch=last)
        return plan

    def _dropped_by_driver(self) -> int | None:
        """The last driver branch of a GPU this driver no longer drives (a Pascal GPU on R590)."""
        t = self.target
        for g in t.gpus:
            if t.driver and self.t.driver_dropped_gpu(t.driver, g.compute_capability, t.system):
                return self.t.last_driver_branch_for_cc(g.compute_capability)
        return None

    def _driver_update_option(self, cands: Sequence[_Candidate]) -> tuple[str, int, _Candidate] | None:
        """The smallest driver update that would let one of ``cands`` fit: (floor, CUDA major, build).
        The floor is the newer of what the build's CUDA needs and what the GPUs need."""
        options: list[tuple[tuple[int, ...], str, int, _Candidate]] = []
        gpu_floor = gpu_driver_floor(self.t, self.target)
        for c in cands:
            failing = [f for f in c.fits if f.ok is False]
            if failing and all(
                f.based_on and f.based_on[0].startswith(("cuda_minor_version", f"{GPU_DRIVER_BASIS}["))
                for f in failing
            ):
                major = (vtuple(c.cuda) or (0,))[0]
                floors = [f for f in (self.t.minor_compat_floor(major, self.target.system), gpu_floor) if f]
                if floors:
                    floor = max(floors, key=lambda v: vtuple(v) or (0,))
                    options.append((vtuple(floor) or (0,), floor, major, c))
        if not options:
            return None
        _, floor, major, c = min(options, key=lambda o: o[0])
        return floor, major, c

    def _driver_update_note(self, cands: Sequence[_Candidate]) -> list[Note]:
        """When only the driver stands between the GPU and a build, say which driver would do."""
        option = self._driver_update_option(cands)
        if option is None:
            return []
        floor, major, c = option
        return [Note("info", phrase("torch.driver_update", floor=floor, major=str(major), build=_label(c)))]

    def _newest_wheel_release(self) -> TorchRelease | None:
        for r in self.t.torch_releases:
            if r.variants:
                return r
        return None

    def _conda_forge_newest(self) -> str | None:
        table = rows_of(self.t, "conda_forge_pytorch")
        if table and isinstance(table[0], dict) and table[0].get("newest"):
            return str(table[0]["newest"])
        return None

    def _conda_forge_candidates(self) -> list[_Candidate]:
        t = self.target
        newest = self._conda_forge_newest()
        branch = self.t.conda_forge_pytorch_branch(newest) if newest else None
        if newest is None or branch is None:
            return []
        if self.forced_python and not branch.python.contains(self.forced_python):
            return []
        release = ".".join(newest.split(".")[:2])
        out = []
        for cuda in self._cuda_order(branch.cuda.get(t.subdir, ())):
            arch_list = self.t.conda_forge_arch_list(release, cuda, t.arch)
            gpu_fit, needs_ptx = gpus_covered(arch_list, t.gpus)
            drv = self._driver(cuda, needs_ptx)
            fits = [gpu_fit, drv]
            if t.system == "linux":
                fits.append(self._glibc_fit(cuda))
            cudnn_ok, pin = self._conda_cudnn()
            fits.append(cudnn_ok)
            gpu_fit = Fit(
                gpu_fit.ok,
                gpu_fit.reason,
                (f"conda_forge_pytorch.arch_lists_{release.replace('.', '_')}[{cuda}]",),
            )
            fits[0] = gpu_fit
            out.append(
                _Candidate(
                    "conda-forge", release, f"cuda{cuda.replace('.', '')}", cuda, tuple(fits), cudnn_pin=pin
                )
            )
        return out

    def _wheel_candidates(self) -> list[_Candidate]:
        t = self.target
        platform = platform_of(t)
        out = []
        for release in self.t.torch_releases:
            if not release.variants:
                continue
            if self.forced_python and not release.python.contains(self.forced_python):
                continue
            cudas = {variant_cuda(v): v for v in release.variants if variant_cuda(v)}
            for cuda in self._cuda_order([c for c in cudas if c]):
                variant = cudas[cuda]
                arch_list = self.t.torch_arch_list(release.version, variant, platform)
                gpu_fit, needs_ptx = gpus_covered(arch_list, t.gpus)
                gpu_fit = Fit(
                    gpu_fit.ok, gpu_fit.reason, (f"torch_arch_lists[{release.version} {variant} {platform}]",)
                )
                cudnn = self.t.torch_variant_cudnn(release.version, variant)
                cudnn_ok = cudnn_fit(self.t, cudnn, t.gpus) if cudnn else self._cudnn_unknown_fit()
                fits = (gpu_fit, self._driver(cuda, needs_ptx), cudnn_ok)
                out.append(_Candidate("pip", release.version, variant, cuda, fits, cudnn=cudnn))
        return out

    def _cuda_order(self, cudas: Sequence[str]) -> list[str]:
        """Preferred CUDA lines first: the newest the driver runs natively, then newer ones of its
        major (minor version compatibility); with the driver unknown, the oldest major first."""
        dc = self.target.driver_cuda
        by_version = sorted(cudas, key=lambda c: vtuple(c) or (0,), reverse=True)
        if dc is None:
            return sorted(by_version, key=lambda c: (vtuple(c) or (0,))[0])
        native = [c for c in by_version if version_ge(dc, c)]
        return native + [c for c in by_version if c not in native]

    def _driver(self, cuda: str, needs_ptx: bool) -> Fit:
        fit = driver_fit(self.t, self.target, cuda, needs_ptx=needs_ptx)
        if fit.ok is None and self.target.driver is None and self.target.driver_cuda is None:
            major = (vtuple(cuda) or (0,))[0]
            floor = self.t.minor_compat_floor(major, self.target.system)
            return Fit(None, phrase(_DRIVER_UNKNOWN, cuda=cuda, floor=str(floor)), fit.based_on)
        return fit

    def _glibc_fit(self, cuda: str) -> Fit:
        need = self.t.conda_forge_glibc_min(cuda)
        basis = (f"conda_forge_pytorch.linux_glibc_min[{cuda}]",)
        if need is None:
            return Fit(None, phrase("fit.glibc_unknown_need", cuda=cuda), basis)
        have = self.target.glibc
        if have is None:
            # conda-forge's own baseline is glibc 2.17: a build that needs no more than that fits.
            ok = version_ge("2.17", need)
            return Fit(True if ok else None, phrase("fit.glibc_unknown", cuda=cuda, need=need), basis)
        if version_ge(have, need):
            return Fit(True, phrase("fit.glibc_ok", have=have, need=need), basis)
        return Fit(False, phrase("fit.glibc_too_old", cuda=cuda, need=need, have=have), basis)

    def _cudnn_floor(self) -> str | None:
        """The lowest compute capability every cuDNN release in the tables supports."""
        ccs = [str(r.get("cc_min")) for r in rows_of(self.t, "cudnn_cc_support") if isinstance(r, dict)]
        return max(ccs, key=lambda c: vtuple(c) or (0,)) if ccs else None

    def _cudnn_unknown_fit(self) -> Fit:
        floor = self._cudnn_floor()
        lowest = min((g.compute_capability for g in self.target.gpus), key=lambda c: vtuple(c) or (0,))
        if floor and version_ge(lowest, floor):
            return Fit(True, phrase("fit.cudnn_every", cc=floor), ("cudnn_cc_support",))
        return Fit(None, phrase("fit.cudnn_older_needed"))

    def _conda_cudnn(self) -> tuple[Fit, str | None]:
        """conda-forge resolves the newest cuDNN its pytorch allows; pin one for GPUs newer ones dropped."""
        fit = self._cudnn_unknown_fit()
        if fit.ok:
            return fit, None
        lowest = min((g.compute_capability for g in self.target.gpus), key=lambda c: vtuple(c) or (0,))
        rows = [r for r in rows_of(self.t, "cudnn_cc_support") if isinstance(r, dict)]
        rows.sort(key=lambda r: vtuple(r.get("cudnn_to")) or (0,), reverse=True)
        for r in rows:
            if version_ge(lowest, r.get("cc_min")):
                hi = vtuple(r.get("cudnn_to")) or (0, 0)
                lo = vtuple(r.get("cudnn_from")) or (0, 0)
                if lo[0] != hi[0]:
                    continue
                spec = f"cudnn>={lo[0]}.{lo[1]},<{hi[0]}.{hi[1] + 1}"
                pinned = phrase(
                    "fit.cudnn_pinned", first=str(r.get("cudnn_from")), last=str(r.get("cudnn_to")), cc=lowest
                )
                return Fit(True, pinned, (f"cudnn_cc_support[{r.get('cudnn_from')}]",)), spec
        return Fit(False, phrase("fit.cudnn_none", cc=lowest)), None

    def _torch_version(self, release: str) -> str | None:
        """The newest patch release of ``release`` the registry serves (None: the tables do not list it)."""
        return self.t.newest_patch("torch", release)

    def _plan_for(self, choice: TorchChoice, label: Phrase, notes: Sequence[Note] = ()) -> _TorchPlan:
        plan = _TorchPlan(choice=choice, python=choice.python, python_label=label, notes=list(notes))
        conda, pip = install.torch_lines(choice, self.target)
        plan.conda.extend(conda)
        plan.pip.extend(pip)
        return plan

    def _torch_from_candidate(self, c: _Candidate) -> _TorchPlan:
        notes = [Note("warning", f.reason) for f in c.fits if f.ok is None]
        if c.route == "conda-forge":
            branch = self.t.conda_forge_pytorch_branch(c.release)
            assert branch is not None
            choice = TorchChoice(
                route=CONDA_FORGE, release=c.release, version=None, variant=c.variant, package="pytorch-gpu",
                cuda=c.cuda, cudnn_pin=c.cudnn_pin, python=branch.python,
                based_on=(
                    f"conda_forge_pytorch.branches[{branch.torch_from}-{branch.torch_to}]", *c.based_on
                ),
            )
            label = phrase("python.label_conda_forge", release=c.release, python=str(branch.python))
            plan = self._plan_for(choice, label, notes)
            if c.cudnn_pin:
                plan.notes.append(Note("warning", phrase("torch.cudnn_pinned_note")))
            return plan
        release = self.t.torch_release(c.release)
        assert release is not None
        choice = TorchChoice(
            route=PIP_ROUTE, release=c.release, version=self._torch_version(c.release), variant=c.variant,
            package="torch", cuda=c.cuda, index_url=f"{TORCH_INDEX}{c.variant}", cudnn=c.cudnn,
            numpy2=self.t.torch_supports_numpy2(c.release), python=release.python,
            based_on=(f"torch_releases[{c.release}]", *c.based_on),
        )
        return self._plan_for(choice, _wheels_label(c.release, release.python), notes)

    def _torch_cpu(self, source: str, reason: Value) -> _TorchPlan:
        plan = self._conda_forge_build(source, variant="cpu", package="pytorch-cpu", known_subdir=True,
                                       cpu_reason=reason)
        if plan is not None:
            return plan
        release = self._wheel_release_for_python()
        choice = TorchChoice(
            route=PIP_ROUTE, release=release.version, version=self._torch_version(release.version),
            variant="cpu", package="torch", index_url=f"{TORCH_INDEX}cpu",
            numpy2=self.t.torch_supports_numpy2(release.version), python=release.python, cpu_reason=reason,
            based_on=(f"torch_releases[{release.version}]",),
        )
        return self._plan_for(choice, _wheels_label(release.version, release.python))

    def _wheel_release_for_python(self, ceiling: str | None = None) -> TorchRelease:
        for r in self.t.torch_releases:
            if not r.variants or (ceiling and not version_ge(ceiling, r.version)):
                continue
            if self.forced_python and not r.python.contains(self.forced_python):
                continue
            return r
        raise UsageError(f"no PyTorch release in the tables supports Python {self.forced_python}")

    def _torch_macos(self, source: str) -> _TorchPlan:
        t = self.target
        if t.arch != "arm64":
            last = self.t.torch_macos_x86_64_last
            release = self.t.torch_release(last)
            assert release is not None
            if self.forced_python and not release.python.contains(self.forced_python):
                raise UsageError(
                    f"PyTorch {last}, the last release for Intel Macs, supports Python "
                    f"{release.python}, not {self.forced_python}"
                )
            choice = TorchChoice(
                route=PIP_ROUTE, release=last, version=self._torch_version(last), variant="cpu",
                package="torch",
                numpy2=self.t.torch_supports_numpy2(last), python=release.python,
                wheel_platform_note=phrase("torch.macos_x86_64_note", release=last),
                based_on=("torch_macos_x86_64",),
            )
            plan = self._plan_for(choice, _wheels_label(last, release.python))
            plan.fallback = phrase("torch.macos_x86_64_fallback", release=last)
            return plan
        mps = self._conda_forge_build(source, variant="mps", package="pytorch", known_subdir=False)
        if mps is not None:
            return mps
        release = self._wheel_release_for_python()
        choice = TorchChoice(
            route=PIP_ROUTE, release=release.version, version=self._torch_version(release.version),
            variant="mps", package="torch", numpy2=self.t.torch_supports_numpy2(release.version),
            python=release.python,
            wheel_platform_note=phrase("torch.macos_arm64_note", release=release.version),
            based_on=(f"torch_releases[{release.version}]",),
        )
        return self._plan_for(choice, _wheels_label(release.version, release.python))

    def _conda_forge_build(
        self, source: str, *, variant: str, package: str, known_subdir: bool, cpu_reason: Value | None = None
    ) -> _TorchPlan | None:
        """conda-forge's newest PyTorch as ``package`` (pytorch-cpu, or pytorch on osx-arm64), if allowed."""
        newest = self._conda_forge_newest()
        branch = self.t.conda_forge_pytorch_branch(newest) if newest else None
        if source == "pip" or branch is None or newest is None:
            return None
        if known_subdir and self.target.subdir not in set(branch.cuda) | {"osx-arm64"}:
            return None
        if self.forced_python and not branch.python.contains(self.forced_python):
            return None
        line = ".".join(newest.split(".")[:2])
        choice = TorchChoice(
            route=CONDA_FORGE, release=line, version=None, variant=variant, package=package,
            python=branch.python, cpu_reason=cpu_reason,
            based_on=(f"conda_forge_pytorch.branches[{branch.torch_from}-{branch.torch_to}]",),
        )
        label = phrase("python.label_conda_forge", release=line, python=str(branch.python))
        return self._plan_for(choice, label)

    def _paired_version(self, name: str, line: str, torch: _TorchPlan) -> str:
        """The release of ``name`` that pairs with the chosen torch: the same patch number as torch's
        (torchvision 0.24.1 with torch 2.9.1, each pins the other exactly), else the newest patch of the
        line the registry lists, else the line's first release."""
        version = torch.torch.version
        patch = version.split(".")[2] if version and version.count(".") >= 2 else None
        if patch is not None and self.t.has_release(name, f"{line}.{patch}"):
            return f"{line}.{patch}"
        return self.t.newest_patch(name, line) or f"{line}.0"

    def _torch_dependent(self, name: str, torch: _TorchPlan, *, pip_side: bool) -> Dependency:
        chain = (name, "pytorch")
        release = self.t.torch_release(torch.release)
        if not pip_side and torch.route == "conda-forge":
            why = phrase(f"dep.{name}_conda")
            return Dependency(name, name, CONDA, why, ("conda.conda_forge_pytorch",), chain)
        if name == "accelerate":
            return Dependency(
                name,
                name,
                PIP,
                phrase("dep.accelerate_pip"),
                ("pixi docs: torch dependents follow torch's source",),
                chain,
            )
        if name == "torchvision" and release is not None and release.torchvision:
            exact = self._paired_version(name, release.torchvision, torch)
            self.paired.append(PairedPackage(name, release.torchvision, exact))
            suffix = f"+{torch.variant}" if torch.index_url else ""
            spec = (
                f"torchvision=={exact}{suffix}"
                if suffix
                else f"torchvision=={release.torchvision}.*"
            )
            return Dependency(
                name,
                spec,
                PIP,
                phrase("dep.torchvision_pair", line=release.torchvision, torch=torch.release),
                (f"torch_releases[{torch.release}].torchvision",),
                chain,
            )
        if name == "torchaudio":
            open_ended = rows_of(self.t, "torchaudio_open_ended")
            ta = open_ended[0] if open_ended and isinstance(open_ended[0], dict) else {}
            if release is not None and release.torchaudio:
                exact = self._paired_version(name, release.torchaudio, torch)
                self.paired.append(PairedPackage(name, release.torchaudio, exact))
                suffix = f"+{torch.variant}" if torch.index_url else ""
                spec = (
                    f"torchaudio=={exact}{suffix}"
                    if suffix
                    else f"torchaudio=={release.torchaudio}.*"
                )
                return Dependency(
                    name,
                    spec,
                    PIP,
                    phrase("dep.torchaudio_pair", line=release.torchaudio, torch=torch.release),
                    (f"torch_releases[{torch.release}].torchaudio",),
                    chain,
                )
            if ta and version_ge(torch.release, ta.get("torch_min")):
                self.paired.append(PairedPackage(name, str(ta["torchaudio"]), None))
                spec = f"torchaudio=={ta['torchaudio']}.*"
                newest_ta = {"version": str(ta["torchaudio"]), "torch_min": str(ta["torch_min"])}
                self.notes.append(Note("info", phrase("dep.torchaudio_maintenance", **newest_ta)))
                return Dependency(
                    name,
                    spec,
                    PIP,
                    phrase("dep.torchaudio_open", **newest_ta),
                    ("torchaudio_open_ended",),
                    chain,
                )
        self.notes.append(Note("warning", phrase("dep.no_pairing_note", name=name, torch=torch.release)))
        return Dependency(
            name,
            name,
            PIP if pip_side or torch.route == "pip" else CONDA,
            phrase("dep.no_pairing", torch=torch.release),
            (),
            chain,
        )

    # ------------------------------------------------------------------------------------ TensorFlow
    def _tensorflow(self) -> _TfPlan:
        t = self.target
        newest = self.t.newest_tensorflow
        if t.system == "macos":
            version = newest if t.arch == "arm64" else self.t.tf_macos_x86_64_last
            plan = self._tf_plan(
                version,
                "linux",
                gpu=False,
                why=phrase("tf.macos", version=version, arch=t.arch),
            )
            if t.arch != "arm64":
                plan.fallback = phrase("tf.macos_x86_64_fallback", version=version)
            return plan
        if t.system == "windows":
            if t.gpus:
                last = self.t.tf_windows_gpu_last
                cfg = self.t.tf_tested_config(last, "windows")
                if cfg is not None and cfg.cuda and cfg.cudnn:
                    fit = self._tf_gpu_fit(cfg.cuda, cfg.cudnn, cfg.python)
                    if fit is None and self.forced_python:
                        # asked for with --python inside TF 2.10's range: the GPU route, on an old Python
                        return self._tf_windows_gpu(cfg.version, cfg.cuda, cfg.cudnn, cfg.python)
                    reason = fit or phrase(
                        "tf.windows_eol_python", python=str(cfg.python), max=str(cfg.python.max)
                    )
                else:
                    reason = phrase("tf.windows_no_config")
                plan = self._tf_plan(
                    newest, "windows", gpu=False, why=phrase("tf.windows_cpu", version=newest, last=last)
                )
                plan.notes.append(Note("warning", phrase("tf.windows_gpu_ended", last=last, reason=reason)))
                return plan
            return self._tf_plan(newest, "windows", gpu=False, why=phrase("tf.cpu_no_gpu", version=newest))
        if t.arch != "x86_64":
            plan = self._tf_plan(
                newest,
                "linux",
                gpu=False,
                why=phrase("tf.linux_arch_cpu", version=newest, arch=t.arch),
            )
            return plan
        if not t.gpus:
            return self._tf_plan(newest, "linux", gpu=False, why=phrase("tf.cpu_no_gpu", version=newest))
        rejected: list[Phrase] = []
        pins_rows = [r for r in rows_of(self.t, "tf_and_cuda_pins") if isinstance(r, dict)]
        for version in sorted(
            (str(r["version"]) for r in pins_rows), key=lambda v: vtuple(v) or (0,), reverse=True
        ):
            pins = self.t.tf_and_cuda_pins(version)
            cfg = self.t.tf_tested_config(version, "linux")
            if pins is None or cfg is None:
                continue
            fit = self._tf_gpu_fit(pins.cuda, pins.cudnn, cfg.python)
            if fit is None:
                plan = self._tf_plan(
                    version,
                    "linux",
                    gpu=True,
                    why=phrase("tf.and_cuda", version=version, cuda=pins.cuda, cudnn=pins.cudnn),
                )
                if version != newest:
                    plan.fallback = phrase(
                        "tf.older_release", newest=newest, rejected=joined(rejected[:2]), version=version
                    )
                self._tf_blackwell_note(plan, pins.cuda)
                return plan
            rejected.append(phrase("tf.rejected", version=version, reason=fit))
        plan = self._tf_plan(newest, "linux", gpu=False, why=phrase("tf.cpu_nothing_fits", version=newest))
        plan.fallback = phrase("tf.cpu_fallback", rejected=joined(rejected[:3]))
        return plan

    def _tf_gpu_fit(self, cuda: str, cudnn: str, python: PythonRange) -> Phrase | None:
        """None when TensorFlow's CUDA/cuDNN fit the target, else the reason."""
        if self.forced_python and not python.contains(self.forced_python):
            return phrase("tf.python", python=str(python))
        drv = self._driver(cuda, needs_ptx=False)
        if drv.ok is False:
            return drv.reason
        for g in self.target.gpus:
            rng = self.t.cc_range_for_cuda(cuda)
            if rng is not None and not version_ge(g.compute_capability, rng.cc_min):
                return phrase("tf.cc_floor", cuda=cuda, cc=str(rng.cc_min))
        cud = cudnn_fit(self.t, cudnn, self.target.gpus)
        if cud.ok is False:
            return cud.reason
        return None

    def _tf_blackwell_note(self, plan: _Plan, cuda: str) -> None:
        for g in self.target.gpus:
            if self.t.cuda_supports_cc(cuda, g.compute_capability) is False:
                plan.notes.append(Note("warning", phrase("tf.ptx_only", cuda=cuda, cc=g.compute_capability)))

    def _tf_plan(self, version: str, system: str, *, gpu: bool, why: Phrase) -> _TfPlan:
        cfg = self.t.tf_tested_config(version, system if gpu or system != "windows" else "linux")
        python = cfg.python if cfg else None
        if system == "windows" and not gpu:
            # the Windows CPU table has its own Python ranges
            for row in rows_of(self.t, "tf_tested_windows_cpu_python"):
                if (
                    isinstance(row, dict)
                    and (vtuple(row.get("version")) or ())[:2] == (vtuple(version) or ())[:2]
                ):
                    py = row.get("python") or {}
                    python = PythonRange(str(py.get("min")), str(py.get("max")))
        if self.forced_python and python and not python.contains(self.forced_python):
            raise UsageError(f"TensorFlow {version} supports Python {python}, not {self.forced_python}")
        spec = f"tensorflow[and-cuda]=={version}.*" if gpu else f"tensorflow=={version}.*"
        pins = self.t.tf_and_cuda_pins(version) if gpu else None
        choice = TensorflowChoice(
            route="and-cuda" if gpu else "cpu", release=version, python=python,
            cuda=pins.cuda if pins else None, cudnn=pins.cudnn if pins else None, reason=why,
        )
        label = phrase("python.label_tensorflow", release=version, python=str(python)) if python else None
        plan = _TfPlan(python=python, python_label=label, choice=choice)
        basis = (f"tf_tested_linux_gpu[{version}]",) + ((f"tf_and_cuda_pins[{version}]",) if gpu else ())
        plan.pip.append(Dependency("tensorflow", spec, PIP, why, basis, ("tensorflow",)))
        return plan

    def _tf_windows_gpu(self, version: str, cuda: str, cudnn: str, python: PythonRange) -> _TfPlan:
        choice = TensorflowChoice(
            route="windows-gpu", release=version, python=python, cuda=cuda, cudnn=cudnn,
            reason=phrase("tf.windows_gpu", version=version),
        )
        label = phrase("python.label_tensorflow_windows", release=version, python=str(python))
        plan = _TfPlan(python=python, python_label=label, choice=choice)
        chain = ("tensorflow",)
        basis = (f"tf_tested_windows_gpu[{version}]", "tf_platform_limits.windows_native_gpu_last")
        plan.conda.append(
            Dependency(
                "cudatoolkit",
                f"cudatoolkit={cuda}",
                CONDA,
                phrase("tf.windows_cudatoolkit", cuda=cuda, version=version),
                basis,
                (*chain, "cudatoolkit"),
            )
        )
        plan.conda.append(
            Dependency(
                "cudnn",
                f"cudnn={cudnn}.0",
                CONDA,
                phrase("tf.windows_cudnn", cudnn=cudnn, version=version),
                basis,
                (*chain, "cudnn"),
            )
        )
        plan.pip.append(
            Dependency(
                "tensorflow",
                f"tensorflow=={version}.*",
                PIP,
                phrase("tf.windows_gpu", version=version),
                basis,
                chain,
            )
        )
        plan.fallback = phrase(
            "tf.windows_gpu_fallback", version=version, cuda=cuda, cudnn=cudnn, python=str(python)
        )
        return plan

    def _tf_keras(self, tf: _TfPlan) -> Dependency | None:
        version = tf.choice.release if tf.choice else ""
        if not version or not self.t.tf_uses_keras3(version):
            return None
        return Dependency(
            "tf-keras",
            "tf-keras",
            PIP,
            phrase("tf.keras", version=version),
            ("tf_keras",),
            ("transformers", "tensorflow", "tf-keras"),
        )

    # ------------------------------------------------------------------------------------ JAX
    def _jax(self) -> _JaxPlan:
        t = self.target
        plan = _JaxPlan(choice=JaxChoice(None, "CPU"))
        url = "https://docs.jax.dev/en/latest/installation.html"
        if t.system == "linux" and t.gpus:
            for major in ("13", "12"):
                cuda = f"{major}.0"
                drv = self._driver(cuda, needs_ptx=False)
                covered = all(
                    self.t.cuda_supports_cc(self._newest_cuda_of(major), g.compute_capability) for g in t.gpus
                )
                if drv.ok is not False and covered:
                    plan.pip.append(
                        Dependency(
                            "jax",
                            f"jax[cuda{major}]",
                            PIP,
                            phrase("jax.cuda", major=major),
                            (f"cuda_minor_version_compatibility[{major}]", url),
                            ("jax",),
                        )
                    )
                    if drv.ok is None:
                        plan.notes.append(Note("warning", drv.reason))
                    plan.choice = JaxChoice(major, f"CUDA {major}")
                    return plan
            plan.pip.append(
                Dependency(
                    "jax",
                    "jax",
                    PIP,
                    phrase("jax.cpu_nothing_fits"),
                    (url,),
                    ("jax",),
                )
            )
            plan.fallback = phrase("jax.cpu_fallback")
            return plan
        where = phrase({"windows": "jax.windows", "macos": "jax.macos"}.get(t.system or "", "jax.no_gpu"))
        plan.pip.append(Dependency("jax", "jax", PIP, phrase("jax.cpu", where=where), (url,), ("jax",)))
        return plan

    def _newest_cuda_of(self, major: str) -> str:
        lines = [r.cuda_to for r in self.t.cc_ranges if r.cuda_to.split(".")[0] == major]
        return max(lines, key=lambda c: vtuple(c) or (0,)) if lines else f"{major}.0"

    # ------------------------------------------------------------------------------------ Transformers
    def _transformers(
        self, torch: _TorchPlan | None, with_tf: bool, python: str, *, pip_side: bool
    ) -> Dependency:
        lines = self.t.transformers_lines  # newest first
        chain = ("transformers",)
        for i, line in enumerate(lines):
            if with_tf and not line.tensorflow:
                continue
            if not version_ge(python, line.python_min):
                continue
            if torch is not None and line.torch_min and not version_ge(torch.release, line.torch_min):
                continue
            upper = None
            if i > 0:
                newer = lines[i - 1]
                if newer.confidence == "high" or with_tf:
                    upper = newer.version_from
                else:
                    major, minor = (vtuple(line.version_from) or (0, 0))[:2]
                    upper = f"{major}.{minor + 1}"
            if with_tf:
                first_without_tf = min(
                    (x.version_from for x in lines if not x.tensorflow), key=lambda v: vtuple(v) or (0,)
                )
                upper = first_without_tf.split(".")[0]
            spec = f"transformers>={line.version_from}" + (f",<{upper}" if upper else "")
            reasons: list[Value] = []
            if with_tf:
                reasons.append(phrase("transformers.tf_last", upper=str(upper), line=line.version_from))
            if torch is not None and line.torch_min:
                reasons.append(
                    phrase("transformers.torch_min", torch_min=line.torch_min, torch=torch.release)
                )
            reasons.append(phrase("transformers.python_min", python=line.python_min))
            source = PIP if pip_side else CONDA
            if source == CONDA and upper is None:
                spec = f"transformers>={line.version_from}"
            return Dependency(
                "transformers",
                spec,
                source,
                joined(reasons),
                (f"transformers_lines[{line.version_from}]",),
                chain,
            )
        self.notes.append(Note("warning", phrase("transformers.none_fits_note")))
        return Dependency(
            "transformers",
            "transformers",
            PIP if pip_side else CONDA,
            phrase("transformers.none_fits"),
            (),
            chain,
        )

    # ------------------------------------------------------------------------------------ Python
    def _python(self, plans: Sequence[_Plan]) -> tuple[str, Phrase]:
        ranges = [(p.python, p.python_label or "") for p in plans if p.python is not None]
        if self.forced_python:
            for rng, label in ranges:
                if not rng.contains(self.forced_python):
                    raise UsageError(f"--python {self.forced_python}: outside {render(label)}")
            return self.forced_python, phrase("python.forced")
        candidates = _known_pythons(self.t)
        fitting = [v for v in candidates if all(_strictly_inside(rng, v) for rng, _ in ranges)]
        if not fitting:
            labels = joined([label for _, label in ranges]).text("en")
            raise UsageError(
                f"no Python fits every chosen package ({labels}); propose them in separate environments"
            )
        live = [v for v in fitting if not self.t.python_is_eol(v, self.today)]
        chosen = (live or fitting)[-1]
        if ranges:
            why = phrase("python.newest_for", labels=joined([label for _, label in ranges]))
        else:
            why = phrase("python.newest")
        return chosen, why

    def _python_notes(self, python: str) -> None:
        if self.t.python_is_eol(python, self.today):
            eol = self.t.python_eol(python)
            self.notes.append(
                Note("warning", phrase("python.eol", python=python, eol=str(eol)))
            )

    def _target_notes(self, torch: _TorchPlan | None, tf: _Plan | None) -> None:
        t = self.target
        if t.wsl and t.gpus:
            self.notes.append(
                Note("info", phrase("note.wsl2"))
            )
        if torch is not None and torch.variant == "mps":
            self.notes.append(
                Note("info", phrase("note.mps"))
            )


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _why_not(c: _Candidate) -> list[Phrase]:
    if c.failures:
        return [phrase("torch.candidate_misfit", build=_label(c), reason=r) for r in c.failures]
    if c.cudnn_pin:
        return [phrase("torch.candidate_cudnn_pin", build=_label(c))]
    unknown = [f.reason for f in c.fits if f.ok is None]
    return [phrase("torch.candidate_misfit", build=_label(c), reason=r) for r in unknown]


def _reasons(cands: Sequence[_Candidate]) -> list[Value]:
    """One reason per candidate (the first misfit), in preference order."""
    out: list[Value] = []
    for c in cands:
        why = _why_not(c)
        if why and why[0] not in out:
            out.append(why[0])
    return out


def _wheels_label(release: str, python: PythonRange) -> Phrase:
    return phrase("python.label_wheels", release=release, python=str(python))


def _label(c: _Candidate) -> str:
    if c.route == "conda-forge":
        return f"conda-forge {c.release} CUDA {c.cuda}"
    return f"torch {c.release}+{c.variant}"


def _normalise_wants(wants: Sequence[str]) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    out: list[str] = []
    chains: dict[str, tuple[str, ...]] = {}
    for raw in wants:
        name = raw.strip()
        if not name:
            continue
        if not _NAME_RE.match(name):
            raise UsageError(f"{raw!r} is not a package name (write versions in the file, not here)")
        key = name.lower()
        if key in NOT_WANTABLE:
            raise UsageError(
                f"{raw!r}: CUDA comes with the framework's build (conda-forge cuda-* packages or NVIDIA's "
                "wheels); name the framework instead (pytorch, tensorflow, jax)"
            )
        key = LEGACY_NAMES.get(key, key)
        canonical = ALIASES.get(key, key)
        if canonical not in out:
            out.append(canonical)
        chains.setdefault(canonical, (canonical,))
    for dep in TORCH_DEPENDENTS:
        if dep in out and "pytorch" not in out:
            out.insert(out.index(dep), "pytorch")
            chains["pytorch"] = (dep, "pytorch")
    return out, chains


def _validate_python(python: str, tables: Tables) -> str:
    text = python.strip()
    if not _PYTHON_RE.match(text):
        raise UsageError(f"--python {python!r}: expected a Python 3 version such as 3.12")
    if text not in _known_pythons(tables, include_unconfirmed=True):
        raise UsageError(f"--python {python}: the tables do not know Python {text}")
    return text


def _known_pythons(tables: Tables, *, include_unconfirmed: bool = False) -> list[str]:
    out = []
    for row in rows_of(tables, "python_eol"):
        if not isinstance(row, dict) or not row.get("version"):
            continue
        if not include_unconfirmed and str(row.get("confidence") or "high") != "high":
            continue  # a planned release (3.15 "planned"): not offered by default
        out.append(str(row["version"]))
    return sorted(out, key=lambda v: vtuple(v) or (0,))


def _strictly_inside(rng: PythonRange, python: str) -> bool:
    return bool(version_ge(python, rng.min) and version_ge(rng.max, python))


def _default_name(wants: Sequence[str]) -> str:
    name = "-".join(wants) or "python"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", name)[:48].strip("-")
    return name or "env"


def decision_summary(proposal: Proposal) -> dict[str, Any]:
    """A short dict for logs and tests: route and key pins."""
    return {d.name: d.spec for d in proposal.dependencies}
