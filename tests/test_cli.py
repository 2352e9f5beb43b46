"""Every command answers --help and --version; a bare call or an unknown command is handled."""

from __future__ import annotations

import pytest

from envadvisor import __version__
from envadvisor.cli import COMMANDS, main


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_version_and_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--version"]) == 0
    assert capsys.readouterr().out.strip() == f"envadvisor {__version__}"
    assert main([command, "--help"]) == 0
    assert f"usage: envadvisor {command}" in capsys.readouterr().out


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


def test_unknown_command_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diagnoze"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "diagnoze" in err
