"""Label masks whose values number objects, not classes (Cellpose's `_masks.png`: every cell a
value of its own), told apart from label masks of classes.

A class value recurs from mask to mask and often lies in several places; an object's value is one
region (or, for EM neuron ids, kept apart from the others by 0), objects are numbered 1..n or by
ids that differ from mask to mask, and a mask may hold many. Read as classes, such masks make a
class per object, so they get the `instance-ids` warning, which routes them to `--instance-masks`,
as `coloured_objects` does for colour masks; a refusal ranks mask folders by the same evidence
(`looks_like_objects`). `encoding` asks this of label masks without declared classes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from seglab.data.encodings.coloured_objects import MANY_OBJECTS, NUMBERED, ONE_REGION, VARYING_COUNTS
from seglab.data.encodings.mask_sample import MaskSample, object_values, sample_masks
from seglab.data.files.index import Problem
from seglab.data.files.mat_files import MAT_SUFFIX, instance_variable
from seglab.data.files.read_errors import Unusable

OBJECT_VALUES = 10  # values 1..n in a mask, each one region, with n this high: object numbers
SPARSE_SPREAD = 2  # or OBJECT_VALUES ids spread over at least this many times their count (not 1..n) ...
SCATTERED = 1 / 3  # ... each in this share of the masks or fewer on average, where classes recur


def numbered_objects_problem(sample: MaskSample) -> Problem | None:
    """A warning when label masks number objects (Cellpose's `_masks.png`, the Cell Tracking
    Challenge's `man_seg*.tif`, GlaS's `_anno.bmp`, GrowliFlower's `maskPlants/`): each value one
    region, and either `MANY_OBJECTS` values in a mask, or values 1..n in most masks with n
    reaching `OBJECT_VALUES` or varying between them (trimaps' 1..3 in every mask do not; n is
    read from those masks alone: MedSAM's FLARE slices of organs 1..3, 1..4 and 1..4 with 13 are
    classes, two counts and a gap), or
    sparse ids (`_scattered_ids`); or values kept apart by 0 in most masks (`MaskSample.apart`:
    EM neuron ids between their membranes, a neuron in several pieces), `OBJECT_VALUES` in a mask,
    each in few masks. Read as classes they would make a class per object. MATLAB masks named for
    objects (`inst_map` alone: HoVer-Net's CPM-17 and Kumar) are told however few objects they hold."""
    named = _named_instances(sample)
    if named is not None:
        return named
    counted = {p: r for p, r in sample.regions.items() if r[0]}
    if not counted:
        return None
    path, (most, _) = max(counted.items(), key=lambda item: item[1][0])
    one_region = sum(r[1] for r in counted.values()) >= ONE_REGION * sum(r[0] for r in counted.values())
    apart = most >= OBJECT_VALUES and sum(p in sample.apart for p in counted) > len(counted) / 2
    # n of the masks holding 1..n: a mask of classes past a gap (FLARE's organs 1 to 4 and 13) counts no objects
    counts = [r[0] for p, r in counted.items() if object_values(sample.labels[p]) == set(range(1, r[0] + 1))]
    varying = len(set(counts)) >= VARYING_COUNTS
    counting = len(counts) >= NUMBERED * len(counted) and (max(counts, default=0) >= OBJECT_VALUES or varying)
    if one_region and (most >= MANY_OBJECTS or counting):
        what = f"{most} values in this mask, each one region"
    elif (one_region or apart) and (ids := _scattered_ids([sample.labels[p] for p in counted], sparse=not apart)):
        what = (f"{len(ids)} values from {ids[0]} to {ids[-1]} in {len(counted)} masks, {most} at most in one, "
                + ("none touching another (each kept apart by 0) and each in few masks, where classes recur"
                   if apart else "each one region and in few masks (ids, not 1..n)"))
    else:
        return None
    message = (f"mask values look like object numbers, not classes: {what}; if each value is one object (an "
               "instance mask), --instance-masks reads every object as one foreground class")
    return Problem(path, message, "instance-ids")


def _scattered_ids(masks: list[Counter[int]], sparse: bool = True) -> list[int]:
    """The values of masks that number objects by ids, else []: `OBJECT_VALUES` or more values,
    spread over at least `SPARSE_SPREAD` times their count where `sparse` (GrowliFlower's plants 40,
    47, ..., "not successive, may start high"), most masks holding two or more, and a value held
    by `SCATTERED` of the masks or fewer on average, as ids differ from mask to mask where classes
    recur (CholecSeg8k's codes 5 to 80, a colour each, are in most frames)."""
    held = [object_values(counts) for counts in masks]
    ids = sorted(set().union(*held))
    several = sum(len(values) >= 2 for values in held) > len(held) / 2
    spread = len(ids) >= OBJECT_VALUES and (not sparse or ids[-1] >= SPARSE_SPREAD * len(ids))
    scattered = sum(map(len, held)) <= SCATTERED * len(ids) * len(held)
    return ids if several and spread and scattered else []


def looks_like_objects(mask: Path) -> bool:
    """Whether one mask's values look like object numbers by that mask alone, the evidence a
    refusal ranks mask folders by (`discovery.folders.rivals`): `OBJECT_VALUES` or more, each
    one region or none touching another; a class mask holds few values, or classes that meet."""
    sample = sample_masks([mask])
    values, single = sample.regions.get(mask, (0, 0))
    return values >= OBJECT_VALUES and (single >= ONE_REGION * values or mask in sample.apart)


def _named_instances(sample: MaskSample) -> Problem | None:
    """The `instance-ids` warning when the first sampled MATLAB mask is a variable named for
    objects (`mat_files.instance_variable`); one file tells, as a dataset's files are alike."""
    path = next((p for p in sample.labels if p.suffix.lower() == MAT_SUFFIX), None)
    try:
        name = instance_variable(path) if path is not None else None
    except Unusable:  # it was read a moment ago; a file changed since is for the scan to name
        return None
    if name is None:
        return None
    message = (f"MATLAB variable '{name}' numbers objects and no class map lies beside it (HoVer-Net's CPM-17 and "
               "Kumar): read as classes, each object becomes a class; --instance-masks reads every object as one "
               "foreground class")
    return Problem(path, message, "instance-ids")
