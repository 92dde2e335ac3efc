"""One prediction's output names, each claimed by one input, so that no input's outputs overwrite another's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from seglab.errors import DataError


@dataclass
class OutputBases:
    """The output bases (`<out>/<name>`) given so far in one prediction, each with its input. Every
    input's outputs are `<base>_*` files (`_mask.png`, `_mask.nii.gz`, `_overlay.png`), so a second
    input of a taken base, an image's, a volume case's or a stack's, would overwrite the first's."""

    taken: dict[Path, Path] = field(default_factory=dict)  # the base, resolved -> its input

    def claim(self, base: Path, source: Path) -> Path:
        """`base`, now `source`'s.

        Raises:
            DataError: a base another input holds, naming both and a route that works.
        """
        first = self.taken.setdefault(base.resolve(), source)
        if first != source:
            raise DataError(f"'{source}' would be written as '{base}_*', as '{first}' already is, overwriting its "
                            "outputs: predict them with separate --out folders, or rename one")
        return base

    def claim_all(self, out: Path, names: Mapping[Path, str]) -> dict[Path, Path]:
        """Claim each input's `<out>/<name>` (`names`: input -> name) before any is predicted, so that
        inputs whose outputs would land on one path are refused with nothing written.

        Returns:
            Each input's base, its outputs' `<base>_*` theirs alone.

        Raises:
            DataError: a base another input holds (`claim`).
        """
        return {source: self.claim(out / name, source) for source, name in names.items()}
