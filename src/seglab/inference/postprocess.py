"""Mask clean-up: drop small connected components, or keep only the largest one per class.

Components are 8-connected (diagonal neighbours touch), so a thin diagonal structure counts as
one piece rather than a trail of single pixels. Removed pixels take the label of the nearest
pixel that was kept, so a speck inside a region becomes that region and a speck on the
boundary of two classes is shared between them; nothing is forced to a background class.

The background class (the one named "background", if any) and the ignore label are never
cleaned: background regions are legitimately split by objects, and small background holes
are a different operation (hole filling).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from seglab.data import ClassSpec

# scipy.ndimage is imported inside the functions: it costs half a second, and only
# predictions that ask for post-processing need it.
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)  # ndimage.generate_binary_structure(2, 2)
BACKGROUND_NAME = "background"


def _components(mask: np.ndarray, label: int) -> tuple[np.ndarray, np.ndarray]:
    """Component ids (0 = not this label) and the size of every id (index 0 unused, set to 0)."""
    from scipy import ndimage  # type: ignore[import-untyped]

    ids, _ = ndimage.label(mask == label, structure=EIGHT_CONNECTED)
    sizes = np.bincount(ids.ravel())
    sizes[0] = 0
    return ids, sizes


def fill_from_nearest(mask: np.ndarray, removed: np.ndarray) -> np.ndarray:
    """Relabel `removed` pixels with the label of the nearest pixel that is not removed.

    Returns a copy; when every pixel is removed there is nothing to fill from and the mask
    comes back unchanged.

    Shape: mask (H, W), removed (H, W) bool -> (H, W).
    """
    if not removed.any() or removed.all():
        return mask.copy()
    from scipy import ndimage  # type: ignore[import-untyped]

    nearest = ndimage.distance_transform_edt(removed, return_distances=False, return_indices=True)
    return mask[tuple(nearest)]


def remove_small_components(mask: np.ndarray, min_size: int, labels: Iterable[int]) -> np.ndarray:
    """Drop the components of `labels` smaller than `min_size` pixels (filled from neighbours).

    Example:
        >>> mask = np.zeros((4, 4), dtype=np.int64); mask[0, 0] = 1
        >>> int(remove_small_components(mask, 2, [1]).max())
        0
    """
    removed = np.zeros(mask.shape, dtype=bool)
    for label in labels:
        ids, sizes = _components(mask, label)
        small = (sizes < min_size) & (sizes > 0)
        removed |= small[ids]
    return fill_from_nearest(mask, removed)


def keep_largest_component(mask: np.ndarray, labels: Iterable[int]) -> np.ndarray:
    """Keep only the largest component of each of `labels` (ties: the first found); others are
    filled from neighbours."""
    removed = np.zeros(mask.shape, dtype=bool)
    for label in labels:
        ids, sizes = _components(mask, label)
        if sizes.max() > 0:
            removed |= (ids > 0) & (ids != int(sizes.argmax()))
    return fill_from_nearest(mask, removed)


def cleaned_labels(classes: ClassSpec) -> list[int]:
    """The class indices post-processing touches: all but the background class and ignore label."""
    return [
        k for k, name in enumerate(classes.names)
        if name.lower() != BACKGROUND_NAME and k != classes.ignore_index
    ]


@dataclass(frozen=True)
class PostProcess:
    """Mask post-processing chosen at prediction time.

    Attributes:
        min_component: components smaller than this many pixels are removed; 0 keeps all.
        keep_largest: keep only the largest component of each class (single-object tasks).
    """

    min_component: int = 0
    keep_largest: bool = False

    def __post_init__(self) -> None:
        if self.min_component < 0:
            raise ValueError(f"min_component must be >= 0 pixels, got {self.min_component}")

    @property
    def active(self) -> bool:
        return self.min_component > 0 or self.keep_largest

    def __call__(self, mask: np.ndarray, classes: ClassSpec) -> np.ndarray:
        """Small components go first, so the largest component is chosen among the survivors.

        Shape: mask (H, W) -> (H, W), same dtype.
        """
        labels = cleaned_labels(classes)
        if self.min_component > 0:
            mask = remove_small_components(mask, self.min_component, labels)
        if self.keep_largest:
            mask = keep_largest_component(mask, labels)
        return mask
