"""Dataset layouts on disk: `DatasetFormat`, the registry of them (`FORMATS`), and the reading
options some of them use.

Each format knows how to recognise its layout (`detect`) and list its pairs (`index`);
`discover` (`data.layouts.discover`) picks the format, applies classes.json and the ignore label,
and refuses folders without pairs. Adding a layout is one registered class (folder-pairs, the
common one, is `data.layouts.folder_pairs`); one whose detect and index read the same search
of a folder subclasses `FindingFormat`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from seglab.data.classes import ClassSpec
from seglab.data.discovery.naming import KEY_RULES, KeyRule, template_rules
from seglab.data.files.halves import HALVES
from seglab.data.files.index import DatasetIndex
from seglab.data.files.volumes import slice_axis
from seglab.errors import ConfigError
from seglab.registry import Registry

__all__ = ["FORMATS", "DatasetFormat", "FindingFormat", "ReadOptions"]

_Found = TypeVar("_Found")


@dataclass(frozen=True)
class ReadOptions:
    """Reading options that only some layouts use (volume formats cut slices; 2-D ones ignore them).

    Args:
        slice_axis: the plane volumes are cut in: "axial", "coronal" or "sagittal" (RAS axes).
        empty_slices: share of label-free slices kept, 0..1 (1 keeps all).
        cache_dir: folder for cut slices; None = the default cache folder.
        images, masks, mask_pattern: the image and mask folders and the mask naming, when the
            user names them (folder-pairs; see `discover`).
        merge_masks: an image's several masks are read as one (folder-pairs; see `discover`).
        multilabel: `--task multilabel`: mask folders of one class each under --masks are combined
            (folder-pairs; IDRiD's lesion folders), so are the masks of several namings beside an
            image (ISIC 2018 Task 2's `_attribute_<class>`), a run-length table's classes are channels.
        multiclass: `--task multiclass`: the class folders of one folder named for masks are
            combined as the classes of one class-index mask (folder-pairs; Agriculture-Vision's
            `labels/<class>/`).
        rle_order: the pixel order of run-length tables: "auto", "column" or "row" (rle-table).
        label_field: the attribute of vector labels that names a feature's class (geojson:
            OSM's `landuse`); None: a class-like attribute, else the folder's or layer's name. In
            a COCO file of several levels of categories, the level's field (`category_id_1`);
            None: the last.
        unmasked_background: images without a mask are defect-free: each reads as an
            all-background mask (folder-pairs; MVTec AD's `good/`, DAGM; see `unmasked`).
        bands: the band files read from each chip folder of band files, in this order (`--bands
            B02,B03,B04,B08`; folder-pairs, `folders.band_chips`), or the datasets of an HDF5 file's
            sample groups (`--bands pre_fire,post_fire`; array-stack, `sample_groups`), or of each
            sample's band files (`--bands R,G,NIR`; `band_files`); None: those most chips hold, the
            datasets every group holds, every band of a sample.
        image_half: the half of each picture holding the image, "left" or "right", in pictures of
            an image and its mask side by side (`--side-by-side`; the side-by-side layout, pix2pix's
            datasets); None: told from the pictures.
        frame: the frame read of band files that each hold a time series of their band (`--frame`;
            folder-pairs, `folders.chip_frames`: Contrails' `band_08.npy`, (H, W, 8)); None: the middle one.

    Raises:
        ConfigError: an unknown axis or a share outside 0..1, fewer than two bands or one twice,
            an image half other than left or right, a negative frame.
    """

    slice_axis: str = "axial"
    empty_slices: float = 1.0
    cache_dir: str | None = None
    images: str | None = None
    masks: str | None = None
    mask_pattern: str | None = None
    merge_masks: bool = False
    multilabel: bool = False
    rle_order: str = "auto"
    label_field: str | None = None
    unmasked_background: bool = False
    multiclass: bool = False
    bands: tuple[str, ...] | None = None
    image_half: str | None = None
    frame: int | None = None

    def __post_init__(self) -> None:
        slice_axis(self.slice_axis)  # raises ConfigError for an unknown plane
        if not 0 <= self.empty_slices <= 1:
            raise ConfigError(f"data.empty_slices is the share of label-free slices kept, 0 to 1; "
                              f"got {self.empty_slices}")
        if self.bands is not None and (len(self.band_words) < 2 or len(set(self.band_words)) < len(self.bands)):
            raise ConfigError(f"data.bands (--bands) names two or more bands of a chip folder, each once, e.g. "
                              f"B02,B03,B04,B08; got {','.join(self.bands)} (a model of one band reads a folder of "
                              "such files: --images)")
        if self.image_half not in (None, *HALVES):
            raise ConfigError(f"data.side_by_side (--side-by-side) names the half of each picture that holds the "
                              f"image: {' or '.join(HALVES)}; got {self.image_half!r}")
        if self.frame is not None and self.frame < 0:
            raise ConfigError(f"data.frame (--frame) is the frame read of band files holding a time series, counted "
                              f"from 0; got {self.frame}")

    @property
    def band_words(self) -> tuple[str, ...] | None:
        """`bands` as file names' words are compared: lower case (`b8a`)."""
        return None if self.bands is None else tuple(band.strip().lower() for band in self.bands)

    @property
    def names_folders(self) -> bool:
        """Whether the user named the image/mask folders or the mask naming (folder-pairs, and
        without a naming the layouts that `picks_folders`)."""
        return self.images is not None or self.masks is not None or self.mask_pattern is not None

    @property
    def names_folders_only(self) -> bool:
        return (self.images is not None or self.masks is not None) and self.mask_pattern is None

    @property
    def key_rules(self) -> tuple[KeyRule, ...]:
        """The name rules that pair files: the `mask_pattern`'s, or all of `KEY_RULES`.

        Raises:
            ConfigError: a pattern that is neither a {stem} template nor a regex with a group.
        """
        if self.mask_pattern is None:
            return KEY_RULES
        try:
            return template_rules(self.mask_pattern)
        except ValueError as err:
            raise ConfigError(str(err)) from None


class DatasetFormat:
    """A dataset layout: recognise it and list its pairs.

    Subclasses set `layout` (one line shown when auto-detection fails) and `priority`
    (lower is tried first, so specific layouts win over generic ones).
    """

    layout: ClassVar[str] = ""
    priority: ClassVar[int] = 100
    # whether `--images` and `--masks` (without --mask-pattern) pick among this layout's image
    # and label folders, as for folder-pairs (SpaceNet's MUL/ or RGB-PanSharpen/ for GeoJSON labels)
    picks_folders: ClassVar[bool] = False
    # whether `--images` and `--masks` with `--mask-pattern` pair this layout's files as folder-pairs' (volumes)
    pairs_by_pattern: ClassVar[bool] = False
    # whether DATA may be one file of this layout (a manifest, a COCO JSON, a run-length table)
    reads_file: ClassVar[bool] = False

    def __init__(self, options: ReadOptions | None = None) -> None:
        self.options = options or ReadOptions()

    def detect(self, root: Path) -> bool:
        """Whether `root` looks like this layout (cheap: folder names only)."""
        raise NotImplementedError

    def stacks_bands(self, root: Path) -> bool:
        """Whether the layout read `--bands` as the channels of its images where no pair's files
        name them (the array-stack format's HDF5 sample groups: ChaBuD's `pre_fire,post_fire`)."""
        return False

    def steps_aside(self, root: Path) -> bool:
        """Whether auto-detection leaves a folder this layout fits to another one that fits it too
        and is its default reading (`--format` still chooses this one)."""
        return False

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        """List pairs, unlabelled images and problems; `classes` comes from classes.json."""
        raise NotImplementedError


class FindingFormat(DatasetFormat, Generic[_Found]):
    """A layout told by what one search of the dataset folder finds (its export files, its lists,
    its folders), which `index` reads again: `find` runs once per root and format object, and
    the layout is there where it found something (a finding that is not empty, None or false)."""

    def __init__(self, options: ReadOptions | None = None) -> None:
        super().__init__(options)
        self._found: dict[Path, _Found] = {}

    def find(self, root: Path) -> _Found:
        """What the layout is read from under `root`; empty (or None) where it is not there."""
        raise NotImplementedError

    def found(self, root: Path) -> _Found:
        """`find(root)`, searched once: detect and index read the same finding."""
        if root not in self._found:
            self._found[root] = self.find(root)
        return self._found[root]

    def detect(self, root: Path) -> bool:
        return bool(self.found(root))


FORMATS: Registry[type[DatasetFormat]] = Registry("dataset format")
