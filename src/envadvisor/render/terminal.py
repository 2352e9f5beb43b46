"""The terminal report: components, the three CUDA numbers side by side, then findings.

Functions here build rich renderables and never print: the CLI hands them to a console. Plain text
(no colour) comes from the same renderables when the console is not a terminal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from envadvisor.knowledge.tables import driver_is_branch
from envadvisor.model import Facts, Finding, NvmlState, Report, Severity

if TYPE_CHECKING:
    import datetime as _dt

UI: dict[str, dict[str, str]] = {
    "en": {
        "title_machine": "envadvisor diagnose: this machine",
        "title_report": "envadvisor diagnose: report {path}",
        "components": "Components",
        "what": "Component",
        "version": "Version",
        "where": "Where found",
        "status": "Status",
        "meaning": "Meaning",
        "three_cuda": "The three CUDA versions",
        "driver_cuda": "Driver maximum",
        "driver_cuda_meaning": "newest CUDA the installed driver runs (nvidia-smi 'CUDA Version')",
        "toolkit_cuda": "Toolkit (nvcc)",
        "toolkit_cuda_meaning": "compiles CUDA code (extensions); frameworks bring their own runtime",
        "build_cuda": "Framework build",
        "build_cuda_meaning": "CUDA the framework was built with; must run on the driver",
        "findings": "Findings",
        "no_findings": "No problems found.",
        "why": "Why",
        "fix": "Fix",
        "evidence": "Evidence",
        "from_report": "From the report",
        "not_evaluated": "{n} rule(s) not evaluated because facts are unknown: {codes}",
        "probes_failed": "Probes that could not finish: {items}",
        "overridden": "Overridden by you: {keys}",
        "unknown": "unknown",
        "not_found": "not found",
        "none": "none",
        "no_driver": "no NVIDIA driver",
        "cpu_build": "CPU build",
        "inferred": "inferred",
        "branch_only": "branch R{branch}: patch level not known",
        "tables": "Knowledge tables checked {date}.",
        "summary": "{errors} error(s), {warnings} warning(s), {infos} note(s)",
    },
    "zh": {
        "title_machine": "envadvisor 诊断：本机",
        "title_report": "envadvisor 诊断：报告 {path}",
        "components": "组件",
        "what": "组件",
        "version": "版本",
        "where": "来源",
        "status": "状态",
        "meaning": "含义",
        "three_cuda": "三个不同的 CUDA 版本",
        "driver_cuda": "驱动支持的最高版本",
        "driver_cuda_meaning": "已装驱动能运行的最新 CUDA（nvidia-smi 中的 “CUDA Version”）",
        "toolkit_cuda": "工具包（nvcc）",
        "toolkit_cuda_meaning": "只用于编译 CUDA 代码（扩展）；框架自带运行时",
        "build_cuda": "框架构建版本",
        "build_cuda_meaning": "框架编译时使用的 CUDA；驱动必须能运行它",
        "findings": "发现的问题",
        "no_findings": "没有发现问题。",
        "why": "原因",
        "fix": "解决办法",
        "evidence": "依据",
        "from_report": "报告原文",
        "not_evaluated": "{n} 条规则因事实未知而未评估：{codes}",
        "probes_failed": "未能完成的探测：{items}",
        "overridden": "由你指定的值：{keys}",
        "unknown": "未知",
        "not_found": "未找到",
        "none": "无",
        "no_driver": "没有 NVIDIA 驱动",
        "cpu_build": "CPU 版本",
        "inferred": "推断",
        "branch_only": "只知道分支 R{branch}：具体补丁版本未知",
        "tables": "知识表核对日期 {date}。",
        "summary": "{errors} 个错误，{warnings} 个警告，{infos} 条提示",
    },
}

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_SEVERITY_LABEL = {
    "en": {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"},
    "zh": {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"},
}

Summarize = Callable[[str], "str | None"]  # glossary term id -> one-line meaning


@dataclass(frozen=True)
class ComponentRow:
    term: str | None
    what: str
    version: str | None
    where: str | None
    status: str  # ok | missing | problem | unknown | info
    note: str | None = None


def component_rows(facts: Facts, lang: str = "en") -> Iterator[ComponentRow]:
    ui = UI[lang]
    os_f = facts.os
    os_version = " ".join(p for p in (os_f.distro, os_f.distro_version) if p) or os_f.system
    yield ComponentRow(
        None,
        "OS",
        os_version,
        " ".join(p for p in (os_f.system, os_f.arch) if p) or None,
        "ok" if os_f.system else "unknown",
        ", ".join(
            n
            for n in (
                f"kernel {os_f.kernel}" if os_f.kernel else None,
                f"glibc {os_f.glibc}" if os_f.glibc else None,
                "WSL2" if os_f.wsl else None,
                f"container: {os_f.container}" if os_f.container and os_f.container != "none" else None,
            )
            if n
        )
        or None,
    )
    py = facts.python
    yield ComponentRow(
        "python",
        "Python",
        py.version,
        py.executable or py.prefix,
        "ok" if py.version else "unknown",
        py.env_kind,
    )
    gpu = facts.gpu
    state = gpu.nvml_state
    driver_status = (
        "ok"
        if gpu.driver_version and state in (None, NvmlState.OK.value)
        else "problem"
        if state
        in (
            NvmlState.DRIVER_LIBRARY_MISMATCH.value,
            NvmlState.DRIVER_NOT_LOADED.value,
            NvmlState.GPU_LOST.value,
            NvmlState.NO_PERMISSION.value,
            NvmlState.BLOCKED_BY_OS.value,
        )
        else "missing"
        if state == NvmlState.NO_DRIVER.value
        else "unknown"
    )
    yield ComponentRow(
        "nvidia-driver",
        "NVIDIA driver",
        gpu.driver_version,
        gpu.driver_source,
        driver_status,
        ui["branch_only"].format(branch=gpu.driver_version)
        if driver_is_branch(gpu.driver_version)
        else _state_note(state, gpu.nvml_error),
    )
    for dev in gpu.devices:
        details = []
        if dev.compute_capability:
            details.append(f"CC {dev.compute_capability}")
        if dev.memory_mib:
            details.append(f"{dev.memory_mib / 1024:.0f} GiB")
        yield ComponentRow(
            "compute-capability",
            f"GPU {dev.index if dev.index is not None else ''}".strip(),
            dev.name,
            dev.compute_capability_source,
            "ok",
            ", ".join(details) or None,
        )
    tk = facts.cuda_toolkit
    yield ComponentRow(
        "cuda-toolkit",
        "CUDA toolkit (nvcc)",
        tk.nvcc_version or tk.version,
        tk.home or tk.source,
        # "missing" only when the probe looked everywhere and found none; a hung nvcc or a report
        # that does not mention a toolkit is unknown, not missing
        "ok"
        if tk.version
        else "missing"
        if facts.reasons.get("cuda_toolkit.version", "").startswith("no CUDA toolkit found")
        else "unknown",
        f"{len(tk.installs)} installs" if len(tk.installs) > 1 else None,
    )
    torch = facts.frameworks.torch
    if torch.version or facts.package_version("torch"):
        build = (
            f"CUDA {torch.cuda}"
            if torch.cuda
            else f"ROCm {torch.hip}"
            if torch.hip
            else ui["cpu_build"]
            if torch.variant in ("cpu", "macos")
            else None
        )
        yield ComponentRow(
            "pytorch",
            "PyTorch",
            torch.version or facts.package_version("torch"),
            _pkg_where(facts, "torch"),
            "ok",
            build,
        )
    tf = facts.frameworks.tensorflow
    if tf.version:
        yield ComponentRow(
            "tensorflow",
            "TensorFlow",
            tf.version,
            tf.distribution,
            "ok",
            f"CUDA {tf.cuda}" if tf.cuda else None,
        )
    jax = facts.frameworks.jax
    if jax.version:
        yield ComponentRow(
            "jax",
            "JAX",
            jax.version,
            _pkg_where(facts, "jax"),
            "ok",
            f"CUDA {jax.cuda_plugin} plugin" if jax.cuda_plugin else None,
        )
    for label, term, lib in (
        ("cuDNN", "cudnn", facts.cudnn),
        ("NCCL", "nccl", facts.nccl),
        ("CUDA runtime", "cuda-runtime", facts.cuda_runtime),
    ):
        if lib.version or lib.copies:
            where = ", ".join(sorted({c.source for c in lib.copies if c.source})) or None
            note = f"{len(lib.copies)} copies" if len(lib.copies) > 1 else None
            yield ComponentRow(term, label, lib.version, where, "ok", note)
    conda = facts.conda
    if conda.in_conda_env or conda.active_env:
        yield ComponentRow(
            "conda",
            "conda",
            conda.active_env or conda.prefix,
            conda.prefix,
            "ok",
            f"{conda.package_count} packages" if conda.package_count else None,
        )
    for name, term, label in (
        ("transformers", "transformers", "Transformers"),
        ("accelerate", "accelerate", "accelerate"),
        ("numpy", "numpy", "NumPy"),
        ("torchvision", "torchvision", "torchvision"),
        ("torchaudio", "torchvision", "torchaudio"),
        ("tf-keras", "tf-keras", "tf-keras"),
        ("keras", "keras-3", "Keras"),
    ):
        version = facts.package_version(name)
        if version:
            yield ComponentRow(term, label, version, _pkg_where(facts, name), "ok")


def _pkg_where(facts: Facts, name: str) -> str | None:
    from envadvisor.model import canonical_name

    pkg = facts.packages.get(canonical_name(name))
    if pkg is None:
        return None
    parts = [
        p for p in (pkg.source, pkg.installer if pkg.installer != pkg.source else None, pkg.channel) if p
    ]
    return " / ".join(parts) or None


def _state_note(state: str | None, error: str | None) -> str | None:
    notes = {
        NvmlState.NO_DRIVER.value: "no NVIDIA driver (NVML library not found)",
        NvmlState.DRIVER_NOT_LOADED.value: "driver installed but its kernel module is not loaded",
        NvmlState.DRIVER_LIBRARY_MISMATCH.value: "kernel module and driver library differ: reboot",
        NvmlState.NO_PERMISSION.value: "no permission to the GPU device nodes",
        NvmlState.GPU_LOST.value: "GPU fell off the bus: reboot, check power",
        NvmlState.BLOCKED_BY_OS.value: "GPU access blocked by the operating system",
        NvmlState.UNAVAILABLE.value: error or "NVML could not be asked",
        NvmlState.UNKNOWN_ERROR.value: error or "NVML reported an unknown error",
    }
    return notes.get(state or "")


def cuda_numbers(facts: Facts, lang: str = "en") -> Table:
    ui = UI[lang]
    table = Table(title=ui["three_cuda"], show_header=False, box=None, pad_edge=False, expand=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_column(style="dim")
    gpu = facts.gpu
    driver = gpu.driver_cuda
    if driver and gpu.driver_cuda_inferred:
        driver = f"{driver} ({ui['inferred']})"
    if driver is None and gpu.nvml_state == NvmlState.NO_DRIVER.value:
        driver = f"{ui['none']} ({ui['no_driver']})"
    table.add_row(
        ui["driver_cuda"], driver or _unknown(facts, "gpu.driver_cuda", ui), ui["driver_cuda_meaning"]
    )
    table.add_row(
        ui["toolkit_cuda"],
        facts.cuda_toolkit.version or _unknown(facts, "cuda_toolkit.version", ui),
        ui["toolkit_cuda_meaning"],
    )
    builds = []
    torch = facts.frameworks.torch
    if torch.version or torch.variant:
        builds.append(
            f"torch {torch.cuda}"
            if torch.cuda
            else f"torch ({ui['cpu_build']})"
            if torch.variant in ("cpu", "macos")
            else f"torch {ui['unknown']}"
        )
    tf = facts.frameworks.tensorflow
    if tf.version and tf.cuda:
        builds.append(f"tensorflow {tf.cuda}")
    jax = facts.frameworks.jax
    if jax.cuda_plugin:
        builds.append(f"jax {jax.cuda_plugin}")
    table.add_row(ui["build_cuda"], ", ".join(builds) or ui["none"], ui["build_cuda_meaning"])
    return table


def _unknown(facts: Facts, key: str, ui: dict[str, str]) -> str:
    reason = facts.reasons.get(key)
    return f"{ui['unknown']} ({reason})" if reason else ui["unknown"]


_STATUS_STYLE = {"ok": "green", "missing": "dim", "problem": "bold red", "unknown": "yellow", "info": "cyan"}
_STATUS_ZH = {"ok": "正常", "missing": "未安装", "problem": "有问题", "unknown": "未知", "info": "提示"}


def components_table(facts: Facts, lang: str = "en", summarize: Summarize | None = None) -> Table:
    ui = UI[lang]
    table = Table(title=ui["components"], expand=False, show_lines=False)
    table.add_column(ui["what"], style="bold", no_wrap=True)
    table.add_column(ui["version"], no_wrap=True, max_width=28)
    table.add_column(ui["status"], no_wrap=True)
    table.add_column(ui["where"], overflow="fold", max_width=34)
    table.add_column(ui["meaning"], style="dim", overflow="fold", ratio=1)
    for row in component_rows(facts, lang):
        meaning = summarize(row.term) if (summarize and row.term) else None
        where = " ".join(p for p in (row.where, f"({row.note})" if row.note else None) if p)
        status = _STATUS_ZH.get(row.status, row.status) if lang == "zh" else row.status
        table.add_row(
            row.what,
            row.version or ui["not_found" if row.status == "missing" else "unknown"],
            Text(status, style=_STATUS_STYLE.get(row.status, "")),
            where,
            meaning or "",
        )
    return table


def finding_panel(finding: Finding, lang: str = "en", quotes: tuple[str, ...] = ()) -> Panel:
    ui = UI[lang]
    body = Text()
    body.append(finding.message + "\n")
    body.append(f"\n{ui['why']}: ", style="bold")
    body.append(finding.why.strip() + "\n")
    if finding.fix:
        body.append(f"{ui['fix']}:\n", style="bold")
        for step in finding.fix:
            body.append(f"  - {step.strip()}\n")
    if finding.evidence:
        body.append(f"{ui['evidence']}: ", style="bold")
        body.append(", ".join(f"{k}={_short(v)}" for k, v in finding.evidence.items()) + "\n")
    all_quotes = tuple(dict.fromkeys((*finding.quotes, *quotes)))
    if all_quotes:
        body.append(f"{ui['from_report']}:\n", style="bold")
        for line in all_quotes[:6]:
            body.append(f"  > {line.strip()}\n", style="italic")
    if finding.references:
        body.append("\n" + "\n".join(finding.references), style="dim")
    label = _SEVERITY_LABEL[lang][finding.severity]
    title = Text.assemble(
        (f"{label} ", _SEVERITY_STYLE[finding.severity]),
        f"{finding.code} {finding.name}",
        (f"  [{finding.category.value}]", "dim"),
    )
    return Panel(body, title=title, title_align="left", border_style=_SEVERITY_STYLE[finding.severity])


def _short(value: object) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def report_renderable(
    report: Report,
    lang: str = "en",
    summarize: Summarize | None = None,
    quotes_for: Callable[[Finding], tuple[str, ...]] | None = None,
    today: _dt.date | None = None,
) -> RenderableType:
    """The terminal report. ``today`` (default: the system date) decides whether the tables' age line
    is shown."""
    ui = UI[lang]
    parts: list[RenderableType] = []
    if report.origin.kind == "report":
        title = ui["title_report"].format(path=report.origin.path or "-")
        if report.origin.formats:
            title += f" ({', '.join(report.origin.formats)})"
    else:
        title = ui["title_machine"]
    parts.append(Text(title, style="bold"))
    parts.append(components_table(report.facts, lang, summarize))
    parts.append(cuda_numbers(report.facts, lang))
    if report.facts.overridden:
        parts.append(Text(ui["overridden"].format(keys=", ".join(report.facts.overridden)), style="yellow"))
    proofs = report.facts.proof
    if any(p is not None for p in (proofs.torch, proofs.tensorflow, proofs.jax)):
        from envadvisor.render.proof import proof_section  # only a --deep report has one

        parts.append(Text(""))
        parts.append(proof_section(report.facts.proof, lang))
    parts.append(Text(""))
    parts.append(Text(ui["findings"], style="bold underline"))
    if report.findings:
        for finding in report.findings:
            parts.append(finding_panel(finding, lang, quotes_for(finding) if quotes_for else ()))
    else:
        parts.append(Text(ui["no_findings"], style="green"))
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    parts.append(
        Text(
            ui["summary"].format(
                errors=counts[Severity.ERROR], warnings=counts[Severity.WARNING], infos=counts[Severity.INFO]
            )
        )
    )
    if report.not_evaluated:
        codes = ", ".join(n.code for n in report.not_evaluated[:12])
        if len(report.not_evaluated) > 12:
            codes += ", ..."
        parts.append(Text(ui["not_evaluated"].format(n=len(report.not_evaluated), codes=codes), style="dim"))
    failed = [p for p in report.probes if p.status in ("failed", "timeout")]
    if failed:
        items = "; ".join(f"{p.name} ({p.status}: {p.detail})" for p in failed)
        parts.append(Text(ui["probes_failed"].format(items=items), style="yellow"))
    if report.tables_checked:
        from envadvisor.knowledge.age import stale_notice

        parts.append(Text(ui["tables"].format(date=report.tables_checked), style="dim"))
        notice = stale_notice(report.tables_checked, lang, today)
        if notice:
            parts.append(Text(notice, style="yellow"))
    return Group(*parts)
