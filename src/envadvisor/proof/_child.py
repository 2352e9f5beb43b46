"""The program ``diagnose --deep`` runs in a child process: import one framework and use its GPU.

It is run as ``python -c <this source> FRAMEWORK NONCE HANG_DUMP_SECONDS`` by the interpreter of the
diagnosed environment, never imported by envadvisor (importing a framework is exactly what envadvisor
itself must not do). It depends on nothing but the standard library and the framework under test, and
runs on every Python envadvisor supports.

Protocol: the real standard output is kept for this program alone (a duplicate of fd 1), and fd 1 is
pointed at stderr, so whatever the framework prints goes to stderr. On the kept stdout it writes lines
``NONCE stage NAME`` as it goes and one ``NONCE result JSON`` at the end; the parent trusts nothing else.
Every exception is caught, recorded in the result and its traceback printed to stderr (where the
error-signature library reads it). ``faulthandler`` prints the Python stack on a fatal signal, and once
more shortly before the parent's time limit, so a crash or a hang says where it happened.
"""

from __future__ import annotations

import contextlib
import faulthandler
import importlib
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

FRAMEWORK = sys.argv[1] if len(sys.argv) > 1 else ""
NONCE = sys.argv[2] if len(sys.argv) > 2 else "envadvisor-proof"
HANG_DUMP = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
MAX_DEVICES = 16
# (value, reference) agree when |value - reference| <= TOLERANCE * max(1, |reference|max): loose enough
# for TF32 and reduced-precision accumulation, tight enough to catch a GPU that computes garbage.
TOLERANCE = 1e-2

_OUT = 1  # the kept standard output (set up in main)
_STAGE = ["start"]  # the step the child is in, for the result of a step that fails
Result = dict[str, Any]


def emit(kind: str, payload: str) -> None:
    os.write(_OUT, f"{NONCE} {kind} {payload}\n".encode("ascii", "backslashreplace"))


def stage(name: str) -> None:
    _STAGE[0] = name
    emit("stage", name)


def short(value: Any, limit: int = 500) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def error_of(exc: BaseException) -> dict[str, str]:
    """The first and last line of an exception (the innermost cause first), its traceback to stderr."""
    traceback.print_exception(type(exc), exc, exc.__traceback__)
    sys.stderr.flush()
    root = exc
    seen: set[int] = set()
    while (root.__cause__ or root.__context__) is not None and id(root) not in seen:
        seen.add(id(root))
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
    return {"first": short(_headline(root)), "last": short(_headline(exc))}


def _headline(exc: BaseException) -> str:
    """The "Type: message" line of an exception (CUDA errors add advice lines after it)."""
    lines = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()
    typed = [ln.strip() for ln in lines if ln.strip() and not ln.startswith(" ")]
    return typed[0] if typed else type(exc).__name__


