"""Sliding-window inference: a tile grid, a Gaussian weight map and a merger that blends tiles.

Large images are predicted tile by tile because memory, not the network, limits the input
size. Overlapping tiles are blended with a Gaussian weight (as in nnU-Net) because a
network sees least context near a tile's border, where its zero padding stands in for the
missing neighbours: down-weighting those pixels is what removes the seams.

The split follows MONAI's splitter/merger shape: `plan_tiles` says where the tiles are,
`TileMerger` accumulates `logits * weight` and `weight` and divides at the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

SIGMA_SCALE = 1 / 8  # nnU-Net's choice: the weight falls to ~3e-4 at the middle of a tile edge
MIN_WEIGHT = 1e-4  # floor of the weight map, so a pixel covered only by tile corners never divides by ~0


def tile_origins(length: int, tile: int, overlap: float) -> list[int]:
    """Start offsets of tiles along one axis, evenly spread, the last one flush with the end.

    Neighbouring tiles overlap by at least `overlap * tile` pixels (more when the tiles do
    not divide the length evenly: the spare pixels are shared out, not left to the last tile).

    Args:
        length: image size along the axis.
        tile: tile size along the axis; a tile longer than the image is cut to the image.
        overlap: wanted overlap as a fraction of the tile, in [0, 1).

    Raises:
        ValueError: a size below 1, or an overlap outside [0, 1).

    Example:
        >>> tile_origins(200, 64, 0.25)
        [0, 45, 91, 136]
    """
    if length < 1 or tile < 1:
        raise ValueError(f"length and tile must be >= 1, got {length} and {tile}")
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap must be in [0, 1), got {overlap}")
    tile = min(tile, length)
    if tile == length:
        return [0]
    largest_step = max(1, math.floor(tile * (1 - overlap)))
    steps = math.ceil((length - tile) / largest_step)
    return [round(i * (length - tile) / steps) for i in range(steps + 1)]


@dataclass(frozen=True)
class TileGrid:
    """Where the tiles of one image lie.

    Attributes:
        size: image (H, W).
        tile: tile (h, w), each at most the image's size along that axis.
        origins: (y, x) top-left corner of every tile, row by row.
    """

    size: tuple[int, int]
    tile: tuple[int, int]
    origins: tuple[tuple[int, int], ...]

    def batches(self, batch_size: int) -> Iterator[Sequence[tuple[int, int]]]:
        """The origins in groups of at most `batch_size`."""
        for start in range(0, len(self.origins), batch_size):
            yield self.origins[start : start + batch_size]


def plan_tiles(size: tuple[int, int], tile: int | tuple[int, int], overlap: float = 0.25) -> TileGrid:
    """The tile grid covering an image of `size` (H, W) with at least `overlap` between tiles.

    An image smaller than the tile along an axis gets a tile cut to its size there, rather
    than padding: every seglab model accepts any input size, so the result equals the
    whole-image prediction, with no padded border for the network to mistake for an edge.

    Raises:
        ValueError: a size or tile below 1, or an overlap outside [0, 1).
    """
    height, width = size
    tile_h, tile_w = (tile, tile) if isinstance(tile, int) else tile
    ys = tile_origins(height, tile_h, overlap)
    xs = tile_origins(width, tile_w, overlap)
    return TileGrid(
        size=(height, width),
        tile=(min(tile_h, height), min(tile_w, width)),
        origins=tuple((y, x) for y in ys for x in xs),
    )


def gaussian_weight(
    tile: tuple[int, int], sigma_scale: float = SIGMA_SCALE, min_weight: float = MIN_WEIGHT
) -> Tensor:
    """Gaussian importance map of a tile: 1 at the centre, `min_weight` at the least.

    Shape: -> (h, w) float32, symmetric under flips.
    """
    axes = []
    for length in tile:
        centre = (length - 1) / 2
        sigma = max(length * sigma_scale, 1e-6)
        position = torch.arange(length, dtype=torch.float64)
        axes.append(torch.exp(-0.5 * ((position - centre) / sigma) ** 2))
    weight = axes[0][:, None] * axes[1][None, :]
    return (weight / weight.max()).clamp_min(min_weight).float()


class TileMerger:
    """Accumulates weighted tile logits into a full-size map; `finalize` divides by the weights.

    Args:
        num_classes: K, the channels of the logits.
        grid: the tile grid the logits come from.
        device: where the (K, H, W) accumulators live.

    Example:
        >>> grid = plan_tiles((5, 7), 4, overlap=0.5)
        >>> merger = TileMerger(2, grid)
        >>> for y, x in grid.origins:
        ...     merger.add(torch.ones(1, 2, 4, 4), [(y, x)])
        >>> bool((merger.finalize() == 1).all())
        True
    """

    def __init__(self, num_classes: int, grid: TileGrid, device: torch.device | str = "cpu") -> None:
        self.grid = grid
        self.weight = gaussian_weight(grid.tile).to(device)
        self._sum = torch.zeros(num_classes, *grid.size, dtype=torch.float32, device=device)
        self._weights = torch.zeros(1, *grid.size, dtype=torch.float32, device=device)

    def add(self, logits: Tensor, origins: Sequence[tuple[int, int]]) -> None:
        """Add one batch of tile logits.

        Shape: logits (B, K, h, w) with B == len(origins) and (h, w) == grid.tile.
        """
        tile_h, tile_w = self.grid.tile
        if logits.shape[0] != len(origins) or tuple(logits.shape[-2:]) != (tile_h, tile_w):
            raise ValueError(
                f"got logits {tuple(logits.shape)} for {len(origins)} tile(s) of {tile_h}x{tile_w}"
            )
        weighted = logits.float() * self.weight
        for (y, x), tile_logits in zip(origins, weighted):
            self._sum[:, y : y + tile_h, x : x + tile_w] += tile_logits
            self._weights[:, y : y + tile_h, x : x + tile_w] += self.weight

    def finalize(self) -> Tensor:
        """The blended logits. Shape: (K, H, W)."""
        if not bool((self._weights > 0).all()):
            raise RuntimeError("some pixels were covered by no tile; add the logits of every tile of the grid")
        return self._sum / self._weights


@torch.no_grad()
def predict_tiled(
    model: Callable[[Tensor], Tensor],
    image: Tensor,
    tile: int = 512,
    overlap: float = 0.25,
    batch_size: int = 4,
) -> Tensor:
    """Predict logits for a large image by blending overlapping tiles.

    Args:
        model: maps a (B, C, h, w) batch to (B, K, h, w) logits (an `nn.Module` in eval mode,
            or a function wrapping one, e.g. with autocast).
        image: one normalised image.
        tile: tile side in pixels; cut to the image where the image is smaller.
        overlap: overlap of neighbouring tiles as a fraction of the tile, in [0, 1).
        batch_size: tiles per forward pass.

    Raises:
        ValueError: the image is not (C, H, W), or a bad tile, overlap or batch size.

    Shape: image (C, H, W) -> logits (K, H, W); H and W need not be multiples of `tile`.

    Example:
        >>> net = torch.nn.Conv2d(3, 2, 3, padding=1)
        >>> predict_tiled(net, torch.rand(3, 100, 70), tile=32).shape
        torch.Size([2, 100, 70])
    """
    if image.ndim != 3:
        raise ValueError(f"image must be (C, H, W), got shape {tuple(image.shape)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    grid = plan_tiles((image.shape[1], image.shape[2]), tile, overlap)
    tile_h, tile_w = grid.tile
    merger: TileMerger | None = None
    for origins in grid.batches(batch_size):
        batch = torch.stack([image[:, y : y + tile_h, x : x + tile_w] for y, x in origins])
        logits = model(batch)
        if merger is None:  # K is known only once the model has answered
            merger = TileMerger(logits.shape[1], grid, image.device)
        merger.add(logits, origins)
    assert merger is not None  # a grid always holds at least one tile
    return merger.finalize()
