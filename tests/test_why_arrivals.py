"""``why`` for packages no line names (cudnn, nccl, cuda-runtime, libcublas, triton, cuda-nvrtc, nvidia-*
wheels): explained through the line that brings them, with the version that comes along; ``why --file``
reads the target from the file's header; ``why`` with no package lists what ``propose`` would write.

The versions are the ones data/arrivals.yaml records from each release's PyPI wheel METADATA and from
conda-forge's pytorch recipe; the tests read the same table rows they check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from envadvisor.arrivals import component, find_arrival
from envadvisor.cli import main
from envadvisor.records import record

TESTS = Path(__file__).resolve().parent
H200 = str(TESTS / "machines" / "h200-datacenter.json")  # driver 580 (CUDA 13.0), H200
RTX4090 = ["--from", H200, "--gpu", "RTX 4090", "--driver", "570.86.15"]


@pytest.fixture(autouse=True)
def _english_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG", "CONDA_OVERRIDE_CUDA", "COLUMNS"):
        monkeypatch.delenv(variable, raising=False)


def _why(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["why", *argv, "--json"]) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


@record
class _Line:
    name: str
    spec: str
    source: str


def test_component_names_meet() -> None:
    for names, key in (
        (("cudnn", "libcudnn", "nvidia-cudnn-cu12", "nvidia-cudnn-cu13"), "cudnn"),
        (("nccl", "nvidia-nccl-cu13"), "nccl"),
        (
            ("cuda-runtime", "cudart", "cuda-cudart", "nvidia-cuda-runtime-cu12", "cuda-toolkit[cudart]"),
            "runtime",
        ),
        (("libcublas", "nvidia-cublas-cu12", "nvidia-cublas"), "cublas"),
        (("cuda-nvrtc", "nvidia-cuda-nvrtc-cu12"), "nvrtc"),
        (("triton",), "triton"),
    ):
        assert {component(n) for n in names} == {key}, names


@pytest.mark.parametrize(
    ("package", "installed", "version"),
    [
        ("cudnn", "nvidia-cudnn-cu13", "==9.20.0.48"),
        ("nccl", "nvidia-nccl-cu13", "==2.29.7"),
        ("triton", "triton", "==3.7.1"),
        ("cuda-runtime", "cuda-toolkit[cudart]", "==13.0.3"),
        ("libcublas", "cuda-toolkit[cublas]", "==13.0.3"),
        ("cuda-nvrtc", "cuda-toolkit[nvrtc]", "==13.0.3"),
    ],
)
def test_the_torch_wheel_brings_them(package: str, installed: str, version: str) -> None:
    """torch 2.13.0 from PyPI (its default variant, CUDA 13.0): the wheel's own Requires-Dist pins."""
    found = find_arrival(package, [_Line("torch", "torch==2.13.0", "pip")])
    assert found is not None and (found.package, found.version) == (installed, version)
    assert "torch-2.13.0-cp312-cp312-manylinux_2_28_x86_64.whl METADATA" in found.reference


def test_another_torch_variant_says_what_is_known() -> None:
    """torch 2.14.0+cu126 from download.pytorch.org: its cuDNN from the RELEASE.md table, the rest not
    in the tables (said, with what PyPI's variant pins)."""
    lines = [_Line("torch", "torch==2.14.0+cu126", "pip")]
    cudnn = find_arrival("cudnn", lines)
    assert cudnn is not None and (cudnn.package, cudnn.version) == ("nvidia-cudnn-cu12", "==9.10.2.21")
    nccl = find_arrival("nccl", lines)
    assert nccl is not None and nccl.version is None and nccl.package == "nvidia-nccl-cu12"
    assert (nccl.variant, nccl.pypi_pin) == ("cu126", "nvidia-nccl-cu13==2.30.7")


def test_tensorflow_and_cuda_brings_them() -> None:
    found = find_arrival("cudnn", [_Line("tensorflow", "tensorflow[and-cuda]==2.18.1", "pip")])
    assert found is not None and (found.package, found.version) == ("nvidia-cudnn-cu12", "==9.3.0.75")


