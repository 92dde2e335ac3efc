"""The registered "volumes" format: the cases `layouts` finds, cut into 2-D slice pairs and named."""

from __future__ import annotations

import functools
import logging
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from seglab.data.files.staging import cache_folder
from seglab.data.classes import ClassSpec, ValueNames, value_names_from_csv
from seglab.data.layouts.folder_pairs import value_names_in
from seglab.data.layouts.formats import FORMATS, FindingFormat
from seglab.data.files.index import DatasetIndex, Pair, Problem, natural_key
from seglab.data.classes.label_set_tables import label_set_tables
from seglab.data.classes.mapping import IdentityMapping
from seglab.data.files.segment_labels import segment_labels
from seglab.data.files.slice_cache import SliceFiles, Subject, extract
from seglab.data.files.volumes import THICK_SLICES, VOLUME_SUFFIXES, volume_stem
from seglab.data.splitting.datalists import describe_cases
from seglab.data.splitting.split_lists import case_splits
from seglab.data.layouts.volume_format.bids import lookup_tables
from seglab.data.layouts.volume_format.case_versions import with_version_groups
from seglab.data.layouts.volume_format.cases import Layout, first_channels
from seglab.data.layouts.volume_format.channel_counts import with_common_channels
from seglab.data.layouts.volume_format.channel_folders import log_left_out
from seglab.data.layouts.volume_format.label_products import log_label_products
from seglab.data.layouts.volume_format.colour_pictures import with_colour_pictures
from seglab.data.layouts.volume_format.descriptions import (Declared, declared_of, described_folders,
                                                           description_splits)
from seglab.data.layouts.volume_format.instance_labels import LabelledCase, instance_problem
from seglab.data.layouts.volume_format.layouts import find_wrapped_layout
from seglab.data.layouts.volume_format.modality_grids import on_label_grids
from seglab.data.layouts.volume_format.named_folders import named_folders_layout
from seglab.data.layouts.volume_format.pictures_beside import pictures_beside
from seglab.data.layouts.volume_format.unlabelled_folders import unlabelled_folders
from seglab.errors import DataError

log = logging.getLogger(__name__)


