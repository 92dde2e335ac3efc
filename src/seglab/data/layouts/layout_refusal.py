"""What a refusal says when no dataset layout fits a folder: the folders of images it holds
(and those too deep to search), the folders of volumes in no volume layout, the files in formats
seglab does not read, the archives and containers it does not open (`unread_containers`), an
annotation tool's export that no layout pairs, and the flags that pair by hand. A user told only
"no layout" cannot act.
"""

from __future__ import annotations

import os
import re
import shlex
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

from seglab.data.discovery.folders import (MAX_DEPTH, NAMED_DEPTH, Folder, deeper_image_folders, folders_within,
                                           looks_unlike_masks, search_folders, walk)
from seglab.data.discovery.folders.content import masks_alone
from seglab.data.discovery.naming import (KEY_RULES, looks_like_image_folder, looks_like_mask_folder, stem,
                                          template_rules)
from seglab.data.discovery.naming.mask_patterns import fixed_name_rule, pattern_for
from seglab.data.discovery.pairing import folder_label, names_labels
from seglab.data.discovery.pairs_csv import pairs_csv_route
from seglab.data.files.dicom import DICOM_SUFFIX, dicom_files, is_series
from seglab.data.files.hdf5_contents import holds_hdf5
from seglab.data.files.index import MASK_SUFFIXES, list_images
from seglab.data.files.io import IMAGE_SUFFIXES
from seglab.data.files.mat_files import MAT_SUFFIX
from seglab.data.files.point_text import POINT_TEXT, holds_points
from seglab.data.files.video_frames import VIDEO_SUFFIXES
from seglab.data.files.volumes import ANALYZE_SUFFIX, VOLUME_SUFFIXES, analyze_data_file
from seglab.data.layouts.apart_folders import apart_routes
from seglab.data.layouts.folder_pairs.named_folders import _named_pair
from seglab.data.layouts.hdf5_elsewhere import hdf5_route
from seglab.data.layouts.hdf5_tables import image_count_line
from seglab.data.layouts.manifest_columns import manifest_route
from seglab.data.layouts.raw_volumes import headerless_raw_line
from seglab.data.layouts.side_by_side_pictures import side_by_side_route
from seglab.data.layouts.unread_containers import container_lines, is_container
from seglab.data.layouts.unread_labels import unread_label_files, unread_labels_line
from seglab.data.layouts.volume_format.named_folders import named_folders_layout
from seglab.errors import DataError

_POINT_SUFFIXES = (".pfs", ".pts")  # landmark points: SCR's JSRT contours, ASM/AAM shape files
_POINT_FILES = ("landmark point lists (contours), not images or masks: seglab reads no points; leave them aside "
                "where masks ship beside them, else draw each file's points as a polygon into a mask named as its "
                "image (PIL's ImageDraw.polygon), in a folder of their own, and pass --masks with that folder")
# polyline tracings: RootNav 2.0's RSML roots (<polyline><point x= y=/>), SWC neurite trees (x y z radius parent)
_TRACING_SUFFIXES = (".rsml", ".swc")
_TRACING_FILES = ("tracings, polylines (roots, neurites), not images or masks: seglab reads no tracings; draw each "
                  "file's polylines into a mask named as its image (PIL's ImageDraw.line, as wide as the structure), "
                  "in a folder of their own, and pass --masks with that folder")
_VIDEO_FILES = ("videos: the video-tracings layout reads their traced frames beside a table of the outlines "
                "(EchoNet-Dynamic's VolumeTracings.csv: FileName,X1,Y1,X2,Y2,Frame; docs/data.md), else save the "
                "frames to label as images (ffmpeg -i clip.avi frames/clip_%04d.png)")
_POINT_TEXT_FILES = ("outlines, a point a line, that pair with no image: the contour-text layout reads each as the "
                     "outline of the image whose name or number it carries (images/image_001.jpg ~ "
                     "anotExpert1_001.txt, IM-0001-0048.dcm ~ IM-0001-0048-icontour-manual.txt): name each file after "
                     "its image, or with its number, within four folder levels of it")
_ROI_SUFFIX = ".roi"  # Fiji/ImageJ ROI Manager outlines, unzipped from a set
_ROI_FILES = ("ImageJ ROIs that pair with no image: the imagej-roi layout reads each image's ROIs zipped beside it "
              "as <stem>_RoiSet.zip (Fiji's ROI Manager > More > Save...), or one ROI as <stem>.roi: zip each image's "
              "ROIs again (zip nuclei_00_RoiSet.zip *.roi) beside the image")