def reference_matmul(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    n, m, p = len(a), len(b), len(b[0])
    return [[sum(a[i][k] * b[k][j] for k in range(m)) for j in range(p)] for i in range(n)]


def small_matrices() -> tuple[list[list[float]], list[list[float]]]:
    # exact in binary floating point: the CPU result must equal the reference bit for bit
    a = [[(i * 4 + j) / 8.0 for j in range(4)] for i in range(4)]
    b = [[(j * 4 + i) / 16.0 - 0.5 for j in range(4)] for i in range(4)]
    return a, b


def max_abs_diff(value: list[list[Any]], reference: list[list[Any]]) -> float:
    worst = 0.0
    if len(value) != len(reference) or any(len(v) != len(r) for v, r in zip(value, reference, strict=True)):
        return float("nan")  # a result of the wrong shape is as wrong as a wrong number
    for row_v, row_r in zip(value, reference, strict=True):
        for v, r in zip(row_v, row_r, strict=True):
            d = abs(float(v) - float(r))
            if math.isnan(d):
                return float("nan")
            worst = max(worst, d)
    return worst


def largest(rows: list[list[Any]]) -> float:
    return max((abs(float(x)) for row in rows for x in row), default=0.0)


def flat_pairs(value: list[Any], reference: list[Any]) -> tuple[list[list[Any]], list[list[Any]]]:
    return [[v] for v in value], [[r] for r in reference]


Body = Callable[[], "tuple[list[list[Any]], list[list[Any]]] | str"]


def run_op(result: Result, name: str, device: str, body: Body) -> None:
    """Run one op; body() returns (value rows, reference rows) or a string saying why it was skipped."""
    stage(f"op:{name}@{device}")
    op: dict[str, Any] = {
        "name": name,
        "device": device,
        "status": "ok",
        "seconds": None,
        "max_abs_diff": None,
        "detail": None,
    }
    started = time.perf_counter()
    try:
        outcome = body()
    except BaseException as exc:  # a framework may raise anything, SystemExit included
        if isinstance(exc, KeyboardInterrupt):
            raise
        err = error_of(exc)
        result.setdefault("failed_at", _STAGE[0])
        op["status"] = "failed"
        op["detail"] = err["last"]
        result["errors"].append(err)
    else:
        if isinstance(outcome, str):
            op["status"] = "skipped"
            op["detail"] = outcome
        else:
            value, reference = outcome
            diff = max_abs_diff(value, reference)
            op["max_abs_diff"] = diff if not math.isnan(diff) else None
            bound = TOLERANCE * max(1.0, largest(reference))
            if math.isnan(diff) or diff > bound:
                op["status"] = "mismatch"
                against = "CPU result" if device != "cpu" else "exact result"
                by = "NaN" if math.isnan(diff) else f"{diff:.3g}"
                op["detail"] = f"differs from the {against} by {by} (tolerance {bound:.3g})"
                line = f"{name} on {device}: {op['detail']}"
                result.setdefault("failed_at", _STAGE[0])
                result["errors"].append({"first": line, "last": line})
    op["seconds"] = round(time.perf_counter() - started, 4)
    result["ops"].append(op)


def tolist(tensor_like: Any) -> list[list[Any]]:
    value = tensor_like.tolist()
    if not isinstance(value, list):
        return [[value]]
    return [row if isinstance(row, list) else [row] for row in value]


# ------------------------------------------------------------------------------------------------
# PyTorch
# ------------------------------------------------------------------------------------------------


def prove_torch(result: Result) -> None:
    stage("import")
    started = time.perf_counter()
    torch: Any = importlib.import_module("torch")

    result["import_seconds"] = round(time.perf_counter() - started, 4)
    result["version"] = short(getattr(torch, "__version__", None))
    stage("build")
    version = getattr(torch, "version", None)
    result["cuda"] = getattr(version, "cuda", None)
    result["rocm"] = getattr(version, "hip", None)
    try:
        cudnn = torch.backends.cudnn.version()
        if cudnn:
            # 91002 -> 9.10.2 (cuDNN 9: major*10000 + minor*100 + patch); 8907 -> 8.9.7 (cuDNN 8)
            cudnn = int(cudnn)
            result["cudnn"] = (
                f"{cudnn // 10000}.{cudnn // 100 % 100}.{cudnn % 100}"
                if cudnn >= 10000
                else f"{cudnn // 1000}.{cudnn // 100 % 10}.{cudnn % 100}"
            )
    except Exception as exc:
        result["errors"].append(error_of(exc))
    stage("devices")
    available = bool(torch.cuda.is_available())
    result["cuda_available"] = available
    count = int(torch.cuda.device_count()) if available else 0
    result["device_count"] = count
    for index in range(min(count, MAX_DEVICES)):
        device: dict[str, Any] = {"index": index, "name": None, "compute_capability": None}
        try:
            device["name"] = short(torch.cuda.get_device_name(index), 200)
            major, minor = torch.cuda.get_device_capability(index)
            device["compute_capability"] = f"{int(major)}.{int(minor)}"
        except Exception as exc:
            result["errors"].append(error_of(exc))
        result["devices"].append(device)
    if available:
        try:
            result["arch_list"] = [short(a, 40) for a in torch.cuda.get_arch_list()][:64]
        except Exception as exc:
            result["errors"].append(error_of(exc))
        try:
            nccl = torch.cuda.nccl.version()
            result["nccl"] = ".".join(str(p) for p in nccl) if isinstance(nccl, tuple) else str(nccl)
        except Exception:  # builds without NCCL (Windows, macOS) raise: not an error
            pass

    a, b = small_matrices()

    def matmul_cpu() -> tuple[list[list[Any]], list[list[Any]]]:
        value = torch.matmul(torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32))
        return tolist(value), reference_matmul(a, b)

    run_op(result, "matmul", "cpu", matmul_cpu)
    if not available or count == 0:
        result["gpu_skipped"] = "torch.cuda.is_available() is False" if not available else "no device"
        return
    gpu = "cuda:0"
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(64, 64, generator=generator)
    y = torch.randn(64, 64, generator=generator)

    def matmul_gpu() -> tuple[list[list[Any]], list[list[Any]]]:
        value = torch.matmul(x.to(gpu), y.to(gpu))
        torch.cuda.synchronize()
        return tolist(value.cpu()), tolist(torch.matmul(x, y))

    run_op(result, "matmul", gpu, matmul_gpu)

    def conv_gpu() -> tuple[list[list[Any]], list[list[Any]]]:
        if not torch.backends.cudnn.is_available():
            raise RuntimeError("cuDNN is not available (torch.backends.cudnn.is_available() is False)")
        functional = torch.nn.functional
        image = torch.randn(1, 3, 16, 16, generator=generator)
        weight = torch.randn(4, 3, 3, 3, generator=generator)
        torch.backends.cudnn.enabled = True
        value = functional.conv2d(image.to(gpu), weight.to(gpu), padding=1)
        torch.cuda.synchronize()
        reference = functional.conv2d(image, weight, padding=1)
        return flat_pairs(value.cpu().flatten().tolist(), reference.flatten().tolist())

    run_op(result, "cudnn-conv2d", gpu, conv_gpu)


