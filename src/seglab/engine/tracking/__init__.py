"""Experiment tracking: loggers for TensorBoard and MLflow behind one interface, and the
training callback that feeds them (`seglab train --log tensorboard --log mlflow`).

Importing the package registers the loggers; their libraries are imported only when a run
uses them (optional extras: seglab[tensorboard], seglab[mlflow]).
"""

from __future__ import annotations

from seglab.engine.tracking import mlflow_logger as _mlflow_logger  # noqa: F401  (fills LOGGERS)
from seglab.engine.tracking import tensorboard_logger as _tensorboard_logger  # noqa: F401  (fills LOGGERS)
from seglab.engine.tracking.base import LOGGERS, ExperimentLogger, LoggerSpec, logger_specs, with_logger_option
from seglab.engine.tracking.callback import ExperimentTracking

__all__ = ["LOGGERS", "ExperimentLogger", "ExperimentTracking", "LoggerSpec", "logger_specs", "with_logger_option"]
