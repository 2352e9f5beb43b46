"""What makes a rendered finding advice someone can paste, checked independently of how it was made.

Each check reads the text a user sees (message, why and every fix line, English or Chinese) and holds
what it names against the knowledge tables for the target the finding was made for:

- no template text: ``{placeholders}``, ``<your ...>``, ``<variant>``, ``X.Y`` / ``XXX`` stand-ins, and
  "unknown" pasted where a value belongs;
- every CUDA build a fix names (a ``/whl/cuXYZ`` index, ``+cuXYZ``, ``cuda-version=X.Y``,
  ``cudatoolkit=X.Y``, ``nvidia-*-cuNN``, ``jax[cudaNN]``) runs on the target's driver, unless the same
  line says to update the driver first;
- every PyTorch wheel index a fix names has code for the target's GPUs (when the tables know it);
- every Python a fix names (``python=3.X``) is one the framework on that line supports;
- commands fit the OS: no ``tensorflow[and-cuda]`` or CUDA index on macOS, no ``tensorflow[and-cuda]``
  on native Windows, no Linux-only commands on Windows or macOS.

The checks use the tables only through their public look-ups, so a fix computed by the decision and a
fix written by hand are held to the same standard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from envadvisor.knowledge.tables import Tables, arch_covers, variant_cuda, vtuple
from envadvisor.model import Facts, Finding

TEMPLATE_PATTERNS = (
    re.compile(r"\{[A-Za-z_][A-Za-z0-9_.|\-]*\}"),
    re.compile(r"<your [^>]*>|<variant>|<same as [^>]*>|<torch's [^>]*>|<distro>|<[a-z]+ version>"),
    re.compile(r"\bX\.Y(?:\.Z)?\b|\bcuXYZ\b|\bXXX\b"),
)
# "unknown" glued into a sentence where a value belongs (a renderer's word for a missing value):
# "driver unknown", "CUDA up to unknown", "cudaunknown", "(unknown)", "torch unknown", ": unknown".
UNKNOWN_PATTERNS = (
    re.compile(
        r"(?:cuda|torch|driver|version|up to|plugin|tensorflow|pytorch|python|nvcc|GPUs?|is|of)\s*unknown\b"
        r"(?!\s+(?:to|by)\b)"
        r"|\(unknown\)|:\s*unknown\b|\bunknown\s*\(",
        re.IGNORECASE,
    ),
    re.compile(r"(?:驱动|版本|CUDA|torch|插件|GPU|Python|是)\s*未知|（未知）|[：:]\s*未知"),
)
# Where a line may name a build the driver cannot run: it says to update the driver first.
DRIVER_UPDATE_WORDS = re.compile(
    r"update the (?:NVIDIA )?driver|driver update|install the NVIDIA driver of branch|驱动(?:更新|升级)"
    r"|(?:更新|升级)(?: NVIDIA )?驱动|安装 R\d+ 分支的 NVIDIA 驱动",
    re.IGNORECASE,
)

WHL_INDEX_RE = re.compile(r"download\.pytorch\.org/whl/(cu\d{2,3}|cpu|rocm[\d.]+)")
TORCH_PIN_RE = re.compile(r"\btorch==(\d+\.\d+(?:\.\d+)?)(?:\+(cu\d{2,3}|cpu))?")
LOCAL_CU_RE = re.compile(r"\+cu(\d{2,3})\b")
CUDA_VERSION_RE = re.compile(r"\bcuda-version\s*=\s*(\d{1,2}(?:\.\d{1,2})?)")
CUDATOOLKIT_RE = re.compile(r"\bcudatoolkit\s*=\s*(\d{1,2}\.\d{1,2})")
NVIDIA_WHEEL_RE = re.compile(r"\bnvidia-[a-z0-9-]+-cu(\d{2})\b")
JAX_EXTRA_RE = re.compile(r"jax\[cuda(\d{2})\]")
PYTHON_RE = re.compile(r"\bpython\s*=\s*(3\.\d{1,2})\b|--python\s+(3\.\d{1,2})\b")
LINUX_ONLY_RE = re.compile(
    r"\bsudo\b|\bapt(?:-get)?\b|\bmodprobe\b|\blsmod\b|\brmmod\b|\bdkms\b|\bubuntu-drivers\b|\bldconfig\b"
    r"|\bdmesg\b"
)
POSIX_SHELL_RE = re.compile(r"\bexport [A-Z_]+=|\bunset [A-Z_]+\b|\$[A-Z_]{3,}\b")


@dataclass(frozen=True)
class Target:
    system: str  # linux | windows | macos
    arch: str
    wsl: bool
    gpus: tuple[tuple[str, str], ...]  # (name, compute capability)
    driver: str | None
    driver_cuda: str | None
    python: str | None

    @property
    def platform(self) -> str:
        return f"{self.system}-{self.arch}"

    @classmethod
    def of(cls, facts: Facts) -> Target:
        gpus = tuple(
            (d.name or "GPU", d.compute_capability) for d in facts.gpu.devices if d.compute_capability
        )
        return cls(
            system=(facts.os.system or "linux").lower(),
            arch=(facts.os.arch or "x86_64").lower(),
            wsl=bool(facts.os.wsl),
            gpus=gpus,
            driver=facts.gpu.driver_version,
            driver_cuda=facts.gpu.driver_cuda,
            python=facts.python.version,
        )


def finding_texts(finding: Finding) -> list[tuple[str, str]]:
    """(where, text) for everything a user reads of a finding."""
    out = [("message", finding.message), ("why", finding.why)]
    out += [(f"fix[{i}]", step) for i, step in enumerate(finding.fix)]
    return out


def template_problems(text: str) -> list[str]:
    problems = []
    for pattern in TEMPLATE_PATTERNS:
        for m in pattern.finditer(text):
            problems.append(f"template text {m.group(0)!r}")
    for pattern in UNKNOWN_PATTERNS:
        for m in pattern.finditer(text):
            problems.append(
                f"'unknown' where a value belongs: ...{text[max(0, m.start() - 40) : m.end() + 20]}..."
            )
    return problems


def _runs(tables: Tables, target: Target, cuda: str) -> bool | None:
    if target.driver:
        return tables.driver_runs_cuda(target.driver, cuda, target.system)
    if target.driver_cuda:
        have, need = vtuple(target.driver_cuda), vtuple(cuda)
        if have is None or need is None:
            return None
        if have[0] != need[0]:
            return have[0] > need[0]
        return True  # minor version compatibility within a major (>= the GA driver of CUDA X.0)
    return None


def _newest_torch_with_variant(tables: Tables, variant: str) -> str | None:
    for release in tables.torch_releases:
        if variant in release.variants:
            return release.version
    return None


def command_problems(text: str, target: Target, tables: Tables) -> list[str]:
    """Problems of the commands and versions one line names, for ``target``."""
    problems: list[str] = []
    updates_driver = bool(DRIVER_UPDATE_WORDS.search(text))
    gpu_target = bool(target.gpus) and target.system != "macos"

    cudas: list[tuple[str, str]] = []  # (what the line says, CUDA X.Y or major)
    for m in WHL_INDEX_RE.finditer(text):
        cuda = variant_cuda(m.group(1))
        if cuda:
            cudas.append((m.group(0), cuda))
    for m in LOCAL_CU_RE.finditer(text):
        cuda = variant_cuda("cu" + m.group(1))
        if cuda:
            cudas.append((m.group(0), cuda))
    for m in CUDA_VERSION_RE.finditer(text):
        cudas.append((m.group(0), m.group(1)))
    for m in CUDATOOLKIT_RE.finditer(text):
        cudas.append((m.group(0), m.group(1)))
    for m in NVIDIA_WHEEL_RE.finditer(text):
        cudas.append((m.group(0), m.group(1)))
    for m in JAX_EXTRA_RE.finditer(text):
        cudas.append((m.group(0), m.group(1)))

    if target.system == "macos":
        for what, _ in cudas:
            problems.append(f"{what}: CUDA on macOS")
        if "tensorflow[and-cuda]" in text:
            problems.append("tensorflow[and-cuda] on macOS")
    if (
        target.system == "windows"
        and not target.wsl
        and "tensorflow[and-cuda]" in text
        and not re.search(r"WSL", text, re.IGNORECASE)
    ):
        problems.append("tensorflow[and-cuda] on native Windows")
    if target.system in ("windows", "macos") and not re.search(r"WSL|Linux", text, re.IGNORECASE):
        m = LINUX_ONLY_RE.search(text)
        if m:
            problems.append(f"Linux-only command {m.group(0)!r} on {target.system}")
    if target.system == "windows" and not re.search(r"WSL|Linux|PowerShell", text, re.IGNORECASE):
        m = POSIX_SHELL_RE.search(text)
        if m:
            problems.append(f"POSIX shell syntax {m.group(0)!r} on Windows")

    if gpu_target and target.driver and not updates_driver and cudas:
        for name, cc in target.gpus:
            if tables.driver_supports_gpu(target.driver, cc, name, target.system) is False:
                problems.append(
                    f"{cudas[0][0]}: driver {target.driver} does not drive {name} ({cc}) at all, and the "
                    "line does not say to change the driver first"
                )
    if gpu_target and (target.driver or target.driver_cuda) and not updates_driver:
        for what, cuda in cudas:
            if _runs(tables, target, cuda) is False:
                problems.append(
                    f"{what}: CUDA {cuda} does not run on driver {target.driver or ''} "
                    f"(CUDA {target.driver_cuda}) and the line does not say to update the driver first"
                )

    if gpu_target:
        pins = {m.group(2) or "": m.group(1) for m in TORCH_PIN_RE.finditer(text)}
        for m in WHL_INDEX_RE.finditer(text):
            variant = m.group(1)
            if not variant.startswith("cu"):
                continue
            version = pins.get(variant) or pins.get("") or _newest_torch_with_variant(tables, variant)
            if version is None:
                continue
            arch = tables.torch_arch_list(version, variant, target.platform)
            if arch is None:
                continue
            for name, cc in target.gpus:
                if arch_covers(arch, cc) is False:
                    problems.append(f"{m.group(0)} (torch {version}) has no code for {name} ({cc}): {arch}")

    # A Python applies to the commands after it, up to the next Python the line names.
    mentions = list(PYTHON_RE.finditer(text))
    for i, m in enumerate(mentions):
        python = m.group(1) or m.group(2)
        end = mentions[i + 1].start() if i + 1 < len(mentions) else len(text)
        problems.extend(_python_problems(text[m.start() : end], python, tables, target))
    return problems


def _python_problems(text: str, python: str, tables: Tables, target: Target) -> list[str]:
    problems = []
    if tables.python_eol(python) is None and (vtuple(python) or (0, 0)) > (3, 8):
        problems.append(f"python={python}: not a Python release the tables know")
    lowered = text.lower()
    for m in TORCH_PIN_RE.finditer(text):
        ok = tables.torch_python_supported(m.group(1), python)
        if ok is False:
            problems.append(f"python={python} with torch {m.group(1)}: outside its Python range")
    for m in re.finditer(r"tensorflow(?:\[and-cuda\])?\s*(?:==|<|<=)\s*(\d+\.\d+)", text):
        version = m.group(1)
        if "<" in m.group(0) and "<=" not in m.group(0):
            major, minor = (vtuple(version) or (0, 0))[:2]
            version = f"{major}.{minor - 1}"
        ok = tables.tf_python_supported(version, python, target.system)
        if ok is False:
            problems.append(f"python={python} with TensorFlow {version}: outside its tested range")
    if "transformers" in lowered:
        for m in re.finditer(r"transformers\s*(?:==|>=)\s*(\d+\.\d+)", text):
            line = tables.transformers_line(m.group(1))
            if line is not None and (vtuple(python) or (0,)) < (vtuple(line.python_min) or (0,)):
                problems.append(
                    f"python={python} below transformers {m.group(1)}'s minimum {line.python_min}"
                )
    return problems


def finding_problems(finding: Finding, facts: Facts, tables: Tables) -> list[str]:
    target = Target.of(facts)
    out = []
    for where, text in finding_texts(finding):
        for problem in template_problems(text):
            out.append(f"{finding.code} {where}: {problem}\n    {text}")
        if where.startswith("fix"):
            for problem in command_problems(text, target, tables):
                out.append(f"{finding.code} {where}: {problem}\n    {text}")
    return out


def all_problems(findings: Iterable[Finding], facts: Facts, tables: Tables) -> list[str]:
    out: list[str] = []
    for finding in findings:
        out.extend(finding_problems(finding, facts, tables))
    return out


def summarize(problems: Sequence[str], limit: int = 40) -> str:
    shown = "\n".join(problems[:limit])
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return shown + more
