"""The augmentation presets (`--augment none|light|strong`): which transforms of
`seglab.data.loading.augment` each turns on, with its parameters.

Plain data, apart from the transforms themselves (torchvision), so that `seglab train --help`
lists the presets without importing torchvision. `augment.build_augment` applies them in the
transforms' registration order.
"""

from __future__ import annotations

from typing import Any

from seglab.registry import Registry

PRESETS: Registry[dict[str, dict[str, Any]]] = Registry("augmentation preset")

PRESETS.register("none")({})
PRESETS.register("light")(
    {
        "scale_crop": {"scale": (0.8, 1.0)},
        "hflip": {},
        "brightness": {"delta": 0.1},
        "contrast": {"factor": 0.1},
    }
)
PRESETS.register("strong")(
    {
        "scale_crop": {"scale": (0.5, 1.0)},
        "hflip": {},
        "vflip": {},
        "rot90": {},
        "rotate": {"degrees": 15.0},
        "elastic": {},
        "brightness": {"delta": 0.2},
        "contrast": {"factor": 0.2},
        "gamma": {},
        "noise": {},
    }
)
