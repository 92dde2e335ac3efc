"""U-Nets whose encoder is a pretrained network: a torchvision ResNet or any timm pyramid."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from seglab.models.blocks import NORMS, UPSAMPLINGS, SegmentationHead, UpBlock
from seglab.models.encoders import ResNetEncoder, fetch_imagenet, imagenet_normalisation, read_state_dict
from seglab.models.factory import MODELS
from seglab.models.timm_encoder import TimmEncoder

DECODER_WIDTHS = (256, 128, 64, 32, 16)


class EncoderUNet(nn.Module):
    """An encoder, a U-Net decoder climbing its scales back to the input, a 1x1 head.

    The encoder returns [image, f_s1, f_s2, ...]: the image and maps at strides `encoder.strides` with `encoder.out_channels` channels. The decoder
    upsamples 2x per step from the deepest stride down to 1; each step concatenates the encoder
    map of its stride (the last step the image itself, for fine detail), or none where the
    encoder has no map at that stride (ConvNeXt starts at 1/4), and pads or crops to the skip's
    size, so any input size gives logits of exactly that size. By default it upsamples by nearest neighbour and keeps every channel for the next
    3x3 conv, as segmentation_models_pytorch's Unet does: from scratch on CamVid this learned
    faster per epoch than bilinear upsampling through a 1x1 conv (docs/benchmarks.md).

    Args:
        encoder: a `ResNetEncoder` or `TimmEncoder` (or any module with that contract).
        decoder_widths: channels of the decoder steps, deepest first: one per halving of the
            deepest stride (five for stride 32).
        upsampling: "nearest" (default), "bilinear" or "transpose" (see `make_upsample`).
        normalisation: the (mean, std) the pretrained encoder expects, or None (fit on the data).

    Shape: image (B, in_channels, H, W) -> logits (B, num_classes, H, W); H, W >= the deepest
    stride (32 for the ResNets).
    """

    def __init__(
        self,
        encoder: ResNetEncoder | TimmEncoder,
        num_classes: int = 2,
        decoder_widths: Sequence[int] = DECODER_WIDTHS,
        norm: str = "batch",
        upsampling: str = "nearest",
        dropout: float = 0.0,
        normalisation: tuple[tuple[float, ...], tuple[float, ...]] | None = None,
    ) -> None:
        super().__init__()
        decoder_widths = tuple(decoder_widths)
        strides, channels = encoder.strides, encoder.out_channels
        levels = [strides[-1] >> i for i in range(1, strides[-1].bit_length())]  # 16, 8, 4, 2, 1 for 32
        if len(decoder_widths) != len(levels):
            raise ValueError(f"decoder_widths needs {len(levels)} entries (one per halving of the encoder's deepest "
                             f"stride {strides[-1]}), got {decoder_widths}")
        if norm not in NORMS:
            raise ValueError(f"unknown norm '{norm}'; choose one of {', '.join(NORMS.names())}")
        if upsampling not in UPSAMPLINGS:
            raise ValueError(f"unknown upsampling '{upsampling}'; choose one of {', '.join(UPSAMPLINGS)}")
        self.encoder = encoder
        self.min_size = strides[-1]  # smaller inputs leave nothing to decode
        self.encoder_frozen = False
        self.normalisation = normalisation
        # the deepest map of each stride is its skip (the last index wins)
        last_index = {stride: i for i, stride in enumerate(strides)}
        self.skips = tuple(last_index.get(level) for level in levels)
        deeper = (channels[-1], *decoder_widths[:-1])
        self.decoder = nn.ModuleList(
            UpBlock(deep, 0 if skip is None else channels[skip], out, norm, upsampling=upsampling, dropout=dropout)
            for deep, skip, out in zip(deeper, self.skips, decoder_widths)
        )
        self.head = SegmentationHead(decoder_widths[-1], num_classes)
        self._init_decoder()

    def _init_decoder(self) -> None:
        """He initialisation for the decoder's ReLU convs and Xavier for the head, as
        segmentation_models_pytorch does; torch's default conv init has a sixth of the variance
        He init gives a ReLU layer.
        From scratch on CamVid it reached val mIoU 0.40 sooner (docs/benchmarks.md)."""
        for module in self.decoder.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_uniform_(module.weight, mode="fan_in", nonlinearity="relu")
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        nn.init.xavier_uniform_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def freeze_encoder(self, frozen: bool = True) -> None:
        """Stop (or restart) training the encoder; a frozen encoder's BatchNorm stays in eval mode."""
        self.encoder_frozen = frozen
        self.encoder.requires_grad_(not frozen)
        self.train(self.training)

    def train(self, mode: bool = True) -> EncoderUNet:
        super().train(mode)
        if self.encoder_frozen:
            self.encoder.eval()  # running statistics of pretrained BN must not drift while frozen
        return self

    def forward(self, image: Tensor) -> Tensor:
        if image.ndim != 4 or min(image.shape[-2:]) < self.min_size:
            raise ValueError(f"expected (B, C, H, W) with H, W >= {self.min_size} for this encoder, "
                             f"got {tuple(image.shape)}")
        features = self.encoder(image)
        x = features[-1]
        for block, skip in zip(self.decoder, self.skips):
            x = block(x, None if skip is None else features[skip])
        return self.head(x)


def _register(encoder: str, summary: str) -> None:
    def factory(
        in_channels: int,
        num_classes: int,
        *,
        encoder_weights: str | None = None,
        decoder_widths: Sequence[int] = DECODER_WIDTHS,
        norm: str = "batch",
        upsampling: str = "nearest",
        dropout: float = 0.0,
    ) -> EncoderUNet:
        body = ResNetEncoder(encoder, in_channels)
        normalisation = None
        if encoder_weights not in (None, "none"):
            if encoder_weights == "imagenet":
                state = fetch_imagenet(encoder)
                normalisation = imagenet_normalisation(in_channels)
            else:
                state = read_state_dict(encoder_weights)
            body.load_torchvision_weights(state)
        return EncoderUNet(body, num_classes, decoder_widths, norm, upsampling, dropout, normalisation)

    factory.__doc__ = summary
    factory.__name__ = f"unet_{encoder}"
    MODELS.register(f"unet_{encoder}")(factory)


_register("resnet18", "U-Net with a torchvision ResNet-18 encoder (11M encoder parameters); --encoder-weights imagenet for transfer learning.")
_register("resnet34", "U-Net with a torchvision ResNet-34 encoder (21M encoder parameters); --encoder-weights imagenet for transfer learning.")
_register("resnet50", "U-Net with a torchvision ResNet-50 encoder (24M encoder parameters, bottleneck blocks); --encoder-weights imagenet for transfer learning.")


@MODELS.register("unet_timm")
def unet_timm(
    in_channels: int,
    num_classes: int,
    *,
    encoder: str = "resnet34",
    encoder_weights: str | None = None,
    decoder_widths: Sequence[int] = DECODER_WIDTHS,
    norm: str = "batch",
    upsampling: str = "nearest",
    dropout: float = 0.0,
) -> EncoderUNet:
    """U-Net on any timm encoder with a feature pyramid (--encoder NAME; `seglab models --encoders`); needs seglab[timm].

    `encoder` is a timm model name, with an optional weight tag ("convnext_tiny.fb_in22k");
    `encoder_weights` "imagenet" takes timm's pretrained weights from the Hugging Face cache
    (downloaded when online) and their mean/std, a path a local timm state dict.
    """
    body = TimmEncoder(encoder, in_channels, encoder_weights)
    return EncoderUNet(body, num_classes, decoder_widths, norm, upsampling, dropout, body.normalisation)
