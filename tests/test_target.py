"""Target overrides describe another machine; every replaced fact is marked, bad values exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from envadvisor.cli import main
from envadvisor.errors import UsageError
from envadvisor.knowledge import load_knowledge
from envadvisor.model import Facts, GpuDevice, GpuFacts, OsFacts
from envadvisor.target import TargetOverrides, apply_overrides


@pytest.fixture(scope="module")
def tables():  # type: ignore[no-untyped-def]
    return load_knowledge().tables


def _this_machine() -> Facts:
    """Like the development box: Linux, a CUDA toolkit, no driver."""
    return Facts(
        os=OsFacts(system="linux", arch="x86_64", glibc="2.36"),
        gpu=GpuFacts(nvml_state="no_driver", count=0),
        reasons={"gpu.driver_version": "NVML library not found: no NVIDIA driver"},
    )


def test_gpu_and_driver_describe_a_workstation(tables) -> None:  # type: ignore[no-untyped-def]
    target = TargetOverrides.from_values(gpus=["RTX 4090"], driver="550.54.14", environ={})
    facts = apply_overrides(_this_machine(), target, tables)
    assert facts.gpu.devices == (
        GpuDevice(index=0, name="RTX 4090", compute_capability="8.9", compute_capability_source="name-table"),
    )
    assert facts.gpu.driver_version == "550.54.14"
    assert facts.gpu.driver_cuda == "12.4" and facts.gpu.driver_cuda_inferred is True
    assert facts.gpu.nvml_state == "ok"
    assert {"gpu.devices", "gpu.driver_version", "gpu.driver_cuda"} <= set(facts.overridden)
    assert "gpu.driver_version" not in facts.reasons


def test_a_gpu_without_a_driver_leaves_the_driver_unknown(tables) -> None:  # type: ignore[no-untyped-def]
    facts = apply_overrides(_this_machine(), TargetOverrides.from_values(gpus=["H100"], environ={}), tables)
    assert facts.gpu.devices[0].compute_capability == "9.0"
    assert facts.gpu.driver_version is None and facts.gpu.driver_cuda is None
    assert "--driver" in facts.reasons["gpu.driver_version"]
    assert facts.gpu.nvml_state is None  # not "no driver": we were not told


def test_conda_override_cuda_sets_the_driver_cuda(tables) -> None:  # type: ignore[no-untyped-def]
    target = TargetOverrides.from_values(gpus=["A100"], environ={"CONDA_OVERRIDE_CUDA": "12.9"})
    facts = apply_overrides(_this_machine(), target, tables)
    assert facts.gpu.driver_cuda == "12.9"
    assert facts.sources["gpu.driver_cuda"] == "CONDA_OVERRIDE_CUDA"


def test_empty_conda_override_cuda_means_no_driver(tables) -> None:  # type: ignore[no-untyped-def]
    machine = Facts(
        gpu=GpuFacts(
            nvml_state="ok",
            driver_version="580.65.06",
            driver_cuda="13.0",
            devices=(GpuDevice(index=0, name="NVIDIA H100 80GB HBM3", compute_capability="9.0"),),
        )
    )
    facts = apply_overrides(machine, TargetOverrides.from_values(environ={"CONDA_OVERRIDE_CUDA": ""}), tables)
    assert facts.gpu.driver_version is None and facts.gpu.devices == ()
    assert facts.gpu.nvml_state == "no_driver"


def test_no_gpu_and_macos(tables) -> None:  # type: ignore[no-untyped-def]
    facts = apply_overrides(_this_machine(), TargetOverrides.from_values(os="macos", environ={}), tables)
    assert facts.os.system == "macos" and facts.os.arch == "arm64" and facts.os.glibc is None
    assert facts.gpu.devices == ()


def test_compute_capability_overrides_the_table(tables) -> None:  # type: ignore[no-untyped-def]
    target = TargetOverrides.from_values(gpus=["Some Future GPU"], compute_capability="12.1", environ={})
    facts = apply_overrides(_this_machine(), target, tables)
    assert facts.gpu.devices[0].compute_capability == "12.1"
    assert facts.gpu.devices[0].compute_capability_source == "override"


@pytest.mark.parametrize(
    ("typed", "cuda"),
    [("580", "13.0"), ("R570", "12.8"), ("r570", "12.8"), ("570.xx", "12.8"), ("R565", "12.7")],
)
def test_a_driver_typed_as_a_branch_means_that_branch(tables, typed: str, cuda: str) -> None:  # type: ignore[no-untyped-def]
    target = TargetOverrides.from_values(gpus=["RTX 5090"], driver=typed, environ={})
    facts = apply_overrides(_this_machine(), target, tables)
    branch = typed.lstrip("Rr").split(".")[0]
    assert facts.gpu.driver_version == branch  # a one-part version: a branch, patch level unknown
    assert facts.sources["gpu.driver_version"] == f"override: branch R{branch}, patch level not known"
    assert facts.gpu.driver_cuda == cuda and facts.gpu.driver_cuda_inferred is True


def test_a_full_driver_version_is_not_a_branch(tables) -> None:  # type: ignore[no-untyped-def]
    facts = apply_overrides(
        _this_machine(), TargetOverrides.from_values(driver="570.133.07", environ={}), tables
    )
    assert facts.sources["gpu.driver_version"] == "override"


def test_diagnose_says_the_patch_level_is_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "--gpu", "RTX 5090", "--driver", "R570", "--json"]) in (0, 1)
    import json

    report = json.loads(capsys.readouterr().out)
    assert report["facts"]["gpu"]["driver_version"] == "570"
    assert "patch level not known" in report["facts"]["sources"]["gpu.driver_version"]
    assert report["facts"]["gpu"]["driver_cuda"] == "12.8"
    codes = {f["code"] for f in report["findings"]}
    assert "EA110" not in codes  # every R570 release drives an RTX 5090


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"driver": "banana"}, "--driver 'banana'"),
        ({"driver": "R57"}, "or its branch such as 580 or R570"),
        ({"glibc": "2"}, "--glibc '2'"),
        ({"glibc": "2.28", "os": "windows"}, "--glibc describes Linux"),
        ({"os_version": "ventura"}, "--os-version 'ventura'"),
        ({"compute_capability": "eighty"}, "--compute-capability"),
        ({"os": "plan9"}, "--os 'plan9'"),
        ({"arch": "sparc"}, "--arch 'sparc'"),
        ({"no_gpu": True, "gpus": ["A100"]}, "--no-gpu cannot"),
        ({"environ": {"CONDA_OVERRIDE_CUDA": "twelve"}}, "CONDA_OVERRIDE_CUDA"),
    ],
)
def test_bad_values_are_usage_errors(kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    kwargs.setdefault("environ", {})
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        TargetOverrides.from_values(**kwargs)


def test_unknown_gpu_name_suggests_close_names(tables) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UsageError, match=r"did you mean .*RTX 4090"):
        apply_overrides(_this_machine(), TargetOverrides.from_values(gpus=["RTX 409"], environ={}), tables)


def test_cli_bad_override_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnose", "--driver", "banana"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "banana" in err and "Traceback" not in err


def test_glibc_and_os_version_describe_the_target(tables) -> None:  # type: ignore[no-untyped-def]
    centos7 = apply_overrides(_this_machine(), TargetOverrides.from_values(glibc="2.17", environ={}), tables)
    assert centos7.os.glibc == "2.17" and "os.glibc" in centos7.overridden
    mac = apply_overrides(
        _this_machine(), TargetOverrides.from_values(os="macos", os_version="13.6", environ={}), tables
    )
    assert (mac.os.system, mac.os.distro, mac.os.distro_version) == ("macos", "macOS", "13.6")
    assert "os.distro_version" in mac.overridden


def test_a_torch_wheel_the_target_cannot_install_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pasted pip freeze with torch 2.8, judged for CentOS 7: its PyPI wheels are manylinux_2_28.
    import json

    path = tmp_path / "freeze.txt"
    path.write_text("torch==2.8.0\nnumpy==2.1.3\n")
    target = ["--os", "linux", "--arch", "x86_64", "--glibc", "2.17"]
    code = main(["diagnose", "--from", str(path), *target, "--json"])
    out = json.loads(capsys.readouterr().out)
    found = {f["code"]: f for f in out["findings"]}
    assert code == 1 and "EA096" in found
    assert "glibc 2.28" in found["EA096"]["message"] and 'torch<2.7' in " ".join(found["EA096"]["fix"])
