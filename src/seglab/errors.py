"""Errors that seglab raises for problems a user can fix (bad data, bad config)."""

from __future__ import annotations

# control characters (a newline in a file name) would split a one-line message; show them escaped
_ESCAPES = {code: repr(chr(code))[1:-1] for code in (*range(0x20), 0x7F)}


class SeglabError(Exception):
    """Base class: the CLI prints these as one line and exits with code 2."""


class ConfigError(SeglabError):
    """An option or config value is missing, misspelt or out of range."""


class UnknownNameError(ConfigError):
    """A name no registry holds (model, loss, dataset format, ...); says the close matches."""


class DataError(SeglabError):
    """A dataset file or folder cannot be used; the message names the file."""


class CheckpointError(SeglabError):
    """A run folder or checkpoint is missing, incomplete or not a seglab checkpoint."""


def one_line(text: str) -> str:
    """`text` with control characters escaped (a newline as \\n), so a file name cannot split a
    one-line error message or finding."""
    return text.translate(_ESCAPES)
