"""The conda probe: conda-meta records read directly, broken records, channels, active environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envadvisor.probes import conda
from envadvisor.probes.conda import WHOLE_RECORD_LIMIT, channel_name, read_conda_meta
from tests.probe_support import context, make_conda_record


def test_records_channels_and_this_interpreter_in_the_env(tmp_path: Path) -> None:
    prefix = tmp_path / "miniforge3"
    make_conda_record(prefix, "python", "3.11.7", "hab00c5b_0_cpython")
    make_conda_record(
        prefix, "numpy", "2.1.3", "py311h", channel="https://conda.anaconda.org/conda-forge/linux-64"
    )
    make_conda_record(
        prefix, "cuda-version", "12.6", "h7480c83_3", channel="https://conda.anaconda.org/nvidia/noarch"
    )
    env = {"CONDA_PREFIX": str(prefix), "CONDA_DEFAULT_ENV": "base", "CONDA_EXE": str(prefix / "bin/conda")}
    ctx = context(prefix=prefix, environ=env)
    out = conda.probe(ctx)
    facts = out.sections["conda"]
    assert (facts.in_conda_env, facts.active_env, facts.prefix, facts.package_count) == (
        True,
        "base",
        str(prefix),
        3,
    )
    assert facts.channels == ("conda-forge", "nvidia")
    assert {r.name for r in ctx.conda_records} == {"python", "numpy", "cuda-version"}
    assert ctx.conda_prefix_read == str(prefix)
    assert out.status == "ok"


def test_active_env_of_another_prefix_is_read_but_not_claimed(tmp_path: Path) -> None:
    other = tmp_path / "envs/other"
    make_conda_record(other, "cudnn", "9.3.0.75", "h93bb076_0")
    venv = tmp_path / "venv"
    venv.mkdir()
    ctx = context(prefix=venv, environ={"CONDA_PREFIX": str(other), "CONDA_DEFAULT_ENV": "other"})
    facts = conda.probe(ctx).sections["conda"]
    assert facts.in_conda_env is False and facts.prefix == str(other)
    assert ctx.conda_prefix_read is None  # its packages are not this interpreter's
    assert [r.name for r in ctx.conda_records] == ["cudnn"]


def test_broken_records_are_reported_and_the_rest_read(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    make_conda_record(prefix, "python", "3.12.8", "h9e4cc4f_1_cpython")
    meta = prefix / "conda-meta"
    (meta / "truncated-1.0-0.json").write_text('{"name": "truncated", "version": "1.0", "fil')
    (meta / "list-1.0-0.json").write_text("[1, 2, 3]")
    (meta / "noname-1.0-0.json").write_text('{"version": "1.0"}')
    (meta / "binary-1.0-0.json").write_bytes(b"\xff\xfe\x00\x01")
    (meta / "history").write_text("==> 2026-11-28 10:00:00 <==\n")  # not a record
    out = conda.probe(context(prefix=prefix))
    assert out.status == "partial"
    assert out.detail is not None and out.detail.startswith("4 unreadable conda-meta record(s)")
    for name in ("truncated", "list", "noname", "binary"):
        assert name in out.detail
    assert out.sections["conda"].package_count == 5


def test_a_large_record_is_read_from_its_head_and_checked_at_its_tail(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    files = [f"lib/python3.11/site-packages/torch/file_{i}.py" for i in range(5000)]
    path = make_conda_record(prefix, "pytorch", "2.5.1", "cuda126_py311", files=files)
    assert path.stat().st_size > WHOLE_RECORD_LIMIT
    (records, broken) = read_conda_meta(str(prefix / "conda-meta"))
    assert broken == []
    assert (records[0].name, records[0].version, records[0].channel) == ("pytorch", "2.5.1", "conda-forge")
    # the same record cut short is caught by the tail check
    path.write_text(path.read_text()[: WHOLE_RECORD_LIMIT + 100])
    records, broken = read_conda_meta(str(prefix / "conda-meta"))
    assert records == [] and broken == [f"{path.name} (truncated JSON)"]


@pytest.mark.parametrize(
    ("channel", "url", "expected"),
    [
        ("https://conda.anaconda.org/conda-forge/linux-64", None, "conda-forge"),
        ("https://repo.anaconda.com/pkgs/main/linux-64", None, "pkgs/main"),
        ("https://conda.anaconda.org/pytorch", None, "pytorch"),
        ("conda-forge", None, "conda-forge"),
        ("https://conda.anaconda.org/t/tk-123/private/noarch", None, "private"),
        (None, "https://conda.anaconda.org/nvidia/linux-64/cudnn-9.3.0.75-0.conda", "nvidia"),
        (None, None, None),
    ],
)
def test_channel_names(channel: str | None, url: str | None, expected: str | None) -> None:
    assert channel_name(channel, url) == expected


def test_no_conda_at_all(tmp_path: Path) -> None:
    out = conda.probe(context(prefix=tmp_path, environ={}))
    assert out.status == "absent"
    facts = out.sections["conda"]
    assert facts.in_conda_env is False and facts.prefix is None and facts.package_count is None
    assert "not in a conda environment" in out.reasons["conda.prefix"]


def test_record_fields_keep_their_json_escapes(tmp_path: Path) -> None:
    meta = tmp_path / "env/conda-meta"
    meta.mkdir(parents=True)
    files = json.dumps(["x" * 100] * 1000)
    # JSON may escape "/" as "\/": a large record's head is decoded as JSON, not taken raw
    channel = "https:\\/\\/conda.anaconda.org\\/conda-forge\\/linux-64"
    text = '{"build": "0", "channel": "' + channel + '", "files": ' + files + "}"
    (meta / "odd-1.0-0.json").write_text(text)
    records, broken = read_conda_meta(str(meta))
    assert broken == []
    assert (records[0].name, records[0].version, records[0].channel) == ("odd", "1.0", "conda-forge")
