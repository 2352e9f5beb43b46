"""The Tables look-ups: GPU names, driver <-> CUDA, architecture coverage, releases, end of life."""

from __future__ import annotations

import datetime

import pytest

from envadvisor.knowledge import load_knowledge
from envadvisor.knowledge.tables import Tables, arch_covers, parse_arch_list, platform_key, variant_cuda
from envadvisor.target import GpuKnowledge


@pytest.fixture(scope="module")
def tables() -> Tables:
    return load_knowledge().tables


def test_tables_implement_the_target_protocol(tables: Tables) -> None:
    knowledge: GpuKnowledge = tables
    assert knowledge.compute_capability_for("RTX 4090") == "8.9"


@pytest.mark.parametrize(
    ("name", "cc"),
    [
        # Names as NVML / nvidia-smi print them.
        ("NVIDIA GeForce RTX 4090", "8.9"),
        ("NVIDIA H100 80GB HBM3", "9.0"),
        ("NVIDIA H100 PCIe", "9.0"),
        ("Tesla V100-SXM2-16GB", "7.0"),
        ("NVIDIA A100-SXM4-40GB", "8.0"),
        ("NVIDIA A100 80GB PCIe", "8.0"),
        ("GeForce GTX 1080 Ti", "6.1"),
        ("NVIDIA RTX A6000", "8.6"),
        ("Quadro RTX 8000", "7.5"),
        ("Quadro RTX 6000", "7.5"),
        ("NVIDIA RTX 6000 Ada Generation", "8.9"),
        ("NVIDIA GeForce RTX 5090", "12.0"),
        ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "12.0"),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition", "12.0"),
        ("NVIDIA B200", "10.0"),
        ("NVIDIA GB10", "12.1"),
        ("Orin (nvgpu)", "8.7"),
        ("NVIDIA Jetson AGX Orin", "8.7"),
        ("NVIDIA Tegra X1", "5.3"),
        ("Tesla T4", "7.5"),
        ("NVIDIA L4", "8.9"),
        ("NVIDIA L40S", "8.9"),
        ("NVIDIA A10G", "8.6"),
        ("NVIDIA TITAN X (Pascal)", "6.1"),
        ("GeForce GTX TITAN X", "5.2"),
        ("Tesla K80", "3.7"),
        ("NVIDIA GeForce RTX 4060 Laptop GPU", "8.9"),
        ("NVIDIA GeForce RTX 3060 Ti", "8.6"),
    ],
)
def test_compute_capability_for_real_names(tables: Tables, name: str, cc: str) -> None:
    assert tables.compute_capability_for(name) == cc


def test_unknown_gpu_is_none_with_suggestions(tables: Tables) -> None:
    assert tables.compute_capability_for("NVIDIA Imaginary X9000") is None
    assert tables.compute_capability_for("") is None
    assert "RTX 4090" in tables.gpu_names_like("RTX 4900")
    assert tables.architecture_for_cc("8.9") == "Ada Lovelace"


@pytest.mark.parametrize(
    ("driver", "system", "cuda"),
    [
        ("535.104.05", "linux", "12.2"),
        ("550.54.14", "linux", "12.4"),
        ("560.35.03", "linux", "12.6"),
        ("570.26", "linux", "12.8"),
        ("575.57.08", "linux", "12.9"),
        ("580.65.06", "linux", "13.0"),
        ("595.71.05", "linux", "13.2"),
        ("470.82.01", "linux", "11.4"),
        ("551.61", "windows", "12.4"),
        ("576.57", "windows", "12.9"),
        ("552.22", None, "12.4"),
    ],
)
def test_max_cuda_for_driver(tables: Tables, driver: str, system: str | None, cuda: str) -> None:
    assert tables.max_cuda_for_driver(driver, system) == cuda


def test_max_cuda_unknown_beyond_the_tables(tables: Tables) -> None:
    assert tables.max_cuda_for_driver("620.10", "linux") is None  # a newer branch than any row
    assert tables.max_cuda_for_driver("620", None) is None
    assert tables.max_cuda_for_driver("605.10", "linux") is None  # no public R600/R605
    assert tables.max_cuda_for_driver("580.50", "windows") is None  # below 580.88, the first Windows R580
    assert tables.max_cuda_for_driver("banana", "linux") is None
    assert tables.max_cuda_for_driver("430.50", "linux") is None  # R430: no source in the tables


# What nvidia-smi prints for each branch typed as a branch (issue 11: "580 -> 13.0, 575 -> 12.9 ...").
# Sources: rules/tables/cuda.yaml driver_branch_cuda (CUDA release notes Table 3; nvidia-smi headers such
# as "NVIDIA-SMI 565.57.01 Driver Version: 565.57.01 CUDA Version: 12.7").
BRANCH_CUDA = {
    "615": "13.4", "610": "13.3", "595": "13.2", "590": "13.1", "580": "13.0", "575": "12.9", "570": "12.8",
    "565": "12.7", "560": "12.6", "555": "12.5", "550": "12.4", "545": "12.3", "535": "12.2", "530": "12.1",
    "525": "12.0", "520": "11.8", "515": "11.7", "510": "11.6", "495": "11.5", "470": "11.4", "465": "11.3",
    "460": "11.2", "455": "11.1", "450": "11.0",
}


