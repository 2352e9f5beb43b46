"""The terminal report: components, the three CUDA numbers side by side, then findings.

Functions here build rich renderables and never print: the CLI hands them to a console. Plain text
(no colour) comes from the same renderables when the console is not a terminal.

Every renderable fits the width it is given, from 60 columns up, without breaking a word (see
:mod:`envadvisor.render.wrap`): the components table keeps its Meaning column only where it has room
(about 110 columns) and points to ``envadvisor explain`` below it otherwise; under 80 columns it
becomes a two-column list. ``brief`` gives one line per finding and its first fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from envadvisor.knowledge.tables import driver_is_branch
from envadvisor.model import Facts, Finding, NvmlState, Report, Severity
from envadvisor.records import record
from envadvisor.render.wrap import Wrap, wrap_text

if TYPE_CHECKING:
    import datetime as _dt

    from rich.console import Console, ConsoleOptions, RenderResult

# below this many columns the Meaning column moves behind `envadvisor explain`
WIDE_COLUMNS = 110
# below this many columns the components table becomes a two-column list
TABLE_COLUMNS = 80

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
        "meanings_hint": "What each one is: envadvisor explain {terms}",
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
        "why_same": "Why: as for {code} above.",
        "fix": "Fix",
        "evidence": "Evidence",
        "from_report": "From the report",
        "references": "References",
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
        "more_in_full": "Run without --brief for why, evidence and references; "
        "envadvisor explain CODE for one rule.",
        "kernel": "kernel {version}",
        "container": "container: {name}",
        "installs": "{n} installs",
        "copies": "{n} copies",
        "packages": "{n} packages",
        "cc": "CC {cc}",
        "cuda_plugin": "CUDA {cuda} plugin",
        "probe_status": "{status}: {detail}",
        "fix_label": "fix",
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
        "meanings_hint": "各组件的含义：envadvisor explain {terms}",
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
        "why_same": "原因：同上文的 {code}。",
        "fix": "解决办法",
        "evidence": "依据",
        "from_report": "报告原文",
        "references": "参考资料",
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
        "more_in_full": "去掉 --brief 可看到原因、依据和参考资料；envadvisor explain 编号 可查看单条规则。",
        "kernel": "内核 {version}",
        "container": "容器：{name}",
        "installs": "{n} 处安装",
        "copies": "{n} 份",
        "packages": "{n} 个包",
        "cc": "计算能力 {cc}",
        "cuda_plugin": "CUDA {cuda} 插件",
        "probe_status": "{status}：{detail}",
        "fix_label": "解决",
    },
}

_SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
SEVERITY_LABEL = {
    "en": {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"},
    "zh": {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"},
}

# Where a value was found, as the report's data spells it (sources of facts, environment kinds): the
# Chinese words for the ones that are not names of tools or files.
SOURCE_ZH: dict[str, str] = {
    "override": "你指定的",
    "report": "报告",
    "name-table": "GPU 名称表",
    "system": "系统",
    "nvcc-on-PATH": "PATH 中的 nvcc",
    "inferred": "推断",
}

_STATE_NOTES: dict[str, dict[str, str]] = {
    "en": {
        NvmlState.NO_DRIVER.value: "no NVIDIA driver (NVML library not found)",
        NvmlState.DRIVER_NOT_LOADED.value: "driver installed but its kernel module is not loaded",
        NvmlState.DRIVER_LIBRARY_MISMATCH.value: "kernel module and driver library differ: reboot",
        NvmlState.NO_PERMISSION.value: "no permission to the GPU device nodes",
        NvmlState.GPU_LOST.value: "GPU fell off the bus: reboot, check power",
        NvmlState.BLOCKED_BY_OS.value: "GPU access blocked by the operating system",
        NvmlState.UNAVAILABLE.value: "NVML could not be asked",
        NvmlState.UNKNOWN_ERROR.value: "NVML reported an unknown error",
    },
    "zh": {
        NvmlState.NO_DRIVER.value: "没有 NVIDIA 驱动（找不到 NVML 库）",
        NvmlState.DRIVER_NOT_LOADED.value: "驱动已安装，但内核模块没有加载",
        NvmlState.DRIVER_LIBRARY_MISMATCH.value: "内核模块与驱动库版本不一致：请重启",
        NvmlState.NO_PERMISSION.value: "没有访问 GPU 设备文件的权限",
        NvmlState.GPU_LOST.value: "GPU 从总线上掉线：请重启并检查供电",
        NvmlState.BLOCKED_BY_OS.value: "操作系统阻止了对 GPU 的访问",
        NvmlState.UNAVAILABLE.value: "无法查询 NVML",
        NvmlState.UNKNOWN_ERROR.value: "NVML 报告了未知错误",
    },
}

# Why a fact is unknown, in Chinese: the reasons the probes, importers and overrides write (English,
# in the JSON report), by the way they begin.
_REASONS_ZH: tuple[tuple[str, str], ...] = (
    ("not in the report", "报告中没有"),
    ("the report says 'No CUDA'", "报告写的是 “No CUDA”"),
    ("the report says 'Could not collect'", "报告写的是 “Could not collect”"),
    ("the report says", "报告中的写法无法识别"),
    ("no CUDA toolkit found", "没有找到 CUDA 工具包"),
    ("no NVIDIA driver answered", "没有 NVIDIA 驱动响应"),
    (
        "the driver's maximum CUDA is only reported",
        "只有 NVML 或 nvidia-smi 会报告驱动支持的最高 CUDA，而两者都没有响应",
    ),
    ("overridden: no NVIDIA GPU", "你指定了目标机器没有 NVIDIA GPU"),
    ("not given: add --driver", "未给出：用 --driver 描述目标机器的驱动"),
    ("not given", "未给出"),
    ("not known: only CONDA_OVERRIDE_CUDA", "只有 CONDA_OVERRIDE_CUDA 描述了驱动"),
    ("fleet: no node has a GPU", "集群中没有驱动可用的 GPU 节点"),
    ("fleet: no report states its glibc", "集群中没有报告说明 glibc 版本"),
    ("not applicable", "不适用"),
)

_PROBE_STATUS_ZH = {"failed": "失败", "timeout": "超时", "partial": "部分完成", "skipped": "跳过"}

Summarize = Callable[[str], "str | None"]  # glossary term id -> one-line meaning


@record
class ComponentRow:
    term: str | None
    what: str
    version: str | None
    where: str | None
    status: str  # ok | missing | problem | unknown | info
    note: str | None = None


def source_label(value: str | None, lang: str) -> str | None:
    """A 'where found' value in the reader's language (tool and file names stay as they are)."""
    if value is None or lang != "zh":
        return value
    return SOURCE_ZH.get(value, value)


