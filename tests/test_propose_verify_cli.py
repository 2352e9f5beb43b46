"""``propose --verify``: a channel name, a URL or a folder; offline it still proposes, marked not verified.

No test reaches the network: the unreachable channel is a closed port on this machine.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envadvisor.cli import main
from envadvisor.propose.verify import CHANNEL_ALIAS, channel_url

TESTS = Path(__file__).resolve().parent
CHANNEL = str(TESTS / "channel")
TARGET = ["--gpu", "RTX 4090", "--driver", "550.54.15", "--os", "linux"]
UNREACHABLE = "http://127.0.0.1:9/conda-forge"  # the discard port: nothing listens there


def test_a_channel_name_is_read_as_conda_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert channel_url("conda-forge") == f"{CHANNEL_ALIAS}/conda-forge"
    assert channel_url("nvidia/label/cuda-12.4.0") == f"{CHANNEL_ALIAS}/nvidia/label/cuda-12.4.0"
    assert channel_url("https://example.org/chan") == "https://example.org/chan"
    assert channel_url(CHANNEL).startswith("file://")
    (tmp_path / "conda-forge").mkdir()  # a folder of that name here is a folder, and not a channel
    with pytest.raises(Exception, match="not a conda channel"):
        channel_url("conda-forge")


def test_unreachable_channel_still_writes_the_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("rattler")
    out = tmp_path / "environment.yml"
    code = main(["propose", "torch", *TARGET, "--verify", UNREACHABLE, "-o", str(out)])
    assert code == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0] == f"envadvisor: wrote {out}"
    assert len(err) == 2 and err[1].startswith(f"envadvisor: not verified: {UNREACHABLE} cannot be read")
    text = out.read_text(encoding="utf-8").splitlines()
    assert text[1] == "# " + err[1].removeprefix("envadvisor: ")
    assert "dependencies:" in text


def test_not_verified_in_json_and_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("rattler")
    assert main(["propose", "torch", *TARGET, "--verify", UNREACHABLE, "--json"]) == 3
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["verify"]["ok"] is None and "cannot be read" in data["verify"]["not_verified"]
    assert "# not verified: " in data["environment_yml"]
    assert captured.err.startswith("envadvisor: not verified:") and captured.err.count("\n") == 1


def test_solved_says_what_it_covered(capsys: pytest.CaptureFixture[str]) -> None:
    """The conda part is solved; a pip block is listed as not solved (pip resolves it at create time)."""
    pytest.importorskip("rattler")
    assert main(["propose", "torch", "--source", "pip", *TARGET, "--verify", CHANNEL]) == 0
    captured = capsys.readouterr()
    header = captured.out.splitlines()[1]
    assert header.startswith("# verified: the conda part solves from ")
    assert "the pip block (" in header and "is not solved" in header
    assert "the conda part solved in" in captured.err
    assert "pip block not solved (pip resolves it at create time): torch" in captured.err


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["propose", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "0 solved, 1 not solvable, 3 not verified" in text
    assert "conda-forge" in text


def test_output_folder_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["propose", "torch", *TARGET, "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{tmp_path}: is a folder" in err[0] and "--force" not in err[0]
    existing = tmp_path / "environment.yml"
    existing.write_text("keep me\n", encoding="utf-8")
    assert main(["propose", "torch", *TARGET, "-o", str(existing), "--verify", UNREACHABLE]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert existing.read_text(encoding="utf-8") == "keep me\n"


def test_an_unknown_package_gets_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["propose", "torch", "foobarpkg", "accelerate", *TARGET]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "envadvisor: note: foobarpkg is not in the knowledge tables: written unpinned"
    ]
    assert "  - foobarpkg" in captured.out
    assert main(["propose", "torch", *TARGET]) == 0
    assert capsys.readouterr().err == ""
