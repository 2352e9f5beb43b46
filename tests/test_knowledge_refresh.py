"""``envadvisor knowledge refresh`` on the registry responses recorded 2026-12-04 (tests/registry/recorded).

The drafts are checked against the hand-written rows: what the command drafts from the registry for the
newest release lines the tables know (torch 2.14, TensorFlow 2.21, Transformers 5.24) must be what was
written by hand, so its drafts for the lines the tables lack (torch 2.15, Transformers 5.25) can be
trusted as far as package metadata goes. One test reads the live registry and skips offline.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from envadvisor.cli import main
from envadvisor.knowledge import load_from_dir, load_knowledge
from envadvisor.knowledge.drafts import (
    draft_all,
    drafts_yaml,
    rows_equal,
    tf_and_cuda_pins_draft,
    tf_tested_linux_gpu_draft,
    tf_windows_cpu_python_draft,
    torch_release_draft,
    torch_variant_cudnn_draft,
    transformers_line_draft,
)
from envadvisor.knowledge.fetch import HttpFetcher, RecordedFetcher, RegistryUnreachable
from envadvisor.knowledge.refresh import LineFacts, RefreshResult, refresh
from envadvisor.knowledge.tables import rows_of
from envadvisor.resources import rules_dir

REPO = Path(__file__).resolve().parent.parent
RECORDED = REPO / "tests" / "registry" / "recorded"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def tables():  # type: ignore[no-untyped-def]
    return load_knowledge().tables


@pytest.fixture(scope="module")
def result(tables) -> RefreshResult:  # type: ignore[no-untyped-def]
    recorded = RecordedFetcher(RECORDED)
    return refresh(recorded, extra_lines=recorded.extra_lines)


def _facts(result: RefreshResult, package: str, line: str) -> LineFacts:
    pkg = next(p for p in result.packages if p.package == package)
    return next(f for f in pkg.lines if f.line == line)


def _hand(tables: Any, table: str, **match: Any) -> dict[str, Any]:
    for row in rows_of(tables, table):
        if all(row.get(k) == v for k, v in match.items()):
            return dict(row)
    raise AssertionError(f"no hand-written {table} row {match}")


# --------------------------------------------------------------------------------------------------
# Drafts against the hand-written rows
# --------------------------------------------------------------------------------------------------


def test_torch_draft_for_the_newest_complete_line_matches_the_hand_row(result, tables) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(result, "torch", "2.14")
    # torch 2.14.1's metadata file is not served by the registry recorded; the line's facts come from 2.14.0
    assert facts.version == "2.14.1" and facts.metadata_version == "2.14.0"
    companions = [f for p in result.packages if p.package in ("torchvision", "torchaudio") for f in p.lines]
    draft, by_hand = torch_release_draft(facts, companions, tables)
    hand = _hand(tables, "torch_releases", version="2.14")
    assert rows_equal(draft, hand, ("version", "python", "pypi_default", "torchvision", "torchaudio",
                                    "pytorch_conda_channel", "numpy2")) == []
    assert draft["torchvision"] == "0.29"  # torchvision 0.29.2 requires torch>=2.14.0
    # what metadata cannot give is never guessed
    assert draft["variants"] == []
    assert {h.table for h in by_hand} >= {"torch_releases", "torch_arch_lists"}
    assert "pypi.org" in draft["source"] and "read 2026-12-04" in draft["source"]

    cudnn = torch_variant_cudnn_draft(facts)
    assert cudnn is not None
    hand_cudnn = _hand(tables, "torch_variant_cudnn", variant="cu130", torch=["2.14"])
    assert rows_equal(cudnn, hand_cudnn, ("torch", "variant", "cudnn")) == []


def test_tensorflow_drafts_for_the_newest_line_match_the_hand_rows(result, tables) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(result, "tensorflow", "2.21")
    pins = tf_and_cuda_pins_draft(facts)
    assert pins is not None
    assert rows_equal(pins, _hand(tables, "tf_and_cuda_pins", version="2.21"),
                      ("version", "cuda", "cudnn", "cuda_runtime_pin", "cudnn_pin", "nccl_pin")) == []
    tested, by_hand = tf_tested_linux_gpu_draft(facts)
    assert rows_equal(tested, _hand(tables, "tf_tested_linux_gpu", version="2.21"),
                      ("version", "python", "cuda", "cudnn")) == []
    assert by_hand and "tested build configurations" in by_hand[0].what
    windows = tf_windows_cpu_python_draft(facts)
    assert windows is not None
    assert rows_equal(windows, _hand(tables, "tf_tested_windows_cpu_python", version="2.21"),
                      ("version", "python")) == []


def test_transformers_draft_matches_the_hand_row_that_covers_the_newest_known_line(result, tables) -> None:  # type: ignore[no-untyped-def]
    facts = _facts(result, "transformers", tables.newest_transformers)
    draft, by_hand = transformers_line_draft(facts)
    covering = tables.transformers_line(facts.version)
    assert covering is not None and draft["python_min"] == covering.python_min
    # the import-time torch floor lives in the code, not the metadata: always by hand
    assert draft["torch_min"] is None and any("import_utils" in h.where for h in by_hand)


def test_drafts_for_the_lines_the_tables_lack(result, tables) -> None:  # type: ignore[no-untyped-def]
    drafts = draft_all(result, tables)
    assert "transformers 5.25" in drafts.drafted  # tables know up to 5.24
    t525 = next(r for r in drafts.tables["transformers_lines"] if r["from"] == "5.25")
    # 5.25.0's metadata (the JSON API's info): Requires-Python >=3.11.0, torch extra torch>=2.6, no tf extra
    assert (t525["python_min"], t525["torch_extra_min"], t525["tensorflow"]) == ("3.11", "2.6", False)
    assert drafts.tables["transformers_lines.newest_known"] == "5.25"
    torch215 = next(r for r in drafts.tables["torch_releases"] if r["version"] == "2.15")
    assert torch215["python"] == {"min": "3.11", "max": "3.15"}  # cp311 .. cp315 wheels
    assert torch215["pypi_default"] == "cu132"  # cuda-toolkit==13.2.2
    assert torch215["torchvision"] is None  # no torchvision requires torch 2.15 yet
    assert {"torch_arch_lists", "torch_releases"} <= {h.table for h in drafts.by_hand if h.line == "2.15"}
    cudnn215 = next(r for r in drafts.tables["torch_variant_cudnn"] if r["torch"] == ["2.15"])
    assert (cudnn215["variant"], cudnn215["cudnn"]) == ("cu132", "9.26.0.51")
    floors = {(r["package"], r["line"]): r for r in drafts.tables["registry_platform_floors"]}
    assert floors["torch", "2.15"]["glibc_min"] == {"linux-aarch64": "2.28", "linux-x86_64": "2.28"}
    assert floors["torch", "2.15"]["macos_min"] == {"macos-arm64": "14.0"}
    assert floors["tensorflow", "2.21"]["glibc_min"]["linux-x86_64"] == "2.27"
    for rows in drafts.tables.values():
        for row in rows if isinstance(rows, list) else ():
            assert "read 2026-12-04" in row["source"] or "pypi.org/pypi/" in row["source"], row


def test_draft_rows_load_through_the_table_parser(result, tables, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Same schema as rules/tables: the torch 2.15 draft row replaces the hand row and the tables load."""
    drafts = draft_all(result, tables)
    text = drafts_yaml(drafts, result.registry)
    doc = yaml.safe_load(text)
    assert doc["read"].startswith("2026-12-04") and doc["to_fill_by_hand"]
    root = tmp_path / "rules"
    shutil.copytree(rules_dir(), root)
    pytorch = yaml.safe_load((root / "tables" / "pytorch.yaml").read_text(encoding="utf-8"))
    draft = next(r for r in doc["torch_releases"] if r["version"] == "2.15")
    pytorch["torch_releases"] = [draft if r["version"] == "2.15" else r for r in pytorch["torch_releases"]]
    (root / "tables" / "pytorch.yaml").write_text(yaml.safe_dump(pytorch), encoding="utf-8")
    loaded = load_from_dir(root).tables
    release = loaded.torch_release("2.15.0")
    assert release is not None and release.pypi_default == "cu132"
    assert loaded.torch_python_supported("2.15", "3.15") is True
    assert loaded.torch_python_supported("2.15", "3.10") is False


