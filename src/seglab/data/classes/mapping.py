"""How raw mask pixels become class indices: identity, offset, binary 0/255, threshold, a table
of values (`--label-map`), or RGB colour, exact or snapped to the nearest class colour.

A mapping is part of what a model was trained on, so it round-trips through JSON
(`to_dict` / `MaskMapping.from_dict`) and prediction and evaluation can rebuild it from a run folder.
Each kind is a tiny frozen dataclass registered by name instead of one class with a mode flag.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from seglab.errors import UnknownNameError
from seglab.registry import Registry

MAPPINGS: Registry[type[MaskMapping]] = Registry("mask mapping")
_MAX_LABEL = 2**31  # float masks with larger values are not label maps
NEAR = 10  # a colour within this (largest channel difference) of a class colour is a JPEG shift of it
_LISTED_VALUES = 16  # a longer --label-map table is described by its labels, not pair by pair
SOLID = 9  # a colour with this many pixels inside regions of it (`filled_pixels`; a 5x5 patch) is painted
BINARY_SHARE = 0.9  # 0/255 masks: at least this share of pixels is 0 or 255
# JPEG-saved 0/255 masks (Kvasir-SEG's, and more so resized copies): JPEG blurs every edge and
# rings beside it, so fewer pixels are exact; those within this of 0 or 255 count as on the level
JPEG_NEAR = 48
# how colour masks get their classes, for the messages that cannot tell them (docs/encodings.md)
COLOUR_CLASSES_ROUTE = ('list the class colours in a classes.json passed with --classes FILE ({"names": '
                        '["background", "road", ...], "colours": [[0, 0, 0], [128, 64, 128], ...]}: a name and the '
                        'mask\'s RGB colour a class, in the same order)')


class MappingError(ValueError):
    """A mask a mapping cannot use; `code` names the kind of problem for the data audit."""

    def __init__(self, message: str, code: str = "bad-mask") -> None:
        super().__init__(message)
        self.code = code


class MaskMapping:
    """Base class: `apply` turns a raw mask array into (H, W) int64 class indices.

    Subclasses raise ValueError (preferably `MappingError` with a code) for a mask they cannot
    use; `read_mask` adds the file name.
    """

    kind: ClassVar[str] = ""
    needs_rgb: ClassVar[bool] = False  # palette masks are read as RGB rather than as indices
    needs_alpha: ClassVar[bool] = False  # the mask's alpha channel alone is read (its label, not its RGB)
    # what --label-map is told for masks read as RGB: what they are, and the route they take instead
    label_map_route: ClassVar[str] = "colour masks; name their classes in a classes.json with \"colours\" instead"
    # multi-label mappings give bit sets (seglab.labelsets) and may read their own files (`read`)
    multilabel: ClassVar[bool] = False
    reads_files: ClassVar[bool] = False
    reads_many: ClassVar[bool] = False  # reads all of a pair's mask files at once (`read_all`)

    def label_count(self, num_classes: int) -> int:
        """Mapped values are 0..label_count - 1 (besides an ignore label): K, or 2**K bit sets."""
        return 2**num_classes if self.multilabel else num_classes

    def read(self, path: Path) -> np.ndarray:
        """For mappings that read their own files (`reads_files`): the mapped (H, W) mask of `path`."""
        raise NotImplementedError

    def read_all(self, paths: Sequence[Path]) -> np.ndarray:
        """For mappings that read a pair's several files (`reads_many`): their mapped (H, W) mask."""
        raise NotImplementedError

    def apply(self, raw: np.ndarray) -> np.ndarray:
        """Map a raw mask, (H, W) or (H, W, 3), to (H, W) int64 class indices."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly description, e.g. {"kind": "offset", "offset": 1}."""
        values = asdict(self)  # type: ignore[call-overload]
        return {"kind": self.kind, **{k: _plain(v) for k, v in values.items()}}

    def describe(self) -> str:
        """One line for `seglab inspect`: the JSON description, unless a mapping has a shorter one."""
        return str(self.to_dict())

    @staticmethod
    def from_dict(values: dict[str, Any]) -> MaskMapping:
        """Rebuild a mapping written by `to_dict`.

        Raises:
            ValueError: unknown kind or bad fields.
        """
        if not isinstance(values, dict) or "kind" not in values:
            raise ValueError(f"mask mapping must be a mapping with a 'kind' key, got {values!r}")
        fields = dict(values)
        kind = fields.pop("kind")
        try:
            cls = MAPPINGS.get(kind)
        except UnknownNameError as err:
            raise ValueError(str(err)) from None
        try:
            return cls(**fields)
        except TypeError as err:
            raise ValueError(f"bad fields for mask mapping '{kind}': {err}") from None