@FORMATS.register("volumes")
class VolumesFormat(FindingFormat[Layout | None]):
    """NIfTI, Analyze, MetaImage, NRRD or DICOM-series cases with label volumes, cut into 2-D slices."""

    layout = (
        "volumes (.nii, .nii.gz, .hdr + .img, .mha, .mhd, .nrrd, DICOM series): imagesTr/ + labelsTr/ (MSD, nnU-Net), "
        "images/ + "
        "labels/ or masks/, an image folder beside a folder of 0/1 volumes per class (UroCell's data/ + fv/, golgi/, "
        "lyso/, mito/), one folder per subject with an image and a *seg*/*label*/*mask* volume, cases side by "
        "side (LiTS' volume-0.nii + segmentation-0.nii), BIDS (sub-X/ses-Y with *_mask, *_msk or *_dseg label "
        "volumes: ISLES 2022, ATLAS 2.0), or an image and a label folder below split folders (BTCV's "
        "Training/img/ + Training/label/)"
    )
    priority = 15  # before folder-pairs (30), whose images/ + labels/ folders it shares
    picks_folders = True  # --images and --masks name an image and a label folder of volumes
    pairs_by_pattern = True  # and --mask-pattern how their names pair (CTPelvic1K's '{stem}_mask_4label.nii.gz')

    def find(self, root: Path) -> Layout | None:
        """The cases of the folders `--images` and `--masks` name, else of the layout found under
        `root` (`find_wrapped_layout`), settled: which modalities are the channels is voted once,
        over all the cases the layout found (`on_label_grids`), not per folder of them: every case
        is fed the same; so is whether image volumes are colour pictures stored channel-first
        (`with_colour_pictures`). Cases that are versions of one subject are grouped so
        (`with_version_groups`)."""
        images, masks = self.options.images, self.options.masks
        pattern = self.options.key_rules if self.options.mask_pattern is not None else None
        found = (named_folders_layout(root, images, masks, pattern) if images is not None and masks is not None
                 else find_wrapped_layout(root, self._label_file()))
        return _settled(found) if found is not None else None

    def index_listed(self, root: Path, layout: Layout, classes: ClassSpec | None) -> DatasetIndex:
        """`index` of cases a table lists (a manifest's rows of volumes: Kaggle's COVID-19 CT
        scans `metadata.csv`) instead of those found in `root`, the folder they lie below."""
        return self._index(root, _settled(layout), classes)

    def _label_file(self) -> str | None:
        """The label volume's file name (or a pattern of it) in every case folder, when `--masks`
        alone names one (the 2018 Left Atrium challenge's `<case>/laendo.nrrd` beside `lgemri.nrrd`;
        KiTS21's `aggregated_MAJ_seg.nii.gz` among its three aggregations), with the folder it lies
        in (MSLUB's `preprocessed/consensus_gt.nii.gz`, beside `raw/`), or the name of its
        subfolder of a volume per structure (PDDCA's `<case>/structures/`)."""
        masks = self.options.masks
        alone = self.options.images is None and self.options.mask_pattern is None
        named = masks is not None and ("/" not in masks or masks.lower().endswith(VOLUME_SUFFIXES))
        return masks if alone and named else None

    def index(self, root: Path, classes: ClassSpec | None) -> DatasetIndex:
        return self._index(root, self.found(root) or Layout(), classes)

    def _index(self, root: Path, layout: Layout, classes: ClassSpec | None) -> DatasetIndex:
        """`index` of the cases of `layout`, under `root`."""
        # dataset.json, a MONAI datalist: read where the classes or the splits are still to find
        described = functools.cache(lambda: describe_cases(described_folders(root, layout)))
        if set(layout.splits.values()) <= {"train"} and layout.subjects:  # SSL4MIS' LA: data/train.list +
            # test.list name the case folders; Prostate158's train.csv + valid.csv those of its one train/ folder;
            # BTCV's dataset_0.json its "training" and "validation" cases
            layout.splits = (case_splits({s.name: s.images[0].parent for s in layout.subjects}, root)
                             or description_splits(described(), layout.subjects) or layout.splits)
        cache_root = cache_folder(self.options.cache_dir, "volumes")
        pairs, problems, labelled = [], list(layout.problems), []
        unannotated: dict[str, int] = {}  # case -> its slices left unannotated, not pairs
        across: dict[Path, str] = {}  # an image volume -> the plane it was acquired in, where not the one cut
        for subject in layout.subjects:
            try:
                cut = extract(subject, self.options.slice_axis, cache_root)
            except DataError as err:  # the case is left out; the audit makes it fatal, naming the file
                problems.append(Problem(subject.images[0], str(err), "bad-volume", (subject.label,)))
                continue
            if cut.acquired not in (None, self.options.slice_axis):
                across[subject.images[0]] = cut.acquired
            annotated = [s for s in cut.slices if not s.unannotated]
            if len(annotated) < len(cut.slices):
                unannotated[subject.name] = len(cut.slices) - len(annotated)
            labelled.append(LabelledCase(subject.label, cut.values, tuple(s.label for s in annotated)))
            kept = _keep_empty(annotated, self.options.empty_slices, subject.name)
            group, split = layout.groups.get(subject.name, subject.name), layout.splits.get(subject.name)
            cut_from = f"of '{subject.images[0]}' + '{subject.label}'"
            pairs += [Pair(f"{subject.name}/slice{s.index:03d}", s.image, s.label, split, group,
                           sources=dict.fromkeys((s.image, s.label), f"cut from slice {s.index} {cut_from}"))
                      for s in kept]
        log.info("%s: %d volumes cut into %d %s slices", root, len(layout.subjects), len(pairs),
                 self.options.slice_axis)
        _log_unannotated(unannotated, self.options.slice_axis)
        _say_other_planes(across, len(layout.subjects), self.options.slice_axis)
        if len(layout.subjects) == 1 and not layout.slices:
            _one_volume(layout.subjects[0], len(pairs))
        if layout.slices:
            log.info("%s: and %d 2-D slice files beside them, each an image and its mask (%s split)", root,
                     len(layout.slices), ", ".join(sorted({str(p.split) for p in layout.slices})))
        pairs = sorted(pairs + layout.slices, key=lambda p: natural_key(p.name))
        folder = layout.folder or root
        # a dataset.json whose label ids leave gaps (ToothFairy2's FDI tooth numbers) names the values, all declared;
        # one of nnU-Net's region-based training its regions
        declared = declared_of(described(), self.options.multiclass) if classes is None else Declared()
        segments, segment_values = _segment_names(layout.subjects) if classes is None else (None, None)
        classes = classes or declared.classes or segments or _structure_classes(layout.subjects)
        value_names = (declared.value_names or segment_values or _held_value_names([root, folder], labelled)) \
            if classes is None else None
        # a label volume's 0 is its background, named or not (CURVAS' README: `Labels 1 pancreas, 2 kidney, 3 liver`)
        value_names = replace(value_names, zero_is_background=True) if value_names is not None else None
        instances = instance_problem(labelled) if classes is None and value_names is None else None
        problems += [instances] if instances else []
        # FLARE22's UnlabeledCase folders; a case of nnU-Net channel files once (imagesTs/case_0000, case_0001)
        unlabelled = first_channels(layout.unlabelled + unlabelled_folders(folder, layout))
        modalities = {s.modalities for s in layout.subjects}  # the same in every case, or none recorded
        log_left_out(layout.left_out, {p.parent for p in layout.folder_cases})  # WMH's orig/, Mindboggle's MNI152
        log_label_products(layout.products)  # NFBS' T1w_brain beside T1w_brainmask
        return DatasetIndex(root, "volumes", pairs, unlabelled, classes, declared.regions or IdentityMapping(), problems,
                            ignored=layout.ignored + layout.left_out + layout.products + pictures_beside(folder, layout),
                            modalities=modalities.pop() if len(modalities) == 1 else (),
                            planes_as_channels=any(s.planes_as_channels for s in layout.subjects),
                            value_names=value_names, pairing=layout.grouping,
                            mask_values=frozenset({0, *(value for case in labelled for value in case.values)}))


