"""`--label-map` read into a mapping, and the hint that names the labels to map."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from seglab.data.classes.mapping import BinaryMapping, IdentityMapping, LabelMapping, MaskMapping
from seglab.errors import ConfigError

logger = logging.getLogger(__name__)

# the route offered for values marked as numbering objects (`instance-ids`), in every hint that names them
OBJECTS_HINT = "if each value is one object, --instance-masks reads every object as one foreground class; "
CLASS_GAP = 16  # without classes.json, labels after more unused values than this are stray
DEFAULT_IGNORE = 255  # the label of `ignore` in --label-map when no ignore index is set
WHITE = 255  # the top grey level: the background of masks drawn dark on white when it is on the most pixels
MAX_RANKED = 30  # values found, at most, that a hint offers numbered as classes in their order
LARGE_SHARE = 0.25  # a value on this share of the pixels (or on the most) is a class, never offered as void
BANDED = 0.5  # 255 with this share of its pixels in void bands (`void_bands`) reads as void


def inferred_class_count(labels: Iterable[int]) -> int:
    """K for masks without declared classes: labels 0..K-1 run up to the first gap of more
    than `CLASS_GAP` unused values; larger labels are stray values, never classes."""
    count = 0
    for label in sorted(v for v in labels if v >= 0):
        if label - count > CLASS_GAP:
            break
        count = label + 1
    return count


def relabel_hint(mapping: MaskMapping, stray: list[int], num_classes: int | None = None,
                 found: Sequence[int] = (), objects: bool = False, pixels: Mapping[int, int] | None = None,
                 banded: Callable[[int], float] | None = None) -> str:
    """How to map stray label values without editing files: a --label-map (or --ignore-index);
    one stray value beside class 0 alone (`num_classes` 1) is the object of a binary mask, and
    several beyond inferred classes are first offered as classes: up to `MAX_RANKED` values
    (`found` below the gap and the stray ones) numbered in their order, as codes far apart
    (CholecSeg8k's 5, 17, ..., 80) are no class indices, and 255 is ignored in that map where it
    looks void (`_void_label`, judged on the count of each value's `pixels` and the share of its
    own in void bands, `banded`). Values marked as `objects` (the `instance-ids` warning) are first
    offered to --instance-masks; none are offered as void when 0 alone is left, as that reading
    would train one class. Grey levels are offered background first: the value on most `pixels`
    as class 0."""
    if not isinstance(mapping, (IdentityMapping, BinaryMapping, LabelMapping)):
        return "declare them in classes.json, or set --ignore-index for a void label"
    if num_classes == 1 and len(stray) == 1 and isinstance(mapping, IdentityMapping) and stray[0] > 0:
        value = stray[0]
        return (f"the masks hold 0 and {value}, a binary mask: --label-map {value}:1 reads {value} as class 1 "
                f"(--label-map {value}:ignore if it marks void pixels)")
    if num_classes == 1 and isinstance(mapping, IdentityMapping) and _even_levels(stray):
        halved = ",".join(f"{v}:{int(v * 2 > max(stray))}" for v in sorted(stray))
        return (f"the masks hold 0 and {len(stray)} evenly spaced grey levels, {_levels_as_classes(stray, pixels)}; "
                f"if they are one object's soft mask (the share of annotators marking it: CUB-200's 51, 102, ..., "
                f"255), --label-map {halved} reads it cut at half")
    kept = "255:1," if isinstance(mapping, BinaryMapping) else ""  # the map replaces 0/255 -> 0/1
    option = f"--label-map {kept}" + ",".join(f"{v}:ignore" for v in stray)
    if min(stray) < 0:
        option = option.replace(" ", "=", 1)  # argparse would take '-1:...' for an option
    numbered = bool(num_classes and num_classes > 1)
    large = _large_values(pixels)  # once: there may be thousands of stray values
    void = DEFAULT_IGNORE in stray and _void_label(numbered, large, banded)
    classes = [v for v in stray if not (void and v == DEFAULT_IGNORE)]
    instances = OBJECTS_HINT if objects else ""
    skips = bool(found) and list(found) != list(range(num_classes or 0))  # codes below the gap too
    lone = numbered and len(classes) == 1 and not skips and classes[0] not in large  # MaSTr1325's 4
    if num_classes and isinstance(mapping, IdentityMapping) and min(stray) > 0 and not lone:
        values = sorted({*(found or range(num_classes)), *classes})
        ranked = _ranked(values, void, pixels, codes=not numbered)
        ignored = " with \"ignore_index\": 255" if void else ""
        # several values past a gap: most often classes a subset leaves out (Mapillary)
        named = f"name all {values[-1] + 1} (0 to {values[-1]}) in a classes.json \"names\" list{ignored}"
        if classes:
            voided = f"; if they mark void pixels, set {option}" \
                if numbered and large.isdisjoint(classes) else ""
            return f"{instances}if they are classes, {ranked + ', or ' if ranked else ''}{named}{voided}"
        if skips and ranked:  # void past values that skip some (OCELOT's 1, 2 and 255 unknown): one map for both
            return f"{instances}{ranked}, or {named}"
    void_option = "--ignore-index 255 if it marks void pixels, or " if void and not classes else ""
    return f"{instances}set {void_option}{option} (or map them to classes), or declare the classes in classes.json"


def _void_label(numbered: bool, large: set[int], banded: Callable[[int], float] | None) -> bool:
    """Whether 255 among the stray values reads as void pixels, not a class: never one of the
    `large` values (`_large_values`: GOALS' 255 background); past class indices (VOC's border,
    OCELOT's unknown), or drawn in bands (`void_bands`: CholecSeg8k's white frame), not as a thin
    class across one region (OCTA-500's 255 vessels)."""
    if DEFAULT_IGNORE in large:
        return False
    return numbered or (banded is not None and banded(DEFAULT_IGNORE) >= BANDED)


def _large_values(pixels: Mapping[int, int] | None) -> set[int]:
    """The values on the most pixels or on `LARGE_SHARE` of them: classes."""
    counts = pixels or {}
    if not counts:
        return set()
    total, most = sum(counts.values()), max(counts.values())
    return {v for v, held in counts.items() if held and (held >= LARGE_SHARE * total or held == most)}


def _ranked(values: list[int], void: bool, pixels: Mapping[int, int] | None, codes: bool) -> str:
    """The --label-map numbering `values` as classes 0, 1, ... in their order (255 ignored when
    `void`); of `codes` (no class indices: 0 alone below the gap), white first when it is the
    background of masks drawn dark on white (`_white_background`: GOALS' 255 around 0 RNFL, 80
    GCIPL, 160 choroid). Nothing when the values are more than `MAX_RANKED`."""
    if len(values) > MAX_RANKED:
        return ""
    order, top = " in their order", values[-1]
    if codes and top == WHITE and _white_background(values, pixels):  # not CholecSeg8k's grey 80 background
        values = [top, *values[:-1]]
        order = f", {top} first: on the most pixels{_share(top, pixels)}, the background of masks drawn dark on white"
    pairs = [f"{v}:{k}" for k, v in enumerate(values) if v != k] + [f"{DEFAULT_IGNORE}:ignore"] * void
    ignored = f" ({DEFAULT_IGNORE} ignored)" if void else ""
    return (f"--label-map {','.join(pairs)} reads the {len(values)} values found as classes 0 to {len(values) - 1}"
            f"{order}{ignored}")


def _share(value: int, pixels: Mapping[int, int] | None) -> str:
    """The share of the pixels that a value is on, as " (65%)"; nothing when they are not counted."""
    total = sum((pixels or {}).values())
    return f" ({(pixels or {}).get(value, 0) / total:.0%})" if total else ""


def _white_background(values: Sequence[int], pixels: Mapping[int, int] | None) -> bool:
    """Whether the largest of `values` is on more pixels than any other: the background of masks
    drawn dark on white (REFUGE's 255 background, 128 disc, 0 cup; GOALS' 255 around its layers)."""
    counts, top = pixels or {}, max(values)
    return counts.get(top, 0) > max((counts.get(v, 0) for v in values if v != top), default=0)


def _levels_as_classes(levels: list[int], pixels: Mapping[int, int] | None) -> str:
    """The --label-map reading 0 and grey `levels` as classes, background first: 0 and the levels
    up (CHAOS' 0 background, 63 liver, ..., 252 spleen), or, when the top level covers the most
    pixels (`_white_background`), from the top down (REFUGE's 255 background, 128 disc, 0 cup),
    which as 1, 2 would make the cup class 0."""
    top = max(levels)
    if not _white_background((0, *levels), pixels):
        listed = ",".join(f"{v}:{k}" for k, v in enumerate(sorted(levels), start=1))
        return (f"classes drawn to be seen (CHAOS' 63, 126, 189, 252): --label-map {listed} reads them as classes "
                f"1 to {len(levels)}")
    listed = ",".join(f"{v}:{k}" for k, v in enumerate(sorted((0, *levels), reverse=True)))
    return (f"{top} on the most pixels{_share(top, pixels)}, the background of masks drawn dark on white (REFUGE's 255 "
            f"background, 128 disc, 0 cup): --label-map {listed} reads {top} as class 0 and the darker values as "
            f"classes 1 to {len(levels)}")


def _even_levels(values: list[int]) -> bool:
    """Two or more values at k / n of the largest (within rounding), k = 1..n: 85, 170, 255."""
    ordered, top = sorted(values), max(values)
    return len(ordered) >= 2 and min(ordered) > 1 and all(
        abs(v - top * k / len(ordered)) <= 1 for k, v in enumerate(ordered, start=1))


def parse_label_map(values: Mapping[object, object]) -> dict[int, int | str]:
    """Check a label map {raw value: class index or "ignore"}; keys may be digit strings (JSON).

    Raises:
        ConfigError: a key that is not an integer, or a target that is not a class index or "ignore".
    """
    if not isinstance(values, Mapping) or not values:
        raise ConfigError(f"data.label_map must map raw mask values to classes, e.g. {{255: 1, 3: ignore}}; "
                          f"got {values!r}")
    parsed: dict[int, int | str] = {}
    for raw, label in values.items():
        try:
            key = int(str(raw))
        except ValueError:
            raise ConfigError(f"data.label_map: '{raw}' is not a raw mask value (an integer)") from None
        if label != "ignore" and (isinstance(label, bool) or not isinstance(label, int) or label < 0):
            raise ConfigError(f"data.label_map: {raw} maps to {label!r}; expected a class index >= 0 or 'ignore'")
        parsed[key] = label  # type: ignore[assignment]
    return parsed


def label_map_encoding(
    label_map: Mapping[object, object], ignore_index: int | None
) -> tuple[LabelMapping, int | None]:
    """The mapping of a --label-map and the ignore index it needs.

    "ignore" is the ignore index when one is set; else it is `DEFAULT_IGNORE` (255), which
    becomes the ignore index (logged), so unlisted 255 pixels are ignored as well.

    Raises:
        ConfigError: bad entries, or "ignore" with 255 also used as a class and no ignore index.
    """
    parsed = parse_label_map(label_map)
    targets = {label for label in parsed.values() if label != "ignore"}
    if "ignore" in parsed.values() and ignore_index is None:
        if DEFAULT_IGNORE in targets:
            raise ConfigError(f"data.label_map maps values to 'ignore' and to class {DEFAULT_IGNORE}; "
                              "set the ignore label with --ignore-index")
        ignore_index = DEFAULT_IGNORE
        logger.info("label map: 'ignore' is label %d (no ignore index was set)", DEFAULT_IGNORE)
    pairs = tuple((raw, ignore_index if label == "ignore" else label) for raw, label in sorted(parsed.items()))
    return LabelMapping(pairs), ignore_index  # type: ignore[arg-type]
