"""MLflow: one MLflow run per seglab run, by default in a file store inside the run folder
(RUN/mlruns), or on any tracking server or database given as `tracking_uri` (`--mlflow-uri`)."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from seglab.engine.tracking.base import LOGGERS, ExperimentLogger, Param

log = logging.getLogger(__name__)

STORE = "mlruns"  # the default store, inside the run folder (RunFolder's --overwrite removes it)
RUN_ID_FILE = "mlflow_run.json"  # which MLflow run this run folder writes to, for --resume
BATCH = 100  # MLflow takes at most 100 params per log_batch call
STATUSES = {"finished": "FINISHED", "failed": "FAILED", "killed": "KILLED"}


@LOGGERS.register("mlflow")
class MlflowLogger(ExperimentLogger):
    """Params, per-epoch metrics, images (MLflow's image tab, with a step slider) and artifacts
    through `mlflow.tracking.MlflowClient`; never touches mlflow's global active run.

    The run id is kept in RUN/mlflow_run.json, so `--resume` continues the same MLflow run.

    Args:
        tracking_uri: where to log: a server (http://host:5000), a database (sqlite:///mlflow.db, with
            the full `mlflow` package) or a folder (a file store, e.g. one shared by several runs);
            default the file store RUN/mlruns.
        experiment: MLflow experiment the run belongs to.
    """

    requires = "mlflow"
    extra = "mlflow"

    def __init__(self, run_root: Path, resumed_after: int, tracking_uri: str | None = None,
                 experiment: str = "seglab") -> None:
        from mlflow.tracking import MlflowClient

        run_root = Path(run_root)
        self.tracking_uri = store_uri(tracking_uri, run_root)
        with _file_store_allowed(self.tracking_uri):
            self._client = MlflowClient(tracking_uri=self.tracking_uri)
        self._id_file = run_root / RUN_ID_FILE
        previous = self._previous_run() if resumed_after else None
        self.continues = previous is not None
        if previous is not None:
            self.run_id = previous
            self._client.update_run(self.run_id, status="RUNNING")
            log.info("mlflow: continuing run %s in %s", self.run_id, self.tracking_uri)
        else:
            found = self._client.get_experiment_by_name(experiment)
            experiment_id = found.experiment_id if found is not None else self._client.create_experiment(experiment)
            self.run_id = self._client.create_run(experiment_id, run_name=run_root.resolve().name,
                                                  tags={"seglab.run_folder": str(run_root.resolve())}).info.run_id
            self._id_file.write_text(json.dumps({"tracking_uri": self.tracking_uri, "run_id": self.run_id}) + "\n")
            log.info("mlflow: run %s in %s", self.run_id, self.tracking_uri)

    def _previous_run(self) -> str | None:
        """The run id this folder logged to, if that run is in the current store."""
        from mlflow.exceptions import MlflowException

        try:
            run_id = json.loads(self._id_file.read_text())["run_id"]
            self._client.get_run(run_id)
            return str(run_id)
        except FileNotFoundError:
            return None
        except (MlflowException, ValueError, KeyError) as err:
            log.warning("mlflow: cannot continue the run recorded in %s (%s); starting a new one", self._id_file, err)
            return None

    def log_params(self, params: Mapping[str, Param]) -> None:
        from mlflow.entities import Param as MlflowParam

        entries = [MlflowParam(_key(k), str(v)) for k, v in params.items()]
        for start in range(0, len(entries), BATCH):
            self._client.log_batch(self.run_id, params=entries[start:start + BATCH])

    def log_scalars(self, values: Mapping[str, float], step: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self._client.log_batch(self.run_id, metrics=[Metric(_key(k), float(v), now, step) for k, v in values.items()])

    def log_image(self, tag: str, image: np.ndarray, step: int) -> None:
        self._client.log_image(self.run_id, image, key=_key(tag), step=step)

    def log_text(self, name: str, text: str, step: int) -> None:
        self._client.log_text(self.run_id, text, name)

    def log_file(self, path: Path, step: int) -> None:
        self._client.log_artifact(self.run_id, str(path))

    def close(self, status: str) -> None:
        self._client.set_terminated(self.run_id, STATUSES[status])


def store_uri(tracking_uri: str | None, run_root: Path) -> str:
    """The tracking URI, a plain folder made an absolute file:// URI (RUN/mlruns by default), so
    that a resume from another working directory finds the same store."""
    if tracking_uri is None:
        return (run_root / STORE).resolve().as_uri()
    return Path(tracking_uri).expanduser().resolve().as_uri() if urlparse(tracking_uri).scheme == "" else tracking_uri


def _key(name: str) -> str:
    """MLflow keys allow letters, digits, '_', '-', '.', ' ', ':' and '/' (class names may hold more)."""
    return re.sub(r"[^\w\-. :/]", "_", name)


@contextmanager
def _file_store_allowed(uri: str) -> Iterator[None]:
    """MLflow 3 refuses its file store (in maintenance mode, kept for compatibility) unless
    MLFLOW_ALLOW_FILE_STORE is set; the database store needs SQLAlchemy, which mlflow-skinny
    lacks. Allowed while the client opens its store (MLflow keeps the opened store), for local
    folders only, and the environment restored afterwards."""
    if urlparse(uri).scheme not in ("", "file") or "MLFLOW_ALLOW_FILE_STORE" in os.environ:
        yield
        return
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    try:
        yield
    finally:
        del os.environ["MLFLOW_ALLOW_FILE_STORE"]

