"""The fleet summary as JSON data and as rich renderables. Nothing here prints.

Node lists can hold thousands of names, so the terminal shows them the way cluster tools do: as a
compressed host list (``gpu[001-040,042]``, the Slurm/pdsh notation) cut to a few entries, while the
JSON keeps every name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from envadvisor.model import to_data

if TYPE_CHECKING:
    from rich.console import RenderableType

    from envadvisor.fleet import CommonTarget, Exclusion, FleetSummary, TargetNote

UI: dict[str, dict[str, str]] = {
    "en": {
        "title": "envadvisor fleet: {nodes} node(s), {gpus} GPU(s)",
        "unreadable_count": "{n} report(s) could not be read (listed below)",
        "gpus": "GPUs",
        "model": "Model",
        "cc": "Compute capability",
        "gpu_count": "GPUs",
        "nodes": "Nodes",
        "no_gpu_nodes": "Nodes without an NVIDIA GPU: {nodes}",
        "drivers": "NVIDIA drivers",
        "driver": "Driver",
        "max_cuda": "Max CUDA",
        "no_driver": "none",
        "oldest": "Oldest driver: {version} (CUDA {cuda}) on {nodes}",
        "versions": "Versions across nodes",
        "dimension": "What",
        "majority": "Majority",
        "differ": "Nodes that differ",
        "same": "all the same",
        "tie": "no majority: {values} ({count}/{total} each)",
        "brief_gpu": "{name} (CC {cc}): {gpus} GPU(s), {nodes} node(s)",
        "brief_driver": "driver {version}: {nodes} node(s)",
        "brief_no_driver": "no driver: {nodes} node(s)",
        "findings_some": "Findings on some nodes only",
        "findings_all": "Findings on every node",
        "code": "Code",
        "name": "Name",
        "severity": "Severity",
        "unreadable": "Unreadable reports",
        "source": "Report",
        "reason": "Reason",
        "renamed": "Node names seen more than once (later ones listed as NAME#2 ...): {names}",
        "proof": "diagnose --deep: {nodes} node(s) ran their frameworks; {problems} of them failed or "
        "disagreed with the prediction",
        "proof_failed": "  proof {what}: {nodes}",
        "proof_disagreed": "  {what} disagreed with the prediction (worth reporting): {nodes}",
        "target": "One environment for the fleet",
        "target_platform": "Platform: {platform}",
        "target_driver": "Oldest driver among GPU nodes: {driver} (CUDA {cuda}) on {nodes}; "
        "the build must run on it",
        "target_ccs": "Compute capabilities to cover: {ccs} ({n} GPU node(s))",
        "target_cpu": "Served on the CPU (no NVIDIA GPU): {nodes}",
        "target_no_gpu": "No node has a GPU with a working driver: a CPU environment fits the fleet",
        "excluded": "Cannot share this environment",
        "unknown": "unknown",
        "more": "+{n} more",
        "dim_platform": "Platform",
        "dim_os": "Operating system",
        "dim_gpu": "GPUs per node",
        "dim_driver": "Driver",
        "dim_python": "Python",
        "dim_torch": "PyTorch",
        "dim_tensorflow": "TensorFlow",
        "dim_transformers": "Transformers",
        "brief_findings": "Findings",
        "brief_nodes": "{count} node(s): {nodes}",
        "brief_all": "every node",
        "no_findings": "No findings on any node.",
        "brief_differ": "Differs: {what}",
    },
    "zh": {
        "title": "envadvisor 集群汇总：{nodes} 个节点，{gpus} 块 GPU",
        "unreadable_count": "{n} 份报告无法读取（见下方列表）",
        "gpus": "GPU",
        "model": "型号",
        "cc": "计算能力",
        "gpu_count": "GPU 数",
        "nodes": "节点",
        "no_gpu_nodes": "没有 NVIDIA GPU 的节点：{nodes}",
        "drivers": "NVIDIA 驱动",
        "driver": "驱动",
        "max_cuda": "最高 CUDA",
        "no_driver": "无",
        "oldest": "最旧的驱动：{version}（CUDA {cuda}），所在节点：{nodes}",
        "versions": "各节点的版本",
        "dimension": "项目",
        "majority": "多数节点",
        "differ": "与多数不同的节点",
        "same": "全部一致",
        "tie": "没有多数：{values}（各 {count}/{total}）",
        "brief_gpu": "{name}（计算能力 {cc}）：{gpus} 块 GPU，{nodes} 个节点",
        "brief_driver": "驱动 {version}：{nodes} 个节点",
        "brief_no_driver": "没有驱动：{nodes} 个节点",
        "findings_some": "只出现在部分节点上的问题",
        "findings_all": "所有节点都有的问题",
        "code": "编号",
        "name": "名称",
        "severity": "级别",
        "unreadable": "无法读取的报告",
        "source": "报告",
        "reason": "原因",
        "renamed": "重复出现的节点名（后出现的记为 名称#2 …）：{names}",
        "proof": "diagnose --deep：{nodes} 个节点实际运行了框架，其中 {problems} 个失败或与预测不一致",
        "proof_failed": "  实测 {what}：{nodes}",
        "proof_disagreed": "  {what} 与预测不一致（值得报告）：{nodes}",
        "target": "适用于整个集群的环境",
        "target_platform": "平台：{platform}",
        "target_driver": "GPU 节点中最旧的驱动：{driver}（CUDA {cuda}），所在节点：{nodes}；"
        "所选构建必须能在它上面运行",
        "target_ccs": "需要覆盖的计算能力：{ccs}（{n} 个 GPU 节点）",
        "target_cpu": "只用 CPU 运行（没有 NVIDIA GPU）：{nodes}",
        "target_no_gpu": "没有任何节点具备可用驱动的 GPU：整个集群适合 CPU 环境",
        "excluded": "无法共用这个环境的节点",
        "unknown": "未知",
        "more": "另有 {n} 个",
        "dim_platform": "平台",
        "dim_os": "操作系统",
        "dim_gpu": "每个节点的 GPU",
        "dim_driver": "驱动",
        "dim_python": "Python",
        "dim_torch": "PyTorch",
        "dim_tensorflow": "TensorFlow",
        "dim_transformers": "Transformers",
        "brief_findings": "发现的问题",
        "brief_nodes": "{count} 个节点：{nodes}",
        "brief_all": "所有节点",
        "no_findings": "所有节点都没有发现问题。",
        "brief_differ": "不一致的项目：{what}",
    },
}
# below this many columns the findings tables put the rule's name above its nodes
FLEET_WIDE_COLUMNS = 100

# The Chinese sentences for fleet.EXCLUSION_REASONS (the English ones live beside the logic).
EXCLUSION_REASONS_ZH: dict[str, str] = {
    "platform": "{fleet} 集群中的 {platform} 节点：一个 environment.yml 只针对一个平台求解，"
    "请为这些节点单独生成",
    "unknown-platform": "报告没有说明节点的操作系统（facts.os.system 未知）",
    "no-driver": "有 NVIDIA GPU，但驱动不可用（{state}）：修好驱动之前，任何 CUDA 构建都用不上它的 GPU",
    "driver-unknown": "驱动 {driver} 不在驱动表中，报告也没有给出它的 CUDA 版本，"
    "因此不知道它最高能运行哪个 CUDA",
    "gpu-unsupported": "{gpu}（计算能力 {cc}）只有 CUDA {supported} 的构建支持，"
    "而集群其余节点需要 CUDA {fleet}：没有一个 CUDA 构建能同时覆盖",
    "gpu-unsupported-anywhere": "{gpu}（计算能力 {cc}）不被表中已知的任何 CUDA 版本支持",
    "driver-too-old": "驱动 {driver} 最高只能运行 CUDA {driver_cuda}；集群的 GPU 需要 CUDA {fleet}"
    "（请升级该节点的驱动）",
}

NOTE_TEXTS_ZH: dict[str, str] = {
    "driver-without-gpu": "{count} 个节点报告了驱动 {driver}，却没有 GPU 设备；按 CPU 节点处理",
    "no-tables": "没有加载知识表：未检查计算能力的覆盖情况",
    "unknown-cc": "部分 GPU 的计算能力未知，架构列表无法保证覆盖它们",
    "holds-back": "{nodes}（{what}）把整个集群限制在 CUDA {newest} 及更早的构建；"
    "没有它们，其余节点可以用到 CUDA {without} 的构建",
}

# a host name is at most 253 characters; its number at most nine digits (a longer run is no node number)
_NUMBERED = re.compile(r"^(.{0,253}?)(?<![0-9])([0-9]{1,9})$")
_CC_IN_VALUE = re.compile(r" ?\(CC ([^()]{0,64})\)")


def compress_hostlist(
    names: Iterable[str], limit: int | None = 8, lang: str = "en", separator: str = ","
) -> str:
    """``node01,node02,node03,gpu7`` -> ``gpu7,node[01-03]`` (Slurm/pdsh host-list notation).

    Names sharing a prefix and a zero-padded number width are folded into ranges. ``limit`` cuts the
    list to that many groups and says how many names are left out.
    """
    # Zero-padded numbers keep their width (node001); a number without padding joins a padded group
    # of its own width (node100 beside node099) or a group of plain numbers (a1, a2, a10).
    padded: dict[tuple[str, int], list[int]] = {}
    unpadded: list[tuple[str, str]] = []
    plain: list[str] = []
    for name in names:
        match = _NUMBERED.match(name)
        if match and match.group(1) and not match.group(1).endswith("#"):
            prefix, digits = match.group(1), match.group(2)
            if len(digits) > 1 and digits.startswith("0"):
                padded.setdefault((prefix, len(digits)), []).append(int(digits))
            else:
                unpadded.append((prefix, digits))
        else:
            plain.append(name)
    groups = padded
    for prefix, digits in unpadded:
        width = len(digits) if (prefix, len(digits)) in padded else 0
        groups.setdefault((prefix, width), []).append(int(digits))
    parts: list[tuple[str, int]] = []  # (text, how many names it stands for)
    for (prefix, width), numbers in sorted(groups.items()):
        numbers = sorted(set(numbers))
        if len(numbers) == 1:
            parts.append((f"{prefix}{numbers[0]:0{width}d}", 1))
            continue
        ranges: list[str] = []
        start = prev = numbers[0]
        for n in [*numbers[1:], None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            ranges.append(f"{start:0{width}d}" if start == prev else f"{start:0{width}d}-{prev:0{width}d}")
            if n is not None:
                start = prev = n
        parts.append((f"{prefix}[{','.join(ranges)}]", len(numbers)))
    parts.extend((name, 1) for name in sorted(set(plain)))
    if limit is not None and len(parts) > limit:
        shown = parts[:limit]
        left = sum(n for _, n in parts[limit:])
        more = UI[lang]["more"].format(n=left)
        return separator.join(text for text, _ in shown) + (f" ({more})" if lang != "zh" else f"（{more}）")
    return separator.join(text for text, _ in parts)


def summary_to_data(
    summary: FleetSummary,
    target: CommonTarget | None = None,
    proposal: Any = None,
) -> dict[str, Any]:
    """The ``fleet --json`` document: the summary, and with ``--propose`` the target and proposal."""
    data: dict[str, Any] = {
        "node_count": summary.node_count,
        "report_count": summary.report_count,
        "gpu_count": summary.gpu_count,
        "gpus": to_data(summary.gpus),
        "nodes_without_gpu": list(summary.nodes_without_gpu),
        "drivers": to_data(summary.drivers),
        "oldest_driver": to_data(summary.oldest_driver),
        "dimensions": {d.name: _dimension_data(d) for d in summary.dimensions},
        "findings_on_all": [
            {"code": f.code, "name": f.name, "severity": f.severity, "count": f.count}
            for f in summary.findings_on_all
        ],
        "findings_on_some": to_data(summary.findings_on_some),
        "unreadable": to_data(summary.unreadable),
        "renamed_duplicates": list(summary.renamed_duplicates),
        "proof": {
            "nodes": summary.proof_nodes,
            "failed": {v.value: list(v.nodes) for v in summary.proof_failed},
            "disagreed": {v.value: list(v.nodes) for v in summary.proof_disagreed},
            "problem_nodes": list(summary.proof_problem_nodes),
        },
    }
    if target is not None:
        data["common_target"] = {
            "platform": target.platform,
            "oldest_driver": target.oldest_driver,
            "max_cuda": target.max_cuda,
            "oldest_driver_nodes": list(target.oldest_driver_nodes),
            "compute_capabilities": list(target.compute_capabilities),
            "served_gpu_nodes": target.served_gpu_nodes,
            "cpu_only_nodes": list(target.cpu_only_nodes),
            "excluded": to_data(target.excluded),
            "notes": to_data(target.notes),
            "facts": to_data(target.facts),
        }
    if proposal is not None:
        data["proposal"] = proposal
    return data


def _dimension_data(dim: Any) -> dict[str, Any]:
    return {
        "counts": {c.value: c.count for c in dim.counts},
        "majority": dim.majority,
        "majority_count": dim.majority_count,
        "tie": dim.tie,
        "differing": {v.value: list(v.nodes) for v in dim.differing},
    }


def _hosts(names: Sequence[str], lang: str) -> str:
    """A host list for the terminal: groups separated by ", " so a long list wraps between hosts."""
    return compress_hostlist(names, lang=lang, separator=", ")


def majority_label(dim: Any, node_count: int, lang: str = "en") -> str:
    """``3.12 (6/7)``; a tie says so in words: ``no majority: 3.11, 3.12 (2/4 each)``."""
    ui = UI.get(lang, UI["en"])
    if dim.tie:
        tied = [value_label(c.value, lang) for c in dim.counts if c.count == dim.majority_count]
        values = "、".join(tied) if lang == "zh" else ", ".join(tied)
        return ui["tie"].format(values=values, count=dim.majority_count, total=node_count)
    value = value_label(dim.majority, lang)
    if lang == "zh":
        return f"{value}（{dim.majority_count}/{node_count}）"
    return f"{value} ({dim.majority_count}/{node_count})"


def fleet_renderable(
    summary: FleetSummary, lang: str = "en", target: CommonTarget | None = None, brief: bool = False
) -> RenderableType:
    """The summary (and the common target) as a group of rich tables and lines; ``brief``: one line per
    finding and the GPUs, drivers and differing versions as one compact block."""
    from rich.console import Group
    from rich.table import Table

    from envadvisor.render.wrap import Wrap

    ui = UI.get(lang, UI["en"])
    unknown = ui["unknown"]
    sep = ": " if lang != "zh" else "："

    def hosts(names: Sequence[str]) -> str:
        return _hosts(names, lang)

    parts: list[RenderableType] = [
        Wrap(ui["title"].format(nodes=summary.node_count, gpus=summary.gpu_count), style="bold")
    ]
    if summary.unreadable:
        parts.append(Wrap(ui["unreadable_count"].format(n=len(summary.unreadable)), style="yellow"))
    if brief:
        parts.extend(_brief_parts(summary, lang))
        if target is not None:
            parts.append(target_renderable(target, lang))
        return Group(*parts)

    if summary.gpus:
        table = Table(title=ui["gpus"], title_justify="left")
        table.add_column(ui["model"])
        table.add_column(ui["cc"], justify="right")
        table.add_column(ui["gpu_count"], justify="right")
        table.add_column(ui["nodes"], justify="right")
        for gpu in summary.gpus:
            table.add_row(
                Wrap(gpu.name), Wrap(gpu.compute_capability or unknown), str(gpu.gpus), str(gpu.nodes)
            )
        parts.append(table)
    if summary.nodes_without_gpu:
        parts.append(Wrap(ui["no_gpu_nodes"].format(nodes=hosts(summary.nodes_without_gpu))))

    if summary.drivers:
        table = Table(title=ui["drivers"], title_justify="left")
        table.add_column(ui["driver"])
        table.add_column(ui["max_cuda"], justify="right")
        table.add_column(ui["nodes"], justify="right")
        for driver in summary.drivers:
            table.add_row(
                Wrap(driver.version or ui["no_driver"]), Wrap(driver.max_cuda or unknown), str(driver.nodes)
            )
        parts.append(table)
    if summary.oldest_driver is not None:
        oldest = summary.oldest_driver
        parts.append(
            Wrap(
                ui["oldest"].format(
                    version=oldest.version, cuda=oldest.max_cuda or unknown, nodes=hosts(oldest.nodes)
                ),
                style="bold",
            )
        )

    table = Table(title=ui["versions"], title_justify="left")
    table.add_column(ui["dimension"])
    table.add_column(ui["majority"])
    table.add_column(ui["differ"])
    for dim in summary.dimensions:
        label = ui.get(f"dim_{dim.name}", dim.name)
        differing = (
            "\n".join(f"{value_label(v.value, lang)}{sep}{hosts(v.nodes)}" for v in dim.differing)
            if dim.differing
            else ui["same"]
        )
        table.add_row(Wrap(label), Wrap(majority_label(dim, summary.node_count, lang)), Wrap(differing))
    parts.append(table)

    severities = _severity_words(lang)
    rows: list[tuple[str, str, str, str | None]]
    if summary.findings_on_some:
        rows = [
            (f.code, f.name, severities.get(f.severity, f.severity), f"{f.count}{sep}{hosts(f.nodes)}")
            for f in summary.findings_on_some
        ]
        parts.append(_FindingsTable(ui["findings_some"], rows, lang))
    if summary.findings_on_all:
        rows = [
            (f.code, f.name, severities.get(f.severity, f.severity), None) for f in summary.findings_on_all
        ]
        parts.append(_FindingsTable(ui["findings_all"], rows, lang))

    if summary.unreadable:
        table = Table(title=ui["unreadable"], title_justify="left")
        table.add_column(ui["source"])
        table.add_column(ui["reason"])
        for item in summary.unreadable:
            table.add_row(Wrap(item.source), Wrap(item.reason))
        parts.append(table)
    if summary.renamed_duplicates:
        parts.append(Wrap(ui["renamed"].format(names=hosts(summary.renamed_duplicates))))
    if summary.proof_nodes:
        problems = summary.proof_problem_nodes
        parts.append(
            Wrap(
                ui["proof"].format(nodes=summary.proof_nodes, problems=len(problems)),
                style="bold red" if problems else "green",
            )
        )
        for group in summary.proof_failed:
            parts.append(Wrap(ui["proof_failed"].format(what=group.value, nodes=hosts(group.nodes))))
        for group in summary.proof_disagreed:
            parts.append(Wrap(ui["proof_disagreed"].format(what=group.value, nodes=hosts(group.nodes))))

    if target is not None:
        parts.append(target_renderable(target, lang))
    return Group(*parts)


def _severity_words(lang: str) -> dict[str, str]:
    from envadvisor.render.explain import SEVERITY_WORDS

    return SEVERITY_WORDS.get(lang, SEVERITY_WORDS["en"])


class _FindingsTable:
    """Code, name, severity (and nodes): four columns where there is room, else the name above the
    nodes so a long rule name is never cut."""

    def __init__(self, title: str, rows: Sequence[tuple[str, str, str, str | None]], lang: str) -> None:
        self.title = title
        self.rows = rows
        self.lang = lang

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.table import Table
        from rich.text import Text

        from envadvisor.render.wrap import Wrap

        ui = UI.get(self.lang, UI["en"])
        with_nodes = any(nodes is not None for *_, nodes in self.rows)
        wide = options.max_width >= FLEET_WIDE_COLUMNS
        table = Table(title=self.title, title_justify="left")
        table.add_column(ui["code"], no_wrap=True)
        table.add_column(ui["severity"], no_wrap=True)
        if wide or not with_nodes:
            table.add_column(ui["name"])
            if with_nodes:
                table.add_column(ui["nodes"])
        else:
            table.add_column(f"{ui['name']} · {ui['nodes']}")
        for code, name, severity, nodes in self.rows:
            cells: list[Any] = [Text(code), Text(severity)]  # Text: a report's code is never markup
            if wide or not with_nodes:
                cells.append(Wrap(name))
                if with_nodes:
                    cells.append(Wrap(nodes or ""))
            else:
                cells.append(Wrap(Text.assemble((name, "bold"), "\n", nodes or "")))
            table.add_row(*cells)
        yield table


def _brief_parts(summary: FleetSummary, lang: str) -> list[RenderableType]:
    from rich.text import Text

    from envadvisor.render.terminal import Items
    from envadvisor.render.wrap import Wrap

    ui = UI.get(lang, UI["en"])
    items = [
        Text(
            ui["brief_gpu"].format(
                name=gpu.name, cc=gpu.compute_capability or ui["unknown"], gpus=gpu.gpus, nodes=gpu.nodes
            )
        )
        for gpu in summary.gpus
    ]
    items += [
        Text(
            ui["brief_driver"].format(version=driver.version, nodes=driver.nodes)
            if driver.version
            else ui["brief_no_driver"].format(nodes=driver.nodes)
        )
        for driver in summary.drivers
    ]
    differing = [ui.get(f"dim_{d.name}", d.name) for d in summary.dimensions if d.differing]
    parts: list[RenderableType] = [Items(items)]
    if differing:
        parts.append(Wrap(ui["brief_differ"].format(what=", ".join(differing))))
    parts.append(Text(""))
    parts.append(Text(ui["brief_findings"], style="bold underline"))
    severities = _severity_words(lang)
    styles = {"error": "bold red", "warning": "yellow", "info": "cyan"}
    findings = [*summary.findings_on_some, *summary.findings_on_all]
    rank = {"error": 0, "warning": 1, "info": 2}
    for finding in sorted(findings, key=lambda f: (rank.get(f.severity, 3), f.code)):
        where = (
            ui["brief_nodes"].format(count=finding.count, nodes=_hosts(finding.nodes, lang))
            if finding.nodes
            else ui["brief_all"]
        )
        line = Text.assemble(
            (
                severities.get(finding.severity, finding.severity).upper() + " ",
                styles.get(finding.severity, ""),
            ),
            (finding.code, "bold"),
            f" {finding.name}",
            ("：" if lang == "zh" else ": ") + where,
        )
        parts.append(Wrap(line))
    if not findings:
        parts.append(Text(ui["no_findings"], style="green"))
    return parts


def value_label(value: str, lang: str = "en") -> str:
    """A compared value as the reader's language says it (the JSON keeps the English tokens)."""
    from envadvisor.fleet import NO_GPU, NOT_INSTALLED, UNKNOWN

    if lang != "zh":
        return value
    words = {NOT_INSTALLED: "未安装", NO_GPU: "无 GPU", UNKNOWN: "未知"}
    if value in words:
        return words[value]
    value = _CC_IN_VALUE.sub(lambda m: f"（计算能力 {m.group(1)}）", value)
    if value.startswith("none (") and value.endswith(")"):  # a driver dimension: none (no_driver)
        from envadvisor.render.terminal import state_label

        return f"无（{state_label(value[6:-1], lang)}）"
    return value