@pytest.mark.parametrize(("branch", "cuda"), sorted(BRANCH_CUDA.items()))
def test_a_branch_means_that_branch(tables: Tables, branch: str, cuda: str) -> None:
    for spelled in (branch, f"R{branch}", f"r{branch}", f"{branch}.xx"):
        assert tables.max_cuda_for_driver(spelled, None) == cuda, spelled
    assert tables.max_cuda_for_driver(branch, "linux") == cuda
    # The branch's own CUDA runs on every driver of it, whatever the patch level.
    assert tables.driver_runs_cuda(branch, cuda, "linux") is True


@pytest.mark.parametrize(
    ("driver", "system", "cuda"),
    [
        ("565.57.01", "linux", "12.7"),  # no 12.7 toolkit, yet R565 prints 12.7
        ("566.36", "windows", "12.7"),
        ("581.57", "windows", "13.0"),
        ("580.88", "windows", "13.0"),
        ("591.81", "windows", "13.1"),
        ("595.84", "windows", "13.2"),
        ("596.71", "windows", "13.2"),
        ("610.47", "windows", "13.3"),  # "NVIDIA-SMI 610.47  KMD Version: 610.47  CUDA UMD Version: 13.3"
        ("616.64", "windows", "13.4"),
        ("617.14", "windows", "13.4"),
        ("610.43.02", "linux", "13.3"),
        ("615.71.09", "linux", "13.4"),
        ("615.71.09", None, "13.4"),
        ("531.68", "linux", "12.1"),  # WSL: nvidia-smi shows the Windows driver 531.68 (hershey890/cs259)
        ("566.36", "linux", "12.7"),
    ],
)
def test_branch_table_per_os(tables: Tables, driver: str, system: str | None, cuda: str) -> None:
    assert tables.max_cuda_for_driver(driver, system) == cuda


def test_branch_rows_carry_sources_and_do_not_overlap(tables: Tables) -> None:
    rows = tables.driver_branch_rows
    assert {r.system for r in rows} == {"linux", "windows"}
    assert all(r.source for r in rows)
    linux = [r.branch for r in rows if r.system == "linux"]
    assert len(linux) == len(set(linux))
    # Unverified branches are not listed.
    assert 605 not in linux and 620 not in linux
    assert tables.driver_branch_row("581.57", "windows").branch == 580  # type: ignore[union-attr]
    assert tables.driver_branch_of("581.57", "windows") == 580
    assert tables.driver_branch_of("570.133.07", "linux") == 570
    assert tables.driver_branch_of("R595", None) == 595


def test_driver_tables_fail_loudly_on_a_bad_row(tables: Tables) -> None:
    from envadvisor.errors import DataFileError

    def rebuilt(table: str, patch: dict) -> Tables:  # type: ignore[type-arg]
        data = dict(tables._data)
        data[table] = {**data[table], **patch}
        return Tables(data, checked=tables.checked, origins=tables._origins)

    overlap = {"branch": 999, "system": "windows", "from": "581", "below": "582", "cuda": "13.0",
               "source": "x"}
    rows = [*tables._data["driver_branch_cuda"]["rows"], overlap]
    with pytest.raises(DataFileError, match="overlap on windows"):
        _ = rebuilt("driver_branch_cuda", {"rows": rows}).driver_branch_rows
    named = [*tables._data["gpu_driver_support"]["gpus"], {"names": ["X1"], "linux": {570: "570.1"}}]
    with pytest.raises(DataFileError, match="source"):
        _ = rebuilt("gpu_driver_support", {"gpus": named})._gpu_driver_named
    arch = [{"arch": "X", "cc": ["9.9"], "first_branch": 570, "linux": {575: "575.1"}, "source": "x"}]
    with pytest.raises(DataFileError, match="first_branch"):
        _ = rebuilt("gpu_driver_support", {"architectures": arch})._gpu_driver_arch


def test_a_driver_branch_and_cuda_builds(tables: Tables) -> None:
    # A floor inside the branch: the patch level decides, so unknown (12.x needs 525.60.13).
    assert tables.driver_runs_cuda("525", "12.1", "linux") is None
    assert tables.driver_runs_cuda("525", "12.0", "linux") is True  # R525 prints 12.0
    # Windows R525 starts at 527.41, the 12.x Windows floor.
    assert tables.driver_runs_cuda("525", "12.1", "windows") is True
    assert tables.driver_runs_cuda("575", "13.0", None) is False
    assert tables.driver_runs_cuda("R580", "13.0", None) is True
    assert tables.driver_runs_cuda("470", "12.4", None) is False
    assert tables.driver_runs_cuda("470", "11.8", None) is True
    assert tables.driver_runs_cuda("570.xx", "12.9", "linux") is True  # minor version compatibility