# label-studio-converter's names of a brush region's mask ("Brush labels to PNG" / "to NumPy" exports)
_LABEL_STUDIO_BRUSH = re.compile(r"task-\d+-annotation-\d+-by-.+\.(png|npy)", re.IGNORECASE)
_Listing = list[tuple[Path, list[str]]]  # each folder four levels deep at most, and its file names
FOLDERS_SHOWN = 12  # folders with images listed when no layout is found
_UNREAD_MIN = 3  # files of one unread suffix in a folder that are worth a line
_READ_OR_METADATA = (*MASK_SUFFIXES, *VOLUME_SUFFIXES, ".gz", ".h5", ".hdf5", ".hdf", ".json", ".geojson", ".xml",
                     ".csv", ".tsv", ".txt", ".md", ".yaml", ".yml", ".cfg", ".ini", ".pdf", ".html", ".py", ".ipynb",
                     ".sh", ".gpkg", ".shp", ".shx", ".dbf", ".prj", ".cpg", ".qmd", ".raw", ".zraw",
                     ".nhdr", ".log", ".pkl", ".pth", ".pt", ".safetensors", ".onnx")


def what_was_seen(root: Path) -> str:
    """The folders with images that were found, and the flags that pair them by hand."""
    seen = [f for f in walk(root) if f.files]
    listed = "".join(f"\n  {(f.path.relative_to(root).as_posix() or '.')}/: {image_count_line(f.files)}"
                     for f in seen[:FOLDERS_SHOWN])
    if len(seen) > FOLDERS_SHOWN:
        listed += f"\n  ... and {len(seen) - FOLDERS_SHOWN} more folders"
    deeper = deeper_image_folders(root)
    too_deep = _too_deep(root, deeper, not seen) if deeper else ""
    if seen:
        found = f"\nfolders with images:{listed}" + (f"\n  ({too_deep})" if deeper else "")
        found += "".join(f"\n  image and mask folders at one place below the folders named for them: {route}"
                         for route in apart_routes(seen))
        halves = side_by_side_route(seen)
        found += f"\n  {halves}" if halves else ""
        found += ("\n  every folder listed holds label masks (a few values each) and none a photo: masks whose images "
                  "are not here, as where a dataset ships its images as a download of their own (DSEC-Semantic's "
                  "labels, its frames in each sequence's images archive): download the images, unpack them beside "
                  "the masks and name both: --images DIR --masks DIR") if masks_alone(seen) else ""
    elif deeper:  # Dark Zurich's <zip>/rgb_anon/<split>/<condition>/<sequence>/: the images are there, only deep
        found = f"\nno image files within {MAX_DEPTH} levels: the images lie deeper\n  ({too_deep})"
    else:
        found = "\nno image files found (PNG, JPEG, WebP, TIFF, BMP, GIF, PPM/PGM/PBM, .npy, .npz, .h5)"
    found += _fixed_mask_route(root, {f.path: f.files for f in seen} | {d: list_images(d) for d in deeper})
    brushes = label_studio_brush_route(p for f in seen for p in f.files)
    found += f"\n  {brushes}" if brushes else ""
    listing = [(folder, files) for folder, _, files in folders_within(root, MAX_DEPTH)]  # one walk serves each look
    found = _images_alone_line(root, seen, listing) + found
    # with image folders below the search, a file naming the images may list them and their masks, which lie
    # deeper (Real-IAD's realiad_jsons/audiojack.json): no export to name
    labels = [] if deeper else unread_label_files(listing, [p for f in seen for p in f.files])
    found += unread_labels_line(root, labels) or _class_folders_line(root, seen, listing, deeper)
    volumes = _volume_folders(listing)
    series = _series_folders(listing)
    label_routes = ""
    if volumes:
        found += ("\nfolders with volumes, in none of the volume layouts (imagesTr/ + labelsTr/, images/ + labels/, a "
                  "folder per subject holding an image and a *seg*, *label*, *mask* or GT volume, BIDS sub-X/ses-Y "
                  "folders with a *_mask, *_msk or *_dseg volume; docs/volumes.md):")
        found += "".join(f"\n  {(folder.relative_to(root).as_posix() or '.')}/: {count} volumes"
                         for folder, count in volumes[:FOLDERS_SHOWN])
        found += _parallel_case_routes(root, [folder for folder, _ in volumes])
        label_routes = _label_set_routes(root, [folder for folder, _ in volumes],
                                         {root / folder.relative_to(root).parts[0] for folder, _ in series})
        found += label_routes
        found += ("\n  a folder per case whose label volume is named otherwise (the 2018 Left Atrium challenge's "
                  "<case>/laendo.nrrd beside lgemri.nrrd): --masks laendo.nrrd, the label's file name in each")
    found += headerless_raw_line(root, listing, FOLDERS_SHOWN)
    if series:  # 3D-IRCADb's PATIENT_DICOM/ beside MASKS_DICOM/liver/: label series were never mentioned
        routes = _slice_mask_routes(root, listing, series)
        found += ("\nfolders holding a DICOM series, which seglab reads as an image volume, never as labels:"
                  + "".join(f"\n  {folder.relative_to(root).as_posix() or '.'}/: {count} slices"
                            for folder, count in series[:FOLDERS_SHOWN])
                  + "".join(f"\n  {'all ' * (len(paired) == len(series))}{len(paired)} of them have a mask file per "
                            f"slice beside them ({folder_label(paired[0].parent / masks, root)} for "
                            f"{folder_label(paired[0], root)}): --images {shlex.quote(images)} --masks "
                            f"{shlex.quote(masks)} pairs each slice with its mask"
                            for (images, masks), paired in routes.items()))
        if sum(len(paired) for paired in routes.values()) < len(series) and not label_routes:
            found += ("\n  convert each label series to one NIfTI label volume (dcm2niix, or SimpleITK's ReadImage and "
                      "WriteImage) and put it in its case's folder beside the image series, no other series there "
                      "(docs/volumes.md, a folder per subject)")
    found += "".join(f"\n  {(folder.relative_to(root).as_posix() or '.')}/: {count} '{suffix}' files, "
                     + (f"gzip-compressed images seglab does not read: decompress them (gunzip -r "
                        f"'{folder}')" if suffix.endswith(".gz") else
                        _POINT_FILES if suffix in _POINT_SUFFIXES else
                        _TRACING_FILES if suffix in _TRACING_SUFFIXES else
                        _VIDEO_FILES if suffix in VIDEO_SUFFIXES else
                        _ROI_FILES if suffix == _ROI_SUFFIX else
                        hdf5_route(first, suffix) or "a format seglab does not read: convert them to PNG or TIFF")
                     for folder, suffix, count, first in _unread_files(listing))
    found += "".join(f"\n  {(folder.relative_to(root).as_posix() or '.')}/: {count} '{POINT_TEXT}' files, "
                     f"{_POINT_TEXT_FILES}" for folder, count in _point_text_folders(listing))
    found += "".join(f"\n  {(folder.relative_to(root).as_posix() or '.')}/: {count} '.hdf' files holding HDF5 (their "
                     "first bytes say so), which seglab reads only named .h5 or .hdf5: rename them (mv x.hdf x.h5)"
                     for folder, count in _hdf5_named_hdf(listing))
    found += "".join(f"\n  '{name}' in {len(folders)} folder(s) of images ({', '.join(folders[:2])}"
                     f"{', ...' if len(folders) > 2 else ''}): MATLAB annotations named after no image, which "
                     "seglab does not read (a .mat file is read only as the mask of the image named alike): paint "
                     "them into a mask file per image, named after it, in a folder of their own and pass --masks "
                     "with that folder" for name, folders in _unnamed_mat_files(root, seen))
    if not seen:
        found += "".join(f"\n  {(folder.relative_to(root).as_posix() or '.')}/: {count} MATLAB '.mat' files, read only "
                         "as the masks of images named alike: images stored inside them are not read; save them as "
                         "PNG or TIFF" for folder, count in _mat_folders(listing))
    found += container_lines(root, listing)
    shipped = manifest_route(root)  # Kaggle's metadata.csv listing COVID-19 CT scans' volumes and their masks
    return (
        f"{found}\nname how they pair: --images DIR --masks DIR for an image and a mask folder (of images or of "
        "volumes), --mask-pattern "
        "'{stem}_mask.png' when names differ (alone for images and masks in one folder), or "
        + (f"list the pairs as the dataset's table does: seglab inspect {shipped}" if shipped else
           pairs_csv_route(root))
        + " (docs/data.md)"
    )


