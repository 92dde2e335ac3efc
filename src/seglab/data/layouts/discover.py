"""`discover`: the layout a dataset folder is in, found and indexed, with classes.json, the label
map and the ignore label applied; a folder without pairs refused.
"""

from __future__ import annotations

import functools
import logging
import shlex
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from seglab.config import DataConfig
from seglab.data.classes import ClassSpec, load_classes_file
from seglab.data.classes.mapping import (
    IdentityMapping,
    LabelMapping,
    MaskMapping,
    OffsetMapping,
    ThresholdMapping,
    keeping_ignored,
)
from seglab.data.classes.text_files import irregular_kind
from seglab.data.discovery.channel_files import channel_names
from seglab.data.discovery.folders import MAX_DEPTH, one_listing, side_files, walk
from seglab.data.encodings.alpha_masks import ALPHA_CLASSES, OPAQUE, AlphaMapping
from seglab.data.encodings.class_instances import ClassInstanceMapping
from seglab.data.encodings.coloured_objects import OBJECT_CLASSES, ColouredObjectsMapping
from seglab.data.encodings.encoding import ENCODING_CODES
from seglab.data.encodings.object_channels import ObjectChannelsMapping
from seglab.data.encodings.one_hot import OneHotMapping
from seglab.data.encodings.label_maps import label_map_encoding, parse_label_map
from seglab.data.encodings.outlines import FilledOutlineMapping
from seglab.data.encodings.value_classes import classes_from_value_names, unnamed_binary, without_stated_void
from seglab.data.files.alpha import ALPHA_READINGS, data_alpha_image
from seglab.data.files.halves import not_twice_as_wide
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.files.pixel_budget import set_max_pixels
from seglab.data.files.staging import cache_folder
from seglab.data.layouts.download_caches import current_version
from seglab.data.layouts.formats import DatasetFormat, FORMATS, ReadOptions
from seglab.data.layouts.mixed_sources import mixed_sources_problem
from seglab.data.layouts.layout_refusal import label_studio_brush_route, unread_json_route, what_was_seen
from seglab.data.layouts.multilabel import apply_task
from seglab.data.layouts.resized_masks import resized_masks
from seglab.data.layouts.sibling_datasets import refuse_sibling_datasets
from seglab.data.layouts.wrapper_folders import read_inside_wrappers
from seglab.data.splitting.pickled_splits import say_pickled_splits
from seglab.data.splitting.subjects import with_subjects
from seglab.errors import ConfigError, DataError, UnknownNameError

logger = logging.getLogger(__name__)


