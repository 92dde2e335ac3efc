"""The "contour-text" format: outlines shipped as text files of points, a file per image and
structure (Sunnybrook Cardiac Data's `IM-0001-0048-icontour-manual.txt`, DRIONS-DB's
`anotExpert1_001.txt`), painted into class-index masks once.

A text file whose every line holds two numbers, x and y in the image's pixels (`point_text`), is
an outline; a folder's first text file tells whether the folder holds them. An outline pairs
with the image whose name it carries before or after more words (`IM-0001-0048.dcm` ~
`IM-0001-0048-icontour-manual.txt`), else with the image whose last number it carries
(`image_001.jpg` ~ `anotExpert1_001.txt`). Where images of that name lie in several folders
(Sunnybrook's `IM-0001-0048.dcm` in every case's folder), it is the one whose folders share the
most names with the outline's, names compared by their words and numbers, so that zero padding
does not count (`challenge_training/SC-HF-I-1/` ~ `TrainingDataContours/SC-HF-I-01/`).

An outline's class is what its name says beside the image's name or number (`icontour-manual`),
less a word naming a numbered rater (`anotExpert1`, PAPILA's `exp1`: exp, expert, rater, observer,
annotator, grader or reader and a number) and less the words all the classes share (`manual`): `icontour`,
`ocontour`, `p1contour`; `object` when that leaves nothing (DRIONS-DB's optic disc). An image's
outlines are painted largest first, each smaller one over them: an outline around another
paints the ring between them as its class and leaves the inside to the smaller one's
(Sunnybrook: `icontour` the LV cavity, the ring inside `ocontour` the myocardium). An outline
fills the pixels inside it and on it, as Pillow's `ImageDraw.polygon` and OpenCV's `fillPoly`
draw it. Two outlines of one class for one image are rival annotations (DRIONS-DB's two
experts): refused, naming the `--masks` pattern that reads each (`--masks 'anotExpert1_*'`, PAPILA's
`--masks '*_exp1.txt'` for its `RET002OD_disc_exp1.txt` and `RET002OD_cup_exp1.txt`); `--masks` picks
outline files by name or by folder. Only images with an outline are pairs; the other images of
their folders are unlabelled, and pictures of the masks named as the photos (`ImagesWithContours/`,
`overlay/`) are neither. The split is the one the image's folders name.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seglab.data.annotations.annotation_formats import AnnotationFilesFormat
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.discovery.folders import NAMED_DEPTH, Folder, path_ends_with, text_listing, walk
from seglab.data.discovery.naming import folders_split, stem, words
from seglab.data.discovery.naming.affixes import image_affixed, strip_affixes
from seglab.data.discovery.naming.folder_roles import names_mask_pictures
from seglab.data.discovery.naming.learned_rules import named_around
from seglab.data.discovery.naming.numbers import numbers_in
from seglab.data.discovery.pairing import folder_label
from seglab.data.files.index import DatasetIndex, Problem, natural_key
from seglab.data.files.point_text import read_points
from seglab.data.layouts.formats import FORMATS
from seglab.errors import DataError

UNNAMED = "object"  # the class of outlines whose names say nothing but their image and rater
# a numbered rater's word: DRIONS-DB's anotExpert1, PAPILA's exp1, rater2
_RATER = re.compile(r"[a-z]*(?:exp|expert|rater|observer|annotator|grader|reader)\d+", re.IGNORECASE)


@dataclass(frozen=True)
class _Outline:
    """An outline file, the image it pairs with (None: none, `why` says), the words its name says
    beside the image's name or number, and the `--masks` pattern of its naming (`anotExpert1_*`)."""

    path: Path
    points: tuple[tuple[float, float], ...]
    image: Path | None
    said: tuple[str, ...] = ()
    pattern: str = ""
    why: str = ""

    @property
    def area(self) -> float:
        """The area inside it (the shoelace formula): larger outlines are painted first."""
        x, y = np.asarray(self.points, dtype=np.float64).T
        return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


@dataclass(frozen=True)
class _Found:
    """The outline files found, paired with an image or not; true when one pairs."""

    outlines: list[_Outline] = field(default_factory=list)

    @property
    def paired(self) -> list[_Outline]:
        return [o for o in self.outlines if o.image is not None]

    def __bool__(self) -> bool:
        return bool(self.paired)


def _outline_files(root: Path, masks: str | None) -> list[tuple[Path, list[tuple[float, float]]]]:
    """The point-list text files under `root`, as deep as named folders are looked for (Sunnybrook's
    `<part>/TrainingDataContours/<case>/contours-manual/IRCCI-expert/`), with their points; a
    folder whose first text file is no point list is not read further; `masks` (--masks) keeps
    the files whose name or folder it names."""
    found = []
    for folder, texts in text_listing(root, NAMED_DEPTH):
        for number, name in enumerate(sorted(texts, key=natural_key)):
            points = read_points(folder / name)
            if points is None and number == 0:
                break  # a folder of notes, or of YOLO's labels
            parts = (folder / name).relative_to(root).parts
            if points is not None and (masks is None or path_ends_with(parts, masks)
                                       or path_ends_with(parts[:-1], masks)):
                found.append((folder / name, points))
    return found