def without_unset(described: dict[str, Any], **unset: Any) -> dict[str, Any]:
    """A `to_dict` less the fields at their default, so that a mapping is described as before they existed."""
    return {key: value for key, value in described.items() if key not in unset or value != unset[key]}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def single_channel(raw: np.ndarray) -> np.ndarray:
    """(H, W) labels from a 2-D mask, from an RGB mask whose channels are all equal, or from the
    first channel of a 16-bit RGB mask (`wide_rgb`)."""
    if raw.ndim == 2:
        return raw
    if raw.ndim == 3 and raw.shape[2] == 1:
        return raw[..., 0]
    if raw.ndim == 3 and raw.shape[2] == 3:
        # grey masks saved as RGB are common; anything else needs a colour table
        if wide_rgb(raw) or (np.array_equal(raw[..., 0], raw[..., 1]) and np.array_equal(raw[..., 0], raw[..., 2])):
            return raw[..., 0]
        if raw.dtype != np.uint8:
            raise MappingError(f"mask has 3 channels of {raw.dtype} values that differ: neither a label map "
                               "nor 8-bit class colours", "bad-shape")
        raise MappingError(
            f"mask is an RGB image with colours, not a class-index map; {COLOUR_CLASSES_ROUTE}",
            "colour-mask",
        )
    raise MappingError(f"mask has shape {raw.shape}; expected a 2-D label map (H, W)", "bad-shape")


def wide_rgb(raw: np.ndarray) -> bool:
    """Whether a mask is 16-bit RGB, whose first channel is the class: class colours are 8-bit,
    and SYNTHIA's `GT/LABELS` keep the class id in R and number instances in G."""
    return raw.ndim == 3 and raw.shape[2] == 3 and raw.dtype == np.uint16


def as_labels(labels: np.ndarray) -> np.ndarray:
    """int64 copy of integral labels; float masks are accepted only with whole values."""
    if labels.dtype.kind in "biu":
        return labels.astype(np.int64)
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)):
            raise MappingError("mask holds NaN or infinite values; expected class indices", "mask-not-finite")
        rounded = np.round(labels)
        if not np.array_equal(rounded, labels):
            example = labels[rounded != labels].flat[0]
            raise MappingError(
                f"mask holds non-integer values such as {example}; expected class indices", "mask-not-integer"
            )
        huge = np.abs(rounded) > _MAX_LABEL
        if huge.any():  # beyond int64 the cast would wrap to arbitrary labels
            raise MappingError(
                f"mask holds values such as {rounded[huge].flat[0]:g}, far outside any class index",
                "values-outside-classes",
            )
        return rounded.astype(np.int64)
    raise MappingError(f"mask has dtype {labels.dtype}; expected integer class indices", "bad-dtype")


@MAPPINGS.register("identity")
@dataclass(frozen=True)
class IdentityMapping(MaskMapping):
    """Pixel values are the class indices (class-index PNGs, palette indices, npy labels)."""

    kind: ClassVar[str] = "identity"

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return as_labels(single_channel(raw))


@MAPPINGS.register("offset")
@dataclass(frozen=True)
class OffsetMapping(MaskMapping):
    """Subtract a constant: Oxford-IIIT Pet trimaps store 1, 2, 3 for classes 0, 1, 2."""

    offset: int = 1
    kind: ClassVar[str] = "offset"

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return as_labels(single_channel(raw)) - self.offset


@MAPPINGS.register("binary")
@dataclass(frozen=True)
class BinaryMapping(MaskMapping):
    """0/255 masks become 0/1; other values are left as they are so validation reports them.
    With `ignore_label` 255 (`--ignore-index 255`: 0/1 masks with a 255 void border) 255 stays."""

    ignore_label: int | None = None
    kind: ClassVar[str] = "binary"

    def apply(self, raw: np.ndarray) -> np.ndarray:
        labels = as_labels(single_channel(raw))
        if self.ignore_label != 255:
            labels[labels == 255] = 1
        return labels

    def to_dict(self) -> dict[str, Any]:
        return without_unset(super().to_dict(), ignore_label=None)


