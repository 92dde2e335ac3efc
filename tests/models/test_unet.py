"""UNet and its presets: every registered model gets shape and gradient tests for free."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from seglab.models import UNet, create_model, list_models

TINY = (4, 8, 16)  # two poolings: inputs must be at least 4x4


def _conv3x3_widths(model: nn.Module) -> list[int]:
    return [m.out_channels for m in model.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3)]


@pytest.mark.parametrize("name", list_models())
@pytest.mark.parametrize("shape", [(1, 1, 33, 47), (2, 3, 64, 64)])
def test_registered_model_keeps_input_size_and_backpropagates(name: str, shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    model = create_model(name, in_channels=shape[1], num_classes=3)
    logits = model(torch.randn(shape))
    assert logits.shape == (shape[0], 3, *shape[2:])
    logits.square().mean().backward()
    for pname, param in model.named_parameters():
        assert param.grad is not None, pname
        assert torch.isfinite(param.grad).all(), pname


def test_unet_pet_matches_the_tutorial_network() -> None:
    model = create_model("unet_pet", in_channels=3, num_classes=3)
    ups = [m for m in model.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(ups) == 2
    assert all((m.kernel_size, m.stride, m.padding) == ((4, 4), (2, 2), (1, 1)) for m in ups)
    assert [(m.in_channels, m.out_channels) for m in ups] == [(256, 128), (128, 64)]
    assert _conv3x3_widths(model) == [64, 64, 128, 128, 256, 256, 128, 128, 64, 64]
    assert sum(isinstance(m, nn.MaxPool2d) for m in model.modules()) == 1  # reused at each level
    assert len(model.encoder) == 2
    first = model.encoder[0][0]
    assert [type(m) for m in first] == [nn.Conv2d, nn.ReLU, nn.BatchNorm2d]
    # decoder convs see the upsampled map concatenated with the skip
    assert model.decoder[0].conv[0][0].in_channels == 128 + 128


def test_unet_mri_matches_the_tutorial_network() -> None:
    model = create_model("unet_mri", in_channels=3, num_classes=1)
    ups = [m for m in model.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert [(m.kernel_size, m.stride, m.padding) for m in ups] == [((2, 2), (2, 2), (0, 0))] * 3
    assert _conv3x3_widths(model) == [16, 16, 32, 32, 64, 64, 128, 128, 64, 64, 32, 32, 16, 16]
    assert [type(m) for m in model.encoder[0][0]] == [nn.Conv2d, nn.BatchNorm2d, nn.ReLU]


@pytest.mark.parametrize("size", [(394, 394), (192, 224)])
def test_unet_mri_round_trips_tutorial_sizes(size: tuple[int, int]) -> None:
    model = create_model("unet_mri", in_channels=3, num_classes=1).eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, *size)).shape == (1, 1, *size)


@pytest.mark.parametrize("norm", ["batch", "group", "none"])
@pytest.mark.parametrize("upsampling", ["transpose", "bilinear"])
def test_norm_and_upsampling_choices_work(norm: str, upsampling: str) -> None:
    model = UNet(2, 4, widths=(6, 12, 24), norm=norm, upsampling=upsampling, dropout=0.2)
    logits = model(torch.randn(2, 2, 21, 18))
    assert logits.shape == (2, 4, 21, 18)
    logits.mean().backward()
    has_transpose = any(isinstance(m, nn.ConvTranspose2d) for m in model.modules())
    assert has_transpose == (upsampling == "transpose")
    assert sum(isinstance(m, nn.Dropout2d) for m in model.modules()) == 3  # bottleneck + 2 decoder


def test_group_norm_group_count_divides_channels() -> None:
    model = UNet(1, 2, widths=(6, 12, 20), norm="group")
    groups = {(m.num_groups, m.num_channels) for m in model.modules() if isinstance(m, nn.GroupNorm)}
    assert groups == {(2, 6), (4, 12), (4, 20)}


def test_no_norm_uses_conv_bias_and_no_norm_layers() -> None:
    model = UNet(1, 2, widths=TINY, norm="none")
    assert not any(isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) for m in model.modules())
    assert all(m.bias is not None for m in model.modules() if isinstance(m, nn.Conv2d))


def test_up_kernel_four_doubles_exactly() -> None:
    model = UNet(1, 2, widths=TINY, up_kernel=4).eval()
    up = model.decoder[0].up
    assert up(torch.randn(1, 16, 5, 7)).shape[-2:] == (10, 14)
    with torch.no_grad():
        assert model(torch.randn(1, 1, 13, 9)).shape == (1, 2, 13, 9)


def test_smallest_input_works_and_smaller_raises() -> None:
    model = UNet(1, 2, widths=(4, 8, 16, 32))
    assert model.min_size == 8
    assert model(torch.randn(2, 1, 8, 11)).shape == (2, 2, 8, 11)
    with pytest.raises(ValueError, match="at least 8"):
        model(torch.randn(2, 1, 7, 64))


def test_wrong_channel_count_raises() -> None:
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        UNet(3, 2, widths=TINY)(torch.randn(1, 1, 16, 16))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"norm": "bn"}, "unknown norm 'bn'; choose one of batch, group, none"),
        ({"upsampling": "bicubic"}, "unknown upsampling 'bicubic'"),
        ({"block_order": "act-conv"}, "unknown block_order 'act-conv'"),
        ({"widths": (8,)}, "at least two"),
        ({"widths": (8, 0)}, "positive"),
        ({"up_kernel": 3}, "even"),
        ({"upsampling": "bilinear", "up_kernel": 4}, "needs upsampling='transpose'"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"num_classes": 0}, "num_classes"),
    ],
)
def test_invalid_arguments_raise_clear_errors(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        UNet(**{"widths": TINY, **options})