@pytest.mark.parametrize(
    ("gpu", "cc", "system", "label", "arch"),
    [
        ("NVIDIA GeForce RTX 5090", "12.0", "linux", "R570+ (>= 570.86.10)", "Blackwell"),
        ("NVIDIA GeForce RTX 5090", "12.0", "windows", "R570+ (>= 570.65)", "Blackwell"),
        ("NVIDIA GeForce RTX 5090", "12.0", None, "R570+", "Blackwell"),
        ("RTX PRO 6000 Blackwell Workstation Edition", "12.0", "linux", "R570+ (>= 570.133.07)", "Blackwell"),
        ("RTX PRO 6000 Blackwell Server Edition", "12.0", "linux", "R575+ (>= 575.57.08)", "Blackwell"),
        ("RTX 5060", "12.0", "linux", "R570 >= 570.169, R575 >= 575.57.08, R580+", "Blackwell"),
        ("NVIDIA GeForce RTX 4090", "8.9", "linux", "R520+ (>= 520.56.06)", "Ada Lovelace"),
        ("NVIDIA GeForce RTX 4070", "8.9", "linux", "R525+ (>= 525.116.03)", "Ada Lovelace"),
        ("NVIDIA L4", "8.9", "linux", "R525 >= 525.105.17, R530 >= 530.30.02, R535+", "Ada Lovelace"),
        ("NVIDIA H100 PCIe", "9.0", "linux", "R520+ (>= 520.56.06)", "Hopper"),
        ("NVIDIA H100 80GB HBM3", "9.0", "linux", "R525+ (>= 525.85.05)", "Hopper"),
        ("NVIDIA H200", "9.0", "linux", "R550+ (>= 550.90.07)", "Hopper"),
        ("NVIDIA B300", "10.3", "linux", "R580+ (>= 580.82.07)", "Blackwell Ultra"),
        ("NVIDIA A100-SXM4-80GB", "8.0", "linux", "R450+ (>= 450.36.06)", "Ampere"),
        ("Tesla T4", "7.5", "windows", "R410+ (>= 411.31)", "Turing"),
        ("Tesla V100-SXM2-16GB", "7.0", "linux", "R384+ (>= 384.81)", "Volta"),
        ("NVIDIA GeForce GTX 1080 Ti", "6.1", "linux", "R367+ (>= 367.48)", "Pascal"),
    ],
)
def test_min_driver_for_gpu(
    tables: Tables, gpu: str, cc: str, system: str | None, label: str, arch: str
) -> None:
    floor = tables.min_driver_for_gpu(cc, gpu, system)
    assert floor is not None
    assert (floor.label, floor.architecture) == (label, arch)
    assert floor.source


def test_min_driver_unknown_where_no_source(tables: Tables) -> None:
    assert tables.min_driver_for_gpu("5.2", "NVIDIA GeForce GTX 980") is None  # Maxwell's first: unverified
    assert tables.min_driver_for_gpu("3.7", "Tesla K80") is None
    assert tables.min_driver_for_gpu("8.7", "Jetson AGX Orin") is None  # L4T, not these drivers
    assert tables.min_driver_for_gpu("10.7") is None  # Rubin: unverified
    assert tables.min_driver_for_gpu("12.0", None, "macos") is None


@pytest.mark.parametrize(
    ("driver", "cc", "gpu", "system", "supported"),
    [
        ("550.54.15", "12.0", "NVIDIA GeForce RTX 5090", None, False),  # R550 cannot drive Blackwell
        ("570", "12.0", "NVIDIA GeForce RTX 5090", None, True),
        ("570", "12.0", "NVIDIA GeForce RTX 5060", None, None),  # the patch level decides
        ("570.153.02", "12.0", "NVIDIA GeForce RTX 5060", "linux", False),
        ("570.172.08", "12.0", "NVIDIA GeForce RTX 5060", "linux", True),
        ("570.211.01", "12.0", "NVIDIA GeForce RTX 5050", "linux", False),  # never in an R570 README
        ("580.65.06", "12.0", "NVIDIA GeForce RTX 5050", "linux", True),
        ("470.82.01", "8.9", "NVIDIA GeForce RTX 4090", None, False),
        ("470.82.01", "9.0", "NVIDIA H100 PCIe", None, False),
        ("535.288.01", "9.0", "NVIDIA H200", "linux", False),  # H200 in no R535 release
        ("530.41.03", "8.9", "NVIDIA GeForce RTX 4070", "linux", False),  # not in R530
        ("545.29.06", "9.0", "NVIDIA H20", "linux", None),  # between listed branches: unknown
        ("516.94", "8.9", "NVIDIA GeForce RTX 4090", "windows", False),
        ("522.25", "8.9", "NVIDIA GeForce RTX 4090", "windows", True),
        ("590.48.01", "6.1", "NVIDIA GeForce GTX 1080", None, False),  # R580 was the last for Pascal
        ("591.44", "6.1", "NVIDIA GeForce GTX 1080", "windows", False),
        ("580.95.05", "6.1", "NVIDIA GeForce GTX 1080", None, True),
        ("495.29.05", "3.7", "Tesla K80", None, False),  # R470 was the last for Kepler
        ("470.82.01", "3.7", "Tesla K80", None, None),  # Kepler's first driver is not in the tables
    ],
)
def test_driver_supports_gpu(
    tables: Tables, driver: str, cc: str, gpu: str, system: str | None, supported: bool | None
) -> None:
    assert tables.driver_supports_gpu(driver, cc, gpu, system) is supported


