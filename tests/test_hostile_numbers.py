"""Issue 17, class 6: numbers and characters Python refuses.

Integers of more than 4,300 digits (``int()``'s limit) in a report, a JSON fact or an environment file
were tracebacks at a dozen sites; superscript digits pass ``str.isdigit()`` and fail ``int()``; lone
surrogates in a report or a conda-meta record ended the run; a non-UTF-8 folder name or
``CUDA_VISIBLE_DEVICES`` byte made ``diagnose --json`` write JSON envadvisor then refused to read.
Numbers are now read by one parser (``safetext.parse_int`` / ``version_numbers``: ASCII digits, a
bounded count) and every string entering the model is valid, printable UTF-8, the replacement said in
``facts.sources``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from envadvisor import probes
from envadvisor.safetext import parse_int, version_numbers
from tests.probe_support import make_conda_record
from tests.reliability_support import assert_valid_json_report, inject_machine, run_cli

MACHINES = Path(__file__).parent / "machines"
HUGE = "9" * 5000


def test_the_number_parser() -> None:
    assert parse_int("42") == 42 and parse_int(" 7 ") == 7 and parse_int(3) == 3
    for bad in ("²", "1²", "٣", HUGE, "-1", "1.0", "", None, True, 10**30, "0x10"):
        assert parse_int(bad) is None, bad
    assert parse_int("1" * 18) == int("1" * 18) and parse_int("1" * 19) is None
    assert version_numbers("580.65.06") == (580, 65, 6)
    assert version_numbers(f"2.{HUGE}.1") == (2, 1)  # the run is no version part
    assert version_numbers("1²") == (1,)


def _report(**changes: Any) -> dict[str, Any]:
    report = json.loads((MACHINES / "h200-datacenter.json").read_text(encoding="utf-8"))
    for path, value in changes.items():
        node = report["facts"]
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        node[keys[-1]] = value
    return report


def _write_raw(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Every number-shaped fact a rule, the fleet or a renderer reads, set to 5,000 digits (as an integer
# where the model holds one, as text where it holds text) and to superscripts.
HUGE_FACTS = {
    "os__cores": "HUGE_INT",
    "os__memory_mib": "HUGE_INT",
    "gpu__count": "HUGE_INT",
    "gpu__devices__0__index": "HUGE_INT",
    "gpu__devices__0__memory_mib": "HUGE_INT",
    "gpu__driver_version": HUGE,
    "gpu__driver_cuda": f"{HUGE}.0",
    "gpu__devices__0__compute_capability": f"{HUGE}.0",
    "cuda_toolkit__version": f"12.{HUGE}",
    "frameworks__torch__version": f"2.{HUGE}.0",
    # the ecosystem package table's look-ups (jax and its CUDA plugin are installed on this machine)
    "packages__jax__version": f"0.{HUGE}",
    "packages__jax-cuda13-plugin__version": f"0.11.2{HUGE}",
    "frameworks__torch__cuda": "1²",
    "os__glibc": "²³",
    "python__version": f"3.{HUGE}",
    "os__hostname": f"node{HUGE}",
}


def _raw_json(report: dict[str, Any]) -> str:
    """The report as JSON with HUGE_INT placeholders turned into 5,000-digit integer literals."""
    return json.dumps(report).replace('"HUGE_INT"', HUGE)


@pytest.mark.parametrize("key", sorted(HUGE_FACTS))
def test_a_huge_or_superscript_number_in_a_json_report(
    key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _report(**{key: HUGE_FACTS[key]})
    src = _write_raw(tmp_path, "r.json", _raw_json(report))
    for argv in (["--json"], ["--lang", "en"], ["--lang", "zh"]):
        code, out, err = run_cli(["diagnose", "--from", str(src), "--fail-on", "never", *argv], capsys)
        assert code == 0 and "Traceback" not in err, err
        if "--json" in argv:
            assert_valid_json_report(out)
    for argv in (["propose", "torch", "--from", str(src)], ["why", "torch", "--from", str(src)]):
        code, _, err = run_cli(argv, capsys)
        assert code in (0, 1, 2) and "Traceback" not in err, err
    folder = tmp_path / "fleet"
    folder.mkdir()
    (folder / "a.json").write_text(_raw_json(report), encoding="utf-8")
    (folder / "b.json").write_text((MACHINES / "rtx5090-workstation.json").read_text(), encoding="utf-8")
    for argv in ([], ["--json"], ["--propose", "torch"]):
        code, _, err = run_cli(["fleet", str(folder), *argv], capsys)
        assert code in (0, 1) and "Traceback" not in err, err


ENV_FILES = {
    "huge pin": f"dependencies:\n  - numpy={HUGE}\n  - python=3.12\n",
    "huge int entry": f"dependencies:\n  - {HUGE}\n",
    "huge name": f"name: {HUGE}\ndependencies:\n  - python=3.12\n",
    "huge variable": f"dependencies:\n  - python=3.12\nvariables:\n  X: {HUGE}\n",
    "huge pip pin": f"dependencies:\n  - python=3.12\n  - pip\n  - pip:\n      - torch=={HUGE}\n",
    "superscript pins": "dependencies:\n  - python=3.¹²\n  - pytorch-cuda=¹².¹\n  - cuda-version=²\n",
    "huge python": f"dependencies:\n  - python=3.{HUGE}\n",
}


@pytest.mark.parametrize("case", sorted(ENV_FILES))
def test_huge_and_superscript_numbers_in_an_environment_file(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = _write_raw(tmp_path, "environment.yml", ENV_FILES[case])
    for argv in (
        ["check", str(env_file), "--no-gpu", "--fail-on", "never"],
        ["check", str(env_file), "--no-gpu", "--json", "--fail-on", "never"],
        ["why", "torch", "--file", str(env_file)],
    ):
        code, _, err = run_cli(argv, capsys)
        assert "Traceback" not in err, (case, err)
        assert code in (0, 1) or (code == 2 and len(err.strip().splitlines()) == 1), (case, code, err)


def test_huge_and_superscript_numbers_in_pasted_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pasted = _write_raw(
        tmp_path,
        "issue.txt",
        f"index, name, driver_version, memory.total [MiB], compute_cap\n"
        f"²,  NVIDIA H100 80GB HBM3, 550.54.15, {HUGE}, 9.0\n"
        f"{HUGE}, NVIDIA A100, 550.54.15, ³³³, 8.0\n"
        f"UserWarning: The NVIDIA driver on your system is too old (found version {HUGE}).\n"
        f"NVIDIA GeForce RTX 5090 with CUDA capability sm_{HUGE} is not compatible with the current "
        "PyTorch installation.\n"
        f"node{HUGE}: torch=={HUGE}\nPyTorch version: 2.{HUGE}\nCUDA used to build PyTorch: 1²\n",
    )
    for argv in (["--json"], ["--lang", "en"]):
        code, _, err = run_cli(["diagnose", "--from", str(pasted), "--fail-on", "never", *argv], capsys)
        assert code == 0 and "Traceback" not in err, err


def test_lone_surrogates_in_a_json_report_come_back_readable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON allows "\\ud800"; the model does not keep it, and what diagnose writes reads back."""
    report = _report(os__distro="Ubuntu\ud800", gpu__devices__0__name="NVIDIA\udcff H200")
    src = _write_raw(tmp_path, "r.json", json.dumps(report))  # ensure_ascii: the escapes are in the file
    code, out, err = run_cli(["diagnose", "--from", str(src), "--json", "--fail-on", "never"], capsys)
    assert code == 0, err
    data = assert_valid_json_report(out)
    assert data["facts"]["os"]["distro"] == "Ubuntu\ufffd"
    again = _write_raw(tmp_path, "again.json", out)
    code, out2, err = run_cli(["diagnose", "--from", str(again), "--json", "--fail-on", "never"], capsys)
    assert code == 0, err
    assert json.loads(out2)["facts"]["gpu"]["devices"][0]["name"] == "NVIDIA\ufffd H200"
    for argv in (["--lang", "en"], ["--lang", "zh"]):
        code, _, err = run_cli(["diagnose", "--from", str(src), "--fail-on", "never", *argv], capsys)
        assert code == 0 and "Traceback" not in err, err


