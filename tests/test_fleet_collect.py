"""Collect real reports with the cluster tools docs/fleet.md documents, then sum them up.

Each test runs the recipe as written in docs/fleet.md against three "nodes" that are this machine:
Ansible with ``ansible_connection=local`` and three inventory aliases, pdsh through its ``exec``
module. They are skipped when the tool is not installed (CI installs only the ``test`` extra;
``pip install ansible-core`` and ``apt-get install pdsh`` enable them).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from envadvisor.cli import main
from tests.schema_check import assert_valid_report

DOCS = Path(__file__).resolve().parent.parent / "docs" / "fleet.md"
NODES = ("node1", "node2", "node3")


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


ENVADVISOR = _tool("envadvisor")
ANSIBLE_PLAYBOOK = _tool("ansible-playbook")
PDSH = shutil.which("pdsh")
DSHBAK = shutil.which("dshbak")


def _docs_block(starts_with: str) -> str:
    """The fenced code block of docs/fleet.md whose first line starts with ``starts_with``."""
    for block in re.findall(r"```[a-z]*\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S):
        if block.startswith(starts_with):
            return str(block)
    raise AssertionError(f"docs/fleet.md has no code block starting with {starts_with!r}")


def _summary(folder_or_files: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    capsys.readouterr()
    assert main(["fleet", *folder_or_files, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict)
    return data


def _check_three_nodes(reports: list[Path], data: dict[str, object]) -> None:
    assert sorted(p.stem if p.suffix == ".json" else p.name for p in reports) == list(NODES)
    for path in reports:
        assert_valid_report(json.loads(path.read_text(encoding="utf-8")))
    assert data["node_count"] == 3 and data["unreadable"] == []
    # three reports of one machine: one hostname, kept apart as NAME, NAME#2, NAME#3
    assert len(data["renamed_duplicates"]) == 1  # type: ignore[arg-type]


@pytest.mark.skipif(ANSIBLE_PLAYBOOK is None or ENVADVISOR is None, reason="ansible-core is not installed")
def test_ansible_playbook_from_the_docs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ANSIBLE_PLAYBOOK is not None and ENVADVISOR is not None
    playbook = tmp_path / "collect-reports.yml"
    playbook.write_text(_docs_block("# collect-reports.yml"), encoding="utf-8")
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "[gpu_nodes]\n"
        + "".join(f"{node} ansible_host=localhost\n" for node in NODES)
        + f"\n[gpu_nodes:vars]\nansible_connection=local\nansible_python_interpreter={sys.executable}\n",
        encoding="utf-8",
    )
    reports = tmp_path / "reports"
    reports.mkdir()
    done = subprocess.run(
        [
            ANSIBLE_PLAYBOOK,
            "-i",
            str(inventory),
            str(playbook),
            "-e",
            f"envadvisor={ENVADVISOR}",
            "-e",
            f"reports_dir={reports}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={
            "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
        },
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    data = _summary([str(reports)], capsys)
    _check_three_nodes(sorted(reports.iterdir()), data)


@pytest.mark.skipif(PDSH is None or DSHBAK is None or ENVADVISOR is None, reason="pdsh is not installed")
def test_pdsh_with_dshbak_and_with_awk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert PDSH is not None and ENVADVISOR is not None
    # pdsh's exec module runs the command here once per "host": the same output shape as over ssh
    output = subprocess.run(
        [PDSH, "-R", "exec", "-w", "node[1-3]", ENVADVISOR, "diagnose", "--json", "--fail-on", "never"],
        capture_output=True,
        timeout=300,
        check=True,
    ).stdout
    assert re.match(rb"node\d: \{", output), "pdsh prefixes every line with 'host: '"

    # the raw stream is not JSON: fleet says why
    raw = tmp_path / "raw.json"
    raw.write_bytes(output)
    capsys.readouterr()
    assert main(["fleet", str(raw)]) == 2
    assert "'host: ' prefix" in capsys.readouterr().err

    # recipe 1: dshbak -f -d DIR writes one file per host
    by_dshbak = tmp_path / "reports"
    subprocess.run(["dshbak", "-f", "-d", str(by_dshbak)], input=output, check=True, timeout=60)
    data = _summary(sorted(str(p) for p in by_dshbak.iterdir()), capsys)
    _check_three_nodes(sorted(by_dshbak.iterdir()), data)

    # recipe 2: the awk program of docs/fleet.md
    block = _docs_block("mkdir -p reports\npdsh -w gpu[01-16]")
    program = re.search(r"awk '(.*)'", block)
    assert program is not None
    by_awk = tmp_path / "awk"
    (by_awk / "reports").mkdir(parents=True)
    subprocess.run(["awk", program.group(1)], input=output, cwd=by_awk, check=True, timeout=60)
    data = _summary([str(by_awk / "reports")], capsys)
    _check_three_nodes(sorted((by_awk / "reports").iterdir()), data)


def _idle_slurm_nodes() -> int:
    """Idle nodes of a Slurm cluster this machine can submit to (0 when there is none)."""
    sinfo = shutil.which("sinfo")
    if sinfo is None or shutil.which("srun") is None:
        return 0
    try:
        done = subprocess.run(
            [sinfo, "-h", "-t", "idle", "-o", "%D"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return 0
    return sum(int(n) for n in done.stdout.split() if n.isdigit()) if done.returncode == 0 else 0


IDLE_SLURM_NODES = _idle_slurm_nodes()


@pytest.mark.skipif(
    IDLE_SLURM_NODES == 0 or ENVADVISOR is None, reason="no Slurm cluster with idle nodes here"
)
def test_slurm_recipes_from_the_docs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Both srun recipes of docs/fleet.md, on whatever idle nodes the local Slurm has.

    The test machine runs slurmctld and three slurmd (``slurmd -N node1`` ...) on one host, so every
    node has the same hostname: the ``%N`` recipe (one file per *host*) runs on one node, the
    ``$SLURMD_NODENAME`` recipe (one file per *Slurm node*) on all of them.
    """
    assert ENVADVISOR is not None
    nodes = min(IDLE_SLURM_NODES, 3)
    per_host = _docs_block("mkdir -p reports\nsrun --nodes=16 --ntasks-per-node=1 \\\n     --output")
    per_node = _docs_block("mkdir -p reports\nsrun --nodes=16 --ntasks-per-node=1 \\\n     sh -c")
    for name, block, count in (("per-host", per_host, 1), ("per-node", per_node, nodes)):
        folder = tmp_path / name
        folder.mkdir()
        script = block.replace("--nodes=16", f"--nodes={count}").replace(
            "envadvisor diagnose", f"{ENVADVISOR} diagnose"
        )
        script = script.replace("envadvisor fleet reports/\n", "")
        done = subprocess.run(
            ["bash", "-c", script], cwd=folder, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stderr[-2000:]
        reports = sorted((folder / "reports").glob("*.json"))
        assert len(reports) == count
        for path in reports:
            assert_valid_report(json.loads(path.read_text(encoding="utf-8")))
        data = _summary([str(folder / "reports")], capsys)
        assert data["node_count"] == count and data["unreadable"] == []
