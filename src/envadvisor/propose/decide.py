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


def propose(facts: Facts, wants: Sequence[str], options: ProposeOptions, knowledge: Knowledge) -> Proposal:
    """An environment for ``facts``' machine with the ``wants`` packages.

    The proposal is then held against the same target by ``check``; an error or warning that remains
    (a trade-off no file can avoid, such as an unused GPU when nothing fits it) is kept in
    :attr:`Proposal.check_findings` and printed in the header, never hidden.
    """
    from envadvisor.check import check
    from envadvisor.envfile import parse
    from envadvisor.model import Severity, replace

    target = target_from_facts(facts, knowledge.tables)
    proposal = _Decider(knowledge.tables, knowledge.checked, target, wants, options).run()
    result = check(
        parse(proposal.to_yaml(), "<proposal>"),
        facts,
        knowledge,
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
    python_label: str = ""
    notes: list[Note] = field(default_factory=list)
    fallback: str | None = None


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
        return all(f.ok or (f.ok is None and f.reason.startswith(_DRIVER_UNKNOWN)) for f in self.fits)

    @property
    def failures(self) -> list[str]:
        return [f.reason for f in self.fits if f.ok is False]

    @property
    def based_on(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(b for f in self.fits for b in f.based_on))


_DRIVER_UNKNOWN = "driver unknown"


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
                Note(
                    "info",
                    "TensorFlow comes from pip (the tables hold no conda-forge TensorFlow build); torch and "
                    "transformers follow it there: one source for each framework and what depends on it",
                )
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
                tuple(f"python range: {p.python_label}" for p in (torch, tf) if p and p.python),
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
            why = (
                f"torch {torch.release} wheels were built against NumPy 1.x; NumPy 2 breaks them "
                f"(NumPy 2 support from torch {self.t.torch_numpy2_first})"
            )
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
            why = (
                (
                    "requested; from pip because torch comes from pip (a conda package could pull a second, "
                    "conda torch)"
                )
                if on_pip
                else "requested; taken from conda-forge under this name"
            )
            dep = Dependency(name, name, PIP if on_pip else CONDA, why, (), (name,))
            (pip if on_pip else conda).append(dep)
        if pip:
            conda.append(
                Dependency(
                    "pip",
                    "pip",
                    CONDA,
                    "installs the pip block; listed so conda uses this environment's pip",
                    ("conda env.py: pip dependencies need pip",),
                    ("pip",),
                )
            )
        if not wants:
            self.notes.append(Note("info", "no package named: the file holds Python only"))
        if "transformers" in wants and torch is None and tf is None and jax is None:
            self.notes.append(
                Note(
                    "info",
                    "Transformers needs a framework to run models; add pytorch "
                    "(envadvisor propose pytorch transformers)",
                )
            )
        variables: dict[str, str] = {}
        variable_why: dict[str, str] = {}
        if torch is not None and torch.variant == "mps":
            variables["PYTORCH_ENABLE_MPS_FALLBACK"] = "1"
            variable_why["PYTORCH_ENABLE_MPS_FALLBACK"] = (
                "run operators MPS lacks on the CPU instead of failing"
            )
        self._python_notes(python)
        unranged = [
            n
            for n in wants
            if n not in ("pytorch", "tensorflow", "transformers", "torchvision", "python", "pip")
        ]
        if unranged:
            self.notes.append(
                Note(
                    "info",
                    f"the tables hold no Python range for {', '.join(unranged)}: the installer picks a "
                    f"release for Python {python} (pass --python X.Y if none exists)",
                )
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
            why = t.gpu_note or "no NVIDIA GPU on the target"
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
                    Note(
                        "info",
                        "conda-forge's PyTorch does not fit this GPU ("
                        + "; ".join(_reasons(conda_cands))
                        + "): using the official wheels instead",
                    )
                )
            if newest_pip_release and chosen.release != newest_pip_release.version:
                newer = [c for c in pip_cands if c.release == newest_pip_release.version]
                plan.fallback = (
                    f"no build of torch {newest_pip_release.version} fits this target ("
                    + "; ".join(_reasons(newer))
                    + f"): torch {chosen.release} is the newest release whose wheels do"
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
                + "; ".join(_reasons(conda_cands))
                + "); --source auto or pip looks at older wheels"
            )
        newest_pip = [c for c in pip_cands if newest_pip_release and c.release == newest_pip_release.version]
        reasons = _reasons(conda_cands) + _reasons(newest_pip)
        if pip_cands:
            reasons.append("no older torch wheel in the tables fits either")
        plan = self._torch_cpu(source, "no PyTorch build in the tables fits this GPU")
        plan.fallback = (
            "nothing fits the GPU: "
            + ("; ".join(reasons) or "no build is known for it")
            + ". Proposing the CPU build; the GPU stays unused"
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
        return [
            Note("info", f"with an NVIDIA driver >= {floor} (CUDA {major}.x), {_label(c)} would fit this GPU")
        ]

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
            return Fit(None, f"{_DRIVER_UNKNOWN}: CUDA {cuda} builds need a driver >= {floor}", fit.based_on)
        return fit

    def _glibc_fit(self, cuda: str) -> Fit:
        need = self.t.conda_forge_glibc_min(cuda)
        basis = (f"conda_forge_pytorch.linux_glibc_min[{cuda}]",)
        if need is None:
            return Fit(None, f"the glibc conda-forge's CUDA {cuda} build needs is not in the tables", basis)
        have = self.target.glibc
        if have is None:
            # conda-forge's own baseline is glibc 2.17: a build that needs no more than that fits.
            ok = version_ge("2.17", need)
            return Fit(True if ok else None, f"glibc unknown; CUDA {cuda} builds need glibc >= {need}", basis)
        if version_ge(have, need):
            return Fit(True, f"glibc {have} >= {need}", basis)
        return Fit(
            False, f"conda-forge's CUDA {cuda} build needs glibc >= {need}; the target has {have}", basis
        )

    def _cudnn_floor(self) -> str | None:
        """The lowest compute capability every cuDNN release in the tables supports."""
        ccs = [str(r.get("cc_min")) for r in rows_of(self.t, "cudnn_cc_support") if isinstance(r, dict)]
        return max(ccs, key=lambda c: vtuple(c) or (0,)) if ccs else None

    def _cudnn_unknown_fit(self) -> Fit:
        floor = self._cudnn_floor()
        lowest = min((g.compute_capability for g in self.target.gpus), key=lambda c: vtuple(c) or (0,))
        if floor and version_ge(lowest, floor):
            return Fit(
                True,
                f"every cuDNN in the tables supports compute capability >= {floor}",
                ("cudnn_cc_support",),
            )
        return Fit(None, "the cuDNN it brings is not in the tables and this GPU needs an older one")

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
                return Fit(
                    True,
                    f"cuDNN pinned to {r.get('cudnn_from')}-{r.get('cudnn_to')}, which supports "
                    f"compute capability {lowest}",
                    (f"cudnn_cc_support[{r.get('cudnn_from')}]",),
                ), spec
        return Fit(False, f"no cuDNN in the tables supports compute capability {lowest}"), None

    def _torch_version(self, release: str) -> str | None:
        """The newest patch release of ``release`` the registry serves (None: the tables do not list it)."""
        return self.t.newest_patch("torch", release)

    def _plan_for(self, choice: TorchChoice, label: str, notes: Sequence[Note] = ()) -> _TorchPlan:
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
            plan = self._plan_for(choice, f"conda-forge pytorch {c.release}: {branch.python}", notes)
            if c.cudnn_pin:
                plan.notes.append(
                    Note(
                        "warning",
                        "cuDNN is pinned below the release that dropped this GPU; "
                        "whether conda-forge's pytorch accepts that cuDNN is not in the "
                        "tables: run `envadvisor propose --verify` or create it and see",
                    )
                )
            return plan
        release = self.t.torch_release(c.release)
        assert release is not None
        choice = TorchChoice(
            route=PIP_ROUTE, release=c.release, version=self._torch_version(c.release), variant=c.variant,
            package="torch", cuda=c.cuda, index_url=f"{TORCH_INDEX}{c.variant}", cudnn=c.cudnn,
            numpy2=self.t.torch_supports_numpy2(c.release), python=release.python,
            based_on=(f"torch_releases[{c.release}]", *c.based_on),
        )
        return self._plan_for(choice, f"torch {c.release} wheels: {release.python}", notes)

    def _torch_cpu(self, source: str, reason: str) -> _TorchPlan:
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
        return self._plan_for(choice, f"torch {release.version} wheels: {release.python}")

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
                wheel_platform_note=(
                    f"PyTorch {last} is the last release for macOS x86_64 (CPU); PyPI's macOS wheels have no "
                    "local version, so the pin is unambiguous"
                ),
                based_on=("torch_macos_x86_64",),
            )
            plan = self._plan_for(choice, f"torch {last} wheels: {release.python}")
            plan.fallback = f"Intel Macs get no PyTorch after {last}: this is the newest that installs"
            return plan
        mps = self._conda_forge_build(source, variant="mps", package="pytorch", known_subdir=False)
        if mps is not None:
            return mps
        release = self._wheel_release_for_python()
        choice = TorchChoice(
            route=PIP_ROUTE, release=release.version, version=self._torch_version(release.version),
            variant="mps", package="torch", numpy2=self.t.torch_supports_numpy2(release.version),
            python=release.python,
            wheel_platform_note=(
                f"PyTorch {release.version} macOS arm64 wheel with the MPS backend; macOS wheels carry no "
                "local version, so PyPI alone serves it"
            ),
            based_on=(f"torch_releases[{release.version}]",),
        )
        return self._plan_for(choice, f"torch {release.version} wheels: {release.python}")

    def _conda_forge_build(
        self, source: str, *, variant: str, package: str, known_subdir: bool, cpu_reason: str | None = None
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
        return self._plan_for(choice, f"conda-forge pytorch {line}: {branch.python}")

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
            why = {
                "accelerate": "conda-forge accelerate run-depends on conda pytorch: same source as torch",
                "torchvision": "conda-forge builds torchvision for each pytorch build; the solver pairs them",
                "torchaudio": "conda-forge builds torchaudio against conda pytorch; the solver pairs them",
            }[name]
            return Dependency(name, name, CONDA, why, ("conda.conda_forge_pytorch",), chain)
        if name == "accelerate":
            return Dependency(
                name,
                name,
                PIP,
                "from pip like torch, so it does not pull a second (conda) torch",
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
                f"torchvision {release.torchvision} pairs with torch {torch.release} "
                "(torch 2.N <-> 0.(N+15)); same index and variant",
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
                    f"torchaudio {release.torchaudio} pairs with torch {torch.release}",
                    (f"torch_releases[{torch.release}].torchaudio",),
                    chain,
                )
            if ta and version_ge(torch.release, ta.get("torch_min")):
                self.paired.append(PairedPackage(name, str(ta["torchaudio"]), None))
                spec = f"torchaudio=={ta['torchaudio']}.*"
                self.notes.append(
                    Note(
                        "info",
                        f"torchaudio is in maintenance: {ta['torchaudio']} is the newest "
                        f"release and supports torch >= {ta['torch_min']}",
                    )
                )
                return Dependency(
                    name,
                    spec,
                    PIP,
                    f"newest torchaudio ({ta['torchaudio']}); it supports torch >= "
                    f"{ta['torch_min']} without a pin",
                    ("torchaudio_open_ended",),
                    chain,
                )
        self.notes.append(Note("warning", f"the tables know no {name} release for torch {torch.release}"))
        return Dependency(
            name,
            name,
            PIP if pip_side or torch.route == "pip" else CONDA,
            f"requested; no pairing for torch {torch.release} in the tables",
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
                why=f"TensorFlow {version} for macOS {t.arch}: CPU only (no official GPU support on macOS)",
            )
            if t.arch != "arm64":
                plan.fallback = f"Intel Macs get no TensorFlow after {version}"
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
                    reason = fit or (
                        f"it needs Python {cfg.python}, past end of life; pass --python "
                        f"{cfg.python.max} to get that file anyway"
                    )
                else:
                    reason = "no tested native-Windows GPU configuration in the tables"
                plan = self._tf_plan(
                    newest,
                    "windows",
                    gpu=False,
                    why=f"TensorFlow {newest} on the CPU: GPU TensorFlow on native Windows ended with {last}",
                )
                plan.notes.append(
                    Note(
                        "warning",
                        f"GPU TensorFlow on native Windows ended with {last} ({reason}); "
                        "for the GPU use WSL2: run `envadvisor propose tensorflow` inside "
                        "the WSL2 distribution (pip install tensorflow[and-cuda])",
                    )
                )
                return plan
            return self._tf_plan(
                newest, "windows", gpu=False, why=f"TensorFlow {newest} (CPU; no NVIDIA GPU)"
            )
        if t.arch != "x86_64":
            plan = self._tf_plan(
                newest,
                "linux",
                gpu=False,
                why=f"TensorFlow {newest} for Linux {t.arch}: CPU wheels (the and-cuda GPU "
                "route is for x86_64 in the tables)",
            )
            return plan
        if not t.gpus:
            return self._tf_plan(newest, "linux", gpu=False, why=f"TensorFlow {newest} (CPU; no NVIDIA GPU)")
        rejected: list[str] = []
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
                    why=f"TensorFlow {version} with NVIDIA's CUDA {pins.cuda} / cuDNN {pins.cudnn} "
                    "wheels (and-cuda extra); the driver runs them",
                )
                if version != newest:
                    plan.fallback = (
                        f"TensorFlow {newest} does not fit ({'; '.join(rejected[:2])}): {version} is "
                        "the newest whose CUDA libraries do"
                    )
                self._tf_blackwell_note(plan, pins.cuda)
                return plan
            rejected.append(f"{version}: {fit}")
        plan = self._tf_plan(
            newest, "linux", gpu=False, why=f"TensorFlow {newest} CPU: no and-cuda release fits"
        )
        plan.fallback = (
            "no GPU TensorFlow fits this GPU/driver (" + "; ".join(rejected[:3]) + "): CPU TensorFlow"
        )
        return plan

    def _tf_gpu_fit(self, cuda: str, cudnn: str, python: PythonRange) -> str | None:
        """None when TensorFlow's CUDA/cuDNN fit the target, else the reason."""
        if self.forced_python and not python.contains(self.forced_python):
            return f"supports Python {python}"
        drv = self._driver(cuda, needs_ptx=False)
        if drv.ok is False:
            return drv.reason
        for g in self.target.gpus:
            rng = self.t.cc_range_for_cuda(cuda)
            if rng is not None and not version_ge(g.compute_capability, rng.cc_min):
                return f"CUDA {cuda} needs compute capability >= {rng.cc_min}"
        cud = cudnn_fit(self.t, cudnn, self.target.gpus)
        if cud.ok is False:
            return cud.reason
        return None

    def _tf_blackwell_note(self, plan: _Plan, cuda: str) -> None:
        for g in self.target.gpus:
            if self.t.cuda_supports_cc(cuda, g.compute_capability) is False:
                plan.notes.append(
                    Note(
                        "warning",
                        f"TensorFlow's CUDA {cuda} predates compute capability "
                        f"{g.compute_capability}: it can run only through PTX JIT, and "
                        "whether the wheels carry PTX is not in the tables",
                    )
                )

    def _tf_plan(self, version: str, system: str, *, gpu: bool, why: str) -> _TfPlan:
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
        plan = _TfPlan(python=python, python_label=f"tensorflow {version}: {python}" if python else "",
                       choice=choice)
        basis = (f"tf_tested_linux_gpu[{version}]",) + ((f"tf_and_cuda_pins[{version}]",) if gpu else ())
        plan.pip.append(Dependency("tensorflow", spec, PIP, why, basis, ("tensorflow",)))
        return plan

    def _tf_windows_gpu(self, version: str, cuda: str, cudnn: str, python: PythonRange) -> _TfPlan:
        choice = TensorflowChoice(
            route="windows-gpu", release=version, python=python, cuda=cuda, cudnn=cudnn,
            reason=f"TensorFlow {version}: the last release with GPU support on native Windows",
        )
        plan = _TfPlan(python=python, python_label=f"tensorflow {version} (native Windows GPU): {python}",
                       choice=choice)
        chain = ("tensorflow",)
        basis = (f"tf_tested_windows_gpu[{version}]", "tf_platform_limits.windows_native_gpu_last")
        plan.conda.append(
            Dependency(
                "cudatoolkit",
                f"cudatoolkit={cuda}",
                CONDA,
                f"CUDA {cuda} runtime TensorFlow {version} was tested with on Windows "
                "(TensorFlow's documented conda-forge recipe)",
                basis,
                (*chain, "cudatoolkit"),
            )
        )
        plan.conda.append(
            Dependency(
                "cudnn",
                f"cudnn={cudnn}.0",
                CONDA,
                f"cuDNN {cudnn} for TensorFlow {version} on Windows",
                basis,
                (*chain, "cudnn"),
            )
        )
        plan.pip.append(
            Dependency(
                "tensorflow",
                f"tensorflow=={version}.*",
                PIP,
                f"TensorFlow {version}: the last release with GPU support on native Windows",
                basis,
                chain,
            )
        )
        plan.fallback = (
            f"GPU TensorFlow on native Windows ended with {version} (CUDA {cuda}, cuDNN {cudnn}, "
            f"Python {python}); for current TensorFlow on this GPU use WSL2"
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
            f"TensorFlow {version} ships Keras 3; Transformers 4.x TensorFlow models need Keras 2 from "
            "tf-keras (pip picks the tf-keras of TensorFlow's minor version)",
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
                            f"JAX with NVIDIA's CUDA {major} wheels; the driver runs CUDA {major}.x and "
                            f"CUDA {major} targets this GPU",
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
                    "JAX on the CPU: no CUDA 12/13 JAX fits this GPU/driver",
                    (url,),
                    ("jax",),
                )
            )
            plan.fallback = (
                "JAX's CUDA wheels need a CUDA 12 or 13 driver and a GPU those CUDA releases target"
            )
            return plan
        where = {
            "windows": "native Windows has no NVIDIA GPU JAX (use WSL2)",
            "macos": "macOS: CPU (jax-metal is experimental)",
        }.get(t.system or "", "no NVIDIA GPU")
        plan.pip.append(Dependency("jax", "jax", PIP, f"JAX on the CPU ({where})", (url,), ("jax",)))
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
            reasons = []
            if with_tf:
                reasons.append(
                    f"Transformers {upper} removed TensorFlow; {line.version_from}.x is the last line with it"
                )
            if torch is not None and line.torch_min:
                reasons.append(f"needs torch >= {line.torch_min} (torch {torch.release} chosen)")
            reasons.append(f"Python >= {line.python_min}")
            source = PIP if pip_side else CONDA
            if source == CONDA and upper is None:
                spec = f"transformers>={line.version_from}"
            return Dependency(
                "transformers",
                spec,
                source,
                "; ".join(reasons),
                (f"transformers_lines[{line.version_from}]",),
                chain,
            )
        self.notes.append(Note("warning", "no Transformers line in the tables fits the chosen torch/Python"))
        return Dependency(
            "transformers",
            "transformers",
            PIP if pip_side else CONDA,
            "requested; no fitting line in the tables",
            (),
            chain,
        )

    # ------------------------------------------------------------------------------------ Python
    def _python(self, plans: Sequence[_Plan]) -> tuple[str, str]:
        ranges = [(p.python, p.python_label) for p in plans if p.python is not None]
        if self.forced_python:
            for rng, label in ranges:
                if not rng.contains(self.forced_python):
                    raise UsageError(f"--python {self.forced_python}: outside {label}")
            return self.forced_python, "chosen with --python; inside every chosen package's range"
        candidates = _known_pythons(self.t)
        fitting = [v for v in candidates if all(_strictly_inside(rng, v) for rng, _ in ranges)]
        if not fitting:
            labels = "; ".join(label for _, label in ranges)
            raise UsageError(
                f"no Python fits every chosen package ({labels}); propose them in separate environments"
            )
        live = [v for v in fitting if not self.t.python_is_eol(v, self.today)]
        chosen = (live or fitting)[-1]
        if ranges:
            why = (
                "newest Python every chosen package supports ("
                + "; ".join(label for _, label in ranges)
                + ")"
            )
        else:
            why = "newest Python release in the tables"
        return chosen, why

    def _python_notes(self, python: str) -> None:
        if self.t.python_is_eol(python, self.today):
            eol = self.t.python_eol(python)
            self.notes.append(
                Note("warning", f"Python {python} reached end of life on {eol}: no security fixes")
            )

    def _target_notes(self, torch: _TorchPlan | None, tf: _Plan | None) -> None:
        t = self.target
        if t.wsl and t.gpus:
            self.notes.append(
                Note(
                    "info",
                    "WSL2: the GPU is driven by the Windows NVIDIA driver; do not install a "
                    "Linux NVIDIA driver inside WSL2",
                )
            )
        if torch is not None and torch.variant == "mps":
            self.notes.append(
                Note(
                    "info",
                    "MPS needs macOS 14 or newer; check with "
                    'python -c "import torch; print(torch.backends.mps.is_available())"',
                )
            )


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _why_not(c: _Candidate) -> list[str]:
    if c.failures:
        return [f"{_label(c)}: {r}" for r in c.failures]
    if c.cudnn_pin:
        return [
            f"{_label(c)}: the newest cuDNN it resolves no longer supports this GPU, and whether an older "
            "pinned one suits conda-forge's pytorch is not in the tables"
        ]
    return [f"{_label(c)}: {f.reason}" for f in c.fits if f.ok is None]


def _reasons(cands: Sequence[_Candidate]) -> list[str]:
    """One reason per candidate (the first misfit), in preference order."""
    out: list[str] = []
    for c in cands:
        why = _why_not(c)
        if why and why[0] not in out:
            out.append(why[0])
    return out


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