def test_last_branch_and_last_cuda_per_architecture(tables: Tables) -> None:
    assert [tables.last_driver_branch_for_cc(cc) for cc in ("3.5", "5.2", "6.1", "7.0", "7.5", "12.0")] == [
        470, 580, 580, 580, None, None,
    ]
    # CUDA 13 has no code for Maxwell, Pascal and Volta; CUDA 12 none for Kepler.
    assert [tables.last_cuda_for_cc(cc) for cc in ("3.0", "3.7", "5.0", "6.1", "7.0", "7.5", "12.0")] == [
        "10.2", "11.8", "12.9", "12.9", "12.9", None, None,
    ]
    assert tables.cuda_supports_cc("13.0", "6.1") is False
    assert tables.cuda_supports_cc("12.9", "6.1") is True


def test_min_driver_for_cuda(tables: Tables) -> None:
    req = tables.min_driver_for_cuda("12.6", "linux")
    assert req is not None
    assert req.minor_compat_floor == "525.60.13"
    assert req.toolkit_driver == "560.28.03"
    win = tables.min_driver_for_cuda("12.6", "windows")
    assert win is not None and win.minor_compat_floor == "527.41" and win.toolkit_driver == "560.76"
    assert tables.minor_compat_floor(13, "linux") == "580"
    assert tables.minor_compat_floor(11, "windows") == "452.39"
    assert tables.min_driver_for_cuda("14.0", "linux") is None
    # The 11.0 release's own driver is the GA's (11.0.2, 450.51.05), not the 11.0.1 RC's.
    ga = tables.min_driver_for_cuda("11.0", "linux")
    assert ga is not None and ga.toolkit_driver == "450.51.05"


def test_cuda_minor_version_compatibility(tables: Tables) -> None:
    # A CUDA 12.6 build runs on a driver whose maximum is 12.2, because 535 >= 525.60.13.
    assert tables.max_cuda_for_driver("535.104.05", "linux") == "12.2"
    assert tables.driver_runs_cuda("535.104.05", "12.6", "linux") is True
    assert tables.driver_runs_cuda("525.60.13", "12.9", "linux") is True
    assert tables.driver_runs_cuda("520.61.05", "12.0", "linux") is False
    # A CUDA 13 build needs a 580+ driver.
    assert tables.driver_runs_cuda("575.57.08", "13.0", "linux") is False
    assert tables.driver_runs_cuda("580.65.06", "13.0", "linux") is True
    # A CUDA 12 build still runs on an R580 driver (backward compatibility, not "< 580").
    assert tables.driver_runs_cuda("580.95.05", "12.8", "linux") is True
    # CUDA 11: 450.80.02 floor; 11.8 on 470.
    assert tables.driver_runs_cuda("470.82.01", "11.8", "linux") is True
    assert tables.driver_runs_cuda("440.33", "11.8", "linux") is False
    # Windows floors differ; without a system only an answer both agree on is given.
    assert tables.driver_runs_cuda("526.00", "12.1", "windows") is False
    assert tables.driver_runs_cuda("526.00", "12.1", "linux") is True
    assert tables.driver_runs_cuda("526.00", "12.1", None) is None
    assert tables.driver_runs_cuda("550.54.14", "12.4", None) is True
    # A CUDA major the tables do not know.
    assert tables.driver_runs_cuda("600.00", "14.0", "linux") is None


def test_cc_range_per_cuda(tables: Tables) -> None:
    assert tables.cuda_supports_cc("12.6", "12.0") is False
    assert tables.cuda_supports_cc("12.8", "12.0") is True
    assert tables.cuda_supports_cc("12.8", "10.3") is False  # B300 needs 12.9
    assert tables.cuda_supports_cc("12.9", "10.3") is True
    assert tables.cuda_supports_cc("13.0", "6.1") is False  # Pascal removed in 13.0
    assert tables.cuda_supports_cc("12.9", "6.1") is True
    assert tables.cuda_supports_cc("12.0", "3.7") is False  # Kepler 3.5/3.7 removed in 12.0
    assert tables.cuda_supports_cc("11.8", "3.7") is True
    assert tables.cuda_supports_cc("10.2", "8.6") is False  # an RTX 3090 needs CUDA 11.1+
    assert tables.cuda_supports_cc("9.2", "7.0") is None  # not in the tables


