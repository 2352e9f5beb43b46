"""Engine semantics: Kleene logic, per-device evaluation, ordering, evidence, suppression, dates."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest

from envadvisor.conditions import Context, compile_condition
from envadvisor.engine import evaluate
from envadvisor.knowledge import Knowledge, load_knowledge
from envadvisor.model import Facts, GpuDevice, GpuFacts, Severity, replace
from envadvisor.target import TargetOverrides, apply_overrides
from tests.rule_cases import TODAY, build_facts, load_cases

BASE = load_cases()["base"]


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


def _facts(*overrides: Any) -> Facts:
    return build_facts(BASE, list(overrides))


def _codes(knowledge: Knowledge, facts: Facts, **kw: Any) -> list[str]:
    return [f.code for f in evaluate(knowledge, facts, today=kw.pop("today", TODAY), **kw).findings]


def _eval(raw: Any, facts: Facts, knowledge: Knowledge) -> tuple[bool | None, frozenset[str]]:
    def fail(field: str, message: str) -> Exception:
        return AssertionError(f"{field}: {message}")

    outcome = compile_condition(raw, fail).evaluate(Context(facts, knowledge.tables, TODAY))
    return outcome.value, outcome.missing


T = {"fact": "gpu.nvml_state", "eq": "ok"}
F = {"fact": "gpu.nvml_state", "eq": "no_driver"}
U = {"fact": "gpu.driver_version", "eq": "1"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"all": [T, U]}, None),
        ({"all": [F, U]}, False),
        ({"all": [T, T]}, True),
        ({"any": [T, U]}, True),
        ({"any": [F, U]}, None),
        ({"any": [F, F]}, False),
        ({"not": U}, None),
        ({"not": T}, False),
        ({"not": {"all": [F, U]}}, True),
    ],
)
def test_kleene_logic(knowledge: Knowledge, raw: Any, expected: bool | None) -> None:
    facts = _facts({"gpu": {"driver_version": None}})
    value, missing = _eval(raw, facts, knowledge)
    assert value is expected
    assert (missing == {"gpu.driver_version"}) == (expected is None)


def test_exists_is_two_valued_and_absent_packages_are_false(knowledge: Knowledge) -> None:
    facts = _facts()
    assert _eval({"fact": "packages.tensorflow.version", "exists": False}, facts, knowledge)[0] is True
    assert _eval({"fact": "packages.tensorflow.version", "lt": "2.0"}, facts, knowledge)[0] is False
    assert _eval({"fact": "frameworks.jax.cuda_plugin", "eq": "12"}, facts, knowledge)[0] is False
    # When the package listing itself failed, absence proves nothing.
    failed = replace(facts, reasons={"packages": "site-packages unreadable"})
    assert _eval({"fact": "packages.tensorflow.version", "exists": False}, failed, knowledge)[0] is None


def test_issue_examples(knowledge: Knowledge) -> None:
    """The semantics the issue spells out, end to end through the rules."""
    blackwell = {
        "gpu": {"devices": [{"index": 0, "name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0"}]}
    }
    cu126 = {
        "packages": {"torch": {"version": "2.7.1+cu126"}},
        "frameworks": {"torch": {"version": "2.7.1+cu126", "cuda": "12.6", "variant": "cu126"}},
    }
    cu128_27 = {
        "packages": {"torch": {"version": "2.7.0+cu128"}},
        "frameworks": {"torch": {"version": "2.7.0+cu128", "cuda": "12.8", "variant": "cu128"}},
    }
    pascal = {
        "gpu": {"devices": [{"index": 0, "name": "NVIDIA GeForce GTX 1080 Ti", "compute_capability": "6.1"}]}
    }
    # An sm_86 build runs on an RTX 4090 (8.9): the base machine's torch 2.8 cu128 has sm_86.
    assert "EA020" not in _codes(knowledge, _facts())
    # A cu126 wheel (sm_50..sm_90, no PTX) does not run on an RTX 5090 (12.0).
    assert "EA020" in _codes(knowledge, _facts(blackwell, cu126))
    assert "EA020" not in _codes(knowledge, _facts(blackwell, cu128_27))
    # A cu128 wheel of torch 2.7 does not run on a GTX 1080 Ti (6.1).
    assert "EA021" in _codes(knowledge, _facts(pascal, cu128_27))
    assert "EA021" not in _codes(knowledge, _facts(pascal, cu126))
    # A CUDA 12.6 build runs on a driver whose maximum is 12.2 (>= 525.60.13).
    assert "EA010" not in _codes(
        knowledge, _facts(cu126, {"gpu": {"driver_version": "535.104.05", "driver_cuda": "12.2"}})
    )
    # A CUDA 13 build needs a 580+ driver.
    cu130 = {
        "packages": {"torch": {"version": "2.9.1+cu130"}},
        "frameworks": {"torch": {"version": "2.9.1+cu130", "cuda": "13.0", "variant": "cu130"}},
    }
    assert "EA010" in _codes(
        knowledge, _facts(cu130, {"gpu": {"driver_version": "575.57.08", "driver_cuda": "12.9"}})
    )
    assert "EA010" not in _codes(
        knowledge, _facts(cu130, {"gpu": {"driver_version": "580.65.06", "driver_cuda": "13.0"}})
    )
    # Only the driver's maximum CUDA known (nvidia-smi header or CONDA_OVERRIDE_CUDA): same answers.
    assert "EA010" in _codes(
        knowledge, _facts(cu130, {"gpu": {"driver_version": None, "driver_cuda": "12.9"}})
    )
    assert "EA010" not in _codes(
        knowledge, _facts(cu126, {"gpu": {"driver_version": None, "driver_cuda": "12.2"}})
    )


def test_per_device_evaluation_lists_the_failing_devices(knowledge: Knowledge) -> None:
    devices = [
        {"index": 0, "name": "NVIDIA GeForce RTX 4090", "compute_capability": "8.9"},
        {"index": 1, "name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0"},
    ]
    facts = _facts(
        {
            "gpu": {"count": 2, "devices": devices},
            "frameworks": {"torch": {"version": "2.6.0+cu126", "cuda": "12.6", "variant": "cu126"}},
            "packages": {"torch": {"version": "2.6.0+cu126"}},
        }
    )
    finding = next(f for f in evaluate(knowledge, facts, today=TODAY).findings if f.code == "EA020")
    assert finding.evidence["gpu.devices"] == ["NVIDIA GeForce RTX 5090 (compute capability 12.0)"]
    assert "RTX 5090" in finding.message and "RTX 4090" not in finding.message
    assert finding.evidence["table.arch_list"].startswith("sm_50")
    assert finding.evidence["frameworks.torch.cuda"] == "12.6"


def test_reported_arch_list_wins_over_tables(knowledge: Knowledge) -> None:
    # A report that prints torch.cuda.get_arch_list() is the build's own truth.
    # The tables say 2.8 cu128 has sm_120; this build reports only sm_80 and sm_90 (a custom build).
    facts = _facts(
        {
            "frameworks": {"torch": {"arch_list": ["sm_80", "sm_90"]}},
            "gpu": {
                "devices": [{"index": 0, "name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0"}]
            },
        }
    )
    finding = next(f for f in evaluate(knowledge, facts, today=TODAY).findings if f.code == "EA020")
    assert finding.evidence["table.arch_list"] == "sm_80, sm_90"


def test_unknown_device_cc_is_not_evaluated_not_a_false_alarm(knowledge: Knowledge) -> None:
    facts = _facts(
        {
            "gpu": {"devices": [{"index": 0, "name": "NVIDIA GeForce RTX 5090"}]},
            "frameworks": {"torch": {"version": "2.6.0+cu126", "cuda": "12.6", "variant": "cu126"}},
        }
    )
    evaluation = evaluate(knowledge, facts, today=TODAY)
    assert "EA020" not in [f.code for f in evaluation.findings]
    missing = {n.code: n.missing for n in evaluation.not_evaluated}
    assert missing["EA020"] == ("gpu.devices.compute_capability",)


def test_devices_unknown_when_nvml_failed(knowledge: Knowledge) -> None:
    facts = replace(
        _facts({"gpu": {"nvml_state": None, "count": None, "devices": []}}),
        reasons={"gpu.devices": "NVML timed out", "gpu.nvml_state": "NVML timed out"},
    )
    missing = {n.code: n.missing for n in evaluate(knowledge, facts, today=TODAY).not_evaluated}
    assert "gpu.devices" in missing["EA020"]
    # With the PCI bus showing no NVIDIA GPU at all, there is nothing to evaluate.
    none = replace(facts, gpu=replace(facts.gpu, count=0))
    assert "EA020" not in {n.code for n in evaluate(knowledge, none, today=TODAY).not_evaluated}


def test_order_is_severity_then_code(knowledge: Knowledge) -> None:
    facts = _facts(
        {
            "python": {"version": "3.10.12"},
            "gpu": {"devices": [{"index": 0, "name": "Tesla T4", "compute_capability": "7.5"}]},
            "packages": {"torchvision": {"version": "0.20.1"}, "numpy": {"other_versions": ["1.26.4"]}},
        }
    )
    findings = evaluate(knowledge, facts, today=TODAY).findings
    ranks = [(-f.severity.rank, f.code) for f in findings]
    assert ranks == sorted(ranks)
    assert findings[0].severity is Severity.ERROR and findings[-1].severity is Severity.INFO
    assert evaluate(knowledge, facts, today=TODAY) == evaluate(knowledge, facts, today=TODAY)


def test_today_decides_end_of_life(knowledge: Knowledge) -> None:
    facts = _facts({"python": {"version": "3.10.12"}})
    assert "EA043" in _codes(knowledge, facts, today=datetime.date(2026, 11, 28))
    assert "EA043" not in _codes(knowledge, facts, today=datetime.date(2026, 9, 30))


def test_end_of_life_is_advice_not_a_failure(knowledge: Knowledge) -> None:
    """An EOL Python still runs what it ran: EA043 is an info notice, so `--fail-on warning` passes a
    healthy machine on Python 3.10 (EOL 2026-10-01), while a framework that rejects the Python is an error."""
    healthy = _facts({"python": {"version": "3.10.12"}})
    findings = evaluate(knowledge, healthy, today=datetime.date(2026, 11, 28)).findings
    assert [(f.code, f.severity) for f in findings] == [("EA043", Severity.INFO)]
    too_new = _facts({"python": {"version": "3.9.18"}, "packages": {"transformers": {"version": "5.0.0"}}})
    evaluation = evaluate(knowledge, too_new, today=datetime.date(2026, 11, 28))
    severities = {f.code: f.severity for f in evaluation.findings}
    assert severities["EA043"] is Severity.INFO and severities["EA042"] is Severity.ERROR


def test_signature_rule_yields_to_the_fact_rule(knowledge: Knowledge) -> None:
    facts = _facts(
        {
            "gpu": {
                "devices": [{"index": 0, "name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0"}]
            },
            "frameworks": {"torch": {"version": "2.6.0+cu126", "cuda": "12.6", "variant": "cu126"}},
            "evidence": {"signatures": ["no-kernel-image"]},
        }
    )
    codes = _codes(knowledge, facts)
    assert "EA020" in codes and "EA022" not in codes
    alone = _facts({"evidence": {"signatures": ["no-kernel-image"]}})
    assert "EA022" in _codes(knowledge, alone)


def test_quotes_and_chinese(knowledge: Knowledge) -> None:
    facts = _facts({"evidence": {"signatures": ["docker-no-gpu-runtime"]}})
    quotes = {
        "docker-no-gpu-runtime": ('docker: Error response from daemon: could not select device driver "".',)
    }
    finding = next(
        f for f in evaluate(knowledge, facts, today=TODAY, quotes=quotes).findings if f.code == "EA007"
    )
    assert finding.quotes == quotes["docker-no-gpu-runtime"]
    zh = next(f for f in evaluate(knowledge, facts, today=TODAY, lang="zh").findings if f.code == "EA007")
    assert "容器" in zh.message and "容器" in zh.why


def test_target_overrides_feed_the_rules(knowledge: Knowledge) -> None:
    """--gpu 'RTX 5090' --driver 575.57.08 against a torch 2.9 cu130 install."""
    facts = _facts(
        {
            "packages": {"torch": {"version": "2.9.1+cu130"}},
            "frameworks": {"torch": {"version": "2.9.1+cu130", "cuda": "13.0", "variant": "cu130"}},
        }
    )
    target = TargetOverrides.from_values(gpus=["NVIDIA GeForce RTX 5090"], driver="575.57.08")
    overridden = apply_overrides(facts, target, knowledge.tables)
    assert overridden.gpu.driver_cuda == "12.9"
    codes = _codes(knowledge, overridden)
    assert "EA010" in codes  # CUDA 13 needs 580+
    assert "EA020" not in codes  # cu130 has sm_120


def test_evaluation_is_fast(knowledge: Knowledge) -> None:
    facts = _facts()
    start = time.perf_counter()
    for _ in range(20):
        evaluate(knowledge, facts, today=TODAY)
    per_run = (time.perf_counter() - start) / 20
    assert per_run < 0.1, f"evaluate() took {per_run * 1000:.1f} ms"


def test_gpu_facts_defaults_are_unknown_not_alarms(knowledge: Knowledge) -> None:
    """A report that says nothing about the GPU raises no GPU alarm."""
    facts = replace(_facts(), gpu=GpuFacts(devices=(GpuDevice(name="NVIDIA GeForce RTX 4090"),)))
    evaluation = evaluate(knowledge, facts, today=TODAY)
    assert not [f for f in evaluation.findings if f.severity is Severity.ERROR]


def test_reported_arch_list_alone_is_enough(knowledge: Knowledge) -> None:
    """A pasted warning shows the arch list and the GPU, but not the torch version (a real report)."""
    facts = _facts(
        {
            "packages": {"torch": None},
            "frameworks": {
                "torch": {"version": None, "cuda": None, "variant": None, "arch_list": ["sm_50", "sm_90"]}
            },
            "gpu": {"devices": [{"name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0"}]},
        }
    )
    finding = next(f for f in evaluate(knowledge, facts, today=TODAY).findings if f.code == "EA020")
    # the unknown version and CUDA are left out of the sentence, never pasted in as "unknown"
    assert finding.message.startswith("The PyTorch build has GPU code for sm_50, sm_90;"), finding.message
    assert "unknown" not in finding.message


def test_nightly_pairings_are_not_judged_by_release_tables(knowledge: Knowledge) -> None:
    facts = _facts(
        {
            "packages": {
                "torch": {"version": "2.5.0.dev20240720+cu124"},
                "torchaudio": {"version": "2.4.0.dev20240721"},
            },
            "frameworks": {
                "torch": {"version": "2.5.0.dev20240720+cu124", "cuda": "12.4", "variant": "cu124"}
            },
        }
    )
    evaluation = evaluate(knowledge, facts, today=TODAY)
    assert "EA055" not in [f.code for f in evaluation.findings]
    assert "EA055" in [n.code for n in evaluation.not_evaluated]


def test_driver_numbering_tells_linux_when_the_os_is_unknown(knowledge: Knowledge) -> None:
    facts = _facts({"os": {"system": None}, "gpu": {"driver_version": "550.90.07", "driver_cuda": None}})
    evaluation = evaluate(knowledge, facts, today=TODAY)
    assert "EA903" not in [f.code for f in evaluation.findings]  # 550.90.07 is a Linux driver: CUDA 12.4
    old = _facts(
        {"gpu": {"driver_version": "410.104", "driver_cuda": "10.0"}},
        {"packages": {"torch": {"version": "1.3.0"}}},
        {"frameworks": {"torch": {"version": "1.3.0", "cuda": "10.1", "variant": "cu101"}}},
    )
    finding = next(f for f in evaluate(knowledge, old, today=TODAY).findings if f.code == "EA010")
    assert "418.39" in finding.message  # CUDA 10.1 has no minor version compatibility: its own driver


@pytest.mark.parametrize(
    ("torch", "cuda", "gpu", "cc", "code"),
    [
        # Facts as a report or a caller may give them: a version and a CUDA, no variant string.
        ("2.7.0", "12.8", "NVIDIA GeForce GTX 1080 Ti", "6.1", "EA021"),
        ("2.6.0", "12.6", "NVIDIA GeForce RTX 5090", "12.0", "EA020"),
        ("2.0.1", "11.7", "NVIDIA H100 80GB HBM3", "9.0", "EA020"),
        ("2.11.0", "12.8", "Tesla V100-SXM2-32GB", "7.0", "EA021"),
        ("2.1.2", "12.1", "Tesla K80", "3.7", "EA021"),
    ],
)
def test_arch_rules_without_a_variant_string(
    knowledge: Knowledge, torch: str, cuda: str, gpu: str, cc: str, code: str
) -> None:
    facts = _facts(
        {
            "packages": {"torch": {"version": torch}},
            "frameworks": {"torch": {"version": torch, "cuda": cuda, "variant": None}},
            "gpu": {"devices": [{"index": 0, "name": gpu, "compute_capability": cc}]},
        }
    )
    assert code in _codes(knowledge, facts)


@pytest.mark.parametrize(
    ("torch", "cuda", "gpu", "cc"),
    [
        ("2.8.0", "12.9", "Tesla V100-SXM2-32GB", "7.0"),  # 2.8 cu129 re-added sm_70
        ("2.10.0", "12.8", "Tesla V100-SXM2-32GB", "7.0"),  # last cu128 with sm_70
        ("2.7.0", "12.8", "NVIDIA B200", "10.0"),
        ("2.9.0", "13.0", "NVIDIA GB10", "12.1"),  # sm_120 SASS runs on 12.1
        ("2.1.2", "11.8", "Tesla K80", "3.7"),
    ],
)
def test_arch_rules_quiet_where_the_build_has_code(
    knowledge: Knowledge, torch: str, cuda: str, gpu: str, cc: str
) -> None:
    facts = _facts(
        {
            "packages": {"torch": {"version": torch}},
            "frameworks": {"torch": {"version": torch, "cuda": cuda, "variant": None}},
            "gpu": {
                "devices": [{"index": 0, "name": gpu, "compute_capability": cc}],
                "driver_version": "580.95.05",
            },
        }
    )
    codes = _codes(knowledge, facts)
    assert "EA020" not in codes and "EA021" not in codes
