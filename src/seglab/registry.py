"""A tiny name -> object registry used for models, losses and dataset formats."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Generic, TypeVar

from seglab.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps lowercase names to objects; `get` explains a typo (`UnknownNameError`, a ConfigError).

    The CLI takes its choices from `names()`, so a newly registered object is offered at once.

    Example:
        >>> LOSSES = Registry("loss")
        >>> @LOSSES.register("ce")
        ... def ce(): ...
        >>> LOSSES.names()
        ['ce']
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers its target under `name` (must be unique)."""

        def add(obj: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} '{name}' is already registered")
            self._items[name] = obj
            return obj

        return add

    def get(self, name: str) -> T:
        """Return the object registered as `name`.

        Raises:
            UnknownNameError: with close matches and the full list of names.
        """
        try:
            return self._items[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._items, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise UnknownNameError(
                f"unknown {self.kind} '{name}'.{hint} Available: {', '.join(self.names())}"
            ) from None

    def names(self) -> list[str]:
        """All registered names, sorted."""
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items
