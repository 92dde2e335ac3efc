"""seglab: 2D semantic image segmentation with U-Nets.

Public API: `create_model`, `list_models`, `Predictor`, `__version__`.
"""

from __future__ import annotations

__version__ = "0.1.0"

from seglab.inference.predictor import Predictor
from seglab.models import create_model, list_models

__all__ = ["Predictor", "create_model", "list_models", "__version__"]
