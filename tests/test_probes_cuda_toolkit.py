"""The CUDA toolkit probe: torch.utils.cpp_extension's search order, version files, nvcc in bad moods."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from envadvisor.probes import cuda_toolkit
from tests.probe_support import NVCC_12_4_OUTPUT, context, path_with, write_executable

# version.json as a CUDA 12.6 runfile install writes it (detection.md section 5): cuda.version's third
# part is a date, cuda_nvcc has the real full version.
VERSION_JSON_12_6 = {
    "cuda": {"name": "CUDA SDK", "version": "12.6.20241114"},
    "cuda_cudart": {"name": "CUDA Runtime (cudart)", "version": "12.6.77"},
    "cuda_nvcc": {"name": "CUDA NVCC", "version": "12.6.77"},
}


def _nvcc(bin_dir: Path, output: str = NVCC_12_4_OUTPUT) -> Path:
    return write_executable(bin_dir, "nvcc", f"cat <<'EOF'\n{output}EOF\n")


def test_nvcc_on_path_gives_the_build_toolkit_like_torch_finds_it(tmp_path: Path) -> None:
    bin_dir = tmp_path / "opt/cuda-12.4/bin"
    _nvcc(bin_dir)
    out = cuda_toolkit.probe(context(root=tmp_path, environ=path_with(bin_dir)))
    facts = out.sections["cuda_toolkit"]
    assert (facts.version, facts.nvcc_version) == ("12.4", "12.4.131")
    assert facts.home == str(tmp_path / "opt/cuda-12.4") and facts.source == "nvcc-on-PATH"
    assert out.status == "ok"


def test_cuda_home_wins_over_nvcc_on_path_and_version_json_is_read(tmp_path: Path) -> None:
    home = tmp_path / "cuda-12.6"
    home.mkdir()
    (home / "version.json").write_text(json.dumps(VERSION_JSON_12_6))
    path_bin = tmp_path / "other/bin"
    _nvcc(path_bin)
    env = {**path_with(path_bin), "CUDA_HOME": str(home)}
    facts = cuda_toolkit.probe(context(root=tmp_path, environ=env)).sections["cuda_toolkit"]
    assert (facts.version, facts.nvcc_version, facts.source) == ("12.6", "12.6.77", "CUDA_HOME")
    assert [i.source for i in facts.installs] == ["CUDA_HOME", "nvcc-on-PATH"]
    assert facts.installs[1].version == "12.4"


def test_version_txt_of_old_toolkits_and_every_local_install_listed(tmp_path: Path) -> None:
    old = tmp_path / "usr/local/cuda-10.2"
    old.mkdir(parents=True)
    (old / "version.txt").write_text("CUDA Version 10.2.89\n")
    new = tmp_path / "usr/local/cuda-12.6"
    new.mkdir(parents=True)
    (new / "version.json").write_text(json.dumps(VERSION_JSON_12_6))
    (tmp_path / "usr/local/cuda").symlink_to("cuda-12.6")
    facts = cuda_toolkit.probe(context(root=tmp_path, environ={"PATH": str(tmp_path / "none")})).sections[
        "cuda_toolkit"
    ]
    assert facts.source == "/usr/local/cuda" and facts.version == "12.6"
    # /usr/local/cuda and /usr/local/cuda-12.6 are one install; the old one is listed too
    assert [(i.source, i.version) for i in facts.installs] == [
        ("/usr/local/cuda", "12.6"),
        ("/usr/local/cuda-*", "10.2"),
    ]


def test_cuda_home_that_does_not_exist_is_still_what_a_build_uses(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path), "CUDA_HOME": str(tmp_path / "gone")}
    out = cuda_toolkit.probe(context(root=tmp_path, environ=env))
    facts = out.sections["cuda_toolkit"]
    assert facts.home == str(tmp_path / "gone") and facts.version is None
    assert "does not exist" in out.reasons["cuda_toolkit.version"]
    assert out.status == "partial"


def test_no_toolkit_anywhere(tmp_path: Path) -> None:
    out = cuda_toolkit.probe(context(root=tmp_path, environ={"PATH": str(tmp_path)}))
    assert out.status == "absent"
    assert out.sections["cuda_toolkit"].version is None
    assert "no CUDA toolkit found" in out.reasons["cuda_toolkit.version"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("echo 'nvcc fatal: cannot find libcudart' >&2\nexit 1\n", "exited with status 1: nvcc fatal"),
        ("echo 'Hello, I am not nvcc'\n", "printed no release line"),
        ("printf '\\377\\376 release \\351\\n'\n", "printed no release line"),
        ("exit 0\n", "printed nothing"),
    ],
)
def test_nvcc_that_misbehaves_gives_a_reason(tmp_path: Path, body: str, expected: str) -> None:
    bin_dir = tmp_path / "cuda/bin"
    write_executable(bin_dir, "nvcc", body)
    out = cuda_toolkit.probe(context(root=tmp_path, environ=path_with(bin_dir)))
    assert out.sections["cuda_toolkit"].version is None
    assert expected in out.reasons["cuda_toolkit.version"]


def test_hung_nvcc_costs_at_most_the_timeout(tmp_path: Path) -> None:
    bin_dir = tmp_path / "cuda/bin"
    write_executable(bin_dir, "nvcc", "sleep 30\n")
    started = time.monotonic()
    out = cuda_toolkit.probe(context(root=tmp_path, environ=path_with(bin_dir), timeout=0.5))
    assert time.monotonic() - started < 3
    assert "timed out after 0.5 s" in out.reasons["cuda_toolkit.version"]


def test_the_wheel_style_toolkit_of_this_machine_layout(tmp_path: Path) -> None:
    # /usr/local/cuda-13.0 on the test machine has no version.json, only NVIDIA's dist-info folders
    home = tmp_path / "usr/local/cuda-13.0"
    (home / "dist-info/nvidia_cuda_nvcc-13.0.88.dist-info").mkdir(parents=True)
    (home / "dist-info/nvidia_cuda_cccl-13.0.85.dist-info").mkdir(parents=True)
    (tmp_path / "usr/local/cuda").symlink_to("cuda-13.0")
    facts = cuda_toolkit.probe(context(root=tmp_path, environ={"PATH": str(tmp_path)})).sections[
        "cuda_toolkit"
    ]
    assert (facts.version, facts.nvcc_version) == ("13.0", "13.0.88")
