"""The decoded-sample cache: disk round trip, invalidation and repair, the auto choice, config and CLI."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest
import torch

from seglab import config
from seglab.cli import build_config, build_parser
from seglab.data.loading import dataset as dataset_module
from seglab.data.loading import prepare
from seglab.data.loading.augment import build_augment
from seglab.data.loading.cache import choose_cache, decoded_bytes
from seglab.data.loading.dataset import SegmentationDataset
from seglab.data.layouts.discover import discover
from seglab.data.loading.sampling import PatchSampler
from seglab.data.checking.stats import scan
from seglab.errors import ConfigError, DataError

MEAN, STD = (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)


def build(root, cache_dir, cache="disk", size=(24, 20), **options) -> SegmentationDataset:
    index = discover(root)
    return SegmentationDataset(index.pairs, index.mapping, size, MEAN, STD, num_classes=4, cache=cache,
                               cache_dir=cache_dir, **options)


def count_decodes(monkeypatch) -> list:
    calls: list = []
    original = dataset_module.read_image
    monkeypatch.setattr(dataset_module, "read_image", lambda p, *rest: calls.append(p) or original(p, *rest))
    return calls


def forbid_decoding(monkeypatch) -> None:
    def fail(path, *rest):
        raise AssertionError(f"'{path}' was decoded instead of read from the cache")

    monkeypatch.setattr(dataset_module, "read_image", fail)
    monkeypatch.setattr(dataset_module, "read_mask", fail)


def assert_same(a: dict, b: dict) -> None:
    assert a["name"] == b["name"]
    assert torch.equal(a["image"], b["image"]) and torch.equal(a["mask"], b["mask"])


def test_disk_cache_round_trip_then_reads_without_decoding(tiny_dataset, tmp_path, monkeypatch):
    plain = build(tiny_dataset, None, cache="none")
    expected = [plain[i] for i in range(len(plain))]
    first = build(tiny_dataset, tmp_path / "cache")
    for i, sample in enumerate(expected):
        assert_same(first[i], sample)
    images, masks = sorted((tmp_path / "cache").rglob("*.image.npy")), sorted((tmp_path / "cache").rglob("*.mask.npy"))
    assert len(images) == len(masks) == 12
    assert np.load(images[0]).dtype == np.uint8 and np.load(images[0]).shape == (24, 20, 3)
    assert np.load(masks[0]).dtype == np.uint8
    assert not list((tmp_path / "cache").rglob("*.tmp"))

    forbid_decoding(monkeypatch)
    second = build(tiny_dataset, tmp_path / "cache")
    for i, sample in enumerate(expected):
        assert_same(second[i], sample)


def test_training_views_read_from_the_disk_cache_match_uncached_ones(tiny_dataset, tmp_path, monkeypatch):
    views = dict(patches=PatchSampler((16, 16), 0.5, None, 255), augment=build_augment("light", {}, 255))
    plain = build(tiny_dataset, None, cache="none", **views)
    expected = [plain[i, 7 + i] for i in range(len(plain))]
    first = build(tiny_dataset, tmp_path / "cache", **views)
    for i, sample in enumerate(expected):
        assert_same(first[i, 7 + i], sample)
    forbid_decoding(monkeypatch)
    second = build(tiny_dataset, tmp_path / "cache", **views)
    for i, sample in enumerate(expected):  # crops and augmentation of read-only memory maps
        assert_same(second[i, 7 + i], sample)


@pytest.mark.parametrize("damage", ["truncate", "empty", "garbage"])
def test_a_damaged_cache_file_is_decoded_again_and_rewritten(tiny_dataset, tmp_path, monkeypatch, damage):
    expected = build(tiny_dataset, None, cache="none")[4]
    build(tiny_dataset, tmp_path / "cache")[4]
    image_file = next((tmp_path / "cache").rglob("*.image.npy"))
    intact = image_file.read_bytes()
    damaged = {"truncate": intact[: len(intact) // 2], "empty": b"", "garbage": b"\x00not a numpy file" * 8}
    image_file.write_bytes(damaged[damage])

    calls = count_decodes(monkeypatch)
    assert_same(build(tiny_dataset, tmp_path / "cache")[4], expected)
    assert len(calls) == 1
    assert image_file.read_bytes() == intact


def test_a_changed_source_file_or_setting_is_a_miss(tiny_dataset, tmp_path, monkeypatch):
    build(tiny_dataset, tmp_path / "cache")[0]
    calls = count_decodes(monkeypatch)
    build(tiny_dataset, tmp_path / "cache")[0]
    assert calls == []

    image = tiny_dataset / "images" / "0000.png"
    stat = image.stat()
    os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    build(tiny_dataset, tmp_path / "cache")[0]
    assert len(calls) == 1
    build(tiny_dataset, tmp_path / "cache", size=(16, 16))[0]
    assert len(calls) == 2
    assert len(list((tmp_path / "cache").rglob("*.image.npy"))) == 3


def test_an_unwritable_cache_folder_is_a_clear_error(tiny_dataset, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(DataError, match="cannot write the data cache .*--cache-dir"):
        build(tiny_dataset, blocker)[0]


def test_decoded_size_estimate(tiny_dataset):
    index = discover(tiny_dataset)
    stats = scan(index)
    assert decoded_bytes(index.pairs, stats, None, 3) == 12 * 32 * 32 * (3 + 1)  # uint8 RGB + 1-byte mask
    assert decoded_bytes(index.pairs[:5], stats, (16, 8), 1) == 5 * 16 * 8 * (1 + 1)


def test_auto_chooses_memory_when_half_the_ram_suffices():
    assert choose_cache("auto", needed=500, available=1000) == "memory"
    assert choose_cache("auto", needed=501, available=1000) == "disk"
    assert choose_cache("auto", needed=1, available=0) == "disk"
    assert choose_cache("none", needed=1, available=10**12) == "none"


def test_prepare_data_resolves_auto_to_disk_when_ram_is_tiny(tiny_dataset, tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(logging.getLogger("seglab"), "propagate", True)  # the CLI turns it off for its handler
    monkeypatch.setattr(prepare, "available_memory", lambda: 40_000)  # half is below train+val's ~45 KB
    cfg = config.DataConfig(path=str(tiny_dataset), cache_dir=str(tmp_path / "cache"))
    with caplog.at_level(logging.INFO, logger="seglab"):
        data = prepare.prepare_data(cfg, seed=0)
    assert data.cache == "disk" and data.cache_dir == tmp_path / "cache"
    assert f"data cache: disk in {tmp_path / 'cache'} (data.cache auto;" in caplog.text
    data.dataset("train", training=True)[0]
    assert len(list((tmp_path / "cache").rglob("*.npy"))) == 2

    monkeypatch.setattr(prepare, "available_memory", lambda: 10**9)
    data = prepare.prepare_data(cfg, seed=0)
    assert data.cache == "memory" and data.cache_dir is None


@pytest.mark.parametrize("mode", ["auto", "memory", "disk", "none"])
def test_config_and_cli_accept_each_cache_mode(tiny_dataset, tmp_path, monkeypatch, mode):
    monkeypatch.setattr(prepare, "available_memory", lambda: 10**9)
    args = build_parser().parse_args(["train", "--no-plan", str(tiny_dataset), "--cache", mode, "--cache-dir", str(tmp_path)])
    cfg = build_config(args)
    assert cfg.data.cache == mode and cfg.data.cache_dir == str(tmp_path)
    config.save(cfg, tmp_path / "config.yaml")
    assert config.load(tmp_path / "config.yaml").data.cache == mode
    assert prepare.prepare_data(cfg.data, seed=0).cache == ("memory" if mode == "auto" else mode)


def test_unknown_cache_modes_are_rejected(tiny_dataset, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["train", "--no-plan", str(tiny_dataset), "--cache", "ram"])
    assert exit_info.value.code == 2 and "invalid choice: 'ram'" in capsys.readouterr().err
    cfg = config.load(overrides={"data.path": str(tiny_dataset), "data.cache": "ram"})
    with pytest.raises(ConfigError, match="data.cache must be one of auto, memory, disk, none, got 'ram'"):
        prepare.prepare_data(cfg.data, seed=0)
    with pytest.raises(ConfigError, match="must be str"):
        config.load(overrides={"data.cache": True})
    with pytest.raises(ValueError, match="cache must be one of memory, disk, none, got 'auto'"):
        build(tiny_dataset, None, cache="auto")


def test_the_suite_caches_in_its_own_folder_not_the_users(tmp_path_factory):
    """conftest's session_cache: a test that discovers with no cache_dir (painted masks, cut slices)
    writes below this session's temporary folder, never into the user's ~/.cache/seglab."""
    from seglab.data.files.staging import default_cache_dir

    assert default_cache_dir().is_relative_to(tmp_path_factory.getbasetemp())
    assert not default_cache_dir().is_relative_to(os.path.expanduser("~/.cache"))
