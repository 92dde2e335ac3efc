"""A stack: a file of many 2-D images or masks, or one array of a .npz or HDF5 file, known from
its header alone, and its slices read only when they are written out (a .npy memory-mapped, an
HDF5 dataset slice by slice), so that finding and pairing stacks never loads one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seglab.data.files.hdf5_files import HDF5_SUFFIXES, SampleGroup, h5_group_slices, h5_stack
from seglab.data.files.npy_files import memory_mapped
from seglab.data.files.npz_stacks import read_npz_stack
from seglab.data.files.read_errors import TIFF_SUFFIXES, Unusable
from seglab.data.files.tiff_stacks import read_tiff_stack
from seglab.errors import DataError


@dataclass(frozen=True)
class _Stack:
    """A file of many images or masks (or an array of a .npz or HDF5 file: `member`), from its header."""

    path: Path
    shape: tuple[int, ...]
    member: str | None = None
    groups: tuple[str, ...] = ()  # an HDF5 file's groups, a sample each, whose `member` the slices are
    # those groups as detection read them (their folds, their datasets), not read again for the index
    samples: dict[str, SampleGroup] = field(default_factory=dict, compare=False, hash=False, repr=False)
    more_members: tuple[str, ...] = ()  # each group's datasets whose channels follow `member`'s (`--bands`)

    @property
    def count(self) -> int:
        return self.shape[0]

    @property
    def size(self) -> tuple[int, int]:
        return self.shape[1], self.shape[2]

    @property
    def members(self) -> tuple[str, ...]:
        """Its arrays: `member`, then those whose channels follow (ChaBuD's `pre_fire`, `post_fire`);
        none for a file's only array."""
        return (self.member, *self.more_members) if self.member is not None else ()

    @property
    def name(self) -> str:
        """What names its role and split: the array's name (`X`, `y_train`; `pre_fire+post_fire`), else the file's."""
        return "+".join(self.members) or self.path.stem

    @property
    def member_words(self) -> str | None:
        """Its arrays' names fit for a file name: an HDF5 dataset's groups joined by `_` (`train_images`)."""
        return "_".join(member.replace("/", "_") for member in self.members) or None

    @property
    def image_unless_named(self) -> bool:
        """A multi-page TIFF or an HDF5 file's only dataset is images unless named for masks (Lucchi's
        `training.tif`, MitoEM's `im.h5`): EM stacks name their images so; so is a dataset of every
        sample's group (ChaBuD's `post_fire`), named for what it shows."""
        one_dataset = self.member is None and self.path.suffix.lower() in (*TIFF_SUFFIXES, *HDF5_SUFFIXES)
        return one_dataset or bool(self.groups)

    @contextmanager
    def slices(self) -> Iterator[Sequence[np.ndarray]]:
        """The stack's slices: a .npy file memory-mapped, a TIFF's pages or a .npz array read, an
        HDF5 dataset open to be read slice by slice.

        Raises:
            DataError: a damaged or truncated file, naming it.
        """
        suffix = self.path.suffix.lower()
        if suffix in TIFF_SUFFIXES:
            yield read_tiff_stack(self.path)
        elif suffix in HDF5_SUFFIXES:
            try:
                with (h5_group_slices(self.path, self.groups, self.members) if self.groups and self.member
                      else h5_stack(self.path, self.member)) as dataset:
                    yield dataset
            except Unusable as err:
                raise DataError(f"HDF5 stack '{_label(self)}' {err}") from None
        elif self.member is not None:
            yield read_npz_stack(self.path, self.member)
        else:
            try:
                mapped = memory_mapped(self.path)
            except (OSError, ValueError) as err:
                raise DataError(f"stack '{self.path}' cannot be read as a NumPy array (damaged or truncated, or "
                                f"of Python objects): {err}") from None
            yield mapped


def _label(stack: _Stack, root: Path | None = None) -> str:
    """The stack's file (below `root`), and its array in a .npz file: `a.npz:X`; in each group of
    an HDF5 file of a sample per group: `train_eval.hdf5:<group>/mask`."""
    path = stack.path.relative_to(root).as_posix() if root is not None else str(stack.path)
    member = f"<group>/{stack.name}" if stack.groups else stack.member
    return f"{path}:{member}" if member is not None else path