def reason_label(reason: str, lang: str) -> str:
    """Why a fact is unknown, in the reader's language (the JSON report keeps the English)."""
    if lang != "zh":
        return reason
    for start, chinese in _REASONS_ZH:
        if reason.startswith(start):
            return chinese
    return reason


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
                ui["kernel"].format(version=os_f.kernel) if os_f.kernel else None,
                f"glibc {os_f.glibc}" if os_f.glibc else None,
                "WSL2" if os_f.wsl else None,
                ui["container"].format(name=os_f.container)
                if os_f.container and os_f.container != "none"
                else None,
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
        source_label(py.env_kind, lang),
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
        "NVIDIA driver" if lang == "en" else "NVIDIA 驱动",
        gpu.driver_version,
        source_label(gpu.driver_source, lang),
        driver_status,
        ui["branch_only"].format(branch=gpu.driver_version)
        if driver_is_branch(gpu.driver_version)
        else _state_note(state, gpu.nvml_error, lang),
    )
    for dev in gpu.devices:
        details = []
        if dev.compute_capability:
            details.append(ui["cc"].format(cc=dev.compute_capability))
        if dev.memory_mib:
            details.append(f"{dev.memory_mib / 1024:.0f} GiB")
        yield ComponentRow(
            "compute-capability",
            f"GPU {dev.index if dev.index is not None else ''}".strip(),
            dev.name,
            source_label(dev.compute_capability_source, lang),
            "ok",
            ", ".join(details) or None,
        )
    tk = facts.cuda_toolkit
    yield ComponentRow(
        "cuda-toolkit",
        "CUDA toolkit (nvcc)" if lang == "en" else "CUDA 工具包（nvcc）",
        tk.nvcc_version or tk.version,
        tk.home or source_label(tk.source, lang),
        # "missing" only when the probe looked everywhere and found none; a hung nvcc or a report
        # that does not mention a toolkit is unknown, not missing
        "ok"
        if tk.version
        else "missing"
        if facts.reasons.get("cuda_toolkit.version", "").startswith("no CUDA toolkit found")
        else "unknown",
        ui["installs"].format(n=len(tk.installs)) if len(tk.installs) > 1 else None,
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
            ui["cuda_plugin"].format(cuda=jax.cuda_plugin) if jax.cuda_plugin else None,
        )
    for label, term, lib in (
        ("cuDNN", "cudnn", facts.cudnn),
        ("NCCL", "nccl", facts.nccl),
        ("CUDA runtime" if lang == "en" else "CUDA 运行时", "cuda-runtime", facts.cuda_runtime),
    ):
        if lib.version or lib.copies:
            sources = sorted({c.source for c in lib.copies if c.source})
            where = ", ".join(source_label(s, lang) or s for s in sources) or None
            note = ui["copies"].format(n=len(lib.copies)) if len(lib.copies) > 1 else None
            yield ComponentRow(term, label, lib.version, where, "ok", note)
    conda = facts.conda
    if conda.in_conda_env or conda.active_env:
        yield ComponentRow(
            "conda",
            "conda",
            conda.active_env or conda.prefix,
            conda.prefix,
            "ok",
            ui["packages"].format(n=conda.package_count) if conda.package_count else None,
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


_STATE_WORDS_ZH = {
    NvmlState.OK.value: "正常",
    NvmlState.NO_DRIVER.value: "没有驱动",
    NvmlState.DRIVER_NOT_LOADED.value: "驱动未加载",
    NvmlState.DRIVER_LIBRARY_MISMATCH.value: "驱动版本不一致",
    NvmlState.NO_PERMISSION.value: "无权限",
    NvmlState.GPU_LOST.value: "GPU 掉线",
    NvmlState.BLOCKED_BY_OS.value: "被系统阻止",
    NvmlState.NOT_SUPPORTED.value: "不支持",
    NvmlState.UNAVAILABLE.value: "无法查询",
    NvmlState.UNKNOWN_ERROR.value: "未知错误",
}


def state_label(state: str, lang: str = "en") -> str:
    """An NVML state (``no_driver`` ...) in a word or two of the reader's language."""
    return _STATE_WORDS_ZH.get(state, state) if lang == "zh" else state


def _state_note(state: str | None, error: str | None, lang: str = "en") -> str | None:
    if state in (NvmlState.UNAVAILABLE.value, NvmlState.UNKNOWN_ERROR.value) and error and lang == "en":
        return error
    return _STATE_NOTES[lang].get(state or "")


def cuda_numbers(facts: Facts, lang: str = "en") -> CudaNumbersView:
    ui = UI[lang]
    gpu = facts.gpu
    driver = gpu.driver_cuda
    if driver and gpu.driver_cuda_inferred:
        driver = f"{driver} ({ui['inferred']})" if lang == "en" else f"{driver}（{ui['inferred']}）"
    if driver is None and gpu.nvml_state == NvmlState.NO_DRIVER.value:
        driver = f"{ui['none']} ({ui['no_driver']})" if lang == "en" else f"{ui['none']}（{ui['no_driver']}）"
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
    rows = (
        (ui["driver_cuda"], driver or _unknown(facts, "gpu.driver_cuda", lang), ui["driver_cuda_meaning"]),
        (
            ui["toolkit_cuda"],
            facts.cuda_toolkit.version or _unknown(facts, "cuda_toolkit.version", lang),
            ui["toolkit_cuda_meaning"],
        ),
        (ui["build_cuda"], ", ".join(builds) or ui["none"], ui["build_cuda_meaning"]),
    )
    return CudaNumbersView(ui["three_cuda"], rows)


class CudaNumbersView:
    """The three CUDA numbers: label, value and meaning side by side, or (under
    :data:`TABLE_COLUMNS`) each meaning under its value."""

    def __init__(self, title: str, rows: Sequence[tuple[str, str, str]]) -> None:
        self.title = title
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        narrow = options.max_width < TABLE_COLUMNS
        table = Table(title=self.title, show_header=False, box=None, pad_edge=False, expand=False)
        table.add_column()
        table.add_column()
        if not narrow:
            table.add_column()
        for label, value, meaning in self.rows:
            if narrow:
                table.add_row(Wrap(label, style="bold"), Wrap(Text.assemble(value, "\n", (meaning, "dim"))))
            else:
                table.add_row(Wrap(label, style="bold"), Wrap(value), Wrap(meaning, style="dim"))
        yield table


def _unknown(facts: Facts, key: str, lang: str) -> str:
    ui = UI[lang]
    reason = facts.reasons.get(key)
    if not reason:
        return ui["unknown"]
    said = reason_label(reason, lang)
    return f"{ui['unknown']} ({said})" if lang == "en" else f"{ui['unknown']}（{said}）"


_STATUS_STYLE = {"ok": "green", "missing": "dim", "problem": "bold red", "unknown": "yellow", "info": "cyan"}
_STATUS_ZH = {"ok": "正常", "missing": "未安装", "problem": "有问题", "unknown": "未知", "info": "提示"}


def _status_text(status: str, lang: str) -> Text:
    word = _STATUS_ZH.get(status, status) if lang == "zh" else status
    return Text(word, style=_STATUS_STYLE.get(status, ""))


class ComponentsView:
    """The components table, laid out for the width it is rendered in.

    From :data:`WIDE_COLUMNS` up: Component, Version, Status, Where found, Meaning. Narrower: the
    Meaning column gives way to one line naming the terms ``envadvisor explain`` describes. Under
    :data:`TABLE_COLUMNS`: a two-column list (the component; its version, status and where found).
    """

    def __init__(self, facts: Facts, lang: str = "en", summarize: Summarize | None = None) -> None:
        self.lang = lang
        self.rows = tuple(component_rows(facts, lang))
        self.summarize = summarize

    def _version(self, row: ComponentRow) -> str:
        ui = UI[self.lang]
        return row.version or ui["not_found" if row.status == "missing" else "unknown"]

    def _where(self, row: ComponentRow) -> str:
        if not row.note:
            return row.where or ""
        if self.lang == "zh":
            return f"{row.where or ''}（{row.note}）"
        return " ".join(p for p in (row.where, f"({row.note})") if p)

    def _meaning(self, row: ComponentRow) -> str:
        return (self.summarize(row.term) if (self.summarize and row.term) else None) or ""

    def _hint(self) -> Wrap | None:
        terms = [row.term for row in self.rows if row.term and self._meaning(row)]
        if not terms:
            return None
        return Wrap(UI[self.lang]["meanings_hint"].format(terms=", ".join(dict.fromkeys(terms))), style="dim")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        ui = UI[self.lang]
        width = options.max_width
        if width < TABLE_COLUMNS:
            grid = Table.grid(padding=(0, 2))
            grid.title = ui["components"]
            grid.title_justify = "left"
            grid.title_style = "bold"
            grid.add_column(style="bold", max_width=max(12, width // 3))
            grid.add_column(no_wrap=True)
            grid.add_column()
            for row in self.rows:
                where = self._where(row)
                version = self._version(row)
                cell = Text.assemble(version, "\n", (where, "dim")) if where else Text(version)
                grid.add_row(Wrap(row.what), _status_text(row.status, self.lang), Wrap(cell))
            yield grid
        else:
            wide = width >= WIDE_COLUMNS and self.summarize is not None
            table = Table(title=ui["components"], expand=False, show_lines=False)
            if not wide:  # no outer frame: two lines and four columns more for the text
                table.box, table.show_edge = box.SIMPLE_HEAD, False
            table.add_column(ui["what"], style="bold")
            table.add_column(ui["version"], max_width=28)
            table.add_column(ui["status"])
            table.add_column(ui["where"], max_width=34)
            if wide:
                table.add_column(ui["meaning"], style="dim", ratio=1)
            for row in self.rows:
                cells: list[RenderableType] = [
                    Wrap(row.what),
                    Wrap(self._version(row)),
                    Wrap(_status_text(row.status, self.lang)),
                    Wrap(self._where(row)),
                ]
                if wide:
                    cells.append(Wrap(self._meaning(row)))
                table.add_row(*cells)
            yield table
            if wide:
                return
        hint = self._hint()
        if hint is not None:
            yield hint


def components_table(facts: Facts, lang: str = "en", summarize: Summarize | None = None) -> ComponentsView:
    return ComponentsView(facts, lang, summarize)


def components_brief(facts: Facts, lang: str = "en") -> RenderableType:
    """The components as one compact block: ``name version`` items, several to a line."""
    items = []
    for row in component_rows(facts, lang):
        if row.status == "missing" and row.version is None:
            continue
        value = row.version or UI[lang]["unknown"]
        text = Text.assemble((row.what, "bold"), " ", value)
        if row.version and row.status in ("problem", "unknown"):
            text.append(" ")
            text.append_text(_status_text(row.status, lang))
        items.append(text)
    return Items(items)


class Items:
    """Short items several to a line, separated by a dot; an item never breaks across lines unless it
    is longer than a line by itself."""

    def __init__(self, items: Sequence[Text], separator: str = " · ") -> None:
        self.items = items
        self.separator = separator

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        lines: list[Text] = []
        current: Text | None = None
        for item in self.items:
            if current is not None and current.cell_len + len(self.separator) + item.cell_len <= width:
                current.append(self.separator, style="dim")
                current.append_text(item)
                continue
            if current is not None:
                lines.append(current)
            if item.cell_len <= width:
                current = item.copy()
            else:
                *whole, current = wrap_text(item, width)
                lines.extend(whole)
        if current is not None:
            lines.append(current)
        yield Text("\n").join(lines)


def _fix_command(step: str) -> str:
    """The command of a fix step ("Install a newer build: pip install ...") without its lead-in."""
    for colon in ("：", ": "):
        head, found, rest = step.partition(colon)
        if found and rest.strip() and "`" not in head and len(head) < 80:
            return rest.strip()
    return step.strip()


def _severity_title(finding: Finding, lang: str, width: int) -> Text:
    """The panel title, as much of it as fits: severity and code, then the name, then the category."""
    label = SEVERITY_LABEL[lang][finding.severity]
    style = _SEVERITY_STYLE[finding.severity]
    full = Text.assemble(
        (f"{label} ", style), f"{finding.code} {finding.name}", (f"  [{finding.category.value}]", "dim")
    )
    if full.cell_len <= width:
        return full
    named = Text.assemble((f"{label} ", style), f"{finding.code} {finding.name}")
    if named.cell_len <= width:
        return named
    return Text.assemble((f"{label} ", style), finding.code)


class FindingView:
    """One finding in a panel: message, why, fix, evidence, quotes, references; fits any width."""

    def __init__(
        self,
        finding: Finding,
        lang: str = "en",
        quotes: tuple[str, ...] = (),
        why_shown_for: str | None = None,
    ) -> None:
        self.finding = finding
        self.lang = lang
        self.quotes = quotes
        self.why_shown_for = why_shown_for  # another finding's code whose panel already gave the same why

    def body(self, width: int) -> RenderableType:
        ui = UI[self.lang]
        finding = self.finding
        sep = ": " if self.lang == "en" else "："
        parts: list[RenderableType] = [Wrap(finding.message.strip()), Text("")]
        if self.why_shown_for:
            parts.append(Wrap(ui["why_same"].format(code=self.why_shown_for), style="dim"))
        else:
            parts.append(Wrap(Text.assemble((ui["why"] + sep, "bold"), finding.why.strip())))
        if finding.fix:
            parts.append(Text(ui["fix"] + sep.rstrip(), style="bold"))
            parts.append(_bullets([Text(step.strip()) for step in finding.fix], "-"))
        if finding.evidence:
            evidence = ", ".join(f"{k}={_short(v)}" for k, v in finding.evidence.items())
            parts.append(Wrap(Text.assemble((ui["evidence"] + sep, "bold"), evidence)))
        all_quotes = tuple(dict.fromkeys((*finding.quotes, *self.quotes)))
        if all_quotes:
            parts.append(Text(ui["from_report"] + sep.rstrip(), style="bold"))
            parts.append(_bullets([Text(line.strip(), style="italic") for line in all_quotes[:6]], ">"))
        if finding.references:
            parts.append(Text(""))
            parts.append(Group(*(Wrap(Text(ref, style=f"dim link {ref}")) for ref in finding.references)))
        return Group(*parts)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        style = _SEVERITY_STYLE[self.finding.severity]
        title = _severity_title(self.finding, self.lang, max(width - 6, 10))
        yield Panel(self.body(width - 4), title=title, title_align="left", border_style=style)


def _bullets(items: Sequence[Text], bullet: str) -> Table:
    """A list whose wrapped lines hang under the text, not under the bullet."""
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(no_wrap=True, width=len(bullet) + 1, justify="right")
    grid.add_column()
    for item in items:
        grid.add_row(bullet, Wrap(item))
    return grid


def finding_panel(finding: Finding, lang: str = "en", quotes: tuple[str, ...] = ()) -> FindingView:
    return FindingView(finding, lang, quotes)


def finding_brief(finding: Finding, lang: str = "en") -> RenderableType:
    """One line for a finding: severity, code, message; then its first fix command."""
    label = SEVERITY_LABEL[lang][finding.severity]
    head = Text.assemble((f"{label} ", _SEVERITY_STYLE[finding.severity]), (finding.code, "bold"), " ")
    head.append(" ".join(finding.message.split()))
    parts: list[RenderableType] = [Wrap(head)]
    if finding.fix:
        command = _fix_command(finding.fix[0])
        parts.append(_bullets([Text(command, style="green")], "→"))
    return Group(*parts)


def _short(value: object) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def report_renderable(
    report: Report,
    lang: str = "en",
    summarize: Summarize | None = None,
    quotes_for: Callable[[Finding], tuple[str, ...]] | None = None,
    today: _dt.date | None = None,
    brief: bool = False,
) -> RenderableType:
    """The terminal report. ``today`` (default: the system date) decides whether the tables' age line
    is shown."""
    ui = UI[lang]
    parts: list[RenderableType] = []
    if report.origin.kind == "report":
        title = ui["title_report"].format(path=report.origin.path or "-")
        if report.origin.formats:
            formats = ", ".join(report.origin.formats)
            title += f" ({formats})" if lang == "en" else f"（{formats}）"
    else:
        title = ui["title_machine"]
    parts.append(Wrap(title, style="bold"))
    if brief:
        parts.append(components_brief(report.facts, lang))
    else:
        parts.append(components_table(report.facts, lang, summarize))
        parts.append(cuda_numbers(report.facts, lang))
    if report.facts.overridden:
        parts.append(Wrap(ui["overridden"].format(keys=", ".join(report.facts.overridden)), style="yellow"))
    proofs = report.facts.proof
    if not brief and any(p is not None for p in (proofs.torch, proofs.tensorflow, proofs.jax)):
        from envadvisor.render.proof import proof_section  # only a --deep report has one

        parts.append(Text(""))
        parts.append(proof_section(report.facts.proof, lang))
    parts.append(Text(""))
    parts.append(Text(ui["findings"], style="bold underline"))
    if report.findings:
        why_seen: dict[str, str] = {}
        for finding in report.findings:
            if brief:
                parts.append(finding_brief(finding, lang))
                continue
            earlier = why_seen.get(finding.why.strip())
            why_seen.setdefault(finding.why.strip(), finding.code)
            quotes = quotes_for(finding) if quotes_for else ()
            parts.append(FindingView(finding, lang, quotes, why_shown_for=earlier))
    else:
        parts.append(Text(ui["no_findings"], style="green"))
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    parts.append(
        Wrap(
            ui["summary"].format(
                errors=counts[Severity.ERROR], warnings=counts[Severity.WARNING], infos=counts[Severity.INFO]
            )
        )
    )
    if brief:
        if report.findings:
            parts.append(Wrap(ui["more_in_full"], style="dim"))
        return Group(*parts)
    if report.not_evaluated:
        codes = ", ".join(n.code for n in report.not_evaluated[:12])
        if len(report.not_evaluated) > 12:
            codes += ", ..."
        parts.append(Wrap(ui["not_evaluated"].format(n=len(report.not_evaluated), codes=codes), style="dim"))
    failed = [p for p in report.probes if p.status in ("failed", "timeout")]
    if failed:
        items = "; ".join(_probe_item(p.name, p.status, p.detail, lang) for p in failed)
        parts.append(Wrap(ui["probes_failed"].format(items=items), style="yellow"))
    if report.tables_checked:
        from envadvisor.knowledge.age import stale_notice

        parts.append(Wrap(ui["tables"].format(date=report.tables_checked), style="dim"))
        notice = stale_notice(report.tables_checked, lang, today)
        if notice:
            parts.append(Wrap(notice, style="yellow"))
    return Group(*parts)


def _probe_item(name: str, status: str, detail: str | None, lang: str) -> str:
    said = _PROBE_STATUS_ZH.get(status, status) if lang == "zh" else status
    inner = UI[lang]["probe_status"].format(status=said, detail=detail) if detail else said
    return f"{name} ({inner})" if lang == "en" else f"{name}（{inner}）"
