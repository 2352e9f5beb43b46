"""The registry release lists (rules/tables/releases.json): one writer, read lazily, the four look-ups.

Everything here runs on the registry responses recorded on 2026-12-04 (tests/registry/recorded, made by
tests/registry/record.py); nothing needs the network.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from envadvisor.errors import DataFileError
from envadvisor.knowledge import load_from_dir, load_knowledge
from envadvisor.knowledge.fetch import RecordedFetcher
from envadvisor.knowledge.refresh import refresh, release_file_text
from envadvisor.knowledge.registry import glibc_of, macos_of, registry_releases, wheel_summary
from envadvisor.knowledge.releases import TRACKED_PACKAGES, Release, canonical_name, read_release_file
from envadvisor.resources import rules_dir

REPO = Path(__file__).resolve().parent.parent
RECORDED = REPO / "tests" / "registry" / "recorded"


@pytest.fixture(scope="module")
def tables():  # type: ignore[no-untyped-def]
    return load_knowledge().tables


def _recorded_doc(package: str) -> dict:  # type: ignore[type-arg]
    import gzip

    return json.loads(gzip.decompress((RECORDED / "json" / f"{package}.json.gz").read_bytes()))


def test_shipped_release_file_is_what_the_refresh_writes_from_the_recorded_responses(tables) -> None:  # type: ignore[no-untyped-def]
    recorded = RecordedFetcher(RECORDED)
    result = refresh(recorded, extra_lines=recorded.extra_lines)
    shipped = (rules_dir() / "tables" / "releases.json").read_text(encoding="utf-8")
    assert release_file_text(result) == shipped, (
        "rules/tables/releases.json is not what the recorded responses give: regenerate both with "
        "`python tests/registry/record.py`"
    )
    assert {p.package for p in result.packages} == set(TRACKED_PACKAGES)
    assert result.missing == ()


def test_every_tracked_package_has_its_source_and_read_date(tables) -> None:  # type: ignore[no-untyped-def]
    assert set(tables.release_packages) == set(TRACKED_PACKAGES)
    for name in TRACKED_PACKAGES:
        found = tables.release_list(name)
        assert found is not None and found.origin == "shipped"
        assert found.source == f"https://pypi.org/pypi/{name}/json"
        assert dt.date.fromisoformat(found.read_date) == dt.date(2026, 12, 4)
    assert tables.releases_read == "2026-12-04"
    total = sum(len(tables.releases(n)) + len(tables.prereleases(n)) for n in TRACKED_PACKAGES)
    assert total > 2000


def test_releases_are_final_newest_first_with_date_python_and_yanked(tables) -> None:  # type: ignore[no-untyped-def]
    from packaging.version import Version

    torch = tables.releases("torch")
    assert torch[0] == Release("2.15.0", dt.date(2026, 10, 28), ">=3.11")
    assert torch[1] == Release("2.14.1", dt.date(2026, 9, 30), ">=3.10")
    for name in TRACKED_PACKAGES:
        versions = [Version(r.version) for r in tables.releases(name)]
        assert versions == sorted(versions, reverse=True), name
        assert not any(v.is_prerelease for v in versions), name
        assert all(Version(r.version).is_prerelease and r.prerelease for r in tables.prereleases(name)), name
    # yanked releases stay listed (they exist) with their flag
    cudnn = {r.version: r for r in tables.releases("nvidia-cudnn-cu12")}
    assert cudnn["9.25.0.15"].yanked and not cudnn["9.25.1.1"].yanked


def test_newest_release_skips_prereleases_and_yanked(tables) -> None:  # type: ignore[no-untyped-def]
    assert tables.newest_release("torch") == "2.15.0"
    assert tables.newest_release("transformers") == "5.25.0"
    # tensorflow 2.22.0rc0 is on the registry; a pre-release is never "newest"
    assert tables.prereleases("tensorflow")[0].version == "2.22.0rc0"
    assert tables.newest_release("tensorflow") == "2.21.0"
    assert tables.newest_release("not-a-tracked-package") is None


def test_newest_patch(tables) -> None:  # type: ignore[no-untyped-def]
    assert tables.newest_patch("torch", "2.14") == "2.14.1"
    assert tables.newest_patch("torch", "2.13") == "2.13.0"
    assert tables.newest_patch("torch", "2.16") is None
    assert tables.newest_patch("nvidia-cudnn-cu12", "9.10") == "9.10.2.21"
    # 9.25.0.15 is yanked: the newest usable 9.25 is 9.25.1.1; 9.25.0 has nothing left
    assert tables.newest_patch("nvidia-cudnn-cu12", "9.25") == "9.25.1.1"
    assert tables.newest_patch("nvidia-cudnn-cu12", "9.25.0") is None
    # transformers 5.10.0 is yanked; its line still has 5.10.4
    assert tables.newest_patch("transformers", "5.10") == "5.10.4"
    assert tables.newest_patch("tensorflow", "2.22") is None  # only 2.22.0rc0 exists
    assert tables.newest_patch("torch", "banana") is None
    assert tables.newest_patch("nope", "1.0") is None


def test_has_release(tables) -> None:  # type: ignore[no-untyped-def]
    assert tables.has_release("torch", "2.14.1") is True
    assert tables.has_release("torch", "2.14") is True  # PEP 440: 2.14 == 2.14.0
    assert tables.has_release("torch", "2.14.1+cu130") is True  # a local build of a public release
    assert tables.has_release("torch", "2.14.2") is False
    assert tables.has_release("tensorflow", "2.22.0rc0") is True  # a pre-release exists
    assert tables.has_release("nvidia-cudnn-cu12", "9.25.0.15") is True  # so does a yanked one
    assert tables.has_release("Flash_Attn", "2.8.3.post2") is True  # any spelling of the name
    assert tables.has_release("not-a-tracked-package", "1.0") is None
    assert tables.has_release("torch", "not a version") is None


def test_release_lists_are_not_read_until_asked(tmp_path: Path) -> None:
    """diagnose's start-up never pays for the release lists: a broken file fails only on first use."""
    root = tmp_path / "rules"
    shutil.copytree(rules_dir(), root)
    (root / "tables" / "releases.json").write_text("{not json", encoding="utf-8")
    tables = load_from_dir(root).tables  # loads fine
    assert tables.knows_torch("2.14")
    with pytest.raises(DataFileError) as info:
        tables.releases("torch")
    assert "releases.json" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(format=99), "format 1"),
        (lambda d: d["packages"]["torch"].pop("source"), "field 'source'"),
        (lambda d: d["packages"]["torch"]["releases"][0].update(version="x.y"), "not a version"),
        (lambda d: d["packages"]["torch"]["releases"][0].update(date="2026-13-01"), "YYYY-MM-DD"),
    ],
)
def test_malformed_release_file_is_one_line(tmp_path: Path, mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((rules_dir() / "tables" / "releases.json").read_text(encoding="utf-8"))
    mutate(doc)
    path = tmp_path / "releases.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        read_release_file(path).get("torch")
        read_release_file(path).all()
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_registry_document_parsing_on_a_recorded_response() -> None:
    doc = _recorded_doc("transformers")
    pkg, files = registry_releases(doc, source="https://pypi.org/pypi/transformers/json",
                                   read="2026-12-04T00:00:00Z")
    assert pkg.package == "transformers"
    by_version = {r.version: r for r in pkg.releases}
    # 5.10.0: every file yanked; Requires-Python as the files declare it; date = first upload
    assert by_version["5.10.0"].yanked and by_version["5.10.0"].requires_python == ">=3.10.0"
    first = min(f.uploaded for f in files["5.25.0"].files if f.uploaded)
    assert by_version["5.25.0"].date == dt.date.fromisoformat(first[:10])
    # every release the registry lists with a file and a PEP 440 version is kept
    with_files = [v for v, fs in doc["releases"].items() if fs]
    assert len(pkg.releases) + len(pkg.prereleases) == len(with_files)


def test_wheel_tags() -> None:
    assert glibc_of("manylinux_2_28_x86_64") == "2.28"
    assert glibc_of("manylinux2014_aarch64") == "2.17"
    assert glibc_of("manylinux1_x86_64") == "2.5"
    assert glibc_of("musllinux_1_2_x86_64") is None
    assert macos_of("macosx_14_0_arm64") == "14.0"
    doc = _recorded_doc("torch")
    summary = wheel_summary(f["filename"] for f in doc["releases"]["2.14.1"])
    assert summary.pythons["linux-x86_64"] == ("3.10", "3.11", "3.12", "3.13", "3.14")
    assert summary.glibc_min == {"linux-aarch64": "2.28", "linux-x86_64": "2.28"}
    assert summary.macos_min == {"macos-arm64": "14.0"}
    assert "windows-x86_64" in summary.platforms


def test_canonical_names() -> None:
    assert canonical_name("Flash_Attn") == "flash-attn"
    assert canonical_name("tf.keras") == "tf-keras"