def _images_alone_line(root: Path, seen: Sequence[Folder], listing: _Listing) -> str:
    """The diagnosis for one folder of pictures of one kind and nothing else (a first try with the
    images one means to label, or to predict), else nothing: 'no known dataset layout' and the
    layouts' list read as if masks were there in a form seglab did not know. Nothing for a folder
    of label masks (`masks_alone`), said to miss its images instead."""
    names = [name for _, files in listing for name in files]
    if (len(seen) != 1 or len(names) != len(seen[0].files) or len({Path(n).suffix.lower() for n in names}) != 1
            or looks_like_mask_folder(seen[0].path.name) or masks_alone(seen)):
        return ""
    return (f"\nonly images: {len(names)} '{Path(names[0]).suffix}' files in '{seen[0].path}', and no masks or labels; "
            "seglab trains on images with their masks (a mask folder beside the image folder, a mask file beside "
            "each image, or a labelling tool's export: docs/data.md), and a trained run segments images alone: "
            f"seglab predict RUN {shlex.quote(str(seen[0].path))}")


def label_studio_brush_route(paths: Iterable[Path]) -> str:
    """What to do with Label Studio's "Brush labels to PNG" export among `paths`, else nothing: it
    names each brush region's mask by task and annotation (`task-11-annotation-20-by-1-tag-Car-0.png`),
    which only Label Studio's JSON export ties to an image, so no layout or flag pairs them."""
    brushes = [p for p in paths if _LABEL_STUDIO_BRUSH.fullmatch(p.name)]
    if not brushes:
        return ""
    return (f"Label Studio's \"Brush labels to PNG\" export ({len(brushes)} file{'s' * (len(brushes) > 1)} such as "
            f"'{brushes[0]}'): a mask per brush region, named by task and annotation, which only Label Studio's JSON "
            "ties to an image; export the project as \"JSON\" instead (not JSON-MIN) and put the file in the dataset "
            "folder with the images: seglab reads its brushes (the label-studio layout, docs/data.md)")


