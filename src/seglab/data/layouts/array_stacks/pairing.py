"""Which image stack each mask stack labels: the one of its count and size nearest to it, and
`--images`/`--masks` to pick between stacks that fit alike. Two image stacks equally near, or two
mask stacks for one image stack (rival annotations), are refused naming the flag that picks one,
never settled by a guess.
"""

from __future__ import annotations

import os
import shlex
from fnmatch import fnmatchcase
from pathlib import Path

from seglab.data.discovery.naming import looks_like_image_folder, looks_like_mask_folder
from seglab.data.layouts.array_stacks.splits_and_groups import _named_split
from seglab.data.layouts.array_stacks.stacks import _Stack, _label
from seglab.errors import DataError


def _pairs_of_stacks(stacks: list[_Stack], root: Path, images_named: str | None = None,
                     masks_named: str | None = None) -> list[tuple[_Stack, _Stack]]:
    """(images, masks) stacks: each mask stack (of those `masks_named` names, when given) with the
    image stack (of those `images_named` names) of its count and size that shares the longest
    part of its path (the same .npz file the most), then its split word (`X_train.npy` for
    `y_train.npy`), then the longest start of its name (`AC3_inputs.h5` for `AC3_labels.h5`).

    Raises:
        DataError: two image stacks fit a mask stack equally well (ChaBuD's `pre_fire` and
            `post_fire`, where every sample holds both), naming the `--images` that picks each; two
            mask stacks pair with one image stack (`_refuse_rivals`).
    """
    images = [s for s in stacks if (looks_like_image_folder(s.name)
              or (s.image_unless_named and not looks_like_mask_folder(s.name))) and _named(s, images_named)]
    paired = []
    for masks in (s for s in stacks if looks_like_mask_folder(s.name) and _named(s, masks_named)):
        fitting = [i for i in images if i.count == masks.count and i.size == masks.size]
        if not fitting:
            continue
        shared = {i: (len(os.path.commonpath([i.path, masks.path])), _named_split(i) == _named_split(masks),
                      len(os.path.commonprefix([i.name.lower(), masks.name.lower()]))) for i in fitting}
        best = [i for i in fitting if shared[i] == max(shared.values())]
        if len(best) > 1:
            picks = " or ".join(f"--images {shlex.quote(i.name)}" for i in best)
            raise DataError(f"'{masks.path}': {len(best)} image stacks of its count and size fit it equally "
                            f"({', '.join(_label(i) for i in best)}); pick one with {picks}, or list the pairs in "
                            "a manifest")
        paired.append((best[0], masks))
    _refuse_rivals(paired, root)
    return paired


def _named(stack: _Stack, pattern: str | None) -> bool:
    """Whether `--images` or `--masks` names the stack: its name (`gt_alpha`, a .npz array's `y`)
    or its file's (`gt_alpha.npy`), or a pattern of them (`gt_*`), in any case; any stack when
    the flag is not given."""
    return pattern is None or any(fnmatchcase(name.lower(), pattern.lower())
                                  for name in (stack.name, stack.path.name))


def _refuse_rivals(paired: list[tuple[_Stack, _Stack]], root: Path) -> None:
    """Refuse two mask stacks paired with one image stack: rival annotations of its slices
    (ToothFairy's dense `gt_alpha.npy` and traced `gt_sparse.npy` beside `data.npy`), which
    would give each slice twice with two masks.

    Raises:
        DataError: naming an image stack and its mask stacks, with the `--masks` that picks each.
    """
    masks_of: dict[_Stack, list[_Stack]] = {}
    for images, masks in paired:
        masks_of.setdefault(images, []).append(masks)
    rivals = {images: masks for images, masks in masks_of.items() if len(masks) > 1}
    if not rivals:
        return
    images, masks = next(iter(rivals.items()))
    names = sorted({m.name for found in rivals.values() for m in found})
    more = f" (and {len(rivals) - 1} image stacks more)" if len(rivals) > 1 else ""
    raise DataError(f"'{images.path}'{more}: {len(masks)} mask stacks of its count and size pair with it "
                    f"({', '.join(_label(m, root) for m in masks)}), rival annotations that would give each slice "
                    f"twice; pick one with {' or '.join(f'--masks {shlex.quote(n)}' for n in names)}")
