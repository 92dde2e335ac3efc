"""Class indices back to the raw mask values a run was trained from (`seglab predict --write-values raw`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from seglab.errors import ConfigError

WRITE_VALUES = ("class", "raw")


def raw_values(mapping: Mapping[str, Any], num_classes: int) -> np.ndarray:
    """Each class index's raw mask value, by the mapping the run's card records (`card.mapping`,
    `MaskMapping.to_dict`): a `--label-map` table (MM-WHS' 205 ... 850 for classes 1 ... 7, values
    it leaves out staying themselves) or that of red-class masks' R (NuCLS' codes), an offset, or none.

    Raises:
        ConfigError: a mapping with no one raw value per class (colours, thresholds, binary masks,
            a class read from several values).
    """
    table = np.arange(num_classes, dtype=np.int64)
    kind = mapping.get("kind")
    if kind == "offset":
        return table + int(mapping["offset"])
    if kind in ("labels", "red-class"):  # red-class: R values, written as a grey mask
        raws: dict[int, list[int]] = {}
        for raw, label in mapping.get("values", []):
            if 0 <= label < num_classes:
                raws.setdefault(label, []).append(raw)
        merged = {label: found for label, found in raws.items() if len(found) > 1}
        if merged:
            label, found = next(iter(merged.items()))
            raise ConfigError(f"class {label} was read from several raw mask values ({', '.join(map(str, found))}), "
                              "so no one value can be written for it: use --write-values class")
        for label, (raw,) in raws.items():
            table[label] = raw
        return table
    if kind == "identity":
        return table
    raise ConfigError(f"the run's masks were read by a '{kind}' mapping, which gives no one raw value per class: "
                      "use --write-values class")
