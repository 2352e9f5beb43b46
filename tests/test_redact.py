"""--redact removes what identifies a person or a machine, in every field of the report."""

from __future__ import annotations

import json

from envadvisor.model import Facts, GpuDevice, GpuFacts, Origin, OsFacts, PythonFacts, Report, to_data
from envadvisor.redact import REDACTED, redact_data, redact_text

UUID = "GPU-8a2b3c4d-1234-5678-9abc-def012345678"


def _report() -> Report:
    facts = Facts(
        os=OsFacts(system="linux", hostname="gpu-node-17.lab.example.org"),
        python=PythonFacts(version="3.12.3", executable="/home/alice/miniconda3/envs/dl/bin/python"),
        gpu=GpuFacts(
            devices=(GpuDevice(index=0, name="NVIDIA A100-SXM4-40GB", uuid=UUID, serial="1564720004631"),)
        ),
        reasons={"cuda_toolkit.version": f"nvcc not found in /home/alice/.local/bin; {UUID}"},
    )
    return Report(
        tool_version="0.1.0", origin=Origin(kind="report", path="/Users/bob/report.txt"), facts=facts
    )


def test_every_identifying_value_is_gone() -> None:
    data = redact_data(to_data(_report()), names=["alice", "gpu-node-17"], homes=["/home/alice"])
    text = json.dumps(data)
    for secret in ("alice", "bob", "gpu-node-17", UUID, "1564720004631", "lab.example.org"):
        assert secret not in text, secret
    assert data["facts"]["os"]["hostname"] == REDACTED
    assert data["facts"]["gpu"]["devices"][0]["name"] == "NVIDIA A100-SXM4-40GB"  # not identifying
    assert data["facts"]["python"]["version"] == "3.12.3"


def test_secret_looking_values_are_removed() -> None:
    text = "HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz012345 WANDB_API_KEY: 0123456789abcdef ghp_" + "a" * 36
    out = redact_text(text)
    assert "hf_abcdef" not in out and "0123456789abcdef" not in out and "ghp_aaa" not in out
    assert "HF_TOKEN=[redacted]" in out and "WANDB_API_KEY: [redacted]" in out  # the separator is kept


def test_versions_and_paths_without_people_survive() -> None:
    text = "/usr/local/cuda-13.0/bin/nvcc 13.0.88 torch 2.9.0+cu130"
    assert redact_text(text, names=["carol"]) == text


def test_check_redacts_its_json_and_text(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import socket

    from envadvisor.cli import main

    monkeypatch.setattr(socket, "gethostname", lambda: "gpu-node-17")
    home = tmp_path / "home" / "alice" / "project"
    home.mkdir(parents=True)
    env_file = home / "environment.yml"
    env_file.write_text("name: x\nchannels: [conda-forge, nodefaults]\ndependencies:\n  - python=3.12\n")
    for extra in (["--json"], []):
        main(["check", str(env_file), "--redact", "--fail-on", "never", *extra])
        out = capsys.readouterr().out
        assert "alice" not in out and "gpu-node-17" not in out, out
        assert "[redacted]" in out
