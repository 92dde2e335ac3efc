"""Image and mask folders that pair at one place below the folders naming them, told as the
flags that read them: KITTI MOTS' `training/image_02/<seq>/` beside `instances/<seq>/` (the
image word a level deeper than the mask word), GOOSE's `images/<split>/<scenario>/<frame>_vis.png`
beside `labels/<split>/<scenario>/<frame>_labelids.png` (named otherwise). The search pairs no
folders that far apart by itself: `--images` and `--masks` name them, `--mask-pattern` the naming.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Callable

from seglab.data.discovery.folders import Folder
from seglab.data.discovery.folders.placement import nearest_tops
from seglab.data.discovery.naming import looks_like_image_folder, looks_like_mask_folder
from seglab.data.discovery.naming.mask_patterns import pattern_for, unique_template_stems
from seglab.data.discovery.naming.names import name_key


def apart_routes(folders: list[Folder]) -> list[str]:
    """The flags (`--images X --masks Y`, with a `--mask-pattern` when the names differ) reading
    image folders with the mask folders at the same place below their named tops, one per naming;
    label namings (`_labelids`) before renderings (`_color`). Of several mask tops, only those
    nearest the image top (`nearest_tops`: a scene's own, Infinigen's) are offered."""
    tops = [(f, _named_top(f.parts, looks_like_image_folder)) for f in folders if f.named_image and f.files]
    masks = {(top, f.parts[len(top):]): f for f in folders if f.named_mask and f.files
             and (top := _named_top(f.parts, looks_like_mask_folder))}
    routes: dict[tuple[str, str], set[str]] = {}
    for image, image_top in tops:
        for (mask_top, below), mask in masks.items():
            if image_top and below == image.parts[len(image_top):] and _same_split(image, mask) \
                    and mask_top in nearest_tops(image_top, (top for top, _ in masks)):
                routes.setdefault(("/".join(image_top), "/".join(mask_top)), set()).update(_namings(image, mask))
    return [f"--images {shlex.quote(images)} --masks {shlex.quote(masks)}"
            + (f" --mask-pattern {shlex.quote(naming)}" if naming else "")
            for (images, masks), namings in sorted(_by_names(routes).items())
            for naming in sorted(namings, key=lambda n: ("label" not in n.lower(), n))]


def _by_names(routes: dict[tuple[str, str], set[str]]) -> dict[tuple[str, str], set[str]]:
    """The routes, those alike in several scene folders named once by the folders' names, which
    `--images`/`--masks` find at any depth: Infinigen's `--images Image --masks ObjectSegmentation`
    for each `<scene>/frames/Image/` beside `<scene>/frames/ObjectSegmentation/`."""
    def names(route: tuple[str, str]) -> tuple[str, str]:
        return route[0].rsplit("/", 1)[-1], route[1].rsplit("/", 1)[-1]

    alike = Counter(map(names, routes))
    merged: dict[tuple[str, str], set[str]] = {}
    for route, namings in routes.items():
        merged.setdefault(names(route) if alike[names(route)] > 1 else route, set()).update(namings)
    return merged


def _named_top(parts: tuple[str, ...], named: Callable[[str], bool]) -> tuple[str, ...]:
    """The path to the deepest folder whose own name says images (or masks), or () for none."""
    at = max((i for i, part in enumerate(parts) if named(part)), default=None)
    return parts[: at + 1] if at is not None else ()


def _same_split(image: Folder, mask: Folder) -> bool:
    """Whether the folders' splits agree; masks under no split folder are no val or test images'
    (KITTI MOTS' `testing/image_02/0000/` shares its frame names with `instances/0000/`, unlabelled)."""
    return image.split == mask.split or mask.split is None and image.split not in ("val", "test")


def _namings(image: Folder, mask: Folder) -> set[str]:
    """"" when files of both folders share a name, else the templates naming masks after images by
    a stem no two images share (`unique_template_stems`: MSBin's `BT_0_0.png` ... `BT_0_11.png`, a
    band each, share `BT_0` less their last word, and `{stem}.png` would pair one of them)."""
    stems = {name_key(p) for p in image.files}
    if any(name_key(p) in stems for p in mask.files):
        return {""}
    unique = unique_template_stems(image.files)
    return {t for i in image.files[:3] for m in mask.files if (t := pattern_for(i, m, unique)) is not None}
