"""seglab: 2D semantic image segmentation with U-Nets.

Public API: `load_dataset`, `train`, `load_run`, `sanity_check` (and the `Dataset`, `Run`
and `Evaluation` they return), `create_model`, `list_models`, `Predictor`, `__version__`.
"""

from __future__ import annotations

from seglab._version import __version__
from seglab.api import Dataset, Evaluation, Run, load_dataset, load_run, sanity_check, train
from seglab.inference.predictor import Predictor
from seglab.models import create_model, list_models

__all__ = [
    "Dataset",
    "Evaluation",
    "Predictor",
    "Run",
    "create_model",
    "list_models",
    "load_dataset",
    "load_run",
    "sanity_check",
    "train",
    "__version__",
]
