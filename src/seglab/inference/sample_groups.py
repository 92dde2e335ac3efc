"""Predict HDF5 files that keep a sample per group (ChaBuD's `train_eval.hdf5`: `<uuid>/post_fire`,
`<uuid>/pre_fire` in some groups, `<uuid>/mask`) group by group, as training read them.

The array-stack format reads such a file as a stack of the image dataset every group holds
(`post_fire`; `pre_fire`, which some groups lack, is left out), a slice per group, named by its
group (`layouts.array_stacks`), or with `--bands pre_fire,post_fire` of those datasets stacked as
channels, from the groups holding them all. `seglab predict` reads each group's image so, as one
image of its own, and writes its outputs as an image file's (`files.write_prediction`), named by
the group: `<group>_mask.png`, `<group>_overlay.png`.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import numpy as np

from seglab.data.discovery.naming import looks_like_mask_folder
from seglab.data.files.hdf5_files import HDF5_SUFFIXES, SampleGroup, h5_sample_groups
from seglab.data.files.index import natural_key
from seglab.data.files.io import read_group_image
from seglab.data.layouts.sample_groups import groups_left_out, holding, members_of_every_group, named_bands
from seglab.errors import DataError
from seglab.inference.bad_inputs import BadInputs
from seglab.inference.files import WrittenPrediction, write_prediction
from seglab.inference.output_bases import OutputBases
from seglab.inference.predictor import Segmenter
from seglab.progress import progress_bar

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SampleFile:
    """An HDF5 file of a sample per group, and the image datasets read of each (stacked as channels
    in order), the first one's shape by group."""

    path: Path
    datasets: tuple[str, ...]
    shapes: dict[str, tuple[int, ...]]  # in the groups' natural order, as training ordered its slices

    def sources(self) -> dict[Path, str]:
        """Each group as an input (`<file>/<group>`), with the name its outputs are written under."""
        return {self.path / group: group for group in self.shapes}


def sample_files(files: Sequence[Path], images: str | None = None,
                 bands: Sequence[str] | None = None) -> list[SampleFile]:
    """The inputs among `files` that are HDF5 files of a sample per group (`hdf5_files.h5_sample_groups`),
    each with the image datasets of its groups: the run's `bands` where they name datasets of the
    groups (`--bands pre_fire,post_fire`: `layouts.sample_groups.named_bands`), of the groups holding
    them all, as training read them, the others left out and said; else, of the datasets every
    group holds, the one not named for masks, or named by the run's `images` (`--images post_fire`,
    a pattern), where given.

    Raises:
        DataError: a file none of whose datasets so read, or two (every group holding `pre_fire` and
            `post_fire`), naming them and the route; `bands` naming some datasets the groups lack.
    """
    found = []
    for path in files:
        if path.suffix.lower() not in HDF5_SUFFIXES or not path.is_file():
            continue
        samples = h5_sample_groups(path)
        if not samples:
            continue
        datasets = named_bands(path, samples, [band.lower() for band in bands] if bands else None) \
            or (_image_dataset(path, samples, images),)
        read = holding(samples, datasets)
        groups = sorted(read, key=natural_key)
        found.append(SampleFile(path, datasets, {group: samples[group].shapes[datasets[0]] for group in groups}))
        log.info("%s: %d groups, a sample each: each group's %s predicted as one image, as training read it%s",
                 path, len(groups), " + ".join(f"'{name}'" for name in datasets),
                 _left_out(samples, groups))
    return found


def _image_dataset(path: Path, samples: dict[str, SampleGroup], images: str | None) -> str:
    """Of the datasets every group holds, the one not named for masks (named by `images` where given).

    Raises:
        DataError: none, or two (`_no_one_image`).
    """
    every = members_of_every_group(samples)
    datasets = [name for name in every if not looks_like_mask_folder(name)
                and (images is None or fnmatchcase(name.lower(), images.lower()))]
    if len(datasets) != 1:
        raise DataError(_no_one_image(path, every, datasets, images))
    return datasets[0]


def _left_out(samples: dict[str, SampleGroup], groups: Sequence[str]) -> str:
    """What the log says of the groups not among `groups`, those lacking a dataset read, left out as
    training left them (ChaBuD's samples without `pre_fire`); nothing when none."""
    dropped = groups_left_out(samples, groups)
    if not dropped:
        return ""
    return (f"; the groups lacking one of them ({len(dropped)} of {len(samples)}, e.g. '{dropped[0]}') are not "
            "predicted, as training left them out")


def _no_one_image(path: Path, every: Sequence[str], datasets: Sequence[str], images: str | None) -> str:
    """Why a file of a sample per group gives no image dataset to predict, or two, and the route."""
    held = ", ".join(f"'{name}'" for name in every)
    if datasets:
        return (f"'{path}' keeps a sample per group, and every group holds {held}: "
                f"{' and '.join(repr(name) for name in datasets)} could each be the image, and the run does not "
                f"record which it read; train with --images {shlex.quote(datasets[0])} (the run records it, and "
                "predict reads that dataset)")
    named = f" that the run's --images {shlex.quote(images)} names" if images is not None else ""
    return (f"'{path}' keeps a sample per group, but no dataset every group holds is an image{named}: they hold "
            f"{held}; give a file whose groups each hold the image the run was trained on")


def predict_sample_files(
    predictor: Segmenter, found: Sequence[SampleFile], out_dir: str | Path, save_probs: bool = False,
    progress: bool = True, bad: BadInputs | None = None, values: np.ndarray | None = None,
    bases: OutputBases | None = None,
) -> list[WrittenPrediction]:
    """For each group of each file write `<group>_mask.png`, `<group>_overlay.png` (and with
    `save_probs` `<group>_probs.npy`) into `out_dir`, as `files.predict_files` writes an image's,
    its image read as training read it; every name is claimed in `bases` before any group is
    predicted (`OutputBases.claim_all`), and a group that cannot be read or predicted stops it, or
    is recorded in `bad` and passed over where that skips them (`BadInputs`)."""
    out = Path(out_dir)
    bad = bad or BadInputs()
    bases = bases or OutputBases()
    claimed = {source: base for sample in found for source, base in bases.claim_all(out, sample.sources()).items()}
    groups = [(sample, source, group) for sample in found for source, group in sample.sources().items()]
    written = []
    for sample, source, group in progress_bar(groups, desc="predict", unit="sample", enabled=progress):
        with bad.guard(source):
            base = claimed[source]
            image = read_group_image(sample.path, group, sample.datasets, sample.shapes[group], predictor.no_data)
            written.append(write_prediction(predictor, image, base, source, save_probs, values))
    return written
