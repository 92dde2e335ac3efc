"""The command registry: what `seglab --help` lists is what COMMANDS holds, and every command answers --help."""

from __future__ import annotations

import re

import pytest

from seglab.cli import build_parser, main
from seglab.cli.commands import COMMANDS, ORDER


def listed_commands(help_text: str) -> list[str]:
    """Command names in the COMMAND section of `seglab --help`, in the order shown."""
    section = help_text.split("  COMMAND\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^ {4}(\S+) ", section, flags=re.M)


def test_help_lists_every_registered_command_in_the_stated_order() -> None:
    listed = listed_commands(build_parser().format_help())
    assert listed == list(ORDER)
    assert sorted(listed) == COMMANDS.names()  # a registered command missing from ORDER would be unreachable


@pytest.mark.parametrize("name", ORDER)
def test_each_command_answers_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([name, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: seglab {name} ")
    description = COMMANDS.get(name).description
    if description is not None:
        assert description.split()[0] in out