def exclusion_reason(exclusion: Exclusion, lang: str = "en") -> str:
    """The reason in the reader's language (English is the one the model carries)."""
    return _in_language(exclusion.reason, EXCLUSION_REASONS_ZH, exclusion.kind, exclusion.detail, lang)


def note_text(note: TargetNote, lang: str = "en") -> str:
    return _in_language(note.text, NOTE_TEXTS_ZH, note.kind, note.detail, lang)


def _in_language(english: str, zh: dict[str, str], kind: str, detail: Mapping[str, str], lang: str) -> str:
    template = zh.get(kind) if lang == "zh" else None
    if template is None:
        return english
    try:
        return template.format(**detail)
    except KeyError:
        return english


def target_renderable(target: CommonTarget, lang: str = "en") -> RenderableType:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from envadvisor.render.wrap import Wrap

    ui = UI.get(lang, UI["en"])
    lines: list[RenderableType] = [Text(ui["target"], style="bold underline")]
    lines.append(Wrap(ui["target_platform"].format(platform=target.platform or ui["unknown"])))
    if target.oldest_driver:
        lines.append(
            Wrap(
                ui["target_driver"].format(
                    driver=target.oldest_driver,
                    cuda=target.max_cuda or ui["unknown"],
                    nodes=_hosts(target.oldest_driver_nodes, lang),
                )
            )
        )
        lines.append(
            Wrap(
                ui["target_ccs"].format(
                    ccs=", ".join(target.compute_capabilities) or ui["unknown"], n=target.served_gpu_nodes
                )
            )
        )
    else:
        lines.append(Wrap(ui["target_no_gpu"]))
    if target.cpu_only_nodes:
        lines.append(Wrap(ui["target_cpu"].format(nodes=_hosts(target.cpu_only_nodes, lang))))
    for note in target.notes:
        lines.append(Wrap(f"- {note_text(note, lang)}"))
    if target.excluded:
        table = Table(title=ui["excluded"], title_justify="left")
        table.add_column(ui["nodes"])
        table.add_column(ui["reason"])
        for exclusion in target.excluded:
            table.add_row(Wrap(_hosts(exclusion.nodes, lang)), Wrap(exclusion_reason(exclusion, lang)))
        lines.append(table)
    return Group(*lines)
