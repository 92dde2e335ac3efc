"""A multi-label model of nested regions written as one label per voxel, as nnU-Net writes them.

nnU-Net's BraTS regions (whole tumour {1, 2, 3} > tumour core {2, 3} > enhancing {3}) are trained
as overlapping classes, and its predictions go back to label volumes by `regions_class_order`: each
region's own label painted in order, larger regions first, later over earlier. A run's card holds
the regions (`RegionsMapping`), and each region's own label is the one of its values that no later
region holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from seglab.data.classes import ClassSpec
from seglab.errors import ConfigError


@dataclass(frozen=True)
class RegionPainting:
    """How a regions model's bits become a label volume.

    Attributes:
        values: the label written for painted index 0 (no region) and k + 1 (region k on top).
        classes: the painted indices' classes, for the overlay: background, then the regions.
    """

    values: np.ndarray
    classes: ClassSpec

    def paint(self, bits: np.ndarray) -> np.ndarray:
        """Painted indices of packed region bits (bit k = region k): k + 1 where region k is the
        last region a voxel is in, 0 where it is in none."""
        painted = np.zeros(bits.shape, np.int64)
        for k in range(len(self.values) - 1):
            painted[(np.maximum(bits, 0) >> k) & 1 == 1] = k + 1
        return painted


def region_painting(mapping: Mapping[str, Any], classes: ClassSpec) -> RegionPainting:
    """The painting of a multi-label run whose masks were read as nested regions (its card's
    `mapping`), in their order, each region's label the one value no later region holds.

    Raises:
        ConfigError: a multi-label run of other masks, or of regions without one label of their own,
            naming the route that works (its 2-D slices).
    """
    regions = [set(region) for region in mapping.get("regions", ())] if mapping.get("kind") == "regions" else []
    own = [region - set().union(*regions[k + 1:]) for k, region in enumerate(regions)]
    if not regions or any(len(values) != 1 for values in own):
        raise ConfigError("volume prediction writes one label per voxel, which a multi-label model gives only for "
                          "nested regions of a label each (nnU-Net's regions: whole tumour [1, 2, 3], tumour core "
                          f"[2, 3], enhancing [3]); this run's masks were read by a '{mapping.get('kind')}' mapping"
                          f"{f' of regions {[sorted(r) for r in regions]}' if regions else ''}: save the volume's "
                          "slices as 2-D images and predict their folder (`seglab predict RUN SLICES`), a mask per class")
    labels = [values.pop() for values in own]
    return RegionPainting(np.array([0, *labels]), ClassSpec(names=("background", *classes.names),
                                                             colours=((0, 0, 0), *classes.colours), background=0))
