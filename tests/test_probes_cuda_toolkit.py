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


# --------------------------------------------------------------------------------------------------
# CUDA home is a real folder (issue 11 part 5): links and wrapper scripts are followed to the toolkit
# --------------------------------------------------------------------------------------------------


def _probe_facts(root: Path, environ: dict[str, str]):  # type: ignore[no-untyped-def]
    return cuda_toolkit.probe(context(root=root, environ=environ)).sections["cuda_toolkit"]


def _toolkit(root: Path, name: str = "usr/local/cuda-13.0") -> Path:
    """A toolkit folder as the CUDA 13.0 installer of the test machine lays it out (nvvm, dist-info)."""
    home = root / name
    (home / "nvvm").mkdir(parents=True)
    (home / "dist-info/nvidia_cuda_nvcc-13.0.88.dist-info").mkdir(parents=True)
    _nvcc(home / "bin", NVCC_12_4_OUTPUT.replace("12.4", "13.0").replace("V13.0.131", "V13.0.88"))
    return home


def test_wrapper_script_nvcc_and_cuda_symlink_are_one_install(tmp_path: Path) -> None:
    # The layout of this machine: /usr/local/bin/nvcc is `exec /usr/local/cuda-13.0/bin/nvcc "$@"` and
    # /usr/local/cuda links to cuda-13.0. One install, whose home is the toolkit root.
    home = _toolkit(tmp_path)
    (tmp_path / "usr/local/cuda").symlink_to("cuda-13.0")
    wrapper_dir = tmp_path / "usr/local/bin"
    write_executable(wrapper_dir, "nvcc", f'exec {home / "bin/nvcc"} "$@"\n')
    facts = _probe_facts(tmp_path, path_with(wrapper_dir))
    assert facts.home == str(home) and facts.source == "nvcc-on-PATH"
    assert (facts.version, facts.nvcc_version) == ("13.0", "13.0.88")
    assert [(i.path, i.source) for i in facts.installs] == [(str(home), "nvcc-on-PATH")]


def test_symlinked_nvcc_leads_to_its_toolkit(tmp_path: Path) -> None:
    home = _toolkit(tmp_path, "opt/cuda-13.0")
    links = tmp_path / "usr/bin"
    links.mkdir(parents=True)
    (links / "nvcc").symlink_to(home / "bin/nvcc")
    facts = cuda_toolkit.probe(context(root=tmp_path, environ=path_with(links))).sections["cuda_toolkit"]
    assert facts.home == str(home)


def test_wrapper_to_a_link_to_the_toolkit(tmp_path: Path) -> None:
    # A wrapper that runs /usr/local/cuda/bin/nvcc, where /usr/local/cuda is a link: both are followed.
    home = _toolkit(tmp_path)
    (tmp_path / "usr/local/cuda").symlink_to("cuda-13.0")
    wrapper_dir = tmp_path / "home/me/bin"
    body = f'#  my wrapper\nexec "{tmp_path}/usr/local/cuda/bin/nvcc" -ccbin gcc-12 "$@"\n'
    write_executable(wrapper_dir, "nvcc", body)
    facts = _probe_facts(tmp_path, path_with(wrapper_dir))
    assert facts.home == str(home)
    assert len(facts.installs) == 1


def test_cuda_home_through_a_link_is_the_real_folder_and_counted_once(tmp_path: Path) -> None:
    home = _toolkit(tmp_path)
    (tmp_path / "usr/local/cuda").symlink_to("cuda-13.0")
    env = {"PATH": str(tmp_path / "none"), "CUDA_HOME": str(tmp_path / "usr/local/cuda")}
    facts = cuda_toolkit.probe(context(root=tmp_path, environ=env)).sections["cuda_toolkit"]
    assert facts.home == str(home) and facts.source == "CUDA_HOME"
    assert [i.path for i in facts.installs] == [str(home)]


def test_a_toolkit_folder_on_path_is_not_resolved_further(tmp_path: Path) -> None:
    # A conda prefix: $PREFIX/bin/nvcc next to conda-meta is the home, whatever the binary links to.
    prefix = tmp_path / "envs/cu"
    (prefix / "conda-meta").mkdir(parents=True)
    target = _toolkit(tmp_path, "envs/cu/targets/x86_64-linux")
    (prefix / "bin").mkdir()
    (prefix / "bin/nvcc").symlink_to(target / "bin/nvcc")
    facts = cuda_toolkit.probe(context(root=tmp_path, environ=path_with(prefix / "bin"))).sections[
        "cuda_toolkit"
    ]
    assert facts.home == str(prefix)


@pytest.mark.parametrize(
    "wrapper",
    [
        'exec "$CUDA_HOME/bin/nvcc" "$@"\n',  # a variable: not resolvable here
        "exec /nowhere/cuda/bin/nvcc \"$@\"\n",  # a target that does not exist
        'exec "$0" "$@"\n',  # itself
    ],
)
def test_an_unresolvable_wrapper_keeps_the_folder_torch_would_take(tmp_path: Path, wrapper: str) -> None:
    bin_dir = tmp_path / "usr/local/bin"
    write_executable(bin_dir, "nvcc", wrapper)
    out = cuda_toolkit.probe(context(root=tmp_path, environ=path_with(bin_dir), timeout=2))
    assert out.sections["cuda_toolkit"].home == str(tmp_path / "usr/local")


def test_a_wrapper_that_runs_itself_does_not_loop(tmp_path: Path) -> None:
    bin_dir = tmp_path / "usr/local/bin"
    path = bin_dir / "nvcc"
    write_executable(bin_dir, "nvcc", f'exec {path} "$@"\n')
    assert cuda_toolkit.toolkit_root_of_nvcc(str(path)) == str(tmp_path / "usr/local")
