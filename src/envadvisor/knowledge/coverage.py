"""Whether the hand-written tables cover a release: per package, the table that speaks for it.

``covers(tables, package, version)`` -> True (a table row speaks for the release), False (the release is
newer or older than every row: "tables do not know X yet"), None (no hand-written table covers this
package at all; only its release list is kept). ``tables_newest(tables, package)`` -> the newest line
the hand-written tables know, for the same packages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from envadvisor.knowledge.tables import _line, vtuple

if TYPE_CHECKING:
    from envadvisor.knowledge.tables import Tables


def _fmt(line: tuple[int, int] | None) -> str | None:
    return f"{line[0]}.{line[1]}" if line else None


def _torchvision_lines(t: Tables) -> list[tuple[int, int]]:
    return [x for x in (_line(r.torchvision) for r in t.torch_releases if r.torchvision) if x]


def _torchaudio_lines(t: Tables) -> list[tuple[int, int]]:
    return [x for x in (_line(r.torchaudio) for r in t.torch_releases if r.torchaudio) if x]


def _cudnn_known(t: Tables, version: str) -> bool | None:
    return t.cudnn_min_cc(version) is not None


def _cudnn_newest(t: Tables) -> str | None:
    rows = t._cudnn_rows
    return _fmt(max(hi for _lo, hi, *_rest in rows)) if rows else None


def _cuda_runtime_known(t: Tables, version: str) -> bool:
    return t.knows_cuda(version)


def _cuda_newest(t: Tables) -> str | None:
    rows = t.cuda_toolkit_rows
    return _fmt(_line(rows[0].cuda)) if rows else None


def _line_in(lines: list[tuple[int, int]], version: str) -> bool:
    return _line(version) in lines


_COVER: dict[str, tuple[Callable[[Tables, str], bool | None], Callable[[Tables], str | None], str]] = {
    "torch": (lambda t, v: t.knows_torch(v), lambda t: t.newest_torch, "torch_releases"),
    "torchvision": (lambda t, v: _line_in(_torchvision_lines(t), v),
                    lambda t: _fmt(max(_torchvision_lines(t), default=None)), "torch_releases.torchvision"),
    "torchaudio": (lambda t, v: _line_in(_torchaudio_lines(t), v),
                   lambda t: _fmt(max(_torchaudio_lines(t), default=None)), "torch_releases.torchaudio"),
    "tensorflow": (lambda t, v: t.knows_tensorflow(v), lambda t: t.newest_tensorflow, "tf_tested_linux_gpu"),
    "tensorflow-cpu": (lambda t, v: t.knows_tensorflow(v), lambda t: t.newest_tensorflow,
                       "tf_tested_linux_gpu"),
    "tf-keras": (lambda t, v: t.knows_tensorflow(v), lambda t: t.newest_tensorflow, "tf_keras (same minor)"),
    "transformers": (lambda t, v: t.knows_transformers(v), lambda t: t.newest_transformers,
                     "transformers_lines"),
    "nvidia-cudnn-cu12": (_cudnn_known, _cudnn_newest, "cudnn_cc_support"),
    "nvidia-cudnn-cu13": (_cudnn_known, _cudnn_newest, "cudnn_cc_support"),
    "nvidia-cuda-runtime-cu12": (_cuda_runtime_known, _cuda_newest, "cuda_toolkit_drivers"),
    # nvidia-cuda-runtime-cu13 is left out: its only release is a 0.0.1 placeholder pointing at
    # nvidia-cuda-runtime (no CUDA version to cover)
    "nvidia-cuda-runtime": (_cuda_runtime_known, _cuda_newest, "cuda_toolkit_drivers"),
    "cuda-toolkit": (_cuda_runtime_known, _cuda_newest, "cuda_toolkit_drivers"),
}


ECOSYSTEM_TABLE = "ecosystem_packages"


def covering_table(package: str, tables: Tables | None = None) -> str | None:
    entry = _COVER.get(package)
    if entry is not None:
        return entry[2]
    return ECOSYSTEM_TABLE if tables is not None and package in tables.ecosystem_names else None


def covers(tables: Tables, package: str, version: str) -> bool | None:
    """True: a hand-written row speaks for the release; False: none does (newer, older, or a gap);
    None: no hand-written table describes the package (only its release list is kept)."""
    if vtuple(version) is None:
        return None
    entry = _COVER.get(package)
    if entry is not None:
        return bool(entry[0](tables, version))
    if package in tables.ecosystem_names:  # vLLM, xFormers, ... (knowledge/ecosystem.py)
        eco = tables.ecosystem_package(package)
        return None if eco is None else eco.row(version) is not None
    return None


def tables_newest(tables: Tables, package: str) -> str | None:
    entry = _COVER.get(package)
    if entry is not None:
        return entry[1](tables)
    if package in tables.ecosystem_names:
        eco = tables.ecosystem_package(package)
        return eco.newest if eco is not None else None
    return None


def tables_lines(tables: Tables) -> Callable[[str], list[str]]:
    """For :func:`refresh.refresh`'s ``extra_lines``: the newest line the tables know, per package, so
    its registry facts are read too and drafts can be set beside the hand-written rows."""
    from envadvisor.knowledge.refresh import release_line

    def lines(package: str) -> list[str]:
        newest = tables_newest(tables, package)
        return [release_line(newest)] if newest else []

    return lines