def _without_mask_files(images: list[Path]) -> list[Path]:
    """`images` less the mask files among them and the images those label (FaceSynthetics'
    `000000_seg.png` beside `000000.png`): a text file beside an image with a mask is no outline of
    it (`000000_ldmks.txt`, its face's landmark points), and folder-pairs reads the pair."""
    names = [(name, name.lower(), strip_affixes(name)) for name in map(stem, images)]  # once each: 200k files
    stems = {lower for _, lower, _ in names}
    labelled = {key for name, lower, key in names if key != lower and key in stems and not image_affixed(name)}
    return [p for p, (_, lower, key) in zip(images, names) if lower not in labelled and key not in labelled]


def _folder_names(folder: Path, root: Path) -> set[tuple[str, ...]]:
    """The names of a folder's path under `root` as words, numbers without their zero padding."""
    return {tuple(str(int(w)) if w.isdigit() else w for w in words(part))
            for part in folder.relative_to(root).parts}


def _paired(path: Path, points: list[tuple[float, float]], by_name: dict[str, list[Path]],
            by_number: dict[str, list[Path]], folder_names: dict[Path, set[tuple[str, ...]]], root: Path) -> _Outline:
    """An outline file paired with the image whose name, else last number, it carries;
    `folder_names` holds each image folder's `_folder_names`."""
    name = stem(path)
    key = named_around(name, set(by_name))
    numbers = numbers_in(path)
    if key is not None:
        start, candidates = 0 if name.lower().startswith(key) else len(name) - len(key), by_name[key]
    elif numbers:
        key = numbers[-1]
        start, candidates = name.rfind(key), by_number.get(str(int(key)), [])
    else:
        return _Outline(path, tuple(points), None, why="it carries no image's name and no number")
    end = start + len(key)
    if len(candidates) > 1:
        mine = _folder_names(path.parent, root)
        shared = {image: len(mine & folder_names[image.parent]) for image in candidates}
        candidates = [image for image in candidates if shared[image] == max(shared.values())]
    if len(candidates) != 1:
        listed = ", ".join(folder_label(image, root).rstrip("/") for image in candidates[:3])
        why = (f"no image carries its name or its number {key}" if not candidates else
               f"{len(candidates)} images fit it equally ({listed}): put each outline in a folder named as its image's")
        return _Outline(path, tuple(points), None, why=why)
    said = tuple(words(name[:start] + " " + name[end:]))
    pattern = f"{name[:start]}*{name[end:]}" + (path.suffix if end < len(name) else "")
    return _Outline(path, tuple(points), candidates[0], said, pattern)


def _class_names(outlines: list[_Outline]) -> dict[Path, str]:
    """Each outline's class: the words its name says less a rater's and those every class says."""
    kept = {o.path: [w for w in o.said if not _RATER.fullmatch(w)] for o in outlines}
    kinds = {tuple(w) for w in kept.values()}
    common = set.intersection(*map(set, kinds)) if len(kinds) > 1 else set()
    return {path: "_".join(w for w in said if w not in common) or UNNAMED for path, said in kept.items()}


def _rater_pattern(outline: _Outline) -> str:
    """The `--masks` pattern that reads an outline's rater's files of every class: its naming with
    the words beside its rater's word as `*` (PAPILA's `*_exp1.txt` for `RET002OD_disc_exp1.txt`,
    where `*_disc_exp1.txt` would read the discs alone; DRIONS-DB's `anotExpert1_*`); its naming
    when it names no rater."""
    pattern = outline.pattern
    rater = next((w for w in re.finditer(r"[a-z0-9]+", pattern, re.IGNORECASE) if _RATER.fullmatch(w[0])), None)
    if rater is None:
        return pattern
    before, after = pattern[: rater.start()], pattern[rater.end():]
    if before:
        before = "*" + before[-1].strip("*")
    if after not in ("", outline.path.suffix):
        after = after[0].strip("*") + "*"
    return before + rater[0] + after