# ------------------------------------------------------------------------------------------------
# TensorFlow
# ------------------------------------------------------------------------------------------------


def prove_tensorflow(result: Result) -> None:
    stage("import")
    started = time.perf_counter()
    tf: Any = importlib.import_module("tensorflow")

    result["import_seconds"] = round(time.perf_counter() - started, 4)
    result["version"] = short(getattr(tf, "__version__", None))
    stage("build")
    try:
        info = dict(tf.sysconfig.get_build_info())
        result["cuda"] = info.get("cuda_version") or None
        result["cudnn"] = info.get("cudnn_version") or None
        result["rocm"] = info.get("rocm_version") or None
        result["nccl"] = info.get("nccl_version") or None
        result["is_cuda_build"] = info.get("is_cuda_build")
    except Exception as exc:
        result["errors"].append(error_of(exc))
    stage("devices")
    gpus = list(tf.config.list_physical_devices("GPU"))
    for gpu in gpus:
        # TensorFlow takes nearly all GPU memory at start by default; the proof needs little. It raises
        # when the GPU is already initialised: harmless.
        with contextlib.suppress(Exception):
            tf.config.experimental.set_memory_growth(gpu, True)
    result["cuda_available"] = bool(gpus)
    result["device_count"] = len(gpus)
    for index, gpu in enumerate(gpus[:MAX_DEVICES]):
        device: dict[str, Any] = {"index": index, "name": None, "compute_capability": None}
        try:
            details = tf.config.experimental.get_device_details(gpu)
            device["name"] = short(details.get("device_name") or gpu.name, 200)
            capability = details.get("compute_capability")
            if capability:
                device["compute_capability"] = f"{int(capability[0])}.{int(capability[1])}"
        except Exception as exc:
            result["errors"].append(error_of(exc))
        result["devices"].append(device)

    a, b = small_matrices()

    def matmul_cpu() -> tuple[list[list[Any]], list[list[Any]]]:
        with tf.device("/CPU:0"):
            value = tf.matmul(tf.constant(a, dtype=tf.float32), tf.constant(b, dtype=tf.float32))
        return tolist(value.numpy()), reference_matmul(a, b)

    run_op(result, "matmul", "cpu", matmul_cpu)
    if not gpus:
        result["gpu_skipped"] = "tf.config.list_physical_devices('GPU') is empty"
        return
    tf.config.set_soft_device_placement(False)  # an op that cannot run on the GPU must fail, not move

    def placed_gpu() -> tuple[list[list[Any]], list[list[Any]]]:
        x = tf.random.stateless_normal((64, 64), seed=(1, 2))
        y = tf.random.stateless_normal((64, 64), seed=(3, 4))
        with tf.device("/GPU:0"):
            value = tf.matmul(x, y)
        if "GPU:0" not in value.device:
            raise RuntimeError(f"the op ran on {value.device}, not on /GPU:0")
        with tf.device("/CPU:0"):
            reference = tf.matmul(x, y)
        return tolist(value.numpy()), tolist(reference.numpy())

    run_op(result, "placed-matmul", "/GPU:0", placed_gpu)


# ------------------------------------------------------------------------------------------------
# JAX
# ------------------------------------------------------------------------------------------------


