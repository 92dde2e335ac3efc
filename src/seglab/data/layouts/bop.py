"""The "bop" format: object pose datasets in the BOP format (T-LESS, YCB-V, LM-O, HOPE, ...), read as
the segmentation of their objects.

BOP ships each scene as `<split>/<scene:06d>/rgb/<im:06d>.png` (`.jpg` in `train_pbr`, `gray/`
in ITODD) with a 0/255 mask per annotated object instance, `mask_visib/<im:06d>_<gt:06d>.png`
(its visible part; `mask/` the whole silhouette, occluded parts too), and `scene_gt.json`, whose
`"<im>"` list gives instance `<gt>`'s object as `obj_id`. The instances are no classes: an image's
visible masks are painted with their objects' ids onto background 0 (`ObjectMasksMapping`), so
class k is object k (`models/obj_<k:06d>.ply`). The split is the split folder's first word
(`train_pbr` and `train_real` train, `val`, `test`); each scene is a group, its frames never in
two splits. `depth/` (16-bit) and `mask/` are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from seglab.data.classes import ClassSpec
from seglab.data.classes.json_text import json_value
from seglab.data.classes.mapping import MAPPINGS, MappingError, MaskMapping
from seglab.data.classes.text_files import regular_text
from seglab.data.discovery.folders.listing import walk
from seglab.data.files.index import DatasetIndex, Pair, Problem, list_images
from seglab.data.files.painted_files import paint_files
from seglab.data.files.read_errors import ReadError
from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.errors import DataError

SCENE_GT, VISIBLE = "scene_gt.json", "mask_visib"
_IMAGE_FOLDERS = ("rgb", "gray")  # gray: ITODD's
_MASK_NAME = re.compile(r"(?P<im>\d+)_(?P<gt>\d+)")
_SPLITS = {"train": "train", "val": "val", "test": "test"}


@MAPPINGS.register("bop-objects")
@dataclass(frozen=True)
class ObjectMasksMapping(MaskMapping):
    """A 0/255 mask per object instance (`mask_visib/<im>_<gt>.png`), each painted with the
    `obj_id` that its scene's `scene_gt.json` gives instance `<gt>` of image `<im>`."""

    kind = "bop-objects"
    reads_files = True
    reads_many = True

    def read_all(self, paths: Sequence[Path]) -> np.ndarray:
        return paint_files((object_of(path), path) for path in paths)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        raise MappingError("BOP object masks are read with their scene's scene_gt.json (seglab.data.read_mask)")


def object_of(mask: Path) -> int:
    """The `obj_id` of the instance a `mask_visib/<im>_<gt>.png` shows.

    Raises:
        ReadError: a name not `<im>_<gt>`, or an instance its scene_gt.json lacks.
    """
    found = _MASK_NAME.fullmatch(mask.stem)
    instances = scene_objects(mask.parent.parent / SCENE_GT).get(int(found["im"]), ()) if found else ()
    if not found or int(found["gt"]) >= len(instances):
        raise ReadError(f"mask '{mask}' names no instance of '{mask.parent.parent / SCENE_GT}' "
                        "(expected <image>_<instance>.png, the instance counted in the image's list)", "bad-mask")
    return instances[int(found["gt"])]


@lru_cache(maxsize=64)
def scene_objects(path: Path) -> dict[int, tuple[int, ...]]:
    """image id -> the `obj_id` of each of its instances, in `scene_gt.json` order.

    Raises:
        DataError: a file that is no scene_gt.json.
    """
    try:
        scene = json_value(regular_text(path))
        return {int(im): tuple(int(instance["obj_id"]) for instance in instances) for im, instances in scene.items()}
    except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError) as err:
        raise DataError(f"'{path}' is no BOP scene_gt.json ({type(err).__name__}: {err}); expected "
                        '{"<image id>": [{"obj_id": <object id>, ...}, ...]}') from None


@FORMATS.register("bop")
class BopFormat(FindingFormat[list[Path]]):
    """The BOP format as its datasets ship it: see the module docstring."""

    layout = ("<split>/<scene>/rgb/<im>.png + mask_visib/<im>_<gt>.png + scene_gt.json (BOP: T-LESS, YCB-V, "
              "LM-O, HOPE): objects painted by obj_id")
    priority = 10

    def find(self, root: Path) -> list[Path]:
        """The scene folders under `root`: an image folder `rgb/` or `gray/` beside scene_gt.json."""
        return [f.path.parent for f in walk(root)
                if f.path.name in _IMAGE_FOLDERS and (f.path.parent / SCENE_GT).is_file()]

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        pairs, unlabelled, problems, ignored = [], [], [], []
        for scene in self.found(root):
            if not (scene / VISIBLE).is_dir():
                raise DataError(f"'{scene}' holds {SCENE_GT} but no {VISIBLE}/ of object masks (BOP releases "
                                "before 2020 ship none): make them with the bop_toolkit's scripts/calc_gt_masks.py")
            # a scene given as DATA is named as in its split folder (`000048`), not `.`
            split, group = scene.parent.name, scene.relative_to(root.parent if scene == root else root).as_posix()
            objects = scene_objects(scene / SCENE_GT)
            for image in (p for folder in _IMAGE_FOLDERS for p in list_images(scene / folder)):
                if not image.stem.isdecimal() or not objects.get(int(image.stem)):  # no instance: no mask to read
                    unlabelled.append(image)
                    continue
                masks = [scene / VISIBLE / f"{image.stem}_{gt:06d}.png" for gt in range(len(objects[int(image.stem)]))]
                missing = [m for m in masks if not m.is_file()]
                if missing:
                    problems.append(Problem(image, f"image lacks {len(missing)} of its object masks, e.g. "
                                            f"'{missing[0].relative_to(root)}'", "image-without-mask"))
                    continue
                pairs.append(Pair(f"{group}/{image.stem}".replace("/", "_"), image, masks[0], _SPLITS.get(split.split("_")[0]),
                                  group, more_masks=tuple(masks[1:])))
            ignored += [p for folder in ("depth", "mask") for p in list_images(scene / folder)]
        ids = sorted({i for scene in self.found(root) for objs in scene_objects(scene / SCENE_GT).values() for i in objs})
        modelled = max((_modelled(scene.parent.parent) for scene in self.found(root)), default=0)
        names = ("background", *(f"obj_{k:06d}" for k in range(1, max(*ids, modelled, 0) + 1)))
        index = DatasetIndex(root, "bop", pairs, unlabelled, classes or ClassSpec(names), ObjectMasksMapping(), problems)
        index.pairing = [f"BOP scenes: {len(pairs)} images with their {VISIBLE}/ object masks painted by the obj_id "
                         f"of {SCENE_GT} (objects {', '.join(map(str, ids))}); split by the split folders, "
                         "each scene a group"]
        index.ignored = ignored
        return index


def _modelled(dataset: Path) -> int:
    """The largest object id of the dataset's `models/models_info.json` (its objects, those no
    image shows too: LM-O's test scenes show 8 of LineMOD's 15), or 0 without one."""
    path = dataset / "models" / "models_info.json"
    if not path.is_file():
        return 0
    try:
        return max((int(k) for k in json_value(regular_text(path))), default=0)
    except (OSError, UnicodeDecodeError, ValueError, TypeError) as err:
        raise DataError(f"'{path}' is no BOP models_info.json ({type(err).__name__}: {err}); expected "
                        '{"<object id>": {"diameter": ..., ...}, ...}') from None
