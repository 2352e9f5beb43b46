"""The words of a proposal, in English and Chinese: every reason is kept as a phrase key and its values
and rendered only when the file (or ``why``) is written, in the language asked for.

A :class:`Phrase` is a value: ``phrase("torch.exact_cpu", reason=...)`` says *what* is meant; the
tables below say it in each language. Values are verbatim text (versions, package names, commands,
URLs: never translated), other phrases, or a :class:`Joined` list. So decisions never hold finished
English, and a Chinese file is not a translation of English output after the fact.

Rules for the Chinese texts: the terms of the glossary (计算能力, 驱动, 数据表, 次版本兼容 ...),
commands, package names, versions and URLs verbatim, and a URL never touches full-width punctuation
(a terminal would take the "（" into the link).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from envadvisor.records import record

if TYPE_CHECKING:
    from envadvisor.target import Target

LANGS = ("en", "zh")


@record
class Phrase:
    """A sentence by key, with its values (verbatim strings or nested phrases)."""

    key: str
    values: tuple[tuple[str, Value], ...] = ()

    def text(self, lang: str = "en") -> str:
        table = PHRASES.get(lang, PHRASES["en"])
        return table[self.key].format(**{name: render(value, lang) for name, value in self.values})


@record
class Joined:
    """Values said one after another: ``"; "`` or ``", "`` in English, ``；`` or ``、`` in Chinese."""

    parts: tuple[Value, ...]
    sep: str = "; "

    def text(self, lang: str = "en") -> str:
        sep = _SEPARATORS.get(lang, {}).get(self.sep, self.sep)
        return sep.join(render(part, lang) for part in self.parts)


Value = str | Phrase | Joined

_SEPARATORS = {"zh": {"; ": "；", ", ": "、"}}


def phrase(key: str, **values: Value) -> Phrase:
    if key not in PHRASES["en"]:
        raise KeyError(f"no phrase {key!r}")
    return Phrase(key, tuple(values.items()))


def joined(parts: Sequence[Value], sep: str = "; ") -> Joined:
    return Joined(tuple(parts), sep)


def render(value: Value | None, lang: str = "en") -> str:
    """``value`` in ``lang``: a phrase rendered, a verbatim string as it is."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.text(lang)


# --------------------------------------------------------------------------------------------------
# The target, as the header and the reasons name it
# --------------------------------------------------------------------------------------------------


def machine(target: Target) -> Phrase:
    """``Linux x86_64 (WSL2), glibc 2.39`` (as :meth:`Target.describe`)."""
    os_name = {"linux": "Linux", "windows": "Windows", "macos": "macOS"}.get(target.system or "")
    text = phrase("target.machine", os=os_name, arch=target.arch) if os_name else phrase(
        "target.unknown_os", arch=target.arch
    )
    if target.wsl:
        text = phrase("target.wsl", machine=text)
    if target.glibc:
        text = phrase("target.glibc", machine=text, glibc=target.glibc)
    return text


def gpus(target: Target) -> Value:
    """``NVIDIA H100 (compute capability 9.0)``, or ``no NVIDIA GPU (why)``: :meth:`Target.describe_gpus`."""
    if not target.gpus:
        if target.gpu_note:
            return phrase("target.no_gpu_because", note=target_note(target.gpu_note))
        return phrase("target.no_gpu")
    counts: dict[tuple[str | None, str], int] = {}
    for g in target.gpus:
        counts[(g.name, g.compute_capability)] = counts.get((g.name, g.compute_capability), 0) + 1
    out: list[Value] = []
    for (name, cc), n in counts.items():
        label = name or "NVIDIA GPU"
        if n > 1:
            out.append(phrase("target.gpus", n=str(n), gpu=label, cc=cc))
        else:
            out.append(phrase("target.gpu", gpu=label, cc=cc))
    return joined(out, ", ")


def driver(target: Target) -> Phrase:
    """The driver line of the header (as :meth:`Target.describe_driver`)."""
    if not target.gpus:
        return phrase("driver.none")
    if target.driver and target.driver_cuda:
        return phrase("driver.known", driver=target.driver, cuda=target.driver_cuda)
    if target.driver_cuda:
        return phrase("driver.version_unknown", cuda=target.driver_cuda)
    if target.driver:
        return phrase("driver.cuda_unknown", driver=target.driver)
    return phrase("driver.unknown")


# Notes the target module writes about a machine (``Target.gpu_note``, ``Target.assumed``) and the
# reasons the target overrides record: fixed sentences, given phrases here. A note from a probe or a
# pasted report that is not one of them is shown as it was written.
_TARGET_NOTES = {
    "no NVIDIA driver found": "note.no_driver",
    "the NVIDIA driver is installed but not loaded": "note.driver_not_loaded",
    "the driver's kernel module and library differ": "note.driver_mismatch",
    "the GPU fell off the bus": "note.gpu_lost",
    "the OS blocks the GPU (WSL2 bridge missing?)": "note.blocked_by_os",
    "macOS has no NVIDIA CUDA": "note.macos_no_cuda",
    "compute capability unknown; pass --compute-capability": "note.cc_unknown",
    "overridden: no NVIDIA GPU on the target": "note.no_gpu_override",
    "CPU build asked for": "note.cpu_asked",
}
_TARGET_NOTE_PATTERNS = (
    (
        re.compile(
            r"^a driver for CUDA (?P<cuda>\S+) is described but no GPU; add --gpu NAME for a CUDA build$"
        ),
        "note.driver_without_gpu",
    ),
    (re.compile(r"^CPU architecture not known: assumed (?P<arch>\S+) \(pass --arch\)$"), "note.arch_assumed"),
    (re.compile(r"^(?P<state>.+): fix the driver before using the GPU$"), "note.fix_driver_first"),
)


