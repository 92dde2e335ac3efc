"""Class names a dataset ships in files beside its images and masks, and where such files are kept."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from seglab.data.classes import (
    ARFF_GLOB,
    CLASS_DICT_GLOB,
    COLOUR_JSON_NAME,
    COLOUR_MAP_GLOB,
    COLOUR_TABLE_GLOB,
    CVAT_LABELMAP,
    DATUMARO_META,
    NAME_LIST_FILES,
    ONTOLOGY_FILE,
    ClassSpec,
    ValueNames,
    classes_from_class_dict,
    classes_from_colour_csv,
    classes_from_colour_map,
    classes_from_colour_names,
    classes_from_dataset_meta,
    classes_from_labelmap,
    dataset_json_classes,
    fitted_to_masks,
    value_names_from_arff,
    value_names_from_colour_lut,
    value_names_from_csv,
    value_names_from_cvat_xml,
    value_names_from_label_json,
    value_names_from_list,
    value_names_from_numbered_lines,
    value_names_from_ontology,
    value_names_from_readme,
    value_names_from_stac,
)
from seglab.data.classes.frame_labels import classes_from_frame_labels, frame_label_tables
from seglab.data.classes.readme_colours import classes_from_readme, readme_files
from seglab.data.files.ilastik_projects import ILASTIK_PROJECT_GLOB, value_names_from_ilastik_project
from seglab.data.discovery.folders import METADATA_FILES, FolderSearch
from seglab.data.encodings.value_classes import binary_names
from seglab.data.layouts.multilabel import named_in_order
from seglab.errors import DataError
from seglab.data.files.folder_listing import matching, side_entries

logger = logging.getLogger(__name__)
TableReader = Callable[[Path], ValueNames | None]


@dataclass(frozen=True)
class ShippedClasses:
    """What the class files a dataset ships say (`_shipped_classes`): its classes and the file
    read, or the names of its mask values that an nnU-Net dataset.json with gaps in its ids
    declares (`dataset_json_classes`), which `_shipped_value_names` takes; neither when none says."""

    classes: ClassSpec | None = None
    path: Path | None = None
    value_names: ValueNames | None = None


def _shipped_classes(root: Path, found: FolderSearch) -> ShippedClasses:
    """Class names the dataset ships: nnU-Net's dataset.json beside imagesTr/ (read once: the
    classes, or the names of its values when its ids leave gaps), or a `class_dict*.csv` (name,
    r, g, b), CVAT's `labelmap.txt`, Datumaro's `dataset_meta.json`, a JSON of names and colours
    (A2D2's `class_list.json`, EndoVis 2018's `labels.json`), a renderer's colour table per frame
    (Omniverse Replicator's `semantic_segmentation_labels_0000.json`, ...), RUGD's `*colormap*.txt` (id name r g b), another CSV of names
    and colours (VIPER's `classes.csv`) or, last, a README listing names beside `#rrggbb` codes
    (comma10k's) or r, g, b numbers (SemCity Toulouse's README.txt) in the folders
    `metadata_folders` lists; with the file read."""
    known = _dataset_json(root, found)
    if known is not None:
        classes, value_names = dataset_json_classes(known)
        return ShippedClasses(classes, known if classes is not None else None, value_names)
    for folder in metadata_folders(root, found):
        tables = [*((classes_from_class_dict, p) for p in sorted(matching(folder, CLASS_DICT_GLOB))),
                  (classes_from_labelmap, folder / CVAT_LABELMAP),
                  (classes_from_dataset_meta, folder / DATUMARO_META),
                  *((classes_from_colour_names, p) for p in sorted(matching(folder, "*.json"))
                    if COLOUR_JSON_NAME.search(p.name) and p.name.lower() not in METADATA_FILES),
                  *((classes_from_frame_labels, p) for p in frame_label_tables(side_entries(folder))),
                  *((classes_from_colour_map, p) for p in sorted(matching(folder, COLOUR_MAP_GLOB))),
                  *((classes_from_colour_csv, p) for p in sorted(matching(folder, "*.csv")) if not p.match(CLASS_DICT_GLOB)),
                  *((classes_from_readme, p) for p in readme_files(side_entries(folder)))]
        for read, path in tables:
            classes = read(path) if path.is_file() else None
            if classes is not None:
                logger.info("class names and colours from '%s' (%d classes%s)", path, classes.num_classes,
                            f"; {len(classes.void_colours)} void colour ignored" if classes.void_colours else "")
                return ShippedClasses(classes, path)
    return ShippedClasses()


def listed_namings(folders: Sequence[Path], namings: Sequence[str]) -> tuple[str, ...] | None:
    """`namings` (a mask file per class, `class_namings`) in the order of the first list of a name
    a line in `folders` (the dataset's `metadata_folders`) that names exactly their classes
    (`named_in_order`: EDD2020's `class_list.txt`); None when none does, the namings then in name
    order. Lists that cannot be read are passed over: any text file may be tried."""
    for path in (p for folder in folders for p in sorted(matching(folder, "*.txt"))):
        try:
            listed = value_names_from_list(path)
        except DataError as err:
            logger.debug("passed over while ordering the class namings: %s", err)
            continue
        ordered = named_in_order(namings, list(listed.names.values())) if listed is not None else None
        if ordered is not None:
            logger.info("the order of the %d classes (a mask file per class) from '%s'", len(ordered), path)
            return ordered
    return None


def _dataset_json(root: Path, found: FolderSearch) -> Path | None:
    """nnU-Net's dataset.json in `root` or beside an image folder (imagesTr/), if there is one."""
    beside = [root, *dict.fromkeys(m.image_dir.parent for m in found.matches)]
    return next((path for path in (f / "dataset.json" for f in beside) if path.is_file()), None)


def _shipped_value_names(root: Path, found: FolderSearch, declared: ValueNames | None,
                         values: Collection[int]) -> ValueNames | None:
    """Names of the mask values: `declared`, those of a dataset.json whose label ids leave gaps
    (`ShippedClasses.value_names`), else from the first table `value_names_in` reads in the
    folders `metadata_folders` lists, the JSON of the labels' version first (Mapillary's
    v2.0/labels/); read against the `values` the label masks sampled to choose their encoding
    hold (`DatasetIndex.mask_values`) where those decide (`ValueNames.read_by_masks`: a list of
    names alone whose first is no background, a table from 1 beside its reduced copy), `values`
    empty for masks not read as they are.

    Raises:
        DataError: the table found above some mask folders names their values otherwise than one
            above others does (MVTec LOCO AD's `defects_config.json` per category: each numbers its
            own defects), naming both and the folder to pass.
    """
    names = declared or _one_table(root, found)
    if names is None or not names.read_by_masks:
        return names
    return fitted_to_masks(names, values)


def _one_table(root: Path, found: FolderSearch) -> ValueNames | None:
    """The first table `value_names_in` reads in the folders `metadata_folders` lists; one of a
    subtree (not above every mask folder) only where the other subtrees' tables name the values
    alike (`_shipped_value_names` raises otherwise)."""
    versions = {m.mask_dir.parent.name for m in found.matches}
    tables = (table for folder in metadata_folders(root, found) if (table := value_names_in(folder, versions)))
    names = next(tables, None)
    if names is None or names.path.parent in _shared_folders(root, found):
        return names
    for other in tables:  # a table of one subtree: the others' must name the values alike
        if other.names != names.names:
            shown = (path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
                     for path in (names.path, other.path))
            raise DataError(f"'{root}': {' and '.join(shown)} name the mask values otherwise (value "
                            f"{_first_difference(names, other)}): each numbers the classes of the masks below its "
                            f"folder its own way; pass one such folder as DATA (e.g. {names.path.parent})")
    return names


def _first_difference(names: ValueNames, other: ValueNames) -> str:
    """The first value two tables name otherwise, with both names: `240: unnamed or 'contamination'`."""
    value = min(v for v in {*names.names, *other.names} if names.names.get(v) != other.names.get(v))
    return f"{value}: " + " or ".join(repr(table.names[value]) if value in table.names else "unnamed"
                                      for table in (names, other))


def binary_value_names(root: Path, found: FolderSearch) -> ValueNames | None:
    """Names of 0/255 masks' two classes: the first table of the folders `metadata_folders` lists
    that `binary_names` reads (a hand-written classes.txt of `0 background` and `1 weed`). Tables
    that cannot be read or name other values are passed over, never refused: such masks read well
    without names, and a folder of them often holds other tables (HAM10000's metadata in Latin-1)."""
    for folder in metadata_folders(root, found):
        for read, path in _value_tables(folder):
            try:
                names = read(path)
            except DataError as err:
                logger.debug("passed over while naming 0/255 masks: %s", err)
                continue
            if names is not None and binary_names(names) is not None:
                return names
    return None


def value_names_in(folder: Path, versions: Collection[str] = ()) -> ValueNames | None:
    """Names of the mask values from the first of `_value_tables` in `folder` that names them. A
    file that cannot be read as a table is passed over, said in the log (any .txt is tried: a
    README in a code page of its own beside labels.txt); its error is raised only where no other
    table names the values and its name says it is a class table (`_names_classes`).

    Raises:
        DataError: such a class table cannot be read, naming it.
    """
    names: ValueNames | None = None
    unread: dict[Path, DataError] = {}
    for read, path in _value_tables(folder, versions):
        if path in unread:
            continue
        try:
            names = read(path)
        except DataError as err:
            unread[path] = err
            continue
        if names is not None:
            break
    refused = next((err for path, err in unread.items() if _names_classes(path)), None)
    if names is None and refused is not None:
        raise refused
    for err in unread.values():
        logger.info("passed over while naming the mask values: %s", err)
    return names


_ANY_TEXT = (".txt", ".csv", ".tsv", ".json")  # tried whatever their name (`_value_tables`)


def _names_classes(path: Path) -> bool:
    """Whether a file is a table of classes by its kind (ontology.yaml, a .ctbl) or, being any
    text, by its name (classes.csv, labels.txt, codes.txt; no README, no metadata.csv)."""
    return (path.suffix.lower() not in _ANY_TEXT or bool(COLOUR_JSON_NAME.search(path.name))
            or path.name.lower() in NAME_LIST_FILES)


def _value_tables(folder: Path, versions: Collection[str] = ()) -> list[tuple[TableReader, Path]]:
    """The tables in `folder` that may name the mask values, with their readers, in the order they
    are tried: CSVs or TSVs with a name and an index column (ADE20K's objectInfo150.csv, BCSS's
    gt_codes.tsv), text tables (FreeSurfer's colour look-up table, ITK-SNAP's labels.txt; a
    classes.txt written by hand as `0 background` lines), then lists of a name a line (labelme2voc's
    class_names.txt, PaddleSeg's labels.txt, fastai's codes.txt), 3D Slicer's colour tables
    (`.ctbl`), JSONs with a "labels" list (Mapillary's config_v2.0.json, those naming one of
    `versions` first: its config_v1.2.json and config_v2.0.json), STAC label collections or items
    (AgriFieldNet's `label:classes`), RELLIS-3D's ontology.yaml, CVAT for images exports of any
    name (AI Hub's `Surface_1/Surface_1.xml` beside `Surface_1/MASK/`), ilastik projects (`.ilp`: the labels
    its Simple Segmentation exports number), Weka ARFFs (Trainable Weka Segmentation's data.arff: the
    classes its classified images number); last, the README's text (AI4Mars' `Labels: 0 soil,
    1 bedrock, ...`; ATLANTIS' `0 unlabelled`), which tables come before."""
    jsons = sorted(matching(folder, "*.json"), key=lambda p: not any(v in p.stem for v in versions))
    return [*((value_names_from_csv, p) for p in sorted([*matching(folder, "*.csv"), *matching(folder, "*.tsv")])),
            *((read, p) for p in sorted(matching(folder, "*.txt"))  # ITK-SNAP's labels.txt too: one name, two forms
              for read in (value_names_from_csv, value_names_from_numbered_lines, value_names_from_colour_lut)),
            *((value_names_from_colour_lut, p) for p in sorted(matching(folder, COLOUR_TABLE_GLOB))),
            *((value_names_from_list, folder / n) for n in NAME_LIST_FILES if (folder / n).is_file()),
            *((read, p) for read in (value_names_from_label_json, value_names_from_stac)
              for p in jsons if p.name.lower() not in METADATA_FILES),
            *((value_names_from_ontology, folder / n) for n in (ONTOLOGY_FILE,) if (folder / n).is_file()),
            *((value_names_from_cvat_xml, p) for p in sorted(matching(folder, "*.xml"))),
            *((value_names_from_ilastik_project, p) for p in sorted(matching(folder, ILASTIK_PROJECT_GLOB))),
            *((value_names_from_arff, p) for p in sorted(matching(folder, ARFF_GLOB))),
            *((value_names_from_readme, p) for p in readme_files(side_entries(folder)))]


def metadata_folders(root: Path, found: FolderSearch) -> list[Path]:
    """Where a dataset keeps files about its classes: `_shared_folders`, then those down to each
    mask folder (EndoVis 2018's release folders over their seq_N/labels/) and the mask folder itself."""
    top = Path(os.path.abspath(root))
    beside = [d for m in found.matches for d in (*_down_to(root, top, m.mask_dir.parent), m.mask_dir)]
    return list(dict.fromkeys([*_shared_folders(root, found), *beside]))


def _shared_folders(root: Path, found: FolderSearch) -> list[Path]:
    """The folders above every image and mask folder: the dataset folder and those down to the
    one holding them all (ADEChallengeData2016/ over images/ and annotations/, A2D2's
    camera_lidar_semantic/ over one sequence's)."""
    dirs = [d for m in found.matches for d in (m.image_dir, m.mask_dir)]
    # absolute: --images/--masks given relative to the working folder, DATA left out (or the reverse)
    common = Path(os.path.commonpath([os.path.abspath(d) for d in dirs])) if dirs else None
    top = Path(os.path.abspath(root))
    between = _down_to(root, top, common) if common is not None and common.is_relative_to(top) else []
    return list(dict.fromkeys([root, *between]))


def _down_to(root: Path, top: Path, folder: Path) -> list[Path]:
    """The folders below `root` (`top` its absolute path) down to `folder`, as paths under `root`;
    a folder not below it (--masks outside DATA, or DATA itself holding the masks) alone."""
    below = Path(os.path.abspath(folder))
    if below == top or not below.is_relative_to(top):
        return [folder]
    down = below.relative_to(top).parts
    return [root.joinpath(*down[:k]) for k in range(1, len(down) + 1)]