def discover(
    root: str | Path,
    format: str = "auto",
    classes_file: str | None = None,
    ignore_index: int | None = None,
    *,
    images: str | None = None,
    masks: str | None = None,
    mask_pattern: str | None = None,
    merge_masks: bool = False,
    resize_masks: bool = False,
    slice_axis: str = "axial",
    empty_slices: float = 1.0,
    cache_dir: str | None = None,
    label_map: Mapping[object, object] | None = None,
    instance_masks: bool = False,
    fill_outlines: bool = False,
    task: str = "auto",
    rle_order: str = "auto",
    label_field: str | None = None,
    unmasked_background: bool = False,
    alpha: str = "auto",
    no_data: float | None = None,
    bands: Sequence[str] | None = None,
    mask_alpha: bool = False,
    side_by_side: str | None = None,
    frame: int | None = None,
) -> DatasetIndex:
    """Find the layout of a dataset folder and index its image/mask pairs.

    Args:
        root: dataset folder, or a manifest file (pairs.csv, .tsv, .json, .jsonl) listing the pairs.
        format: a key of `FORMATS`, or "auto" to detect it.
        classes_file: classes.json to use; by default `classes.json` in the folder when present.
        ignore_index: overrides the ignore label of the classes.
        images: the image folder (a path under `root`, or a folder name to look for at any level).
        masks: the mask folder, likewise; with `images` naming a folder too, exactly that pair.
        mask_pattern: how a mask is named after its image: `{stem}_mask.png`, or a regular
            expression whose first group is the image's stem.
        merge_masks: an image that matches several masks (BUSI's `a_mask.png` and `a_mask_1.png`),
            or a folder of one image beside a folder of its masks (the 2018 Data Science Bowl's
            `<id>/images/` + `<id>/masks/`, one file per object), is read with one mask: their
            pixelwise maximum, the union of 0/255 object masks.
        resize_masks: masks that are their images at another resolution, one ratio on both sides
            (Rico's 1440x2560 annotations of 1080x1920 screenshots), are read resized to their
            images' size, nearest neighbour (`seglab.data.layouts.resized_masks`).
        slice_axis, empty_slices, cache_dir: how volume datasets are cut (see `ReadOptions`).
        label_map: raw mask value -> class index or "ignore", replacing the mapping chosen
            from the masks (see `seglab.data.encodings.label_maps.label_map_encoding`).
        instance_masks: the masks number objects (1, 2, 3, ... per image: Cellpose, the Cell
            Tracking Challenge); every non-zero value is read as the one class `object`.
        fill_outlines: the masks draw closed outlines (HC18's head ellipse); each is read filled
            with its class (`seglab.data.encodings.outlines.FilledOutlineMapping`).
        task: "auto", "multiclass" or "multilabel": how masks are read (`seglab.data.layouts.multilabel.apply_task`).
        rle_order: how a run-length table's pixels are numbered: "column" (top to bottom, then left
            to right), "row", or "auto" to tell from the shapes the masks draw (`seglab.data.files.rle`).
        label_field: the attribute of vector labels (GeoJSON, GeoPackage) that names a feature's class;
            the level of a COCO file of several levels of categories (`category_id_1`).
        unmasked_background: images without a mask (in a paired image folder, in a folder named
            good/, OK/, Normal/, ..., or in a *neg* folder beside a *pos* one) are defect-free: each
            is read with an all-background mask of value 0 (`seglab.data.discovery.unmasked`), as are a manifest's rows without a mask;
            other layouts log that nothing was read so.
        alpha: the images' alpha channel: "channel" (read as their last channel), "drop", or
            "auto": a channel when it holds data (MFNet's thermal band), `_alpha_channel`.
        no_data: a pixel value that is no data in every image (`DatasetIndex.no_data`).
        bands: the band files read from each chip folder of band files, in this order
            (`B02`, `B03`, ...; `folders.band_chips`), or of each sample's band files (`R`, `G`,
            `NIR`; `discovery.band_files`); None: every band most chips hold, every band of a sample.
        mask_alpha: every mask is read by its alpha channel (`alpha_masks.AlphaMapping`), as masks
            whose RGB holds no label are unasked.
        side_by_side: "left" or "right": each picture holds an image and its mask side by side,
            the image in that half (pix2pix's datasets; the side-by-side layout, which otherwise
            tells the image's half from the pictures).
        frame: the frame read of band files that each hold a time series of their band (Contrails'
            `<record>/band_08.npy`, (H, W, 8); `folders.chip_frames`); None: the middle one.

    Raises:
        DataError: missing or empty folder, unknown layout, bad classes.json, no pairs, two
            folders that could hold the masks.
        ConfigError: `format` is not a registered format, a bad `mask_pattern`, or bad
            slicing options, `fill_outlines` on multi-label masks, an unknown `alpha`, fewer than
            two `bands`, `mask_alpha` with a classes.json of other than two classes, a
            `side_by_side` half other than left or right, or with another layout or named folders.

    Example:
        >>> index = discover("data/isbi2012")  # doctest: +SKIP
        >>> len(index.pairs), index.classes.names  # doctest: +SKIP
        (30, ('membrane', 'cell'))
    """
    root = Path(root)
    if alpha not in ALPHA_READINGS:
        raise ConfigError(f"data.alpha (--alpha) must be one of {', '.join(ALPHA_READINGS)}, got {alpha!r}")
    options = ReadOptions(slice_axis, empty_slices, cache_dir, images, masks, mask_pattern, merge_masks,
                          task == "multilabel", rle_order, label_field, unmasked_background,
                          task == "multiclass", tuple(bands) if bands is not None else None, side_by_side, frame)
    if not root.exists():
        raise DataError(f"dataset folder '{root}' does not exist")
    kind = irregular_kind(root)
    if kind not in (None, "a folder"):  # a FIFO is never opened: it would wait for a writer
        raise DataError(f"DATA '{root}' is {kind}: pass the dataset folder, or the file that lists or holds its pairs")
    # one listing for all: the cache's versions, the formats tried, the reading, and the subject and
    # source tables' searches
    with one_listing(root, cache_folder(cache_dir)):
        if kind == "a folder" and not options.names_folders:
            root = current_version(root)  # a download cache's current version, not every version it keeps
        with _unreadable_named(root):
            if root.is_dir() and not any(p for p in root.iterdir() if not p.name.startswith(".")):
                raise DataError(f"dataset folder '{root}' is empty")
            chosen = functools.partial(_choose_format, name=format, options=options)
            # a folder wrapping the dataset alone reads as the folder it wraps (MUSES' muses/); not where
            # --images, --masks or --mask-pattern name what lies under DATA itself
            root, fmt = (root, chosen(root)) if options.names_folders else read_inside_wrappers(root, chosen)
            classes, classes_path = _classes_of(root, classes_file)
            index = fmt.index(root, classes)
            shipped = side_files(root, MAX_DEPTH)  # as the annotation formats listed it: no walk of its own
        if not index.pairs:
            shown = "".join(f"\n  {p}" for p in index.problems[:5])
            raise DataError(f"no image/mask pairs found in '{root}' ({index.format} layout){shown}"
                            f"{_unpaired_hint(index, merge_masks)}")
        if resize_masks:
            index = resized_masks(index, cache_dir)
        index, stated_void = without_stated_void(index)
        if ignore_index is None and label_map is None and not instance_masks:
            ignore_index = stated_void  # ATLANTIS' README: 0 unlabelled, read as --ignore-index 0 would
        if mask_alpha:
            index = _read_by_alpha(index, classes)
        if instance_masks:
            voided = _void_regions(index.mapping)
            index = _objects(index, classes, label_map, ignore_index)
            ignore_index = index.ignore_index if label_map is not None or voided else ignore_index
        elif label_map is not None:
            index = _relabel(index, label_map, classes, ignore_index)
            ignore_index = index.ignore_index
        elif ignore_index == 0 and index.classes is None and type(index.mapping) is IdentityMapping \
                and task != "multilabel":
            index, ignore_index = _ignore_below_classes(index)
        elif ignore_index == 0 and isinstance(index.mapping, OffsetMapping) and index.classes is not None \
                and index.classes.ignore_index == -1:  # a known reading (LoveDA) ignores value 0 already, as label -1
            ignore_index = -1
        # packed or 0/255 masks: class_0...
        unnamed = index.classes is None or isinstance(index.mapping, ClassInstanceMapping) or unnamed_binary(index)
        if index.value_names is not None and unnamed and _keeps_values(label_map) and task != "multilabel":
            index = classes_from_value_names(index, ignore_index)
        if index.classes is not None:
            if ignore_index is None:
                ignore_index = index.classes.ignore_index
            index.classes = replace(index.classes, ignore_index=ignore_index)
        index.ignore_index = ignore_index
        index.mapping = keeping_ignored(index.mapping, ignore_index)  # a void 255 stays void, never object
        index = with_subjects(apply_task(index, task, classes_path, merge_masks))
        if (mixed := mixed_sources_problem(index)) is not None:
            index.problems.append(mixed)
    if fill_outlines:
        index = _filled_outlines(index)
    index.alpha_channel = _alpha_channel(index, alpha)
    index.no_data = no_data
    logger.info("%s: %s layout, %d pairs", root, index.format, len(index.pairs))
    say_pickled_splits(root, shipped)
    if merge_masks:
        _report_merged(index)
    if options.band_words is not None and not fmt.stacks_bands(root) \
            and not any(_reads_bands(p, options.band_words) for p in index.pairs):
        logger.warning("%s: --bands picks the band files of chip folders (<chip>/B02.tif, ...) or of samples "
                       "(<sample>_R.png, ...), or the datasets of an HDF5 file's sample groups (<uuid>/pre_fire, ...; "
                       "docs/data.md); no image of this %s layout is read from such files, so it changes nothing",
                       root, index.format)
    if frame is not None and index.frame is None:
        logger.warning("%s: --frame picks the frame read of band files that each hold a time series of their band "
                       "(Contrails' <record>/band_08.npy, H x W x 8; docs/data.md); no image of this %s layout is read "
                       "from such files, so it changes nothing", root, index.format)
    if unmasked_background and index.format not in ("folder-pairs", "manifest"):
        logger.warning("%s: --unmasked-background reads images without masks in folder-pairs layouts and manifests "
                       "only; this is a %s layout, so it changes nothing", root, index.format)
    return index


