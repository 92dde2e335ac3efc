"""Classes from a table of mask values shipped with a dataset (`DatasetIndex.value_names`: ADE20K's
objectInfo150, Roboflow's `_classes.csv`, BCSS's `gt_codes.tsv`, RELLIS-3D's `ontology.yaml`),
numbered as the masks are read, with the values the table calls void scored in no class.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from seglab.data.classes import ClassSpec, ValueNames, generic_name
from seglab.data.classes.value_names import MAX_MASK_VALUE
from seglab.data.encodings.class_instances import ClassInstanceMapping
from seglab.data.encodings.encoding import ENCODING_CODES
from seglab.data.encodings.label_maps import DEFAULT_IGNORE, inferred_class_count
from seglab.data.encodings.red_classes import RedClassMapping
from seglab.data.files.index import DatasetIndex
from seglab.data.classes.mapping import BinaryMapping, LabelMapping, OffsetMapping, ThresholdMapping
from seglab.errors import DataError

logger = logging.getLogger(__name__)


def classes_from_value_names(index: DatasetIndex, ignore_index: int | None) -> DatasetIndex:
    """The index with the classes a shipped table names (`DatasetIndex.value_names`), numbered
    as the mapping reads the values: value v is class v, or class v-1 under --ignore-index 0 (the
    offset mapping). Values the table does not name keep a class_N name; an unnamed 0 is the
    background where the names say so (`ValueNames.zero_is_background`: a label volume's), else
    suggested as the ignore label. Void values the table marks or names (`ValueNames.voids`) are
    the ignore label unless one is given: the last value as it is (Mapillary's 'Unlabeled'),
    others by numbering the named values from 0 without them (`_compacted`), as are named values
    leaving wide gaps (FreeSurfer's ids up to 2035) or any gap in a table declaring every class
    (`ValueNames.complete`: ToothFairy2's dataset.json, FDI tooth numbers 11-48); with no void, 255
    past the named values is, where the sampled masks hold it (RailSem19's label ids 0 to 18 in
    `uint8/`, 255 void). Named values are classes: the finding that they look like object numbers
    is dropped. 0/255 masks are named by a table of two values (`_named_binary`).

    Raises:
        DataError: the names do not make valid classes, or name a value beyond 16-bit masks
            (naming the file).
    """
    assert index.value_names is not None
    if isinstance(index.mapping, ClassInstanceMapping):
        return _named_packed_classes(index, index.mapping)
    if unnamed_binary(index):
        return _named_binary(index)
    offset = index.mapping.offset if isinstance(index.mapping, OffsetMapping) else 0
    path, names = index.value_names.path, index.value_names.names
    if max(names) > MAX_MASK_VALUE:
        raise DataError(f"class list '{path}' names mask value {max(names)}, beyond any 16-bit mask's "
                        f"({MAX_MASK_VALUE}); name the classes in classes.json instead")
    # a table's voids and gaps are left out by a table of the values: of label masks, or of the R of red-class ones
    red = isinstance(index.mapping, RedClassMapping)
    relabelled = offset == 0 and ignore_index is None and (red or not index.mapping.needs_rgb)
    voids = index.value_names.voids if relabelled else ()
    kept = [v for v in sorted(names) if v not in voids]
    gaps = bool(kept) and (inferred_class_count(kept) < kept[-1] + 1  # wide, or any in a table of every class
                           or (index.value_names.complete and len(kept) < kept[-1] + 1))
    if relabelled and ((voids and voids != (max(names),)) or gaps or index.value_names.class_order):
        return _compacted(index, voids)
    if voids:  # Mapillary's 'Unlabeled' past its classes, AI4Mars' 255 'NULL': scored in no class
        void, count = voids[0], kept[-1] + 1
        logger.info("class names from '%s' (%d classes, mask values 0 to %d); %d ('%s') is scored in no class: the "
                    "ignore label", path, count, count - 1, void, names[void])
    else:  # a value given as the ignore label is no class, however the table names it (AI4Mars' 255 'NULL')
        count = max((v for v in names if v != ignore_index), default=-1) + 1 - offset
        if count < 1:
            raise DataError(f"class list '{path}' names no value from {offset} up")
        # RailSem19's uint8/ void; where no sampled mask holds 255 (values 0 to 3 alone), there is none to name
        held = not index.mask_values or DEFAULT_IGNORE in index.mask_values
        void = DEFAULT_IGNORE if relabelled and count < DEFAULT_IGNORE and held else None
        logger.info("class names from '%s' (%d classes, mask values %d to %d%s)", path, count, offset,
                    count - 1 + offset, f"; {void}, named by none, is void: the ignore label" if void else "")
        if offset == 0 and 0 not in names and index.value_names.zero_is_background:  # a label volume's
            names = {0: "background", **names}  # (CURVAS' README: `Labels 1 pancreas, 2 kidney, 3 liver`)
            logger.info("'%s' names no class for label value 0: it is the background, as in any label volume", path)
        elif offset == 0 and 0 not in names:
            logger.warning("'%s' names no class for mask value 0, so it stays class 0 ('class_0'); if 0 marks "
                           "unlabelled pixels (ADE20K's 'other'), pass --ignore-index 0 to leave it out and number "
                           "the named classes from 0", path)
    try:
        classes = ClassSpec(tuple(names.get(c + offset, generic_name(c)) for c in range(count)), ignore_index=void)
    except ValueError as err:
        raise DataError(f"class list '{path}': {err}") from None
    # values a table names are classes, however sparse in the masks (GOOSE's 64 ids), not object numbers
    problems = [p for p in index.problems if p.code != "instance-ids"]
    return replace(index, classes=classes, problems=problems)


def without_stated_void(index: DatasetIndex) -> tuple[DatasetIndex, int | None]:
    """The index less shipped names that name one void value alone (ATLANTIS' README: `masks hold
    ids 1..56, 0 unlabelled`), and that value: it names no class, so the classes are the masks'
    other values, and the void is the ignore label unless one is given (as --ignore-index 0
    reads ATLANTIS). The index as it is, and None, for any other names."""
    found = index.value_names
    if found is None or len(found.names) > 1 or not found.voids:
        return index, None
    void = found.voids[0]
    logger.info("'%s' names mask value %d '%s' and no class: %d is void, the ignore label unless one is given, "
                "and the classes are the other values", found.path, void, found.names[void], void)
    return replace(index, value_names=None), void


_UNNAMED_PAIR = (generic_name(0), generic_name(1))


def unnamed_binary(index: DatasetIndex) -> bool:
    """Whether `index` reads 0/255 masks as two classes nothing named (`class_0`, `class_1`), which
    a shipped table of two values may name (`_named_binary`)."""
    return isinstance(index.mapping, (BinaryMapping, ThresholdMapping)) and index.classes is not None \
        and index.classes.names == _UNNAMED_PAIR


def binary_names(table: ValueNames) -> tuple[str, str] | None:
    """The names a table gives the two classes of 0/255 masks: value 0's and that of its one other
    value, 1 or 255 (a hand-written classes.txt of `0 background` and `1 weed`); None for a table
    of other values, no table of such masks."""
    names = table.names
    foreground = sorted(names.keys() - {0})
    return (names[0], names[foreground[0]]) if 0 in names and foreground in ([1], [255]) else None


def _named_binary(index: DatasetIndex) -> DatasetIndex:
    """The index with its 0/255 masks' two classes (read as 0 and 1) named by `binary_names`: their
    255 is the foreground, never the void a table naming fewer values implies for label masks.

    Raises:
        DataError: the names do not make valid classes (naming the file).
    """
    assert index.value_names is not None and index.classes is not None
    names = binary_names(index.value_names)
    if names is None:  # a table of other values (the layout offers only those that fit)
        return index
    try:
        classes = ClassSpec(names, ignore_index=index.classes.ignore_index)
    except ValueError as err:
        raise DataError(f"class list '{index.value_names.path}': {err}") from None
    logger.info("class names from '%s' (2 classes: 0 '%s', and 1 '%s', the masks' 255)", index.value_names.path,
                *names)
    return replace(index, classes=classes)


def _named_packed_classes(index: DatasetIndex, mapping: ClassInstanceMapping) -> DatasetIndex:
    """The index with the classes of masks packing class and instance (`class-instance`) named by
    the shipped table (VIPSeg's panoVIPSeg_categories.json), as many as the table or the masks
    number, the ignore label kept, each class by its own id (none numbered from 1); where the
    table names more classes than the packing factor (VIPSeg's 124, packed by 100), the values
    below its last class are plain classes.

    Raises:
        DataError: the names do not make valid classes (naming the file).
    """
    assert index.value_names is not None and index.classes is not None
    path, names = index.value_names.path, index.value_names.names
    mapping = replace(mapping, classes=())
    count = max(index.classes.num_classes, max(names) + 1)
    try:
        classes = ClassSpec(tuple(names.get(c, generic_name(c)) for c in range(count)),
                            ignore_index=index.classes.ignore_index)
    except ValueError as err:
        raise DataError(f"class list '{path}': {err}") from None
    if max(names) >= mapping.packing:
        mapping = replace(mapping, plain_below=max(names) + 1)
    logger.info("class names from '%s' (%d classes, mask values read as %s)", path, count, mapping.describe())
    return replace(index, classes=classes, mapping=mapping)


def _compacted(index: DatasetIndex, voids: tuple[int, ...]) -> DatasetIndex:
    """The index reading the values a shipped table names, less its voids, as classes 0, 1, ...
    in value order (RELLIS-3D's ids 1, 3, 4, ... with 0 'void'; FreeSurfer's 0, 4, ..., 2035,
    whose wide gaps would make a class of each value between; ITK-SNAP's 0, 1, 2, 6), or in the
    order of the class ids it gives them (`ValueNames.class_order`: the EL benchmark's grey codes
    0, 128, 80, ..., 255 numbered by its Label column), and the voids and the values it
    skips as the ignore label (255, as for --label-map), so no class is left untaught. The table
    is the recorded mapping, so `predict --write-values raw` writes the values back.

    Raises:
        DataError: the names do not make valid classes (naming the file).
    """
    assert index.value_names is not None
    path, names, order = index.value_names.path, index.value_names.names, index.value_names.class_order
    kept = [v for v in (order or sorted(names)) if v not in voids]
    ignore = DEFAULT_IGNORE if len(kept) <= DEFAULT_IGNORE else -1
    label = {v: k for k, v in enumerate(kept)}
    try:
        classes = ClassSpec(tuple(names[v] for v in kept), ignore_index=ignore)
    except ValueError as err:
        raise DataError(f"class list '{path}': {err}") from None
    skipped = max(names) + 1 - len(kept) - len(voids)
    voided = ", ".join(f"{v} ('{names[v]}')" for v in voids) + " scored in no class" if voids else ""
    unnamed = f"the {skipped} values below {max(names)} it names no class" if skipped else ""
    left_out = " and ".join(part for part in (voided, unnamed) if part)
    # one value past a wide gap, ARTeFACT's 255 'Background' after 0 'Clean' ... 15 'Lightleak': maybe no data
    lone = not order and len(kept) > 2 and inferred_class_count(kept) == kept[-2] + 1 < kept[-1]
    apart = f"; {kept[-1]} ('{names[kept[-1]]}'), apart from the others, is class {len(kept) - 1}: --ignore-index " \
        f"{kept[-1]} scores it in no class if it marks no data" if lone else ""
    logger.info("class names from '%s': its %d named mask values (%s) are classes 0 to %d, in %s%s%s", path,
                len(kept), ", ".join(map(str, kept[:8])) + ("..." if len(kept) > 8 else ""), len(kept) - 1,
                "the order of the class ids it gives them" if order else "value order",
                f"; {left_out}: the ignore label {ignore}" if left_out else "", apart)
    table = tuple((v, label.get(v, ignore)) for v in range(max(names) + 1))
    # NuCLS' class codes in the R of its masks (`red_classes`), 253 its background, 0 outside the field of view
    mapping = replace(index.mapping, values=table) if isinstance(index.mapping, RedClassMapping) else LabelMapping(table)
    problems = [p for p in index.problems if p.code not in ENCODING_CODES]
    return replace(index, classes=classes, mapping=mapping, problems=problems)