def unread_json_route(annotations: Sequence[Path]) -> str:
    """What to do when images have a JSON label file of their name that no layout read (Kili's
    own export: `images/patch_000.png` + `labels/patch_000.json`), else nothing: the JSON formats
    seglab reads, and the export most tools offer."""
    if not annotations:
        return ""
    return (f"JSON label files named as the images ({len(annotations)}, such as '{annotations[0]}') are in no format "
            "seglab reads; it reads the JSON of COCO, LabelMe, ISAT, Label Studio (its JSON export), "
            "Supervisely, V7 Darwin, VIA, Cityscapes polygons, xBD and GeoJSON (docs/data.md, Layouts): export the "
            "labels as one of them, COCO from most tools (Kili: kili.export_labels(project_id, 'export.zip', "
            "fmt='coco'))")


def _too_deep(root: Path, deeper: list[Path], every: bool) -> str:
    """What to do about image folders too deep to search: name them with --images and --masks,
    which are looked for deeper (an image and a mask folder among them when one is told,
    `_deep_pair`), or pass a folder further down as DATA, which leaves out what lies above it:
    Sen1Floods11's split lists in `v1.1/splits/`, far from its chips. A name found once, or a
    pair of names side by side at several places, is named by its names, else by its path:
    MVTec 3D-AD's `<category>/test/<defect>/rgb/` + `gt/` repeat in every category and defect,
    and `--images rgb --masks gt` reads them all, each pair by place. When they are `every` image
    folder, a wrapper holding them all is the DATA named (Hi-UCD's `Hi-UCD_mini/`)."""
    said = f"folders deeper than {MAX_DEPTH} levels are not searched, such as"
    pair = _deep_pair(deeper)
    if pair is None:
        holder = Path(os.path.commonpath(deeper)) if every else root  # a wrapper holding all (MUSES' muses/)
        further = f"{holder.relative_to(root).as_posix()}/ (which holds them all)" if holder not in (root, *deeper) \
            else "a folder further down"
        return (f"{said} {deeper[0].relative_to(root).as_posix()}/: pass {further} as DATA, or name the "
                f"image and mask folders with --images DIR --masks DIR, looked for {NAMED_DEPTH} levels deep")
    names = [f.name for f in deeper]
    places = [{f.parent for f in deeper if f.name == one.name} for one in pair]
    repeated = len(places[0] & places[1]) > 1  # the pair's names side by side at several places: they read all
    images, masks = (shlex.quote(f.name if repeated or names.count(f.name) == 1 else f.relative_to(root).as_posix())
                     for f in pair)
    every = " (every folder of these names, each paired with the one beside it)" if repeated else ""
    return (f"{said} {pair[0].relative_to(root).as_posix()}/: name the image and mask folders with --images and "
            f"--masks, which are looked for {NAMED_DEPTH} levels deep: --images {images} --masks {masks}{every}; "
            "passing a folder further down as DATA leaves out what lies above it, such as split lists")


_NUMBER = re.compile(r"\d+")


