"""Segmentation models: the U-Net, its registered presets and `create_model`.

Importing this package registers every model: each model module is imported below.
"""

from __future__ import annotations

from seglab.models import encoder_unet as _encoder_unet  # noqa: F401  (fills MODELS)
from seglab.models import unet as _unet  # noqa: F401  (fills MODELS)
from seglab.models.factory import MODELS, create_model, describe_model, list_models, model_options
from seglab.models.encoder_unet import EncoderUNet
from seglab.models.unet import UNet

__all__ = ["MODELS", "EncoderUNet", "UNet", "create_model", "describe_model", "list_models", "model_options"]
