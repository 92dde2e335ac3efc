"""What one request may cost the server: compute time and memory, estimated from the model.

The upload limits (bytes, pixels) say nothing about the work: a 16 KB flat PNG of 4096x4096
pixels costs a native-size model minutes and gigabytes, the same file costs a model trained
at 256x256 a fraction of a second. So at startup the server times the model on a small image
(`measure_cost`) and refuses, from the file header and before decoding, an upload whose
estimated compute time or output memory is over the `RequestBudget` (413 with the limit, the
estimate and how to raise it). Large images of native-size models are predicted by tiles
(`seglab serve --tile`), so a network never sees more than one tile at once; what grows with
the image is the time (tiles) and the full-size outputs (K probability maps), which the budget bounds.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from seglab.inference.tiling import network_stride, plan_tiles
from seglab.runs.exported import smallest_input
from seglab.web.uploads import UploadError

log = logging.getLogger(__name__)

# Peak bytes per input pixel of one request: per class, the merged logits, tile weights,
# softmax and their copies (4 float32); per pixel, the image as float, the mask (int64) and the
# rendered overlay. Measured: 4096x4096, 4 classes, 512-pixel tiles -> 1.7 GB over the baseline.
BYTES_PER_CLASS_PIXEL = 16
BYTES_PER_PIXEL = 48


@dataclass(frozen=True)
class RequestBudget:
    """The most one request may cost: estimated compute seconds and peak memory in MiB."""

    max_seconds: float = 30.0
    max_memory_mb: float = 2048.0

    def __post_init__(self) -> None:
        if self.max_seconds <= 0 or self.max_memory_mb <= 0:
            raise ValueError(f"budget limits must be positive, got {self.max_seconds} s and {self.max_memory_mb} MiB")


@dataclass(frozen=True)
class ModelCost:
    """How a served model's cost grows with the image; see `measure_cost`.

    Attributes:
        seconds_per_pixel: measured time per pixel the network sees.
        num_classes: K, the probability maps kept at the input's size.
        size: (H, W) the model resizes every image to, or None (native size).
        tile: tile side the model predicts by (None: the whole image at once), with its
            overlap and the network's stride, as `predict_tiled` plans them.
        description: the model in words, for messages.
    """

    seconds_per_pixel: float
    num_classes: int
    size: tuple[int, int] | None
    tile: int | None
    overlap: float = 0.25
    stride: int = 1
    description: str = "this model"

    def network_pixels(self, height: int, width: int) -> int:
        """Pixels the network computes for an image, counting tile overlaps."""
        network = self.size or (height, width)
        if self.tile is None:
            return network[0] * network[1]
        grid = plan_tiles(network, self.tile, self.overlap, self.stride)
        return len(grid.origins) * grid.tile[0] * grid.tile[1]

    def seconds(self, height: int, width: int) -> float:
        return self.seconds_per_pixel * self.network_pixels(height, width)

    def observed(self, seconds: float, height: int, width: int) -> ModelCost:
        """This cost, or a lower one if a prediction of `height` x `width` took only `seconds`.

        The startup timing can catch the machine busy (on a shared 2-core machine it varied
        30-fold); a real prediction that ran faster shows what the machine can do.
        """
        rate = seconds / max(self.network_pixels(height, width), 1)
        return replace(self, seconds_per_pixel=rate) if rate < self.seconds_per_pixel else self

    def memory_mb(self, height: int, width: int) -> float:
        return height * width * (self.num_classes * BYTES_PER_CLASS_PIXEL + BYTES_PER_PIXEL) / 2**20

    def largest_side(self, budget: RequestBudget) -> int:
        """The side of the largest square image within `budget` (0 when none is)."""
        low, high = 0, 2**15
        while low < high:  # bisection: cost grows with the side
            side = (low + high + 1) // 2
            if self.seconds(side, side) <= budget.max_seconds and self.memory_mb(side, side) <= budget.max_memory_mb:
                low = side
            else:
                high = side - 1
        return low


def check_budget(cost: ModelCost | None, budget: RequestBudget, height: int, width: int, name: str) -> None:
    """Refuse an image whose estimated cost is over `budget` (no cost known: nothing to check).

    Raises:
        UploadError: 413 naming the estimate, the limit, its option and the largest image allowed.
    """
    if cost is None:
        return
    seconds, memory = cost.seconds(height, width), cost.memory_mb(height, width)
    if seconds <= budget.max_seconds and memory <= budget.max_memory_mb:
        return
    side = cost.largest_side(budget)
    fits = f"images up to about {side}x{side} pixels fit" if side else "no image fits"
    if seconds > budget.max_seconds:
        what = (f"predicting it would take about {seconds:.0f} s of compute on this server ({cost.description}: "
                f"{cost.seconds_per_pixel * 1e6:.2f} us per pixel, measured at startup), over the limit of "
                f"{budget.max_seconds:g} s per request")
        option = "--max-seconds"
    else:
        what = (f"its {cost.num_classes} class probability maps would need about {memory:.0f} MiB, over the "
                f"limit of {budget.max_memory_mb:g} MiB per request")
        option = "--max-request-mb"
    raise UploadError(413, f"'{name}' is {width}x{height} pixels: {what}; {fits}. Send a smaller image, or start "
                           f"`seglab serve` with a larger {option}")


def measure_cost(segmenter: Any, side: int = 256, repeats: int = 5, max_seconds: float = 5.0) -> ModelCost | None:
    """Time `segmenter.predict` on a blank `side` x `side` image: the best of `repeats` runs
    (fewer once `max_seconds` are spent), since a busy machine only ever makes a run slower.
    The server lowers the estimate later when real predictions run faster (`ModelCost.observed`).

    Returns None for a segmenter without a model card (nothing to scale the time by).
    """
    predictor = segmenter.members[0] if hasattr(segmenter, "members") else segmenter
    card = getattr(predictor, "card", None)
    if card is None:
        return None
    options = getattr(predictor, "options", None)
    model = getattr(predictor, "model", None)
    stride = network_stride(model) if model is not None else smallest_input(predictor)  # onnx: its min_size
    side = max(side, stride)
    image = np.zeros((side, side, card.in_channels), dtype=np.uint8)
    if options is not None and getattr(options, "compile_mode", None) is not None:
        segmenter.predict(image)  # the first call of a compiled model compiles: a one-time cost, not timed
    best, spent = math.inf, 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        segmenter.predict(image)
        elapsed = time.perf_counter() - started
        best, spent = min(best, elapsed), spent + elapsed
        if spent > max_seconds:
            break
    tile = options.tile if options is not None else None
    cost = ModelCost(
        seconds_per_pixel=0.0,
        num_classes=card.num_classes,
        size=tuple(card.size) if card.size is not None else None,
        tile=tile,
        overlap=options.overlap if options is not None else 0.25,
        stride=stride,
        description=f"{card.model} at " + ("native size" if card.size is None else "{}x{}".format(*card.size)),
    )
    cost = replace(cost, seconds_per_pixel=best / cost.network_pixels(side, side))
    log.info("%s: %.2f us per network pixel (%.3f s for %dx%d)", cost.description,
             cost.seconds_per_pixel * 1e6, best, side, side)
    return cost
