"""Nothing lost, nobody exposed: the writers end to end, the source rules (safe YAML, no eval, no shell),
no network, and --redact over every output format.

Unit tests of the writer are in tests/test_fsutil.py and of redaction in tests/test_redact.py; these
run the commands a user runs.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.reliability_support import (
    REPO,
    assert_one_line_error,
    assert_valid_json_report,
    inject_machine,
    run_cli,
    run_envadvisor,
    subprocess_env,
)
from tests.test_probes_nvidia import FakeNvmlQueriesFail

SRC = REPO / "src" / "envadvisor"
FLEET_REPORT = REPO / "tests" / "fleet" / "handwritten-minimal.json"


# --------------------------------------------------------------------------------------------------
# Writers: propose -o and fleet --propose -o
# --------------------------------------------------------------------------------------------------

WRITERS = {
    "propose": ["propose", "torch", "--no-gpu"],
    "fleet": ["fleet", str(FLEET_REPORT), "--propose", "numpy"],
}


def _write(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code, _, err = run_cli(argv, capsys)
    return code, err


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_writes_a_whole_file_and_no_temporary_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], writer: str
) -> None:
    target = tmp_path / "environment.yml"
    code, err = _write([*WRITERS[writer], "-o", str(target)], capsys)
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# ") and "dependencies:" in text and text.endswith("\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["environment.yml"]  # no .tmp left behind
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_never_replaces_without_force_and_keeps_permissions_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], writer: str
) -> None:
    target = tmp_path / "environment.yml"
    target.write_text("mine\n", encoding="utf-8")
    target.chmod(0o640)
    code, err = _write([*WRITERS[writer], "-o", str(target)], capsys)
    assert_one_line_error(code, err, "already exists", "--force")
    assert target.read_text(encoding="utf-8") == "mine\n"
    code, err = _write([*WRITERS[writer], "-o", str(target), "--force"], capsys)
    assert code == 0, err
    assert "dependencies:" in target.read_text(encoding="utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["environment.yml"]


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_never_follows_a_symlink_out_of_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], writer: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "precious.txt"
    victim.write_text("do not touch\n", encoding="utf-8")
    folder = tmp_path / "project"
    folder.mkdir()
    link = folder / "environment.yml"
    link.symlink_to(victim)
    code, err = _write([*WRITERS[writer], "-o", str(link), "--force"], capsys)
    assert_one_line_error(code, err, "symbolic link out of")
    assert victim.read_text(encoding="utf-8") == "do not touch\n" and link.is_symlink()
    # a link to a file in the same folder is followed: the link stays, the file it names is written
    real = folder / "real.yml"
    real.write_text("old\n", encoding="utf-8")
    inside = folder / "env.yml"
    inside.symlink_to("real.yml")
    code, err = _write([*WRITERS[writer], "-o", str(inside), "--force"], capsys)
    assert code == 0, err
    assert inside.is_symlink() and "dependencies:" in real.read_text(encoding="utf-8")


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_never_replaces_a_device_or_fifo_even_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], writer: str
) -> None:
    # As root, `-o /dev/null --force` used to rename a regular file over /dev/null. A FIFO in the
    # test folder stands in for the device, so a regression cannot harm the machine.
    fifo = tmp_path / "pipe.yml"
    os.mkfifo(fifo)
    code, err = _write([*WRITERS[writer], "-o", str(fifo), "--force"], capsys)
    assert_one_line_error(code, err, "not a regular file")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    folder = tmp_path / "a-folder.yml"
    folder.mkdir()
    code, err = _write([*WRITERS[writer], "-o", str(folder), "--force"], capsys)
    assert_one_line_error(code, err, "is a folder")


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_failed_write_keeps_the_original_and_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    target = tmp_path / "environment.yml"
    target.write_text("mine\n", encoding="utf-8")

    def disk_full(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    code, err = _write([*WRITERS[writer], "-o", str(target), "--force"], capsys)
    assert_one_line_error(code, err, "No space left on device")
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["environment.yml"]


@pytest.mark.parametrize(
    "where", ["missing-folder/environment.yml", "a" * 300 + ".yml", "read-only/environment.yml"]
)
def test_unwritable_places_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    if where.startswith("read-only"):
        if os.geteuid() == 0:
            pytest.skip("root writes into read-only folders")
        (tmp_path / "read-only").mkdir(mode=0o555)
    code, err = _write([*WRITERS["propose"], "-o", str(tmp_path / where)], capsys)
    assert_one_line_error(code, err)


# --------------------------------------------------------------------------------------------------
# The source: safe YAML only, no eval/exec, no shell, fixed argv, no network library
# --------------------------------------------------------------------------------------------------


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(encoding="utf-8"), str(p))) for p in sorted(SRC.rglob("*.py"))]


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    return "?"


PROCESS_SPAWNERS = frozenset(
    [
        "os.system",
        "os.popen",
        "os.execv",
        "os.execvp",
        "os.execl",
        "os.execlp",
        "os.spawnv",
        "os.spawnl",
        "os.posix_spawn",
        "pty.spawn",
    ]
)
YAML_PARSING = frozenset(
    [
        "load",
        "load_all",
        "full_load",
        "full_load_all",
        "unsafe_load",
        "unsafe_load_all",
        "compose",
        "compose_all",
        "scan",
        "parse",
    ]
)
CODE_RUNNERS = frozenset(
    ["eval", "exec", "compile", "__import__", "pickle.load", "pickle.loads", "marshal.loads", "shelve.open"]
)


def test_yaml_is_parsed_with_a_safe_loader_only() -> None:
    seen = []
    for path, tree in _modules():
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for call in _calls(tree):
            name = _dotted(call.func)
            if not name.startswith("yaml.") or name.split(".", 1)[1] not in YAML_PARSING:
                continue
            seen.append(f"{path.name}:{call.lineno}")
            assert name.split(".", 1)[1] not in {
                "full_load",
                "full_load_all",
                "unsafe_load",
                "unsafe_load_all",
            }
            loader = next((k.value for k in call.keywords if k.arg == "Loader"), None)
            assert loader is not None, f"{path}:{call.lineno}: {name} without an explicit Loader"
            # the loader is a name bound in the same function to the C or Python *safe* loader
            owner = next(f for f in functions if f.lineno <= call.lineno <= (f.end_lineno or 0))
            source = ast.unparse(owner)
            assert "SafeLoader" in source, f"{path}:{call.lineno}: loader is not a safe loader"
            for unsafe in ("FullLoader", "UnsafeLoader", "yaml.Loader", "CLoader,", "yaml.CLoader"):
                assert unsafe not in source, f"{path}:{call.lineno}: {unsafe}"
    assert seen, "no YAML parsing found: the scan is looking in the wrong place"


def test_no_eval_exec_or_code_loading() -> None:
    for path, tree in _modules():
        for call in _calls(tree):
            name = _dotted(call.func)
            assert name not in CODE_RUNNERS, f"{path}:{call.lineno}: {name}"
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + (
                    [node.module] if isinstance(node, ast.ImportFrom) else []
                )
                for banned in ("pickle", "marshal", "shelve", "dill"):
                    assert banned not in names, f"{path}:{node.lineno}: imports {banned}"


def test_outside_programs_run_with_a_fixed_argv_list_and_no_shell() -> None:
    runners = []
    for path, tree in _modules():
        for call in _calls(tree):
            name = _dotted(call.func)
            assert name not in PROCESS_SPAWNERS, f"{path}:{call.lineno}: {name}"
            if not name.startswith("subprocess."):
                continue
            runners.append(f"{path.name}:{call.lineno}")
            for keyword in call.keywords:
                if keyword.arg == "shell":
                    assert isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            argv = (
                call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "args"), None)
            )
            assert argv is not None
            assert not isinstance(argv, (ast.Constant, ast.JoinedStr, ast.BinOp)), (
                f"{path}:{call.lineno}: argv is a string (a shell would split it)"
            )
    assert any("_commands.py" in r for r in runners)  # the one place that runs nvcc/nvidia-smi


def test_no_network_library_is_used() -> None:
    for path, tree in _modules():
        for call in _calls(tree):
            name = _dotted(call.func)
            assert not name.endswith(("urlopen", "create_connection", "socket.socket", "getaddrinfo")), (
                f"{path}:{call.lineno}: {name}"
            )
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in {"requests", "httpx", "aiohttp", "http"}, path
                if node.module == "urllib.request":
                    assert {a.name for a in node.names} <= {"url2pathname", "pathname2url"}, path


# --------------------------------------------------------------------------------------------------
# No network: every command runs with connections blocked and never tries one
# --------------------------------------------------------------------------------------------------

SOCKET_GUARD = """
import os, socket

