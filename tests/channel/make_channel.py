"""Write the small local conda channel the propose/check tests solve against.

Run from the repository root: ``python tests/channel/make_channel.py`` (the JSON files it writes are
committed; the test suite only reads them).

The channel is a MODEL of conda-forge's PyTorch packaging, not a copy of conda-forge: the package
names, build-string shapes and constraints follow the sources below, the version numbers follow
shared/reference/compat-facts.yaml, and hashes/sizes are placeholders.

* conda-forge/pytorch-cpu-feedstock ``recipe/meta.yaml`` (rev. 74dd3d46, 2026-08-13): outputs
  ``pytorch``, ``pytorch-cpu``, ``pytorch-gpu``; CUDA builds get build number +200 "to ensure that
  it's preferred by conda's solver", MKL builds +100; build strings
  ``cuda{129|130}_{mkl|generic}_py3XY_h<hash>_<n>`` and ``cpu_{mkl|generic}_...``; CUDA builds
  run-depend on ``__cuda`` and ``cuda-version``;
  ``pytorch-gpu`` requires a ``cuda*`` pytorch build and ``pytorch-cpu`` a ``cpu*`` one; linux-64
  CUDA 12.9 (glibc 2.17) and 13.0 (glibc >= 2.28); win-64 CUDA 12.8 and 13.0; osx-arm64 CPU/MPS
  only; Python 3.10-3.14 for 2.10-2.13.
* conda-forge/cuda-version-feedstock ``recipe/meta.yaml`` (rev. ae97761f): noarch ``cuda-version``
  with ``run_constrained: __cuda >={{ major }}`` and ``cudatoolkit {{ version }}|{{ version }}.*``.
* conda-forge/accelerate-feedstock ``recipe/recipe.yaml``: accelerate run-depends on ``pytorch >=2.0.0``.
* conda-forge transformers: noarch python, no run-dependency on pytorch.
* win-64 cudatoolkit 11.2 / cudnn 8.1.0: the TensorFlow <= 2.10 native-Windows recipe of
  tensorflow/docs ``site/en/install/pip.md``; osx-64 carries Python only (PyTorch for Intel Macs
  ends at 2.2 and comes from pip).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHONS = {"3.10": "3.10.19", "3.11": "3.11.14", "3.12": "3.12.12", "3.13": "3.13.9", "3.14": "3.14.0"}
TORCH = "2.13.0"
TIMESTAMP = 1_760_000_000_000


def record(
    subdir: str,
    name: str,
    version: str,
    build: str,
    number: int,
    depends: list[str],
    constrains: list[str] | None = None,
    noarch: str | None = None,
) -> tuple[str, dict[str, object]]:
    filename = f"{name}-{version}-{build}.conda"
    digest = hashlib.sha256(f"{subdir}/{filename}".encode()).hexdigest()
    rec: dict[str, object] = {
        "name": name,
        "version": version,
        "build": build,
        "build_number": number,
        "subdir": subdir,
        "depends": depends,
        "constrains": constrains or [],
        "license": "BSD-3-Clause",
        "md5": digest[:32],
        "sha256": digest,
        "size": 1024,
        "timestamp": TIMESTAMP,
    }
    if noarch:
        rec["noarch"] = noarch
    return filename, rec


def py_tag(minor: str) -> str:
    return "py" + minor.replace(".", "")


def pythons(subdir: str, platform_dep: list[str]) -> list[tuple[str, dict[str, object]]]:
    out = []
    for minor, full in PYTHONS.items():
        cp = "cp" + minor.replace(".", "")
        out.append(
            record(
                subdir,
                "python",
                full,
                "h0000000_0_cpython",
                0,
                [*platform_dep, f"python_abi {minor}.* *_{cp}"],
            )
        )
        out.append(record(subdir, "python_abi", minor, f"8_{cp}", 8, [], [f"python {minor}.* *_cpython"]))
    return out


def pyrange(minor: str) -> list[str]:
    major, mnr = minor.split(".")
    return [f"python >={minor},<{major}.{int(mnr) + 1}.0a0", f"python_abi {minor}.* *_cp{major}{mnr}"]


def torch_builds(subdir: str, cuda_variants: dict[str, list[str]], blas: str, platform_dep: list[str]):
    out = []
    blas_offset = 100 if blas == "mkl" else 0
    for minor in PYTHONS:
        tag = py_tag(minor)
        out.append(
            record(
                subdir,
                "pytorch",
                TORCH,
                f"cpu_{blas}_{tag}_h1111111_{blas_offset}",
                blas_offset,
                [*platform_dep, *pyrange(minor)],
            )
        )
        for cuda, extra in cuda_variants.items():
            number = 200 + blas_offset
            cu = cuda.replace(".", "")
            major = cuda.split(".")[0]
            out.append(
                record(
                    subdir,
                    "pytorch",
                    TORCH,
                    f"cuda{cu}_{blas}_{tag}_h2222222_{number}",
                    number,
                    [
                        *platform_dep,
                        *extra,
                        *pyrange(minor),
                        "__cuda",
                        f"cuda-version >={cuda},<{int(major) + 1}",
                        f"cuda-cudart >={cuda},<{int(major) + 1}.0a0",
                        "cudnn >=9.10,<10.0a0",
                    ],
                )
            )
    for cuda in cuda_variants:
        cu = cuda.replace(".", "")
        out.append(
            record(
                subdir,
                "pytorch-gpu",
                TORCH,
                f"cuda{cu}_{blas}_h3333333_{200 + blas_offset}",
                200 + blas_offset,
                [f"pytorch =={TORCH} cuda{cu}_{blas}*"],
            )
        )
    out.append(
        record(
            subdir,
            "pytorch-cpu",
            TORCH,
            f"cpu_{blas}_h4444444_{blas_offset}",
            blas_offset,
            [f"pytorch =={TORCH} cpu_{blas}*"],
        )
    )
    # torchvision follows torch 2.N <-> 0.(N+15) (compat-facts.yaml torchvision_pairing_rule)
    for minor in PYTHONS:
        tag = py_tag(minor)
        out.append(
            record(
                subdir,
                "torchvision",
                "0.28.0",
                f"cpu_{tag}_h5555555_0",
                0,
                [*pyrange(minor), f"pytorch =={TORCH} cpu*", "numpy >=1.23"],
            )
        )
        for cuda in cuda_variants:
            cu = cuda.replace(".", "")
            out.append(
                record(
                    subdir,
                    "torchvision",
                    "0.28.0",
                    f"cuda{cu}_{tag}_h6666666_200",
                    200,
                    [*pyrange(minor), f"pytorch =={TORCH} cuda{cu}*", "numpy >=1.23", "__cuda"],
                )
            )
    return out


def cuda_libs(subdir: str, versions: dict[str, str], platform_dep: list[str]):
    out = []
    for cuda, full in versions.items():
        major, minor = cuda.split(".")
        out.append(
            record(
                subdir,
                "cuda-cudart",
                full,
                "h7777777_0",
                0,
                [*platform_dep, f"cuda-version >={cuda},<{major}.{int(minor) + 1}.0a0"],
            )
        )
    for cudnn, major in (("9.10.2.21", "12"), ("9.20.0.48", "12"), ("9.20.0.48", "13")):
        out.append(
            record(
                subdir,
                "cudnn",
                cudnn,
                f"cuda{major}_h8888888_0",
                0,
                [*platform_dep, f"cuda-version >={major},<{int(major) + 1}.0a0"],
            )
        )
    return out


def numpy(subdir: str, platform_dep: list[str]):
    return [
        record(subdir, "numpy", "2.3.4", f"{py_tag(m)}_h9999999_0", 0, [*platform_dep, *pyrange(m)])
        for m in PYTHONS
    ]


def noarch():
    out = []
    for cuda in ("11.8", "12.0", "12.6", "12.8", "12.9", "13.0"):
        major = cuda.split(".")[0]
        out.append(
            record(
                "noarch",
                "cuda-version",
                cuda,
                "h0000000_3",
                3,
                [],
                [f"__cuda >={major}", f"cudatoolkit {cuda}|{cuda}.*"],
                noarch="generic",
            )
        )
    out.append(record("noarch", "pip", "25.3", "pyh0000000_0", 0, ["python >=3.9"], noarch="python"))
    out.append(
        record(
            "noarch",
            "transformers",
            "5.24.0",
            "pyhd8ed1ab_0",
            0,
            ["python >=3.11", "numpy >=1.17"],
            noarch="python",
        )
    )
    out.append(
        record(
            "noarch",
            "transformers",
            "4.57.6",
            "pyhd8ed1ab_0",
            0,
            ["python >=3.9", "numpy >=1.17"],
            noarch="python",
        )
    )
    out.append(
        record(
            "noarch",
            "accelerate",
            "1.10.1",
            "pyhd8ed1ab_0",
            0,
            ["python >=3.10", "numpy >=1.17", "pytorch >=2.0.0"],
            noarch="python",
        )
    )
    return out


def write(subdir: str, records: list[tuple[str, dict[str, object]]]) -> None:
    folder = HERE / subdir
    folder.mkdir(exist_ok=True)
    data = {
        "info": {"subdir": subdir},
        "packages": {},
        "packages.conda": dict(sorted(records)),
        "repodata_version": 1,
    }
    (folder / "repodata.json").write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def main() -> None:
    linux = ["__glibc >=2.17,<3.0.a0"]
    write(
        "linux-64",
        [
            *pythons("linux-64", linux),
            *torch_builds("linux-64", {"12.9": [], "13.0": ["__glibc >=2.28,<3.0.a0"]}, "mkl", linux),
            *cuda_libs("linux-64", {"12.9": "12.9.79", "13.0": "13.0.96"}, linux),
            *numpy("linux-64", linux),
        ],
    )
    osx = ["__osx >=11.0"]
    write(
        "osx-arm64",
        [
            *pythons("osx-arm64", osx),
            *torch_builds("osx-arm64", {}, "generic", osx),
            *numpy("osx-arm64", osx),
        ],
    )
    osx64 = ["__osx >=10.13"]
    write("osx-64", [*pythons("osx-64", osx64), *numpy("osx-64", osx64)])
    write(
        "win-64",
        [
            *pythons("win-64", []),
            # TensorFlow <= 2.10 on native Windows: tensorflow/docs install/pip.md recipe
            # `conda install -c conda-forge cudatoolkit=11.2 cudnn=8.1.0`
            record("win-64", "cudatoolkit", "11.2.2", "h7d7167e_13", 13, [], ["__cuda >=11"]),
            record("win-64", "cudnn", "8.1.0.77", "h3e0f4f4_0", 0, ["cudatoolkit >=11.2,<12.0a0"]),
            *torch_builds("win-64", {"12.8": [], "13.0": []}, "mkl", []),
            *cuda_libs("win-64", {"12.8": "12.8.90", "13.0": "13.0.96"}, []),
            *numpy("win-64", []),
        ],
    )
    write("noarch", noarch())


if __name__ == "__main__":
    main()
