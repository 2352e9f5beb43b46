"""A decision written out: environment.yml lines for ``propose``, commands for the fixes of findings.

Both are made here from the same typed choice (:mod:`envadvisor.propose.choices`), so the line a
proposal writes and the command a fix prints for the same target name the same build. Commands come in
the form of the installer the facts show: ``pip``, ``uv`` (``uv pip install``) or ``conda``.
"""

from __future__ import annotations

from collections.abc import Sequence

from envadvisor.propose.choices import CONDA_FORGE, PairedPackage, TorchChoice
from envadvisor.propose.model import CONDA, Dependency
from envadvisor.propose.model import PIP as PIP_SOURCE
from envadvisor.propose.phrases import Value, gpus, phrase
from envadvisor.records import record
from envadvisor.target import Target

TORCH_CHAIN = ("pytorch",)
PIP_TORCH_CHAIN = ("pytorch", "torch")


# --------------------------------------------------------------------------------------------------
# environment.yml lines
# --------------------------------------------------------------------------------------------------


def torch_lines(choice: TorchChoice, target: Target) -> tuple[list[Dependency], list[Dependency]]:
    """The (conda, pip) dependencies that install ``choice``."""
    if choice.route == CONDA_FORGE:
        return _conda_forge_torch(choice, target), []
    return [], _pip_torch(choice, target)


def _conda_forge_torch(choice: TorchChoice, target: Target) -> list[Dependency]:
    deps: list[Dependency] = []
    if not choice.gpu:
        if choice.variant == "mps":
            why = phrase("torch.conda_forge_mps", release=choice.release)
        else:
            why = phrase("torch.conda_forge_cpu", release=choice.release, reason=_cpu_reason(choice))
        deps.append(
            Dependency(
                choice.package,
                f"{choice.package}={choice.release}.*",
                CONDA,
                why,
                choice.based_on,
                TORCH_CHAIN,
            )
        )
        return deps
    assert choice.cuda is not None
    deps.append(
        Dependency(
            choice.package,
            f"{choice.package}={choice.release}.*",
            CONDA,
            phrase("torch.conda_forge_cuda", release=choice.release, gpus=gpus(target)),
            choice.based_on,
            TORCH_CHAIN,
        )
    )
    major = cuda_major(choice.cuda)
    if target.driver_cuda:
        from envadvisor.knowledge.tables import version_ge

        native = version_ge(target.driver_cuda, choice.cuda)
        drv = phrase("torch.driver_runs" if native else "torch.driver_runs_minor", cuda=target.driver_cuda)
    else:
        drv = phrase("torch.driver_needed", major=str(major))
    deps.append(
        Dependency(
            "cuda-version",
            f"cuda-version={choice.cuda}",
            CONDA,
            phrase("torch.cuda_version", cuda=choice.cuda, major=str(major), driver=drv),
            (f"cuda_minor_version_compatibility[{major}]", "conda.cuda_version_metapackage"),
            (*TORCH_CHAIN, "cuda-version"),
        )
    )
    if choice.cudnn_pin:
        deps.append(
            Dependency(
                "cudnn",
                choice.cudnn_pin,
                CONDA,
                phrase("torch.cudnn_pin", cc=min(g.compute_capability for g in target.gpus)),
                ("cudnn_cc_support",),
                (*TORCH_CHAIN, "cudnn"),
            )
        )
    return deps


def _pip_torch(choice: TorchChoice, target: Target) -> list[Dependency]:
    deps: list[Dependency] = []
    if choice.index_url:
        if choice.gpu:
            why = phrase("torch.index_gpu", variant=choice.variant, cuda=str(choice.cuda))
        else:
            why = phrase("torch.index_cpu")
        deps.append(
            Dependency(
                "--extra-index-url",
                f"--extra-index-url {choice.index_url}",
                PIP_SOURCE,
                why,
                (f"torch_releases[{choice.release}]",),
                PIP_TORCH_CHAIN,
                kind="option",
            )
        )
        if choice.gpu and choice.cudnn:
            why = phrase(
                "torch.exact_gpu_cudnn", variant=choice.variant, gpus=gpus(target), cudnn=choice.cudnn
            )
        elif choice.gpu:
            why = phrase("torch.exact_gpu", variant=choice.variant, gpus=gpus(target))
        else:
            why = phrase("torch.exact_cpu", reason=_cpu_reason(choice))
        deps.append(
            Dependency(
                "torch", f"torch=={choice.local_version}", PIP_SOURCE, why, choice.based_on, PIP_TORCH_CHAIN
            )
        )
        return deps
    why = choice.wheel_platform_note or phrase("torch.plain", release=choice.release)
    deps.append(
        Dependency("torch", f"torch=={choice.pin}", PIP_SOURCE, why, choice.based_on, PIP_TORCH_CHAIN)
    )
    return deps


