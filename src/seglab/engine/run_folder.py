"""The run folder: one place on disk that holds everything a training run produced."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seglab import config as config_io
from seglab.config import ExperimentConfig
from seglab.engine.checkpoint import atomic_write
from seglab.errors import CheckpointError


@dataclass(frozen=True)
class RunFolder:
    """Paths inside a run folder; stages hand each other this folder, never their internals.

    Layout: config.yaml (resolved config), splits.json (pair names per split), classes.json
    (the classes trained, in the form `--classes` reads, e.g. to name discovered colours),
    checkpoints/{best,last}.safetensors, history.csv, curves.png, metrics.json (best
    validation scores), train.log, eval/ (written by `seglab evaluate`).
    """

    root: Path

    @classmethod
    def open(cls, path: str | Path) -> RunFolder:
        """An existing run folder; raises CheckpointError when it holds no trained model."""
        run = cls(Path(path))
        if not run.root.is_dir():
            raise CheckpointError(f"run folder '{run.root}' does not exist")
        if not run.best.is_file():
            raise CheckpointError(
                f"'{run.root}' is not a finished seglab run: {run.best.relative_to(run.root)} is missing"
            )
        return run

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def splits(self) -> Path:
        return self.root / "splits.json"

    @property
    def classes(self) -> Path:
        return self.root / "classes.json"

    @property
    def best(self) -> Path:
        return self.root / "checkpoints" / "best.safetensors"

    @property
    def last(self) -> Path:
        return self.root / "checkpoints" / "last.safetensors"

    @property
    def interrupted(self) -> Path:
        return self.root / "checkpoints" / "interrupted.safetensors"

    @property
    def history(self) -> Path:
        return self.root / "history.csv"

    @property
    def curves(self) -> Path:
        return self.root / "curves.png"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.json"

    @property
    def log(self) -> Path:
        return self.root / "train.log"

    @property
    def eval_dir(self) -> Path:
        return self.root / "eval"

    def create(self) -> None:
        """Make the folder, failing early and clearly when it cannot be written."""
        try:
            (self.root / "checkpoints").mkdir(parents=True, exist_ok=True)
            probe = self.root / ".write-test"
            probe.write_text("")
            probe.unlink()
        except OSError as err:
            raise CheckpointError(
                f"cannot write the run folder '{self.root}': {err.strerror or err}; choose a writable --out"
            ) from None

    def read_config(self) -> ExperimentConfig:
        return config_io.load(self.config)

    def read_splits(self) -> dict[str, list[str]]:
        return json.loads(self.splits.read_text())

    def write_json(self, path: Path, payload: Any) -> None:
        with atomic_write(path, "w") as handle:
            json.dump(payload, handle, indent=2)
