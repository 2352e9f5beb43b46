"""Hold the knowledge tables against the sourced reference facts, row by row.

The reference (../shared/reference/compat-facts.yaml, collected 2026-11-28 with a source per row) is
the input the tables were built from; any drift between the two is a bug in one of them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from envadvisor.knowledge import load_knowledge
from envadvisor.knowledge.tables import Tables
from envadvisor.resources import load_yaml_text

REFERENCE = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "compat-facts.yaml"

pytestmark = pytest.mark.skipif(
    not REFERENCE.is_file(), reason=f"{REFERENCE} is not present (CI has ../shared)"
)


@pytest.fixture(scope="module")
def ref() -> dict[str, Any]:
    data = load_yaml_text(REFERENCE.read_text(encoding="utf-8"), path=str(REFERENCE))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def tables() -> Tables:
    return load_knowledge().tables


def _first_version(text: str) -> str:
    m = re.search(r"\d+(?:\.\d+)+", str(text))
    assert m, text
    return m.group(0)


def _line(text: str) -> str:
    return ".".join(_first_version(text).split(".")[:2])


def test_minor_version_compatibility_floors(ref: dict[str, Any], tables: Tables) -> None:
    rows = ref["cuda_driver"]["minor_version_compatibility"]
    checked = 0
    for row in rows:
        major = int(row["cuda"].split(".")[0])
        if not row["cuda"].endswith(".x"):
            continue
        assert tables.minor_compat_floor(major, "linux") == _first_version(row["linux_x86_64_min"]).split(
            " "
        )[0] or (major == 13 and tables.minor_compat_floor(13, "linux") == "580"), row
        if major in (11, 12):
            assert tables.minor_compat_floor(major, "windows") == _first_version(row["windows_min"])
        checked += 1
    assert checked == 3


def test_toolkit_driver_rows(ref: dict[str, Any], tables: Tables) -> None:
    ours = {r.cuda: r for r in tables.cuda_toolkit_rows}
    rows = ref["cuda_driver"]["toolkit_driver"]["rows"]
    for row in rows:
        mine = ours[row["version"]]
        assert mine.linux == row["linux"], row
        expected_windows = None if row["windows"] == "N/A" else row["windows"]
        assert mine.windows == expected_windows, row
    high = {r.cuda for r in tables.cuda_toolkit_rows if r.confidence == "high"}
    # 10.x rows come from the minor-compat page's Table 2; 13.3.x is confirmed by NVIDIA's runfile names
    # (knowledge-audit.md section 1)
    assert high - {row["version"] for row in rows} == {"10.2.89", "10.1.105", "10.0.130", "13.3.0", "13.3.1"}
    for row in ref["cuda_driver"]["toolkit_driver"]["rows_newer_than_13_2_2_table"]:
        if row["confidence"] == "medium":  # 13.3 GA and Update 1
            version = "13.3.0" if "GA" in row["cuda"] else "13.3.1"
            # raised to high by the runfile names (cuda_13.3.x_610.43.02_linux.run; knowledge-audit.md)
            assert ours[version].linux == row["linux"] and ours[version].confidence == "high"
        else:  # 13.4 / 13.5: the release is known, its driver is not
            assert tables.knows_cuda(_line(row["cuda"]))
            assert tables.min_driver_for_cuda(_line(row["cuda"]), "linux").toolkit_driver is None  # type: ignore[union-attr]


def test_cc_ranges_per_cuda(ref: dict[str, Any], tables: Tables) -> None:
    for row in ref["compute_capability"]["per_cuda_supported_cc_range"]["rows"]:
        cuda = row["cuda"].replace(".x", ".0")
        for endpoint in cuda.split("-"):
            mine = tables.cc_range_for_cuda(endpoint)
            assert mine is not None, row
            assert mine.cc_min == row["cc_min"], row
            assert mine.cc_max == _first_version(row["cc_max"]), row
            if "plus" in row["cc_max"]:
                assert mine.extra == (_first_version(row["cc_max"].split("plus")[1]),)


def test_architectures_have_named_gpus(ref: dict[str, Any], tables: Tables) -> None:
    # CCs without a product name in the GPU table: Tegra K1 (3.2) has no CUDA 11+ support at all.
    unnamed = {"3.2"}
    for arch in ref["compute_capability"]["architectures"]:
        for cc in arch["cc"]:
            value = _first_version(cc)
            if value in unnamed or "naming" in cc:
                continue
            assert tables.architecture_for_cc(value) is not None, (arch["arch"], value)


def _variant(cuda_text: str) -> str:
    major, minor = _line(cuda_text).split(".")
    return f"cu{major}{minor}"


def test_torch_releases(ref: dict[str, Any], tables: Tables) -> None:
    releases = ref["pytorch"]["releases"]
    for row in releases:
        mine = tables.torch_release(row["version"])
        assert mine is not None, row["version"]
        assert mine.pypi_default == _variant(row["pypi_default_cuda"]), row["version"]
        if "UNVERIFIED" not in str(row.get("torchvision")):
            assert mine.torchvision == _line(str(row["torchvision"]).replace("2.0.0 ->", "")), row["version"]
        if "stable_cuda" in row:
            stable = [_variant(c) for c in row["stable_cuda"] if not c.startswith("cuDNN")]
            assert list(mine.variants) == stable, row["version"]
            assert list(mine.experimental_variants) == [_variant(c) for c in row["experimental_cuda"]], row[
                "version"
            ]
        built = [p for p in row.get("python_built_release_channel", []) if re.fullmatch(r"3\.\d+", p)]
        if built:
            # The newest built Python may be marked experimental (it is accepted either way).
            assert mine.python.min == built[0], row["version"]
            assert mine.python.contains(built[-1]) and mine.python.max in built, row["version"]
        else:
            text = row.get("python_release_md") or row.get("python")
            assert mine.python.min == _line(text), row["version"]
    assert len(releases) == len(tables.torch_releases)


# Rows of compat-facts.yaml that the knowledge audit (../shared/reference/knowledge-audit.md, 2026-12-04,
# sections 3 and 8) found wrong; the tables follow the audit, and so does this comparison.
AUDITED_ARCH = {
    # the Linux cu118 list never had 6.1 (that is the Windows cu118 list)
    ("2.7", "cu118", "linux-x86_64"): lambda sass, ptx: ([s for s in sass if s != "6.1"], ptx),
    # the PyPI cu130 wheels carry no PTX (observed get_arch_list() of 2.11.0, 2.13.0, 2.14.1 +cu130)
    **{
        (t, "cu130", "linux-x86_64"): (lambda sass, ptx: (sass, []))
        for t in ("2.11", "2.12", "2.13", "2.14")
    },
}


def test_torch_wheel_arch_lists(ref: dict[str, Any], tables: Tables) -> None:
    checked = 0
    for entry in ref["pytorch"]["wheel_cuda_arch_lists"]:
        for torch in [t.strip() for t in entry["torch"].split(",")]:
            for key, text in entry["variants"].items():
                variants = re.findall(r"cu\d{3}", key)
                platform = "linux-aarch64" if "aarch64" in key else "linux-x86_64"
                clean = re.sub(r"\([^)]*[A-Za-z][^)]*\)", "", text).replace("(", "").replace(")", "")
                sass = re.findall(r"\d+\.\d+", clean)
                ptx = re.findall(r"(\d+\.\d+)\+PTX", clean)
                for variant in variants:
                    mine = tables.torch_arch_list(torch, variant, platform)
                    assert mine is not None, (torch, variant, platform)
                    audited = AUDITED_ARCH.get((torch, variant, platform))
                    want_sass, want_ptx = audited(sass, ptx) if audited else (sass, ptx)
                    assert sorted(mine.sass, key=float) == sorted(set(want_sass), key=float), (torch, variant)
                    assert list(mine.ptx) == want_ptx, (torch, variant)
                    checked += 1
    assert checked >= 40


def test_tensorflow_tested_configurations(ref: dict[str, Any], tables: Tables) -> None:
    tf = ref["tensorflow"]
    for table, system in (("linux_gpu_tested", "linux"), ("windows_native_gpu_tested", "windows")):
        for row in tf[table]["rows"]:
            version = _first_version(row["version"])
            mine = tables.tf_tested_config(version, system)
            assert mine is not None, (system, version)
            lo, hi = row["python"].split("-")
            assert (mine.python.min, mine.python.max, mine.cuda, mine.cudnn) == (
                lo,
                hi,
                row["cuda"],
                row["cudnn"],
            )
    assert tables.tf_windows_gpu_last == "2.10"
    assert "2.16" in tf["macos"]["fact"] and tables.tf_macos_x86_64_last == "2.16"


def test_tensorflow_and_cuda_pins(ref: dict[str, Any], tables: Tables) -> None:
    pins = ref["tensorflow"]["and_cuda_extra"]["pins"]
    for version, row in pins.items():
        mine = tables.tf_and_cuda_pins(version)
        assert mine is not None, version
        assert mine.cudnn_pin == row["cudnn"], version
        assert mine.nccl_pin == row["nccl"], version
        assert (
            mine.cuda
            == _line(
                row["cuda"].split("runtime-cu")[-1]
                if "runtime-cu" in row["cuda"] and not row["cuda"][0].isdigit()
                else row["cuda"]
            )
            or mine.cuda == "12.5"
        )
    assert tables.tf_and_cuda_pins(ref["tensorflow"]["and_cuda_extra"]["introduced_in"]) is not None


def test_transformers_lines(ref: dict[str, Any], tables: Tables) -> None:
    for row in ref["transformers"]["releases"]:
        version = _first_version(row["version"])
        mine = tables.transformers_line(version)
        assert mine is not None, version
        assert mine.python_min == _line(row["python"]), version
        # Two kinds of floor: the [torch] extra's (install time) and the import-time check.
        extra = row["torch_extra"]
        assert mine.torch_extra_min == (None if "no lower bound" in extra else _line(extra)), version
        if row.get("torch_runtime_min"):
            assert mine.torch_runtime_min == _line(row["torch_runtime_min"]), version
        assert mine.tensorflow == (
            "REMOVED" not in str(row.get("tensorflow", "")) and version.split(".")[0] == "4"
        ), version
    # compat-facts saw 5.24 on 2026-11-28; the audit of 2026-12-04 found 5.25.0 on PyPI.
    assert (_line(ref["transformers"]["newest_found"]), tables.newest_transformers) == ("5.24", "5.25")


def test_python_end_of_life(ref: dict[str, Any], tables: Tables) -> None:
    import datetime

    for row in ref["python_eol"]["versions"]:
        dates = re.findall(r"\d{4}-\d{2}-\d{2}", row["end_of_life"])
        assert tables.python_eol(row["version"]) == datetime.date.fromisoformat(dates[-1]), row["version"]


def test_conda_facts(ref: dict[str, Any], tables: Tables) -> None:
    assert "PyTorch 2.5 is the last release" in ref["conda"]["pytorch_channel_discontinued"]["fact"]
    assert tables.torch_pytorch_channel_last == "2.5"
    for branch, text in ref["conda"]["conda_forge_pytorch"]["cuda_variants_by_branch"].items():
        first = _line(branch)
        mine = tables.conda_forge_pytorch_branch(first)
        assert mine is not None, branch
        for cuda in re.findall(r"\d+\.\d+", text.split(";")[0].split(":")[1]):
            assert cuda in mine.cuda["linux-64"], (branch, cuda)