def _cpu_reason(choice: TorchChoice) -> Value:
    return choice.cpu_reason if choice.cpu_reason is not None else "None"


def cuda_major(cuda: str) -> int:
    head = cuda.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


# --------------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------------


def pip_command(installer: str | None) -> str:
    """``pip install`` or ``uv pip install``: the installer the environment was made with."""
    return "uv pip install" if installer == "uv" else "pip install"


@record
class Install:
    """What to install, before it is written as a command or as lines of an environment file."""

    conda: tuple[str, ...] = ()  # conda-forge specs
    pip: tuple[str, ...] = ()  # pip requirements
    index_url: str | None = None  # the pip index the requirements come from
    replace: bool = False  # they replace an installed build
    upgrade: bool = False  # pip -U: an installed older release does not satisfy it

    def command(self, installer: str | None = "pip") -> str:
        """One command: ``conda install -c conda-forge ...`` or ``pip install ... --index-url ...``."""
        if self.conda:
            return "conda install -c conda-forge " + " ".join(_quoted(s) for s in self.conda)
        flags = " --force-reinstall" if self.replace else (" -U" if self.upgrade else "")
        index = f" --index-url {self.index_url}" if self.index_url else ""
        return f"{pip_command(installer)}{flags} {' '.join(_quoted(s) for s in self.pip)}{index}"

    def file_lines(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(dependencies lines, pip block lines) that install the same in an environment.yml."""
        pip = self.pip + ((f"--extra-index-url {self.index_url}",) if self.index_url and self.pip else ())
        return self.conda, pip


def _quoted(spec: str) -> str:
    """A spec as a shell word: quoted when it holds a character the shell would act on."""
    return f'"{spec}"' if any(c in spec for c in "<>|*;&") else spec


def torch_install(
    choice: TorchChoice,
    *,
    paired: Sequence[PairedPackage] = (),
    installer: str | None = "pip",
    replace: bool = False,
) -> Install:
    """What installs ``choice`` (and the torchvision/torchaudio that pair with it).

    pip (and uv) get the exact local version from the variant's own index (``--index-url``, as PyTorch's
    install selector writes it, so nothing resolves to PyPI's default CUDA wheel); conda gets
    conda-forge's package with its ``cuda-version``.
    """
    if choice.route == CONDA_FORGE and installer in ("conda", "file"):
        specs = [f"{choice.package}={choice.release}"]
        if choice.cuda:
            specs.append(f"cuda-version={choice.cuda}")
        if choice.cudnn_pin:
            specs.append(choice.cudnn_pin)
        specs += [p.name for p in paired]
        return Install(conda=tuple(specs))
    specs = [f"torch=={choice.pin}"]
    for p in paired:
        if p.version:
            local = f"+{choice.variant}" if choice.local_version else ""
            specs.append(f"{p.name}=={p.version}{local}")
        elif p.line:
            specs.append(f"{p.name}=={p.line}.*")
    if not choice.numpy2:
        specs.append("numpy<2")
    return Install(pip=tuple(specs), index_url=choice.index_url, replace=replace)


def torch_command(
    choice: TorchChoice,
    *,
    paired: Sequence[PairedPackage] = (),
    installer: str | None = "pip",
    replace: bool = False,
) -> str:
    """The one command that installs ``choice`` (see :func:`torch_install`)."""
    return torch_install(choice, paired=paired, installer=installer, replace=replace).command(installer)
