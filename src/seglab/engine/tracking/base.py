"""The experiment-logger interface, its registry, and the `train.loggers` entries that name them.

A logger sends what a run produces (hyperparameters, per-epoch scalars, pictures, files) to one
tracking tool. Adding a tool is one class registered here with `@LOGGERS.register("name")`;
`ExperimentTracking` (the training callback) decides what is logged and when.
"""

from __future__ import annotations

import importlib
import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from seglab.errors import ConfigError
from seglab.registry import Registry

Param = str | int | float | bool


class ExperimentLogger(ABC):
    """One tracking tool, opened for one run folder (and `close`d once).

    Constructed at the start of training: `resumed_after` is the last complete epoch of a
    resumed run (0 for a fresh one), so a resumed run continues its own record instead of
    starting a second one; `continues` says whether it found one. Steps are epochs.
    """

    requires: ClassVar[str]  # the module the tool needs, imported to check it is installed
    extra: ClassVar[str]  # the seglab extra that installs it: pip install 'seglab[extra]'
    continues: bool  # set by __init__: True when it carries on the record of an earlier start of this run

    @abstractmethod
    def __init__(self, run_root: Path, resumed_after: int, **options: Any) -> None: ...

    @abstractmethod
    def log_params(self, params: Mapping[str, Param]) -> None:
        """The run's hyperparameters (the resolved config, flattened to dotted keys)."""

    @abstractmethod
    def log_scalars(self, values: Mapping[str, float], step: int) -> None: ...

    @abstractmethod
    def log_image(self, tag: str, image: np.ndarray, step: int) -> None:
        """Shape: image (H, W, 3) uint8."""

    @abstractmethod
    def log_text(self, name: str, text: str, step: int) -> None:
        """A document such as 'model_card.json'; the extension says what it holds."""

    @abstractmethod
    def log_file(self, path: Path, step: int) -> None:
        """A file of the run folder (curves.png, metrics.json, config.yaml)."""

    @abstractmethod
    def close(self, status: str) -> None:
        """End the record: status is 'finished', 'failed' or 'killed' (Ctrl-C)."""


LOGGERS: Registry[type[ExperimentLogger]] = Registry("logger")


@dataclass(frozen=True)
class LoggerSpec:
    """A checked `train.loggers` entry: the logger's class and its options."""

    name: str
    factory: type[ExperimentLogger]
    options: dict[str, Any] = field(default_factory=dict)

    def open(self, run_root: Path, resumed_after: int) -> ExperimentLogger:
        return self.factory(run_root, resumed_after, **self.options)


def logger_specs(entries: Sequence[str | Mapping[str, Any]]) -> list[LoggerSpec]:
    """Check `train.loggers` before training starts: known names, known options, library installed.

    An entry is a name ('tensorboard') or a mapping {name: mlflow, options: {tracking_uri: ...}}.

    Raises:
        ConfigError: a malformed entry, an unknown option, a name given twice, or a logger whose
            library is missing (the message names the extra to install).
        UnknownNameError: an unknown logger name (with close matches).
    """
    specs: list[LoggerSpec] = []
    for entry in entries:
        name, options = _parse_entry(entry)
        factory = LOGGERS.get(name)
        if any(spec.name == name for spec in specs):
            raise ConfigError(f"train.loggers names '{name}' twice")
        accepted = [p for p in inspect.signature(factory).parameters if p not in ("run_root", "resumed_after")]
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise ConfigError(f"train.loggers: logger '{name}' has no option {', '.join(map(repr, unknown))}; "
                              f"its options: {', '.join(accepted) or 'none'}")
        check_installed(name, factory)
        specs.append(LoggerSpec(name, factory, options))
    return specs


def _parse_entry(entry: str | Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    if isinstance(entry, str):
        return entry, {}
    if isinstance(entry, Mapping) and isinstance(entry.get("name"), str) and set(entry) <= {"name", "options"} \
            and isinstance(entry.get("options", {}), Mapping):
        return entry["name"], dict(entry.get("options") or {})
    raise ConfigError(f"train.loggers entries are names (tensorboard, mlflow) or mappings like "
                      f"{{name: mlflow, options: {{tracking_uri: ...}}}}; got {entry!r}")


def check_installed(name: str, factory: type[ExperimentLogger]) -> None:
    """Import the logger's library now, so a missing one stops the run before any training.

    Raises:
        ConfigError: naming the extra that installs it.
    """
    try:
        importlib.import_module(factory.requires)
    except ImportError as err:
        raise ConfigError(f"--log {name} needs the '{factory.requires.split('.')[-1]}' package, which is not "
                          f"installed ({err}); install it with: pip install 'seglab[{factory.extra}]'") from None


def with_logger_option(entries: Sequence[str | Mapping[str, Any]], name: str, key: str,
                       value: Any) -> tuple[str | dict[str, Any], ...]:
    """`entries` with option `key` of logger `name` set to `value`, the logger added when absent
    (how `--mlflow-uri URI` implies `--log mlflow`)."""
    updated: list[str | dict[str, Any]] = []
    found = False
    for entry in entries:
        entry_name, options = _parse_entry(entry)
        if entry_name == name:
            entry, found = {"name": name, "options": {**options, key: value}}, True
        updated.append(entry if isinstance(entry, str) else dict(entry))
    if not found:
        updated.append({"name": name, "options": {key: value}})
    return tuple(updated)
