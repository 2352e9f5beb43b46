"""The library probe: CUDA runtime, cuDNN and NCCL copies from wheels, conda, LD_LIBRARY_PATH, system."""

from __future__ import annotations

from pathlib import Path

from envadvisor.probes import conda, libraries, python_env
from tests.probe_support import context, make_conda_record, make_dist

CUDNN_VERSION_H = """#ifndef CUDNN_VERSION_H_
#define CUDNN_VERSION_H_

#define CUDNN_MAJOR 9
#define CUDNN_MINOR 1
#define CUDNN_PATCHLEVEL 0

#define CUDNN_VERSION (CUDNN_MAJOR * 10000 + CUDNN_MINOR * 100 + CUDNN_PATCHLEVEL)
#endif
"""
NCCL_H_HEAD = '#define NCCL_MAJOR 2\n#define NCCL_MINOR 27\n#define NCCL_PATCH 3\n#define NCCL_SUFFIX ""\n'


def _touch(path: Path, target: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if target is None:
        path.write_bytes(b"\x7fELF")
    else:
        path.symlink_to(target)


def test_wheel_system_and_ld_library_path_copies(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_dist(site, "nvidia-cudnn-cu12", "9.10.2.21")
    make_dist(site, "nvidia-nccl-cu12", "2.27.3")
    make_dist(site, "nvidia-cuda-runtime", "13.0.96")  # CUDA 13 wheels carry no -cuXX suffix
    # a system cuDNN from the Debian package, found through /etc/ld.so.conf.d
    (tmp_path / "etc/ld.so.conf.d").mkdir(parents=True)
    (tmp_path / "etc/ld.so.conf").write_text("include /etc/ld.so.conf.d/*.conf\n")
    (tmp_path / "etc/ld.so.conf.d/cudnn.conf").write_text("# cuDNN\n/opt/cudnn/lib\n")
    _touch(tmp_path / "opt/cudnn/lib/libcudnn.so.9.1.0")
    _touch(tmp_path / "opt/cudnn/lib/libcudnn.so.9", "libcudnn.so.9.1.0")
    _touch(tmp_path / "opt/cudnn/lib/libcudnn.so", "libcudnn.so.9")
    # an old cuDNN that LD_LIBRARY_PATH puts first for every program
    _touch(tmp_path / "home/u/cudnn8/libcudnn.so.8")
    (tmp_path / "home/u/include").mkdir(parents=True)
    (tmp_path / "home/u/include/cudnn_version.h").write_text(CUDNN_VERSION_H.replace("MAJOR 9", "MAJOR 8"))
    ld_dir = str(tmp_path / "home/u/cudnn8")
    ctx = context(
        root=tmp_path,
        sys_path=[str(site)],
        prefix=tmp_path,
        environ={"LD_LIBRARY_PATH": f"{ld_dir}:/nonexistent"},
    )
    python_env.probe(ctx)
    out = libraries.probe(ctx)
    cudnn = out.sections["cudnn"]
    assert cudnn.version == "9.10.2.21"  # the wheel is what torch loads first
    assert [(c.source, c.version) for c in cudnn.copies] == [
        ("wheel", "9.10.2.21"),
        ("LD_LIBRARY_PATH", "8.1.0"),  # the header next to it completes the major-only file name
        ("system", "9.1.0"),
    ]
    assert out.sections["nccl"].version == "2.27.3"
    assert out.sections["cuda_runtime"].copies[0].name == "nvidia-cuda-runtime"
    assert out.sections["env"].ld_library_path_cuda == (ld_dir,)


def test_conda_copies_and_headers_without_a_library_file(tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    make_conda_record(prefix, "cudnn", "9.3.0.75", "h93bb076_0")
    make_conda_record(prefix, "nccl", "2.23.4.1", "h03a54cd_3")
    make_conda_record(prefix, "cuda-cudart", "12.6.77", "h5888daf_0")
    (tmp_path / "usr/include").mkdir(parents=True)
    (tmp_path / "usr/include/nccl.h").write_text(NCCL_H_HEAD)
    ctx = context(root=tmp_path, prefix=prefix, environ={})
    conda.probe(ctx)
    out = libraries.probe(ctx)
    assert out.sections["cudnn"].version == "9.3.0.75"
    assert out.sections["cuda_runtime"].version == "12.6.77"
    nccl = out.sections["nccl"]
    assert [(c.source, c.version) for c in nccl.copies] == [("conda", "2.23.4.1"), ("system", "2.27.3")]
    assert out.sources["nccl.version"] == "conda: nccl"


def test_toolkit_runtime_version_from_its_dist_info(tmp_path: Path) -> None:
    # the layout of /usr/local/cuda-13.0 on the test machine: lib/libcudart.so.13 and a dist-info folder
    home = tmp_path / "usr/local/cuda-13.0"
    _touch(home / "lib/libcudart.so.13")
    _touch(home / "lib/libcudart.so", "libcudart.so.13")
    (home / "dist-info/nvidia_cuda_runtime-13.0.96.dist-info").mkdir(parents=True)
    (tmp_path / "etc/ld.so.conf.d").mkdir(parents=True)
    (tmp_path / "etc/ld.so.conf").write_text("include /etc/ld.so.conf.d/*.conf\n")
    (tmp_path / "etc/ld.so.conf.d/zz-cuda-13-0.conf").write_text("/usr/local/cuda-13.0/lib\n")
    out = libraries.probe(context(root=tmp_path, environ={}))
    runtime = out.sections["cuda_runtime"]
    assert runtime.version == "13.0.96"
    (copy,) = runtime.copies
    assert copy.source == "system" and copy.name == "libcudart.so.13"


def test_nothing_found_is_a_reason(tmp_path: Path) -> None:
    out = libraries.probe(context(root=tmp_path, environ={}))
    for section in ("cuda_runtime", "cudnn", "nccl"):
        assert out.sections[section].version is None
        assert "no copy found" in out.reasons[f"{section}.version"]
    assert out.reasons["env.conda_override_cuda"] == "CONDA_OVERRIDE_CUDA is not set"


def test_conda_override_cuda_empty_means_no_driver(tmp_path: Path) -> None:
    out = libraries.probe(context(root=tmp_path, environ={"CONDA_OVERRIDE_CUDA": ""}))
    assert out.sections["env"].conda_override_cuda == ""
    assert "env.conda_override_cuda" not in out.reasons
