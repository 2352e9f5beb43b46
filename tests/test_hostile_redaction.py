"""Issue 17, class 2: `--redact` leaves no identifier or secret, and never corrupts the report.

A corpus of planted identifiers and secrets of every kind the adversarial pass found leaking, sent
through every input route (this machine, pasted text, a JSON report, an environment file) and checked
in every output format (JSON, English and Chinese terminal text, `check` text and JSON, the error
line). Each route first shows the planted values WITHOUT --redact, so the scan looks at real data.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from envadvisor.model import Facts, GpuDevice, GpuFacts, OsFacts, PythonFacts, to_data
from envadvisor.redact import REDACTED, redact_data, redact_text
from tests.reliability_support import assert_one_line_error, assert_valid_json_report, inject_machine, run_cli
from tests.test_probes_nvidia import FakeNvmlQueriesFail

USER = "carolq"
HOST = "dgx-node-42"
UUID = "GPU-9c73eb7b-8d6d-6c0e-dc13-97873e2ede40"
SERIAL = "1324567890123"

# kind -> (text as it appears in a report, the parts that must not survive)
CORPUS: dict[str, tuple[str, tuple[str, ...]]] = {
    "windows home": (r"C:\Users\alicewin\miniconda3\python.exe", ("alicewin",)),
    "windows home in a repr": (r"'C:\\Users\\alicerepr\\miniconda3'", ("alicerepr",)),
    "windows home, pip's lowercase": (r"c:\users\alicelow\appdata\local\pip", ("alicelow",)),
    "home outside /home": (f"/mnt/{USER}/pytorch/c10/cuda/CUDAFunctions.cpp", (USER,)),
    "home under /home": ("/home/daveq/miniconda3/envs/dl/bin/python", ("daveq",)),
    "github fine-grained token": (
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzAB",
        ("github_pat_11AB",),
    ),
    "github classic token": ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", ("ghp_abcdef",)),
    "credentials in a URL": ("https://bobq:hunter2pass@pypi.corp.example/simple", ("hunter2pass", "bobq")),
    "token in a URL": (
        "https://ghp_x1y2z3w4v5u6t7s8r9q0@github.com/org/repo.git",
        ("ghp_x1y2", "ghp_x1y2z3w4"),
    ),
    "Authorization header": ("Authorization: Bearer abcDEF0123456789tokenvalue", ("abcDEF0123456789",)),
    "Authorization basic": ("authorization: Basic Ym9iOmh1bnRlcjI=", ("Ym9iOmh1bnRlcjI",)),
    "--token option": ("--token tok3nV4lue99", ("tok3nV4lue99",)),
    "--password= option": ("--password=pa55w0rdXYZ", ("pa55w0rdXYZ",)),
    "JWT": ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlMTIz", ("eyJhbGciOiJIUzI1NiJ9",)),
    "Google API key": ("AIzaSyD-0123456789abcdefghijklmnopqrstu", ("AIzaSyD-0123",)),
    "short hf token": ("hf_Ab12Cd34Ef", ("hf_Ab12Cd34Ef",)),
    "long hf token": ("hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", ("hf_AbCdEf",)),
    "PyPI token": (
        "pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1",
        ("pypi-AgEIcHlwaS5",),
    ),
    "AWS key id": ("AKIAIOSFODNN7EXAMPLE", ("AKIAIOSFODNN7EXAMPLE",)),
    "secret variable": ("DB_PASSWORD=s3cr3t-p4ss", ("s3cr3t-p4ss",)),
    "quoted secret variable": ('"WANDB_API_KEY": "0123456789abcdef0123"', ("0123456789abcdef0123",)),
    "shell prompt": (f"{USER}@{HOST}:~$ nvidia-smi", (USER, HOST)),
    "GPU serial": (f"Serial Number : {SERIAL}", (SERIAL,)),
    "GPU UUID": (f"(UUID: {UUID})", (UUID,)),
    "e-mail": ("carol.smith@example.org", ("carol.smith",)),
    "user name before _": (f"CONDA_DEFAULT_ENV={USER}_env", (USER,)),
    "USER= assignment": ("USER=erinq", ("erinq",)),
}
ALL_NEEDLES = tuple(n for _, needles in CORPUS.values() for n in needles)


@pytest.mark.parametrize("kind", sorted(CORPUS))
def test_each_kind_is_redacted_from_text(kind: str) -> None:
    """With no local name to help: what a pasted report shows is enough (the prompt names the user)."""
    text, needles = CORPUS[kind]
    context = f"{USER}@{HOST}:~$ cat log\nline: {text} (end)"
    out = redact_text(context, names=[], homes=[])
    for needle in needles:
        assert needle not in out, (kind, out)
    assert REDACTED in out and out.endswith("(end)")


# What redaction must leave alone: versions, paths without people, package names that look like tokens,
# pins, the report's own words.
SURVIVORS = (
    "/usr/local/cuda-13.0/bin/nvcc 13.0.88",
    "torch 2.9.0+cu130",
    "tokenizers==0.21.0",
    "max_tokens: 512",
    "hf_transfer 0.1.9 hf_xet 1.1.0",
    "NVIDIA H100 80GB HBM3, driver 550.54.15, cuDNN 9.1.0.70",
    "pip install torch --index-url https://download.pytorch.org/whl/cu126",
    "git+https://github.com/huggingface/transformers@v4.57.1",
    "Serial Number : N/A",
    "/root/miniconda3/bin/python",
)


@pytest.mark.parametrize("text", SURVIVORS)
def test_what_identifies_nobody_survives(text: str) -> None:
    assert redact_text(text, names=["zoeq"], homes=["/home/zoeq"]) == text


# --------------------------------------------------------------------------------------------------
# The report's own vocabulary: a user or host named like a word of the report
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["error", "warning", "info", "linux", "x86_64", "report", "driver", "none"])
def test_a_user_or_host_named_like_the_reports_vocabulary_corrupts_nothing(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """USER=error used to be a traceback (severities became "[redacted]"); now the report is the same
    as without --redact except the identifying places, and the name is still gone from those."""
    monkeypatch.setenv("USER", name)
    monkeypatch.setenv("LOGNAME", name)
    monkeypatch.setattr(socket, "gethostname", lambda: name)
    report = json.loads((Path(__file__).parent / "machines" / "wsl2-rtx4070.json").read_text())
    report["facts"]["os"]["hostname"] = name
    report["facts"]["python"]["executable"] = f"/home/{name}/miniconda3/envs/{name}/bin/python"
    src = tmp_path / "r.json"
    src.write_text(json.dumps(report), encoding="utf-8")
    code, plain, _ = run_cli(["diagnose", "--from", str(src), "--json", "--fail-on", "never"], capsys)
    assert code == 0
    code, out, err = run_cli(
        ["diagnose", "--from", str(src), "--json", "--redact", "--fail-on", "never"], capsys
    )
    assert code == 0 and err == "", err
    before, after = json.loads(plain), assert_valid_json_report(out)
    assert [(f["code"], f["severity"], f["category"], f["name"]) for f in after["findings"]] == [
        (f["code"], f["severity"], f["category"], f["name"]) for f in before["findings"]
    ]
    for key in ("system", "arch", "distro", "kernel"):
        assert after["facts"]["os"][key] == before["facts"]["os"][key]
    assert after["facts"]["os"]["hostname"] == REDACTED
    assert after["facts"]["python"]["executable"] == f"/home/{REDACTED}/miniconda3/envs/{REDACTED}/bin/python"
    assert [p["status"] for p in after["probes"]] == [p["status"] for p in before["probes"]]
    for lang in ("en", "zh"):
        code, _text, err = run_cli(
            ["diagnose", "--from", str(src), "--redact", "--fail-on", "never", "--lang", lang], capsys
        )
        assert code == 0 and "Traceback" not in err


def test_structural_fields_are_never_redacted() -> None:
    data = {
        "findings": [{"code": "EA001", "name": "error", "severity": "error", "category": "driver_too_old",
                      "message": "error on error-box: /home/error/x"}],
        "facts": {"os": {"system": "linux", "arch": "x86_64", "hostname": "error-box"}},
    }  # fmt: skip
    out = redact_data(data, names=["error", "error-box"], homes=[])
    finding = out["findings"][0]
    assert (finding["name"], finding["severity"], finding["category"]) == ("error", "error", "driver_too_old")
    assert finding["message"] == f"error on {REDACTED}: /home/{REDACTED}/x"
    assert out["facts"]["os"] == {"system": "linux", "arch": "x86_64", "hostname": REDACTED}


# --------------------------------------------------------------------------------------------------
# Routes x formats
# --------------------------------------------------------------------------------------------------

FORMATS = (["--json"], ["--lang", "en"], ["--lang", "zh"])


def _assert_gone(output: str, needles: tuple[str, ...], where: str) -> None:
    for needle in needles:
        assert needle not in output, f"{where}: {needle!r} leaked"


class _Nvml(FakeNvmlQueriesFail):
    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any:
        return object()

    def nvmlDeviceGetSerial(self, handle: Any) -> str:
        return SERIAL


PAT = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqr"


def test_live_machine_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """This machine: a home outside /home (/mnt/carolq), an env named after the user with "_" after
    the name, the host's name, a GPU UUID and serial; the terminal keeps the "[redacted]" marker."""
    home = f"/mnt/{USER}"
    monkeypatch.setenv("HOME", home)
    monkeypatch.setenv("USER", USER)
    monkeypatch.setenv("LOGNAME", USER)
    monkeypatch.setattr(socket, "gethostname", lambda: f"{HOST}.lab.example.org")
    real = os.uname()
    fqdn = f"{HOST}.lab.example.org"
    monkeypatch.setattr(os, "uname", lambda: os.uname_result((real[0], fqdn, real[2], real[3], real[4])))
    inject_machine(
        monkeypatch,
        environ={
            "PATH": f"{home}/bin:/usr/bin:/bin",
            # secrets where this machine shows a path: token-named folders
            "CUDA_HOME": f"/opt/{USER}_tools/hf_Ab12Cd34Ef/{PAT}/cuda-12.4",
            "LD_LIBRARY_PATH": f"/opt/{USER}_tools/cuda-12.4/lib64",
            "CONDA_PREFIX": f"{home}/miniconda3/envs/{USER}_env",
            "CONDA_DEFAULT_ENV": f"{USER}_env",
        },
        root=tmp_path,
        nvml=_Nvml(),
        prefix=Path(f"{home}/miniconda3/envs/{USER}_env"),
    )
    needles = (USER, HOST, "lab.example.org", UUID, SERIAL, "hf_Ab12Cd34Ef", "github_pat_11AB")
    code, out, _ = run_cli(["diagnose", "--json", "--fail-on", "never"], capsys)
    missing = [n for n in (USER, HOST, UUID, SERIAL, "hf_Ab12Cd34Ef", "github_pat_11AB") if n not in out]
    assert not missing, f"the planted values must be there to find: {missing}"
    for argv in FORMATS:
        code, out, err = run_cli(["diagnose", "--redact", "--fail-on", "never", *argv], capsys)
        assert code == 0 and err == ""
        _assert_gone(out, needles, f"live {argv}")
        if "--json" in argv:
            data = assert_valid_json_report(out)
            assert data["facts"]["conda"]["active_env"] == f"{REDACTED}_env"
        else:
            # the marker is text, not rich markup: "/opt/[redacted]_tools", never "/opt/_tools"
            assert f"{REDACTED}_tools" in out or "~/" in out, out


