"""Building blocks of the U-Net: conv-norm-activation, double conv, up block and head."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from seglab.registry import Registry

NORMS: Registry[Callable[[int], nn.Module]] = Registry("norm")
BLOCK_ORDERS = ("conv-norm-act", "conv-act-norm")
UPSAMPLINGS = ("transpose", "bilinear", "nearest")


@NORMS.register("batch")
def batch_norm(channels: int) -> nn.Module:
    """Batch norm: the tutorials' choice; needs batches of more than one value per channel."""
    return nn.BatchNorm2d(channels)


@NORMS.register("group")
def group_norm(channels: int) -> nn.Module:
    """Group norm with up to 8 groups: independent of batch size, so it suits batches of 1-2."""
    # gcd(8, C) is the largest group count <= 8 that divides C
    return nn.GroupNorm(math.gcd(8, channels), channels)


@NORMS.register("none")
def no_norm(channels: int) -> nn.Module:
    """No normalisation, for comparisons and very small models."""
    return nn.Identity()


class ConvNormAct(nn.Sequential):
    """A 3x3 convolution, normalisation and ReLU, in one of two orders.

    "conv-norm-act" is the usual order; "conv-act-norm" reproduces tutorials that put
    batch norm after the ReLU. The conv has a bias only when no norm directly follows it,
    since a norm's shift would cancel the bias.

    Shape: (B, in_channels, H, W) -> (B, out_channels, H, W).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        norm: str = "batch",
        order: str = "conv-norm-act",
    ) -> None:
        if order not in BLOCK_ORDERS:
            raise ValueError(f"unknown block order '{order}'; choose one of {', '.join(BLOCK_ORDERS)}")
        bias = norm == "none" or order == "conv-act-norm"
        conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=bias)
        act = nn.ReLU(inplace=True)
        norm_layer = NORMS.get(norm)(out_channels)
        layers = [conv, norm_layer, act] if order == "conv-norm-act" else [conv, act, norm_layer]
        super().__init__(*layers)


class DoubleConv(nn.Sequential):
    """Two ConvNormAct layers, optionally followed by channel dropout.

    Dropout2d drops whole feature maps, which regularises conv features better than
    per-pixel dropout on small segmentation datasets.

    Shape: (B, in_channels, H, W) -> (B, out_channels, H, W).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        norm: str = "batch",
        order: str = "conv-norm-act",
        dropout: float = 0.0,
    ) -> None:
        layers: list[nn.Module] = [
            ConvNormAct(in_channels, out_channels, norm, order),
            ConvNormAct(out_channels, out_channels, norm, order),
        ]
        if dropout > 0:
            layers.append(nn.Dropout2d(dropout))
        super().__init__(*layers)


def make_upsample(upsampling: str, in_channels: int, out_channels: int, kernel: int) -> nn.Module:
    """A module that doubles H and W and maps `in_channels` to `out_channels`.

    "transpose" is a transposed conv with stride 2 and padding (kernel - 2) / 2, which
    doubles the size exactly for any even kernel (2 and 4 in the tutorials). "bilinear"
    interpolates, then a 1x1 conv sets the channels, so the rest of the decoder is the same.
    "nearest" only repeats pixels and keeps all `in_channels` (see `upsampled_channels`), so the
    next 3x3 conv sees every deep channel beside the skip, as segmentation_models_pytorch's Unet does.
    """
    if upsampling == "nearest":
        return nn.Upsample(scale_factor=2, mode="nearest")
    if upsampling == "transpose":
        return nn.ConvTranspose2d(
            in_channels, out_channels, kernel_size=kernel, stride=2, padding=(kernel - 2) // 2
        )
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
        nn.Conv2d(in_channels, out_channels, kernel_size=1),
    )


def upsampled_channels(upsampling: str, in_channels: int, out_channels: int) -> int:
    """Channels that `make_upsample` hands on: all of them for "nearest", else `out_channels`."""
    return in_channels if upsampling == "nearest" else out_channels


def match_size(x: Tensor, reference: Tensor) -> Tensor:
    """Pad with zeros or crop `x` so its H and W equal those of `reference`, centred.

    After a pooling of an odd size the upsampled map is one pixel short; negative padding
    crops, so one call handles both directions.

    Shape: x (B, C, h, w), reference (B, C', H, W) -> (B, C, H, W).
    """
    dh = reference.shape[-2] - x.shape[-2]
    dw = reference.shape[-1] - x.shape[-1]
    if dh == 0 and dw == 0:
        return x
    return F.pad(x, (dw // 2, dw - dw // 2, dh // 2, dh - dh // 2))


class UpBlock(nn.Module):
    """Decoder step: upsample, match the skip's size, concatenate the skip, double conv.

    With `skip_channels=0` the step has no skip (an encoder whose first map is at 1/4 scale,
    e.g. ConvNeXt, has nothing at 1/2): it upsamples and convolves, and `forward` takes None.

    Shape: x (B, in_channels, h, w), skip (B, skip_channels, H, W) with H, W about 2h, 2w
    -> (B, out_channels, H, W); without a skip -> (B, out_channels, 2h, 2w).
    """

    def __init__(
        self,
        in_channels: int,
        skip_channels: int,
        out_channels: int,
        norm: str = "batch",
        order: str = "conv-norm-act",
        upsampling: str = "transpose",
        up_kernel: int = 2,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.up = make_upsample(upsampling, in_channels, out_channels, up_kernel)
        up_channels = upsampled_channels(upsampling, in_channels, out_channels)
        self.conv = DoubleConv(up_channels + skip_channels, out_channels, norm, order, dropout)

    def forward(self, x: Tensor, skip: Tensor | None) -> Tensor:
        x = self.up(x)
        if skip is None:
            return self.conv(x)
        return self.conv(torch.cat([skip, match_size(x, skip)], dim=1))


class SegmentationHead(nn.Conv2d):
    """A 1x1 convolution from decoder features to one logit per class.

    Shape: (B, in_channels, H, W) -> (B, num_classes, H, W).
    """

    def __init__(self, in_channels: int, num_classes: int) -> None:
        super().__init__(in_channels, num_classes, kernel_size=1)
