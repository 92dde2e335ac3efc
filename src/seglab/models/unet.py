"""UNet: a conv encoder, a decoder with skip connections, a 1x1 head; and its presets."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from seglab.models.blocks import (
    BLOCK_ORDERS,
    NORMS,
    UPSAMPLINGS,
    DoubleConv,
    SegmentationHead,
    UpBlock,
)
from seglab.models.factory import MODELS


class UNet(nn.Module):
    """The U-Net of Ronneberger et al. with "same" convolutions, for inputs of any size.

    Each encoder level is a double conv followed by 2x2 max pooling; the last entry of
    `widths` is the bottleneck. Each decoder level upsamples, pads (or crops) to the skip's
    size, concatenates the skip and applies a double conv, so logits have exactly the input's
    height and width even when it is not a multiple of 2**depth.

    Args:
        in_channels: image channels.
        num_classes: logits per pixel, background included.
        widths: channels per encoder level, then the bottleneck; len(widths) - 1 poolings.
        norm: "batch", "group" or "none".
        dropout: Dropout2d probability after the bottleneck and each decoder block.
        upsampling: "transpose" (learned), "bilinear" (interpolation + 1x1 conv) or "nearest"
            (pixel repetition keeping every channel, the next conv mixes them).
        up_kernel: kernel of the transposed conv, an even number (2 or 4 in the tutorials);
            only for upsampling="transpose".
        block_order: "conv-norm-act", or "conv-act-norm" as in the Oxford-pet tutorial.

    Raises:
        ValueError: an unknown choice or a value out of range; the message lists valid ones.

    Shape: image (B, in_channels, H, W) -> logits (B, num_classes, H, W), with H and W at
    least 2 ** (len(widths) - 1).

    Example:
        >>> import torch
        >>> UNet(1, 3, widths=(8, 16, 32))(torch.zeros(1, 1, 33, 47)).shape
        torch.Size([1, 3, 33, 47])
    """

    def __init__(
        self,
        in_channels: int = 3,
        num_classes: int = 2,
        widths: Sequence[int] = (32, 64, 128, 256),
        norm: str = "batch",
        dropout: float = 0.0,
        upsampling: str = "transpose",
        up_kernel: int = 2,
        block_order: str = "conv-norm-act",
    ) -> None:
        super().__init__()
        widths = tuple(widths)
        _check_options(in_channels, num_classes, widths, norm, dropout, upsampling, up_kernel, block_order)
        self.in_channels = in_channels
        self.min_size = 2 ** (len(widths) - 1)

        encoder_in = (in_channels, *widths[:-2])
        self.encoder = nn.ModuleList(
            DoubleConv(c_in, c_out, norm, block_order) for c_in, c_out in zip(encoder_in, widths[:-1])
        )
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = DoubleConv(widths[-2], widths[-1], norm, block_order, dropout)
        self.decoder = nn.ModuleList(
            UpBlock(deep, skip, skip, norm, block_order, upsampling, up_kernel, dropout)
            for deep, skip in zip(widths[:0:-1], widths[-2::-1])
        )
        self.head = SegmentationHead(widths[0], num_classes)

    def forward(self, image: Tensor) -> Tensor:
        """Predict per-pixel class logits.

        Shape: image (B, in_channels, H, W) -> logits (B, num_classes, H, W).

        Raises:
            ValueError: wrong rank or channel count, or H or W below `min_size`.
        """
        self._check_input(image)
        skips = []
        x = image
        for block in self.encoder:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for block, skip in zip(self.decoder, reversed(skips)):
            x = block(x, skip)
        return self.head(x)

    def _check_input(self, image: Tensor) -> None:
        if image.ndim != 4 or image.shape[1] != self.in_channels:
            raise ValueError(
                f"expected an image batch (B, {self.in_channels}, H, W), got {tuple(image.shape)}"
            )
        height, width = image.shape[-2:]
        if min(height, width) < self.min_size:
            raise ValueError(
                f"input {height}x{width} is too small: this UNet pools {len(self.encoder)} times, "
                f"so H and W must be at least {self.min_size}; pad or resize the image, "
                "or use fewer widths"
            )


def _check_options(
    in_channels: int,
    num_classes: int,
    widths: tuple[int, ...],
    norm: str,
    dropout: float,
    upsampling: str,
    up_kernel: int,
    block_order: str,
) -> None:
    """Raise a ValueError naming the first invalid UNet argument and what would be valid."""
    if in_channels < 1 or num_classes < 1:
        raise ValueError(f"in_channels and num_classes must be >= 1, got {in_channels} and {num_classes}")
    if len(widths) < 2 or any(w < 1 for w in widths):
        raise ValueError(
            f"widths must hold at least two positive channel counts (encoder levels, then the "
            f"bottleneck), got {widths}"
        )
    if norm not in NORMS:
        raise ValueError(f"unknown norm '{norm}'; choose one of {', '.join(NORMS.names())}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    if upsampling not in UPSAMPLINGS:
        raise ValueError(f"unknown upsampling '{upsampling}'; choose one of {', '.join(UPSAMPLINGS)}")
    if up_kernel < 2 or up_kernel % 2:
        raise ValueError(f"up_kernel must be an even number >= 2 (2 or 4), got {up_kernel}")
    if upsampling != "transpose" and up_kernel != 2:
        raise ValueError(f"up_kernel={up_kernel} needs upsampling='transpose', got '{upsampling}'")
    if block_order not in BLOCK_ORDERS:
        raise ValueError(f"unknown block_order '{block_order}'; choose one of {', '.join(BLOCK_ORDERS)}")


def _register(
    name: str, summary: str, widths: Sequence[int], up_kernel: int = 2, block_order: str = "conv-norm-act"
) -> None:
    """Register a UNet preset whose keyword defaults are the preset's, so `model_options(name)`
    and config errors list them."""
    preset_widths, preset_kernel, preset_order = tuple(widths), up_kernel, block_order

    def factory(
        in_channels: int,
        num_classes: int,
        *,
        widths: Sequence[int] = preset_widths,
        norm: str = "batch",
        dropout: float = 0.0,
        upsampling: str = "transpose",
        up_kernel: int = preset_kernel,
        block_order: str = preset_order,
    ) -> UNet:
        return UNet(in_channels, num_classes, widths, norm, dropout, upsampling, up_kernel, block_order)

    factory.__doc__ = summary
    factory.__name__ = name
    MODELS.register(name)(factory)


_register("unet", "General-purpose U-Net: four poolings, widths 32-512, batch norm, transposed convs.",
          widths=(32, 64, 128, 256, 512))
_register("unet_small", "Small U-Net for quick CPU runs and demos: three poolings, widths 16-128.",
          widths=(16, 32, 64, 128))
_register(
    "unet_pet",
    """Oxford-pet tutorial U-Net: two poolings, widths 64-256, conv-ReLU-BN, 4x4 transposed convs.

    Each level has two 3x3 convs of the same width (64-64, 128-128, bottleneck 256-256);
    the decoder upsamples with ConvTranspose2d(kernel 4, stride 2, padding 1) and
    concatenates the encoder's skip.
    """,
    widths=(64, 128, 256), up_kernel=4, block_order="conv-act-norm",
)
_register(
    "unet_mri",
    """Brain-MRI tutorial U-Net: three poolings, widths 16-128, conv-BN-ReLU, 2x2 transposed convs.

    The upsampled map is zero-padded to the skip's size, so odd sizes such as 394x394
    round-trip exactly.
    """,
    widths=(16, 32, 64, 128),
)
