"""A download cache that keeps a folder per version of one dataset, read as its current version:

- the Hugging Face hub cache (`~/.cache/huggingface/hub/datasets--owner--name/`): a
  `snapshots/<revision>/` per revision downloaded, its files links into `blobs/`, and
  `refs/main` naming the current revision; an update downloaded leaves the old snapshot beside;
- kagglehub's cache (`~/.cache/kagglehub/datasets/<owner>/<name>/versions/<N>/`): a folder per
  version downloaded, an empty `<N>.complete` beside each finished one (a `versions/` without
  any such mark is a dataset's own folder, read as it is).

Read whole, every version's files would count: the images the versions share twice over, each
copy free to land in another split, and the files beside the versions (the card's
`id2label.json`) not found where a reader looks for them. Passing the cache's folder is what
`snapshot_download` and `dataset_download` hand back one level up, so it is read as the folder
of the version that is current, and said so.
"""

from __future__ import annotations

import logging
from pathlib import Path

from seglab.data.classes.text_files import open_regular
from seglab.data.files.folder_listing import entries, listing
from seglab.errors import DataError

logger = logging.getLogger(__name__)

_HUB_REPO_KINDS = ("datasets--", "models--", "spaces--")  # the folders of a hub cache, one per repository
# a hub repository's folders, all three: a dataset's own `snapshots/` beside `refs/` is no cache
_HUB_REPO_FOLDERS = ("blobs", "refs", "snapshots")
_KAGGLE_DONE = ".complete"  # kagglehub's mark of a finished download beside its version folder
_MOST_REF_BYTES = 256  # refs/main holds a 40-character commit hash


def current_version(root: Path) -> Path:
    """The folder of the current version of the dataset `root` caches (see module doc), logged
    with the way to read another; `root` itself when it is no such cache.

    Raises:
        DataError: a hub repository folder whose current revision is not named (no `refs/main`
            naming a snapshot held) among several snapshots; the refusal names them.
    """
    repo = _lone_hub_repository(root) or root
    if all((repo / name).is_dir() for name in _HUB_REPO_FOLDERS):
        return _hub_snapshot(repo)
    versions = root / "versions" if (root / "versions").is_dir() and _visible(root) == [root / "versions"] else root
    numbered = _version_folders(versions) if versions.name == "versions" else {}
    finished = [n for n in numbered if (versions / f"{n}{_KAGGLE_DONE}").is_file()]
    return _kaggle_version(versions, numbered, finished) if finished else root


def _lone_hub_repository(root: Path) -> Path | None:
    """The one dataset repository of a hub cache folder (`hub/` holding `datasets--owner--name/`,
    maybe beside models' folders and `version.txt`: no folder but repositories'), None otherwise."""
    folders = _visible_folders(root)
    datasets = [p for p in folders if p.name.startswith("datasets--")]
    return datasets[0] if len(datasets) == 1 and all(p.name.startswith(_HUB_REPO_KINDS) for p in folders) else None


def _hub_snapshot(repo: Path) -> Path:
    """The snapshot `refs/main` names, or the only one (see `current_version`)."""
    snapshots = sorted(_visible_folders(repo / "snapshots"))
    named = _main_revision(repo)
    chosen = next((p for p in snapshots if p.name == named), None)
    if chosen is None and len(snapshots) == 1:
        chosen = snapshots[0]
    if chosen is None:
        shown = "".join(f"\n  {p}" for p in snapshots[:10]) or " (none)"
        raise DataError(f"'{repo}' is a Hugging Face hub cache whose current revision is not named (no refs/main "
                        f"naming one of its snapshots); pass the snapshot folder to read as DATA:{shown}")
    others = len(snapshots) - 1
    logger.info("'%s' is a Hugging Face hub cache: its current revision, snapshots/%s, is read as the dataset%s",
                repo, chosen.name, f" ({others} older snapshot(s) beside it left out; pass one as DATA to read "
                                   f"it)" if others else "")
    return chosen


def _main_revision(repo: Path) -> str:
    """The revision `refs/main` names (a commit hash, one line); "" where there is no such regular file."""
    try:
        with open_regular(repo / "refs" / "main") as file:
            return file.read(_MOST_REF_BYTES).decode("ascii", errors="replace").strip()
    except OSError:  # none, or a FIFO or folder in its place: no revision named
        return ""


def _version_folders(versions: Path) -> dict[int, Path]:
    """The numbered version folders of a kagglehub `versions/` folder; none where it holds
    anything else (a dataset's own folder named so)."""
    listed = listing(versions)
    numbered: dict[int, Path] = {}
    for p in _visible(versions):
        if p.name in listed.folders and p.name.isdigit():
            numbered[int(p.name)] = p
        elif not (p.name in listed.files and p.name.endswith(_KAGGLE_DONE) and p.name[:-len(_KAGGLE_DONE)].isdigit()):
            return {}
    return numbered


def _kaggle_version(versions: Path, numbered: dict[int, Path], finished: list[int]) -> Path:
    """The newest of the `finished` versions (those marked `<N>.complete`)."""
    newest = max(finished)
    left = sorted(n for n in numbered if n != newest)
    logger.info("'%s' holds kagglehub's downloads of %d version(s): the newest finished, versions/%d, is read as "
                "the dataset%s", versions, len(numbered), newest,
                f" (versions {', '.join(map(str, left))} left out; pass one's folder as DATA to read it)"
                if left else "")
    return numbered[newest]


def _visible(folder: Path) -> list[Path]:
    """The entries of `folder` but hidden ones (the hub's `.locks/`, `.no_exist/`)."""
    return [p for p in entries(folder) if not p.name.startswith(".")]


def _visible_folders(folder: Path) -> list[Path]:
    """The folders among `_visible`'s entries, told by the folder's listing, not a stat each (DATA's
    own folder is asked on every discover, a flat folder of 20,000 images too)."""
    folders = listing(folder).folders
    return [p for p in _visible(folder) if p.name in folders]
