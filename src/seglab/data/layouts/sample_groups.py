"""HDF5 files that keep a sample per group (ChaBuD's `train_eval.hdf5`: `<uuid>/post_fire`,
`<uuid>/pre_fire`, `<uuid>/mask`, a `fold` attribute each), as the array-stack format reads them:
the datasets every group holds are stacks over the groups, those some lack are said and left out,
with the `--bands` that stacks one with the images where they fit (ChaBuD's `pre_fire` before
`post_fire`, a change's two dates), and a fold attribute groups the samples by shipped fold
(`shipped_folds`). `--bands` naming datasets of the groups reads them as the channels of each
image, in its order, from the groups holding all of them; the others are left out and named.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from seglab.data.discovery.channel_files import date_order
from seglab.data.discovery.naming import looks_like_mask_folder
from seglab.data.files.channels import MAX_CHANNELS
from seglab.data.files.hdf5_files import SampleGroup
from seglab.data.splitting.shipped_folds import fold_groups, names_folds
from seglab.errors import DataError

_SHOWN = 3  # left-out groups named in the description; the log names them all


def members_of_every_group(samples: dict[str, SampleGroup]) -> list[str]:
    """The datasets every group holds, in the first group's order."""
    first, *others = samples.values()
    return [name for name in first.shapes if all(name in group.shapes for group in others)]


def holding(samples: dict[str, SampleGroup], names: Sequence[str]) -> dict[str, SampleGroup]:
    """The groups that hold every one of the datasets `names`."""
    return {name: group for name, group in samples.items() if all(member in group.shapes for member in names)}


def named_bands(path: Path, samples: dict[str, SampleGroup], bands: Sequence[str] | None) -> tuple[str, ...] | None:
    """The datasets of the groups that `--bands` names (`bands` in lower case), spelt as the groups
    spell them, in its order (ChaBuD's `pre_fire`, `post_fire`); None without `--bands`, or where
    it names none of them (the band files of chip folders elsewhere in the dataset).

    Raises:
        DataError: it names some datasets of the groups and others that no group holds.
    """
    if bands is None:
        return None
    spelt = {name.lower(): name for group in samples.values() for name in group.shapes}
    found = [spelt.get(band) for band in bands]
    if not any(found):
        return None
    missing = [band for band, name in zip(bands, found) if name is None]
    if missing:
        raise DataError(f"'{path}': --bands names {', '.join(missing)}, which no group of the file holds; its "
                        f"groups hold {', '.join(sorted(spelt.values()))}")
    return tuple(name for name in found if name is not None)


def banded_shape(path: Path, samples: dict[str, SampleGroup], names: Sequence[str]) -> tuple[int, int, int]:
    """(H, W, C): the slice that the datasets `names` of each group give, stacked as channels.

    Raises:
        DataError: datasets that are no images of one size in every group, or more channels
            together than an image may have (`MAX_CHANNELS`), with what to do instead.
    """
    one = _image_shapes(samples, names)
    if one is None:
        found = "; ".join(f"{name} {', '.join(map(str, sorted({g.shapes[name] for g in samples.values()})))}"
                          for name in names)
        raise DataError(f"'{path}': --bands {','.join(names)} names datasets that are not images of one size in every "
                        f"group ({found}); seglab does not resample them")
    channels = _channels(one.values())
    if channels > MAX_CHANNELS:
        raise DataError(f"'{path}': --bands {','.join(names)} gives {channels} channels an image, and seglab reads at "
                        f"most {MAX_CHANNELS}: {_fewer_channels(names)}")
    height, width = next(iter(one.values()))[:2]
    return height, width, channels


def groups_left_out(samples: dict[str, SampleGroup], kept: Sequence[str]) -> list[str]:
    """The groups not among `kept`: those lacking a dataset `--bands` stacks, in the file's order."""
    read = set(kept)
    return [group for group in samples if group not in read]


