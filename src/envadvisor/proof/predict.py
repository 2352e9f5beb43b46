"""What the static facts and findings say each framework will do with the GPU, before anything runs.

``diagnose --deep`` holds this prediction against what the framework then does. The prediction reads
only the report diagnose already made: the build (CUDA, CPU, ROCm), the driver and GPUs, and the error
findings that stop a framework from using the GPU. A finding stops a framework when its category says
the GPU cannot be used and its evidence names that framework; driver-level findings (no driver, a
driver/library mismatch, the WSL bridge) stop every framework. When a fact the prediction needs is
unknown, the prediction is unknown too (``gpu_usable`` None), never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence

from envadvisor.model import Category, Facts, Finding, NvmlState, Prediction, Severity

FRAMEWORKS = ("torch", "tensorflow", "jax")

# Reason codes, in the words the report shows (English, Chinese). ``basis`` carries the facts.
REASONS: dict[str, tuple[str, str]] = {
    "ready": (
        "a CUDA build, an NVIDIA driver that answers and a GPU, and no finding against them",
        "CUDA 版本的框架、有响应的 NVIDIA 驱动和 GPU，且没有发现阻止使用 GPU 的问题",
    ),
    "cpu-build": ("a CPU-only build: it has no CUDA to use a GPU with", "CPU 版本：没有 CUDA，用不了 GPU"),
    "platform": ("macOS: there is no CUDA on macOS", "macOS：macOS 上没有 CUDA"),
    "rocm-build": (
        "a ROCm (AMD) build: envadvisor's rules cover NVIDIA GPUs only",
        "ROCm（AMD）版本：envadvisor 的规则只覆盖 NVIDIA GPU",
    ),
    "no-nvidia-gpu": (
        "no NVIDIA driver or GPU answers on this machine",
        "这台机器上没有响应的 NVIDIA 驱动或 GPU",
    ),
    "driver-problem": ("the NVIDIA driver does not work", "NVIDIA 驱动不能正常工作"),
    "gpus-hidden": ("CUDA_VISIBLE_DEVICES hides every GPU", "CUDA_VISIBLE_DEVICES 隐藏了所有 GPU"),
    "blocked": ("a finding says the GPU will not work for it", "有发现的问题表明它用不了 GPU"),
    "build-unknown": (
        "its build (CUDA, CPU or ROCm) is unknown",
        "不知道它是哪种构建（CUDA、CPU 还是 ROCm）",
    ),
    "gpu-unknown": (
        "whether a GPU and a working driver are there is unknown",
        "不知道是否有 GPU 和可用的驱动",
    ),
}

# Categories of error findings that mean "this framework cannot use the GPU"; the first set stops
# every framework, the second only the frameworks the finding's evidence names.
_STOPS_ALL = frozenset({Category.NO_DRIVER, Category.NVML_DRIVER_MISMATCH, Category.WSL_GPU_UNAVAILABLE})
_STOPS_NAMED = frozenset(
    {
        Category.DRIVER_TOO_OLD,
        Category.GPU_ARCH_UNSUPPORTED,
        Category.CUDA_LIBS_MISSING,
        Category.CUDNN_MISMATCH,
        Category.CPU_ONLY_BUILD,
        Category.PLATFORM_UNSUPPORTED,
    }
)
_BROKEN_DRIVER = frozenset(
    {
        NvmlState.DRIVER_NOT_LOADED.value,
        NvmlState.DRIVER_LIBRARY_MISMATCH.value,
        NvmlState.NO_PERMISSION.value,
        NvmlState.GPU_LOST.value,
        NvmlState.BLOCKED_BY_OS.value,
        NvmlState.UNKNOWN_ERROR.value,
    }
)
_ANSWERING = (None, NvmlState.OK.value, NvmlState.UNAVAILABLE.value, NvmlState.NOT_SUPPORTED.value)
HIDING_VALUES = ("", "-1", "none", "NoDevFiles", "void")  # as rule EA005
_TF_CPU_DISTRIBUTIONS = ("tensorflow-cpu", "tensorflow-intel", "tensorflow-macos", "tensorflow-cpu-aws")


def installed(facts: Facts, framework: str) -> bool:
    """Whether the facts show ``framework`` installed in the diagnosed environment."""
    if framework == "torch":
        return bool(facts.frameworks.torch.version or facts.package_version("torch"))
    if framework == "tensorflow":
        return bool(facts.frameworks.tensorflow.version)
    if framework == "jax":
        return bool(facts.frameworks.jax.version or facts.package_version("jax"))
    return False


def predict(facts: Facts, findings: Sequence[Finding], framework: str) -> Prediction:
    build, build_basis = _build(facts, framework)
    negative: list[tuple[str, list[str]]] = []
    if build == "cpu":
        negative.append(("cpu-build", build_basis))
    if facts.os.system == "macos":
        negative.append(("platform", ["os.system=macos"]))
    gpu, gpu_reason, gpu_basis = _gpu(facts)
    if gpu is False:
        negative.append((gpu_reason, gpu_basis))
    stops = [f for f in findings if _stops(f, framework)]
    if stops:
        negative.append(("blocked", [f"{f.code} {f.name}" for f in stops]))
    if negative:
        basis = [item for _, items in negative for item in items]
        return Prediction(gpu_usable=False, reason=negative[0][0], basis=tuple(dict.fromkeys(basis)))
    if build == "rocm":
        return Prediction(gpu_usable=None, reason="rocm-build", basis=tuple(build_basis))
    if build is None:
        return Prediction(gpu_usable=None, reason="build-unknown", basis=tuple(build_basis))
    if gpu is None:
        return Prediction(gpu_usable=None, reason="gpu-unknown", basis=tuple(gpu_basis))
    return Prediction(gpu_usable=True, reason="ready", basis=tuple(dict.fromkeys(build_basis + gpu_basis)))


def _build(facts: Facts, framework: str) -> tuple[str | None, list[str]]:
    """("cuda" | "cpu" | "rocm" | None, the facts that say so)."""
    if framework == "torch":
        torch = facts.frameworks.torch
        if torch.cuda:
            return "cuda", [f"frameworks.torch.cuda={torch.cuda}"]
        if torch.hip:
            return "rocm", [f"frameworks.torch.hip={torch.hip}"]
        variant = torch.variant
        if variant and variant.startswith("cu") and variant[2:].isdigit():
            return "cuda", [f"frameworks.torch.variant={variant}"]
        if variant and variant.startswith("rocm"):
            return "rocm", [f"frameworks.torch.variant={variant}"]
        if variant in ("cpu", "macos", "xpu"):
            return "cpu", [f"frameworks.torch.variant={variant}"]
        return None, ["frameworks.torch.variant=unknown"]
    if framework == "tensorflow":
        tf = facts.frameworks.tensorflow
        if tf.distribution == "tensorflow-rocm":
            return "rocm", [f"frameworks.tensorflow.distribution={tf.distribution}"]
        if tf.is_cuda_build is True or tf.cuda:
            detail = (
                f"frameworks.tensorflow.cuda={tf.cuda}"
                if tf.cuda
                else "frameworks.tensorflow.is_cuda_build=true"
            )
            return "cuda", [detail]
        if tf.is_cuda_build is False:
            return "cpu", ["frameworks.tensorflow.is_cuda_build=false"]
        if tf.distribution in _TF_CPU_DISTRIBUTIONS:
            return "cpu", [f"frameworks.tensorflow.distribution={tf.distribution}"]
        return None, ["frameworks.tensorflow.is_cuda_build=unknown"]
    jax = facts.frameworks.jax
    if jax.cuda_plugin:
        return "cuda", [f"frameworks.jax.cuda_plugin={jax.cuda_plugin}"]
    if jax.jaxlib and "+cuda" in jax.jaxlib:
        return "cuda", [f"frameworks.jax.jaxlib={jax.jaxlib}"]
    if any(name.startswith("jax-rocm") for name in facts.packages):
        return "rocm", ["packages.jax-rocm*"]
    if jax.version or facts.package_version("jax"):
        return "cpu", ["frameworks.jax.cuda_plugin=none"]
    return None, ["frameworks.jax.version=unknown"]


def _gpu(facts: Facts) -> tuple[bool | None, str, list[str]]:
    gpu = facts.gpu
    state = gpu.nvml_state
    devices = len(gpu.devices) or gpu.count or 0
    if state == NvmlState.NO_DRIVER.value:
        return False, "no-nvidia-gpu", [f"gpu.nvml_state={state}"]
    if state in _BROKEN_DRIVER:
        return False, "driver-problem", [f"gpu.nvml_state={state}"]
    if devices and gpu.cuda_visible_devices is not None and gpu.cuda_visible_devices.strip() in HIDING_VALUES:
        return False, "gpus-hidden", [f"gpu.cuda_visible_devices={gpu.cuda_visible_devices!r}"]
    names = sorted({d.name or "?" for d in gpu.devices})
    if devices and state in _ANSWERING and (state == NvmlState.OK.value or gpu.driver_version):
        basis = [
            f"gpu.driver_version={gpu.driver_version}",
            f"gpu.devices={len(gpu.devices) or devices} ({', '.join(names)})",
        ]
        if gpu.driver_cuda:
            basis.insert(1, f"gpu.driver_cuda={gpu.driver_cuda}")
        return True, "ready", basis
    if state == NvmlState.OK.value and not devices:
        return False, "no-nvidia-gpu", ["gpu.count=0"]
    return (
        None,
        "gpu-unknown",
        [f"gpu.nvml_state={state or 'unknown'}", f"gpu.devices={devices or 'unknown'}"],
    )


_FRAMEWORK_PACKAGES = {
    "torch": ("torch",),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel", "tf-nightly"),
    "jax": ("jax", "jaxlib", "jax-cuda12-plugin", "jax-cuda13-plugin", "jax-cuda12-pjrt", "jax-cuda13-pjrt"),
}


def _named_frameworks(finding: Finding) -> set[str]:
    named: set[str] = set()
    for key in finding.evidence:
        parts = str(key).split(".")
        if len(parts) >= 2 and parts[0] == "frameworks" and parts[1] in FRAMEWORKS:
            named.add(parts[1])
        elif len(parts) >= 2 and parts[0] == "packages":
            named.update(fw for fw, names in _FRAMEWORK_PACKAGES.items() if parts[1] in names)
    return named


def _stops(finding: Finding, framework: str) -> bool:
    if finding.severity is not Severity.ERROR:
        return False
    if finding.category in _STOPS_ALL:
        return True
    return finding.category in _STOPS_NAMED and framework in _named_frameworks(finding)
