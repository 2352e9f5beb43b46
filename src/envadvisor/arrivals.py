"""How a package arrives: the line of an environment that brings it, and the version that comes along.

``cudnn``, ``nccl``, ``libcublas``, ``triton``, the ``nvidia-*`` wheels are seldom lines of an
environment.yml: the torch wheel's ``Requires-Dist``, conda-forge's CUDA build of pytorch and
``tensorflow[and-cuda]`` bring them. ``data/arrivals.yaml`` holds what each release brings, each row with
its source; :func:`find_arrival` finds the line of an environment (a proposal's dependencies or a file's
lines: anything with ``name``, ``spec`` and ``source``) that brings a package, and the version. The
words are the renderer's (render/explain.py), in either language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from envadvisor.model import canonical_name
from envadvisor.records import record

# the same library under its pip, conda and cuda-toolkit-extra names
_COMPONENT_ALIASES = {"cudart": "runtime", "cuda-runtime": "runtime", "cudnn-jit": "cudnn"}
_SPEC_VERSION = re.compile(r"^[^=<>~!]*(?:==|=)\s*([0-9][0-9.]*)(?:\.\*)?(?:\+([A-Za-z0-9]+))?")
_REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[([^\]]*)\])?\s*(.*)$")


@record
class Arrival:
    """``package`` arrives with the environment line ``bringer``, at ``version``."""

    package: str  # as it is installed: nvidia-cudnn-cu13, libcudnn, cuda-toolkit[cudart]
    version: str | None  # ==9.20.0.48, 9.*, 12.9.*; None when the tables do not hold it
    source: str  # pip | conda
    bringer: str  # the line that brings it (its spec)
    table: str  # torch | tensorflow[and-cuda] | pytorch (conda-forge)
    release: str  # the bringer's release the row describes
    how: str  # requires_dist | run_exports | run
    reference: str  # where it is written (wheel METADATA, recipe, table row)
    host: str | None = None  # run_exports: the host requirement that exports it
    cuda: str | None = None  # the environment's cuda-version, when the version follows it
    follows: str | None = None  # built_for_cuda | pinned_by_cuda | no_cuda_line
    variant: str | None = None  # a torch CUDA variant other than PyPI's (cu126 ...)
    pypi_pin: str | None = None  # with ``variant``: what PyPI's default variant pins instead


def component(name: str) -> str:
    """The library a package name stands for: ``nvidia-cudnn-cu13``, ``libcudnn`` and ``cudnn`` are all
    ``cudnn``; ``cuda-runtime``, ``cudart``, ``cuda-toolkit[cudart]``, ``nvidia-cuda-runtime-cu12`` are
    ``runtime``."""
    base, _, extras = name.partition("[")
    extra = extras.rstrip("]")
    if canonical_name(base) == "cuda-toolkit" and extra and "," not in extra:
        return component(extra)  # cuda-toolkit[cudart]: the extra is the library
    key = canonical_name(base)
    key = key.removeprefix("nvidia-")
    key = re.sub(r"-cu\d+$", "", key)
    key = key.removeprefix("lib")
    key = _COMPONENT_ALIASES.get(key, key)
    key = key.removeprefix("cuda-") if key != "cuda-version" else key
    return _COMPONENT_ALIASES.get(key, key)


@cache
def _table() -> Mapping[str, Any]:
    from envadvisor.resources import data_dir, load_yaml_text

    path = data_dir() / "arrivals.yaml"
    data = load_yaml_text(path.read_text(encoding="utf-8"), path=str(path), cache=True)
    return data if isinstance(data, Mapping) else {}


def release_and_variant(spec: str) -> tuple[str | None, str | None]:
    """``torch==2.13.0+cu126`` -> ("2.13.0", "cu126"); ``pytorch-gpu=2.13.*`` -> ("2.13", None)."""
    match = _SPEC_VERSION.match(spec.strip())
    return (match.group(1).rstrip("."), match.group(2)) if match else (None, None)


def _row(rows: Iterable[Mapping[str, Any]], release: str | None) -> Mapping[str, Any] | None:
    """The row of ``release``: exact, else the newest of its X.Y line (a ``=2.13.*`` line)."""
    if not release:
        return None
    rows = list(rows)
    for row in rows:
        if str(row.get("release")) == release:
            return row
    if release.count(".") == 1:
        line = [row for row in rows if str(row.get("release", "")).startswith(release + ".")]
        return line[-1] if line else None
    return None


def _match(want: str, requires: Iterable[str]) -> tuple[str, str] | None:
    """(package as installed, version spec) of the requirement that provides ``want``."""
    for text in requires:
        match = _REQUIREMENT.match(text.strip())
        if not match:
            continue
        name, version = match.group(1), match.group(3).strip()
        if component(name) == want:
            return name, version
        if canonical_name(name) == "cuda-toolkit":  # cuda-toolkit[cudart,cublas,...]==13.0.3
            for extra in (e.strip() for e in (match.group(2) or "").split(",")):
                if extra and component(extra) == want:
                    return f"cuda-toolkit[{extra}]", version
    return None


def find_arrival(package: str, lines: Iterable[Any], *, system: str | None = None) -> Arrival | None:
    """The line of ``lines`` that brings ``package`` and the version it comes with, else ``None``."""
    want = component(package)
    lines = [line for line in lines if getattr(line, "kind", "package") == "package"]
    cuda = next(
        (release_and_variant(line.spec)[0] for line in lines if canonical_name(line.name) == "cuda-version"),
        None,
    )
    for line in lines:
        name = canonical_name(line.name.split("[", 1)[0])
        found = None
        if line.source == "pip" and name == "torch":
            found = _from_torch_wheel(want, line.spec.strip())
        elif line.source == "pip" and name == "tensorflow" and "and-cuda" in line.spec:
            found = _from_wheel(want, line.spec.strip(), "tensorflow[and-cuda]")
        elif line.source == "conda" and name in ("pytorch-gpu", "pytorch"):
            found = _from_conda_pytorch(want, line.spec.strip(), cuda, system)
        if found is not None:
            return found
    return None


def _from_wheel(want: str, spec: str, table: str) -> Arrival | None:
    row = _row(_table().get("pip", {}).get(table, ()), release_and_variant(spec)[0])
    found = _match(want, row.get("requires", ())) if row is not None else None
    if row is None or found is None:
        return None
    return Arrival(
        package=found[0],
        version=found[1] or None,
        source="pip",
        bringer=spec,
        table=table,
        release=str(row["release"]),
        how="requires_dist",
        reference=str(row.get("source", "")),
    )


def _from_torch_wheel(want: str, spec: str) -> Arrival | None:
    arrival = _from_wheel(want, spec, "torch")
    _, variant = release_and_variant(spec)
    if arrival is None:
        return None
    row = _row(_table()["pip"]["torch"], arrival.release)
    assert row is not None
    pypi_variant = "cu" + str(row.get("cuda", "")).replace(".", "")
    if variant is None or variant == pypi_variant:
        return arrival
    # another CUDA variant (download.pytorch.org): the same library for its CUDA, with pins of its own
    from envadvisor.records import replace

    major = variant[2:4] if variant.startswith("cu") and len(variant) >= 5 else ""
    if arrival.package.startswith("nvidia-") and major:
        package = re.sub(r"-cu\d+$", f"-cu{major}", arrival.package)
    else:  # cuda-toolkit[cudart] on PyPI's wheel; the variant's own wheel may name it otherwise
        package = f"{want} (CUDA {major}.{variant[4:]})" if major else want
    if want == "cudnn":
        from envadvisor.knowledge import load_knowledge

        cudnn = load_knowledge().tables.torch_variant_cudnn(arrival.release, variant)
        if cudnn:
            return replace(
                arrival,
                package=package,
                version=f"=={cudnn}",
                variant=variant,
                reference="rules/tables/pytorch.yaml torch_variant_cudnn (pytorch/pytorch RELEASE.md)",
            )
    return replace(
        arrival,
        package=package,
        version=None,
        variant=variant,
        pypi_pin=f"{arrival.package}{arrival.version or ''}",
    )


def _from_conda_pytorch(want: str, spec: str, cuda: str | None, system: str | None) -> Arrival | None:
    row = _row(_table().get("conda", {}).get("pytorch", ()), release_and_variant(spec)[0])
    if row is None or canonical_name(spec.split("=", 1)[0].split()[0]) == "pytorch-cpu":
        return None
    for entry in row.get("brings", ()):
        if component(str(entry["package"])) != want:
            continue
        platforms = entry.get("platforms")
        if platforms and system and system not in platforms:
            return None
        version: str | None = str(entry.get("version", "")) or None
        follows = "built_for_cuda" if entry.get("built_for_cuda") else None
        follows = "pinned_by_cuda" if entry.get("pinned_by_cuda") else follows
        if version and "{cuda}" in version:
            version = version.replace("{cuda}", cuda) if cuda else None
        if follows and not cuda:
            follows = "no_cuda_line"
        host = entry.get("host")
        return Arrival(
            package=str(entry["package"]),
            version=version,
            source="conda",
            bringer=spec,
            table="pytorch",
            release=str(row["release"]),
            how="run_exports" if host else "run",
            reference=str(row.get("source", "")),
            host=str(host) if host else None,
            cuda=cuda,
            follows=follows,
        )
    return None
