"""Module attributes imported on first use (PEP 562): `import seglab` and the data layer stay
free of torch until a name that needs it is read (the CLI's `--help` and `seglab inspect`)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def on_first_use(module: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module-level `__getattr__` for `module` that imports `homes[name]` when `name` is first
    read and returns that module's attribute of the same name.

    Raises (from the returned function):
        AttributeError: a name `homes` does not list, as for any module.
    """
    def __getattr__(name: str) -> Any:
        if name in homes:
            return getattr(importlib.import_module(homes[name]), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