def discover_data(cfg: DataConfig) -> DatasetIndex:
    """`discover` with every reading option of the data section of a config.

    Training, evaluation, `seglab inspect` and the Python API all go through here, so a folder
    is read the same way by each of them; the config's pixel budget (`data.max_pixels`) becomes
    the budget of every reader in the process.

    Raises:
        ConfigError: no dataset path, or an unknown format.
        DataError: see `discover`.
    """
    if cfg.path is None:
        raise ConfigError("no dataset given: pass a DATA folder (or data.path in the config)")
    set_max_pixels(cfg.max_pixels)
    return discover(
        cfg.path, cfg.format, classes_file=cfg.classes_file, ignore_index=cfg.ignore_index,
        images=cfg.images, masks=cfg.masks, mask_pattern=cfg.mask_pattern, merge_masks=cfg.merge_masks,
        resize_masks=cfg.resize_masks, slice_axis=cfg.slice_axis, empty_slices=cfg.empty_slices,
        cache_dir=cfg.cache_dir, label_map=cfg.label_map,
        instance_masks=cfg.instance_masks, fill_outlines=cfg.fill_outlines, task=cfg.task, rle_order=cfg.rle_order,
        label_field=cfg.label_field, unmasked_background=cfg.unmasked_background, alpha=cfg.alpha,
        no_data=cfg.no_data, bands=cfg.bands, mask_alpha=cfg.mask_alpha, side_by_side=cfg.side_by_side,
        frame=cfg.frame,
    )


