"""Bad inputs among good ones: the first stops a prediction, or with `--skip-bad` each is named and passed over."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from seglab.errors import DataError

log = logging.getLogger(__name__)


@dataclass
class BadInputs:
    """The inputs a prediction could not read or predict, each with its error. With `skip`, each
    is logged in one line and the next input predicted; without, the first stops the prediction,
    so that a run over many files never ends with some of them silently missing."""

    skip: bool = False
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @contextmanager
    def guard(self, path: Path) -> Iterator[None]:
        """Predict one input inside: a `DataError` is recorded and passed over with `skip`, else
        raised again saying how to go on past it."""
        try:
            yield
        except DataError as err:
            if not self.skip:
                raise DataError(f"{err} (pass --skip-bad to predict the other inputs, each bad one named)") from err
            log.warning("skipped '%s' (--skip-bad): %s", path, err)
            self.skipped.append((path, str(err)))
