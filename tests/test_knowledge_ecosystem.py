"""The ecosystem_packages table (rules/tables/ecosystem-packages.yaml) and its look-ups.

The spot checks below are facts read from the packages themselves (wheel METADATA, DT_NEEDED of the
compiled libraries, setup.py/CMakeLists.txt at the release tags, paddle/version of the wheels); they
guard the table against an edit that silently changes one.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from envadvisor.errors import DataFileError
from envadvisor.knowledge import load_knowledge
from envadvisor.knowledge.ecosystem import BuildTag, build_tag, parse_ecosystem, release_key
from envadvisor.knowledge.tables import Tables, rows_of
from envadvisor.resources import load_yaml_text, rules_dir

PACKAGES = ("vllm", "xformers", "flash-attn", "bitsandbytes", "jax", "jax-cuda12-plugin", "jax-cuda13-plugin",
            "onnxruntime-gpu", "deepspeed", "paddlepaddle-gpu")


@pytest.fixture(scope="module")
def tables() -> Tables:
    return load_knowledge().tables


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    path = rules_dir() / "tables" / "ecosystem-packages.yaml"
    data = load_yaml_text(path.read_text(encoding="utf-8"), path=str(path))
    assert isinstance(data, dict)
    return data["ecosystem_packages"]  # type: ignore[no-any-return]


def test_every_package_of_the_issue_has_rows_with_sources(tables: Tables) -> None:
    assert set(tables.ecosystem) == set(PACKAGES)
    for name, pkg in tables.ecosystem.items():
        assert pkg.rows and pkg.reference.startswith("https://"), name
        for row in pkg.rows:
            assert row.source.strip(), (name, row.first)
            assert release_key(row.first) <= release_key(row.last), (name, row.first)  # type: ignore[operator]
        # Rows are in release order and never overlap.
        for a, b in zip(pkg.rows, pkg.rows[1:], strict=False):
            assert release_key(a.last) < release_key(b.first), (name, a.last, b.first)  # type: ignore[operator]


def test_release_order_counts_post_releases_and_ignores_local_tags() -> None:
    assert release_key("0.0.28.post3") > release_key("0.0.28.post2") > release_key("0.0.28")  # type: ignore[operator]
    assert release_key("0.10.1.1") > release_key("0.10.1")  # type: ignore[operator]
    assert release_key("0.6.1.post1+cu118") == release_key("0.6.1.post1")
    assert release_key("2.6.2.post120", post_is_cuda=True) == release_key("2.6.2")
    for pre in ("0.5.0rc1", "2.9.0.dev20250101", "1.0.0a1", "", "latest"):
        assert release_key(pre) is None, pre


@pytest.mark.parametrize(("version", "post_is_cuda", "expected"), [
    ("0.6.1.post1+cu118", False, BuildTag(cuda="11.8")),
    ("2.5.8+cu122torch2.3cxx11abiFALSE", False, BuildTag(cuda="12.2", torch="2.3")),
    ("2.8.3+cu12torch2.8cxx11abiTRUE", False, BuildTag(cuda="12", torch="2.8")),
    ("0.4.22+cuda12.cudnn89", False, BuildTag(cuda="12", cudnn="8.9")),
    ("2.6.2.post120", True, BuildTag(cuda="12.0")),
    ("2.5.2.post117", True, BuildTag(cuda="11.7")),
    ("0.0.28.post3", False, BuildTag()),
    ("2.6.2", True, BuildTag()),
])
def test_build_tags(version: str, post_is_cuda: bool, expected: BuildTag) -> None:
    assert build_tag(version, post_is_cuda=post_is_cuda) == expected


def test_vllm_rows(tables: Tables) -> None:
    vllm = tables.ecosystem["vllm"]
    # METADATA Requires-Dist torch==X; DT_NEEDED libcudart.so.12 up to 0.19.1, .so.13 from 0.20.0.
    expected = [("0.4.0.post1", "2.1.2", "12.1", "7.0"), ("0.6.3.post1", "2.4.0", "12.1", "7.0"),
                ("0.8.5.post1", "2.6.0", "12.4", "7.0"), ("0.11.0", "2.8.0", "12.8", "7.0"),
                ("0.19.1", "2.10.0", "12.9", "7.0"), ("0.20.0", "2.11.0", "13.0", "7.5"),
                ("0.34.0", "2.14.0", "13.0", "7.5")]
    for version, torch, cuda, cc_min in expected:
        row = vllm.row(version)
        assert row is not None and (row.torch, row.cuda, row.cc_min) == (torch, cuda, cc_min), version
    assert vllm.row("0.10.1.1").platforms == ("linux-x86_64",)  # type: ignore[union-attr]
    assert "linux-aarch64" in vllm.row("0.10.2").platforms  # type: ignore[union-attr]
    assert vllm.build_cuda("0.6.1.post1+cu118") == "11.8"
    # Newer than the tables or a pre-release: unknown, never the neighbour's row.
    assert vllm.row("0.35.0") is None and vllm.newer_than_tables("0.35.0") is True
    assert vllm.row("0.11.0rc1") is None and vllm.newer_than_tables("0.11.0rc1") is None
    # The newest release for an older GPU or driver: a V100 (7.0) -> 0.19.1.
    assert vllm.newest_release(lambda r: r.supports_cc("7.0")) == "0.19.1"


def test_xformers_torch_pins_follow_post_releases(tables: Tables) -> None:
    xf = tables.ecosystem["xformers"]
    assert [xf.row(v).torch for v in ("0.0.28.post1", "0.0.28.post2", "0.0.28.post3")] == [  # type: ignore[union-attr]
        "2.4.1", "2.5.0", "2.5.1"]
    assert xf.row("0.0.33").cuda == "13" and xf.row("0.0.33.post1").cuda == "12"  # type: ignore[union-attr]
    row = xf.row("0.0.35")
    assert row is not None and row.torch is None and row.torch_min == "2.10"
    # 0.0.26 (an sdist-only release) lies between rows: not in the tables.
    assert xf.row("0.0.26") is None and xf.newer_than_tables("0.0.26") is False


def test_flash_attn_architectures(tables: Tables) -> None:
    fa = tables.ecosystem["flash-attn"]
    fa1, fa2, fa273 = fa.row("1.0.9"), fa.row("2.5.8"), fa.row("2.7.3")
    assert fa1 is not None and fa2 is not None and fa273 is not None
    # SASS X.y runs on X.z (z >= y) only: sm_80 covers 8.6/8.9, not 9.0 or 12.0.
    assert [fa2.supports_cc(cc) for cc in ("7.5", "8.0", "8.6", "8.9", "9.0", "10.0", "12.0")] == [
        False, True, True, True, True, False, False]
    assert fa1.supports_cc("7.5") and not fa1.supports_cc("7.0")
    assert fa273.supports_cc("12.0") and fa273.supports_cc("10.3") and not fa273.supports_cc("11.0")
    assert (fa.row("2.1.1").toolkit_min, fa.row("2.1.2").toolkit_min, fa.row("2.7.0").toolkit_min) == (  # type: ignore[union-attr]
        "11.4", "11.6", "11.7")


def test_bitsandbytes_libraries(tables: Tables) -> None:
    bnb = tables.ecosystem["bitsandbytes"]
    row045, row050 = bnb.row("0.45.5"), bnb.row("0.50.1")
    assert row045 is not None and row050 is not None
    assert row045.has_cuda_binary("12.8") and not row045.has_cuda_binary("12.9")
    # 0.50 loads the nearest library of the same CUDA major (cextension.get_cuda_bnb_library_path).
    assert row050.has_cuda_binary("12.9") and row050.has_cuda_binary("13.1")
    assert not row050.has_cuda_binary("10.2")
    assert bnb.row("0.42.0").platforms == ("linux-x86_64",)  # type: ignore[union-attr]
    assert bnb.first_release(lambda r: any(p.startswith("windows-") for p in r.platforms)) == "0.43.0"
    assert (bnb.row("0.47.0").cc_min, bnb.row("0.48.0").cc_min) == ("5.0", "6.0")  # type: ignore[union-attr]


def test_jax_and_plugins(tables: Tables) -> None:
    jax, plugin = tables.ecosystem["jax"], tables.ecosystem["jax-cuda12-plugin"]
    assert (jax.row("0.4.30").jaxlib_min, jax.row("0.5.2").jaxlib_min, jax.row("0.6.0").jaxlib_min) == (  # type: ignore[union-attr]
        "0.4.27", "0.5.1", "self")
    assert plugin.build_cudnn("0.4.28") == "8.9" and plugin.build_cudnn("0.6.0") == "9"
    assert plugin.row("0.6.0").cudnn_min == "9.8"  # type: ignore[union-attr]
    for name in ("jax-cuda12-plugin", "jax-cuda13-plugin"):
        assert all(set(r.platforms) == {"linux-x86_64", "linux-aarch64"} for r in tables.ecosystem[name].rows)


def test_onnxruntime_deepspeed_paddle(tables: Tables) -> None:
    ort = tables.ecosystem["onnxruntime-gpu"]
    assert [(ort.build_cuda(v), ort.build_cudnn(v)) for v in ("1.18.1", "1.19.0", "1.26.0", "1.27.0")] == [
        ("11.8", "8"), ("12", "9"), ("12", "9"), ("13", "9")]
    ds = tables.ecosystem["deepspeed"]
    assert ds.row("0.15.0").minor_ok == {"10": "10.2", "11": "11.8", "12": "12.5"}  # type: ignore[union-attr]
    assert "13" not in ds.row("0.19.8").minor_ok  # type: ignore[union-attr]
    paddle = tables.ecosystem["paddlepaddle-gpu"]
    assert (paddle.build_cuda("2.4.2"), paddle.build_cudnn("2.4.2")) == ("10.2", "7.6.5")
    assert (paddle.build_cuda("2.6.2"), paddle.build_cudnn("2.6.2")) == ("11.8", "8.6.0")
    assert (paddle.build_cuda("2.6.2.post120"), paddle.build_cudnn("2.6.2.post120")) == ("12.0", "8.9.1")
    assert paddle.row("3.0.0") is None and paddle.newer_than_tables("3.0.0") is True


def test_raw_rows_are_listed_with_their_sources(tables: Tables) -> None:
    assert rows_of(tables, "ecosystem_packages")
    assert tables.source_file("ecosystem_packages").endswith("ecosystem-packages.yaml")  # type: ignore[union-attr]


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["vllm"]["rows"][1].update({"from": "0.2.7"}), "must not overlap"),
    (lambda d: d["vllm"]["rows"][0].update({"torch": "two"}), "'two' is not a version"),
    (lambda d: d["vllm"]["rows"][0].update({"platforms": ["linux-x86"]}), "is not a platform"),
    (lambda d: d["vllm"]["rows"][0].update({"colour": "red"}), "unknown field"),
    (lambda d: d["vllm"]["rows"][0].pop("last"), "missing"),
    (lambda d: d["vllm"].pop("source"), "missing"),
    (lambda d: d["vllm"].update({"reference": "http://docs.vllm.ai"}), "https"),
    (lambda d: d["bitsandbytes"]["rows"][-1].update({"cuda_fallback": "nearest"}), "same_major"),
    (lambda d: d["jax"]["rows"][0].update({"jaxlib_min": "newest"}), "'newest' is not a version"),
])
def test_malformed_rows_name_file_package_row_and_field(raw: dict[str, Any], mutate: Any,
                                                        message: str) -> None:
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(DataFileError) as info:
        parse_ecosystem(data, "ecosystem-packages.yaml")
    text = str(info.value)
    assert "ecosystem-packages.yaml" in text and "ecosystem_packages." in text and message in text, text


def test_ecosystem_rules_load_only_where_asked() -> None:
    with_rules = {r.code for r in load_knowledge().rules}
    without = {r.code for r in load_knowledge(ecosystem_rules=False).rules}
    ecosystem = {c for c in with_rules if "EA300" <= c <= "EA399"}
    assert len(ecosystem) >= 20 and not ecosystem & without


REPORT = """$ nvidia-smi
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 570.133.07             Driver Version: 570.133.07     CUDA Version: 12.8     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
|   0  Tesla V100-SXM2-16GB           On  |   00000000:00:1E.0 Off |                    0 |
+-----------------------------------------+------------------------+----------------------+
$ pip freeze
torch==2.11.0
{packages}
"""


def _diagnose(tmp_path: Any, capsys: pytest.CaptureFixture[str], packages: str) -> dict[str, Any]:
    import json

    from envadvisor.cli import main

    path = tmp_path / "report.txt"
    path.write_text(REPORT.format(packages=packages), encoding="utf-8")
    assert main(["diagnose", "--from", str(path), "--json"]) in (0, 1)
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_diagnose_from_a_pasted_report_uses_the_ecosystem_rules(tmp_path: Any,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """vLLM 0.20.0 (a CUDA 13 build, Turing and newer) on a V100 with a 570 driver: the release dropped
    the GPU and needs driver 580; 0.19.1 fits both. xFormers 0.0.29.post3 pins torch 2.6.0."""
    report = _diagnose(tmp_path, capsys, "vllm==0.20.0\nxformers==0.0.29.post3")
    findings = {f["code"]: f for f in report["findings"]}
    assert {"EA302", "EA305", "EA323"} <= set(findings), sorted(findings)
    assert 'pip install "vllm==0.19.1"' in " ".join(findings["EA302"]["fix"])
    assert "580" in findings["EA323"]["message"]
    assert 'pip install "torch==2.6.0"' in findings["EA305"]["fix"][0]
    # None of them without those packages.
    plain = _diagnose(tmp_path, capsys, "numpy==2.1.3")
    assert not [f["code"] for f in plain["findings"] if "EA300" <= f["code"] <= "EA399"]