def _fixed_mask_route(root: Path, folders: dict[Path, list[Path]]) -> str:
    """A line offering `--mask-pattern <name>` when image folders (folder -> its image files, as
    the walk listed them) each hold a mask of one name beside files named as images (Structured3D's
    `<view>/semantic.png` beside `rgb_rawlight.png`), which no name rule pairs, and that pattern
    pairs them when tried; else `_numbered_mask_route`'s or `_case_mask_route`'s line. A mask with
    numbered siblings (the UOIS Tabletop Object Dataset's `segmentation_00000.png` beside
    `segmentation_00001.png`, each a view's), or numbered as images beside it are (Eyecandies'
    `000_mask.png` beside `000_image_0.png`, in a folder of one sample), is no mask of every image:
    offered, it paired all views with the first view's mask, every candy with the first one's."""
    counts: Counter[str] = Counter()
    for files in folders.values():
        if any(looks_like_image_folder(stem(p)) for p in files):
            numbered = Counter(_NUMBER.sub("#", p.name.lower()) for p in files)
            counts.update(p.name for p in files if looks_like_mask_folder(stem(p)) and names_labels(stem(p))
                          and numbered[_NUMBER.sub("#", p.name.lower())] == 1 and _numbered_alike(p, files) is None)
    for name, count in counts.most_common(2):
        try:
            paired = search_folders(root, (fixed_name_rule(name),)).matches if count > 1 else []
        except DataError:  # two folders could hold the masks: no route to offer by this name
            continue
        if paired:
            shown = folder_label(paired[0].image_dir, root)
            return (f"\n  a mask named alike beside the images in {count} folders ({shown}{name}): --mask-pattern "
                    f"{shlex.quote(name)} pairs it with every image in its folder, looked for {NAMED_DEPTH} levels deep")
    return _numbered_mask_route(root, folders) or _case_mask_route(root, folders)


def _numbered_alike(mask: Path, files: list[Path]) -> Path | None:
    """The first image among `files` whose name starts with the numbers of the mask's (`000_image_0.png`
    for `000_mask.png`); None when the mask's name holds no number or none does."""
    numbers = _NUMBER.findall(stem(mask))
    return next((p for p in files if p != mask and numbers and _NUMBER.findall(stem(p))[:len(numbers)] == numbers
                 and not looks_like_mask_folder(stem(p))), None)


def _numbered_mask_route(root: Path, folders: dict[Path, list[Path]]) -> str:
    """A line offering `--mask-pattern <template>` when images beside masks are numbered as they
    are (Eyecandies' `000_image_0.png` ... `000_image_5.png`, six lightings of `000_mask.png`:
    `{stem}_mask.png`, several images to a mask) and that template pairs them when tried; else nothing."""
    templates: Counter[str] = Counter()
    for files in folders.values():
        templates.update({template for mask in files if looks_like_mask_folder(stem(mask)) and names_labels(stem(mask))
                          and (image := _numbered_alike(mask, files)) is not None
                          and (template := pattern_for(image, mask)) is not None})
    for template, count in templates.most_common(1):
        try:
            paired = search_folders(root, template_rules(template)).matches
        except DataError:  # two folders could hold the masks: no route to offer by this template
            continue
        if paired:
            _, image, mask = paired[0].pairs[0]
            return (f"\n  images numbered as a mask beside them in {count} folders ({folder_label(image.parent, root)}"
                    f"{image.name} ~ {mask.name}): --mask-pattern {shlex.quote(template)} pairs each with the mask "
                    "of its number, several images to a mask")
    return ""


_HAND_DRAWN = re.compile(r"manual|truth|expert|reference|annotat|(?<![a-z])gt(?![a-z])", re.IGNORECASE)
# labels a model drew, offered after any other (UPenn-GBM's automated_segm/ beside images_segm/, MAMA-MIA's automatic/)
_MACHINE_MADE = re.compile(r"automat|predict|pseudo|approx", re.IGNORECASE)


def _case_mask_route(root: Path, folders: dict[Path, list[Path]]) -> str:
    """A line offering `--mask-pattern <folder>/<name>` when case folders of images each hold a
    folder named for masks with files of the same names (CloudSEN12's `<scene>/labels/manual_hq.tif`
    beside `labels/fmask.tif`, `labels/sen2cor.tif`, ... below `<scene>/S2L1C.tif`): the name a
    hand drew first (manual, gt, truth, ...), the others named as its rivals; else nothing."""
    counts: Counter[str] = Counter()
    for folder, files in folders.items():
        if looks_like_mask_folder(folder.name) and folders.get(folder.parent):
            counts.update(f"{folder.name}/{p.name}" for p in files)
    names = sorted((n for n, c in counts.items() if c > 1), key=lambda n: (not _HAND_DRAWN.search(n), -counts[n], n))
    for name in names[:2]:
        try:
            paired = search_folders(root, (fixed_name_rule(name),)).matches
        except DataError:
            continue
        if paired:
            rivals = [n.split("/")[-1] for n in names if n != name and n.startswith(name.split("/")[0] + "/")]
            also = f"; the folder holds other masks too ({', '.join(rivals[:5])}): name one so to read it" if rivals else ""
            return (f"\n  a folder of masks in {counts[name]} case folders of images ({folder_label(paired[0].image_dir, root)}"
                    f"{name}): --mask-pattern {shlex.quote(name)} pairs it with every image in its case folder, "
                    f"looked for {NAMED_DEPTH} levels deep{also}")
    return ""