def test_arch_covers_sass_and_ptx() -> None:
    sm86 = parse_arch_list(["sm_86"])
    assert sm86 is not None
    assert arch_covers(sm86, "8.9") is True  # same major, higher minor
    assert arch_covers(sm86, "8.0") is False  # lower minor
    assert arch_covers(sm86, "9.0") is False  # another major, no PTX
    with_ptx = parse_arch_list(["sm_80", "compute_90"])
    assert with_ptx is not None
    assert arch_covers(with_ptx, "12.0") is True  # PTX JIT on any later GPU
    assert arch_covers(with_ptx, "8.6") is True
    assert arch_covers(with_ptx, "7.5") is False
    listed = parse_arch_list(["7.5;8.0;8.6;9.0;10.0;12.0+PTX"])
    assert listed is not None and listed.ptx == ("12.0",) and "12.0" in listed.sass
    assert parse_arch_list(["sm_90a"]) is None  # arch-specific code runs on 9.0 only: not counted
    assert parse_arch_list(["nonsense"]) is None


def test_torch_wheel_arch_lists(tables: Tables) -> None:
    cu126 = tables.torch_arch_list("2.7.1+cu126", "cu126", "linux-x86_64")
    assert cu126 is not None and not cu126.ptx
    assert arch_covers(cu126, "12.0") is False  # RTX 5090 on a cu126 wheel
    assert arch_covers(cu126, "6.1") is True
    cu128 = tables.torch_arch_list("2.7.0", "cu128", "linux-x86_64")
    assert cu128 is not None
    assert arch_covers(cu128, "6.1") is False  # GTX 1080 Ti on torch 2.7 cu128
    assert arch_covers(cu128, "12.0") is True
    assert arch_covers(cu128, "8.9") is True
    assert tables.torch_arch_list("2.10.0", "cu128", "linux-x86_64") is not None
    v100_cu128 = tables.torch_arch_list("2.10.0", "cu128", "linux-x86_64")
    v100_cu128_211 = tables.torch_arch_list("2.11.0", "cu128", "linux-x86_64")
    assert v100_cu128 is not None and arch_covers(v100_cu128, "7.0") is True
    assert v100_cu128_211 is not None and arch_covers(v100_cu128_211, "7.0") is False
    win = tables.torch_arch_list("2.12.0", "cu130", "windows-x86_64")
    assert win is not None and win.ptx == ()
    # 2.15: Turing is the certain floor (CUDA 13 only); the rest is the RFC's list, marked low
    al_215 = tables.torch_arch_list("2.15.0", "cu132", "linux-x86_64")
    assert al_215 is not None and al_215.lowest == "7.5" and al_215.confidence == "low"
    assert tables.torch_arch_list("2.15.0", "cu132", "linux-aarch64") is None  # not listed: unknown
    assert tables.torch_arch_list("2.8.0", "cu128", "windows-x86_64") is None


def test_torch_releases(tables: Tables) -> None:
    assert tables.knows_torch("2.8.0+cu128")
    assert not tables.knows_torch("2.16.0")
    r = tables.torch_release("2.7.1")
    assert r is not None
    assert r.pypi_default == "cu126" and r.torchvision == "0.22" and "cu118" in r.variants
    assert "cu128" in r.all_variants
    assert tables.torch_python_supported("2.8.0", "3.13.1") is True
    assert tables.torch_python_supported("2.8.0", "3.14.0") is False
    assert tables.torch_python_supported("2.5.1", "3.13.0") is True  # experimental
    assert tables.torch_python_supported("2.16.0", "3.12") is None
    assert tables.torchvision_matches_torch("0.23.0", "2.8.0+cu128") is True
    assert tables.torchvision_matches_torch("0.20.1", "2.8.0") is False
    assert tables.torchvision_matches_torch("0.15.2", "2.0.1") is True
    assert tables.torchvision_matches_torch("0.29.2", "2.14.1") is True
    assert tables.torchvision_matches_torch("0.29.2", "2.15.0") is None  # loosened pin, 2.15 pairing unknown
    assert tables.torchvision_matches_torch("0.40.0", "2.8.0") is None
    assert tables.torchaudio_matches_torch("2.8.0", "2.8.0") is True
    assert tables.torchaudio_matches_torch("2.11.0", "2.13.0") is True  # torchaudio 2.11 supports >= 2.11
    assert tables.torchaudio_matches_torch("0.13.1", "1.13.1") is True
    assert tables.torchaudio_matches_torch("2.7.0", "2.8.0") is False
    assert tables.torch_supports_numpy2("2.2.2") is False
    assert tables.torch_supports_numpy2("2.3.1", "linux") is True
    assert tables.torch_pytorch_channel_last == "2.5"
    assert tables.torch_macos_x86_64_last == "2.2"
    branch = tables.conda_forge_pytorch_branch("2.11.0")
    assert branch is not None and "13.0" in branch.cuda["linux-64"]


