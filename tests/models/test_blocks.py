"""Blocks of the U-Net: layer order, size matching and upsampling."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from seglab.models.blocks import ConvNormAct, UpBlock, make_upsample, match_size


def test_conv_norm_act_orders() -> None:
    assert [type(m) for m in ConvNormAct(3, 8)] == [nn.Conv2d, nn.BatchNorm2d, nn.ReLU]
    act_first = ConvNormAct(3, 8, order="conv-act-norm")
    assert [type(m) for m in act_first] == [nn.Conv2d, nn.ReLU, nn.BatchNorm2d]
    # a norm right after the conv cancels its bias, one after the ReLU does not
    assert ConvNormAct(3, 8)[0].bias is None
    assert act_first[0].bias is not None


def test_conv_norm_act_rejects_unknown_order() -> None:
    with pytest.raises(ValueError, match="conv-norm-act, conv-act-norm"):
        ConvNormAct(3, 8, order="norm-first")


@pytest.mark.parametrize(("size", "target"), [((4, 6), (5, 7)), ((6, 8), (5, 7)), ((5, 7), (5, 7))])
def test_match_size_pads_or_crops_to_the_reference(size: tuple[int, int], target: tuple[int, int]) -> None:
    x = torch.ones(1, 2, *size)
    out = match_size(x, torch.zeros(1, 9, *target))
    assert out.shape == (1, 2, *target)
    if size[0] < target[0]:
        assert out[0, 0, -1].sum() == 0  # the extra row is zero padding


@pytest.mark.parametrize("kernel", [2, 4, 6])
def test_transposed_upsample_doubles_exactly(kernel: int) -> None:
    up = make_upsample("transpose", 8, 4, kernel)
    assert up(torch.randn(1, 8, 5, 3)).shape == (1, 4, 10, 6)


def test_bilinear_upsample_sets_channels() -> None:
    assert make_upsample("bilinear", 8, 4, 2)(torch.randn(1, 8, 5, 3)).shape == (1, 4, 10, 6)


def test_up_block_concatenates_skip_of_odd_size() -> None:
    block = UpBlock(in_channels=16, skip_channels=8, out_channels=8)
    out = block(torch.randn(2, 16, 4, 5), torch.randn(2, 8, 9, 11))
    assert out.shape == (2, 8, 9, 11)
    assert block.conv[0][0].in_channels == 16


def test_nearest_upsample_keeps_every_channel_for_the_next_conv() -> None:
    up = make_upsample("nearest", 8, 4, 2)
    x = torch.randn(1, 8, 5, 3)
    out = up(x)
    assert out.shape == (1, 8, 10, 6)
    assert torch.equal(out[:, :, ::2, ::2], x)  # pixel repetition, nothing learned
    block = UpBlock(in_channels=16, skip_channels=8, out_channels=4, upsampling="nearest")
    assert block(torch.randn(2, 16, 4, 5), torch.randn(2, 8, 9, 11)).shape == (2, 4, 9, 11)
    assert block.conv[0][0].in_channels == 16 + 8