def _reads_bands(pair: Pair, bands: tuple[str, ...]) -> bool:
    """Whether a pair's channel files are the bands `--bands` names: a chip's (`b02`, ..., `b08`),
    or those of each date of a scene (`1_b02`, ..., `2_b08`: OSCD's `imgs_1_rect/`, `imgs_2_rect/`)."""
    names = channel_names(pair)
    return bool(names) and len(names) % len(bands) == 0 and all(
        name == band or name.endswith(f"_{band}") for name, band in zip(names, bands * (len(names) // len(bands))))


def _alpha_channel(index: DatasetIndex, alpha: str) -> bool:
    """Whether the dataset's images are read with their alpha as a channel: as `alpha` says, or
    for "auto" when an image's alpha holds data (`data_alpha_image`), logged once."""
    if alpha != "auto":
        return alpha == "channel"
    found = data_alpha_image([pair.image for pair in index.pairs])
    if found is not None:
        logger.info("%s: the alpha channel of images such as '%s' holds data (many values, not transparency): "
                    "every image's alpha is read as its last channel (--alpha drop drops it)", index.root, found)
    return found is not None


def _read_by_alpha(index: DatasetIndex, classes: ClassSpec | None) -> DatasetIndex:
    """`--mask-alpha`: every mask read by its alpha channel, whatever its RGB holds, logged once.

    Raises:
        ConfigError: a classes.json that does not name two classes.
    """
    if classes is not None and classes.num_classes != 2:
        raise ConfigError(f"--mask-alpha reads two classes (transparent 0, opaque 1), but the classes.json names "
                          f"{classes.num_classes}: {', '.join(classes.names)}; name two, or leave out --mask-alpha")
    logger.info("%s: masks read by their alpha channel (--mask-alpha): opaque pixels (alpha %d of 255 and up) "
                "class 1, transparent ones class 0", index.root, OPAQUE)
    if isinstance(index.mapping, AlphaMapping):
        return index
    kept = [p for p in index.problems if p.code not in ENCODING_CODES]
    return replace(index, mapping=AlphaMapping(), classes=classes or ALPHA_CLASSES, problems=kept)


def _keeps_values(label_map: Mapping[object, object] | None) -> bool:
    """Whether the mask values keep their numbers under `label_map`: none given, or one that only
    ignores values (VSPW's `255:ignore`, as inspect offers it), so a shipped table's names still fit."""
    return label_map is None or all(label in ("ignore", raw) for raw, label in parse_label_map(label_map).items())


def _relabel(
    index: DatasetIndex, label_map: Mapping[object, object], classes: ClassSpec | None, ignore_index: int | None
) -> DatasetIndex:
    """The index with a --label-map instead of the mapping (and classes) chosen from the masks."""
    if index.mapping.needs_rgb:
        raise ConfigError(f"data.label_map maps the values of label masks, but '{index.root}' has "
                          f"{index.mapping.label_map_route}")
    if ignore_index is None and classes is not None:
        ignore_index = classes.ignore_index
    mapping, ignore_index = label_map_encoding(label_map, ignore_index)
    kept = [p for p in index.problems if p.code not in ENCODING_CODES]
    return replace(index, mapping=mapping, classes=classes, problems=kept, ignore_index=ignore_index)


def _objects(
    index: DatasetIndex, classes: ClassSpec | None, label_map: Mapping[object, object] | None, ignore_index: int | None
) -> DatasetIndex:
    """`--instance-masks`: masks that number objects read as background (0) and object (any
    other value), whatever the number of objects per image; colour masks that colour each
    object (BBBC039) as background (black) and object (any other colour); stacks of 0/1
    channels, one per object (WGISD), as background (no channel on) and object (any).

    A --label-map of label masks maps the raw values first, to background (0), object (1) or
    ignore (OCID's `1:0`: its table is no object); the values it leaves are read as above.

    Raises:
        ConfigError: multi-label masks, a --label-map of other targets or of masks not read by
            their values, or a classes.json that does not name two classes.
    """
    relabel = _objects_label_map(index, label_map, ignore_index) if label_map is not None else None
    if index.mapping.multilabel:
        raise ConfigError(f"--instance-masks reads masks whose values number objects, but '{index.root}' has "
                          "multi-label masks")
    if classes is not None and classes.num_classes != 2:
        raise ConfigError(f"--instance-masks reads two classes (background, object), but the classes.json names "
                          f"{classes.num_classes}: {', '.join(classes.names)}")
    kept = [p for p in index.problems if p.code not in ENCODING_CODES]
    if index.mapping.needs_rgb:
        mapping: MaskMapping = ColouredObjectsMapping()
    elif isinstance(index.mapping, (OneHotMapping, ObjectChannelsMapping)):
        mapping = ObjectChannelsMapping()
    elif relabel is not None:
        mapping = ThresholdMapping(1, ignore_label=relabel.ignore_index, relabel=relabel.mapping.values)
        return replace(index, mapping=mapping, classes=classes or OBJECT_CLASSES, problems=kept,
                       ignore_index=relabel.ignore_index)
    elif voids := _void_regions(index.mapping):
        void = ignore_index if ignore_index is not None else index.mapping.void_label
        mapping = ThresholdMapping(1, ignore_label=void, relabel=tuple((v, void) for v in voids))
        return replace(index, mapping=mapping, classes=classes or OBJECT_CLASSES, problems=kept, ignore_index=void)
    else:
        mapping = ThresholdMapping(1)
    return replace(index, mapping=mapping, classes=classes or OBJECT_CLASSES, problems=kept)


def _void_regions(mapping: MaskMapping) -> tuple[int, ...]:
    """The raw values packed masks mark as no object at all (KITTI MOTS' 10000 ignore regions):
    `--instance-masks` keeps them void rather than count them as objects."""
    return mapping.void if isinstance(mapping, ClassInstanceMapping) else ()


@dataclass(frozen=True)
class _ObjectsRelabel:
    """A --label-map read before `--instance-masks`, and the ignore label it maps to."""

    mapping: LabelMapping
    ignore_index: int | None


def _objects_label_map(
    index: DatasetIndex, label_map: Mapping[object, object], ignore_index: int | None
) -> _ObjectsRelabel:
    """The --label-map given with `--instance-masks`, where the two say one thing: label masks
    whose raw values it maps to background (0), object (1) or ignore before the objects are read.

    Raises:
        ConfigError: masks read by colour or by channel, or a target that is neither.
    """
    if index.mapping.needs_rgb or index.mapping.multilabel or isinstance(index.mapping, (OneHotMapping, ObjectChannelsMapping)):
        raise ConfigError(f"--instance-masks and --label-map both say how mask values become classes, and "
                          f"'{index.root}' has no label masks whose values a label map could name; pass one")
    mapping, ignore = label_map_encoding(label_map, ignore_index)
    others = sorted({label for _, label in mapping.values if label not in (0, 1, ignore)})
    if others:
        raise ConfigError(f"--instance-masks reads two classes (background 0, object 1), but --label-map maps values "
                          f"to {', '.join(map(str, others))}; map values to 0, 1 or ignore (OCID's table: "
                          "--instance-masks --label-map 1:0), or leave out --instance-masks")
    return _ObjectsRelabel(mapping, ignore)


def _filled_outlines(index: DatasetIndex) -> DatasetIndex:
    """`--fill-outlines`: the masks read as they were, then each closed outline filled.

    Raises:
        ConfigError: multi-label masks, whose classes overlap and are read as bit sets.
    """
    try:
        mapping = FilledOutlineMapping(index.mapping, index.ignore_index)
    except ValueError as err:
        raise ConfigError(f"--fill-outlines on '{index.root}': {err}; leave out --fill-outlines or --task "
                          "multilabel") from None
    logger.info("%s: masks read with each closed outline filled (--fill-outlines)", index.root)
    return replace(index, mapping=mapping)


def _report_merged(index: DatasetIndex) -> None:
    """Say what `--merge-masks` merged, and refuse it where masks are not read as one label map.

    Raises:
        ConfigError: merged masks in a multi-label dataset.
    """
    merged = sum(1 for p in index.pairs if p.more_masks)
    if not merged:
        logger.warning("%s: --merge-masks: no image has more than one mask (%s layout), so nothing is merged",
                       index.root, index.format)
    elif index.mapping.reads_files:
        raise ConfigError(f"--merge-masks reads an image's masks as one class-index mask, but '{index.root}' is "
                          f"read as multi-label masks ({index.mapping.kind}); leave out --merge-masks or --task "
                          "multilabel")
    else:
        logger.info("%s: %d of %d images have several masks, each read as one (their pixelwise maximum)",
                    index.root, merged, len(index.pairs))


def _unpaired_hint(index: DatasetIndex, merge_masks: bool) -> str:
    """What to do about the unpaired files of a folder without pairs: Label Studio's brush export
    is read from its JSON export instead; JSON label files of the images' names are in no format
    seglab reads; when unpaired masks outnumber unpaired images several times, folder by folder,
    they are likely one file per object (the 2018 Data Science Bowl's `<id>/masks/*.png`), which
    only `--merge-masks` reads, offered unless it was passed."""
    route = label_studio_brush_route(p.path for p in index.problems) or unread_json_route(
        [p.related[0] for p in index.problems if p.code == "image-without-mask" and p.related
         and p.related[0].suffix == ".json"])
    if route or merge_masks:
        return f"\n{route}" if route else ""
    unpaired = Counter(p.code for p in index.problems)
    images, masks = unpaired["image-without-mask"], unpaired["mask-without-image"]
    if not images or masks < 3 * images:
        return ""
    return (f"\n{masks} masks for {images} images, none named after an image: if each is one object of an "
            "image (instance masks) in a mask folder of its own per image, pass --merge-masks to read each "
            "image's masks as one (their union)")


def _ignore_below_classes(index: DatasetIndex) -> tuple[DatasetIndex, int]:
    """`--ignore-index 0` on label masks whose classes are inferred: 0 marks no data (LoveDA), so
    it is no class and gets no model output. The classes are the values from 1 up, read as labels
    0.. as `--label-map 0:ignore,1:0,2:1,...` would; ignored pixels become -1, which no class uses."""
    logger.info("%s: ignore label 0 is the lowest mask value, not a class: values 1, 2, ... are classes 0, 1, ... "
                "and ignored pixels are label -1", index.root)
    return replace(index, mapping=OffsetMapping(1)), -1


@contextmanager
def _unreadable_named(root: Path) -> Iterator[None]:
    """A file of the dataset (or the dataset folder itself) that may not be read, wherever a reader
    opens it (PermissionError), is a DataError naming it and the route, not a traceback; a folder
    below that may not be listed is passed over instead (`folder_listing.passed_over`)."""
    try:
        yield
    except PermissionError as err:
        where = err.filename or root
        raise DataError(f"'{where}' in the dataset folder '{root}' cannot be read ({err.strerror}): give read "
                        f"permission (chmod -R u+rX {shlex.quote(str(where))}) or move it out") from None


def _classes_of(root: Path, classes_file: str | None) -> tuple[ClassSpec | None, Path | None]:
    """The classes `classes_file` declares, else the dataset folder's classes.json if it has one,
    and the file read; None and None without either.

    Raises:
        DataError: a missing or bad classes file (a folder named classes.json too: refused, not passed over).
    """
    folder = root if root.is_dir() else root.parent
    path = Path(classes_file) if classes_file is not None else folder / "classes.json"
    if classes_file is None and not path.exists():
        return None, None
    return load_classes_file(path), path


def _choose_format(root: Path, name: str, options: ReadOptions) -> DatasetFormat:
    # of a file, --images and --masks pick the columns of a manifest; no other flag names folders in one
    if root.is_file() and (options.names_folders and not options.names_folders_only
                           or name not in ("auto", *_file_formats())):
        raise _a_file(root)
    if options.image_half is not None:
        return _side_by_side(root, name, options)
    if options.names_folders:
        both = options.images is not None and options.masks is not None
        picking = [n for n in (_file_formats() if root.is_file() else FORMATS.names())
                   if FORMATS.get(n).picks_folders and options.names_folders_only
                   or FORMATS.get(n).pairs_by_pattern and both]
        if name not in ("auto", "folder-pairs", *picking):
            raise ConfigError(f"--images, --masks and --mask-pattern need the folder-pairs layout, not '{name}'"
                              + (f" (--images and --masks: also {', '.join(picking)})" if picking else ""))
        folders = () if root.is_file() else ("folder-pairs",)
        for candidate in (*picking, *folders) if name == "auto" else (name,):
            fmt: DatasetFormat = FORMATS.get(candidate)(options)
            if fmt.detect(root):
                return fmt
        if root.is_file():
            raise _a_file(root)
        raise DataError(f"no image/mask folders in '{root}' fit the given folders or pattern{what_was_seen(root)}")
    if name != "auto":
        try:
            fmt = FORMATS.get(name)(options)
        except UnknownNameError as err:
            raise UnknownNameError(f"{err} (for dataset '{root}'), or 'auto'") from None
        if not fmt.detect(root):
            raise DataError(f"'{root}' does not look like the {name} layout: expected {fmt.layout}")
        return fmt
    names = _file_formats() if root.is_file() else FORMATS.names()
    formats = sorted(((n, FORMATS.get(n)(options)) for n in names), key=lambda named: named[1].priority)
    if (found := _detected(root, formats)) is not None:
        return found[1]
    if root.is_file():
        raise _a_file(root)
    refuse_sibling_datasets(root, lambda folder: (_detected(folder, formats) or (None,))[0])
    looked = "".join(f"\n  {n}: {FORMATS.get(n).layout}" for n in FORMATS.names())
    # what was found first: behind the 45 layouts' lines it was read last, if at all
    raise DataError(f"no known dataset layout in '{root}'{what_was_seen(root)}\nlayouts looked for:{looked}")


def _detected(root: Path, formats: Sequence[tuple[str, DatasetFormat]]) -> tuple[str, DatasetFormat] | None:
    """The first of `formats` (name, layout; in priority order) that reads `root`, not stepping aside."""
    return next(((n, f) for n, f in formats if f.detect(root) and not f.steps_aside(root)), None)


def _side_by_side(root: Path, name: str, options: ReadOptions) -> DatasetFormat:
    """The side-by-side layout `--side-by-side` asks for: the pictures under `root`, each cut in two.

    Raises:
        ConfigError: another layout, or image and mask folders named (the halves are both in one file).
        DataError: a file under `root` that is no picture twice as wide as high, or none at all.
    """
    if name not in ("auto", "side-by-side"):
        raise ConfigError(f"--side-by-side reads the side-by-side layout, not '{name}'; leave out one of them")
    if options.names_folders:
        raise ConfigError("--side-by-side cuts every picture under DATA into its image and its mask; leave out "
                          "--images, --masks and --mask-pattern, and pass the folder of the pictures to read as DATA")
    pictures = [p for folder in walk(root) for p in folder.files]
    odd = not_twice_as_wide(pictures)
    if odd is not None or not pictures:
        raise DataError(f"--side-by-side reads pictures twice as wide as high, each an image and its mask side by "
                        f"side, but {f'{odd} is not one' if odd is not None else f'there are none in {root}'}: move "
                        "other files out, or pass the folder of those pictures as DATA")
    return FORMATS.get("side-by-side")(options)


def _file_formats() -> list[str]:
    return [n for n in FORMATS.names() if FORMATS.get(n).reads_file]


def _a_file(root: Path) -> DataError:
    return DataError(f"dataset path '{root}' is a file, not a folder: pass the folder holding the dataset "
                     f"('{root.parent}'), or one file that lists it all: a manifest of pairs (.csv, .tsv, .json, "
                     ".jsonl), a COCO, CVAT, Label Studio or VIA export, a SageMaker Ground Truth output.manifest, or a "
                     "run-length table")