def test_conda_forge_pytorch_brings_them() -> None:
    lines = [
        _Line("pytorch-gpu", "pytorch-gpu=2.13.*", "conda"),
        _Line("cuda-version", "cuda-version=12.9", "conda"),
    ]
    cudnn = find_arrival("cudnn", lines, system="linux")
    assert cudnn is not None and (cudnn.package, cudnn.version, cudnn.cuda) == ("libcudnn", "9.*", "12.9")
    assert cudnn.how == "run_exports" and cudnn.host == "libcudnn-dev" and cudnn.follows == "built_for_cuda"
    cublas = find_arrival("libcublas", lines, system="linux")
    assert cublas is not None and (cublas.version, cublas.follows) == ("12.9.*", "pinned_by_cuda")
    unpinned = find_arrival("libcublas", lines[:1], system="linux")
    assert unpinned is not None and unpinned.version is None and unpinned.follows == "no_cuda_line"
    assert find_arrival("triton", lines, system="windows") is None  # linux only
    assert find_arrival("cudnn", [_Line("pytorch-cpu", "pytorch-cpu=2.13.*", "conda")]) is None


def test_why_cudnn_through_the_proposal(capsys: pytest.CaptureFixture[str]) -> None:
    """The proposal for an RTX 4090 on R570 has pytorch-gpu and cuda-version: cudnn is no line of it."""
    data = _why(capsys, "cudnn", *RTX4090)
    assert data["spec"] == "libcudnn 9.*"
    assert re.search(r"at 9\.\* \(a build for cuda-version 12\.\d\)", str(data["why"]))
    assert data["arrives_with"] == "pytorch-gpu=2.13.*"
    chain = data["chain"]
    assert (
        isinstance(chain, list) and chain[0].startswith("libcudnn 9.*") and "pytorch-gpu=2.13.*" in chain[1]
    )
    assert "conda-forge/pytorch-cpu-feedstock" in str(data["based_on"])
    pip = _why(capsys, "nccl", *RTX4090, "--source", "pip")
    assert str(pip["spec"]).startswith("nvidia-nccl-cu12") and str(pip["arrives_with"]).startswith("torch==")
    assert "download.pytorch.org pins its own version" in str(pip["version_note"])


def test_why_cudnn_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    data = _why(capsys, "cudnn", *RTX4090, "--lang", "zh")
    assert "随 pytorch-gpu=2.13.* 一起安装" in str(data["why"]) and "run_exports" in str(data["why"])
    pip = _why(capsys, "nccl", *RTX4090, "--source", "pip", "--lang", "zh")
    assert "自己固定版本" in str(pip["version_note"])


def test_why_file_uses_the_target_in_its_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = tmp_path / "environment.yml"
    assert (
        main(
            [
                "propose",
                "torch",
                "--gpu",
                "RTX 4090",
                "--driver",
                "570.86.15",
                "--os",
                "linux",
                "-o",
                str(env),
            ]
        )
        == 0
    )
    capsys.readouterr()
    data = _why(capsys, "cuda-version", "--file", str(env))
    assert "read from the file's header" in str(data["target"])
    assert "RTX 4090" in str(data["target"]) and "570.86.15" in str(data["target"])
    assert data["remark"] == "the same line"  # the same target gives the same line
    cudnn = _why(capsys, "cudnn", "--file", str(env))
    assert cudnn["arrives_with"] == "pytorch-gpu=2.13.*" and cudnn["line"] is not None
    given = _why(capsys, "cuda-version", "--file", str(env), "--no-gpu")
    assert "header" not in str(given["target"])


def test_why_without_a_package_lists_what_propose_writes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "--from", H200, "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert main(["propose", "--from", H200, "--json"]) == 0
    proposal = json.loads(capsys.readouterr().out)
    assert [line["spec"] for line in listing["lines"]] == [
        d["spec"] for d in proposal["dependencies"] if d["kind"] == "package"
    ]
    assert main(["why", "--from", H200]) == 0
    out = capsys.readouterr().out
    assert "What envadvisor propose would write for no packages" in out and "python=" in out
