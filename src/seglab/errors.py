"""Errors that seglab raises for problems a user can fix (bad data, bad config)."""

from __future__ import annotations


class SeglabError(Exception):
    """Base class: the CLI prints these as one line and exits with code 2."""


class ConfigError(SeglabError):
    """An option or config value is missing, misspelt or out of range."""


class DataError(SeglabError):
    """A dataset file or folder cannot be used; the message names the file."""


class CheckpointError(SeglabError):
    """A run folder or checkpoint is missing, incomplete or not a seglab checkpoint."""