_LOG = os.environ["ENVADVISOR_TEST_NET_LOG"]


def _refuse(what):
    def refuse(*args, **kwargs):
        with open(_LOG, "a", encoding="utf-8") as handle:
            handle.write(f"{what} {args[1:2] or args[:1]}\\n")
        raise OSError(101, "network blocked by the test")
    return refuse


socket.socket.connect = _refuse("connect")
socket.socket.connect_ex = _refuse("connect_ex")
socket.socket.sendto = _refuse("sendto")
socket.create_connection = _refuse("create_connection")
socket.getaddrinfo = _refuse("getaddrinfo")
socket.gethostbyname = _refuse("gethostbyname")
"""


HAVE_RATTLER = importlib.util.find_spec("rattler") is not None


def _strace_works() -> bool:
    """strace is there and may trace (a container without ptrace rights refuses it)."""
    if shutil.which("strace") is None:
        return False
    probe = subprocess.run(["strace", "-qq", "-e", "trace=connect", "-o", os.devnull, "true"], check=False)
    return probe.returncode == 0


def _no_network_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    guard = tmp_path / "guard"
    guard.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(SOCKET_GUARD, encoding="utf-8")
    log = tmp_path / "network.log"
    env = subprocess_env(
        {"PYTHONPATH": f"{guard}{os.pathsep}{REPO / 'src'}", "ENVADVISOR_TEST_NET_LOG": str(log)}
    )
    return env, log


def _commands(tmp_path: Path) -> list[list[str]]:
    env_file = tmp_path / "environment.yml"
    env_file.write_text("name: t\nchannels: [conda-forge]\ndependencies: [python=3.12, pytorch]\n")
    report = tmp_path / "report.json"
    return [
        ["diagnose", "--json", "--fail-on", "never"],
        ["diagnose", "--lang", "zh", "--fail-on", "never"],
        ["propose", "torch", "transformers"],
        ["propose", "torch", "--gpu", "RTX 4090", "--driver", "550.54.15", "-o", str(tmp_path / "env.yml")],
        ["check", str(env_file), "--fail-on", "never"],
        ["explain", "cuda"],
        ["explain", "EA001", "--lang", "zh"],
        ["map", "--format", "mermaid"],
        ["why", "torch"],
        ["rules"],
        ["fleet", str(FLEET_REPORT), str(REPO / "tests" / "fleet" / "recorded")],
        ["fleet", str(FLEET_REPORT), "--propose", "torch", "--json"],
        ["diagnose", "--from", str(report), "--json"],
    ] + (
        [["propose", "numpy", "--no-gpu", "--verify", str(REPO / "tests" / "channel")]]
        if HAVE_RATTLER
        else []
    )


def test_every_command_works_with_the_network_blocked_and_never_tries_it(tmp_path: Path) -> None:
    env, log = _no_network_env(tmp_path)
    probe = run_envadvisor(["diagnose", "--json", "--fail-on", "never"], env)
    (tmp_path / "report.json").write_text(probe.stdout, encoding="utf-8")
    # the guard really blocks: a connection from the same interpreter set-up is refused and logged
    check = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 80))"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode != 0 and "network blocked by the test" in check.stderr
    log.unlink()
    use_strace = _strace_works()
    for argv in _commands(tmp_path):
        trace = tmp_path / "strace.txt"
        prefix = ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(trace)] if use_strace else []
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "envadvisor", *argv],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            check=False,
        )
        assert proc.returncode in (0, 1), (argv, proc.stderr[-2000:])
        assert proc.stdout.strip() or (tmp_path / "env.yml").exists(), argv
        assert not log.exists(), (argv, log.read_text(encoding="utf-8") if log.exists() else "")
        if use_strace:  # below Python too (py-rattler's Rust code does not use Python's socket)
            inet = [ln for ln in trace.read_text().splitlines() if "AF_INET" in ln]
            assert inet == [], (argv, inet)
        if "--json" in argv and argv[0] == "diagnose":
            assert_valid_json_report(proc.stdout)


@pytest.mark.skipif(not HAVE_RATTLER, reason="--verify needs py-rattler (the 'solve' extra)")
def test_only_a_remote_verify_reaches_for_the_network_and_fails_in_one_line(tmp_path: Path) -> None:
    """`propose --verify URL` is the one command that may connect. Offline it says so in one line and
    still prints the proposal, marked not verified (exit 3); it used to crash at exit (abort or
    segfault) in 2 runs of 6 when the request failed."""
    env, _ = _no_network_env(tmp_path)
    for _ in range(4):
        proc = run_envadvisor(
            ["propose", "numpy", "--no-gpu", "--verify", "https://conda.invalid/conda-forge"], env
        )
        assert proc.returncode == 3, proc.stderr[-2000:]
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith(
            "envadvisor: not verified: https://conda.invalid/conda-forge cannot be read"
        )
        assert "# not verified: https://conda.invalid" in proc.stdout and "dependencies:" in proc.stdout


# --------------------------------------------------------------------------------------------------
# --redact: planted identifiers never come out, in any format
# --------------------------------------------------------------------------------------------------

HOST = "gpu-node-17.lab.example.org"
USER = "alicetest"
HOME = f"/home/{USER}"
UUID = "GPU-9c73eb7b-8d6d-6c0e-dc13-97873e2ede40"
SERIAL = "1564720004631"
HF_TOKEN = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
PLANTED = [HOST, "gpu-node-17", "lab.example.org", USER, HOME, UUID, SERIAL, HF_TOKEN, AWS_KEY, "s3cr3t-p4ss"]


class PlantedNvml(FakeNvmlQueriesFail):
    """An H100 node whose every GPU answers, with a UUID and a serial number to leak."""

    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any:
        return object()

    def nvmlDeviceGetSerial(self, handle: Any) -> str:
        return SERIAL


def _plant_this_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", HOME)
    monkeypatch.setenv("USER", USER)
    monkeypatch.setenv("LOGNAME", USER)
    real = os.uname()
    monkeypatch.setattr(os, "uname", lambda: os.uname_result((real[0], HOST, real[2], real[3], real[4])))
    monkeypatch.setattr(socket, "gethostname", lambda: HOST)
    inject_machine(
        monkeypatch,
        environ={
            "PATH": f"{HOME}/bin:/usr/bin:/bin",
            "CUDA_HOME": f"{HOME}/cuda-12.4",
            "LD_LIBRARY_PATH": f"{HOME}/cuda-12.4/lib64",
            "CONDA_PREFIX": f"{HOME}/miniconda3/envs/dl",
            "CONDA_DEFAULT_ENV": "dl",
            "HF_TOKEN": HF_TOKEN,
        },
        root=tmp_path,
        nvml=PlantedNvml(),
        prefix=Path(f"{HOME}/miniconda3/envs/dl"),
    )


def _planted_report(tmp_path: Path) -> Path:
    """A saved diagnose report whose text fields carry identifiers and secrets, as pasted ones do."""
    from envadvisor.model import Facts, GpuDevice, GpuFacts, OsFacts, PythonFacts, to_data

    facts = Facts(
        os=OsFacts(system="linux", arch="x86_64", hostname=HOST),
        python=PythonFacts(version="3.11.7", executable=f"{HOME}/miniconda3/envs/dl/bin/python"),
        gpu=GpuFacts(
            nvml_state="ok",
            driver_version="550.54.15",
            driver_cuda="12.4",
            count=1,
            devices=(
                GpuDevice(
                    index=0, name="NVIDIA H100 80GB HBM3", compute_capability="9.0", uuid=UUID, serial=SERIAL
                ),
            ),
        ),
        reasons={
            "cuda_toolkit.version": f"nvcc failed in {HOME}/cuda: HF_TOKEN={HF_TOKEN} AWS {AWS_KEY}",
            "cudnn.version": f"DB_PASSWORD=s3cr3t-p4ss on {HOST} ({UUID})",
        },
    )
    path = tmp_path / "planted.json"
    path.write_text(json.dumps({"schema_version": 1, "tool_version": "0.1.0", "facts": to_data(facts)}))
    return path


def _assert_clean(output: str, where: str) -> None:
    for secret in PLANTED:
        assert secret not in output, f"{where}: {secret!r} leaked"


def test_redact_removes_every_planted_identifier_from_every_diagnose_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _plant_this_machine(monkeypatch, tmp_path)
    # without --redact the identifiers are there: the scan below looks at real data
    code, out, _ = run_cli(["diagnose", "--json", "--fail-on", "never"], capsys)
    assert HOST in out and UUID in out and SERIAL in out and HOME in out
    for argv in (["--json"], ["--lang", "en"], ["--lang", "zh"]):
        code, out, err = run_cli(["diagnose", "--redact", "--fail-on", "never", *argv], capsys)
        assert code == 0 and err == ""
        _assert_clean(out, f"live {argv}")
        if "--json" in argv:
            data = assert_valid_json_report(out)
            assert data["facts"]["gpu"]["devices"][0]["name"] == "NVIDIA H100 80GB HBM3"  # kept
            (tmp_path / "node-a.json").write_text(out, encoding="utf-8")
    planted = _planted_report(tmp_path)
    for argv in (["--json"], ["--lang", "en"], ["--lang", "zh"]):
        code, out, err = run_cli(
            ["diagnose", "--from", str(planted), "--redact", "--fail-on", "never", *argv], capsys
        )
        assert code == 0 and err == ""
        _assert_clean(out, f"report {argv}")
        if "--json" in argv:
            assert_valid_json_report(out)
            (tmp_path / "node-b.json").write_text(out, encoding="utf-8")
    # the fleet summary of redacted reports stays redacted, in every format
    reports = [str(tmp_path / "node-a.json"), str(tmp_path / "node-b.json")]
    for argv in (["--json"], ["--lang", "en"], ["--lang", "zh"], ["--propose", "torch"]):
        code, out, err = run_cli(["fleet", *reports, *argv], capsys)
        assert code == 0 and err == "", err
        _assert_clean(out, f"fleet {argv}")


def test_proposal_headers_never_carry_identifiers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _plant_this_machine(monkeypatch, tmp_path)
    planted = _planted_report(tmp_path)
    for argv in (
        ["propose", "torch"],
        ["propose", "torch", "--json"],
        ["propose", "torch", "--from", str(planted)],
        ["why", "torch", "--from", str(planted)],
    ):
        code, out, err = run_cli(argv, capsys)
        assert code == 0, err
        _assert_clean(out, " ".join(argv))


def test_live_redacted_report_has_no_host_name_in_a_child_process(tmp_path: Path) -> None:
    env = subprocess_env({"HOME": str(tmp_path / "home" / USER), "USER": USER, "LOGNAME": USER})
    proc = run_envadvisor(["diagnose", "--json", "--redact", "--fail-on", "never"], env)
    assert proc.returncode == 0, proc.stderr
    hostname = socket.gethostname()
    data = assert_valid_json_report(proc.stdout)
    assert data["facts"]["os"]["hostname"] in (None, "[redacted]")
    if len(hostname) >= 3 and hostname != "localhost":
        assert hostname not in proc.stdout
    assert str(tmp_path) not in proc.stdout and USER not in proc.stdout


PASTED = f"""Collecting environment information...
PyTorch version: 2.5.1+cu124
CUDA used to build PyTorch: 12.4
OS: Ubuntu 22.04.4 LTS (x86_64)
Python version: 3.11.7 (main) [GCC 11.4.0] (64-bit runtime)
Is CUDA available: False
Nvidia driver version: 470.82.01
GPU models and configuration: GPU 0: NVIDIA A100-SXM4-40GB ({UUID})
HF_TOKEN={HF_TOKEN}
UserWarning: CUDA initialization: The NVIDIA driver on your system is too old (found version 11040). \
(Triggered internally at {HOME}/pytorch/c10/cuda/CUDAFunctions.cpp:108.)
  File "{HOME}/miniconda3/envs/dl/lib/python3.11/site-packages/torch/cuda/__init__.py", line 129
"""


def test_redact_removes_identifiers_from_quoted_report_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Findings quote the pasted lines behind them; --redact reaches the quotes too."""
    pasted = tmp_path / "issue.txt"
    pasted.write_text(PASTED, encoding="utf-8")
    code, out, _ = run_cli(["diagnose", "--from", str(pasted), "--json", "--fail-on", "never"], capsys)
    assert HOME in out  # the quote is there without --redact: the scan below looks at real data
    for argv in (["--json"], ["--lang", "en"], ["--lang", "zh"]):
        code, out, err = run_cli(
            ["diagnose", "--from", str(pasted), "--redact", "--fail-on", "never", *argv], capsys
        )
        assert code == 0 and err == ""
        _assert_clean(out, f"pasted {argv}")
        if "--json" in argv:
            data = assert_valid_json_report(out)
            assert any(f["quotes"] for f in data["findings"])  # quotes kept, only identifiers removed