def prove_jax(result: Result) -> None:
    stage("import")
    started = time.perf_counter()
    jax: Any = importlib.import_module("jax")
    jnp: Any = importlib.import_module("jax.numpy")

    result["import_seconds"] = round(time.perf_counter() - started, 4)
    result["version"] = short(getattr(jax, "__version__", None))
    stage("build")
    with contextlib.suppress(Exception):
        jaxlib: Any = importlib.import_module("jaxlib")
        result["jaxlib"] = short(getattr(jaxlib, "__version__", None) or jaxlib.version.__version__)
    stage("devices")
    try:
        gpus = list(jax.devices("gpu"))
    except RuntimeError as exc:
        # "Unknown backend: 'gpu' requested, but no platforms that are instances of gpu are present"
        result["gpu_skipped"] = short(exc, 300)
        gpus = []
    try:  # private module, present in CUDA builds of jaxlib; versions are optional detail
        cuda_versions: Any = getattr(importlib.import_module("jax._src.lib"), "cuda_versions", None)

        if cuda_versions is not None:
            runtime = cuda_versions.cuda_runtime_get_version()
            result["cuda"] = f"{runtime // 1000}.{runtime % 1000 // 10}"
            cudnn = cuda_versions.cudnn_get_version()
            result["cudnn"] = f"{cudnn // 10000}.{cudnn // 100 % 100}.{cudnn % 100}"
    except Exception:  # optional detail
        pass
    result["cuda_available"] = bool(gpus)
    result["device_count"] = len(gpus)
    for index, gpu in enumerate(gpus[:MAX_DEVICES]):
        capability = getattr(gpu, "compute_capability", None)
        result["devices"].append(
            {
                "index": index,
                "name": short(getattr(gpu, "device_kind", None) or gpu, 200),
                "compute_capability": short(capability, 20) if capability else None,
            }
        )
        if getattr(gpu, "platform", "") == "rocm":
            result["rocm"] = result.get("rocm") or "yes"

    cpu = jax.devices("cpu")[0]
    a, b = small_matrices()
    highest = jax.lax.Precision.HIGHEST

    def matmul_cpu() -> tuple[list[list[Any]], list[list[Any]]]:
        left = jax.device_put(jnp.array(a, dtype=jnp.float32), cpu)
        right = jax.device_put(jnp.array(b, dtype=jnp.float32), cpu)
        value = jnp.matmul(left, right, precision=highest)
        return tolist(value), reference_matmul(a, b)

    run_op(result, "matmul", "cpu", matmul_cpu)
    if not gpus:
        result.setdefault("gpu_skipped", "jax.devices('gpu') is empty")
        return
    gpu = gpus[0]
    key = jax.random.PRNGKey(0)
    x = jax.random.normal(key, (64, 64), dtype=jnp.float32)
    y = jax.random.normal(jax.random.PRNGKey(1), (64, 64), dtype=jnp.float32)
    x_cpu, y_cpu = jax.device_put(x, cpu), jax.device_put(y, cpu)

    def matmul_gpu() -> tuple[list[list[Any]], list[list[Any]]]:
        value = jnp.matmul(jax.device_put(x, gpu), jax.device_put(y, gpu), precision=highest)
        value.block_until_ready()
        return tolist(jax.device_get(value)), tolist(jnp.matmul(x_cpu, y_cpu, precision=highest))

    run_op(result, "matmul", "gpu:0", matmul_gpu)

    def function(p: Any, q: Any) -> Any:
        return jnp.tanh(jnp.matmul(p, q, precision=highest) / 8.0) * 2.0 + 1.0

    step = jax.jit(function)

    def jit_gpu() -> tuple[list[list[Any]], list[list[Any]]]:
        value = step(jax.device_put(x, gpu), jax.device_put(y, gpu))
        value.block_until_ready()
        return tolist(jax.device_get(value)), tolist(step(x_cpu, y_cpu))

    run_op(result, "jit", "gpu:0", jit_gpu)


PROVERS: dict[str, Callable[[Result], None]] = {
    "torch": prove_torch,
    "tensorflow": prove_tensorflow,
    "jax": prove_jax,
}


def main() -> None:
    global _OUT
    # -c puts the working directory first on sys.path: a folder named torch/ there (a source checkout)
    # would be imported instead of the installed framework. The proof is about the environment.
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    _OUT = os.dup(1)
    os.dup2(2, 1)
    faulthandler.enable()
    if HANG_DUMP > 0:
        faulthandler.dump_traceback_later(HANG_DUMP, exit=False)
    stage("start")
    result: Result = {
        "framework": FRAMEWORK,
        "python": ".".join(str(part) for part in sys.version_info[:3]),
        "version": None,
        "cuda": None,
        "cudnn": None,
        "nccl": None,
        "rocm": None,
        "cuda_available": None,
        "device_count": None,
        "devices": [],
        "ops": [],
        "errors": [],
        "import_error": None,
        "fatal_error": None,
        "gpu_skipped": None,
    }
    prover = PROVERS.get(FRAMEWORK)
    if prover is None:
        result["import_error"] = {"first": f"unknown framework {FRAMEWORK!r}", "last": ""}
    else:
        try:
            prover(result)
        except BaseException as exc:  # the import itself, or the device query, failed
            if isinstance(exc, KeyboardInterrupt):
                raise
            err = error_of(exc)
            result["failed_at"] = _STAGE[0]
            if result["version"] is None:
                result["import_error"] = err
            else:
                result["fatal_error"] = err
    stage("done")
    faulthandler.cancel_dump_traceback_later()
    emit("result", json.dumps(result, ensure_ascii=True, default=str))


if __name__ == "__main__":  # python -c runs this as __main__; importing the module does nothing
    main()
