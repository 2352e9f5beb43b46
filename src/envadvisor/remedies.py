"""Fix commands computed for the target: the ``{remedy.*}`` placeholders of rule fixes.

A rule's fix names *what* must change ("a CUDA build of torch this driver runs and that has code for
this GPU"); the command is computed here, from the same decision ``propose`` writes
(:func:`envadvisor.propose.decide.decide`), for the target in the report: its OS, GPUs, driver, Python
and installer. So a fix and a proposal for the same machine name the same build.

The decision is loaded only when a fired rule's fix asks for a remedy (``diagnose`` stays fast): the
engine holds a :class:`Remedies` per evaluation and asks it by name. A remedy that cannot be computed
(the facts do not say enough) is ``None``, and the fix line that needs it is left out rather than
printed with a hole in it.

:data:`REMEDIES` lists the names (checked when the rules load) with the general words ``explain``
shows where no target is known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envadvisor.knowledge.tables import Tables
    from envadvisor.model import Facts
    from envadvisor.propose.choices import Decision, TorchChoice
    from envadvisor.propose.install import Install
    from envadvisor.target import Target

# name -> (English, Chinese) general words, for a rule explained without a target
REMEDIES: Mapping[str, tuple[str, str]] = {
    "torch.install": (
        "the command that installs a PyTorch build this driver runs and that has code for this GPU",
        "安装一个该驱动能运行、且包含该 GPU 代码的 PyTorch 版本的命令",
    ),
    "torch.cpu": ("the command that installs PyTorch's CPU build", "安装 PyTorch CPU 版的命令"),
    "torch.reinstall": (
        "the command that reinstalls the installed PyTorch and its torchvision/torchaudio from one index",
        "从同一个索引重新安装当前 PyTorch 及其 torchvision/torchaudio 的命令",
    ),
    "tensorflow.install": (
        "the command that installs a TensorFlow that runs on this machine",
        "安装一个能在这台机器上运行的 TensorFlow 的命令",
    ),
    "tensorflow.libraries": (
        "the command that installs the CUDA libraries this TensorFlow was built with",
        "安装该 TensorFlow 编译时所用 CUDA 库的命令",
    ),
    "tensorflow.windows_gpu": (
        "the command that creates the last native-Windows GPU TensorFlow environment",
        "创建最后一个支持原生 Windows GPU 的 TensorFlow 环境的命令",
    ),
    "tensorflow.before_keras3": (
        "the command that installs the last TensorFlow release with Keras 2",
        "安装最后一个自带 Keras 2 的 TensorFlow 版本的命令",
    ),
    "jax.install": (
        "the command that installs the JAX build for this driver and GPU",
        "安装适合该驱动和 GPU 的 JAX 版本的命令",
    ),
    "jax.in_wsl": (
        "the command that installs JAX's CUDA build inside WSL2 on this machine",
        "在这台机器的 WSL2 中安装 JAX CUDA 版的命令",
    ),
    "python.torch": (
        "a new environment with a Python this PyTorch supports",
        "新建一个该 PyTorch 支持的 Python 版本的环境",
    ),
    "python.tensorflow": (
        "a new environment with a Python this TensorFlow was tested with",
        "新建一个该 TensorFlow 测试过的 Python 版本的环境",
    ),
    "python.transformers": (
        "a new environment with a Python this Transformers supports",
        "新建一个该 Transformers 支持的 Python 版本的环境",
    ),
    "python.supported": (
        "a new environment with a supported Python that the installed frameworks support",
        "新建一个仍受支持、且已装框架都支持的 Python 版本的环境",
    ),
    "transformers.for_torch": (
        "the Transformers release line that supports the installed PyTorch",
        "支持当前 PyTorch 的 Transformers 版本范围",
    ),
    "transformers.for_python": (
        "the Transformers release line that supports this Python",
        "支持当前 Python 的 Transformers 版本范围",
    ),
    "numpy.before2": (
        "the command that installs a NumPy 1 release",
        "安装 NumPy 1 版本的命令",
    ),
    "numpy.for_torch": (
        "the command that installs the NumPy the installed torch was built for (NumPy 1 before torch 2.3)",
        "安装与已装 torch 编译时所用 NumPy 一致的版本的命令（torch 2.3 之前为 NumPy 1）",
    ),
    "tf_keras.install": (
        "the command that installs the tf-keras of TensorFlow's minor version",
        "安装与 TensorFlow 次版本一致的 tf-keras 的命令",
    ),
    "transformers.for_tensorflow": (
        "the Transformers release line that still has TensorFlow models",
        "仍带有 TensorFlow 模型的 Transformers 版本范围",
    ),
    "cuda.libraries": (
        "the command that installs CUDA libraries of a CUDA this driver runs and that targets this GPU",
        "安装该驱动能运行、且支持该 GPU 的 CUDA 版本的库的命令",
    ),
    "cuda.nvcc": (
        "the command that installs an nvcc matching the framework's CUDA into the environment",
        "在环境中安装与框架 CUDA 一致的 nvcc 的命令",
    ),
    "cuda.nvjitlink": (
        "the command that upgrades the nvJitLink wheel of the framework's CUDA major",
        "升级与框架 CUDA 大版本一致的 nvJitLink wheel 的命令",
    ),
    "cuda.home": ("the command that points CUDA_HOME at that toolkit", "把 CUDA_HOME 指向该工具包的命令"),
    "cudnn.keep_older": (
        "the command that keeps a cuDNN release that still supports this GPU",
        "保留仍支持该 GPU 的 cuDNN 版本的命令",
    ),
    "cuda.build_libraries": (
        "the command that installs the CUDA and cuDNN wheels of the CUDA major the failing build was "
        "made for",
        "安装出错的构建所用 CUDA 大版本的 CUDA 与 cuDNN wheel 的命令",
    ),
    "cuda.nvcc_wheel": (
        "the command that installs the nvcc wheel (ptxas) of the framework's CUDA major",
        "安装与框架 CUDA 大版本一致的 nvcc wheel（含 ptxas）的命令",
    ),
    "onnxruntime.libraries": (
        "the command that installs the CUDA and cuDNN wheels the installed onnxruntime-gpu release loads",
        "安装已装 onnxruntime-gpu 版本所加载的 CUDA 与 cuDNN wheel 的命令",
    ),
    "onnxruntime.install": (
        "the command that installs the newest onnxruntime-gpu whose CUDA this driver runs",
        "安装该驱动能运行其 CUDA 的最新 onnxruntime-gpu 的命令",
    ),
    "xformers.for_torch": (
        "the command that installs the xFormers release built for the installed torch",
        "安装为已装 torch 构建的 xFormers 版本的命令",
    ),
    "gate.cuda": (
        "what the driver needs first, when it cannot run the CUDA this command installs",
        "当驱动运行不了该命令安装的 CUDA 时，先要对驱动做的事",
    ),
    "driver.install": (
        "how to install an NVIDIA driver on this operating system",
        "在该操作系统上安装 NVIDIA 驱动的方法",
    ),
}

_PHRASES = {
    "en": {
        "update_then": "update the NVIDIA driver to {floor} or newer first (it runs CUDA {major}.x builds), "
        "then: {cmd}",
        "new_env": "in a new environment with Python {py} ({what} does not support Python {cur}): "
        "conda create -n {name} python={py} && conda activate {name} (or: uv venv --python {py}), "
        "then: {cmd}",
        "last_branch_then": "install the NVIDIA driver of branch R{branch} first (the last that drives this "
        "GPU; newer ones dropped it), then: {cmd}",
        "no_gpu_build": "no PyTorch build in the tables has code for {gpus} with this driver; "
        "the CPU build: {cmd}",
        "create": "conda create -n {name} python={py} (or: uv venv --python {py})",
        "file_create": "python={py} under dependencies",
        "file_new_env": "python={py} under dependencies ({what} does not support Python {cur}), and {cmd}",
        "file_conda": "under dependencies: {items}",
        "file_pip": "in the pip block: {items}",
        "file_and": "; ",
        "wsl_tf": "{cpu} (CPU); for the GPU run TensorFlow in WSL2, where: {gpu}",
        "driver_linux": "sudo ubuntu-drivers install on Ubuntu, or the driver for your distribution from "
        "https://www.nvidia.com/drivers",
        "driver_windows": "the NVIDIA App or https://www.nvidia.com/drivers",
        "driver_wsl": "on Windows, not inside WSL (the Windows driver serves WSL2): the NVIDIA App or "
        "https://www.nvidia.com/drivers",
        "driver_any": "https://www.nvidia.com/drivers",
    },
    "zh": {
        "update_then": "先把 NVIDIA 驱动更新到 {floor} 或更高版本（可运行 CUDA {major}.x 的版本），"
        "然后：{cmd}",
        "new_env": "在一个 Python {py} 的新环境中（{what} 不支持 Python {cur}）："
        "conda create -n {name} python={py} "
        "&& conda activate {name}（或 uv venv --python {py}），然后：{cmd}",
        "last_branch_then": "先安装 R{branch} 分支的 NVIDIA 驱动"
        "（驱动这块 GPU 的最后一个分支，更新的分支已不支持它），然后：{cmd}",
        "no_gpu_build": "表中没有任何 PyTorch 版本能在此驱动下为 {gpus} 提供代码；改用 CPU 版：{cmd}",
        "create": "conda create -n {name} python={py}（或 uv venv --python {py}）",
        "file_create": "在 dependencies 中写 python={py}",
        "file_new_env": "在 dependencies 中写 python={py}（{what} 不支持 Python {cur}），并且{cmd}",
        "file_conda": "在 dependencies 中写：{items}",
        "file_pip": "在 pip 块中写：{items}",
        "file_and": "；",
        "wsl_tf": "{cpu}（CPU 版）；要用 GPU，请在 WSL2 中运行 TensorFlow，在那里执行：{gpu}",
        "driver_linux": "Ubuntu 上运行 sudo ubuntu-drivers install，"
        "其他发行版从 https://www.nvidia.com/drivers 获取驱动",
        "driver_windows": "用 NVIDIA App 或从 https://www.nvidia.com/drivers 下载",
        "driver_wsl": "在 Windows 上安装，而不是在 WSL 里（Windows 驱动同时服务 WSL2）：NVIDIA App 或 "
        "https://www.nvidia.com/drivers",
        "driver_any": "https://www.nvidia.com/drivers",
    },
}


def general_words(name: str, lang: str) -> str:
    en, zh = REMEDIES[name]
    return zh if lang == "zh" else en


class Remedies:
    """The remedies of one set of facts; decisions are made once and shared by every fired rule."""

    def __init__(self, facts: Facts, tables: Tables, mode: str = "commands") -> None:
        self.facts = facts
        self.tables = tables
        self.mode = mode  # commands (a machine: what to run) | file (an environment.yml: what to write)
        self.derived: Mapping[str, str] = {}
        self._target: Target | None = None
        self._decisions: dict[tuple[Any, ...], Decision | None] = {}

    # ------------------------------------------------------------------ plumbing
    def value(self, name: str, lang: str, derived: Mapping[str, str] | None = None) -> str | None:
        """The remedy ``name`` in ``lang``; ``derived`` holds what the fired rule's table look-ups found
        (a package's CUDA major, the torch it pins), for remedies that complete a rule's own command."""
        fn: Callable[[Remedies, str], str | None] | None = _FUNCTIONS.get(name)
        if fn is None:
            return None
        self.derived = derived or {}
        return fn(self, lang)

    @property
    def target(self) -> Target:
        if self._target is None:
            from envadvisor.target import describe_target

            self._target = describe_target(self.facts, self.tables)
        return self._target

    def phrase(self, key: str, lang: str, **values: object) -> str:
        table = _PHRASES.get(lang, _PHRASES["en"])
        return table[key].format(**values)

    def render(self, install: Install, package: str, lang: str) -> str:
        """A command for a machine, in the form of the installer that put ``package`` there; for a file,
        the lines to write in it."""
        if self.mode != "file":
            return install.command(self.installer(package))
        conda, pip = install.file_lines()
        parts = []
        if conda:
            parts.append(self.phrase("file_conda", lang, items=", ".join(conda)))
        if pip:
            parts.append(self.phrase("file_pip", lang, items=", ".join(pip)))
        return self.phrase("file_and", lang).join(parts)

    @property
    def python(self) -> str | None:
        """The environment's Python line ("3.11"), when known."""
        from envadvisor.knowledge.tables import vtuple

        v = vtuple(self.facts.python.version)
        return f"{v[0]}.{v[1]}" if v is not None and len(v) >= 2 else None

    def installer(self, package: str) -> str:
        if self.mode == "file":
            return "file"
        pkg = self.facts.packages.get(package)
        installer = (pkg.installer or "").lower() if pkg else ""
        if installer in ("conda", "mamba", "micromamba"):
            return "conda"
        return "uv" if installer == "uv" else "pip"

    def source(self, package: str) -> str:
        """Where the decision should look: conda-forge first (``auto``) for a package conda put there,
        the official wheels (``pip``) for one pip did."""
        pkg = self.facts.packages.get(package)
        installer = (pkg.installer or "").lower() if pkg else ""
        return "auto" if installer in ("conda", "mamba", "micromamba") else "pip"

    def decision(
        self, wants: tuple[str, ...], *, python: str | None, source: str, target: Target | None = None
    ) -> Decision | None:
        """``decide`` for ``wants`` on the target (or a variant of it); None when it cannot decide."""
        key = (wants, python, source, target)
        if key not in self._decisions:
            from envadvisor.errors import UsageError
            from envadvisor.propose.decide import ProposeOptions, decide

            t = target or self.target
            if t.system is None:
                self._decisions[key] = None
            else:
                try:
                    self._decisions[key] = decide(
                        t, wants, ProposeOptions(python=python, source=source), self.tables
                    )
                except UsageError:
                    self._decisions[key] = None
        return self._decisions[key]

    def decision_for_python(
        self, wants: tuple[str, ...], source: str, target: Target | None = None
    ) -> tuple[Decision | None, bool]:
        """The decision for this environment's Python when the packages support it (True), else for the
        Python the decision picks (False: a new environment is needed)."""
        current = self.python
        if current is not None:
            d = self.decision(wants, python=current, source=source, target=target)
            if d is not None:
                return d, True
        return self.decision(wants, python=None, source=source, target=target), current is None


# --------------------------------------------------------------------------------------------------
# PyTorch
# --------------------------------------------------------------------------------------------------

_PAIRED = ("torchvision", "torchaudio")


def _torch_wants(r: Remedies) -> tuple[str, ...]:
    return ("pytorch", *(p for p in _PAIRED if p in r.facts.packages))


def _torch_install(r: Remedies, lang: str) -> str | None:

    target = r.target
    if target.system is None:
        return None
    installer = r.installer("torch")
    source = r.source("torch")
    wants = _torch_wants(r)
    decision, same_python = r.decision_for_python(wants, source)
    if decision is None or decision.torch is None:
        return None
    choice = decision.torch
    if target.gpus and not choice.gpu and same_python:
        # this Python may rule out every GPU build that another Python would get
        other = r.decision(wants, python=None, source=source)
        if other is not None and other.torch is not None and other.torch.gpu:
            decision, choice, same_python = other, other.torch, False
    if target.gpus and not choice.gpu and (choice.driver_needed or choice.driver_last_branch):
        return _after_driver_update(r, lang, choice, wants, source, installer)
    cmd = _torch_command(r, lang, decision, same_python, installer)
    if target.gpus and not choice.gpu:
        from envadvisor.propose import phrases

        return r.phrase("no_gpu_build", lang, gpus=phrases.render(phrases.gpus(target), lang), cmd=cmd)
    return cmd


def _after_driver_update(
    r: Remedies, lang: str, choice: TorchChoice, wants: tuple[str, ...], source: str, installer: str
) -> str | None:
    from envadvisor.records import replace

    driver = choice.driver_needed or str(choice.driver_last_branch)
    future = replace(
        r.target, driver=driver, driver_cuda=r.tables.max_cuda_for_driver(driver, r.target.system)
    )
    decision, same_python = r.decision_for_python(wants, source, target=future)
    if decision is None or decision.torch is None or not decision.torch.gpu:
        return None
    cmd = _torch_command(r, lang, decision, same_python, installer)
    if choice.driver_needed is None:
        return r.phrase("last_branch_then", lang, branch=choice.driver_last_branch, cmd=cmd)
    return r.phrase("update_then", lang, floor=choice.driver_needed, major=choice.driver_needed_cuda, cmd=cmd)


def _torch_command(r: Remedies, lang: str, decision: Decision, same_python: bool, installer: str) -> str:
    """The decision's torch (with its paired packages) as the installer writes it; in a new environment
    of the decision's Python when this one's is not supported."""
    from envadvisor.propose.install import torch_install

    assert decision.torch is not None
    cmd = r.render(
        torch_install(
            decision.torch, paired=decision.paired, installer=installer, replace="torch" in r.facts.packages
        ),
        "torch",
        lang,
    )
    return cmd if same_python else _in_new_env(r, lang, decision, "PyTorch", cmd)


def _in_new_env(r: Remedies, lang: str, decision: Decision, what: str, cmd: str) -> str:
    return _new_env(r, lang, decision.python, what, cmd)


def _new_env(r: Remedies, lang: str, python: str, what: str, cmd: str) -> str:
    name = {"PyTorch": "torch", "TensorFlow": "tf", "JAX": "jax"}.get(what.split()[0], "env")
    key = "file_new_env" if r.mode == "file" else "new_env"
    return r.phrase(key, lang, py=python, cur=r.python or "?", what=what, name=name, cmd=cmd)


def _torch_cpu(r: Remedies, lang: str) -> str | None:
    from envadvisor.records import replace

    if r.target.system is None:
        return None
    installer = r.installer("torch")
    source = r.source("torch")
    cpu_target = replace(r.target, gpus=(), driver=None, driver_cuda=None, gpu_note="CPU build asked for")
    wants = _torch_wants(r)
    decision, same_python = r.decision_for_python(wants, source, target=cpu_target)
    if decision is None or decision.torch is None:
        return None
    return _torch_command(r, lang, decision, same_python, installer)


def _torch_reinstall(r: Remedies, lang: str) -> str | None:
    """The installed torch again, with the torchvision/torchaudio of its release, from its own index;
    when the installed build does not fit the machine (no code for the GPU, a CUDA the driver cannot
    run), the build that does, with its pairs, instead."""
    from envadvisor.knowledge.tables import vtuple
    from envadvisor.propose.choices import TORCH_INDEX
    from envadvisor.propose.install import Install

    torch = r.facts.frameworks.torch.version or r.facts.package_version("torch")
    if not torch or vtuple(torch) is None:
        return None
    if _installed_torch_fits(r) is not True:
        return _torch_install(r, lang)
    release = r.tables.torch_release(torch)
    variant = r.facts.frameworks.torch.variant
    if variant is None and "+" in torch:
        variant = torch.split("+", 1)[1]
    specs = [f"torch=={torch}"]
    for name, line in (
        ("torchvision", release.torchvision if release else None),
        ("torchaudio", release.torchaudio if release else None),
    ):
        if name in r.facts.packages:
            if line is None:
                return None
            public = torch.split("+", 1)[0]
            patch = public.split(".")[2] if public.count(".") >= 2 else None
            local = f"+{variant}" if "+" in torch and variant else ""
            if patch is not None and r.tables.has_release(name, f"{line}.{patch}"):
                specs.append(f"{name}=={line}.{patch}{local}")
            else:
                specs.append(f"{name}=={line}.*")
    index = None
    if variant and (variant.startswith("cu") or variant == "cpu" or variant.startswith("rocm")):
        index = f"{TORCH_INDEX}{variant}"
    # (a wheel without a local version came from PyPI: reinstall from PyPI)
    return r.render(Install(pip=tuple(specs), index_url=index, replace=True), "torch", lang)


# --------------------------------------------------------------------------------------------------
# TensorFlow and JAX
# --------------------------------------------------------------------------------------------------


def _installed_torch_fits(r: Remedies) -> bool | None:
    """Whether the installed torch build runs on this driver and has code for every GPU."""
    from envadvisor.knowledge.tables import parse_arch_list, variant_cuda

    target, t = r.target, r.tables
    build = r.facts.frameworks.torch
    variant = build.variant or (
        (build.version or "").split("+", 1)[1] if "+" in (build.version or "") else None
    )
    cuda = build.cuda or variant_cuda(variant)
    if target.system is None:
        return None
    if cuda is None:
        return target.system == "macos" or not target.gpus or None
    if target.system == "macos" or not target.gpus:
        return False
    if target.driver or target.driver_cuda:
        from envadvisor.propose.fit import driver_fit

        if driver_fit(t, target, cuda, needs_ptx=False).ok is False:
            return False
    arch = parse_arch_list(build.arch_list) if build.arch_list else None
    if arch is None and build.version and variant:
        arch = t.torch_arch_list(build.version, variant, target.platform)
    if arch is None:
        return None
    from envadvisor.propose.fit import gpus_covered

    return gpus_covered(arch, target.gpus)[0].ok


def _tf_spec(choice: Any) -> str:
    extra = "[and-cuda]" if choice.route == "and-cuda" else ""
    return f"tensorflow{extra}=={choice.release}.*"


def _tensorflow_install(r: Remedies, lang: str) -> str | None:
    from envadvisor.propose.install import Install

    target = r.target
    if target.system is None:
        return None
    decision, same_python = r.decision_for_python(("tensorflow",), "pip")
    if decision is None or decision.tensorflow is None:
        return None
    choice = decision.tensorflow
    if choice.route == "windows-gpu":
        return _tf_windows_gpu_command(r, lang, decision)
    cmd = r.render(
        Install(pip=(_tf_spec(choice),), replace="tensorflow" in r.facts.packages), "tensorflow", lang
    )
    if target.system == "windows" and target.gpus:
        from envadvisor.records import replace

        wsl = replace(target, system="linux", wsl=True, glibc=None)
        wsl_decision = r.decision(("tensorflow",), python=None, source="pip", target=wsl)
        if (
            wsl_decision is not None
            and wsl_decision.tensorflow is not None
            and wsl_decision.tensorflow.route == "and-cuda"
        ):
            gpu_cmd = Install(pip=(_tf_spec(wsl_decision.tensorflow),)).command("pip")
            rng = wsl_decision.tensorflow.python
            if rng is not None and (r.python is None or rng.contains(r.python) is False):
                gpu_cmd = f"conda create -n tf python={wsl_decision.python} && conda activate tf && {gpu_cmd}"
            cmd = r.phrase("wsl_tf", lang, cpu=cmd, gpu=gpu_cmd)
    return cmd if same_python else _in_new_env(r, lang, decision, "TensorFlow", cmd)


def _tf_windows_gpu_command(r: Remedies, lang: str, decision: Decision | None = None) -> str | None:
    """TensorFlow's own recipe for its last native-Windows GPU release, in an environment of its Python."""
    t = r.tables
    last = t.tf_windows_gpu_last
    cfg = t.tf_tested_config(last, "windows")
    if cfg is None or not cfg.cuda or not cfg.cudnn:
        return None
    current = r.python
    python = current if current and cfg.python.contains(current) else cfg.python.max
    major, minor = [*last.split("."), "0"][:2]
    create = (
        f"conda create -n tf{major}{minor} -c conda-forge python={python} cudatoolkit={cfg.cuda} "
        f'cudnn={cfg.cudnn}.0 && conda activate tf{major}{minor} && pip install "tensorflow=={last}.*"'
    )
    target = r.target
    if not _driver_drives_gpus(r):
        return None
    if target.gpus and target.driver and t.driver_runs_cuda(target.driver, cfg.cuda, "windows") is False:
        floor = t.minor_compat_floor(int(cfg.cuda.split(".")[0]), "windows")
        if floor is None:
            return None
        return r.phrase("update_then", lang, floor=floor, major=cfg.cuda.split(".")[0], cmd=create)
    return create


def _tensorflow_windows_gpu(r: Remedies, lang: str) -> str | None:
    if r.target.system not in ("windows", None):
        return None
    return _tf_windows_gpu_command(r, lang)


def _tensorflow_libraries(r: Remedies, lang: str) -> str | None:
    """The CUDA libraries the installed TensorFlow release was built with, in the form its release
    documents: the ``and-cuda`` extra (Linux, 2.14+), else its tested CUDA/cuDNN from conda-forge."""
    from envadvisor.propose.install import Install

    version = r.facts.frameworks.tensorflow.version or r.facts.package_version("tensorflow")
    system = r.target.system
    if not version or system == "macos":
        return None
    pins = r.tables.tf_and_cuda_pins(version)
    if pins is not None and system == "linux":
        return r.render(Install(pip=(f"tensorflow[and-cuda]=={pins.version}.*",)), "tensorflow", lang)
    cfg = r.tables.tf_tested_config(version, system or "linux")
    if cfg is None or not cfg.cuda or not cfg.cudnn:
        return None
    if system == "windows" and not r.tables.tf_native_windows_gpu(version):
        return None
    cudnn = cfg.cudnn if cfg.cudnn.count(".") >= 2 else f"{cfg.cudnn}.*"
    return r.render(Install(conda=(f"cudatoolkit={cfg.cuda}", f"cudnn={cudnn}")), "tensorflow", lang)


def _tensorflow_before_keras3(r: Remedies, lang: str) -> str | None:
    """The newest TensorFlow that still ships Keras 2, for this Python (a new environment otherwise)."""
    from envadvisor.knowledge.tables import vtuple
    from envadvisor.propose.install import Install

    t = r.tables
    lines = sorted(
        {str(row["version"]) for row in _tf_rows(t)}, key=lambda v: vtuple(v) or (0,), reverse=True
    )
    system = r.target.system or "linux"
    keras2 = [v for v in lines if t.tf_uses_keras3(v) is False]
    if not keras2:
        return None
    current = r.python
    version = keras2[0]
    cmd = r.render(
        Install(pip=(f"tensorflow=={version}.*",), replace="tensorflow" in r.facts.packages),
        "tensorflow",
        lang,
    )
    if current is None or t.tf_python_supported(version, current, system):
        return cmd

    def supported(python: str) -> bool | None:
        return t.tf_python_supported(version, python, system)

    python = _newest_python(r, supported)
    if python is None:
        return None
    return r.phrase("new_env", lang, py=python, cur=current, what=f"TensorFlow {version}", name="tf", cmd=cmd)


def _tf_rows(t: Tables) -> list[Any]:
    from envadvisor.knowledge.tables import rows_of

    return [row for row in rows_of(t, "tf_tested_linux_gpu") if isinstance(row, dict) and row.get("version")]


def _jax_in_wsl(r: Remedies, lang: str) -> str | None:
    """JAX for this machine's GPU and driver as WSL2 on it sees them (the Windows driver serves WSL2)."""
    from envadvisor.propose.install import Install
    from envadvisor.records import replace

    if r.target.system != "windows":
        return None
    wsl = replace(r.target, system="linux", wsl=True, glibc=None)
    decision = r.decision(("jax",), python=None, source="pip", target=wsl)
    if decision is None or decision.jax is None or not decision.jax.cuda_major:
        return None
    major = decision.jax.cuda_major
    cmd = Install(pip=(f"jax[cuda{major}]",), upgrade=True).command("pip")
    if r.target.driver and r.tables.driver_runs_cuda(r.target.driver, f"{major}.0", "windows") is False:
        # WSL2 runs on the Windows driver: its Windows floor is the one that counts
        floor = r.tables.minor_compat_floor(int(major), "windows")
        return r.phrase("update_then", lang, floor=floor, major=major, cmd=cmd) if floor else None
    return cmd


def _jax_install(r: Remedies, lang: str) -> str | None:
    from envadvisor.propose.install import Install

    if r.target.system is None:
        return None
    decision, same_python = r.decision_for_python(("jax",), "pip")
    if decision is None or decision.jax is None:
        return None
    extra = f"[cuda{decision.jax.cuda_major}]" if decision.jax.cuda_major else ""
    cmd = r.render(Install(pip=(f"jax{extra}",), upgrade=True), "jax", lang)
    return cmd if same_python else _in_new_env(r, lang, decision, "JAX", cmd)


# --------------------------------------------------------------------------------------------------
# Python
# --------------------------------------------------------------------------------------------------


def _known_pythons(r: Remedies) -> list[str]:
    from envadvisor.propose.decide import _known_pythons

    return _known_pythons(r.tables)


def _newest_python(r: Remedies, accept: Callable[[str], bool | None]) -> str | None:
    today = _today(r)
    fitting = [v for v in _known_pythons(r) if accept(v)]
    live = [v for v in fitting if not r.tables.python_is_eol(v, today)]
    return (live or fitting)[-1] if fitting else None


def _today(r: Remedies) -> Any:
    import datetime as _dt

    return _dt.date.fromisoformat(r.tables.checked)


def _inside(python: str, low: str, high: str) -> bool:
    """Inside a range's own ends (a Python a release only had experimental wheels for is not offered)."""
    from envadvisor.knowledge.tables import version_ge

    return bool(version_ge(python, low) and version_ge(high, python))


def _create(r: Remedies, lang: str, python: str | None, name: str) -> str | None:
    if python is None:
        return None
    return r.phrase("file_create" if r.mode == "file" else "create", lang, name=name, py=python)


def _python_torch(r: Remedies, lang: str) -> str | None:
    version = r.facts.frameworks.torch.version or r.facts.package_version("torch")
    release = r.tables.torch_release(version) if version else None
    if release is None:
        return None
    rng = release.python
    return _create(r, lang, _newest_python(r, lambda v: _inside(v, rng.min, rng.max)), "torch")


def _python_tensorflow(r: Remedies, lang: str) -> str | None:
    version = r.facts.frameworks.tensorflow.version or r.facts.package_version("tensorflow")
    if not version:
        return None
    system = r.target.system or "linux"
    return _create(
        r, lang, _newest_python(r, lambda v: r.tables.tf_python_supported(version, v, system)), "tf"
    )


def _python_transformers(r: Remedies, lang: str) -> str | None:
    from envadvisor.knowledge.tables import version_ge

    version = r.facts.package_version("transformers")
    line = r.tables.transformers_line(version) if version else None
    if line is None:
        return None
    return _create(r, lang, _newest_python(r, lambda v: version_ge(v, line.python_min)), "hf")


def _python_supported(r: Remedies, lang: str) -> str | None:
    """The newest supported Python every installed framework supports."""
    facts, tables = r.facts, r.tables
    checks: list[Callable[[str], bool | None]] = []
    torch = facts.frameworks.torch.version
    if torch and tables.torch_release(torch):
        release = tables.torch_release(torch)
        assert release is not None
        rng = release.python
        checks.append(lambda v: _inside(v, rng.min, rng.max))
    tf = facts.frameworks.tensorflow.version
    if tf and tables.tf_tested_config(tf, "linux"):
        system = r.target.system or "linux"
        checks.append(lambda v: tables.tf_python_supported(tf, v, system))
    return _create(r, lang, _newest_python(r, lambda v: all(c(v) is not False for c in checks)), "work")


# --------------------------------------------------------------------------------------------------
# Transformers
# --------------------------------------------------------------------------------------------------


def _transformers_spec(r: Remedies, lang: str, accept: Callable[[Any], bool]) -> str | None:
    from envadvisor.propose.install import Install

    lines = r.tables.transformers_lines  # newest first
    for i, line in enumerate(lines):
        if not accept(line):
            continue
        upper = lines[i - 1].version_from if i > 0 else None
        spec = f"transformers>={line.version_from}" + (f",<{upper}" if upper else "")
        return r.render(Install(pip=(spec,)), "transformers", lang)
    return None


def _transformers_for_torch(r: Remedies, lang: str) -> str | None:
    from envadvisor.knowledge.tables import version_ge

    torch = r.facts.frameworks.torch.version or r.facts.package_version("torch")
    python = r.python
    if not torch:
        return None
    return _transformers_spec(
        r,
        lang,
        lambda line: (
            (line.torch_min is None or bool(version_ge(torch, line.torch_min)))
            and (python is None or bool(version_ge(python, line.python_min)))
        ),
    )


def _transformers_for_tensorflow(r: Remedies, lang: str) -> str | None:
    from envadvisor.knowledge.tables import version_ge

    python = r.python
    def fits(line: Any) -> bool:
        return bool(line.tensorflow) and (python is None or bool(version_ge(python, line.python_min)))

    return _transformers_spec(r, lang, fits)


def _numpy_before2(r: Remedies, lang: str) -> str | None:
    from envadvisor.propose.install import Install

    numpy = r.facts.packages.get("numpy")
    if numpy is not None and numpy.source == "conda":
        return r.render(Install(conda=("numpy<2",)), "numpy", lang)
    return r.render(Install(pip=("numpy<2",)), "numpy", lang)


def _numpy_for_torch(r: Remedies, lang: str) -> str | None:
    """NumPy for the installed torch: any release from the torch build that supports NumPy 2 on this
    OS (2.3; 2.4.1 on Windows), NumPy 1 before; None when the tables cannot tell."""
    from envadvisor.propose.install import Install

    torch = r.facts.frameworks.torch.version or r.facts.package_version("torch")
    if not torch:
        return None
    numpy2 = r.tables.torch_supports_numpy2(torch.split("+", 1)[0], r.target.system)
    if numpy2 is None:
        return None
    spec = "numpy" if numpy2 else "numpy<2"
    torch_pkg = r.facts.packages.get("torch")
    if torch_pkg is not None and torch_pkg.source == "conda":
        return r.render(Install(conda=(spec,)), "torch", lang)
    return r.render(Install(pip=(spec,)), "torch", lang)


def _tf_keras_install(r: Remedies, lang: str) -> str | None:
    from envadvisor.knowledge.tables import vtuple
    from envadvisor.propose.install import Install

    v = vtuple(r.facts.frameworks.tensorflow.version or r.facts.package_version("tensorflow"))
    if v is None or len(v) < 2:
        return None
    return r.render(Install(pip=(f"tf-keras=={v[0]}.{v[1]}.*",)), "tensorflow", lang)


def _transformers_for_python(r: Remedies, lang: str) -> str | None:
    from envadvisor.knowledge.tables import version_ge

    python = r.python
    if python is None:
        return None
    return _transformers_spec(r, lang, lambda line: bool(version_ge(python, line.python_min)))


# --------------------------------------------------------------------------------------------------
# CUDA libraries, toolkit, cuDNN, driver
# --------------------------------------------------------------------------------------------------


def _cuda_line_for_target(r: Remedies, major: int | None = None) -> str | None:
    """The newest CUDA line (of ``major``, when given) the driver runs and whose compiler targets every
    GPU; None when the tables cannot tell."""
    from envadvisor.knowledge.tables import vtuple

    t, target = r.tables, r.target
    lines = sorted(
        {f"{v[0]}.{v[1]}" for row in t.cuda_toolkit_rows if (v := vtuple(row.cuda)) and len(v) >= 2},
        key=lambda c: vtuple(c) or (0,),
        reverse=True,
    )
    for cuda in lines:
        v = vtuple(cuda) or (0,)
        if major is not None and v[0] != major:
            continue
        if v[0] < 11:
            continue
        if target.driver or target.driver_cuda:
            runs = (
                t.driver_runs_cuda(target.driver, cuda, target.system)
                if target.driver
                else (vtuple(target.driver_cuda) or (0,))[0] >= v[0]
            )
            if runs is not True:
                continue
        if all(t.cuda_supports_cc(cuda, g.compute_capability) for g in target.gpus):
            return cuda
    return None


def _driver_drives_gpus(r: Remedies) -> bool:
    from envadvisor.propose.fit import gpu_driver_fit

    fit = gpu_driver_fit(r.tables, r.target)
    return fit is None or fit.ok is not False


def _cuda_libraries(r: Remedies, lang: str) -> str | None:
    from envadvisor.propose.install import Install

    target = r.target
    if target.system not in ("linux", "windows") or not target.gpus or not _driver_drives_gpus(r):
        return None
    cuda = _cuda_line_for_target(r)
    if cuda is None:
        return None
    major = cuda.split(".")[0]
    low_cc = min(g.compute_capability for g in target.gpus)
    old_gpu = r.tables.cudnn_supports_cc("9.11", low_cc) is False
    if r.installer("torch") == "conda" or (r.facts.conda.in_conda_env and "torch" not in r.facts.packages):
        cudnn = "cudnn<9.11" if old_gpu else "cudnn"
        conda = (f"cuda-version={cuda}", "cuda-runtime", "cuda-libraries", cudnn)
        return r.render(Install(conda=conda), "torch", lang)
    cudnn = f"nvidia-cudnn-cu{major}<9.11" if old_gpu else f"nvidia-cudnn-cu{major}"
    pip = (f"nvidia-cuda-runtime-cu{major}", f"nvidia-cublas-cu{major}", cudnn)
    return r.render(Install(pip=pip), "torch", lang)


def _framework_cuda(r: Remedies) -> str | None:
    from envadvisor.knowledge.tables import vtuple

    for cuda in (r.facts.frameworks.torch.cuda, r.facts.frameworks.tensorflow.cuda):
        v = vtuple(cuda)
        if v is not None and len(v) >= 2:
            return f"{v[0]}.{v[1]}"
    return None


def _cuda_nvcc(r: Remedies, lang: str) -> str | None:
    """An nvcc of the framework's CUDA line (extensions must match its major) that targets the GPU;
    without a framework build, the newest CUDA the driver runs that targets the GPU."""
    from envadvisor.knowledge.tables import vtuple
    from envadvisor.propose.install import Install

    target = r.target
    if target.system not in ("linux", "windows"):
        return None
    if not _driver_drives_gpus(r):
        return None
    cuda = _framework_cuda(r)
    if cuda is not None and not _driver_runs(r, cuda):
        # the framework build itself cannot run here: match the build its own fix installs
        decision, _ = r.decision_for_python(_torch_wants(r), "pip")
        choice = decision.torch if decision is not None else None
        cuda = choice.cuda if choice is not None and choice.gpu else None
    if (
        cuda is not None
        and target.gpus
        and not all(r.tables.cuda_supports_cc(cuda, g.compute_capability) for g in target.gpus)
    ):
        cuda = _cuda_line_for_target(r, major=(vtuple(cuda) or (0,))[0])
    if cuda is None:
        cuda = _cuda_line_for_target(r) if target.gpus else None
    if cuda is None:
        return None
    return r.render(Install(conda=("cuda-nvcc", f"cuda-version={cuda}")), "cuda-nvcc", lang)


def _cuda_nvjitlink(r: Remedies, lang: str) -> str | None:
    from envadvisor.knowledge.tables import vtuple
    from envadvisor.propose.install import Install

    cuda = _framework_cuda(r) or r.facts.cuda_runtime.version
    v = vtuple(cuda)
    if cuda is None or v is None or v[0] < 12 or r.target.system not in ("linux", "windows"):
        return None
    if not _driver_runs(r, cuda):
        return None
    return r.render(Install(pip=(f"nvidia-nvjitlink-cu{v[0]}",), upgrade=True), "torch", lang)


def _cuda_home(r: Remedies, lang: str) -> str | None:
    system = r.target.system
    if r.mode == "file":
        return None  # an environment file's variables take no $CONDA_PREFIX: set it in the shell
    if system == "windows":
        return (
            'set "CUDA_HOME=%CONDA_PREFIX%\\Library" '
            '(PowerShell: $env:CUDA_HOME = "$env:CONDA_PREFIX\\Library")'
        )
    if system == "linux":
        return "export CUDA_HOME=$CONDA_PREFIX"
    return None


def _driver_runs(r: Remedies, cuda: str) -> bool:
    """Whether the driver drives the GPUs and runs ``cuda`` builds (True when the driver is not known:
    nothing to hold). A driver that does not drive the GPU at all is the finding's own subject
    (EA110, EA111): no CUDA command helps before it changes."""
    from envadvisor.propose.fit import driver_fit

    target = r.target
    if not target.gpus or not (target.driver or target.driver_cuda):
        return True
    return driver_fit(r.tables, target, cuda, needs_ptx=False).ok is not False


def _cudnn_keep_older(r: Remedies, lang: str) -> str | None:
    """cuDNN 9.10, the last with code for GPUs before Turing, in the form the installer of the
    framework (or of the cuDNN wheel) uses; after a driver update when the driver cannot run its CUDA."""
    from envadvisor.propose.install import Install

    if r.target.system not in ("linux", "windows"):
        return None
    major = _build_cuda_major(r)
    if major is None:
        return None
    if (
        r.installer("torch") in ("conda", "file")
        and r.facts.packages.get("torch") is not None
        and r.facts.packages["torch"].source == "conda"
    ):
        return _gated(r, lang, major, r.render(Install(conda=("cudnn<9.11",)), "torch", lang))
    return _gated(r, lang, major, r.render(Install(pip=(f"nvidia-cudnn-cu{major}<9.11",)), "torch", lang))


# --------------------------------------------------------------------------------------------------
# CUDA libraries a failing build loads (signature rules: the error names the problem, the facts the build)
# --------------------------------------------------------------------------------------------------

_LIBRARY_WHEEL_PREFIXES = (
    "nvidia-cudnn-cu", "nvidia-cublas-cu", "nvidia-cuda-runtime-cu", "nvidia-cuda-nvcc-cu",
)


def _build_cuda_major(r: Remedies) -> int | None:
    """The CUDA major of the build that failed, from what is installed: the framework's own build
    (torch, TensorFlow), a JAX CUDA plugin, onnxruntime-gpu's release, or NVIDIA's library wheels."""
    from envadvisor.knowledge.tables import vtuple

    cuda = _framework_cuda(r)
    if cuda is not None:
        return (vtuple(cuda) or (0,))[0] or None
    packages = r.facts.packages
    for major in (13, 12, 11):
        if f"jax-cuda{major}-plugin" in packages or f"jax-cuda{major}-pjrt" in packages:
            return major
    ort = _onnxruntime_row(r)
    if ort is not None and ort.cuda:
        return (vtuple(ort.cuda) or (0,))[0] or None
    majors = {
        int(name[len(prefix):])
        for name in packages
        for prefix in _LIBRARY_WHEEL_PREFIXES
        if name.startswith(prefix) and name[len(prefix):].isdigit()
    }
    return majors.pop() if len(majors) == 1 else None


def _gated(r: Remedies, lang: str, major: int, cmd: str) -> str | None:
    """``cmd`` (which installs CUDA ``major`` libraries) as it can be run on this machine: as is when
    the driver runs CUDA ``major`` (or is not known), after a driver update when only a newer one does;
    None when the driver does not drive the GPU at all (that is the finding to act on first) or there
    is no CUDA on the OS."""
    target = r.target
    if target.system == "macos":
        return None
    if not target.gpus or not (target.driver or target.driver_cuda):
        return cmd
    if not _driver_drives_gpus(r):
        return None
    if _driver_runs(r, f"{major}.0"):
        return cmd
    floor = r.tables.minor_compat_floor(major, target.system)
    return r.phrase("update_then", lang, floor=floor, major=major, cmd=cmd) if floor else None


def _old_gpu(r: Remedies) -> bool:
    """A GPU before Turing: cuDNN 9.11 and later have no code for it."""
    return any(r.tables.cudnn_supports_cc("9.11", g.compute_capability) is False for g in r.target.gpus)


def _cuda_build_libraries(r: Remedies, lang: str) -> str | None:
    from envadvisor.propose.install import Install

    major = _build_cuda_major(r)
    if major is None:
        return None
    cudnn = f"nvidia-cudnn-cu{major}" + ("<9.11" if major >= 12 and _old_gpu(r) else "")
    pip = (f"nvidia-cuda-runtime-cu{major}", f"nvidia-cublas-cu{major}", cudnn)
    return _gated(r, lang, major, r.render(Install(pip=pip), "torch", lang))


def _cuda_nvcc_wheel(r: Remedies, lang: str) -> str | None:
    from envadvisor.propose.install import Install

    major = _build_cuda_major(r)
    if major is None or r.target.system not in (None, "linux", "windows"):
        return None
    return _gated(r, lang, major, r.render(Install(pip=(f"nvidia-cuda-nvcc-cu{major}",), upgrade=True),
                                           "jax", lang))


def _onnxruntime_row(r: Remedies) -> Any:
    version = r.facts.package_version("onnxruntime-gpu")
    package = r.tables.ecosystem_package("onnxruntime-gpu") if version else None
    return package.row(version) if package is not None else None


def _onnxruntime_libraries(r: Remedies, lang: str) -> str | None:
    """The library wheels the installed onnxruntime-gpu release loads (its own METADATA extras from
    1.21; NVIDIA's wheel names for the same majors before), cuDNN 9.10 on a GPU before Turing."""
    from envadvisor.knowledge.tables import vtuple
    from envadvisor.propose.install import Install

    row = _onnxruntime_row(r)
    if row is None or not row.libs or not row.cuda:
        return None
    specs = tuple(row.libs.split())
    if _old_gpu(r):
        specs = tuple(s.replace("==9.*", ">=9,<9.11") if s.startswith("nvidia-cudnn") else s for s in specs)
    major = (vtuple(row.cuda) or (0,))[0]
    return _gated(r, lang, major, r.render(Install(pip=specs), "onnxruntime-gpu", lang))


def _onnxruntime_install(r: Remedies, lang: str) -> str | None:
    """The newest onnxruntime-gpu line with a wheel for this platform whose CUDA the driver runs, the
    CPU package removed first (both installed make the CPU one win)."""
    from envadvisor.knowledge.tables import vtuple
    from envadvisor.propose.install import Install

    package = r.tables.ecosystem_package("onnxruntime-gpu")
    target = r.target
    if package is None or target.system not in ("linux", "windows") or not target.platform:
        return None
    if target.gpus and not _driver_drives_gpus(r):
        return None
    for row in reversed(package.rows):
        major = (vtuple(row.cuda) or (0,))[0]
        if target.platform not in row.platforms or not major:
            continue
        if target.gpus and not _driver_runs(r, f"{major}.0"):
            continue
        line = ".".join(row.last.split(".")[:2])
        installed = "onnxruntime-gpu" if "onnxruntime-gpu" in r.facts.packages else "onnxruntime"
        install = r.render(Install(pip=(f"onnxruntime-gpu=={line}.*",)), installed, lang)
        if r.mode == "file":
            return install
        # uv pip uninstall never asks, and has no -y
        uninstall = "uv pip uninstall" if r.installer(installed) == "uv" else "pip uninstall -y"
        return f"{uninstall} onnxruntime onnxruntime-gpu && {install}"
    return None


def _xformers_for_torch(r: Remedies, lang: str) -> str | None:
    """The newest xFormers release built for the installed torch, from the index of the torch build
    (xFormers publishes its CUDA wheels there too); None when the installed torch does not fit."""
    from envadvisor.knowledge.tables import version_ge, vtuple
    from envadvisor.propose.choices import TORCH_INDEX
    from envadvisor.propose.install import Install

    torch = r.facts.frameworks.torch.version or r.facts.package_version("torch")
    package = r.tables.ecosystem_package("xformers")
    if not torch or vtuple(torch) is None or package is None:
        return None
    fits_machine = _installed_torch_fits(r)
    if fits_machine is False or (fits_machine is None and r.target.gpus):
        return None  # the torch fix comes first; an xFormers for a build that cannot run helps nobody
    public = torch.split("+", 1)[0]
    fits = [row for row in package.rows
            if (row.torch is not None and row.torch.split("+", 1)[0] == public)
            or (row.torch is None and row.torch_min is not None and version_ge(public, row.torch_min))]
    if not fits:
        return None
    variant = r.facts.frameworks.torch.variant or (torch.split("+", 1)[1] if "+" in torch else None)
    index = f"{TORCH_INDEX}{variant}" if variant and variant.startswith("cu") else None
    # torch pinned as installed: pip keeps it rather than taking the index's newest
    return r.render(Install(pip=(f"xformers=={fits[-1].last}", f"torch=={torch}"), index_url=index),
                    "xformers", lang)


# The derived values (a fired rule's table look-ups) that name the CUDA a rule's own command installs,
# and the torch build it pins; the rules of the ecosystem table (vLLM, xFormers, JAX, onnxruntime-gpu,
# DeepSpeed) derive them.
_GATE_CUDA_KEYS = ("pkg_cuda_major", "jax_plugin_cuda", "pkg_torch_cuda_line", "pkg_needs_major")


def _gate_cuda(r: Remedies, lang: str) -> str | None:
    """The start of a command line whose CUDA the rule's look-ups name: empty when this driver runs it;
    "update the NVIDIA driver to >= N first, then: " when only a newer driver does; None (the line is
    left out) when the driver does not drive the GPU at all or the build has no code for it."""
    from envadvisor.knowledge.tables import arch_covers, vtuple
    from envadvisor.propose.fit import driver_fit

    cuda = next((r.derived[k] for k in _GATE_CUDA_KEYS if r.derived.get(k)), None)
    target = r.target
    if cuda is None or not target.gpus or target.system == "macos":
        return "" if cuda is None or target.system != "macos" else None
    if not _driver_drives_gpus(r):
        return None
    index = r.derived.get("pkg_torch_index")
    torch = r.derived.get("pkg_torch_install", "")
    version = torch.split("==", 1)[1] if "==" in torch else None
    if index and version and target.system:
        arch = r.tables.torch_arch_list(version, index, target.platform)
        if arch is not None and not all(arch_covers(arch, g.compute_capability) for g in target.gpus):
            return None
    if not (target.driver or target.driver_cuda):
        return ""
    major = (vtuple(cuda) or (0,))[0]
    fit = driver_fit(r.tables, target, cuda if "." in cuda else f"{cuda}.0", needs_ptx=False)
    if fit.ok is not False:
        return ""
    floor = r.tables.minor_compat_floor(major, target.system)
    if floor is None:
        return None
    return r.phrase("update_then", lang, floor=floor, major=major, cmd="")


def _driver_install(r: Remedies, lang: str) -> str | None:
    target = r.target
    if target.system == "windows":
        return r.phrase("driver_windows", lang)
    if target.system == "linux":
        return r.phrase("driver_wsl" if target.wsl else "driver_linux", lang)
    if target.system == "macos":
        return None
    return r.phrase("driver_any", lang)


_FUNCTIONS: dict[str, Callable[[Remedies, str], str | None]] = {
    "torch.install": _torch_install,
    "torch.cpu": _torch_cpu,
    "torch.reinstall": _torch_reinstall,
    "tensorflow.install": _tensorflow_install,
    "tensorflow.libraries": _tensorflow_libraries,
    "tensorflow.windows_gpu": _tensorflow_windows_gpu,
    "tensorflow.before_keras3": _tensorflow_before_keras3,
    "jax.install": _jax_install,
    "jax.in_wsl": _jax_in_wsl,
    "python.torch": _python_torch,
    "python.tensorflow": _python_tensorflow,
    "python.transformers": _python_transformers,
    "python.supported": _python_supported,
    "transformers.for_torch": _transformers_for_torch,
    "transformers.for_python": _transformers_for_python,
    "transformers.for_tensorflow": _transformers_for_tensorflow,
    "numpy.before2": _numpy_before2,
    "numpy.for_torch": _numpy_for_torch,
    "tf_keras.install": _tf_keras_install,
    "cuda.libraries": _cuda_libraries,
    "cuda.nvcc": _cuda_nvcc,
    "cuda.nvjitlink": _cuda_nvjitlink,
    "cuda.home": _cuda_home,
    "cudnn.keep_older": _cudnn_keep_older,
    "cuda.build_libraries": _cuda_build_libraries,
    "cuda.nvcc_wheel": _cuda_nvcc_wheel,
    "onnxruntime.libraries": _onnxruntime_libraries,
    "onnxruntime.install": _onnxruntime_install,
    "xformers.for_torch": _xformers_for_torch,
    "gate.cuda": _gate_cuda,
    "driver.install": _driver_install,
}
assert set(_FUNCTIONS) == set(REMEDIES)
