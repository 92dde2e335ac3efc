"""The words that mark a file as written from an image, not an image of the dataset: a model's
output beside the images it ran on (zhixuhao/unet's `test/0_predict.png`, milesial's `0_OUT.png`)
and what the Cellpose GUI saves beside an image (`_seg.npy`, `_cp_masks.png`, `_flows.tif`).

Each reader takes its own words: `folder_pairs.pair_names` a model's, for the files named after
an unlabelled image (`model_outputs`, which predict's folder listing applies too); the cellpose
format Cellpose's, in a folder of `_seg.npy` files. Kept apart,
neither passes over files only the other's words name (`car_masks.png` beside an unlabelled
`car.png` stays an image).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from seglab.data.discovery.naming.names import stem

_MODEL_WORDS = ("predict", "predicted", "prediction", "pred", "out", "output", "result", "overlay", "seg")
_CELLPOSE_WORDS = ("seg", "masks", "cp_output", r"flows(?:_\d)?", "cellprob", "outlines")


def _any_word(words: tuple[str, ...]) -> str:
    return f"(?:{'|'.join(words)})"


# the suffix after an unlabelled image's name, whole (`predict` of `0_predict`)
MODEL_OUTPUT_WORD = re.compile(_any_word(_MODEL_WORDS), re.IGNORECASE)
# a name up to its first dot that ends in one of Cellpose's words (`cells_000_cp_masks`)
CELLPOSE_OUTPUT_NAME = re.compile(rf".*_{_any_word(_CELLPOSE_WORDS)}", re.IGNORECASE)


def name_cuts(name: str) -> Iterator[tuple[str, str]]:
    """A stem cut at each `_`, `-` or `.`: the name before it and the suffix after it."""
    return ((name[:cut], name[cut + 1:]) for cut, char in enumerate(name) if char in "_-.")


def model_outputs(files: Iterable[Path], images: Iterable[Path]) -> set[Path]:
    """Those of `files` named after one of `images` in their folder plus a word for a model's
    output (`0_predict.png` beside `0.png`): written from that image, not images themselves."""
    named = {(image.parent, stem(image)) for image in images}
    return {path for path in files
            if any((path.parent, base) in named and MODEL_OUTPUT_WORD.fullmatch(suffix)
                   for base, suffix in name_cuts(stem(path)))}