def _parallel_case_routes(root: Path, folders: list[Path]) -> str:
    """Lines offering `--images A --masks B` for two trees of case folders of the same names, B's
    path named for labels (SegRap2023's `..._120cases/segrap_0000/` and `..._OneHot_Labels/Task001/segrap_0000/`),
    each route tried first: `named_folders_layout` pairs case folder with case folder."""
    cases: dict[Path, set[str]] = {}
    for folder in folders:
        cases.setdefault(folder.parent, set()).add(folder.name)
    trees = [tree for tree, names in cases.items() if len(names) > 1]
    routes = []
    for labels in trees:
        if not any(looks_like_mask_folder(part) for part in labels.relative_to(root).parts):
            continue
        for images in trees:
            if images == labels or any(looks_like_mask_folder(part) for part in images.relative_to(root).parts) \
                    or len(cases[images] & cases[labels]) < 2:
                continue
            images_name, labels_name = images.relative_to(root).as_posix(), labels.relative_to(root).as_posix()
            if named_folders_layout(root, images_name, labels_name) is not None:
                routes.append(f"\n  case folders of the same names in {images_name}/ and {labels_name}/: --images "
                              f"{shlex.quote(images_name)} --masks {shlex.quote(labels_name)} pairs them, case folder "
                              "with case folder")
    return "".join(routes)


def _label_set_routes(root: Path, folders: list[Path], series_trees: Collection[Path] = ()) -> str:
    """A line offering `--images A --masks B` for each folder B of label volumes below a folder
    named for labels whose volumes pair with two or more cases of an image tree A when tried (a
    folder of case folders of channel files, or of volumes, or one of `series_trees`, the folders
    below `root` holding DICOM series: RSNA 2023 Abdominal Trauma's `train_images/<patient>/<series>/`
    beside `segmentations/<series>.nii`), and saying that they are a choice,
    the hand-drawn first, when several pair with one tree: MAMA-MIA's `segmentations/expert/` (an
    expert's tumour masks) and `segmentations/automatic/` (nnU-Net's) for
    `images/<CASE>/<case>_0000.nii.gz`, folders that no layout reads as a pair, neither beside the other;
    a model's labels after any other (UPenn-GBM's `automated_segm/` after `images_segm/`)."""
    labelled = [f for f in folders if any(looks_like_mask_folder(part) for part in f.relative_to(root).parts)]
    unlabelled = [f for f in folders if f not in labelled]
    trees = Counter(f.parent for f in unlabelled if f.parent != root)
    lines = []
    for tree in sorted({f.parent if trees[f.parent] > 1 else f for f in unlabelled} | set(series_trees)):
        images = tree.relative_to(root).as_posix()
        picks = sorted((labels.relative_to(root).as_posix() for labels in labelled
                        if _pairs_cases(root, images, labels.relative_to(root).as_posix())),
                       key=lambda name: (not _HAND_DRAWN.search(name), bool(_MACHINE_MADE.search(name)), name))
        routes = ", or ".join(f"--images {shlex.quote(images)} --masks {shlex.quote(pick)}" for pick in picks)
        if len(picks) > 1:
            lines.append(f"\n  {len(picks)} folders of label volumes pair with the cases of {images}/, a choice of "
                         f"labels to train on: {routes}")
        elif picks:
            lines.append(f"\n  label volumes pair with the cases of {images}/: {routes}")
    return "".join(lines)


def _pairs_cases(root: Path, images: str, labels: str) -> bool:
    """Whether `--images images --masks labels` pairs two or more cases of volumes."""
    layout = named_folders_layout(root, images, labels)
    return layout is not None and len(layout.subjects) > 1


