"""The run folder: one place on disk that holds everything a training run produced.

A training claims its folder (`RunFolder.claim`) for as long as it writes there: a lock file
with its process id turns a second writer away instead of letting two runs mix into one, a
finished run is not replaced without `overwrite`, and temporary files a killed run left are
removed.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import shlex
import shutil
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from seglab import config as config_io
from seglab.config import DataConfig, ExperimentConfig
from seglab.errors import CheckpointError, DataError
from seglab.runs.atomic import atomic_write

log = logging.getLogger(__name__)

LOCK_NAME = ".seglab.lock"
_FRESH_SECONDS = 10.0  # an unreadable lock younger than this is being written, not stale
# what a training run and the commands after it write; --overwrite removes these and nothing else
_RUN_FILES = ("config.yaml", "splits.json", "history.csv", "curves.png", "metrics.json", "metrics.md", "train.log",
              "report.html", "classes.json", "plan.json", "lr_find.json", "lr_find.png", "mlflow_run.json")
_RUN_FOLDERS = ("checkpoints", "eval", "export", "tensorboard", "mlruns")  # the last two: engine/tracking's loggers


@dataclass(frozen=True)
class RunFolder:
    """Paths inside a run folder; stages hand each other this folder, never their internals.

    Layout: config.yaml (resolved config), splits.json (pair names per split), classes.json
    (the classes trained, in the form `--classes` reads, e.g. to name discovered colours),
    checkpoints/{best,last}.safetensors, history.csv, curves.png, metrics.json (best
    validation scores), train.log, eval/ (written by `seglab evaluate`).
    """

    root: Path
    data_path: Path | None = None  # where the run's dataset is now, when it has moved

    @classmethod
    def open(cls, path: str | Path, data_path: str | Path | None = None) -> RunFolder:
        """An existing run folder; raises CheckpointError when it holds no trained model.

        `data_path` points the run at its dataset when the folder recorded in config.yaml has
        moved (a run folder copied to another machine, a renamed data folder).
        """
        run = cls(Path(path), Path(data_path) if data_path is not None else None)
        if not run.root.is_dir():
            raise CheckpointError(f"run folder '{run.root}' does not exist")
        if not run.best.is_file():
            raise CheckpointError(
                f"'{run.root}' is not a finished seglab run: {run.best.relative_to(run.root)} is missing"
            )
        return run

    @classmethod
    def open_to_resume(cls, path: str | Path) -> RunFolder:
        """A run folder `--resume` can continue: it holds a `last` checkpoint. A run stopped
        before its first epoch ended has none, and is started again instead (the message says how).

        Raises:
            CheckpointError: the folder is missing, or holds no checkpoint to continue from.
        """
        run = cls(Path(path))
        if not run.resumable() and (run.config.is_file() or run.log.is_file()):  # a training started here
            # best is written before last, so a kill between the two leaves best alone
            stopped = ("while its first epoch's checkpoints were written (best.safetensors holds weights, not the "
                       "optimizer state to go on from)" if run.best.is_file() else "before the first epoch ended")
            raise CheckpointError(
                f"'{run.root}' holds no checkpoint to resume from: its training stopped {stopped}; start it again: "
                f"{run.restart_route()}"
            )
        return cls.open(path)

    def resumable(self) -> bool:
        """Whether `--resume` can continue this run: a complete epoch's checkpoint was written."""
        return self.last.is_file()

    def restart_route(self) -> str:
        """How to start a run that has no checkpoint yet again in this folder: from its config.yaml
        when it got that far, else by the command that started it."""
        if self.config.is_file():
            return (f"`seglab train --config {shlex.quote(str(self.config))} --out {shlex.quote(str(self.root))} "
                    "--overwrite`")
        return f"run the same `seglab train` command (with --out {shlex.quote(str(self.root))}) again"

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
    def plan(self) -> Path:
        """plan.json: the planner's choices and reasons (`seglab.planning`), for planned runs."""
        return self.root / "plan.json"

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

    @property
    def lock_file(self) -> Path:
        return self.root / LOCK_NAME

    def holds_run(self) -> bool:
        """Whether a training has written here before (a config or any checkpoint)."""
        checkpoints = self.root / "checkpoints"
        return self.config.is_file() or (checkpoints.is_dir() and any(checkpoints.glob("*.safetensors")))

    @contextmanager
    def claim(self, resume: bool = False, overwrite: bool = False) -> Iterator[None]:
        """Hold the folder for one training: refuse a second writer, keep a finished run unless
        `overwrite` (which deletes its artefacts first) or `resume`, and clean stale temporary files.

        Re-entrant within one process, so a front door and the engine can both claim.

        Raises:
            CheckpointError: another live process holds the folder, or it holds a run and
                neither `resume` nor `overwrite` is given, or it cannot be written.
        """
        if self._held_by_me():
            yield
            return
        self.create()
        self._lock()
        try:
            if not resume and self.holds_run():
                if not overwrite:
                    resume_route = f", --resume {self.root} to continue it" if self.resumable() else ""
                    raise CheckpointError(
                        f"run folder '{self.root}' already holds a run; pass --overwrite (overwrite=True in Python) to replace it (its "
                        f"checkpoints, evaluations, exports and report are deleted){resume_route}, or choose "
                        "another --out"
                    )
                self._clear()
            self._remove_stale_temporaries()
            yield
        finally:
            self.lock_file.unlink(missing_ok=True)

    def check_claim(self, resume: bool = False, overwrite: bool = False) -> None:
        """Refuse now what `claim` would refuse (a live holder; a run kept without `resume` or
        `overwrite`), deleting none of the run's files: `--nproc` checks before torchrun starts
        processes that would each be refused, and restarted under --max-restarts.

        Raises:
            CheckpointError: as `claim`.
        """
        with self.claim(resume=resume or overwrite):
            pass

    def _held_by_me(self) -> bool:
        holder = _read_lock(self.lock_file)
        return holder is not None and holder.get("pid") == os.getpid() and holder.get("host") == socket.gethostname()

    def _lock(self) -> None:
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        for _ in range(2):  # a stale lock is removed once, then taken
            try:
                fd = os.open(self.lock_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = _read_lock(self.lock_file)
                if holder is None and _age(self.lock_file) < _FRESH_SECONDS:
                    holder = {"pid": "?", "host": "this host", "started": "just now"}  # being written right now
                if holder is not None and (holder.get("pid") == "?" or _alive(holder)):
                    raise CheckpointError(
                        f"run folder '{self.root}' is in use by seglab process {holder.get('pid')} on "
                        f"{holder.get('host')} (since {holder.get('started')}); choose another --out, or wait for "
                        f"it to finish (if that process is gone, delete {self.lock_file})"
                    ) from None
                log.warning("removing a stale lock of process %s in '%s' (it is no longer running)",
                            holder.get("pid") if holder else "?", self.root)
                self.lock_file.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as handle:
                json.dump(me, handle)
            return
        raise CheckpointError(f"cannot lock the run folder '{self.root}': another process keeps taking it")

    def _clear(self) -> None:
        removed = []
        for name in _RUN_FILES:
            if (self.root / name).is_file():
                (self.root / name).unlink()
                removed.append(name)
        for name in _RUN_FOLDERS:
            if (self.root / name).is_dir():
                shutil.rmtree(self.root / name)
                removed.append(f"{name}/")
        (self.root / "checkpoints").mkdir(exist_ok=True)
        log.warning("--overwrite: removed the previous run's %s from '%s'", ", ".join(removed) or "nothing", self.root)

    def _remove_stale_temporaries(self) -> None:
        for folder in (self.root, self.root / "checkpoints"):
            for path in folder.glob(".*.tmp"):
                path.unlink(missing_ok=True)
                log.info("removed the temporary file '%s' left by an interrupted write", path)

    def read_config(self) -> ExperimentConfig:
        """The run's config, its dataset path replaced by `data_path` when given."""
        cfg = config_io.load(self.config)
        if self.data_path is not None:
            return replace(cfg, data=replace(cfg.data, path=str(self.data_path)))
        return cfg

    def read_data_config(self) -> DataConfig:
        """The data section of the run's config, for stages that read the dataset again.

        Raises:
            DataError: the recorded dataset folder is gone and no `data_path` was given; the
                message says how to point the run at its data.
        """
        data = self.read_config().data
        if data.path is not None and not Path(data.path).exists():
            raise DataError(
                f"dataset folder '{data.path}' recorded in '{self.config}' does not exist (has the data or "
                "the run folder moved?); point the run at it with --data-path FOLDER (seglab evaluate, report), "
                "or edit data.path in config.yaml"
            )
        return data

    def read_splits(self) -> dict[str, list[str]]:
        splits = read_run_json(self.splits)
        if not isinstance(splits, dict):
            raise DataError(f"'{self.splits}' is damaged: it holds no train/val/test lists; train again to rewrite it")
        return splits

    def read_history(self) -> list[dict[str, float]]:
        """history.csv as one dict per epoch; an empty cell (no validation that epoch) is NaN, a
        gap in its curve. No file yet: no rows.

        Raises:
            DataError: a damaged file (not text, or a cell that is no number), naming it.
        """
        if not self.history.is_file():
            return []
        try:
            with self.history.open(newline="", encoding="utf-8") as handle:
                return [{k: float(v) if v else math.nan for k, v in row.items()} for row in csv.DictReader(handle)]
        except (OSError, UnicodeDecodeError, ValueError, TypeError, csv.Error) as err:
            raise DataError(f"'{self.history}' is damaged ({err}); training writes it again when the run resumes") \
                from None

    def write_history(self, rows: Sequence[Mapping[str, float]]) -> None:
        """Rewrite history.csv atomically (columns in order of first appearance)."""
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(dict.fromkeys(key for row in rows for key in row)))
        writer.writeheader()
        writer.writerows(rows)
        with atomic_write(self.history, "w") as handle:
            handle.write(buffer.getvalue())


def read_run_json(path: Path) -> Any:
    """A JSON file a run wrote (splits.json, metrics.json, plan.json).

    Raises:
        DataError: a file that cannot be read or is not JSON (edited or damaged since), naming it.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise DataError(f"'{path}' is damaged or unreadable ({err}); run the stage that wrote it again") from None


def _read_lock(path: Path) -> dict[str, Any] | None:
    try:
        holder = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def _alive(holder: dict[str, Any]) -> bool:
    """Whether the process that wrote a lock still runs (locks from other hosts count as alive)."""
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname():
        return True
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")