def target_note(text: str) -> Value:
    """A note of :mod:`envadvisor.target` as a phrase; anything else verbatim."""
    key = _TARGET_NOTES.get(text)
    if key is not None:
        return phrase(key)
    for pattern, key in _TARGET_NOTE_PATTERNS:
        match = pattern.match(text)
        if match:
            values = match.groupdict()
            if "state" in values:
                return phrase(key, state=target_note(values["state"]))
            return phrase(key, **values)
    return text


# --------------------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------------------

_EN: dict[str, str] = {
    # the target
    "target.machine": "{os} {arch}",
    "target.unknown_os": "an unknown OS {arch}",
    "target.wsl": "{machine} (WSL2)",
    "target.glibc": "{machine}, glibc {glibc}",
    "target.no_gpu": "no NVIDIA GPU",
    "target.no_gpu_because": "no NVIDIA GPU ({note})",
    "target.gpu": "{gpu} (compute capability {cc})",
    "target.gpus": "{n} x {gpu} (compute capability {cc})",
    "driver.none": "none",
    "driver.known": "{driver}, supports CUDA up to {cuda}",
    "driver.version_unknown": "unknown version, supports CUDA up to {cuda}",
    "driver.cuda_unknown": "{driver} (its CUDA is not in the tables)",
    "driver.unknown": "unknown (pass --driver)",
    "note.no_driver": "no NVIDIA driver found",
    "note.driver_not_loaded": "the NVIDIA driver is installed but not loaded",
    "note.driver_mismatch": "the driver's kernel module and library differ",
    "note.gpu_lost": "the GPU fell off the bus",
    "note.blocked_by_os": "the OS blocks the GPU (WSL2 bridge missing?)",
    "note.macos_no_cuda": "macOS has no NVIDIA CUDA",
    "note.cc_unknown": "compute capability unknown; pass --compute-capability",
    "note.no_gpu_override": "overridden: no NVIDIA GPU on the target",
    "note.cpu_asked": "CPU build asked for",
    "note.driver_without_gpu": (
        "a driver for CUDA {cuda} is described but no GPU; add --gpu NAME for a CUDA build"
    ),
    "note.arch_assumed": "CPU architecture not known: assumed {arch} (pass --arch)",
    "note.fix_driver_first": "{state}: fix the driver before using the GPU",
    # the header of environment.yml
    "head.title": "{filename} proposed by envadvisor {version}",
    "head.target": "target: {machine}; {gpus}",
    "head.driver": "driver: {driver}",
    "head.python": "python: {python} ({why})",
    "head.tables": "tables: compatibility tables checked {date}",
    "head.assumed": "assumed: {text}",
    "head.fallback": "FALLBACK: {text}",
    "head.create": "create it:",
    "head.create_on_target": "create it on the target machine:",
    "head.create_override": (
        "on a host without the target's NVIDIA driver (CI, docker build, login node): {cmd}"
    ),
    "head.note": "note: {text}",
    "head.note_warning": "note: warning: {text}",
    "head.check": "check: {severity} {code} {name}: {message}",
    "severity.error": "error",
    "severity.warning": "warning",
    "severity.info": "info",
    # channels, the pip block, variables
    "channel.conda_forge": "community channel with current CUDA-enabled builds",
    "channel.nodefaults": (
        "do not append Anaconda's defaults channels (CEP 24); never mix them with conda-forge"
    ),
    "pip.block": "installed by pip after the conda packages; one block (a second would replace it)",
    "pip.package": "installs the pip block; listed so conda uses this environment's pip",
    "var.mps_fallback": "run operators MPS lacks on the CPU instead of failing",
    # Python
    "python.forced": "chosen with --python; inside every chosen package's range",
    "python.newest_for": "newest Python every chosen package supports ({labels})",
    "python.newest": "newest Python release in the tables",
    "python.eol": "Python {python} reached end of life on {eol}: no security fixes",
    "python.label_conda_forge": "conda-forge pytorch {release}: {python}",
    "python.label_wheels": "torch {release} wheels: {python}",
    "python.label_tensorflow": "tensorflow {release}: {python}",
    "python.label_tensorflow_windows": "tensorflow {release} (native Windows GPU): {python}",
    "python.no_range": (
        "the tables hold no Python range for {names}: the installer picks a release for Python {python} "
        "(pass --python X.Y if none exists)"
    ),
    # requested packages and notes on the whole file
    "want.pip": (
        "requested; from pip because torch comes from pip (a conda package could pull a second, conda "
        "torch)"
    ),
    "want.conda": "requested; taken from conda-forge under this name",
    "want.nothing": "no package named: the file holds Python only",
    "want.transformers_alone": (
        "Transformers needs a framework to run models; add pytorch (envadvisor propose pytorch "
        "transformers)"
    ),
    "want.tf_from_pip": (
        "TensorFlow comes from pip (the tables hold no conda-forge TensorFlow build); torch and "
        "transformers follow it there: one source for each framework and what depends on it"
    ),
    "note.wsl2": (
        "WSL2: the GPU is driven by the Windows NVIDIA driver; do not install a Linux NVIDIA driver inside "
        "WSL2"
    ),
    "note.mps": (
        'MPS needs macOS 14 or newer; check with python -c "import torch; '
        'print(torch.backends.mps.is_available())"'
    ),
    # PyTorch: the decision
    "torch.numpy1": (
        "torch {release} wheels were built against NumPy 1.x; NumPy 2 breaks them (NumPy 2 support from "
        "torch {first})"
    ),
    "torch.no_gpu": "no NVIDIA GPU on the target",
    "torch.conda_forge_misfit": (
        "conda-forge's PyTorch does not fit this GPU ({reasons}): using the official wheels instead"
    ),
    "torch.older_release": (
        "no build of torch {newest} fits this target ({reasons}): torch {chosen} is the newest release "
        "whose wheels do"
    ),
    "torch.no_older_wheel": "no older torch wheel in the tables fits either",
    "torch.no_build_fits": "no PyTorch build in the tables fits this GPU",
    "torch.cpu_fallback": "nothing fits the GPU: {reasons}. Proposing the CPU build; the GPU stays unused",
    "torch.no_build_known": "no build is known for it",
    "torch.driver_update": "with an NVIDIA driver >= {floor} (CUDA {major}.x), {build} would fit this GPU",
    "torch.cudnn_pinned_note": (
        "cuDNN is pinned below the release that dropped this GPU; whether conda-forge's pytorch accepts "
        "that cuDNN is not in the tables: run `envadvisor propose --verify` or create it and see"
    ),
    "torch.macos_x86_64_note": (
        "PyTorch {release} is the last release for macOS x86_64 (CPU); PyPI's macOS wheels have no local "
        "version, so the pin is unambiguous"
    ),
    "torch.macos_x86_64_fallback": (
        "Intel Macs get no PyTorch after {release}: this is the newest that installs"
    ),
    "torch.macos_arm64_note": (
        "PyTorch {release} macOS arm64 wheel with the MPS backend; macOS wheels carry no local version, so "
        "PyPI alone serves it"
    ),
    "torch.candidate_misfit": "{build}: {reason}",
    "torch.candidate_cudnn_pin": (
        "{build}: the newest cuDNN it resolves no longer supports this GPU, and whether an older pinned "
        "one suits conda-forge's pytorch is not in the tables"
    ),
    # PyTorch: the lines
    "torch.conda_forge_mps": (
        "conda-forge PyTorch {release} for osx-arm64, with Apple's MPS GPU backend (macOS 14+); no CUDA on "
        "macOS"
    ),
    "torch.conda_forge_cpu": (
        "conda-forge PyTorch {release}, CPU build ({reason}); pytorch-cpu keeps the CUDA build out"
    ),
    "torch.conda_forge_cuda": "conda-forge PyTorch {release}, CUDA build; kernels cover {gpus}",
    "torch.driver_runs": "driver {cuda} runs it",
    "torch.driver_runs_minor": "driver {cuda} runs it (minor version compatibility)",
    "torch.driver_needed": "needs a CUDA {major}.x driver",
    "torch.cuda_version": "CUDA {cuda} libraries; requires __cuda >= {major}; {driver}",
    "torch.cudnn_pin": "newer cuDNN releases dropped compute capability {cc}; keep one that supports it",
    "torch.index_gpu": "PyTorch's {variant} wheel index (CUDA {cuda}); extra, so PyPI still serves the rest",
    "torch.index_cpu": "PyTorch's CPU wheel index; extra, so PyPI still serves the rest",
    "torch.exact_gpu": (
        "exact {variant} build (a bare version could resolve to PyPI's default CUDA wheel); kernels cover "
        "{gpus}"
    ),
    "torch.exact_gpu_cudnn": (
        "exact {variant} build (a bare version could resolve to PyPI's default CUDA wheel); kernels cover "
        "{gpus}, bundles cuDNN {cudnn}"
    ),
    "torch.exact_cpu": "exact CPU build ({reason}); a bare version could pull a CUDA wheel",
    "torch.plain": "PyTorch {release}",
    # what runs on torch
    "dep.accelerate_conda": "conda-forge accelerate run-depends on conda pytorch: same source as torch",
    "dep.torchvision_conda": "conda-forge builds torchvision for each pytorch build; the solver pairs them",
    "dep.torchaudio_conda": "conda-forge builds torchaudio against conda pytorch; the solver pairs them",
    "dep.accelerate_pip": "from pip like torch, so it does not pull a second (conda) torch",
    "dep.torchvision_pair": (
        "torchvision {line} pairs with torch {torch} (torch 2.N <-> 0.(N+15)); same index and variant"
    ),
    "dep.torchaudio_pair": "torchaudio {line} pairs with torch {torch}",
    "dep.torchaudio_maintenance": (
        "torchaudio is in maintenance: {version} is the newest release and supports torch >= {torch_min}"
    ),
    "dep.torchaudio_open": "newest torchaudio ({version}); it supports torch >= {torch_min} without a pin",
    "dep.no_pairing_note": "the tables know no {name} release for torch {torch}",
    "dep.no_pairing": "requested; no pairing for torch {torch} in the tables",
    # TensorFlow
    "tf.macos": "TensorFlow {version} for macOS {arch}: CPU only (no official GPU support on macOS)",
    "tf.macos_x86_64_fallback": "Intel Macs get no TensorFlow after {version}",
    "tf.windows_eol_python": (
        "it needs Python {python}, past end of life; pass --python {max} to get that file anyway"
    ),
    "tf.windows_no_config": "no tested native-Windows GPU configuration in the tables",
    "tf.windows_cpu": "TensorFlow {version} on the CPU: GPU TensorFlow on native Windows ended with {last}",
    "tf.windows_gpu_ended": (
        "GPU TensorFlow on native Windows ended with {last} ({reason}); for the GPU use WSL2: run "
        "`envadvisor propose tensorflow` inside the WSL2 distribution (pip install tensorflow[and-cuda])"
    ),
    "tf.cpu_no_gpu": "TensorFlow {version} (CPU; no NVIDIA GPU)",
    "tf.linux_arch_cpu": (
        "TensorFlow {version} for Linux {arch}: CPU wheels (the and-cuda GPU route is for x86_64 in the "
        "tables)"
    ),
    "tf.and_cuda": (
        "TensorFlow {version} with NVIDIA's CUDA {cuda} / cuDNN {cudnn} wheels (and-cuda extra); the "
        "driver runs them"
    ),
    "tf.older_release": (
        "TensorFlow {newest} does not fit ({rejected}): {version} is the newest whose CUDA libraries do"
    ),
    "tf.rejected": "{version}: {reason}",
    "tf.cpu_nothing_fits": "TensorFlow {version} CPU: no and-cuda release fits",
    "tf.cpu_fallback": "no GPU TensorFlow fits this GPU/driver ({rejected}): CPU TensorFlow",
    "tf.python": "supports Python {python}",
    "tf.cc_floor": "CUDA {cuda} needs compute capability >= {cc}",
    "tf.ptx_only": (
        "TensorFlow's CUDA {cuda} predates compute capability {cc}: it can run only through PTX JIT, and "
        "whether the wheels carry PTX is not in the tables"
    ),
    "tf.windows_gpu": "TensorFlow {version}: the last release with GPU support on native Windows",
    "tf.windows_cudatoolkit": (
        "CUDA {cuda} runtime TensorFlow {version} was tested with on Windows (TensorFlow's documented "
        "conda-forge recipe)"
    ),
    "tf.windows_cudnn": "cuDNN {cudnn} for TensorFlow {version} on Windows",
    "tf.windows_gpu_fallback": (
        "GPU TensorFlow on native Windows ended with {version} (CUDA {cuda}, cuDNN {cudnn}, Python "
        "{python}); for current TensorFlow on this GPU use WSL2"
    ),
    "tf.keras": (
        "TensorFlow {version} ships Keras 3; Transformers 4.x TensorFlow models need Keras 2 from tf-keras "
        "(pip picks the tf-keras of TensorFlow's minor version)"
    ),
    # JAX
    "jax.cuda": (
        "JAX with NVIDIA's CUDA {major} wheels; the driver runs CUDA {major}.x and CUDA {major} targets "
        "this GPU"
    ),
    "jax.cpu_nothing_fits": "JAX on the CPU: no CUDA 12/13 JAX fits this GPU/driver",
    "jax.cpu_fallback": "JAX's CUDA wheels need a CUDA 12 or 13 driver and a GPU those CUDA releases target",
    "jax.cpu": "JAX on the CPU ({where})",
    "jax.windows": "native Windows has no NVIDIA GPU JAX (use WSL2)",
    "jax.macos": "macOS: CPU (jax-metal is experimental)",
    "jax.no_gpu": "no NVIDIA GPU",
    # Transformers
    "transformers.tf_last": "Transformers {upper} removed TensorFlow; {line}.x is the last line with it",
    "transformers.torch_min": "needs torch >= {torch_min} (torch {torch} chosen)",
    "transformers.python_min": "Python >= {python}",
    "transformers.none_fits_note": "no Transformers line in the tables fits the chosen torch/Python",
    "transformers.none_fits": "requested; no fitting line in the tables",
    # does a build fit (propose/fit.py)
    "fit.arch_list_unknown": "its GPU architecture list is not in the tables",
    "fit.no_kernels": "no kernels for compute capability {cc} (has {arch_list})",
    "fit.kernels": "has kernels for compute capability {ccs}",
    "fit.driver_predates_gpu": "driver {driver} predates {gpu}: it needs {need}",
    "fit.this_gpu": "this GPU",
    "fit.newer_branch": "a newer branch",
    "fit.driver_dropped_gpu": "driver {driver} no longer drives {gpu}: its last branch is R{branch}",
    "fit.driver_drives_gpus": "the driver drives the GPUs",
    "fit.driver_unknown": "the driver is unknown",
    "fit.driver_unknown_floor": "driver unknown: CUDA {cuda} builds need a driver >= {floor}",
    "fit.ptx_driver_cuda_unknown": (
        "PTX JIT needs a driver at least as new as the build; the driver's CUDA is unknown"
    ),
    "fit.ptx_driver_too_old": (
        "the GPU needs PTX JIT, which needs a driver for CUDA >= {cuda} (minor version compatibility "
        "excludes PTX); the driver supports {driver_cuda}"
    ),
    "fit.driver_cannot_tell": "the tables cannot tell whether driver {driver} runs CUDA {cuda}",
    "fit.driver_too_old": "CUDA {cuda} builds need a driver {need}; the target has {have}",
    "fit.need_at_least": ">= {floor}",
    "fit.need_for_cuda": "for CUDA {cuda}",
    "fit.driver_for_cuda": "one for CUDA {cuda}",
    "fit.driver_runs_cuda": "driver runs CUDA {cuda}",
    "fit.cudnn_unknown": "the cuDNN it brings is not in the tables",
    "fit.cudnn_cc_floor": "its cuDNN {cudnn} needs compute capability >= {cc}",
    "fit.cudnn_not_in_table": "cuDNN {cudnn} is not in the cuDNN support table",
    "fit.cudnn_supports": "cuDNN {cudnn} supports the GPU",
    "fit.cudnn_every": "every cuDNN in the tables supports compute capability >= {cc}",
    "fit.cudnn_older_needed": "the cuDNN it brings is not in the tables and this GPU needs an older one",
    "fit.cudnn_pinned": "cuDNN pinned to {first}-{last}, which supports compute capability {cc}",
    "fit.cudnn_none": "no cuDNN in the tables supports compute capability {cc}",
    "fit.glibc_unknown_need": "the glibc conda-forge's CUDA {cuda} build needs is not in the tables",
    "fit.glibc_unknown": "glibc unknown; CUDA {cuda} builds need glibc >= {need}",
    "fit.glibc_ok": "glibc {have} >= {need}",
    "fit.glibc_too_old": "conda-forge's CUDA {cuda} build needs glibc >= {need}; the target has {have}",
    # the command around the file (cli/propose.py, cli/fleet.py)
    "cli.unknown_package": "envadvisor: note: {name} is not in the knowledge tables: written unpinned",
    "cli.wrote": "envadvisor: wrote {path}",
    "verify.not_verified": "not verified: {reason}",
    "verify.assumed": " (assumed)",
    "fleet.read": (
        "fleet: {nodes} node report(s) read, {unreadable} unreadable; made for {gpu_nodes} GPU node(s) and "
        "{cpu_nodes} CPU node(s)"
    ),
    "fleet.oldest_driver": (
        "fleet: oldest driver {driver} (CUDA {cuda}) on {hosts}; compute capabilities {ccs}"
    ),
    "fleet.cpu_nodes_override": (
        "fleet: nodes without an NVIDIA driver ({hosts}) run this on the CPU; conda needs "
        "CONDA_OVERRIDE_CUDA={cuda} there to install the CUDA build"
    ),
    "fleet.cpu_nodes": "fleet: nodes without an NVIDIA GPU ({hosts}) run this on the CPU",
    "fleet.not_for": "fleet: NOT for {hosts}: {reason}",
    "fleet.note": "fleet: note: {text}",
    "verify.no_virtual_packages": "no virtual packages",
    "verify.solves": "verified: the conda part solves from {channel} for {subdir} with {virtual}",
    "verify.solves_pip": (
        "verified: the conda part solves from {channel} for {subdir} with {virtual}; the pip block "
        "({count} package(s)) is not solved"
    ),
    "verify.not_solvable": (
        "NOT solvable: the conda part does not solve from {channel} for {subdir} with {virtual}: {error}"
    ),
}