def _pasted(planted: str) -> str:
    """A collect_env paste whose quoted warning line (findings cite it) carries the planted text."""
    return f"""{USER}@{HOST}:~$ python -m torch.utils.collect_env
Collecting environment information...
PyTorch version: 2.5.1+cu124
CUDA used to build PyTorch: 12.4
OS: Ubuntu 22.04.4 LTS (x86_64)
Python version: 3.11.7 (main) [GCC 11.4.0] (64-bit runtime)
Is CUDA available: False
Nvidia driver version: 470.82.01
GPU models and configuration: GPU 0: NVIDIA A100-SXM4-40GB
UserWarning: CUDA initialization: The NVIDIA driver on your system is too old (found version 11040). \
(Triggered internally at {planted} :108)
"""


DROPPED_BY_THE_READER = {"GPU UUID"}  # the text importers strip "(UUID: GPU-...)" from every line


@pytest.mark.parametrize("kind", sorted(CORPUS))
def test_pasted_text_route(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, needles = CORPUS[kind]
    pasted = tmp_path / "issue.txt"
    pasted.write_text(_pasted(text), encoding="utf-8")
    code, out, _ = run_cli(["diagnose", "--from", str(pasted), "--json", "--fail-on", "never"], capsys)
    quoted = " ".join(q for f in json.loads(out)["findings"] for q in f["quotes"])
    if kind in DROPPED_BY_THE_READER:
        assert text not in quoted  # the report reader itself never keeps it
    else:
        assert text in quoted, kind  # the planted text reaches the output without --redact
    for argv in FORMATS:
        code, out, err = run_cli(
            ["diagnose", "--from", str(pasted), "--redact", "--fail-on", "never", *argv], capsys
        )
        assert code == 0 and err == ""
        _assert_gone(out, needles, f"pasted {kind} {argv}")
        if "--json" in argv and kind not in DROPPED_BY_THE_READER:
            data = assert_valid_json_report(out)
            assert any(REDACTED in q for f in data["findings"] for q in f["quotes"])  # the quote is kept


def test_json_report_route(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every kind in a saved report's text fields (paths, reasons) and identifying fields."""
    reasons = {f"packages.k{i}": f"planted {text} here" for i, (text, _) in enumerate(CORPUS.values())}
    facts = Facts(
        os=OsFacts(system="linux", arch="x86_64", hostname=f"{HOST}.lab.example.org"),
        python=PythonFacts(version="3.11.7", executable=f"/mnt/{USER}/miniconda3/envs/{USER}_env/bin/python"),
        gpu=GpuFacts(
            nvml_state="ok", driver_version="550.54.15", driver_cuda="12.4", count=1,
            devices=(GpuDevice(index=0, name="NVIDIA H100 80GB HBM3", compute_capability="9.0", uuid=UUID,
                               serial=SERIAL),),
        ),
        reasons=reasons,
    )  # fmt: skip
    src = tmp_path / "planted.json"
    src.write_text(json.dumps({"schema_version": 1, "tool_version": "0.1.0", "facts": to_data(facts)}))
    code, out, _ = run_cli(["diagnose", "--from", str(src), "--json", "--fail-on", "never"], capsys)
    assert all(n in out for n in ("hunter2pass", "alicewin", UUID, SERIAL, HOST))
    for argv in FORMATS:
        code, out, err = run_cli(
            ["diagnose", "--from", str(src), "--redact", "--fail-on", "never", *argv], capsys
        )
        assert code == 0 and err == ""
        _assert_gone(out, (*ALL_NEEDLES, HOST, "lab.example.org"), f"json report {argv}")
        if "--json" in argv:
            data = assert_valid_json_report(out)
            assert data["facts"]["gpu"]["devices"][0]["name"] == "NVIDIA H100 80GB HBM3"


ENV_FILE = """\
name: {user}_env
prefix: /home/{user}/miniconda3/envs/{user}_env
channels:
  - conda-forge
  - defaults
dependencies:
  - python=3.12
  - pip
  - pip:
      - --extra-index-url https://bobq:hunter2pass@pypi.corp.example/simple
      - --index-url https://__token__:pypi-AgEIcHlwaS5vcmcCJGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1@upload.pypi.org/simple
      - git+https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/{user}/private.git
      - torch==2.5.1
variables:
  HF_TOKEN: hf_Ab12Cd34Ef
"""


def test_environment_file_route(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "home" / USER / "project"
    folder.mkdir(parents=True)
    env_file = folder / "environment.yml"
    env_file.write_text(ENV_FILE.format(user=USER), encoding="utf-8")
    needles = (USER, "hunter2pass", "bobq", "pypi-AgEIcHlwaS5", "ghp_abcdef", "hf_Ab12Cd34Ef")
    seen = ""
    for argv in (["--json"], []):
        code, out, _ = run_cli(["check", str(env_file), "--fail-on", "never", "--no-gpu", *argv], capsys)
        seen += out
    assert USER in seen and "pypi-AgEIcHlwaS5" in seen  # planted values reach the output unredacted
    for argv in (["--json"], [], ["--lang", "zh"]):
        code, out, err = run_cli(
            ["check", str(env_file), "--redact", "--fail-on", "never", "--no-gpu", *argv], capsys
        )
        assert code == 0 and err == "", err
        _assert_gone(out, needles, f"check {argv}")
        if "--json" in argv:
            json.loads(out)


def test_error_lines_are_redacted_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad CONDA_OVERRIDE_CUDA (or a bad --from path) is echoed on stderr: under --redact, redacted."""
    monkeypatch.setenv("USER", USER)
    monkeypatch.setenv("CONDA_OVERRIDE_CUDA", f"/home/{USER}/hf_Ab12Cd34Ef")
    code, _, err = run_cli(["diagnose", "--redact", "--json"], capsys)
    line = assert_one_line_error(code, err, "CONDA_OVERRIDE_CUDA")
    _assert_gone(line, (USER, "hf_Ab12Cd34Ef"), "error line")
    monkeypatch.delenv("CONDA_OVERRIDE_CUDA")
    code, _, err = run_cli(["diagnose", "--redact", "--from", f"/home/{USER}/missing-report.txt"], capsys)
    _assert_gone(assert_one_line_error(code, err), (USER,), "error line")
    code, _, err = run_cli(["diagnose", "--from", f"/home/{USER}/missing-report.txt"], capsys)
    assert USER in err  # without --redact the path is there to read
