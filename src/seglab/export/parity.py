"""Numerical parity of an exported model with the PyTorch model it came from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from seglab.errors import SeglabError

PARITY_TOLERANCE = 1e-4  # float32 logits; exporters differ from eager PyTorch by about 1e-7


class ParityError(SeglabError):
    """An exported model's outputs differ from PyTorch's by more than the tolerance."""


@dataclass(frozen=True)
class ParityResult:
    """Largest absolute logit difference for one random batch of `batch` images of `size`."""

    size: tuple[int, int]
    batch: int
    max_abs_diff: float

    def to_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["size"] = list(self.size)
        return values


def check_parity(
    model: nn.Module,
    run_exported: Callable[[np.ndarray], np.ndarray],
    sizes: Sequence[tuple[int, int]],
    in_channels: int,
    seed: int = 0,
) -> list[ParityResult]:
    """Run both models on the same random normalised batches and measure the difference.

    Batch sizes cycle through 1, 2, 3 so the dynamic batch axis is exercised with the spatial ones.

    Shape: each batch (batch, in_channels, H, W) for (H, W) in `sizes`.
    """
    rng = np.random.default_rng(seed)
    results = []
    model = model.eval()
    for i, (height, width) in enumerate(sizes):
        batch = 1 + i % 3
        x = rng.standard_normal((batch, in_channels, height, width)).astype(np.float32)
        with torch.no_grad():
            expected = model(torch.from_numpy(x)).float().numpy()
        got = np.asarray(run_exported(x))
        if got.shape != expected.shape:
            raise ParityError(
                f"exported model returned shape {got.shape} for a {batch}x{in_channels}x{height}x{width} "
                f"input, PyTorch {expected.shape}; its sizes are not dynamic"
            )
        results.append(ParityResult((height, width), batch, float(np.abs(got - expected).max())))
    return results


def default_sizes(size: Sequence[int] | None, min_size: int) -> list[tuple[int, int]]:
    """Three sizes to check: the training size (64x64 if none), an odd one larger, an odd one smaller."""
    height, width = (int(size[0]), int(size[1])) if size is not None else (64, 64)
    candidates = [(height, width), (height + 5, width + 21), (height // 2 + 1, width * 3 // 4 + 1)]
    return [(max(h, min_size), max(w, min_size)) for h, w in candidates]