def test_non_utf8_names_and_values_on_this_machine_give_json_that_reads_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A conda-meta record with a lone surrogate, a site folder and a dist-info named with a byte that is
    not UTF-8, CUDA_VISIBLE_DEVICES holding such a byte: diagnose --json still writes valid UTF-8 JSON
    that envadvisor reads back, and says which facts it had to clean."""
    prefix = tmp_path / "env"
    make_conda_record(prefix, "python", "3.12.8", "h9e4cc4f_1_cpython")
    make_conda_record(prefix, "evil", "1.0", "h0_0", channel="https://conda.example.org/\ud800/linux-64")
    (prefix / "conda-meta" / "raw-1.0-0.json").write_bytes(
        b'{"name": "raw\\udcff", "version": "1.0\\ud800", "build": "0", "channel": "x", "files": []}'
    )
    site = os.fsencode(str(prefix / "lib" / "python3.12" / "site-packages")) + b"-caf\xe9"
    os.makedirs(site)
    dist = site + b"/caf\xe9_pkg-1.0.dist-info"
    os.makedirs(dist)
    with open(dist + b"/METADATA", "wb") as handle:
        handle.write(b"Metadata-Version: 2.1\nName: caf\xe9-pkg\nVersion: 1.0\xff\n\n")
    inject_machine(
        monkeypatch,
        environ={"PATH": "/usr/bin:/bin", "CONDA_PREFIX": str(prefix), "CUDA_VISIBLE_DEVICES": "0,\udcff1"},
        root=tmp_path,
        sys_path=[os.fsdecode(site)],
        prefix=prefix,
    )
    facts, _ = probes.collect()  # the patched collect: this fake machine
    assert all(isinstance(v, str) and v.isprintable() for v in facts.sources.values())
    code, out, err = run_cli(["diagnose", "--json", "--fail-on", "never"], capsys)
    assert code == 0, err
    out.encode("utf-8")  # strict: no surrogate left
    data = assert_valid_json_report(out)
    assert "\ufffd" in json.dumps(data, ensure_ascii=False)
    assert any("U+FFFD" in v for v in data["facts"]["sources"].values())
    again = _write_raw(tmp_path, "again.json", out)
    code, _, err = run_cli(["diagnose", "--from", str(again), "--json", "--fail-on", "never"], capsys)
    assert code == 0, err
    for argv in (["--lang", "en"], ["--lang", "zh"]):
        code, _, err = run_cli(["diagnose", "--fail-on", "never", *argv], capsys)
        assert code == 0 and "Traceback" not in err, err
