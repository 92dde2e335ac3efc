"""A tiny U-Net trained for a few seconds, so its predictions have real structure to compare."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from seglab.data import make_sample
from seglab.models import create_model


def normalise(image: np.ndarray) -> torch.Tensor:
    """uint8 (H, W, 3) -> float (3, H, W) in [-1, 1]."""
    return torch.from_numpy(image).permute(2, 0, 1).float() / 127.5 - 1


@pytest.fixture(scope="module", autouse=True)
def tiny_models_one_thread(one_thread):
    """Every test here runs tiny models: one thread each (see tests/conftest.py)."""


def train_tiny_model() -> nn.Module:
    """unet_small (8, 16) after 40 Adam steps on 32x32 synthetic shapes, in eval mode."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    samples = [make_sample(rng, (32, 32), 4) for _ in range(32)]
    images = torch.stack([normalise(image) for image, _ in samples])
    masks = torch.from_numpy(np.stack([mask for _, mask in samples])).long()
    model = create_model("unet_small", 3, 4, widths=(8, 16))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for step in range(40):
        batch = slice(8 * (step % 4), 8 * (step % 4) + 8)
        loss = nn.functional.cross_entropy(model(images[batch]), masks[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


@pytest.fixture(scope="module")
def trained_model() -> nn.Module:
    return train_tiny_model()


@pytest.fixture(scope="module")
def large_sample() -> tuple[torch.Tensor, np.ndarray]:
    """A 160x200 synthetic image (normalised, (3, H, W)) and its mask."""
    image, mask = make_sample(np.random.default_rng(1), (160, 200), 4)
    return normalise(image), mask