def _deep_pair(deeper: list[Path]) -> tuple[Path, Path] | None:
    """An image folder and a mask folder beside it among `deeper`: one named for masks, and one
    named for images, or else the first whose files do not look like masks (Sen1Floods11's
    `S1Hand/` beside `LabelHand/`, not `JRCWaterHand/`, permanent water masks); None when no
    folder beside a mask folder is told an image folder."""
    beside: dict[Path, list[Path]] = {}
    for folder in deeper:
        beside.setdefault(folder.parent, []).append(folder)
    for folders in beside.values():
        masks = [f for f in folders if looks_like_mask_folder(f.name)]
        others = [f for f in folders if f not in masks]
        images = next((f for f in others if looks_like_image_folder(f.name)), None) or next(
            (f for f in others if looks_unlike_masks(Folder(f, list_images(f), None, False, False, ()))), None)
        if masks and images is not None:
            return images, masks[0]
    return None


def _class_folders_line(root: Path, seen: Sequence[Folder], listing: _Listing, deeper: Sequence[Path]) -> str:
    """What image folders that look like an image classification set's class folders are, else
    nothing: two or more folders side by side, each holding photos and nothing else, and no file
    or folder anywhere named as masks (MONAI's MedNIST/AbdomenCT/, MedNIST/CXR/, ...). Such a set
    has no masks to pair, which the list of folders alone never says. Where image folders lie
    `deeper` than the search, masks may lie there (Real-IAD's `realiad_1024/<object>/OK/S0001/`
    within reach, `NG/<defect>/S0101/` with its masks a level deeper): the line says so instead."""
    parents = Counter(folder.path.parent for folder in seen)
    files = dict(listing)
    if len(seen) < 2 or any(parents[folder.path.parent] < 2 or folder.named_mask
                            or len([f for f in files.get(folder.path, ()) if not f.startswith(".")]) > len(folder.files)
                            for folder in seen):
        return ""
    if not all(looks_unlike_masks(folder) for folder in seen[:FOLDERS_SHOWN]):
        return ""
    named = (name for folder, names in listing
             for name in (*folder.relative_to(root).parts[-1:], *(stem(Path(n)) for n in names)))
    if any(looks_like_mask_folder(name) for name in named):
        return ""
    if deeper:
        below = deeper[0].relative_to(root)
        holder = Path(*below.parts[:len(below.parts) - MAX_DEPTH])  # the shallowest folder it lies within reach of
        return (f"\n  these look like the class folders of an image classification set, but folders deeper than "
                f"{MAX_DEPTH} levels were not searched and masks may lie there ({below.as_posix()}/): pass "
                f"{shlex.quote(str(root / holder))} as DATA, which holds them within {MAX_DEPTH} levels")
    return ("\n  these look like the class folders of an image classification set (a folder of images per class) "
            "with no masks anywhere: seglab trains segmentation, which needs a mask per image; draw the masks (CVAT, "
            "Label Studio and LabelMe exports are read, docs/data.md) or pass the folder holding them with --masks DIR")


def _volume_folders(listing: _Listing) -> list[tuple[Path, int]]:
    """(folder, count) of the folders holding NIfTI, Analyze, MetaImage or NRRD volumes, four levels deep
    at most: SegTHOR's or ISLES' cases, in no layout the volumes format knows, were told 'no image
    files found'."""
    found = []
    for folder, files in listing:
        count = sum(f.lower().endswith(VOLUME_SUFFIXES) for f in files)
        found += [(folder, count)] if count else []
    return found


def _series_folders(listing: _Listing) -> list[tuple[Path, int]]:
    """(folder, slices) of the folders holding one DICOM series (`.dcm` or extension-less DICOM
    files), four levels deep at most."""
    found = []
    for folder, files in listing:
        if sum(not Path(f).suffix or f.lower().endswith(DICOM_SUFFIX) for f in files) >= 2 and is_series(folder):
            found.append((folder, len(dicom_files(folder))))
    return found


def _slice_mask_routes(
    root: Path, listing: _Listing, series: list[tuple[Path, int]]
) -> dict[tuple[str, str], list[Path]]:
    """The --images and --masks names that pair DICOM series with a sibling folder holding a 2-D
    mask file per slice (CHAOS' CT `<patient>/DICOM_anon/` beside `<patient>/Ground/`
    liver_GT_000.png ...), with the series each pairs; only names that pair when tried."""
    files = {folder: [f for f in names if _suffix(f) in IMAGE_SUFFIXES and _suffix(f) != DICOM_SUFFIX]
             for folder, names in listing}
    named: dict[tuple[str, str], list[Path]] = {}
    for folder, count in series:
        beside = [other for other in files if other.parent == folder.parent and other != folder
                  and len(files[other]) == count]
        if len(beside) == 1:
            named.setdefault((folder.name, beside[0].name), []).append(folder)
    routes = {}
    for (images, masks), folders in named.items():
        try:
            search = _named_pair(root, images, masks, KEY_RULES, merge=False)
        except DataError:
            continue
        paired = sorted({m.image_dir for m in search.matches if m.pairs} & set(folders))
        if paired:
            routes[images, masks] = paired
    return routes


