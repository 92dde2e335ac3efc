"""HDF5 files (.h5, .hdf5) as images and masks: one 2-D slice per file, or an image and its mask
in one file, as SSL4MIS ships ACDC (`slices/patient001_frame01_slice_1.h5`: `image`, `label`);
a 3-D case holding both (`load_h5_volume`), which the volumes format cuts into slices; or
stacks of 2-D slices (`h5_stack`), which the array-stack format pairs slice by slice: a file's only
dataset (MitoEM's `im.h5` beside `mito_label.h5`), or datasets named for stacks as a .npz file's
arrays are (`images` + `masks`, Keras' `x_train` + `y_train`); or a sample per group
(`h5_samples_and_datasets`: ChaBuD's `<uuid>/post_fire` + `<uuid>/mask`), its groups read as a
stack's slices (`h5_group_slices`). The image dataset's name tells a case from a stack (`names_a_case`,
`names_stacks`): SSL4MIS names a case's `image` and `label`, PlantSeg its `raw`.

A file holding several datasets gives the one named for its role (`npy_files.array_for_role`), as
a .npz file does; a file of a 2-D dataset per band beside one named for the mask gives its bands
as the image's channels (`_bands`: GEO-Bench's `01 - Coastal aerosol`, ..., `12 - SWIR` + `label`).
Shape and dtype come from the dataset's header before anything is read. h5py is an optional
dependency (`seglab[hdf5]`). A dataset whose data lies in other files (external storage, virtual
datasets, external links) is refused: a file must not make seglab read others.
h5py gives a name that is not UTF-8 as bytes, and a string attribute that is not as text holding
surrogates, which no message, pair name or report can print: an object so named is left out (with a
warning naming the file), and such text reads with U+FFFD in place of the bytes (`_text`).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from seglab.data.classes.text_files import regular_file
from seglab.data.files.channels import channels_last
from seglab.data.files.npy_files import array_for_role, numeric
from seglab.data.files.pixel_budget import within_budget
from seglab.data.files.read_errors import ReadError, Unusable

logger = logging.getLogger(__name__)

HDF5_SUFFIXES = (".h5", ".hdf5")
_MOST_DATASETS = 64  # datasets of a file whose headers are read to find stacks
# what an HDF5 case names its image (SSL4MIS' `image`, PlantSeg's and Platynereis' `raw`): a file of
# several datasets so named holds one 3-D case; other names for images (`images`, `x_train`, `X`,
# `data`) are stacks of 2-D images, as in a .npz file
CASE_IMAGE_NAMES = ("image", "img", "raw")


def h5py_module() -> ModuleType:
    """h5py, an optional dependency: without it, `Unusable` names the package to install."""
    try:
        return importlib.import_module("h5py")
    except ImportError:
        raise Unusable("is an HDF5 file, which needs h5py: pip install 'seglab[hdf5]'", "missing-codec") from None


def _dataset(file: Any, role: str, h5py: ModuleType) -> Any:
    """The dataset of an open file holding the image (or mask), in its groups too (Platynereis'
    `volumes/raw`): the only one, else one named for the role (`npy_files.array_for_role`), else
    for the image the file's bands (`_bands`). Links are not followed: an external one would make
    seglab read another file."""
    names = _dataset_names(file, h5py)
    try:
        name = array_for_role(names, role, "datasets", "no datasets", f"name the {role} dataset '{role}'")
    except Unusable:
        bands = _bands(file, names) if role == "image" else None
        if bands is None:
            raise
        return bands
    return _checked(file, name)


class _Bands:
    """2-D datasets of one shape read as the channels of one image, (H, W, C) in the order given;
    it reads as the dataset it stands for does (`name`, `shape`, `dtype`, `[()]`)."""

    def __init__(self, datasets: list[Any]) -> None:
        self.datasets = datasets
        self.names = tuple(d.name.removeprefix("/") for d in datasets)
        self.name = " + ".join(self.names)
        self.shape = (*datasets[0].shape, len(datasets))
        self.dtype = np.result_type(*(d.dtype for d in datasets))

    def __getitem__(self, index: Any) -> np.ndarray:
        return np.stack([np.asarray(d[index]) for d in self.datasets], axis=-1)  # promoted to `dtype`


def _bands(file: Any, names: list[str]) -> _Bands | None:
    """The bands of a file that keeps a 2-D dataset per band beside one named for the mask
    (GEO-Bench's `<sample>.hdf5`: `01 - Coastal aerosol`, `02 - Blue`, ..., `12 - SWIR` and
    `label`): every other dataset, two or more of the mask's (H, W), in the order of their names
    (GEO-Bench numbers its bands), so that every file stacks them alike; None for other files."""
    try:
        mask = array_for_role(names, "mask", "", "", "")
    except Unusable:
        return None
    shape = file[mask].shape  # None for a dataset of no array
    others = sorted(name for name in names if name != mask)
    if len(others) < 2 or len(shape or ()) != 2 or any(file[name].shape != shape for name in others):
        return None
    return _Bands([_checked(file, name) for name in others])


def h5_band_names(path: Path) -> tuple[str, ...]:
    """The names of an HDF5 file's bands in the order they are its image's channels (`_bands`);
    empty for a file whose image is one dataset, or that cannot be read."""
    try:
        h5py = h5py_module()
        with h5py.File(regular_file(path), "r") as file:
            image = _dataset(file, "image", h5py)
            return image.names if isinstance(image, _Bands) else ()
    except (OSError, RuntimeError, KeyError, Unusable):  # KeyError: an object HDF5 cannot open
        return ()


def _dataset_names(file: Any, h5py: ModuleType) -> list[str]:
    """The paths of an open file's datasets, in its groups too (`train/images`)."""
    names: list[str | bytes] = []
    file.visititems(lambda name, item: names.append(name) if isinstance(item, h5py.Dataset) else None)
    return _text_names(names, file)


