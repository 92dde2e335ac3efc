"""The "coco" format: objects outlined in a COCO JSON file (polygons or run-length masks), as COCO
ships them and CVAT, Roboflow, Label Studio and makesense.ai export them, painted into
class-index masks once.

Recognised files: a JSON with `images`, `annotations` and `categories` lists, in the dataset
folder, in `annotations/` or in a split folder or its `annotations/`
(`annotations/instances_train2017.json`, CVAT's `annotations/instances_default.json`, Roboflow's
`train/_annotations.coco.json`, ARCADE's `train/annotations/train.json`); DATA may be the file
itself. Where COCO ships several files of one split (`person_keypoints_*`, `stuff_*`), the
`instances_*` ones are read; a file whose images and objects the files read hold too (CrowdAI
Mapping's `annotation-small.json`, HRSID's `inshore.json`) is set aside, and so is a union whose
parts carry the splits (HRSID's `train_test2017.json`, read as `train2017.json` and
`test2017.json`); annotation sets of the same images whose categories differ (TrashCan's
`instance_version/` and `material_version/`) are refused, never merged by category id, and so are
folders of the same splits whose objects share no category (ARCADE's `syntax/` and `stenosis/`
tasks). An image without a `file_name` (LVIS, whose images are COCO's) is found by its `coco_url`.
A file of several levels of categories (DENTEX's `categories_1` ... `categories_3`, each object's
`category_id_1` ... `category_id_3`) is read by one level, the last unless `--label-field` names
another. Image entries naming their subject (SeaTurtleID2022's `identity`) group the pairs. A file
whose every outline coordinate lies within [0, 1] (Azure Machine Learning's export) has them read
as fractions of each image's width and height.

Each image's objects are painted much as torchvision's COCO segmentation reference paints them:
an object's pixels get its category's class (categories in id order, after background 0; the
ones no object uses, such as Roboflow's dataset-name category, are left out), crowd regions
included, and pixels that objects of two classes claim get the ignore label 255. The reference
ignores any overlap, of one class's objects too; here those stay their class, since touching
objects of one class are no ambiguity (`painted_masks`, which writes the masks into the cache once).
"""

from __future__ import annotations

from functools import partial
from dataclasses import replace
from pathlib import Path

from seglab.data.annotations.annotated_images import located_images, refuse_shared_images
from seglab.data.annotations.annotation_formats import AnnotationFileFormat, relative_names
from seglab.data.annotations.coco_levels import levels_line
from seglab.data.annotations.coco_objects import (category_classes, fractional_outlines, image_objects,
                                                  refuse_boxes_only, used_categories)
from seglab.data.annotations.coco_reading import CocoAnnotations, coco_files, picked_files, read_annotations
from seglab.data.annotations.coco_sets import refuse_rival_categories, refuse_tasks, set_routes
from seglab.data.annotations.coco_subsets import described_aside, without_subsets
from seglab.data.annotations.painted_masks import IGNORE, OVERLAP_IGNORED
from seglab.data.classes import ClassSpec
from seglab.data.layouts.formats import FORMATS
from seglab.data.files.index import DatasetIndex, Pair
from seglab.data.splitting.subject_tables import field_subjects
from seglab.errors import DataError