def _refuse_rivals(outlines: list[_Outline], classes: dict[Path, str], root: Path) -> None:
    """Stop where an image has two outlines of one class: raters' rival annotations, of which
    training reads one.

    Raises:
        DataError: naming the image, its outlines, and the --masks value that reads each rater's.
    """
    of_image: dict[tuple[Path | None, str], list[_Outline]] = {}
    for outline in outlines:
        of_image.setdefault((outline.image, classes[outline.path]), []).append(outline)
    rivals = next((given for given in of_image.values() if len(given) > 1), None)
    if rivals is None:
        return
    by_name = len({_rater_pattern(o) for o in rivals}) == len(rivals)
    picks = Counter(_rater_pattern(o) if by_name else folder_label(o.path.parent, root).rstrip("/") for o in outlines)
    chosen = [_rater_pattern(o) if by_name else folder_label(o.path.parent, root).rstrip("/") for o in rivals]
    listed = "".join(f"\n  --masks '{pick}': {picks[pick]} outline files" for pick in dict.fromkeys(chosen))
    raise DataError(f"'{rivals[0].image}' has {len(rivals)} outlines of class '{classes[rivals[0].path]}' "
                    f"({', '.join(folder_label(o.path, root).rstrip('/') for o in rivals)}): rival annotations, "
                    f"such as two raters' of one image; pick the ones to train on:{listed}")


@FORMATS.register("contour-text")
class ContourTextFormat(AnnotationFilesFormat):
    """Outlines in text files of points and the images of their names; see the module docstring."""

    layout = ("text files of outline points ('x y' or 'x , y' a line), a file per image and structure, named after "
              "the image or with its number: images/image_001.jpg + experts_anotation/anotExpert1_001.txt "
              "(DRIONS-DB), <case>/IM-0001-0048.dcm + <case>/.../IM-0001-0048-icontour-manual.txt (Sunnybrook)")
    priority = 28  # after the layouts of mask files and volumes, before folder-pairs (30), which finds images alone
    cache_name = "contour-text"
    picks_folders = True  # --masks picks outline files by name or folder (one rater's), --images the image folders

    def find(self, root: Path, folders: list[Folder]) -> _Found:
        if root.is_file():
            return _Found()
        texts = _outline_files(root, self.options.masks)
        if not texts:
            return _Found()
        image_folders = self._image_folders(folders)
        images = _without_mask_files([path for folder in image_folders for path in folder.files])
        by_name: dict[str, list[Path]] = {}
        by_number: dict[str, list[Path]] = {}
        for image in images:
            by_name.setdefault(stem(image).lower(), []).append(image)
            if numbers := numbers_in(image):
                by_number.setdefault(str(int(numbers[-1])), []).append(image)
        folder_names = {folder.path: _folder_names(folder.path, root) for folder in image_folders}
        return _Found([_paired(path, points, by_name, by_number, folder_names, root) for path, points in texts])

    def _image_folders(self, folders: list[Folder]) -> list[Folder]:
        """The folders --images names, else all but pictures of the masks (PAPILA's
        `ImagesWithContours/`: each photo with its outlines drawn in, named as the photo)."""
        images = self.options.images
        if images is None:
            return [f for f in folders if not names_mask_pictures(f.parts)]
        return [f for f in folders if path_ends_with(f.parts, images)]

    def sources(self, root: Path, found: _Found) -> list[Path]:
        return [outline.path for outline in found.outlines]

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        found = self.found(root)
        paired = found.paired
        names = _class_names(paired)
        _refuse_rivals(paired, names, root)
        used = sorted(set(names.values()))
        spec, value = tool_classes(used, None, f"the outline files under '{root}'", self.options.multilabel, classes)
        refuse_unnamed(used, value, spec, "outline files name classes")
        of_image: dict[Path, list[_Outline]] = {}
        for outline in paired:
            assert outline.image is not None  # `paired` holds those with one
            of_image.setdefault(outline.image, []).append(outline)
        entries = [ImageObjects(image, None, None, [
            Drawn(value[names[o.path]], [[v for point in o.points for v in point]], f"outline file '{o.path}'")
            for o in sorted(given, key=lambda o: -o.area)]) for image, given in of_image.items()]
        split_of = {image: folders_split(image, root) for image in of_image}
        pairs, painting = self.painted_pairs(entries, [o.path for o in paired], LATER_OVER_EARLIER, spec, root,
                                             self.cache_name, split_of)
        unpaired = [Problem(o.path, f"outline pairs with no image: {o.why}", "mask-without-image")
                    for o in found.outlines if o.image is None]
        shown = {image.parent for image in of_image}
        unlabelled = [image for folder in self._image_folders(walk(root)) if folder.path in shown
                      for image in folder.files if image not in of_image]
        line = (f"{len(paired)} outline text files painted into {len(pairs)} images' masks as {len(spec.names)} "
                f"classes ({', '.join(spec.names)}), larger outlines first and smaller ones over them"
                + (f"; {len(unpaired)} outline files pair with no image" if unpaired else ""))
        return self.indexed(root, pairs, spec, unpaired + painting, line, unlabelled,
                            {o.image: o.path.parent for o in paired if o.image is not None})
