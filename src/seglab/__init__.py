"""seglab: 2D semantic image segmentation with U-Nets.

Public API: `load_dataset`, `train`, `load_run`, `sanity_check` (and the `Dataset`, `Run`
and `Evaluation` they return), `create_model`, `list_models`, `Predictor`, `__version__`.
"""

from __future__ import annotations

from seglab._version import __version__
from seglab.lazy import on_first_use

__getattr__ = on_first_use(__name__, {  # imported when first used: `import seglab` (and the CLI's --help) start without torch
    "Dataset": "seglab.api",
    "Evaluation": "seglab.api",
    "Run": "seglab.api",
    "load_dataset": "seglab.api",
    "load_run": "seglab.api",
    "sanity_check": "seglab.api",
    "train": "seglab.api",
    "Predictor": "seglab.inference.predictor",
    "create_model": "seglab.models",
    "list_models": "seglab.models",
})

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


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
