"""A newcomer's path: build the wheel, install it in a fresh venv, run diagnose from another folder.

This proves the data files (rules/, data/) travel inside the wheel and that the console script works
outside the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.schema_check import assert_valid_report


@pytest.fixture(scope="module")
def installed_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    wheel_dir = root / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheel_dir), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if build.returncode != 0:
        pytest.fail(f"pip wheel failed: {build.stderr[-2000:]}")
    wheels = list(wheel_dir.glob("envadvisor-*.whl"))
    assert len(wheels) == 1
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheels[0])],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if install.returncode != 0:
        pytest.fail(f"pip install of the wheel failed: {install.stderr[-2000:]}")
    return env_dir


def test_wheel_carries_rules_and_glossary(installed_venv: Path, tmp_path: Path) -> None:
    python = installed_venv / "bin" / "python"
    probe = subprocess.run(
        [str(python), "-c", "import envadvisor.resources as r; print(r.rules_dir()); print(r.data_dir())"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert probe.returncode == 0, probe.stderr
    rules_dir, data_dir = (Path(line) for line in probe.stdout.split())
    assert "site-packages" in str(rules_dir) and (rules_dir / "compat.yaml").is_file()
    assert "site-packages" in str(data_dir) and (data_dir / "terms.yaml").is_file()


def test_installed_command_diagnoses_from_another_folder(installed_venv: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(installed_venv / "bin" / "envadvisor"), "diagnose", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert_valid_report(report)
    assert report["facts"]["python"]["version"]
    assert report["origin"]["kind"] == "machine"