@MAPPINGS.register("threshold")
@dataclass(frozen=True)
class ThresholdMapping(MaskMapping):
    """Binary masks with antialiased or JPEG-noisy edges: values >= `threshold` are class 1.

    Exact 0/255 masks need no threshold (`BinaryMapping`); this one is chosen when a few
    pixels lie between, so that every in-between value lands on the nearer class.
    """

    threshold: float = 128.0
    inverted: bool = False  # values below the threshold are class 1 (class_dict.csv: white road is class 0)
    ignore_label: int | None = None  # a raw value kept as it is: the void border of masks numbering objects
    # (raw, value) pairs applied first: --label-map with --instance-masks (OCID's table 1 as background 0)
    relabel: tuple[tuple[int, int], ...] = ()
    kind: ClassVar[str] = "threshold"

    def __post_init__(self) -> None:
        object.__setattr__(self, "relabel", LabelMapping(self.relabel).values)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        values = LabelMapping(self.relabel).apply(raw) if self.relabel else single_channel(raw)
        labels = ((values >= self.threshold) != self.inverted).astype(np.int64)
        if self.ignore_label is not None:
            labels[values == self.ignore_label] = self.ignore_label
        return labels

    def to_dict(self) -> dict[str, Any]:  # described as before it could be inverted or keep a void label
        return without_unset(super().to_dict(), inverted=False, ignore_label=None, relabel=[])


def keeping_ignored(mapping: MaskMapping, ignore_label: int | None) -> MaskMapping:
    """`mapping`, made to keep raw `ignore_label` pixels as that label where it would read them as
    a class: a threshold (`--instance-masks`) makes a 255 void border object, and the binary
    reading 255 class 1. Other mappings keep the values they do not list, or read colours."""
    if ignore_label is None or not isinstance(mapping, (BinaryMapping, ThresholdMapping)):
        return mapping
    if mapping.apply(np.array([[ignore_label]])).item() == ignore_label:
        return mapping  # already kept: the background value of a threshold, say
    return replace(mapping, ignore_label=ignore_label)


@MAPPINGS.register("labels")
@dataclass(frozen=True)
class LabelMapping(MaskMapping):
    """A table of raw values and their labels (`--label-map 255:1,3:ignore`); other values stay.

    Args:
        values: (raw value, label) pairs; "ignore" is already resolved to the ignore label.
    """

    values: tuple[tuple[int, int], ...] = ()
    kind: ClassVar[str] = "labels"

    def __post_init__(self) -> None:
        pairs = tuple(tuple(v) for v in self.values)
        if any(len(p) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in p) for p in pairs):
            raise ValueError(f"label mapping needs [raw, label] integer pairs, got {self.values!r}")
        if len({raw for raw, _ in pairs}) != len(pairs):
            raise ValueError("label mapping lists one raw value twice")
        object.__setattr__(self, "values", pairs)

    def apply(self, raw: np.ndarray) -> np.ndarray:
        return relabelled(as_labels(single_channel(raw)), self.values)

    def describe(self) -> str:
        """The table, or for a long one (a shipped table's ids compacted) the values of the labels
        no other value shares, and a count of those sharing one (the ignore label)."""
        if len(self.values) <= _LISTED_VALUES:
            return super().describe()
        shared, count = Counter(label for _, label in self.values).most_common(1)[0]
        own = [f"{raw}:{label}" for raw, label in self.values if label != shared]
        return (f"labels: {', '.join(own[:_LISTED_VALUES])}{' ...' if len(own) > _LISTED_VALUES else ''}, "
                f"and {count} other values:{shared} ({len(self.values)} values)")