# --------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------


def test_refresh_json_names_the_newest_releases_and_coverage() -> None:
    code, out, err = _run("knowledge", "refresh", "--replay", str(RECORDED), "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    by_name = {p["package"]: p for p in data["packages"]}
    assert by_name["torch"]["newest"] == "2.15.0"
    assert by_name["tensorflow"]["newest"] == "2.21.0"
    assert by_name["tensorflow"]["newest_prerelease"] == "2.22.0rc0"
    assert by_name["transformers"]["newest"] == "5.25.0"
    # the knowledge audit of 2026-12-04 added 5.25 to the hand tables
    assert by_name["transformers"]["tables"] == {"covered": True, "table": "transformers_lines",
                                                 "newest_known": "5.25"}
    assert by_name["torch"]["tables"]["covered"] is True
    assert by_name["numpy"]["tables"]["covered"] is None  # no hand-written table: release list only
    assert by_name["vllm"]["tables"]["table"] == "ecosystem_packages"  # the long-tail table speaks for it
    assert by_name["vllm"]["tables"]["covered"] is True
    assert by_name["torch"]["shipped_release_list"]["has_newest"] is True
    assert data["read"].startswith("2026-12-04") and data["tables_checked"] == "2026-11-28"
    torch_lines = {line["line"]: line for line in by_name["torch"]["lines"]}
    assert torch_lines["2.14"]["wheels"]["glibc_min"]["linux-x86_64"] == "2.28"
    assert {"package": "nvidia-cudnn-cu13", "specifier": "==9.24.0.43", "extra": None,
            "marker": 'platform_system == "Linux"'} in torch_lines["2.14"]["pins"]
    assert data["written"] == [] and data["user_overlay"] is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_refresh_text_in_both_languages(lang: str) -> None:
    code, out, _err = _run("knowledge", "refresh", "--replay", str(RECORDED), "--lang", lang,
                           "--package", "transformers", "--package", "torch")
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("transformers "))
    assert "5.25.0" in line and "transformers_lines" in line  # covered since the audit added 5.25
    assert ("covered" in line and "NOT" not in line) if lang == "en" else ("已覆盖" in line)