def test_variant_and_platform_helpers() -> None:
    assert variant_cuda("cu128") == "12.8"
    assert variant_cuda("cu118") == "11.8"
    assert variant_cuda("cpu") is None
    assert platform_key("linux", "x86_64") == "linux-x86_64"
    assert platform_key("linux", "arm64") == "linux-aarch64"
    assert platform_key("windows", "AMD64") == "windows-x86_64"
    assert platform_key(None, "x86_64") is None


def test_cudnn_support(tables: Tables) -> None:
    assert tables.cudnn_supports_cc("9.10.2.21", "6.1") is True
    assert tables.cudnn_supports_cc("9.17.1.4", "6.1") is False
    assert tables.cudnn_supports_cc("9.17.1.4", "7.5") is True
    assert tables.cudnn_min_cc("7.6.5") is None


def test_tensorflow(tables: Tables) -> None:
    cfg = tables.tf_tested_config("2.18.0", "linux")
    assert cfg is not None and cfg.cuda == "12.5" and cfg.cudnn == "9.3"
    assert tables.tf_tested_config("2.18.0", "windows") is None
    assert tables.tf_native_windows_gpu("2.10.1") is True
    assert tables.tf_native_windows_gpu("2.11.0") is False
    assert tables.tf_python_supported("2.21.0", "3.9") is False
    assert tables.tf_python_supported("2.20.0", "3.13") is True
    pins = tables.tf_and_cuda_pins("2.16.1")
    assert pins is not None and pins.cudnn == "8.9.7.29"
    assert tables.tf_and_cuda_pins("2.13.0") is None
    assert tables.tf_uses_keras3("2.16.1") is True and tables.tf_uses_keras3("2.15.0") is False
    assert tables.tf_keras_matches("2.16.0", "2.16.1") is True
    assert tables.knows_tensorflow("2.21.0") and not tables.knows_tensorflow("2.22.0")


def test_transformers(tables: Tables) -> None:
    line = tables.transformers_line("5.20.0")
    assert line is not None and line.torch_min == "2.6" and line.python_min == "3.10" and not line.tensorflow
    assert tables.transformers_line("5.21.0").python_min == "3.11"  # type: ignore[union-attr]
    four = tables.transformers_line("4.57.6")
    assert four is not None and four.tensorflow and four.tensorflow_max_exclusive == "2.16"
    assert tables.transformers_line("6.0.0") is None
    assert tables.transformers_line("4.20.0") is None


def test_python_end_of_life(tables: Tables) -> None:
    today = datetime.date(2026, 11, 28)
    assert tables.python_eol("3.10.12") == datetime.date(2026, 10, 1)
    assert tables.python_is_eol("3.10.12", today) is True
    assert tables.python_is_eol("3.10.12", datetime.date(2026, 9, 30)) is False
    assert tables.python_is_eol("3.12.3", today) is False
    assert tables.python_is_eol("3.6.15", today) is True
    assert tables.python_is_eol("3.99", today) is None


def test_any_torch_cuda_build_serves(tables: Tables) -> None:
    """Some official CUDA wheel runs on the GPU under the driver (EA030 is quiet when none does)."""
    serves = tables.any_torch_cuda_build_serves
    linux = "linux-x86_64"
    # Tesla K40 (3.5): the oldest wheels in the tables start at sm_37, which a 3.5 GPU cannot run.
    assert serves("3.5", "470.82.01", "linux", platform=linux) is False
    assert serves("3.5", None, "linux", platform=linux) is False  # whatever the driver
    # linux-aarch64 arch lists of the cu118 era are not in the tables: the platform matters.
    assert serves("3.5", "470.82.01", "linux") is None
    # Tesla K80 (3.7): the cu118 wheels up to torch 2.7 carry sm_37; 470 meets the 11.x floor.
    assert serves("3.7", "470.82.01", "linux", platform=linux) is True
    # RTX 2080 (7.5) on driver 410.48 (CUDA 10.0): below the CUDA 11 floor 450.80.02, no wheel runs.
    assert serves("7.5", "410.48", "linux", platform=linux) is False
    assert serves("7.5", None, "linux", platform=linux, driver_cuda="10.0") is False
    assert serves("7.5", None, "linux", platform=linux, driver_cuda="12.2") is True  # minor version compat
    assert serves("7.5", None, "linux", platform=linux) is None  # the driver decides, and is unknown
    assert serves("8.6", "560.94", "windows", platform="windows-x86_64") is True
    # A GPU reached only through PTX (compute_120 in torch 2.7 cu128) needs a driver for CUDA >= 12.8:
    # minor version compatibility does not cover JIT compilation.
    assert serves("13.0", "570.133.07", "linux", platform=linux) is True
    assert serves("13.0", "535.104.05", "linux", platform=linux) is False
    assert serves("not a cc", "570.133.07", "linux", platform=linux) is None