def relabelled(labels: np.ndarray, values: tuple[tuple[int, int], ...]) -> np.ndarray:
    """`labels` with each raw value `values` lists as its label, the others as they are: looked up
    in one pass, so a table of thousands of values (FreeSurfer's ids) costs no pass per value, and
    compared with the raw labels, so 1:2,2:1 swaps."""
    if not values:
        return labels
    table = np.array(sorted(values), dtype=np.int64)
    at = np.clip(np.searchsorted(table[:, 0], labels), 0, len(table) - 1)
    return np.where(table[at, 0] == labels, table[at, 1], labels)


@MAPPINGS.register("colour")
@dataclass(frozen=True)
class ColourMapping(MaskMapping):
    """RGB masks: the pixel colour equal to `colours[i]` becomes class i, and a `void` colour the
    label `void_label` (the ignore index)."""

    colours: tuple[tuple[int, int, int], ...] = ()
    void: tuple[tuple[int, int, int], ...] = ()
    void_label: int = 255
    kind: ClassVar[str] = "colour"
    needs_rgb: ClassVar[bool] = True

    def __post_init__(self) -> None:
        colours = tuple(tuple(int(v) for v in c) for c in self.colours)
        void = tuple(tuple(int(v) for v in c) for c in self.void)
        if not colours or any(len(c) != 3 for c in (*colours, *void)):
            raise ValueError(f"colour mapping needs a list of [r, g, b] colours, got {self.colours!r}")
        if len(set(colours + void)) != len(colours + void):
            raise ValueError("colour mapping has the same colour for two classes")
        object.__setattr__(self, "colours", colours)
        object.__setattr__(self, "void", void)

    @property
    def labels(self) -> np.ndarray:
        """The label of each colour of `table`: the classes', then `void_label` for void ones."""
        return np.array([*range(len(self.colours)), *[self.void_label] * len(self.void)], dtype=np.int64)

    @property
    def table(self) -> tuple[tuple[int, int, int], ...]:
        """Every colour a mask may hold: the class colours, then the void ones."""
        return self.colours + self.void

    def apply(self, raw: np.ndarray) -> np.ndarray:
        if raw.ndim != 3 or raw.shape[2] != 3:
            raise MappingError(
                f"mask has shape {raw.shape}; a colour mapping needs RGB masks (H, W, 3)", "grey-mask-for-colours"
            )
        if raw.dtype != np.uint8:
            raise MappingError(f"mask has dtype {raw.dtype}; a colour mapping needs 8-bit RGB masks", "bad-dtype")
        # one integer per colour lets a sorted lookup replace a loop over classes
        codes = colour_codes(raw)
        table = colour_codes(np.array(self.table, dtype=np.uint8)[None])[0]
        order = np.argsort(table)
        sorted_table = table[order]
        pos = np.clip(np.searchsorted(sorted_table, codes), 0, len(table) - 1)
        found = sorted_table[pos] == codes
        if not found.all():
            unknown = np.unique(codes[~found])[:5].tolist()
            listed = ", ".join(str(((c >> 16) & 255, (c >> 8) & 255, c & 255)) for c in unknown)
            raise MappingError(
                f"mask has colours that are not class colours: {listed}; "
                "add them to classes.json (a colour that marks no class to \"void_colours\")",
                "unknown-colour",
            )
        return self.labels[order[pos]]


@MAPPINGS.register("nearest-colour")
@dataclass(frozen=True)
class NearestColourMapping(ColourMapping):
    """RGB masks with antialiased or JPEG-noisy edges: every pixel becomes the class whose
    colour is nearest (Euclidean in RGB), so in-between colours snap to a class.

    A colour far from every class colour that fills regions (`filled_pixels`) is no edge but a
    class the colour table lacks (found in a mask the encoding's sample left out): the mask is
    refused (`unknown-colour`) rather than merged into another class.
    """

    kind: ClassVar[str] = "nearest-colour"

    def apply(self, raw: np.ndarray) -> np.ndarray:
        if raw.ndim != 3 or raw.shape[2] != 3:
            raise MappingError(
                f"mask has shape {raw.shape}; a colour mapping needs RGB masks (H, W, 3)", "grey-mask-for-colours"
            )
        # distances for each distinct colour, not each pixel: masks hold few colours
        colours, inverse = np.unique(raw.reshape(-1, 3).astype(np.int64), axis=0, return_inverse=True)
        nearest = nearest_colour(colours, self.table)
        inverse = inverse.reshape(raw.shape[:2])
        self._refuse_filled(colours, nearest, inverse)
        return self.labels[nearest][inverse]

    def _refuse_filled(self, colours: np.ndarray, nearest: np.ndarray, inverse: np.ndarray) -> None:
        """Raise for colours beyond a JPEG shift (`NEAR`) of every class colour that fill regions."""
        far = np.abs(colours - np.array(self.table, dtype=np.int64)[nearest]).max(axis=1) > NEAR
        found, pixels = filling_regions(far, inverse)
        if not len(found):
            return
        listed = ", ".join(f"{tuple(colours[i].tolist())} ({pixels[i]:,} px)" for i in found[:5])
        raise MappingError(
            f"mask has colours that are no class colour and fill regions, not antialiased or JPEG edges: {listed}; "
            f"snapping would merge them into other classes: list them in classes.json \"colours\" beside the "
            f"{len(self.colours)} class colours (a colour that marks no class in \"void_colours\")",
            "unknown-colour",
        )