def test_write_drafts_and_release_file_never_clobbers(tmp_path: Path) -> None:
    target = tmp_path / "drafts"
    code, out, _ = _run("knowledge", "refresh", "--replay", str(RECORDED), "--write", str(target))
    assert code == 0 and "drafts.yaml" in out
    assert (target / "releases.json").read_text(encoding="utf-8") == (
        rules_dir() / "tables" / "releases.json").read_text(encoding="utf-8")
    yaml.safe_load((target / "drafts.yaml").read_text(encoding="utf-8"))
    code, _out, err = _run("knowledge", "refresh", "--replay", str(RECORDED), "--write", str(target),
                           "--package", "torch")
    assert code == 2 and "already exists" in err and "--force" in err and len(err.splitlines()) == 1
    code, _out, _err = _run("knowledge", "refresh", "--replay", str(RECORDED), "--write", str(target),
                            "--force", "--package", "torch")
    assert code == 0


def test_nothing_is_written_without_write_or_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    code, _out, _err = _run("knowledge", "refresh", "--replay", str(RECORDED), "--package", "torch")
    assert code == 0
    assert not (tmp_path / "cache" / "envadvisor" / "registry-overlay.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"] or not (tmp_path / "cache").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--registry", "http://pypi.org"], "not an https:// address"),
        (["--package", "left-pad"], "not a tracked package"),
        (["--lines", "-1"], "--lines"),
        (["--timeout", "0"], "--timeout"),
        (["--replay", "/nonexistent/folder"], "no index.json"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(argv: list[str], expected: str) -> None:
    code, out, err = _run("knowledge", "refresh", *argv)
    assert code == 2 and out == "" and expected in err and len(err.strip().splitlines()) == 1


def test_offline_is_one_line_and_exit_2() -> None:
    # nothing listens on the discard port of this host: the connection is refused at once, as offline
    code, out, err = _run("knowledge", "refresh", "--registry", "https://127.0.0.1:9", "--package", "torch",
                          "--timeout", "5")
    assert code == 2 and out == ""
    assert err.startswith("envadvisor: error: cannot reach 127.0.0.1:9")
    assert len(err.strip().splitlines()) == 1


def test_an_unrecorded_address_is_unreachable() -> None:
    with pytest.raises(RegistryUnreachable):
        RecordedFetcher(RECORDED).get("https://pypi.org/pypi/left-pad/json")


def test_only_https_is_read() -> None:
    from envadvisor.knowledge.fetch import RegistryError

    with pytest.raises(RegistryError):
        HttpFetcher().get("http://pypi.org/pypi/torch/json")


# --------------------------------------------------------------------------------------------------
# Live (the one test that may use the network)
# --------------------------------------------------------------------------------------------------


def _online(host: str = "pypi.org") -> bool:
    try:
        with socket.create_connection((host, 443), timeout=5):
            return True
    except OSError:
        return False


@pytest.mark.live
def test_live_refresh_names_todays_newest_torch_transformers_tensorflow() -> None:
    if os.environ.get("ENVADVISOR_OFFLINE") or not _online():
        pytest.skip("the registry cannot be reached from here")
    code, out, err = _run("knowledge", "refresh", "--json", "--package", "torch", "--package",
                          "transformers", "--package", "tensorflow", "--lines", "1")
    assert code == 0, err
    data = json.loads(out)
    by_name = {p["package"]: p for p in data["packages"]}
    for name in ("torch", "transformers", "tensorflow"):
        newest = by_name[name]["newest"]
        assert newest and by_name[name]["newest_date"], name
        # the live newest is never older than what was recorded on 2026-12-04
        from packaging.version import Version

        assert Version(newest) >= Version({"torch": "2.15.0", "transformers": "5.25.0",
                                           "tensorflow": "2.21.0"}[name])


# --------------------------------------------------------------------------------------------------
# The user overlay (--user) and what diagnose does with it
# --------------------------------------------------------------------------------------------------


def _later_overlay(path: Path) -> None:
    """Turn an overlay into one read later, with a release published after the recording."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    entry = doc["packages"]["transformers"]
    entry["read"] = "2026-12-20T08:00:00Z"
    entry["releases"].insert(0, {"version": "5.26.0", "date": "2026-12-18", "requires_python": ">=3.12"})
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_user_overlay_is_written_and_used_for_releases_the_shipped_lists_lack(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from envadvisor.engine import evaluate
    from tests.rule_cases import TODAY, build_facts, load_cases

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ENVADVISOR_NO_OVERLAY", raising=False)
    code, out, _err = _run("knowledge", "refresh", "--replay", str(RECORDED), "--user", "--package",
                           "transformers")
    overlay = tmp_path / "envadvisor" / "registry-overlay.json"
    assert code == 0 and str(overlay) in out
    doc = json.loads(overlay.read_text(encoding="utf-8"))
    assert doc["facts"]["transformers"][0]["line"] == "5.25"  # the mechanical facts travel with it
    _later_overlay(overlay)

    tables = load_from_dir(rules_dir(), cache=True).tables
    assert tables.newest_release("transformers") == "5.26.0"
    assert tables.release_list("transformers").origin == "user"  # type: ignore[union-attr]
    assert tables.release_list("torch").origin == "shipped"  # type: ignore[union-attr]

    knowledge = load_from_dir(rules_dir(), cache=True)
    cases = load_cases()
    facts = build_facts(cases["base"], {"python": {"version": "3.11.9"},
                                        "packages": {"transformers": {"version": "5.26.0"}}})
    evaluation = evaluate(knowledge, facts, today=TODAY)
    finding = next(f for f in evaluation.findings if f.code == "EA512")
    assert "5.26.0" in finding.message and "read on 2026-12-20" in finding.message
    assert "python=3.12" in finding.fix[0]
    assert "EA513" not in {f.code for f in evaluation.findings}


def test_a_damaged_overlay_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ENVADVISOR_NO_OVERLAY", raising=False)
    (tmp_path / "envadvisor").mkdir()
    (tmp_path / "envadvisor" / "registry-overlay.json").write_text("{broken", encoding="utf-8")
    tables = load_from_dir(rules_dir(), cache=True).tables
    assert tables.newest_release("transformers") == "5.25.0"  # the shipped list answers
    assert tables.overlay_error is not None and "registry-overlay.json" in tables.overlay_error


# --------------------------------------------------------------------------------------------------
# The tables' age line (diagnose and rules)
# --------------------------------------------------------------------------------------------------


def test_stale_notice_after_120_days_in_both_languages() -> None:
    import datetime as dt

    from envadvisor.knowledge.age import stale_notice, tables_age_days

    assert tables_age_days("2026-11-28", dt.date(2026, 12, 4)) == 6
    assert stale_notice("2026-11-28", "en", dt.date(2027, 3, 28)) is None  # 120 days: not yet
    en = stale_notice("2026-11-28", "en", dt.date(2027, 3, 29))
    zh = stale_notice("2026-11-28", "zh", dt.date(2027, 3, 29))
    assert en is not None and "121 days" in en and "envadvisor knowledge refresh" in en
    assert zh is not None and "121 天" in zh and "envadvisor knowledge refresh" in zh
    assert stale_notice("not a date") is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_diagnose_text_names_the_refresh_command_when_the_tables_are_old(lang: str) -> None:
    import datetime as dt

    from rich.console import Console

    from envadvisor.model import Facts, Origin, Report
    from envadvisor.render.terminal import report_renderable

    report = Report(tool_version="0", origin=Origin(kind="machine"), facts=Facts(), findings=(),
                    not_evaluated=(), probes=(), tables_checked="2026-11-28")
    console = Console(width=200, record=True, color_system=None)
    console.print(report_renderable(report, lang, today=dt.date(2027, 6, 1)))
    old = console.export_text()
    assert "envadvisor knowledge refresh" in old and "2026-11-28" in old
    console = Console(width=200, record=True, color_system=None)
    console.print(report_renderable(report, lang, today=dt.date(2026, 12, 4)))
    assert "envadvisor knowledge refresh" not in console.export_text()


def test_rules_listing_carries_the_tables_age() -> None:
    code, out, _err = _run("rules", "--json")
    data = json.loads(out)
    assert code == 0 and isinstance(data["tables_age_days"], int)
    assert (data["tables_notice"] is None) == (data["tables_age_days"] <= 120)


def test_diagnose_loads_the_registry_rules_only_for_releases_beyond_the_tables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A report with tensorflow 2.22.0rc0 (newer than the tables) on Python 3.9 gets EA512 from
    `diagnose --from`; with a release the tables know, diagnose never loads the registry rules.
    (Transformers 5.25.0 served here until the knowledge audit added 5.25 to the hand tables.)"""
    from envadvisor import knowledge
    from envadvisor.model import Origin, Report, to_data
    from tests.rule_cases import build_facts, load_cases

    cases = load_cases()

    def report(transformers: str, tensorflow: str | None = None) -> Path:
        overrides: dict[str, Any] = {"python": {"version": "3.10.12"},
                                     "packages": {"transformers": {"version": transformers}}}
        if tensorflow:
            overrides = {"python": {"version": "3.9.18"},
                         "packages": {"tensorflow": {"version": tensorflow}},
                         "frameworks": {"tensorflow": {"version": tensorflow}}}
        facts = build_facts(cases["base"], overrides)
        path = tmp_path / f"report-{transformers}-{tensorflow}.json"
        data = to_data(Report(tool_version="0", origin=Origin(kind="machine"), facts=facts,
                              tables_checked="2026-11-28"))
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    loads: list[bool] = []
    real = knowledge.load_from_dir

    def recording(root: Path, **flags: Any) -> Any:
        loads.append(bool(flags.get("registry_rules", True)))
        return real(root, **flags)

    monkeypatch.setattr(knowledge, "load_from_dir", recording)
    knowledge._load_default.cache_clear()
    try:
        code, out, _err = _run("diagnose", "--from", str(report("5.20.0")), "--json", "--fail-on", "never")
        assert code == 0 and "EA512" not in out
        assert loads and not any(loads)  # the registry rules were never loaded
        beyond = report("5.20.0", tensorflow="2.22.0rc0")
        code, out, _err = _run("diagnose", "--from", str(beyond), "--json", "--fail-on", "never")
        findings = {f["code"]: f for f in json.loads(out)["findings"]}
        assert "EA512" in findings and "read on 2026-12-04" in findings["EA512"]["message"]
        assert loads[-1] is True
    finally:
        knowledge._load_default.cache_clear()
