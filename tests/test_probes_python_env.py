"""The Python environment probe on fake site folders: broken metadata, duplicates, env kinds, speed."""

from __future__ import annotations

import time
from pathlib import Path

from envadvisor.probes import conda, python_env
from envadvisor.probes.python_env import environment_kind, scan_distributions
from tests.probe_support import context, make_conda_record, make_dist


def test_names_are_normalised_and_installer_read(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_dist(site, "Typing_Extensions", "4.16.0", installer="uv")
    make_dist(site, "tf-keras", "2.20.1")
    dists, problems = scan_distributions([str(site)])
    assert problems == []
    assert dists["typing-extensions"][0].version == "4.16.0"
    assert dists["typing-extensions"][0].installer == "uv"
    assert dists["tf-keras"][0].display_name == "tf-keras"


def test_broken_metadata_is_reported_never_fatal(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_dist(site, "good", "1.0")
    make_dist(site, "garbage", "1.0", metadata=b"\x89PNG\r\n\x1a\n\x00\x00binary junk")
    make_dist(site, "noversion", None, folder="noversion-2.0.dist-info")
    make_dist(site, "badversion", "not.a.version!", folder="badversion-0.dist-info")
    (site / "nometa-1.0.dist-info").mkdir()  # METADATA missing altogether
    ctx = context(sys_path=[str(site)], prefix=tmp_path)
    out = python_env.probe(ctx)
    assert out.status == "partial"
    assert out.detail is not None and "4 distribution(s) with broken metadata" in out.detail
    packages = out.sections["packages"]
    assert packages["good"].version == "1.0"
    assert packages["noversion"].version is None
    assert out.reasons["packages.noversion.version"] == "METADATA has no Version"
    assert packages["badversion"].version is None
    assert "invalid version 'not.a.version!'" in out.reasons["packages.badversion.version"]
    assert "METADATA has no Name" in out.detail
    assert "METADATA is missing" in out.detail


def test_unusual_but_valid_versions_are_kept(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_dist(site, "legacy", "1.0-1")  # PEP 440 allows the post-release spelling 1.0-1
    make_dist(site, "local", "2.8.0+cu128")
    dists, problems = scan_distributions([str(site)])
    assert problems == []
    assert dists["legacy"][0].version == "1.0-1" and dists["local"][0].version == "2.8.0+cu128"


def test_duplicate_dist_info_in_one_folder_and_across_sys_path(tmp_path: Path) -> None:
    site, user_site = tmp_path / "site", tmp_path / "user"
    make_dist(site, "numpy", "1.26.4")
    make_dist(site, "numpy", "2.1.3")  # an upgrade that left the old folder behind
    make_dist(user_site, "transformers", "4.57.1")
    make_dist(site, "transformers", "5.0.0")
    ctx = context(sys_path=[str(user_site), str(site)], prefix=tmp_path)
    out = python_env.probe(ctx)
    packages = out.sections["packages"]
    assert packages["numpy"].version == "1.26.4" and packages["numpy"].other_versions == ("2.1.3",)
    # the first folder on sys.path is what Python imports
    assert packages["transformers"].version == "4.57.1"
    assert packages["transformers"].other_versions == ("5.0.0",)
    assert out.detail is not None and "numpy: 2 metadata folders" in out.detail


def test_egg_info_folder_and_file(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "oldpkg-0.9-py3.11.egg-info").mkdir(parents=True)
    (site / "oldpkg-0.9-py3.11.egg-info/PKG-INFO").write_text(
        "Metadata-Version: 1.1\nName: oldpkg\nVersion: 0.9\n"
    )
    (site / "single-1.2.egg-info").write_text("Metadata-Version: 1.0\nName: single\nVersion: 1.2\n")
    dists, problems = scan_distributions([str(site)])
    assert problems == []
    assert dists["oldpkg"][0].version == "0.9" and dists["single"][0].version == "1.2"


def test_uv_venv_without_pip(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    site = venv / "lib/python3.11/site-packages"
    make_dist(site, "numpy", "2.1.3", installer="uv")
    (venv / "pyvenv.cfg").write_text(
        "home = /usr/bin\nimplementation = CPython\nuv = 0.9.5\nversion_info = 3.11.7\n"
    )
    out = python_env.probe(context(sys_path=[str(site)], prefix=venv))
    py = out.sections["python"]
    assert (py.env_kind, py.has_pip) == ("uv", False)
    assert out.sections["packages"]["numpy"].installer == "uv"


def test_env_kinds(tmp_path: Path) -> None:
    virtualenv = tmp_path / "ve"
    virtualenv.mkdir()
    (virtualenv / "pyvenv.cfg").write_text("home = /usr/bin\nvirtualenv = 20.26.0\n")
    venv = tmp_path / "plain"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\ninclude-system-site-packages = false\n")
    system = tmp_path / "system"
    system.mkdir()
    assert environment_kind(str(virtualenv), "/usr")[0] == "virtualenv"
    assert environment_kind(str(venv), "/usr")[0] == "venv"
    assert environment_kind(str(system), str(system))[0] == "system"


def test_conda_env_without_pip_and_mixed_conda_pip_install(tmp_path: Path) -> None:
    prefix = tmp_path / "envs/train"
    site = prefix / "lib/python3.11/site-packages"
    make_conda_record(prefix, "python", "3.11.7", "hab00c5b_0_cpython")
    make_conda_record(prefix, "cudnn", "9.3.0.75", "h93bb076_0")
    make_conda_record(
        prefix, "pytorch", "2.5.1", "cuda126_py311", channel="https://conda.anaconda.org/conda-forge/linux-64"
    )
    make_dist(site, "torch", "2.5.1", installer="conda")
    make_conda_record(
        prefix, "numpy", "1.26.4", "py311h64a7726_0", channel="https://repo.anaconda.com/pkgs/main/linux-64"
    )
    make_dist(site, "numpy", "2.1.3", installer="pip")  # pip replaced conda's numpy: a mixed install
    ctx = context(
        sys_path=[str(site)],
        prefix=prefix,
        environ={"CONDA_PREFIX": str(prefix), "CONDA_DEFAULT_ENV": "train"},
    )
    conda_out = conda.probe(ctx)
    out = python_env.probe(ctx)
    assert conda_out.sections["conda"].in_conda_env is True
    py = out.sections["python"]
    assert (py.env_kind, py.has_pip) == ("conda", False)
    packages = out.sections["packages"]
    assert packages["torch"].source == "conda" and packages["torch"].channel == "conda-forge"
    assert packages["numpy"].version == "2.1.3" and packages["numpy"].source == "pypi"
    assert packages["numpy"].other_versions == ("1.26.4",)
    assert packages["cudnn"].version == "9.3.0.75" and packages["cudnn"].installer == "conda"
    assert "pytorch" not in packages  # met torch under its PyPI name


def test_a_thousand_distributions_scan_fast(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for i in range(1000):
        make_dist(site, f"fake-package-{i}", f"1.{i}.0", extra_headers="Requires-Dist: numpy>=1.0\n" * 20)
    started = time.perf_counter()
    dists, problems = scan_distributions([str(site)])
    elapsed = time.perf_counter() - started
    assert len(dists) == 1000 and problems == []
    assert dists["fake-package-999"][0].version == "1.999.0"
    assert elapsed < 1.0, f"1,000 distributions took {elapsed:.3f} s"