def left_out(samples: dict[str, SampleGroup], kept: Sequence[str], images: Sequence[str]) -> str:
    """What the description says of what is not read: the groups left out for lacking a dataset
    `--bands` stacks (ChaBuD's samples without `pre_fire`), counted and the first named; else
    each dataset some groups lack (ChaBuD's `pre_fire`, beside the `post_fire` all hold), with
    the `--bands` that stacks it with the images (`_stacking`); nothing when none."""
    dropped = groups_left_out(samples, kept)
    if dropped:
        lacking = [name for name in images if any(name not in samples[group].shapes for group in dropped)]
        more = f" and {len(dropped) - _SHOWN} more" if len(dropped) > _SHOWN else ""
        return (f"; {len(dropped)} of the {len(samples)} groups lack {' or '.join(map(repr, lacking))} and are left "
                f"out: {', '.join(dropped[:_SHOWN])}{more}")
    every = set(members_of_every_group(samples))
    held = Counter(name for group in samples.values() for name in group.shapes if name not in every)
    return "".join(f"; '{name}' is in {count} of the {len(samples)} groups, not in all, so not read"
                   f"{_stacking(samples, name, images)}" for name, count in held.items())


def _stacking(samples: dict[str, SampleGroup], name: str, images: Sequence[str]) -> str:
    """The `--bands` that reads dataset `name`, which some groups lack, with the image dataset
    as the channels of one image, in the groups holding both (date 1 first where their names say
    dates: ChaBuD's `pre_fire`, then `post_fire`), and what becomes of the others; nothing where
    it is named for masks or no image of that size. Where the two hold more channels than an
    image may, what to do."""
    both = holding(samples, (name, *images))
    one = _image_shapes(both, (name, *images)) if len(images) == 1 and both and not looks_like_mask_folder(name) \
        else None
    if one is None:
        return ""
    image = images[0]
    dates = date_order([name, image], True)
    order = (name, image) if dates == (0, 1) else (image, name)
    read = (f": --bands {shlex.quote(','.join(order))} stacks it {'before' if dates == (0, 1) else 'after'} {image}"
            f"{' (dates 1 and 2 of a change)' if dates is not None else ''} in those {len(both)}, leaving out the "
            f"{len(samples) - len(both)} without it")
    channels = _channels(one.values())
    if channels <= MAX_CHANNELS:
        return read
    return f"{read}, once the two give no more than {MAX_CHANNELS} channels (now {channels}): {_fewer_channels(order)}"


def _image_shapes(samples: dict[str, SampleGroup], names: Sequence[str]) -> dict[str, tuple[int, ...]] | None:
    """Each of the datasets `names` by its shape, where every group holds it as an image of one
    shape, (H, W) or (H, W, C), and all are of one size; None otherwise."""
    shapes = {name: {group.shapes[name] for group in samples.values()} for name in names}
    if any(len(found) != 1 or len(next(iter(found))) not in (2, 3) for found in shapes.values()):
        return None
    one = {name: next(iter(found)) for name, found in shapes.items()}
    return one if len({shape[:2] for shape in one.values()}) == 1 else None


def _channels(shapes: Iterable[tuple[int, ...]]) -> int:
    """The channels of images of these shapes together: (H, W) one, (H, W, C) C."""
    return sum(shape[2] if len(shape) == 3 else 1 for shape in shapes)


def _fewer_channels(names: Sequence[str]) -> str:
    """How to read fewer channels of datasets `names`: as datasets of their own in each group."""
    first = names[0]
    return (f"save the channels to learn from as datasets of their own in each group (h5py: group['{first}_rgb'] = "
            f"group['{first}'][()][..., [3, 2, 1]]) and name those with --bands (docs/data.md)")


def fold_groups_of(samples: dict[str, SampleGroup], groups: Sequence[str]) -> tuple[list[str | None], str]:
    """Each of `groups`' shipped fold as its pair's group, from a fold attribute (ChaBuD's `fold`,
    0 to 4), and what the description says of it; None each, and nothing said, without one."""
    attribute = next((name for name in samples[groups[0]].attributes if names_folds(name)), None)
    folds = fold_groups({group: samples[group].attributes.get(attribute) for group in groups}) if attribute else None
    if folds is None:
        return [None] * len(groups), ""
    count = len(set(folds.values()))
    said = f"; grouped by their attribute '{attribute}': {count} shipped folds (--folds {count} validates on one " \
        "at a time)"
    return [folds.get(group, group) for group in groups], said
