"""Experiment tracking: loggers for TensorBoard and MLflow behind one interface, and the
training callback that feeds them (`seglab train --log tensorboard --log mlflow`).

Importing the package registers the loggers; their libraries are imported only when a run
uses them (optional extras: seglab[tensorboard], seglab[mlflow]). The callback, which needs
torch and the training loop, is imported on first use, so `seglab train --help` lists the
loggers without them.
"""

from __future__ import annotations

from seglab.engine.tracking import mlflow_logger as _mlflow_logger  # noqa: F401  (fills LOGGERS)
from seglab.engine.tracking import tensorboard_logger as _tensorboard_logger  # noqa: F401  (fills LOGGERS)
from seglab.engine.tracking.base import LOGGERS, ExperimentLogger, LoggerSpec, logger_specs, with_logger_option
from seglab.lazy import on_first_use

__getattr__ = on_first_use(__name__, {"ExperimentTracking": "seglab.engine.tracking.callback"})

__all__ = ["LOGGERS", "ExperimentLogger", "ExperimentTracking", "LoggerSpec", "logger_specs", "with_logger_option"]