def filling_regions(flagged: np.ndarray, inverse: np.ndarray, reach: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(indices of the `flagged` distinct values that fill regions, `SOLID` pixels inside patches
    of `reach` (`filled_pixels`); pixels of each value) of a mask of value indices `inverse`:
    values no edge explains, which snapping would merge into a class."""
    if not flagged.any():  # no pass over the mask: most masks hold no such value
        return np.flatnonzero(flagged), np.zeros(len(flagged), np.int64)
    filled = np.bincount(inverse[filled_pixels(inverse, reach)], minlength=len(flagged))
    return np.flatnonzero(flagged & (filled >= SOLID)), np.bincount(inverse.ravel(), minlength=len(flagged))


def nearest_colour(colours: np.ndarray, table: tuple[tuple[int, int, int], ...]) -> np.ndarray:
    """Index into `table` of the colour nearest to each of `colours` (N, 3)."""
    gaps = colours[:, None, :].astype(np.int64) - np.array(table, dtype=np.int64)[None]
    return np.argmin((gaps * gaps).sum(axis=2), axis=1).astype(np.int64)


def filled_pixels(values: np.ndarray, reach: int = 1) -> np.ndarray:
    """(H, W) bool: pixels whose neighbours within `reach` (8 for 1, a 5x5 patch for 2) share
    their value, the inside of a region of it.

    Antialiasing and JPEG leave in-between colours one or two pixels wide along edges, never a
    3x3 patch of one exact colour; a painted class has such patches. Border pixels are never inside.
    """
    height, width = values.shape
    if min(height, width) <= 2 * reach:
        return np.zeros(values.shape, bool)
    across = np.zeros(values.shape, bool)  # the neighbours left and right within `reach` share the value
    across[:, reach:width - reach] = True
    for dx in range(-reach, reach + 1):
        across[:, reach:width - reach] &= values[:, reach + dx:width - reach + dx] == values[:, reach:width - reach]
    inside = np.zeros(values.shape, bool)
    inside[reach:height - reach] = True
    for dy in range(-reach, reach + 1):
        inside[reach:height - reach] &= across[reach + dy:height - reach + dy] & (
            values[reach + dy:height - reach + dy] == values[reach:height - reach])
    return inside


def colour_codes(rgb: np.ndarray) -> np.ndarray:
    """One integer per RGB colour, r << 16 | g << 8 | b, so colours compare and sort as numbers."""
    rgb = rgb.astype(np.int64)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def binary_pixels(channel: np.ndarray) -> np.ndarray | None:
    """The non-zero pixels of a mask channel of 0 and one other value (1, 255, True), or of one
    value alone; None when two non-zero values are in it (a binary mask's test, for a multi-label
    channel and an area to score)."""
    on = channel[channel != 0]
    if on.size and (on != on.flat[0]).any():
        return None
    return channel != 0


def nonzero_pixels(raw: np.ndarray) -> np.ndarray:
    """Pixels where any channel is non-zero; plane by plane, 10x faster than `any(axis=2)` on a
    512 x 512 x 3 mask (a reduction over the short last axis)."""
    if raw.ndim == 2:
        return raw != 0
    on = raw[..., 0] != 0
    for channel in range(1, raw.shape[2]):
        on |= raw[..., channel] != 0
    return on
