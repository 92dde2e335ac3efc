"""Split lists that name images by their path in the dataset, because their file names repeat.

CULane's `list/train.txt` names `/driver_23_30frame/05151649_0422.MP4/00000.jpg`: every clip folder
holds a `00000.jpg`, so the file name alone would put one image in train and val at once. Such
lists are read by path (`listed_paths`) and each image folder takes the entries of its own files
(`FolderEntries.in_folder`), matched by the folders both paths end with. A list naming one file per
folder (Prostate158's `train/020/t2.nii.gz`) names the folders instead (`list_readers._listed_names`).
"""

from __future__ import annotations

from pathlib import Path

from seglab.data.files.mat_files import MAT_SUFFIX
from seglab.data.splitting.list_readers import first_words, is_table, listed_stem


def listed_paths(files: dict[str, Path]) -> dict[str, list[str]] | None:
    """The images each split's list names as paths within the dataset, less the image suffix
    (`driver_23_30frame/05151649_0422.MP4/00000`), when every list is a text list of paths whose
    file names repeat in several folders, some folder holding several listed files; else None:
    the lists name images by stem (`list_splits.split_of_stems`).

    Raises:
        DataError: a list that cannot be read, naming it.
    """
    if any(is_table(p) or p.suffix.lower() == MAT_SUFFIX for p in files.values()):
        return None
    words = {split: first_words(path) for split, path in files.items()}
    if not all("/" in w.replace("\\", "/").strip("/") for listed in words.values() for w in listed):
        return None
    paths = {split: [_listed_path(w) for w in listed] for split, listed in words.items()}
    every = {p for listed in paths.values() for p in listed}
    folders = [p.rpartition("/")[0] for listed in paths.values() for p in listed]
    stems = {p.rpartition("/")[2] for p in every}
    return paths if every and len(stems) < len(every) and len(set(folders)) < len(folders) else None


class FolderEntries:
    """The path entries of a split dict (`listed_paths`) grouped by their folder's last part: an
    image folder can only own the entries of its own last part, so each looks at those alone
    (CULane's 126k paths, a few hundred per clip folder), and at none when no entry is a path."""

    def __init__(self, split_of: dict[str, str]) -> None:
        self._by_last: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        if not any("/" in entry for entry in split_of):  # a list of stems (CUB's 11,788 names)
            return
        for entry, split in split_of.items():
            folder, _, stem = entry.rpartition("/")
            if folder:
                listed = tuple(folder.split("/"))
                self._by_last.setdefault(listed[-1], []).append((listed, stem, split))

    def in_folder(self, image_dir: Path, root: Path) -> dict[str, str]:
        """stem -> split of the entries in `image_dir`: those whose folder and the image folder's
        path in `root` end alike (a list may name paths from a folder above the dataset's, or below
        it); empty for lists of stems."""
        own = image_dir.relative_to(root).parts if image_dir.is_relative_to(root) else image_dir.parts
        found = {}
        for listed, stem, split in self._by_last.get(own[-1], ()) if own else ():
            shared = min(len(listed), len(own))
            if listed[-shared:] == own[-shared:]:
                found[stem] = split
        return found


def _listed_path(word: str) -> str:
    """A list's word as a path within the dataset, less its image suffix and any leading `/`."""
    folder, _, name = word.replace("\\", "/").strip("/").rpartition("/")
    return f"{folder}/{listed_stem(name)}"
