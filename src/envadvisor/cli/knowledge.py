"""``envadvisor knowledge refresh``: read the package registry and say what the tables do not know yet.

The one command that uses the network: HTTPS to the registry's JSON API and the wheels' PEP 658
metadata files (no wheel is downloaded), with a timeout per request. Offline or unreachable is one line
on stderr and exit status 2. Without ``--write`` or ``--user`` nothing is written anywhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envadvisor.cli import _common
from envadvisor.errors import UsageError

if TYPE_CHECKING:
    from envadvisor.knowledge.drafts import Drafts
    from envadvisor.knowledge.refresh import RefreshResult
    from envadvisor.knowledge.tables import Tables


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # One action today, so a positional with choices rather than a nested sub-command: every option is
    # then the command's own (help, the option fuzzer and completion see them all).
    refresh = subparsers.add_parser(
        "knowledge",
        help="keep the knowledge tables current: `knowledge refresh` reads the package registry",
        description="Read PyPI's JSON API and the wheels' PEP 658 metadata files (no wheel is downloaded) "
        "for the tracked packages: every release with its date, Requires-Python and yanked flag; for the "
        "newest release lines, the Requires-Dist pins (CUDA, cuDNN, NCCL, NumPy) and the wheel tags "
        "(Pythons, platforms, glibc and macOS minimums). Prints, per package, the newest release and "
        "whether the tables cover it. The only envadvisor command that uses the network.",
    )
    refresh.add_argument("action", choices=("refresh",), help="refresh: read the registry now")
    refresh.add_argument("--json", action="store_true", help="print the result as JSON")
    refresh.add_argument("--write", metavar="DIR", help="write draft table rows (drafts.yaml) and the "
                         "release lists (releases.json) into DIR for review; nothing is merged")
    refresh.add_argument("--force", action="store_true", help="replace files --write finds in DIR")
    refresh.add_argument("--user", action="store_true", help="keep the registry facts as an overlay in "
                         "your cache folder; diagnose and check then use them for releases the shipped "
                         "lists do not have, and say so")
    refresh.add_argument("--package", dest="packages", action="append", default=[], metavar="NAME",
                         help="read only this tracked package (repeatable; default: all tracked packages)")
    refresh.add_argument("--lines", type=int, default=3, metavar="N",
                         help="release lines per package whose metadata is read (default 3)")
    refresh.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                         help="timeout of each request (default 20)")
    refresh.add_argument("--registry", default="https://pypi.org", metavar="URL",
                         help="the registry's base URL (HTTPS; default https://pypi.org)")
    refresh.add_argument("--replay", metavar="DIR", help="read responses recorded by "
                         "tests/registry/record.py from DIR instead of the network (reproducible reviews)")
    _common.add_lang_argument(refresh)
    refresh.set_defaults(func=run_refresh)


COLUMNS = {"en": ("package", "newest", "released", "tables"), "zh": ("包", "最新版本", "发布日期", "知识表")}
TEXT = {
    "en": {
        "head": "Registry {registry}, read {when} ({count} packages).",
        "covered": "covered ({table})",
        "not_covered": "NOT covered: tables know up to {known}",
        "no_table": "release list only",
        "pre": "pre-release {version} too",
        "list_has": "The shipped release list (read {date}) has every newest release.",
        "list_misses": "The shipped release list (read {date}) lacks: {names}.",
        "drafts": "Draft rows: {rows} for {lines}; {hand} facts to fill by hand.",
        "drafts_none": "Nothing to draft: the tables cover every newest line.",
        "write_hint": "Write them with --write DIR (and review them before merging into rules/tables/).",
        "written": "Wrote {path}.",
        "user": "Registry overlay kept in {path}: diagnose and propose use it for versions the shipped "
                "tables do not know (\"from the registry, read on {date}\").",
        "missing": "Not on the registry: {names}.",
        "tables": "Tables checked {checked}.",
    },
    "zh": {
        "head": "软件源 {registry}，读取于 {when}（{count} 个包）。",
        "covered": "已覆盖（{table}）",
        "not_covered": "未覆盖：知识表只到 {known}",
        "no_table": "仅有发布列表",
        "pre": "另有预发布版 {version}",
        "list_has": "随附的发布列表（读取于 {date}）包含每个最新版本。",
        "list_misses": "随附的发布列表（读取于 {date}）缺少：{names}。",
        "drafts": "草拟的表行：{rows} 行，涉及 {lines}；{hand} 项需人工填写。",
        "drafts_none": "无需草拟：知识表已覆盖每个最新版本系列。",
        "write_hint": "用 --write DIR 写出草稿（合入 rules/tables/ 之前请逐行核对）。",
        "written": "已写入 {path}。",
        "user": "软件源信息已保存为叠加层 {path}：diagnose 和 propose 会对随附知识表未收录的版本使用它"
                "（“来自软件源，读取于 {date}”）。",
        "missing": "软件源上没有：{names}。",
        "tables": "知识表核对日期 {checked}。",
    },
}


def run_refresh(args: argparse.Namespace) -> int:
    from envadvisor.knowledge import load_knowledge
    from envadvisor.knowledge.coverage import tables_lines
    from envadvisor.knowledge.drafts import draft_all
    from envadvisor.knowledge.refresh import refresh
    from envadvisor.knowledge.releases import TRACKED_PACKAGES, canonical_name

    lang = _common.lang_from(args)
    packages = [canonical_name(p) for p in args.packages] or list(TRACKED_PACKAGES)
    unknown = [p for p in packages if p not in TRACKED_PACKAGES]
    if unknown:
        raise UsageError(f"knowledge refresh: --package {unknown[0]} is not a tracked package "
                         f"(tracked: {', '.join(TRACKED_PACKAGES)})")
    if args.lines < 0 or args.lines > 50:
        raise UsageError("knowledge refresh: --lines takes 0 to 50")
    if not 0 < args.timeout <= 600:
        raise UsageError("knowledge refresh: --timeout takes more than 0 and at most 600 seconds")
    registry = _registry_url(args.registry)
    write_dir = _write_dir(args.write) if args.write else None

    knowledge = load_knowledge()
    tables = knowledge.tables
    fetcher = _fetcher(args)
    # a replay reads what its recording read (the tables' newest lines then), not what they are now
    extra = fetcher.extra_lines if args.replay else tables_lines(tables)
    result = refresh(fetcher, packages=packages, registry=registry, lines=args.lines, extra_lines=extra)
    drafts = draft_all(result, tables)
    written = _write(result, drafts, write_dir, force=args.force) if write_dir is not None else []
    overlay = _store_overlay(result) if args.user else None
    data = result_data(result, drafts, tables, knowledge.checked)
    data["written"] = [str(p) for p in written]
    data["user_overlay"] = str(overlay) if overlay else None
    if args.json:
        _common.print_json(data)
    else:
        sys.stdout.write(render_text(data, lang))
    return 0


def _registry_url(text: str) -> str:
    import urllib.parse

    parts = urllib.parse.urlsplit(text.strip())
    if parts.scheme != "https" or not parts.netloc:
        raise UsageError(f"knowledge refresh: --registry {text!r} is not an https:// address")
    return text.strip().rstrip("/")


def _write_dir(text: str) -> Path:
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"knowledge refresh: --write {text}: not a folder")
    return folder


def _fetcher(args: argparse.Namespace) -> Any:
    from envadvisor.knowledge.fetch import HttpFetcher, RecordedFetcher

    if args.replay:
        folder = Path(args.replay)
        if not (folder / "index.json").is_file():
            raise UsageError(f"knowledge refresh: --replay {args.replay}: no index.json of recorded "
                             "responses")
        return RecordedFetcher(folder)
    return HttpFetcher(timeout=args.timeout)


def _write(result: RefreshResult, drafts: Drafts, folder: Path, *, force: bool) -> list[Path]:
    from envadvisor.fsutil import write_atomic
    from envadvisor.knowledge.drafts import drafts_yaml
    from envadvisor.knowledge.refresh import release_file_text

    targets = [(folder / "releases.json", release_file_text(result)),
               (folder / "drafts.yaml", drafts_yaml(drafts, result.registry))]
    if not force:
        for path, _text in targets:
            if path.exists():
                raise UsageError(f"knowledge refresh: {path} already exists; pass --force to replace it")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = exc.strerror or exc
        raise UsageError(f"knowledge refresh: --write {folder}: cannot create it ({why})") from None
    return [write_atomic(path, text, force=force) for path, text in targets]


def _store_overlay(result: RefreshResult) -> Path:
    from envadvisor.knowledge.overlay import write_overlay

    return write_overlay(result)


# --------------------------------------------------------------------------------------------------
# Data and text
# --------------------------------------------------------------------------------------------------


def result_data(result: RefreshResult, drafts: Drafts, tables: Tables, checked: str) -> dict[str, Any]:
    """What ``knowledge refresh --json`` prints."""
    from envadvisor.knowledge.coverage import covering_table, covers, tables_newest
    from envadvisor.knowledge.refresh import line_data, read_time

    packages = []
    for pkg in result.packages:
        shipped = tables.release_list(pkg.package)
        has = tables.has_release(pkg.package, pkg.newest) if pkg.newest and shipped is not None else None
        packages.append({
            "package": pkg.package,
            "source": pkg.releases.source,
            "read": pkg.releases.read,
            "newest": pkg.newest,
            "newest_date": pkg.newest_date,
            "newest_prerelease": pkg.newest_prerelease,
            "releases": len(pkg.releases.releases),
            "prereleases": len(pkg.releases.prereleases),
            "yanked": sum(r.yanked for r in pkg.releases.releases),
            "tables": {
                "covered": covers(tables, pkg.package, pkg.newest) if pkg.newest else None,
                "table": covering_table(pkg.package, tables),
                "newest_known": tables_newest(tables, pkg.package),
            },
            "shipped_release_list": {"has_newest": has,
                                     "read": shipped.read_date if shipped is not None else None},
            "lines": [line_data(f) for f in pkg.lines],
        })
    return {
        "registry": result.registry,
        "read": read_time(result),
        "tables_checked": checked,
        "release_lists_read": tables.releases_read,
        "packages": packages,
        "missing": list(result.missing),
        "drafts": {
            "drafted": list(drafts.drafted),
            "rows": sum(len(v) for v in drafts.tables.values() if isinstance(v, list)),
            "to_fill_by_hand": [h.as_dict() for h in drafts.by_hand],
        },
    }


def render_text(data: dict[str, Any], lang: str) -> str:
    text = TEXT[lang]
    when = data["read"].replace("T", " ").replace("Z", " UTC")
    out = [text["head"].format(registry=data["registry"], when=when, count=len(data["packages"]))]
    rows = []
    for p in data["packages"]:
        t = p["tables"]
        if t["covered"] is None:
            status = text["no_table"]
        elif t["covered"]:
            status = text["covered"].format(table=t["table"])
        else:
            status = text["not_covered"].format(known=t["newest_known"] or "-")
        if p["newest_prerelease"]:
            status += "; " + text["pre"].format(version=p["newest_prerelease"])
        rows.append((p["package"], p["newest"] or "-", p["newest_date"] or "-", status))
    columns = tuple(COLUMNS[lang])
    widths = [max(len(str(r[i])) for r in [columns, *rows]) for i in range(3)]
    for row in [columns, *rows]:
        cells = [str(c).ljust(widths[i]) if i < 3 else str(c) for i, c in enumerate(row)]
        out.append("  ".join(cells).rstrip())
    missing_from_list = [p["package"] for p in data["packages"]
                         if p["shipped_release_list"]["has_newest"] is False]
    list_date = data["release_lists_read"] or "-"
    if missing_from_list:
        out.append(text["list_misses"].format(date=list_date, names=", ".join(missing_from_list)))
    else:
        out.append(text["list_has"].format(date=list_date))
    if data["missing"]:
        out.append(text["missing"].format(names=", ".join(data["missing"])))
    drafts = data["drafts"]
    if drafts["drafted"]:
        out.append(text["drafts"].format(rows=drafts["rows"], lines=", ".join(drafts["drafted"]),
                                         hand=len(drafts["to_fill_by_hand"])))
        if not data["written"]:
            out.append(text["write_hint"])
    else:
        out.append(text["drafts_none"])
    out.extend(text["written"].format(path=path) for path in data["written"])
    if data["user_overlay"]:
        out.append(text["user"].format(path=data["user_overlay"], date=data["read"][:10]))
    out.append(text["tables"].format(checked=data["tables_checked"]))
    return "\n".join(out) + "\n"
