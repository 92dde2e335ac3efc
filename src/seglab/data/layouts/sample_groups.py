"""HDF5 files that keep a sample per group (ChaBuD's `train_eval.hdf5`: `<uuid>/post_fire`,
`<uuid>/pre_fire`, `<uuid>/mask`, a `fold` attribute each), as the array-stack format reads them:
the datasets every group holds are stacks over the groups, those some lack are said and left out,
and a fold attribute groups the samples by shipped fold (`shipped_folds`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from seglab.data.files.hdf5_files import SampleGroup
from seglab.data.splitting.shipped_folds import fold_groups, names_folds


def members_of_every_group(samples: dict[str, SampleGroup]) -> list[str]:
    """The datasets every group holds, in the first group's order."""
    first, *others = samples.values()
    return [name for name in first.shapes if all(name in group.shapes for group in others)]


def left_out(samples: dict[str, SampleGroup]) -> str:
    """What the description says of the datasets some groups lack, which are not read (ChaBuD's
    `pre_fire`, in most samples: the image is `post_fire`, which all hold); nothing when none."""
    every = set(members_of_every_group(samples))
    held = Counter(name for group in samples.values() for name in group.shapes if name not in every)
    return "".join(f"; '{name}' is in {count} of the {len(samples)} groups, not in all, so not read"
                   for name, count in held.items())


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