def _settled(layout: Layout) -> Layout:
    """A layout's cases as every case is read: versions of a subject grouped, the modalities one vote
    keeps, colour pictures told, the channels every case has."""
    return with_common_channels(with_colour_pictures(on_label_grids(with_version_groups(layout))))


def _log_unannotated(slices: dict[str, int], axis: str) -> None:
    """One log line for the slices left out as unannotated (`slice_cache`: one value fills each,
    one no other slice holds), `slices` counting each case's."""
    if slices:
        case = next(iter(slices))
        log.info("left out %d %s slices of %d cases (e.g. %d of %s) that one value other than 0 fills, a value no "
                 "other slice holds: slices the release left unannotated (SAROS labels every fifth one, the others "
                 "255), not pairs", sum(slices.values()), axis, len(slices), slices[case], case)


def _say_other_planes(across: dict[Path, str], volumes: int, axis: str) -> None:
    """Warn where volumes were acquired in another plane than the one cut (`across`: an image
    volume -> its plane): MRSpineSeg's sagittal T2 stacks, cut axially, give slices a few voxels
    across whose every row is one thick sagittal slice; the route cuts the planes acquired."""
    if not across:
        return
    plane, count = Counter(across.values()).most_common(1)[0]
    example = next(path for path, found in across.items() if found == plane)
    log.warning("%d of %d volumes were acquired as %s slices (voxels at least %g times farther apart across that plane "
                "than within it: e.g. '%s') but are cut into %s slices, each row of which is one thick %s slice; "
                "cut them as acquired with --slice-axis %s", count, volumes, plane, THICK_SLICES, example, axis, plane,
                plane)


def _one_volume(subject: Subject, slices: int) -> None:
    """Warn that the slices of a dataset's only labelled volume are one group, which a drawn split
    cannot divide: MedSeg's `tr_im.nii.gz` stacks 100 slices of about 40 patients in one volume."""
    log.warning("'%s' is the only labelled volume: its %d slices are one case, which a drawn split keeps whole "
                "in one split (no val or test); if its slices are of several patients or scans, train on them "
                "split in contiguous runs: seglab train --split-mode blocks", subject.images[0], slices)