def _mat_folders(listing: _Listing) -> list[tuple[Path, int]]:
    """(folder, count) of the folders holding MATLAB files, four levels deep at most: Duke's DME
    OCT scans ship as `Subject_01.mat` (images and annotations), and no image file beside them."""
    found = [(folder, sum(f.lower().endswith(MAT_SUFFIX) for f in files))
             for folder, files in listing]
    return [(folder, count) for folder, count in found if count][:FOLDERS_SHOWN]


def _hdf5_named_hdf(listing: _Listing) -> list[tuple[Path, int]]:
    """(folder, count) of the `.hdf` files that are HDF5 by their signature (CREMI's
    `sample_A_20160501.hdf`), four levels deep at most: `.hdf` is HDF4's suffix too, so it is not
    read as HDF5, and was never named."""
    found = []
    for folder, files in listing:
        count = sum(f.lower().endswith(".hdf") and holds_hdf5(folder / f) for f in files)
        found += [(folder, count)] if count else []
    return found[:FOLDERS_SHOWN]


def _unnamed_mat_files(root: Path, seen: list[Folder]) -> list[tuple[str, list[str]]]:
    """(file name, folders) of the MATLAB files beside images that are named after none of them:
    EgoHands' `_LABELLED_SAMPLES/<video>/polygons.mat`, the hand polygons of every frame there."""
    found: dict[str, list[str]] = {}
    for folder in seen:
        stems = {stem(p).lower() for p in folder.files if p.suffix.lower() != MAT_SUFFIX}
        for path in folder.files:
            if path.suffix.lower() == MAT_SUFFIX and stems and stem(path).lower() not in stems:
                found.setdefault(path.name, []).append(f"{folder.path.relative_to(root).as_posix()}/")
    return sorted(found.items())[:FOLDERS_SHOWN]


def _unread_files(listing: _Listing) -> list[tuple[Path, str, int, Path]]:
    """(folder, suffix, count, first file) for each folder holding files of a suffix no reader
    takes, three or more of them in all, four levels deep at most: JSRT's raw `All247images/*.IMG`
    beside its masks, which the folders with images listed above never mention; RootNav 2.0's
    `.rsml` root tracings, 4 in `train/` and 2 in `valid/`, each folder named. STARE's gzipped
    `im0001.ppm.gz` count as `.ppm.gz`. An Analyze volume's `.img` beside its `.hdr` is read with
    it (iSeg-2017's `subject-1-T1.img`). Archives and containers are named by `container_lines`,
    however few."""
    found = []
    for folder, files in listing:
        read_with_header = {analyze_data_file(folder / f).name for f in files if f.lower().endswith(ANALYZE_SUFFIX)}
        unread = sorted(f for f in files if not f.startswith(".") and f not in read_with_header and not is_container(f))
        suffixes = Counter(map(_suffix, unread))
        found += [(folder, suffix, n, folder / next(f for f in unread if _suffix(f) == suffix))
                  for suffix, n in sorted(suffixes.items()) if suffix and suffix not in _READ_OR_METADATA]
    total: Counter[str] = Counter()
    for _, suffix, count, _ in found:
        total[suffix] += count
    return [entry for entry in found if total[entry[1]] >= _UNREAD_MIN][:FOLDERS_SHOWN]


def _point_text_folders(listing: _Listing) -> list[tuple[Path, int]]:
    """(folder, count) where `_UNREAD_MIN` or more text files lie, the first of them holding only
    number pairs, a point a line, four levels deep at most: DRIONS-DB's optic disc contours
    `experts_anotation/anotExpert1_001.txt` (36 lines `271 , 198`), which the refusal never named,
    as text files are taken for notes. One file tells: a folder's files are alike."""
    found = []
    for folder, files in listing:
        texts = sorted(f for f in files if f.lower().endswith(POINT_TEXT))
        if len(texts) >= _UNREAD_MIN and holds_points(folder / texts[0]):
            found.append((folder, len(texts)))
    return found[:FOLDERS_SHOWN]


def _suffix(name: str) -> str:
    """A file's suffix, lower case; an image compressed with gzip keeps the image's (`.ppm.gz`)."""
    path = Path(name.lower())
    inner = Path(path.stem).suffix
    return inner + path.suffix if path.suffix == ".gz" and inner in IMAGE_SUFFIXES else path.suffix