# --------------------------------------------------------------------------------------------------
# The knowledge audit of 2026-12-04 (../shared/reference/knowledge-audit.md), applied
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("transformers", "python_min", "runtime", "extra"),
    [
        # Requires-Python and the [torch] extra from PyPI METADATA; the import-time check from the wheels'
        # utils/import_utils.py ("Disabling PyTorch because PyTorch >= X is required").
        ("4.30.0", "3.7", None, "1.9"),
        ("4.31.0", "3.8", None, "1.9"),
        ("4.33.3", "3.8", None, "1.10"),
        ("4.37.2", "3.8", None, "1.11"),
        ("4.38.0", "3.8", None, None),
        ("4.46.3", "3.8", None, None),
        ("4.47.0", "3.9", None, None),
        ("4.48.0", "3.9", None, "2.0"),
        ("4.51.3", "3.9", None, "2.0"),  # no runtime check before 4.52
        ("4.52.0", "3.9", "2.1", "2.1"),
        ("4.55.4", "3.9", "2.1", "2.1"),
        ("4.56.0", "3.9", "2.1", "2.2"),
        ("4.57.6", "3.9", "2.1", "2.2"),
        ("5.0.0", "3.10", "2.2", "2.2"),
        ("5.1.0", "3.10", "2.4", "2.4"),
        ("5.14.0", "3.10", "2.4", "2.4"),
        ("5.15.0", "3.10", "2.5", "2.5"),
        ("5.19.0", "3.10", "2.5", "2.5"),
        ("5.20.0", "3.10", "2.6", "2.6"),
        ("5.21.0", "3.11", "2.6", "2.6"),
        ("5.25.0", "3.11", "2.6", "2.6"),
    ],
)
def test_transformers_floors_per_release(
    tables: Tables, transformers: str, python_min: str, runtime: str | None, extra: str | None
) -> None:
    line = tables.transformers_line(transformers)
    assert line is not None
    assert (line.python_min, line.torch_runtime_min, line.torch_extra_min) == (python_min, runtime, extra)
    assert line.torch_min == (extra or runtime)  # the stricter of the two (here the extra's, or equal)


def test_transformers_newest_known_is_5_25(tables: Tables) -> None:
    assert tables.newest_transformers == "5.25"
    assert tables.knows_transformers("5.25.0") and tables.transformers_newer_than_tables("5.26.0")


@pytest.mark.parametrize(
    ("torch", "system", "numpy2"),
    [
        ("2.3.0", "linux", True),
        ("2.3.0", "macos", True),
        ("2.3.1", "windows", False),  # built against NumPy 1 (pytorch/pytorch#128860)
        ("2.4.0", "windows", False),  # pytorch/pytorch#131668: fixed in 2.4.1
        ("2.4.1", "windows", True),
        ("2.2.2", "linux", False),
        ("2.4.0", None, None),  # the platforms disagree
        ("2.5.1", None, True),
    ],
)
def test_numpy2_per_os(tables: Tables, torch: str, system: str | None, numpy2: bool | None) -> None:
    assert tables.torch_supports_numpy2(torch, system) is numpy2
    assert tables.torch_numpy2_first_for("windows") == "2.4.1"


def test_torch_2_15_is_cuda_13_only_and_2_14_the_last_for_pre_turing(tables: Tables) -> None:
    release = tables.torch_release("2.15.0")
    assert release is not None and release.variants == ("cu130", "cu132") and release.pypi_default == "cu132"
    assert tables.torch_variant_cudnn("2.15.0", "cu132") == "9.26.0.51"
    for cc in ("5.0", "6.1", "7.0"):
        assert tables.last_torch_for_cc(cc) == "2.14"
        # an older release (the cu126 wheels up to 2.14) still serves it; no 2.15 wheel can (CUDA 13 only)
        assert tables.any_torch_cuda_build_serves(cc, "580.95.05", "linux", platform="linux-x86_64") is True
        assert tables.cuda_supports_cc("13.0", cc) is False
    assert tables.last_torch_for_cc("3.7") == "2.7"  # the cu118 wheels with sm_37
    assert tables.last_torch_for_cc("7.5") is None  # still served


def test_pypi_cu130_wheels_carry_no_ptx(tables: Tables) -> None:
    for torch in ("2.11", "2.13", "2.14"):
        arch = tables.torch_arch_list(torch, "cu130", "linux-x86_64")
        assert arch is not None and arch.ptx == () and arch.highest == "12.0"