def _held_value_names(folders: Sequence[Path], cases: Sequence[LabelledCase]) -> ValueNames | None:
    """The names a table beside the volumes gives the values their label volumes hold, and 0
    (`value_names_in`: FreeSurferColorLUT.txt beside Mindboggle-101's): such a table names every
    structure its tool knows (FreeSurfer's 1,300 ids), not the dataset's classes. A table named
    after the label volumes (`label_set_tables`: neurite-oasis' `seg4_labels.txt` for `seg4.nii.gz`)
    names their classes, every one, and another label set's table none of them. None when no
    table names two of those values."""
    held = {0, *(value for case in cases for value in case.values)}
    labels = [case.label for case in cases]
    for folder in dict.fromkeys(folders):
        sets = label_set_tables(folder, [volume_stem(label) for label in labels])
        if sets.own is not None:
            log.info("'%s' is named after the label volumes (such as '%s'): its %d names are their classes",
                     sets.own.path, labels[0].name, len(sets.own.names))
            return sets.own
        table = _names_table(folder, labels)
        if table is not None and table.path not in sets.others:
            names = {value: name for value, name in table.names.items() if value in held}
            if len(names) < 2:
                return None
            log.info("'%s' names %d values, %d of them held by the label volumes: those are named",
                     table.path, len(table.names), len(names))
            return replace(table, names=names)
    return None


def _names_table(folder: Path, labels: Sequence[Path]) -> ValueNames | None:
    """The table in `folder` naming the values of `labels`: a BIDS look-up table there names those
    of its own segmentation alone (`bids.lookup_tables`: dHCP's `desc-drawem9_dseg.tsv`, not for
    `--masks '*drawem87_dseg.nii.gz'`), else the first table `value_names_in` reads."""
    tables = lookup_tables(folder, labels)
    if tables is None:
        return value_names_in(folder)
    return next((names for path in tables if (names := value_names_from_csv(path)) is not None), None)


def _segment_names(subjects: Sequence[Subject]) -> tuple[ClassSpec | None, ValueNames | None]:
    """What NRRD label volumes' headers name (`segment_labels`: 3D Slicer's `.seg.nrrd` segments,
    MITK's multi-label segmentations), when every case's do and they agree: the classes,
    background and then each label by its value, in its colour, when the values run 1, 2, ...;
    else the names of the values, which are classes in value order as any tool's table of its ids
    (MITK keeps a deleted label's value unused: Liver 1, Tumor 3). Neither otherwise."""
    labels = [s.label for s in subjects]
    if not labels or not all(p.name.lower().endswith(".nrrd") for p in labels):
        return None, None
    first = segment_labels(labels[0])  # read first: a header naming nothing spares reading the others'
    if not first or any(segment_labels(p) != first for p in labels[1:]):
        return None, None
    values = sorted(first)
    if values != list(range(1, len(values) + 1)):
        return None, ValueNames(labels[0], {0: "background", **{v: first[v][0] for v in values}}, complete=True)
    segments = [first[value] for value in values]
    colours = [colour for _, colour in segments]
    try:
        return ClassSpec(("background", *(name for name, _ in segments)),
                         ((0, 0, 0), *colours) if None not in colours else ()), None  # type: ignore[arg-type]
    except ValueError:  # two segments of one name or colour: named from the values instead
        return None, None


def _structure_classes(subjects: Sequence[Subject]) -> ClassSpec | None:
    """Background and a class per structure, named by its file, when the labels are a volume per
    structure (TotalSegmentator)."""
    structures = next((s.structures for s in subjects if s.structures), ())
    return ClassSpec(("background", *structures)) if structures else None


def _keep_empty(slices: list[SliceFiles], share: float, subject: str) -> list[SliceFiles]:
    """All labelled slices and `share` of the label-free ones, drawn with a seed from the
    subject's name (the same slices on every read, whatever other cases the dataset holds)."""
    if share >= 1:
        return slices
    empty = [s.index for s in slices if s.empty]
    rng = np.random.default_rng(zlib.crc32(subject.encode()))
    kept = set(rng.permutation(empty)[: round(share * len(empty))].tolist())
    return [s for s in slices if not s.empty or s.index in kept]
