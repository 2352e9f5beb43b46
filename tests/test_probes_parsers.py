"""The probes' small parsers: exact answers on real spellings, and no exception on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envadvisor.model import canonical_name
from envadvisor.probes._base import dist_info_version, is_dotted_number, major_minor, wheel_name_matches
from envadvisor.probes.conda import channel_name
from envadvisor.probes.frameworks import (
    literal_assignments,
    parse_tf_build_info,
    tf_version_text,
    torch_variant,
)
from envadvisor.probes.python_env import _canonical, _parse_headers, is_valid_version


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("12.6.20241114", "12.6"),
        ("13.0.88", "13.0"),
        ("12.4rc1", "12.4"),
        ("13", None),
        ("", None),
        ("x.1", None),
    ],
)
def test_major_minor(version: str, expected: str | None) -> None:
    assert major_minor(version) == expected


@pytest.mark.parametrize(
    ("folder", "project", "expected"),
    [
        ("nvidia_cuda_nvcc-13.0.88.dist-info", "nvidia_cuda_nvcc", "13.0.88"),
        ("nvidia_cuda_nvcc_cu12-12.8.93.dist-info", "nvidia_cuda_nvcc", "12.8.93"),
        ("nvidia_cuda_nvcc_extra-1.0.dist-info", "nvidia_cuda_nvcc", None),
        ("nvidia_cuda_runtime-13.0.96.dist-info", "nvidia_cuda_nvcc", None),
        ("nvidia_cuda_nvcc-13.0.88.egg-info", "nvidia_cuda_nvcc", None),
    ],
)
def test_dist_info_version(folder: str, project: str, expected: str | None) -> None:
    assert dist_info_version(folder, project) == expected


def test_wheel_names_and_dotted_numbers() -> None:
    assert wheel_name_matches("nvidia-cudnn-cu12", "nvidia-cudnn")
    assert wheel_name_matches("nvidia-cudnn", "nvidia-cudnn")
    assert not wheel_name_matches("nvidia-cudnn-frontend", "nvidia-cudnn")
    assert is_dotted_number("9.1.0") and not is_dotted_number("9..1") and not is_dotted_number("")


@given(st.text())
def test_the_fast_canonical_name_is_the_model_s(name: str) -> None:
    assert _canonical(name) == canonical_name(name)


@given(st.binary(max_size=2000))
def test_metadata_headers_never_raise(data: bytes) -> None:
    headers = _parse_headers(data)
    assert set(headers) <= {"name", "version"}


@given(st.text(max_size=300))
def test_text_parsers_never_raise(text: str) -> None:
    parse_tf_build_info(text)
    literal_assignments(text)
    tf_version_text(text)
    channel_name(text, text)
    major_minor(text)
    dist_info_version(text, "nvidia_cuda_nvcc")
    torch_variant(text, text or None, None, "linux")
    assert isinstance(is_valid_version(text), bool)