def test_torch_2_6_2_7_arch_rows_say_how_sure_they_are(tables: Tables) -> None:
    rows = (("2.6", "cu118"), ("2.6", "cu124"), ("2.6", "cu126"), ("2.7", "cu118"), ("2.7", "cu126"))
    for torch, variant in rows:
        arch = tables.torch_arch_list(torch, variant, "linux-x86_64")
        assert arch is not None and arch.confidence == "low"
        assert "moi90" not in arch.source
    cu118 = tables.torch_arch_list("2.7", "cu118", "linux-x86_64")
    assert cu118 is not None and "6.1" not in cu118.sass  # the Windows cu118 list, not the Linux one


@pytest.mark.parametrize(
    ("cudnn", "cc_min"),
    # observed in the wheels: 8.7.0.84 has sm_35, 8.8.0.121 starts at sm_50, 9.11.0.98 at sm_75
    [("8.4.1", "3.5"), ("8.7.0.84", "3.5"), ("8.8.0", "5.0"), ("8.9.7", "5.0"), ("9.10.2", "5.0"),
     ("9.11.0", "7.5")],
)
def test_cudnn_floors(tables: Tables, cudnn: str, cc_min: str | None) -> None:
    assert tables.cudnn_min_cc(cudnn) == cc_min
    assert tables.cudnn_supports_cc("9.28.0.42", "6.1") is False
    assert tables.cudnn_supports_cc("9.10.2.21", "6.1") is True


@pytest.mark.parametrize(
    ("package", "version", "platform", "field", "floor"),
    [
        ("torch", "2.7.0", "linux-x86_64", "glibc", "2.28"),
        ("torch", "2.6.0", "linux-x86_64", "glibc", ""),  # manylinux1: no floor
        ("torch", "2.6.0", "linux-aarch64", "glibc", "2.28"),
        ("torch", "2.15.0", "linux-x86_64", "glibc", "2.28"),
        ("torch", "2.11.0", "macos-arm64", "macos", ""),
        ("torch", "2.12.0", "macos-arm64", "macos", "14.0"),
        ("torch", "2.16.0", "linux-x86_64", "glibc", None),  # newer than the tables
        ("tensorflow", "2.21.0", "linux-x86_64", "glibc", "2.27"),
        ("tensorflow", "2.20.0", "linux-x86_64", "glibc", "2.17"),
    ],
)
def test_wheel_platform_floors(
    tables: Tables, package: str, version: str, platform: str, field: str, floor: str | None
) -> None:
    assert tables.wheel_os_floor(package, version, platform, field) == floor


def test_platform_floor_look_ups_for_propose(tables: Tables) -> None:
    floor = tables.torch_platform_floor("2.7.1", "linux", "x86_64")
    assert floor is not None and (floor.glibc, floor.since) == ("2.28", "2.7")
    assert "manylinux_2_28" in floor.source
    merged = tables.torch_platform_floor("2.7.1", "linux")
    assert merged is not None and merged.glibc == "2.28" and merged.since == "2.6"
    assert tables.torch_platform_floor("2.6.0", "linux") is None  # x86_64 has none, aarch64 2.28
    mac = tables.torch_platform_floor("2.13.0", "macos", "arm64")
    assert mac is not None and mac.macos == "14.0"
    assert tables.torch_platform_floor("2.14.1", "windows", "x86_64") is None
    tf = tables.tensorflow_platform_floor("2.21.0", "linux")
    assert tf is not None and tf.glibc == "2.27"


def test_torch_1_13_has_python_3_11_wheels_on_linux_x86_64_only(tables: Tables) -> None:
    assert tables.torch_python_supported("1.13.1", "3.11", "linux-x86_64") is True
    assert tables.torch_python_supported("1.13.1", "3.11", "windows-x86_64") is False
    assert tables.torch_python_supported("1.13.1", "3.11") is None
    assert tables.torch_python_supported("1.13.1", "3.12", "linux-x86_64") is False


def test_cuda_13_4_adds_rubin_and_13_5_is_known(tables: Tables) -> None:
    assert tables.cuda_supports_cc("13.4", "10.7") is True
    assert tables.cuda_supports_cc("13.3", "10.7") is False
    assert tables.cuda_supports_cc("12.9", "10.7") is False
    assert tables.knows_cuda("13.5") and tables.cuda_supports_cc("13.5", "12.0") is True
    assert tables.compute_capability_for("NVIDIA Vera Rubin") == "10.7"
    assert tables.architecture_for_cc("10.7") == "Rubin"


def test_torchaudio_2_11_1_pairs_with_torch_2_11_and_newer(tables: Tables) -> None:
    assert tables.torchaudio_matches_torch("2.11.1", "2.14.1") is True
    assert tables.torchaudio_matches_torch("2.11.1", "2.10.0") is False