@FORMATS.register("coco")
class CocoFormat(AnnotationFileFormat):
    """COCO JSON annotations beside the images; DATA is the folder or the JSON file."""

    layout = ("a COCO JSON file (images, annotations with polygons or RLE, categories) beside the images: "
              "annotations/instances_*.json, Roboflow's _annotations.coco.json, CVAT's instances_default.json")
    cache_name = "coco"
    picks_folders = True  # --masks picks one annotation set's folder (USIS10K's multi_class_annotations/)

    def files(self, root: Path) -> list[Path]:
        return picked_files(coco_files(root), root, self.options.masks)

    def detect(self, root: Path) -> bool:
        """Whether COCO files are there (of the folder --masks names, when it names one); --images
        names folder-pairs' image folder, which a COCO file's image names leave no choice of."""
        return self.options.images is None and super().detect(root)

    def read(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        base = self.dataset_folder(root)
        every = [read_annotations(p, self.options.label_field) for p in self.found(root)]
        located, problems = located_images([(f.path, [(i, str(e['file_name'])) for i, e in f.images.items()])
                                            for f in every], base, "id")
        files, aside = without_subsets(every, located)
        images = {f.path: located[f.path] for f in files}
        refuse_rival_categories(files, root)
        refuse_shared_images(images, base, ", and neither holds all of the other's images and objects",
                             partial(set_routes, every, root))
        problems = [p for p in problems if p.path not in aside]
        refuse_boxes_only(files, ", ".join(str(f.path) for f in files))
        used_by = {f.path: used_categories(f) for f in files}  # every object walked once
        refuse_tasks(files, used_by, root)
        used = sorted(set().union(*used_by.values()))
        names = {c: n for f in files for c, n in f.categories.items()}
        unknown = [c for c in used if c not in names]
        if unknown:
            raise DataError(f"COCO objects use category ids {unknown[:5]} that no 'categories' entry names "
                            f"({', '.join(str(f.path) for f in files)})")
        if classes is None:
            self._refuse_blank_names(files, [c for c in used if not names[c].strip()], base)
        multilabel = self.options.multilabel  # a mask per category, so that they may overlap
        spec, label_of = category_classes([names[c] for c in used], used, multilabel, classes,
                                          f"the categories of {', '.join(str(f.path) for f in files)}")
        split_of = {image: f.split for f in files for image in images[f.path].values()}
        fractions = {f.path: fractional_outlines(f) for f in files}
        drawn = [image_objects(coco, image_id, image, label_of, fractions[coco.path]) for coco in files
                 for image_id, image in images[coco.path].items()]
        pairs, painting = self.painted_pairs(drawn, [f.path for f in files], OVERLAP_IGNORED, spec, base,
                                             files[0].path.stem.strip("_.") or "coco", split_of)
        objects = sum(len(o) for f in files for o in f.objects.values())
        line = (f"{relative_names([f.path for f in files], base)}: {objects} objects on "
                f"{len(pairs)} images painted into {len(used)} classes " + (
                    "(a mask per class: they may overlap)" if multilabel else
                    f"(pixels two classes claim: ignore {IGNORE})")) + levels_line(files)
        if scaled := [f.path for f in files if fractions[f.path]]:
            line += (f"; outlines of {relative_names(scaled, base)} in fractions of the image size (0-1), scaled "
                     "to pixels")
        if aside:
            line += "; subsets set aside (all their images and objects are in the files read): " + ", ".join(
                described_aside(part, wholes, located, base) for part, wholes in aside.items())
        entries = {image: coco.images[key] for coco in files for key, image in images[coco.path].items()}
        pairs, grouped = _grouped_by_field(pairs, entries)
        return self.indexed(base, pairs, spec, problems + painting, line + grouped, ignored=list(aside))

    def _refuse_blank_names(self, files: list[CocoAnnotations], blank: list[int], base: Path) -> None:
        """Stop where categories the objects use have blank names (SorghumWeedDataset_Segmentation's
        `<Split>SorghumWeed_coco.json`, beside VIA files whose `classname` attribute names them).

        Raises:
            DataError: naming the files, the category ids and the routes: the other annotation
                files here, with the --format that reads them, and --classes.
        """
        if not blank:
            return
        others = []
        for name in FORMATS.names():
            layout = FORMATS.get(name)
            fmt = layout(self.options) if name != "coco" and issubclass(layout, AnnotationFileFormat) else None
            if fmt is not None and fmt.detect(base):
                others.append(f"--format {name} reads {relative_names(fmt.files(base)[:3], base)}")
        shown = f"other annotation files here may name them ({'; '.join(others)}), or " if others else ""
        raise DataError(f"{relative_names([f.path for f in files], base)}: the categories {blank[:5]} that objects use "
                        f"have no name ('name' is blank), so they make no classes; {shown}name the classes in a JSON "
                        f"file read with --classes FILE ({{\"names\": [\"background\", ...]}}: the background, then "
                        "one name a category, in id order)")


def _grouped_by_field(pairs: list[Pair], entries: dict[Path, dict]) -> tuple[list[Pair], str]:
    """`pairs` grouped by the subject their image entries name (`field_subjects`: SeaTurtleID2022's
    `identity`, the turtle photographed), so that a split never puts one subject's photos on both
    sides, and what `seglab inspect` says of it; as they are, and nothing said, when no field does."""
    found = field_subjects({p.name: entries[p.image] for p in pairs if p.image in entries})
    if found is None:
        return pairs, ""
    named_by, subjects = found
    grouped = [replace(p, group=subjects.get(p.name, p.name)) for p in pairs]
    return grouped, (f"; grouped by the images' '{named_by}' ({len(set(subjects.values()))} groups): a split keeps each "
                     "group's images together")
