"""What the decision chose for a target, as typed values (never prose).

:func:`envadvisor.propose.decide.decide` returns a :class:`Decision`; three consumers read it:
``propose`` writes it as environment.yml lines (:mod:`envadvisor.propose.install`), rule fixes render
it as the commands to paste (:mod:`envadvisor.remedies`), and ``check`` compares a file with it. So a
proposal, a fix and a check cannot disagree about the same machine: they read one choice.
"""

from __future__ import annotations

from envadvisor.knowledge.tables import PythonRange
from envadvisor.propose.phrases import Phrase, Value
from envadvisor.records import record
from envadvisor.target import Target

TORCH_INDEX = "https://download.pytorch.org/whl/"
CONDA_FORGE = "conda-forge"
PIP = "pip"


@record
class TorchChoice:
    """Which PyTorch build, from where.

    ``route`` is ``conda-forge`` or ``pip``; ``variant`` the wheel variant (``cu126``, ``cpu``) on pip,
    the build kind (``cuda129``, ``cpu``, ``mps``) on conda-forge. ``version`` is the exact release a pip
    line pins (the newest patch of ``release`` the registry serves); conda-forge lines pin the line
    (``pytorch-gpu=2.9.*``) and the solver takes the newest build of it.
    """

    route: str
    release: str  # minor line, "2.9"
    version: str | None  # exact release, "2.9.1"; None when the release list does not know the line
    variant: str
    package: str  # pytorch-gpu | pytorch-cpu | pytorch (conda-forge); torch (pip)
    cuda: str | None = None  # CUDA line of a GPU build
    index_url: str | None = None  # pip: the PyTorch wheel index the variant comes from
    cudnn: str | None = None  # the cuDNN a pip wheel bundles, when the tables know it
    cudnn_pin: str | None = None  # conda-forge: a cudnn spec keeping a cuDNN that supports the GPU
    numpy2: bool | None = True  # False: the build needs numpy<2
    python: PythonRange | None = None
    wheel_platform_note: Phrase | None = None  # why the PyPI wheel carries no local version (macOS)
    cpu_reason: Value | None = None  # why a CPU build was chosen
    driver_needed: str | None = None  # no GPU build fits this driver; one >= this would be served
    driver_needed_cuda: str | None = None  # the CUDA major that driver floor opens ("12")
    driver_last_branch: int | None = None  # the driver is past the GPU's last branch: go back to this one
    based_on: tuple[str, ...] = ()

    @property
    def gpu(self) -> bool:
        return self.cuda is not None

    @property
    def local_version(self) -> str | None:
        """``2.9.1+cu126`` for a pip wheel from a variant index; None where wheels carry no local tag."""
        if self.route != PIP or not self.index_url:
            return None
        return f"{self.version or self.release + '.0'}+{self.variant}"

    @property
    def pin(self) -> str:
        """The version a pip line pins: the local version, the exact release, or the line."""
        return self.local_version or self.version or f"{self.release}.*"


@record
class PairedPackage:
    """torchvision / torchaudio for the chosen torch: the line that pairs with it (None: unknown)."""

    name: str
    line: str | None  # "0.24"
    version: str | None  # exact release pinned with torch's variant, "0.24.1"


@record
class TensorflowChoice:
    """Which TensorFlow, how: ``route`` is ``and-cuda`` (pip with NVIDIA's wheels, Linux), ``windows-gpu``
    (the last native-Windows GPU release with conda-forge cudatoolkit/cudnn), or ``cpu``."""

    route: str
    release: str  # minor line, "2.20"
    python: PythonRange | None = None
    cuda: str | None = None
    cudnn: str | None = None
    reason: Phrase | None = None


@record
class JaxChoice:
    cuda_major: str | None  # "13" / "12" for jax[cudaNN]; None: CPU
    reason: str = ""


@record
class Decision:
    """Everything decided for one target and a set of wanted packages."""

    target: Target
    wants: tuple[str, ...]
    python: str
    python_why: Phrase
    torch: TorchChoice | None = None
    paired: tuple[PairedPackage, ...] = ()
    tensorflow: TensorflowChoice | None = None
    jax: JaxChoice | None = None
    transformers_spec: str | None = None
