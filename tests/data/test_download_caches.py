"""Download caches that keep a folder per version of a dataset (Hugging Face hub cache, kagglehub)
are read as their current version, not every version at once."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover
from seglab.errors import DataError


def picture(seed: int, mask: bool) -> Image.Image:
    rng = np.random.default_rng(seed)
    if mask:
        values = np.zeros((16, 16), np.uint8)
        values[seed % 8:seed % 8 + 6, 2:9] = 1 + seed % 2
        return Image.fromarray(values)
    return Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8))


def pairs(folder: Path, seeds: range) -> None:
    """images/ + masks/ of 16x16 pictures, named by seed."""
    for seed in seeds:
        for kind, mask in (("images", False), ("masks", True)):
            (folder / kind).mkdir(parents=True, exist_ok=True)
            picture(seed, mask).save(folder / kind / f"{seed:04d}.png")


def hub_repository(hub: Path, revisions: dict[str, range], main: str | None) -> Path:
    """A hub cache's `datasets--acme--seg/`: each revision's snapshot of links into `blobs/`."""
    repo = hub / "datasets--acme--seg"
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    if main is not None:
        (repo / "refs" / "main").write_text(main)
    for revision, seeds in revisions.items():
        files = repo / "files" / revision
        pairs(files, seeds)
        for path in sorted(p for p in files.rglob("*") if p.is_file()):
            blob = repo / "blobs" / hashlib.sha256(path.read_bytes()).hexdigest()
            os.replace(path, blob)
            link = repo / "snapshots" / revision / path.relative_to(files)
            link.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.path.relpath(blob, link.parent), link)
    (hub / ".locks").mkdir()
    return repo


def test_a_hub_cache_reads_the_revision_refs_main_names_not_every_snapshot(tmp_path: Path, caplog) -> None:
    old, new = "a" * 40, "b" * 40
    repo = hub_repository(tmp_path / "hub", {old: range(6), new: range(8)}, main=new)
    for data in (repo, tmp_path / "hub"):
        with caplog.at_level(logging.INFO, logger="seglab"):
            index = discover(data)
        assert len(index.pairs) == 8
        assert {p.image.parent.parent.name for p in index.pairs} == {new}
        assert "1 older snapshot(s) beside it left out" in caplog.text


@pytest.mark.parametrize("main", [None, "fifo"])
def test_a_hub_cache_without_its_current_revision_named_is_refused_naming_the_snapshots(tmp_path: Path,
                                                                                        main: str | None) -> None:
    repo = hub_repository(tmp_path / "hub", {"a" * 40: range(6), "b" * 40: range(8)}, main=None)
    if main == "fifo":
        os.mkfifo(repo / "refs" / "main")  # never opened to wait for a writer
    with pytest.raises(DataError, match="(?s)pass the snapshot folder.*snapshots/aaaa.*snapshots/bbbb"):
        discover(repo)
    assert len(discover(repo / "snapshots" / ("a" * 40)).pairs) == 6


@pytest.mark.parametrize("data", ["road-seg", "road-seg/versions"])
def test_kagglehub_reads_its_newest_finished_version(tmp_path: Path, data: str, caplog) -> None:
    versions = tmp_path / "road-seg" / "versions"
    for number, seeds in ((1, range(6)), (2, range(9)), (3, range(12))):
        pairs(versions / str(number) / "dataset", seeds)
    for number in (1, 2):  # version 3 is still downloading: no mark
        (versions / f"{number}.complete").touch()
    with caplog.at_level(logging.INFO, logger="seglab"):
        index = discover(tmp_path / data)
    assert len(index.pairs) == 9
    assert {p.image.parts[-4] for p in index.pairs} == {"2"}
    assert "versions 1, 3 left out" in caplog.text


def test_a_folder_holding_a_hub_repository_beside_its_own_data_is_read_whole(tmp_path: Path) -> None:
    hub_repository(tmp_path, {"a" * 40: range(6), "b" * 40: range(8)}, main="b" * 40)
    pairs(tmp_path / "mine", range(20, 23))
    assert any(p.image.parent.parent.name == "mine" for p in discover(tmp_path).pairs)  # not the hub's snapshot


@pytest.mark.parametrize("rounds", ["v1", "1"])
def test_a_datasets_own_versions_folder_is_read_as_it_is(tmp_path: Path, rounds: str) -> None:
    """Annotation rounds in `versions/1/`, `versions/2/` without kagglehub's `<N>.complete` marks."""
    pairs(tmp_path / "versions" / rounds, range(4))
    pairs(tmp_path / "versions" / rounds.replace("1", "2"), range(10, 14))
    assert len(discover(tmp_path).pairs) == 8


def test_a_datasets_own_snapshots_and_refs_folders_are_read_as_they_are(tmp_path: Path) -> None:
    """Camera snapshots beside reference notes, no hub's `blobs/`: read, not refused as a hub
    cache whose current revision is not named."""
    pairs(tmp_path / "snapshots" / "day1", range(3))
    pairs(tmp_path / "snapshots" / "day2", range(10, 13))
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "notes.txt").write_text("calibration targets")
    assert len(discover(tmp_path).pairs) == 6
