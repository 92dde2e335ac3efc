"""Images that match more than one mask each, counted over all a dataset's folders: two namings
of one annotation (Cityscapes' label ids beside its train ids, PixelAnnotationTool's watershed
masks beside the strokes they grew from) are read as one, namings that are
classes are read as classes under `--task multilabel`, and any other choice is refused, listing
each naming as a `--mask-pattern` (`match_folders` finds the rivals, folder by folder).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from seglab.data.encodings.cityscapes import label_ids_namings
from seglab.data.discovery.naming import looks_like_mask_folder, stem, words
from seglab.data.discovery.naming.affixes import is_numbered_mask, photo_named
from seglab.data.discovery.naming.folder_roles import CLASS_WORDS
from seglab.data.discovery.naming.learned_rules import naming_rule_name
from seglab.data.discovery.naming.mask_patterns import template_rules
from seglab.data.discovery.numbered_masks import numbered_objects
from seglab.data.discovery.watershed_masks import watershed_namings
from seglab.data.discovery.pairing import FolderMatch, fits_template, pair_namings
from seglab.data.files.index import Problem
from seglab.errors import DataError

logger = logging.getLogger(__name__)

_TRUTH_WORDS = {"gt", "groundtruth", "truth"}  # a naming of the labels to train on, rather than another mask
_NAMINGS_SHOWN = 6  # numbered namings listed by name: LV-MHP v2 has one per count of persons and person
_EVERY_CLASS = 0.9  # share of images with a file of every class naming: the set ships one per class and image


def refuse_rival_namings(matches: Sequence[FolderMatch]) -> None:
    """Stop when images match more than one set of label masks: which to train on is the user's
    choice. Each naming is listed as a `--mask-pattern` with its masks over all `matches`.

    Raises:
        DataError: naming the first example and every naming with its count.
    """
    rivalled = [m.rivals for m in matches if m.rivals is not None]
    if not rivalled:
        return
    counts = {template: len(masks) for template, masks in masks_by_naming(matches).items()}
    if numbered_objects(counts):
        listed = ", ".join(f"'{t}': {n} masks" for t, n in sorted(counts.items())[:_NAMINGS_SHOWN])
        more = f" and {len(counts) - _NAMINGS_SHOWN} more namings" if len(counts) > _NAMINGS_SHOWN else ""
        raise DataError(f"{rivalled[0].example}; the namings number each image's objects, a mask per object "
                        f"({listed}{more}): pass --merge-masks to read each image's masks as one (their union, the "
                        "higher value where they overlap)")
    numbered = [t for t in sorted(counts) if is_numbered_mask(t.rsplit(".", 1)[0])]
    if len(numbered) == len(counts):  # AITEX's `_mask1` + `_mask2` (its other images' `_mask`): no naming to pick
        listed = " and ".join(f"'{t}'" for t in numbered)
        raise DataError(f"{rivalled[0].example}; {listed} number the masks of one image (a defect or lesion each): "
                        "pass --merge-masks to read each image's masks as one (their union)")
    choices = {t: n for t, n in counts.items() if t not in numbered}  # a numbered one is no choice alone
    listed = "".join(f"\n  --mask-pattern '{t}': {n} masks" for t, n in sorted(choices.items(), key=_truth_first))
    merge = (f"\n'{numbered[0]}' ({counts[numbered[0]]} masks) numbers more masks of some images (a second lesion "
             "or object): to keep them, pass --merge-masks, which reads each image's masks as one (their union)"
             if numbered else "")
    classes = ("\nor, when each naming is a class (an image's mask per class), pass --task multilabel to read them "
               "all, one channel per class" if len(choices) > 1 and not numbered else "")
    raise DataError(f"{rivalled[0].example}; pick the labels to train on:{listed}{merge}{classes}")


def _truth_first(choice: tuple[str, int]) -> tuple[bool, str]:
    """A naming that says ground truth listed first (ICDAR MapSeg's `{stem}-OUTPUT-GT.png` before
    the map-area mask `{stem}-INPUT-MASK.png`, an input), then by name."""
    return not _TRUTH_WORDS & set(words(choice[0])), choice[0]


def settle_rival_namings(matches: Sequence[FolderMatch], as_classes: bool) -> list[FolderMatch]:
    """`matches` once no image matches more than one mask: with `as_classes` (`--task
    multilabel`) rival namings are read as classes (`namings_as_classes`), two namings of one
    annotation as the one to train on (`_read_one_annotation`), else refused (`refuse_rival_namings`)."""
    read = namings_as_classes(matches) if as_classes else _read_one_annotation(matches)
    if read is None:
        refuse_rival_namings(matches)
    return list(matches) if read is None else read


def namings_as_classes(matches: Sequence[FolderMatch]) -> list[FolderMatch] | None:
    """Rival namings read as one mask file per class (`--task multilabel`): ISIC 2018 Task 2's
    `ISIC_0000000_attribute_globules.png`, `..._attribute_streaks.png` beside each image. Each
    image's masks of every naming become its pair's masks, in the namings' order. None when no
    image has rivals, or when a naming numbers further masks (`{stem}_mask_1.png`: a second
    lesion; `{stem}_2.bmp` after `{stem}_1.bmp`: another cell; both for `--merge-masks`)."""
    if not any(m.rivals is not None for m in matches):
        return None
    by_naming = masks_by_naming(matches)
    if any(is_numbered_mask(t.rsplit(".", 1)[0]) for t in by_naming) or numbered_objects(
            {t: len(ms) for t, ms in by_naming.items()}):
        return None
    namings = tuple(sorted(by_naming, key=str.lower))
    of_key: dict[tuple[Path, str], list[Path]] = {}  # (folder, image key) -> its masks in naming order
    for template in namings:
        for mask in by_naming[template]:
            of_key.setdefault((mask.parent, _stem_in(mask, template)), []).append(mask)
    read: list[FolderMatch] = []
    for match in matches:
        masks = {key: of_key.get((mask.parent, key), [mask]) for key, _, mask in match.pairs}
        classed = {m for ms in masks.values() for m in ms}
        read.append(replace(
            match, pairs=[(key, image, masks[key][0]) for key, image, _ in match.pairs], rivals=None,
            merged={key: tuple(ms[1:]) for key, ms in masks.items() if len(ms) > 1},
            extra_masks=[m for m in match.extra_masks if m not in classed], namings=namings,
        ))
    return _missing_class_files(read)


def _missing_class_files(read: list[FolderMatch]) -> list[FolderMatch]:
    """`read` with a `missing` finding for each image lacking a class's file, where nearly every
    image (`_EVERY_CLASS`) has a file of each: ISIC 2018 Task 2 ships an all-zero mask where an
    attribute is absent, so a lacking file is a lost one, and stops training as a class folder's
    does. Where fewer images have all, files are shipped for the classes an image shows
    (SA-Med2D-20M's structures; `class_namings`), and a lacking one is the class absent there."""
    lacking = [(match, image, mask.parent / t.replace("{stem}", stem(image)))
               for match in read for key, image, mask in match.pairs
               for t in _lacking_namings(match.namings, (mask, *match.merged.get(key, ())))]
    images = sum(len(match.pairs) for match in read)
    if not lacking or len({image for _, image, _ in lacking}) > (1 - _EVERY_CLASS) * images:
        return read
    problems: dict[int, list[Problem]] = {}
    for match, image, expected in lacking:
        problems.setdefault(id(match), []).append(Problem(
            image, f"mask '{expected}' does not exist, while nearly every image has a mask of each class (an "
            "all-zero one where the class is absent)", "missing", (expected,)))
    return [replace(m, problems=[*m.problems, *problems.get(id(m), [])]) for m in read]


def _lacking_namings(namings: Sequence[str], masks: Sequence[Path]) -> list[str]:
    """The class namings that name none of an image's `masks`, each mask named by the longest that fits."""
    named = {max((t for t in namings if fits_template(mask, t)), key=len, default="") for mask in masks}
    return [t for t in namings if t not in named]


def _read_one_annotation(matches: Sequence[FolderMatch]) -> list[FolderMatch] | None:
    """Cityscapes' label ids where its train ids of the same annotation rival them (ACDC's and Dark
    Zurich's `_gt_labelIds.png` beside `_gt_labelTrainIds.png`), PixelAnnotationTool's watershed
    masks where the strokes they grew from rival them (`watershed_namings`: `_watershed_mask.png`
    beside `_mask.png` and `_color_mask.png`), a renderer's class maps where its object maps rival
    them (`class_map_namings`: Unity Perception's `.semantic segmentation.png` beside `.instance
    segmentation.png`): one annotation in two namings is no choice, so the first are paired and
    the others listed as ignored. None for other rivals."""
    if not any(m.rivals is not None for m in matches):
        return None
    by_naming = masks_by_naming(matches)
    found = next(((kept, said) for rule, said in _ONE_ANNOTATION if (kept := rule(by_naming)) is not None), None)
    if found is None:
        return None
    kept, (what, read_name, other_name) = found
    other = next(t for t in by_naming if t not in kept)
    logger.info("masks named %s are %s: the %s are read (--mask-pattern '%s' reads the %s)",
                ", ".join(f"'{t}'" for t in sorted(by_naming)), what, read_name, other, other_name)
    chosen = {(mask.parent, _stem_in(mask, t)): mask for t in kept for mask in by_naming[t]}
    read: list[FolderMatch] = []
    for match in matches:
        rivals = sorted({m for ms in match.rivals.masks.values() for m in ms}) if match.rivals else []
        pairs = [(key, image, chosen.get((mask.parent, key), mask)) for key, image, mask in match.pairs]
        paired = {mask for _, _, mask in pairs}
        rule = replace(template_rules(kept[0])[0], name=naming_rule_name(kept[0])) if match.rivals else match.rule
        read.append(replace(
            match, pairs=pairs, rivals=None, rule=rule,
            problems=[p for p in match.problems if p.code != "duplicate-name" or p.path not in rivals],
            extra_masks=list(dict.fromkeys(m for m in (*match.extra_masks, *rivals) if m not in paired)),
        ))
    return read


def class_map_namings(namings: dict[str, list[Path]]) -> tuple[str, ...] | None:
    """Of two rival mask namings (`--mask-pattern` template -> masks), the one whose words say
    class labels when the other's say objects (`instance`) and not classes: Unity Perception's
    SOLO writes `step0.camera.semantic segmentation.png` beside `step0.camera.instance
    segmentation.png`; else None (Hypersim's `.semantic.hdf5` beside `.semantic_instance.hdf5`
    are two labellings)."""
    said = {t: set(words(t)) for t in namings}
    classes = [t for t, w in said.items() if w & CLASS_WORDS and "instance" not in w]
    objects = [t for t, w in said.items() if "instance" in w and not w & CLASS_WORDS]
    return tuple(classes) if len(namings) == 2 and len(classes) == 1 and len(objects) == 1 else None


def colour_rendering_namings(namings: dict[str, list[Path]]) -> tuple[str, ...] | None:
    """Of two rival mask namings, the other where one names its files a photo by a colour word
    (`photo_named`: `{stem}_color.png`) in folders named for labels: there the colour rendering of
    the masks (`labels/x_color.png` beside `labels/x_labelids.png`, as GOOSE ships them), whose
    word `strip_affixes` drops as an RGB-D frame's photo's; else None."""
    coloured = [t for t in namings if photo_named(Path(t).stem)]
    if len(namings) != 2 or len(coloured) != 1 or not all(
            any(looks_like_mask_folder(part) for part in mask.parent.parts) for mask in namings[coloured[0]]):
        return None
    return tuple(t for t in namings if t != coloured[0])


# each rule reading one annotation of two namings, and how the log says it: what the namings are,
# the kept ones, the others
_ONE_ANNOTATION = (
    (label_ids_namings, ("Cityscapes' label ids and train ids of one annotation", "label ids", "train ids")),
    (watershed_namings, ("PixelAnnotationTool's watershed masks and the strokes they grew from", "watershed masks",
                         "strokes")),
    (class_map_namings, ("class maps and object maps of one rendering", "class maps", "object maps")),
    (colour_rendering_namings, ("masks and their colour renderings", "masks", "colour renderings")),
)


def masks_by_naming(matches: Sequence[FolderMatch]) -> dict[str, list[Path]]:
    """Each mask naming (`--mask-pattern` template) with its masks over all `matches`; a folder
    without rivals counts its pairs' naming."""
    by_naming: dict[str, list[Path]] = {}
    for match in matches:
        for template, masks in (match.rivals.masks if match.rivals else pair_namings(match.pairs)).items():
            by_naming.setdefault(template, []).extend(masks)
    return by_naming


def _stem_in(mask: Path, template: str) -> str:
    """The image key that `template` (`{stem}_mask.png`) names `mask` after: `a` for `a_mask.png`."""
    before, _, after = template.partition("{stem}")
    return mask.name[len(before):len(mask.name) - len(after)].lower()
