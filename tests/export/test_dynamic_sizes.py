"""Exported decoders that crop (ceil-halving encoders such as ResNet's) stay right at odd sizes.

The U-Net tests cover decoders that pad (max-pooling halves with floor). Strided convolutions
halve with ceil, so the upsampled map is one pixel too large and is cropped by a negative pad;
ONNX's integer Div rounds toward zero and used to crop the wrong side (see `_floor_divide`).
"""

from __future__ import annotations

import pytest
import torch
from torch import Tensor, nn

from seglab.export.exporter import export_model
from seglab.export.parity import PARITY_TOLERANCE
from seglab.models.blocks import UpBlock
from seglab.runs.card import ModelCard

pytest.importorskip("onnxruntime", reason="ONNX tests need the 'export' extra")
pytest.importorskip("onnxscript", reason="ONNX export needs the 'export' extra")


class CeilNet(nn.Module):
    """Two stride-2 convolutions (ceil halving) and two decoder steps back to the input size."""

    min_size = 4

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.down = nn.Conv2d(4, 8, 3, stride=2, padding=1)
        self.up1 = UpBlock(8, 4, 4, upsampling="bilinear")
        self.up0 = UpBlock(4, 3, 4, upsampling="bilinear")
        self.head = nn.Conv2d(4, 2, 1)

    def forward(self, image: Tensor) -> Tensor:
        half = self.stem(image)
        return self.head(self.up0(self.up1(self.down(half), half), image))


@pytest.mark.parametrize("fmt", ["onnx", "torchscript"])
def test_cropping_decoder_exports_with_dynamic_odd_sizes(fmt, tmp_path):
    torch.manual_seed(0)
    card = ModelCard(model="ceilnet", options={}, in_channels=3, num_classes=2, classes={"names": ["a", "b"]},
                     mapping={}, size=None, mean=(0.5,) * 3, std=(0.25,) * 3)
    result = export_model(CeilNet(), card, tmp_path, fmt, sizes=[(37, 53), (33, 32), (64, 65)])
    assert result.worst < PARITY_TOLERANCE, [r.max_abs_diff for r in result.parity]
