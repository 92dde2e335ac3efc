"""create_model, list_models, describe_model: the model registry's front door."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from seglab.errors import ConfigError, UnknownNameError
from seglab.models import MODELS, UNet, create_model, describe_model, list_models, model_options


def test_presets_are_registered() -> None:
    assert {"unet", "unet_small", "unet_pet", "unet_mri"} <= set(list_models())
    assert list_models() == MODELS.names()


@pytest.mark.parametrize("name", list_models())
def test_every_model_has_a_one_line_description(name: str) -> None:
    description = describe_model(name)
    assert description and "\n" not in description


def test_default_unet_preset() -> None:
    model = create_model("unet", in_channels=3, num_classes=2)
    assert isinstance(model, UNet)
    assert len(model.encoder) == 4
    assert model.bottleneck[1][0].out_channels == 512
    assert model_options("unet")["widths"] == (32, 64, 128, 256, 512)


def test_options_override_the_preset() -> None:
    model = create_model("unet", 1, 3, widths=[8, 16], dropout=0.1, norm="group")
    assert len(model.encoder) == 1
    assert model.head.out_channels == 3
    assert any(isinstance(m, nn.Dropout2d) for m in model.modules())
    assert any(isinstance(m, nn.GroupNorm) for m in model.modules())
    assert model(torch.randn(1, 1, 9, 9)).shape == (1, 3, 9, 9)


def test_unknown_model_lists_the_models() -> None:
    with pytest.raises(UnknownNameError, match="unet_small"):
        create_model("unet_smal", 1, 2)


def test_unknown_option_names_model_and_accepted_options() -> None:
    with pytest.raises(ConfigError, match="model 'unet_pet' has no option 'widht'.*Did you mean 'widths'.*block_order"):
        create_model("unet_pet", 3, 2, widht=(8, 16))


def test_invalid_option_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="model 'unet': unknown norm 'layer'"):
        create_model("unet", 3, 2, norm="layer")
