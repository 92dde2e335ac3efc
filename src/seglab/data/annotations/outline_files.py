"""Files of class-named outlines, one per image (PAGE XML's regions, cTDaR's tables, an SVG's
polygons), and how a format of them is read: each file's image located, its outlines painted into
that image's class-index mask in document order, later over earlier, classes sorted by name, the
split the image's folders name. The formats differ in how a file is parsed (`read_file`) and in the
words their messages use (`OutlineWords`), not in how the files become pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from seglab.data.annotations.annotated_images import locate_images
from seglab.data.annotations.annotation_formats import AnnotationJsonFolders
from seglab.data.annotations.painted_masks import LATER_OVER_EARLIER, Drawn, ImageObjects
from seglab.data.classes import ClassSpec, refuse_unnamed, tool_classes
from seglab.data.discovery.naming import folders_split
from seglab.data.files.index import DatasetIndex
from seglab.data.files.io import IMAGE_SUFFIXES


@dataclass(frozen=True)
class Outlined:
    """A shape's class, where it is in its file (for messages: `region 'r1'`, `<table> 2`) and its
    outline (x1, y1, x2, ...)."""

    name: str
    where: str
    outline: list[float]


@dataclass(frozen=True)
class OutlineFile:
    """A file's image name (as the file states it, or ''), the image's size where stated, its shapes
    with an area, how many it left out, and the image name its own name gives (PRImA's
    `pc-00000086.xml`: `00000086`)."""

    path: Path
    image: str
    height: int | None
    width: int | None
    shapes: list[Outlined]
    left_out: int
    own_name: str

    def image_names(self) -> list[str]:
        """The image names to look for in turn: the one the file names, then its own name's."""
        return [name for name in (self.image, *(f"{self.own_name}{suffix}" for suffix in IMAGE_SUFFIXES)) if name]


@dataclass(frozen=True)
class OutlineWords:
    """What a format's messages call its files and shapes."""

    file: str  # one file: "PAGE file"
    classes: str  # its classes, before "under '<root>'": "the PAGE regions"
    unnamed: str  # before the labels no class names: "PAGE regions are"
    located: str  # a file whose image is missing: "page"
    painted: str  # the log line's middle, `{classes}` their count: "PAGE files' regions painted into {classes} classes"
    left_out: str  # shapes left out: "regions without area"


def stated_side(text: str | None) -> int | None:
    """An image side a file states in pixels (PAGE's `imageHeight="48"`, an SVG's `height="48px"`),
    or None where it states none above 0 (the image's header gives it): no number (`²`, `100%`),
    or one past int()'s 4,300 digits."""
    try:
        value = int((text or "").strip().removesuffix("px"))
    except ValueError:
        return None
    return value if value > 0 else None


class OutlineFilesFormat(AnnotationJsonFolders):
    """A format of `OutlineFile`s: `read_file` parses one, `words` names them in messages."""

    words: ClassVar[OutlineWords]

    def read_file(self, path: Path) -> OutlineFile:
        raise NotImplementedError

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = root.parent if root.is_file() else root
        words = self.words
        files = [self.read_file(path) for path in self.found(root)]
        names = sorted({shape.name for file in files for shape in file.shapes})
        spec, value = tool_classes(names, None, f"{words.classes} under '{root}'", self.options.multilabel, classes)
        refuse_unnamed(names, value, spec, words.unnamed)
        located, problems = locate_images([(file.path, [(0, file.image_names())]) for file in files], base,
                                          words.located)
        images = [ImageObjects(located[file.path][0], file.height, file.width,
                               [Drawn(value[shape.name], [shape.outline],
                                      f"{words.file} '{file.path}': {shape.where} ({shape.name})")
                                for shape in file.shapes])
                  for file in files if 0 in located[file.path]]
        split_of = {entry.image: folders_split(entry.image, base) for entry in images}
        pairs, painting = self.painted_pairs(images, [file.path for file in files], LATER_OVER_EARLIER, spec, base,
                                             self.cache_name, split_of)
        left_out = sum(file.left_out for file in files)
        line = (f"{len(pairs)} {words.painted.format(classes=len(spec.names))} ({', '.join(spec.names[1:])}), later "
                f"over earlier" + (f"; {left_out} {words.left_out} left out" if left_out else ""))
        return self.indexed(base, pairs, spec, problems + painting, line)
