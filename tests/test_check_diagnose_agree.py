"""check and diagnose agree: a file held against a target gives the findings diagnose gives on that
machine once the file's environment is installed there (issue 12).

The machine side is written the way the probes read an installed environment (pip's METADATA versions
with their +cuXYZ local part, the framework build torch reports), independently of the resolver; the
file side goes through resolve -> facts -> the engine. The engine's findings must be the same codes.
"""

from __future__ import annotations

from typing import Any

import pytest

from envadvisor.check import FILE_FACT_PREFIXES, check
from envadvisor.engine import evaluate
from envadvisor.envfile import parse
from envadvisor.model import Facts, from_data
from envadvisor.target import TargetOverrides, apply_overrides
from tests.propose_matrix import knowledge
from tests.rule_cases import TODAY

HEAD = "channels: [conda-forge, nodefaults]\ndependencies:\n  - python={python}\n  - pip\n  - pip:\n"
UBUNTU = {"system": "linux", "arch": "x86_64", "glibc": "2.35"}

# (file's pip lines, python, GPU, driver, the installed environment as a probe reads it)
CASES: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
    (
        "wrong-pairs",
        "      - --extra-index-url https://download.pytorch.org/whl/cu124\n      - torch==2.5.1+cu124\n"
        "      - torchvision==0.21.0+cu124\n      - torchaudio==2.4.0\n",
        "3.11",
        "NVIDIA A100-SXM4-80GB",
        "535.104.05",
        {
            "packages": {
                "torch": {"version": "2.5.1+cu124", "installer": "pip"},
                "torchvision": {"version": "0.21.0+cu124", "installer": "pip"},
                "torchaudio": {"version": "2.4.0+cu124", "installer": "pip"},
            },
            "frameworks": {"torch": {"version": "2.5.1+cu124", "cuda": "12.4", "variant": "cu124"}},
        },
    ),
    (
        "cu126-on-blackwell",
        "      - --extra-index-url https://download.pytorch.org/whl/cu126\n      - torch==2.9.1+cu126\n",
        "3.12",
        "NVIDIA GeForce RTX 5090",
        "575.57.08",
        {
            "packages": {"torch": {"version": "2.9.1+cu126", "installer": "pip"}},
            "frameworks": {"torch": {"version": "2.9.1+cu126", "cuda": "12.6", "variant": "cu126"}},
        },
    ),
    (
        "cu130-on-an-old-driver",
        "      - --extra-index-url https://download.pytorch.org/whl/cu130\n      - torch==2.14.1+cu130\n",
        "3.12",
        "NVIDIA H100 80GB HBM3",
        "550.54.15",
        {
            "packages": {"torch": {"version": "2.14.1+cu130", "installer": "pip"}},
            "frameworks": {"torch": {"version": "2.14.1+cu130", "cuda": "13.0", "variant": "cu130"}},
        },
    ),
    (
        "numpy2-with-tensorflow-2.17",
        "      - tensorflow[and-cuda]==2.17.0\n      - numpy==2.1.3\n",
        "3.11",
        "NVIDIA A100-SXM4-80GB",
        "535.104.05",
        {
            "packages": {
                "tensorflow": {"version": "2.17.0", "installer": "pip"},
                "numpy": {"version": "2.1.3", "installer": "pip"},
            },
            "frameworks": {
                "tensorflow": {
                    "version": "2.17.0",
                    "distribution": "tensorflow",
                    "cuda": "12.3",
                    "cudnn": "8.9",
                    "is_cuda_build": True,
                }
            },
        },
    ),
    (
        "python-3.9-for-torch-2.14",
        "      - torch==2.14.1\n",
        "3.9",
        "NVIDIA A100-SXM4-80GB",
        "580.65.06",
        {
            "packages": {"torch": {"version": "2.14.1", "installer": "pip"}},
            "frameworks": {"torch": {"version": "2.14.1", "cuda": "13.0", "variant": "cu130"}},
        },
    ),
]


def _target(gpu: str, driver: str, python: str, installed: dict[str, Any] | None = None) -> Facts:
    data: dict[str, Any] = {"os": UBUNTU, "python": {"version": python}, "gpu": {"nvml_state": "ok"}}
    data.update(installed or {})
    facts = from_data(Facts, data)
    return apply_overrides(facts, TargetOverrides.from_values(gpus=[gpu], driver=driver), knowledge().tables)


def _engine_codes(findings: Any) -> set[str]:
    return {
        f.code
        for f in findings
        if not f.code.startswith("EA9") and any(k.startswith(FILE_FACT_PREFIXES) for k in f.evidence)
    }


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_check_and_diagnose_agree(case: tuple[str, str, str, str, str, dict[str, Any]]) -> None:
    _, pip_lines, python, gpu, driver, installed = case
    text = HEAD.format(python=python) + pip_lines
    checked = check(parse(text, "environment.yml"), _target(gpu, driver, python), knowledge(), today=TODAY)
    machine = _target(gpu, driver, python, installed)
    diagnosed = evaluate(knowledge(), machine, today=TODAY).findings
    assert _engine_codes(checked.findings) == _engine_codes(diagnosed), (
        sorted(f.code for f in checked.findings),
        sorted(f.code for f in diagnosed),
    )
    assert _engine_codes(checked.findings), "each case is a machine with something to find"
