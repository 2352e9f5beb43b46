"""Fake framework packages for the ``diagnose --deep`` tests: real child processes, misbehaving imports.

Each fake is a real package on ``PYTHONPATH`` that the proof child imports as it would import torch,
TensorFlow or JAX. The misbehaviours are the ones seen in the field: an import that hangs (a wedged
driver call), one that aborts (a C++ ``std::terminate`` inside a CUDA library), one that raises the
loader's error for a missing library, one that prints garbage or floods its output, and a "GPU" that
is busy, out of memory, hidden by ``CUDA_VISIBLE_DEVICES`` or computes wrong numbers. The GPU fakes
implement just the torch API the proof uses (``_child.prove_torch``) in pure Python, with the error
classes and messages torch raises (RuntimeError / torch.OutOfMemoryError and CUDA's own texts).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.probe_support import make_dist

# A torch that works, in pure Python: CPU always; a "GPU" whose behaviour MODE chooses.
FAKE_TORCH = r"""
import os
import random

__version__ = "2.8.0+cu128"
MODE = {mode!r}
HIDING = ("", "-1", "none", "NoDevFiles", "void")


class version:
    cuda = "12.8"
    hip = None


float32 = "float32"


class OutOfMemoryError(RuntimeError):
    pass


def _gpu_visible():
    if MODE == "cpu":
        return False
    return os.environ.get("CUDA_VISIBLE_DEVICES", "0").strip() not in HIDING


class Tensor:
    def __init__(self, values, shape, device="cpu"):
        self.values = list(values)
        self.shape = tuple(shape)
        self.device = device

    def to(self, device):
        if device != "cpu":
            if MODE == "busy":
                raise RuntimeError(
                    "CUDA error: CUDA-capable device(s) is/are busy or unavailable\n"
                    "CUDA kernel errors might be asynchronously reported at some other API call"
                )
            if MODE == "oom":
                raise OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 MiB. GPU 0 has a total "
                                       "capacity of 139.81 GiB of which 1.19 MiB is free.")
        return Tensor(self.values, self.shape, device)

    def cpu(self):
        return Tensor(self.values, self.shape, "cpu")

    def flatten(self):
        return Tensor(self.values, (len(self.values),), self.device)

    def tolist(self):
        if len(self.shape) == 1:
            return list(self.values)
        rows, cols = self.shape
        return [self.values[r * cols:(r + 1) * cols] for r in range(rows)]


class Generator:
    def manual_seed(self, seed):
        self.random = random.Random(seed)
        return self


def tensor(rows, dtype=None):
    return Tensor([x for row in rows for x in row], (len(rows), len(rows[0])))


def randn(*shape, generator=None):
    count = 1
    for n in shape:
        count *= n
    source = generator.random if generator is not None else random.Random(0)
    return Tensor([source.gauss(0.0, 1.0) for _ in range(count)], shape)


def matmul(a, b):
    n, m = a.shape
    p = b.shape[1]
    out = [
        sum(a.values[i * m + k] * b.values[k * p + j] for k in range(m)) for i in range(n) for j in range(p)
    ]
    if a.device != "cpu" and MODE == "wrong":
        out = [v + 0.5 for v in out]  # a GPU that computes garbage
    return Tensor(out, (n, p), a.device)


class _Functional:
    @staticmethod
    def conv2d(image, weight, padding=0):
        # a consistent stand-in: the proof compares the GPU's result with the CPU's
        return Tensor([0.0] * (image.shape[0] * weight.shape[0] * image.shape[2] * image.shape[3]),
                      (1, weight.shape[0], image.shape[2], image.shape[3]), image.device)


class nn:
    functional = _Functional


class _Cudnn:
    enabled = True

    @staticmethod
    def version():
        return 91002 if _gpu_visible() else None

    @staticmethod
    def is_available():
        return _gpu_visible()


class backends:
    cudnn = _Cudnn


class _Nccl:
    @staticmethod
    def version():
        return (2, 27, 3)


class cuda:
    nccl = _Nccl

    @staticmethod
    def is_available():
        return _gpu_visible()

    @staticmethod
    def device_count():
        return 1 if _gpu_visible() else 0

    @staticmethod
    def get_device_name(index):
        return "NVIDIA H200"

    @staticmethod
    def get_device_capability(index):
        return (9, 0)

    @staticmethod
    def get_arch_list():
        return ["sm_80", "sm_90", "sm_100", "sm_120"]

    @staticmethod
    def synchronize():
        pass
"""

BROKEN_IMPORTS = {
    # a driver call that never returns; it also starts a helper process that must die with the group
    "hang": "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', {marker!r}])\n"
    "time.sleep(600)\n",
    # std::terminate inside a CUDA library: SIGABRT
    "abort": "import os\nos.abort()\n",
    # the loader's error when a CUDA library is missing (torch/__init__.py re-raises it)
    "raise": "raise OSError('libcudnn.so.9: cannot open shared object file: No such file or directory')\n",
    # a library that exits the interpreter while being imported
    "exit": "import os\nos._exit(3)\n",
}


def write_fake_torch(site: Path, mode: str, *, garbage: bool = False, flood_mib: int = 0) -> Path:
    """A fake torch package (and its dist-info and version.py, as the static probes read them)."""
    package = site / "torch"
    package.mkdir(parents=True, exist_ok=True)
    prelude = ""
    if garbage:
        # what a chatty library prints at import: text, binary, a JSON line, lines that look like
        # the proof's own protocol with another nonce
        prelude += (
            "import os, sys\n"
            'print(\'{"outcome": "ok", "cuda_available": true}\')\n'
            'print(\'envadvisor-proof-0000 result {"version": "9.9.9", "cuda_available": true}\')\n'
            "sys.stdout.flush()\n"
            "os.write(1, bytes(range(256)) + b'no newline at the end')\n"
            "os.write(2, b'\\xff\\xfe garbage on stderr\\n')\n"
        )
    if flood_mib:
        prelude += (
            "import os\n"
            f"_chunk = b'x' * (1024 * 1024 - 1) + b'\\n'\n"
            f"for _ in range({flood_mib}):\n"
            "    os.write(1, _chunk)\n"
            "    os.write(2, _chunk)\n"
        )
    (package / "__init__.py").write_text(prelude + FAKE_TORCH.format(mode=mode), encoding="utf-8")
    _torch_metadata(site, package)
    return package


def write_broken_framework(site: Path, framework: str, how: str, *, marker: str = "") -> Path:
    """A framework package whose import misbehaves (``BROKEN_IMPORTS``), with the dist-info the probes
    read (so diagnose sees it installed)."""
    module = {"torch": "torch", "tensorflow": "tensorflow", "jax": "jax"}[framework]
    package = site / module
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(BROKEN_IMPORTS[how].format(marker=marker), encoding="utf-8")
    if framework == "torch":
        _torch_metadata(site, package)
    elif framework == "tensorflow":
        make_dist(site, "tensorflow", "2.18.0")
    else:
        make_dist(site, "jax", "0.8.0")
        make_dist(site, "jaxlib", "0.8.0")
    return package


def _torch_metadata(site: Path, package: Path) -> None:
    (package / "version.py").write_text(
        "__version__ = '2.8.0+cu128'\ncuda = '12.8'\nhip = None\n", encoding="utf-8"
    )
    make_dist(site, "torch", "2.8.0+cu128")


def processes_with(marker: str) -> list[int]:
    """Pids of live processes whose command line holds ``marker`` (zombies are dead: not counted)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        if marker.encode() in cmdline and "\nState:\tZ" not in status:
            found.append(int(entry))
    return found