def _text_names(names: Iterable[str | bytes], file: Any) -> list[str]:
    """Those of `names` h5py gives as text: one it gives as bytes is not UTF-8, and no message or
    pair name can hold it; its object is left out, with a warning naming the file and the route."""
    listed = list(names)
    kept = [name for name in listed if isinstance(name, str)]
    if len(kept) < len(listed):
        odd = next(name for name in listed if isinstance(name, bytes))
        logger.warning("HDF5 file '%s': objects named in bytes that are not UTF-8 are left out (%d, e.g. '%s'); "
                       "rename them in UTF-8 to read them", file.filename, len(listed) - len(kept), _text(odd))
    return kept


def _text(value: str | bytes) -> str:
    """Text h5py gives, printable: bytes that are not UTF-8, and the surrogates h5py decodes them
    to in a string attribute, become U+FFFD."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")
    return raw.decode("utf-8", "replace")


def _checked(file: Any, name: str) -> Any:
    """The dataset `name` of an open file, refused (`Unusable`) when its data lies in other files,
    it holds no numbers, or no array (HDF5's null dataspace, which h5py reads as `Empty`, of no shape)."""
    dataset = file[name]
    if dataset.is_virtual or dataset.external:
        raise Unusable(f"dataset '{name}' keeps its data in other files (virtual or external storage); "
                       "save the array in the file itself", "external-data")
    try:
        dtype = dataset.dtype
    except ValueError as err:  # a type no NumPy dtype holds (a 128-bit float, a damaged type message)
        raise Unusable(f"dataset '{name}' has a data type NumPy cannot hold ({err}); save it as a standard "
                       "integer or float array", "bad-dtype") from None
    numeric(dtype)
    if dataset.shape is None:
        raise Unusable(f"dataset '{name}' holds no array (an empty dataspace); save the array in it", "bad-shape")
    return dataset


@contextmanager
def _damage_named() -> Iterator[None]:
    """HDF5's library reports a damaged file (a bad heap, a length past the end) as RuntimeError,
    or as KeyError for an object it cannot open, which no reader expects: it becomes
    `unreadable`, naming the file."""
    try:
        yield
    except (RuntimeError, KeyError) as err:
        raise Unusable(f"cannot be read as HDF5 (damaged or truncated): {err}", "unreadable") from None


def h5_header(path: Path, role: str = "image") -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype of the dataset holding the image (or mask), reading no pixels."""
    h5py = h5py_module()
    with _damage_named(), h5py.File(regular_file(path), "r") as file:
        dataset = _dataset(file, role, h5py)
        return tuple(dataset.shape), dataset.dtype


def load_h5(path: Path, role: str) -> np.ndarray:
    """The image (or mask) array of an HDF5 file, within the pixel budget."""
    h5py = h5py_module()
    with _damage_named(), h5py.File(regular_file(path), "r") as file:
        dataset = _dataset(file, role, h5py)
        within_budget(tuple(dataset.shape))
        return np.asarray(dataset[()])


def h5_holds_volume(path: Path) -> bool:
    """Whether an HDF5 file holds a 3-D image named as a case's (`names_a_case`) and a different
    3-D label dataset of its shape, a case of SSL4MIS' volume datasets (LA's `mri_norm2.h5`,
    Pancreas-CT, BraTS 2019, ACDC's `patient001_frame01.h5`); read from the headers. Datasets of
    other names (`images` + `masks` of (N, H, W)) are stacks of 2-D images, as in a .npz file."""
    found = _image_and_mask(path)
    return found is not None and names_a_case(found[0]) and len(found[1]) == 3 and found[2] == found[1]


def names_a_case(name: str) -> bool:
    """Whether a dataset's name, less its groups (`volumes/raw`), is one of `CASE_IMAGE_NAMES`."""
    return name.rsplit("/", 1)[-1].lower() in CASE_IMAGE_NAMES


def names_stacks(names: Collection[str]) -> bool:
    """Whether an HDF5 file's datasets (`names`) are stacks of 2-D images, read by their names as a
    .npz file's arrays (`images` + `masks`, `x_train` + `y_train`): several, none named as a case's
    image (`names_a_case`). A file's only dataset is not told by its name (MitoEM's `main` stack,
    NucMM's `main` volume)."""
    return len(names) > 1 and not any(map(names_a_case, names))


def h5_holds_stacks(path: Path) -> bool:
    """`names_stacks` of an HDF5 file's datasets, from its header: what training read as stacks of
    2-D images, `seglab predict` reads so too, not as a volume. False for a file that cannot be read."""
    return names_stacks(h5_dataset_shapes(path))


def load_h5_volume(path: Path, role: str) -> np.ndarray:
    """A 3-D image (or label) of an HDF5 case with its thinnest axis last: HDF5 keeps no
    orientation, and SSL4MIS' cases keep their slices across the thinnest axis, first (ACDC's
    (10, 256, 216)) or last (LA's (576, 576, 88)); "axial" slices cut across it."""
    array = load_h5(path, role)
    return np.moveaxis(array, int(np.argmin(array.shape)), -1)


def h5_image_shape(path: Path) -> tuple[int, ...] | None:
    """The shape of an HDF5 file's image dataset, from its header, for `seglab predict` to tell a
    volume (NucMM's `img_000_604_576.h5`, PlantSeg's `raw`) from an image; None without h5py or for
    a file that cannot be read (read as an image, its error names it)."""
    try:
        return h5_header(path)[0]
    except (OSError, Unusable):
        return None


def h5_in_file_order(labels: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Labels of a volume read by `load_h5_volume` back in the axis order of its dataset of `shape`
    (the thinnest axis from last to where it was), so they index as the file's arrays do."""
    return np.moveaxis(labels, -1, int(np.argmin(shape)))


def h5_holds_image_and_mask(path: Path) -> bool:
    """Whether an HDF5 file holds a 2-D image dataset and a different mask dataset of its size
    (SSL4MIS' ACDC slices); its 3-D volumes (`patient001_frame01.h5`) are not 2-D pairs."""
    found = _image_and_mask(path)
    if found is None:
        return False
    _, image, mask = found
    if len(mask) == 3 and len(image) == 3 and mask != image and channels_last(mask) and channels_last(image):
        mask = mask[:2]  # a channel per class (BraTS 2020's 2-D slices); a volume's image and label are alike
    return len(mask) == 2 and len(image) in (2, 3) and mask in (image[:2], image[-2:])


def h5_pair_shapes(path: Path) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The shapes of an HDF5 file's image and mask datasets, from the headers, where they are two
    datasets; None otherwise, or for a file that cannot be read."""
    found = _image_and_mask(path)
    return found[1:] if found is not None else None


def _image_and_mask(path: Path) -> tuple[str, tuple[int, ...], tuple[int, ...]] | None:
    """The name of an HDF5 file's image dataset and the shapes of its image and mask datasets, from
    the headers; None when one dataset would serve as both, or the file cannot be read."""
    try:
        h5py = h5py_module()
        with h5py.File(regular_file(path), "r") as file:
            image, mask = _dataset(file, "image", h5py), _dataset(file, "mask", h5py)
            return None if image.name == mask.name else (image.name, tuple(image.shape), tuple(mask.shape))
    except (OSError, RuntimeError, KeyError, Unusable):  # KeyError: an object HDF5 cannot open
        return None


def h5_dataset_shapes(path: Path) -> dict[str, tuple[int, ...]]:
    """The shape of each dataset of numbers in an HDF5 file by its path (`x_train`, `images`, in a
    group per split `train/images`), from the headers, for the array-stack format to read as it
    reads a .npz file's arrays; none kept in other files, and none for a file that cannot be read
    or without h5py (read as an image, its error names it)."""
    try:
        h5py = h5py_module()
        with h5py.File(regular_file(path), "r") as file:
            return open_dataset_shapes(file, h5py)
    except (OSError, RuntimeError, ValueError, KeyError, Unusable):  # KeyError: an object HDF5 cannot open
        return {}


def open_dataset_shapes(file: Any, h5py: ModuleType) -> dict[str, tuple[int, ...]]:
    """`h5_dataset_shapes` of an open file."""
    return {name: tuple(file[name].shape) for name in _usable(file, _dataset_names(file, h5py), h5py)}


def _usable(file: Any, names: list[str], h5py: ModuleType) -> list[str]:
    """Those of `names` that are datasets of numbers kept in the file (`_checked`)."""
    usable = []
    for name in names[:_MOST_DATASETS]:
        try:
            if isinstance(file.get(name, getlink=True), h5py.HardLink) and isinstance(file[name], h5py.Dataset):
                usable.append(_checked(file, name).name.removeprefix("/"))
        except Unusable:
            continue
    return usable


@dataclass(frozen=True)
class SampleGroup:
    """One group of an HDF5 file that keeps a sample per group (`h5_samples_and_datasets`).

    Args:
        shapes: its datasets' shapes by name (`post_fire`, `mask`), from their headers.
        attributes: its attributes of one number or string each (ChaBuD's `fold`).
    """

    shapes: dict[str, tuple[int, ...]]
    attributes: dict[str, int | float | str]


def h5_sample_groups(path: Path) -> dict[str, SampleGroup]:
    """An HDF5 file's groups by name when it keeps a sample per group (`_sample_groups`: what
    predict needs of an input, without `h5_samples_and_datasets`' walk of other files' datasets);
    empty for any other file, one that cannot be read, or without h5py."""
    try:
        h5py = h5py_module()
        with h5py.File(regular_file(path), "r") as file:
            return _sample_groups(file, h5py)
    except (OSError, RuntimeError, ValueError, KeyError, Unusable):  # KeyError: an object HDF5 cannot open
        return {}


def h5_samples_and_datasets(path: Path) -> tuple[dict[str, SampleGroup], dict[str, tuple[int, ...]]]:
    """What the array-stack format looks for in an HDF5 file, read in one opening: its groups by
    name when it keeps a sample per group (`_sample_groups`), and the shape of each of its datasets
    (`h5_dataset_shapes`: a group per split, `train/images`, is no sample per group). Both empty for
    a file that cannot be read, or without h5py."""
    try:
        h5py = h5py_module()
        with h5py.File(regular_file(path), "r") as file:
            samples = _sample_groups(file, h5py)
            return samples, _member_shapes(samples) if samples else open_dataset_shapes(file, h5py)
    except (OSError, RuntimeError, ValueError, KeyError, Unusable):  # KeyError: an object HDF5 cannot open
        return {}, {}


def _sample_groups(file: Any, h5py: ModuleType) -> dict[str, SampleGroup]:
    """Each group of an open file by name, when the file keeps a sample per group (ChaBuD's
    `train_eval.hdf5`: `<uuid>/post_fire`, `pre_fire`, `mask`, a `fold` attribute): its root holds
    two groups or more and nothing else, each holding datasets of numbers kept in the file and
    nothing else. Empty otherwise, or for groups that cannot be read."""
    try:
        names = _text_names(file, file)
        if len(names) < 2 or not all(isinstance(file.get(n, getlink=True), h5py.HardLink)
                                     and isinstance(file[n], h5py.Group) for n in names):
            return {}
        found = {}
        for name in names:
            members = [f"{name}/{member}" for member in _text_names(file[name], file)]
            usable = _usable(file, members, h5py)
            if not usable or len(usable) < len(members):
                return {}
            found[name] = SampleGroup({m.rsplit("/", 1)[1]: tuple(file[m].shape) for m in usable},
                                      _scalars(file[name].attrs))
        return found
    except (OSError, RuntimeError, ValueError, KeyError, TypeError, Unusable):  # TypeError: a type h5py cannot map
        return {}


def _member_shapes(samples: dict[str, SampleGroup]) -> dict[str, tuple[int, ...]]:
    """`h5_dataset_shapes` of a file of `samples`, whose every dataset is a group's member: its
    groups are not walked a second time (ChaBuD's thousands)."""
    shapes = {f"{group}/{name}": shape for group, sample in samples.items() for name, shape in sample.shapes.items()}
    return dict(list(shapes.items())[:_MOST_DATASETS])


def _scalars(attributes: Any) -> dict[str, int | float | str]:
    """The attributes of one number or string each, as Python values, their names and strings as
    `_text`."""
    found: dict[str, int | float | str] = {}
    for name, value in attributes.items():
        value = _text(value) if isinstance(value, (bytes, str)) else value
        if isinstance(value, np.generic) and value.ndim == 0:
            value = value.item()
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            found[_text(name)] = value
    return found


def h5_class_names(path: Path) -> tuple[str, ...] | None:
    """The class names an HDF5 file lists in a `classes` attribute on its root, one per mask value
    from 0 (`[b"background", b"lesion"]`, as preprocessed releases note them); None without one, for
    anything but distinct non-empty strings, or a file that cannot be read."""
    try:
        h5py = h5py_module()
        with h5py.File(regular_file(path), "r") as file:
            listed = np.asarray(file.attrs.get("classes", ()))
    except (OSError, RuntimeError, ValueError, KeyError, TypeError, Unusable):  # TypeError: a type h5py cannot map
        return None
    if listed.ndim != 1 or listed.dtype.kind not in "OSU":
        return None
    names = tuple(_text(n) if isinstance(n, (bytes, str)) else n for n in listed.tolist())
    usable = all(isinstance(n, str) and n.strip() for n in names) and len(set(names)) == len(names)
    return names if names and usable else None


def h5_stack_shape(path: Path) -> tuple[int, ...] | None:
    """The shape of an HDF5 file's only dataset (MitoEM's `im.h5` and `mito_label.h5`, each a
    (Z, Y, X) dataset `main`), from its header; None for a file of several (SSL4MIS' cases hold
    an image and a label), without h5py, or for a file that cannot be read."""
    try:
        h5py = h5py_module()
        with h5py.File(regular_file(path), "r") as file:
            return tuple(_dataset(file, "image", h5py).shape) if len(file) == 1 else None
    except (OSError, RuntimeError, ValueError, KeyError, Unusable):  # KeyError: an object HDF5 cannot open
        return None


class _Slices:
    """An open dataset read one index at a time; a damaged chunk is a `ReadError` naming the file."""

    def __init__(self, dataset: Any, path: Path) -> None:
        self.dataset, self.path = dataset, path

    def __getitem__(self, index: int | slice) -> np.ndarray:
        try:
            return np.asarray(self.dataset[index])
        except (OSError, RuntimeError, ValueError, KeyError) as err:
            raise ReadError(f"HDF5 stack '{self.path}' cannot be read (damaged or truncated): {err}") from None


class _GroupSlices:
    """The datasets `names` of each of `groups` of an open file, read one group at a time as the
    slices of a stack (`slices[i]`, `slices[:8]`), several as the channels of one slice, in order
    (ChaBuD's `pre_fire` then `post_fire`); a damaged one is a `ReadError` naming the file."""

    def __init__(self, file: Any, groups: Sequence[str], names: Sequence[str], path: Path) -> None:
        self.file, self.groups, self.names, self.path = file, groups, names, path

    def __getitem__(self, index: int | slice) -> np.ndarray:
        if isinstance(index, slice):
            return np.stack([self[i] for i in range(*index.indices(len(self.groups)))])
        read = [self._read(f"{self.groups[index]}/{name}") for name in self.names]
        if len(read) == 1:
            return read[0]
        return np.concatenate([array[..., None] if array.ndim == 2 else array for array in read], axis=2)

    def _read(self, member: str) -> np.ndarray:
        try:
            return np.asarray(_checked(self.file, member)[()])
        except (OSError, RuntimeError, ValueError, KeyError) as err:
            raise ReadError(f"HDF5 file '{self.path}' cannot be read at '{member}' (damaged or truncated): {err}"
                            ) from None


@contextmanager
def h5_group_slices(path: Path, groups: Sequence[str], names: Sequence[str]) -> Iterator[_GroupSlices]:
    """The datasets `names` of each of a file's `groups` (`h5_samples_and_datasets`), open to be read one
    group at a time, as a stack's slices are (`h5_stack`), several stacked as channels.

    Raises:
        Unusable: no h5py, a damaged file.
        ReadError: a damaged or missing dataset, while slices are read.
    """
    h5py = h5py_module()
    with _damage_named(), h5py.File(regular_file(path), "r") as file:
        yield _GroupSlices(file, groups, names, path)


@contextmanager
def h5_stack(path: Path, name: str | None = None) -> Iterator[_Slices]:
    """The dataset `name` of an HDF5 file (by default its only one), open to be read slice by slice
    (`slices[i]`), so that a volume larger than memory (MitoEM's 4096 x 4096 slices) is never read
    whole.

    Raises:
        Unusable: no h5py, a damaged file, a dataset of objects or kept in other files.
        ReadError: a damaged chunk, while slices are read.
    """
    h5py = h5py_module()
    with _damage_named(), h5py.File(regular_file(path), "r") as file:
        yield _Slices(_dataset(file, "image", h5py) if name is None else _checked(file, name), path)