_ZH: dict[str, str] = {
    # the target
    "target.machine": "{os} {arch}",
    "target.unknown_os": "未知操作系统 {arch}",
    "target.wsl": "{machine}（WSL2）",
    "target.glibc": "{machine}，glibc {glibc}",
    "target.no_gpu": "没有 NVIDIA GPU",
    "target.no_gpu_because": "没有 NVIDIA GPU（{note}）",
    "target.gpu": "{gpu}（计算能力 {cc}）",
    "target.gpus": "{n} x {gpu}（计算能力 {cc}）",
    "driver.none": "无",
    "driver.known": "{driver}，最高支持 CUDA {cuda}",
    "driver.version_unknown": "版本未知，最高支持 CUDA {cuda}",
    "driver.cuda_unknown": "{driver}（数据表中没有它支持的 CUDA 版本）",
    "driver.unknown": "未知（请用 --driver 指定）",
    "note.no_driver": "没有找到 NVIDIA 驱动",
    "note.driver_not_loaded": "NVIDIA 驱动已安装但未加载",
    "note.driver_mismatch": "驱动的内核模块与用户态库版本不一致",
    "note.gpu_lost": "GPU 已从总线上掉线",
    "note.blocked_by_os": "操作系统屏蔽了 GPU（可能缺少 WSL2 的 GPU 桥接？）",
    "note.macos_no_cuda": "macOS 不支持 NVIDIA CUDA",
    "note.cc_unknown": "计算能力未知；请用 --compute-capability 指定",
    "note.no_gpu_override": "已用参数指定：目标机器没有 NVIDIA GPU",
    "note.cpu_asked": "要求使用 CPU 版",
    "note.driver_without_gpu": "描述了支持 CUDA {cuda} 的驱动，但没有 GPU；要 CUDA 版请加 --gpu 型号",
    "note.arch_assumed": "CPU 架构未知：假定为 {arch}（可用 --arch 指定）",
    "note.fix_driver_first": "{state}：使用 GPU 前请先修好驱动",
    # the header of environment.yml
    "head.title": "{filename}，由 envadvisor {version} 提议",
    "head.target": "目标机器：{machine}；{gpus}",
    "head.driver": "驱动：{driver}",
    "head.python": "Python：{python}（{why}）",
    "head.tables": "数据表：兼容性数据表核对于 {date}",
    "head.assumed": "假定：{text}",
    "head.fallback": "回退方案（FALLBACK）：{text}",
    "head.create": "创建方法：",
    "head.create_on_target": "在目标机器上创建：",
    "head.create_override": "在没有目标机器 NVIDIA 驱动的主机上（CI、docker build、登录节点）：{cmd}",
    "head.note": "提示：{text}",
    "head.note_warning": "警告：{text}",
    "head.check": "检查：{severity} {code} {name}：{message}",
    "severity.error": "错误",
    "severity.warning": "警告",
    "severity.info": "信息",
    # channels, the pip block, variables
    "channel.conda_forge": "社区频道，提供当前支持 CUDA 的构建",
    "channel.nodefaults": "不追加 Anaconda 的 defaults 频道（CEP 24）；切勿与 conda-forge 混用",
    "pip.block": "在 conda 包之后由 pip 安装；只能有一个 pip 块（第二个会覆盖它）",
    "pip.package": "用于安装 pip 块；列出它，conda 才会使用本环境自己的 pip",
    "var.mps_fallback": "MPS 不支持的算子改在 CPU 上运行，而不是报错",
    # Python
    "python.forced": "由 --python 指定；在所有所选包支持的范围之内",
    "python.newest_for": "所有所选包都支持的最新 Python（{labels}）",
    "python.newest": "数据表中最新的 Python 版本",
    "python.eol": "Python {python} 已于 {eol} 停止维护：不再有安全修复",
    "python.label_conda_forge": "conda-forge pytorch {release}：{python}",
    "python.label_wheels": "torch {release} 的 wheel：{python}",
    "python.label_tensorflow": "tensorflow {release}：{python}",
    "python.label_tensorflow_windows": "tensorflow {release}（原生 Windows GPU 版）：{python}",
    "python.no_range": (
        "数据表中没有 {names} 支持的 Python 范围：由安装器为 Python {python} 挑选版本（若没有可用版本，请用"
        " --python X.Y 指定）"
    ),
    # requested packages and notes on the whole file
    "want.pip": "按要求加入；因为 torch 来自 pip，它也从 pip 安装（conda 包可能再拉进一个 conda 版 torch）",
    "want.conda": "按要求加入；以这个名字从 conda-forge 安装",
    "want.nothing": "没有指定包：文件中只有 Python",
    "want.transformers_alone": (
        "Transformers 需要一个框架来运行模型；请加上 pytorch（envadvisor propose pytorch transformers）"
    ),
    "want.tf_from_pip": (
        "TensorFlow 来自 pip（数据表中没有 conda-forge 的 TensorFlow 构建）；torch 和 transformers 也随之从"
        " pip 安装：每个框架及依赖它的包都只用一个来源"
    ),
    "note.wsl2": "WSL2：GPU 由 Windows 上安装的 NVIDIA 驱动负责；不要在 WSL2 里安装 Linux 版 NVIDIA 驱动",
    "note.mps": (
        'MPS 需要 macOS 14 或更新版本；检查方法：python -c "import torch; '
        'print(torch.backends.mps.is_available())"'
    ),
    # PyTorch: the decision
    "torch.numpy1": (
        "torch {release} 的 wheel 是针对 NumPy 1.x 构建的，NumPy 2 会让它出错（torch {first} 起支持 NumPy "
        "2）"
    ),
    "torch.no_gpu": "目标机器没有 NVIDIA GPU",
    "torch.conda_forge_misfit": "conda-forge 的 PyTorch 不适合这块 GPU（{reasons}）：改用官方 wheel",
    "torch.older_release": (
        "torch {newest} 没有适合这台目标机器的构建（{reasons}）：torch {chosen} 是 wheel 仍然适用的最新版本"
    ),
    "torch.no_older_wheel": "数据表中也没有更早的 torch wheel 适用",
    "torch.no_build_fits": "数据表中没有适合这块 GPU 的 PyTorch 构建",
    "torch.cpu_fallback": "没有适合这块 GPU 的构建：{reasons}。改为提议 CPU 版；GPU 将闲置不用",
    "torch.no_build_known": "没有已知的构建支持它",
    "torch.driver_update": "若 NVIDIA 驱动 >= {floor}（CUDA {major}.x），{build} 就能用于这块 GPU",
    "torch.cudnn_pinned_note": (
        "cuDNN 被固定在放弃这块 GPU 的版本之前；conda-forge 的 pytorch 是否接受这个 cuDNN 不在数据表中：请"
        "运行 `envadvisor propose --verify`，或直接创建环境验证"
    ),
    "torch.macos_x86_64_note": (
        "PyTorch {release} 是支持 macOS x86_64（CPU）的最后一个版本；PyPI 的 macOS wheel 不带本地版本号，所"
        "以这个固定版本不会有歧义"
    ),
    "torch.macos_x86_64_fallback": "Intel Mac 在 PyTorch {release} 之后不再有新版本：这是能安装的最新版本",
    "torch.macos_arm64_note": (
        "PyTorch {release} 的 macOS arm64 wheel，带 MPS 后端；macOS wheel 不带本地版本号，所以只由 PyPI 提"
        "供"
    ),
    "torch.candidate_misfit": "{build}：{reason}",
    "torch.candidate_cudnn_pin": (
        "{build}：它解析到的最新 cuDNN 已不再支持这块 GPU，而固定一个旧版 cuDNN 是否适合 conda-forge 的 "
        "pytorch 不在数据表中"
    ),
    # PyTorch: the lines
    "torch.conda_forge_mps": (
        "conda-forge 的 PyTorch {release}，osx-arm64 版，带 Apple 的 MPS GPU 后端（macOS 14+）；macOS 上没"
        "有 CUDA"
    ),
    "torch.conda_forge_cpu": (
        "conda-forge 的 PyTorch {release}，CPU 版（{reason}）；pytorch-cpu 确保不会装上 CUDA 版"
    ),
    "torch.conda_forge_cuda": "conda-forge 的 PyTorch {release}，CUDA 版；内核覆盖 {gpus}",
    "torch.driver_runs": "驱动支持 CUDA {cuda}，可以运行它",
    "torch.driver_runs_minor": "驱动支持 CUDA {cuda}，可以运行它（CUDA 次版本兼容）",
    "torch.driver_needed": "需要支持 CUDA {major}.x 的驱动",
    "torch.cuda_version": "CUDA {cuda} 库；要求 __cuda >= {major}；{driver}",
    "torch.cudnn_pin": "较新的 cuDNN 已不再支持计算能力 {cc}；保留一个支持它的版本",
    "torch.index_gpu": "PyTorch 的 {variant} wheel 索引（CUDA {cuda}）；作为额外索引，其余的包仍由 PyPI 提供",
    "torch.index_cpu": "PyTorch 的 CPU wheel 索引；作为额外索引，其余的包仍由 PyPI 提供",
    "torch.exact_gpu": (
        "精确指定 {variant} 构建（只写版本号可能解析到 PyPI 默认的 CUDA wheel）；内核覆盖 {gpus}"
    ),
    "torch.exact_gpu_cudnn": (
        "精确指定 {variant} 构建（只写版本号可能解析到 PyPI 默认的 CUDA wheel）；内核覆盖 {gpus}，自带 "
        "cuDNN {cudnn}"
    ),
    "torch.exact_cpu": "精确指定 CPU 构建（{reason}）；只写版本号可能拉进 CUDA wheel",
    "torch.plain": "PyTorch {release} 版",
    # what runs on torch
    "dep.accelerate_conda": "conda-forge 的 accelerate 运行时依赖 conda 版 pytorch：与 torch 同一来源",
    "dep.torchvision_conda": "conda-forge 为每个 pytorch 构建编译 torchvision；由求解器配对",
    "dep.torchaudio_conda": "conda-forge 针对 conda 版 pytorch 编译 torchaudio；由求解器配对",
    "dep.accelerate_pip": "和 torch 一样从 pip 安装，以免再拉进一个 conda 版 torch",
    "dep.torchvision_pair": (
        "torchvision {line} 与 torch {torch} 配对（torch 2.N <-> 0.(N+15)）；使用相同的索引和变体"
    ),
    "dep.torchaudio_pair": "torchaudio {line} 与 torch {torch} 配对",
    "dep.torchaudio_maintenance": (
        "torchaudio 已进入维护状态：{version} 是最新版本，支持 torch >= {torch_min}"
    ),
    "dep.torchaudio_open": "最新的 torchaudio（{version}）；它支持 torch >= {torch_min}，无需固定版本",
    "dep.no_pairing_note": "数据表中没有与 torch {torch} 配对的 {name} 版本",
    "dep.no_pairing": "按要求加入；数据表中没有与 torch {torch} 的配对",
    # TensorFlow
    "tf.macos": "macOS {arch} 上的 TensorFlow {version}：只能用 CPU（macOS 上没有官方 GPU 支持）",
    "tf.macos_x86_64_fallback": "Intel Mac 在 TensorFlow {version} 之后不再有新版本",
    "tf.windows_eol_python": "它需要 Python {python}，已停止维护；如仍需要这个文件，请加 --python {max}",
    "tf.windows_no_config": "数据表中没有经过测试的原生 Windows GPU 配置",
    "tf.windows_cpu": "CPU 上的 TensorFlow {version}：原生 Windows 上的 GPU 版 TensorFlow 止于 {last}",
    "tf.windows_gpu_ended": (
        "原生 Windows 上的 GPU 版 TensorFlow 止于 {last}（{reason}）；要用 GPU 请使用 WSL2：在 WSL2 发行版"
        "中运行 `envadvisor propose tensorflow`（pip install tensorflow[and-cuda]）"
    ),
    "tf.cpu_no_gpu": "TensorFlow {version}（CPU 版；没有 NVIDIA GPU）",
    "tf.linux_arch_cpu": (
        "Linux {arch} 上的 TensorFlow {version}：CPU wheel（数据表中 and-cuda 的 GPU 方案只适用于 x86_64）"
    ),
    "tf.and_cuda": (
        "TensorFlow {version}，搭配 NVIDIA 的 CUDA {cuda} / cuDNN {cudnn} wheel（and-cuda 额外依赖）；驱动"
        "可以运行它们"
    ),
    "tf.older_release": "TensorFlow {newest} 不适用（{rejected}）：{version} 是 CUDA 库仍然适用的最新版本",
    "tf.rejected": "{version}：{reason}",
    "tf.cpu_nothing_fits": "TensorFlow {version} CPU 版：没有适用的 and-cuda 版本",
    "tf.cpu_fallback": "没有适合这块 GPU 和驱动的 GPU 版 TensorFlow（{rejected}）：改用 CPU 版 TensorFlow",
    "tf.python": "支持 Python {python}",
    "tf.cc_floor": "CUDA {cuda} 需要计算能力 >= {cc}",
    "tf.ptx_only": (
        "TensorFlow 使用的 CUDA {cuda} 早于计算能力 {cc}：只能通过 PTX JIT 运行，而 wheel 是否带 PTX 不在数"
        "据表中"
    ),
    "tf.windows_gpu": "TensorFlow {version}：原生 Windows 上支持 GPU 的最后一个版本",
    "tf.windows_cudatoolkit": (
        "TensorFlow {version} 在 Windows 上测试所用的 CUDA {cuda} 运行时（TensorFlow 文档中的 conda-forge "
        "方案）"
    ),
    "tf.windows_cudnn": "Windows 上 TensorFlow {version} 所用的 cuDNN {cudnn}",
    "tf.windows_gpu_fallback": (
        "原生 Windows 上的 GPU 版 TensorFlow 止于 {version}（CUDA {cuda}、cuDNN {cudnn}、Python {python}）"
        "；要在这块 GPU 上用当前的 TensorFlow，请使用 WSL2"
    ),
    "tf.keras": (
        "TensorFlow {version} 自带 Keras 3；Transformers 4.x 的 TensorFlow 模型需要 tf-keras 提供的 Keras "
        "2（pip 会选与 TensorFlow 次版本对应的 tf-keras）"
    ),
    # JAX
    "jax.cuda": (
        "JAX，搭配 NVIDIA 的 CUDA {major} wheel；驱动可以运行 CUDA {major}.x，且 CUDA {major} 支持这块 GPU"
    ),
    "jax.cpu_nothing_fits": "CPU 上的 JAX：没有适合这块 GPU 和驱动的 CUDA 12/13 版 JAX",
    "jax.cpu_fallback": "JAX 的 CUDA wheel 需要支持 CUDA 12 或 13 的驱动，以及这些 CUDA 版本支持的 GPU",
    "jax.cpu": "CPU 上的 JAX（{where}）",
    "jax.windows": "原生 Windows 上没有 NVIDIA GPU 版 JAX（请使用 WSL2）",
    "jax.macos": "macOS：CPU（jax-metal 仍是实验性的）",
    "jax.no_gpu": "没有 NVIDIA GPU",
    # Transformers
    "transformers.tf_last": (
        "Transformers {upper} 移除了 TensorFlow 支持；{line}.x 是最后一个支持它的版本系列"
    ),
    "transformers.torch_min": "需要 torch >= {torch_min}（已选 torch {torch}）",
    "transformers.python_min": "需要 Python >= {python}",
    "transformers.none_fits_note": "数据表中没有适合所选 torch/Python 的 Transformers 版本系列",
    "transformers.none_fits": "按要求加入；数据表中没有适用的版本系列",
    # does a build fit (propose/fit.py)
    "fit.arch_list_unknown": "它的 GPU 架构列表不在数据表中",
    "fit.no_kernels": "没有计算能力 {cc} 的内核（只有 {arch_list}）",
    "fit.kernels": "有计算能力 {ccs} 的内核",
    "fit.driver_predates_gpu": "驱动 {driver} 早于 {gpu}：它需要 {need}",
    "fit.this_gpu": "这块 GPU",
    "fit.newer_branch": "更新的驱动分支",
    "fit.driver_dropped_gpu": "驱动 {driver} 已不再支持 {gpu}：支持它的最后一个分支是 R{branch}",
    "fit.driver_drives_gpus": "驱动支持这些 GPU",
    "fit.driver_unknown": "驱动未知",
    "fit.driver_unknown_floor": "驱动未知：CUDA {cuda} 构建需要驱动 >= {floor}",
    "fit.ptx_driver_cuda_unknown": "PTX JIT 需要不早于该构建的驱动；驱动支持的 CUDA 版本未知",
    "fit.ptx_driver_too_old": (
        "这块 GPU 需要 PTX JIT，而它需要支持 CUDA >= {cuda} 的驱动（CUDA 次版本兼容不适用于 PTX）；驱动只支"
        "持 {driver_cuda}"
    ),
    "fit.driver_cannot_tell": "数据表无法判断驱动 {driver} 能否运行 CUDA {cuda}",
    "fit.driver_too_old": "CUDA {cuda} 构建需要驱动 {need}；目标机器的驱动是 {have}",
    "fit.need_at_least": ">= {floor}",
    "fit.need_for_cuda": "支持 CUDA {cuda}",
    "fit.driver_for_cuda": "支持 CUDA {cuda} 的版本",
    "fit.driver_runs_cuda": "驱动可以运行 CUDA {cuda}",
    "fit.cudnn_unknown": "它带来的 cuDNN 不在数据表中",
    "fit.cudnn_cc_floor": "它的 cuDNN {cudnn} 需要计算能力 >= {cc}",
    "fit.cudnn_not_in_table": "cuDNN {cudnn} 不在 cuDNN 支持表中",
    "fit.cudnn_supports": "cuDNN {cudnn} 支持这块 GPU",
    "fit.cudnn_every": "数据表中的每个 cuDNN 都支持计算能力 >= {cc}",
    "fit.cudnn_older_needed": "它带来的 cuDNN 不在数据表中，而这块 GPU 需要更旧的版本",
    "fit.cudnn_pinned": "cuDNN 固定在 {first}-{last}，支持计算能力 {cc}",
    "fit.cudnn_none": "数据表中没有支持计算能力 {cc} 的 cuDNN",
    "fit.glibc_unknown_need": "conda-forge 的 CUDA {cuda} 构建需要的 glibc 版本不在数据表中",
    "fit.glibc_unknown": "glibc 版本未知；CUDA {cuda} 构建需要 glibc >= {need}",
    "fit.glibc_ok": "glibc {have} >= {need}",
    "fit.glibc_too_old": "conda-forge 的 CUDA {cuda} 构建需要 glibc >= {need}；目标机器是 {have}",
    # the command around the file (cli/propose.py, cli/fleet.py)
    "cli.unknown_package": "envadvisor：提示：知识数据表中没有 {name}：按原名写入，不固定版本",
    "cli.wrote": "envadvisor：已写入 {path}",
    "verify.not_verified": "未验证：{reason}",
    "verify.assumed": "（假定）",
    "fleet.read": (
        "集群：读取了 {nodes} 份节点报告，{unreadable} 份无法读取；适用于 {gpu_nodes} 个 GPU 节点和 "
        "{cpu_nodes} 个 CPU 节点"
    ),
    "fleet.oldest_driver": "集群：最旧的驱动是 {driver}（CUDA {cuda}），在 {hosts} 上；计算能力 {ccs}",
    "fleet.cpu_nodes_override": (
        "集群：没有 NVIDIA 驱动的节点（{hosts}）在 CPU 上运行它；conda 在那里需要 "
        "CONDA_OVERRIDE_CUDA={cuda} 才能安装 CUDA 版"
    ),
    "fleet.cpu_nodes": "集群：没有 NVIDIA GPU 的节点（{hosts}）在 CPU 上运行它",
    "fleet.not_for": "集群：不适用于 {hosts}：{reason}",
    "fleet.note": "集群：提示：{text}",
    "verify.no_virtual_packages": "没有虚拟包",
    "verify.solves": "已验证：conda 部分可以从 {channel} 为 {subdir} 求解（虚拟包：{virtual}）",
    "verify.solves_pip": (
        "已验证：conda 部分可以从 {channel} 为 {subdir} 求解（虚拟包：{virtual}）；pip 块（{count} 个包）未"
        "求解"
    ),
    "verify.not_solvable": (
        "无法求解：conda 部分不能从 {channel} 为 {subdir} 求解（虚拟包：{virtual}）：{error}"
    ),
}

PHRASES: dict[str, dict[str, str]] = {"en": _EN, "zh": _ZH}
