"""What synthetic-data generators and simulators write, as they write it: Omniverse Replicator's
BasicWriter (a flat folder of `<annotator>_<frame>` files and a colour table per frame), Infinigen's
scene folders (`<scene>/frames/<pass>/camera_0/`), BlenderProc's HDF5 file per frame."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover
from seglab.errors import DataError

SIZE = (16, 24)
BACKGROUND, UNLABELLED = (0, 0, 0, 0), (0, 0, 0, 255)
ROAD, CAR = (140, 25, 255, 255), (25, 255, 140, 255)


def photo(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (*SIZE, 4), dtype=np.uint8)


def replicator_frame(out: Path, frame: int) -> None:
    """One BasicWriter frame: RGBA photo, colour-coded semantic and instance masks, their tables,
    and the depth and normals arrays beside them."""
    semantic = np.zeros((*SIZE, 4), np.uint8)
    semantic[:] = UNLABELLED
    semantic[:4] = BACKGROUND
    semantic[8:] = ROAD
    table = {str(BACKGROUND): {"class": "BACKGROUND"}, str(UNLABELLED): {"class": "UNLABELLED"},
             str(ROAD): {"class": "road"}}
    if frame % 2:  # a car in odd frames only: no frame's table lists every class
        semantic[10:14, 4:10] = CAR
        table[str(CAR)] = {"class": "car"}
    Image.fromarray(photo(frame)).save(out / f"rgb_{frame:04d}.png")
    Image.fromarray(semantic).save(out / f"semantic_segmentation_{frame:04d}.png")
    (out / f"semantic_segmentation_labels_{frame:04d}.json").write_text(json.dumps(table))
    instances = np.zeros((*SIZE, 4), np.uint8)
    instances[10:14, 4:10] = (200, 40, 90, 255)
    Image.fromarray(instances).save(out / f"instance_segmentation_{frame:04d}.png")
    (out / f"instance_segmentation_semantics_mapping_{frame:04d}.json").write_text(
        json.dumps({"(200, 40, 90, 255)": {"class": "car"}}))
    np.save(out / f"distance_to_camera_{frame:04d}.npy", np.full(SIZE, 3.5, np.float32))
    np.save(out / f"normals_{frame:04d}.npy", np.zeros((*SIZE, 4), np.float32))


def basic_writer_run(root: Path, frames: int) -> Path:
    out = root / "_out_basic_writer"
    out.mkdir()
    for frame in range(frames):
        replicator_frame(out, frame)
    return out


def test_replicator_basic_writer_pairs_rgb_with_its_semantic_masks_beside_the_other_annotators(tmp_path):
    """`rgb_0000.png` ~ `semantic_segmentation_0000.png`; the instance masks, distances and normals
    left out. Before, no naming paired the folder (refused), and `--mask-pattern
    'semantic_segmentation_{stem}.png'` trained on the 4-channel float normals, `rgb_0000.png` a
    duplicate of `normals_0000.npy`."""
    basic_writer_run(tmp_path, 4)
    index = discover(tmp_path)
    assert len(index.pairs) == 4
    assert all(p.image.name.startswith("rgb_") and p.mask.name == p.image.name.replace("rgb", "semantic_segmentation")
               for p in index.pairs)
    ignored = {p.name for p in index.ignored}
    assert {"instance_segmentation_0001.png", "distance_to_camera_0001.npy", "normals_0001.npy"} <= ignored


def test_replicator_classes_are_the_union_of_every_frames_colour_table(tmp_path):
    """`semantic_segmentation_labels_0000.json` lists the classes its frame shows; the car is in
    odd frames only. Before, the colours were classes named `#19ff8c`, ..."""
    basic_writer_run(tmp_path, 4)
    index = discover(tmp_path)
    assert index.classes.names == ("BACKGROUND", "car", "road")  # black first; UNLABELLED's black is BACKGROUND's
    assert index.classes.colours == ((0, 0, 0), CAR[:3], ROAD[:3])


def test_frame_tables_naming_a_colour_two_classes_name_none(tmp_path):
    """Tables that name one colour for two classes (another run's frames mixed in) are no class
    table: the colours are read unnamed rather than half of them named wrongly."""
    out = basic_writer_run(tmp_path, 2)
    (out / "semantic_segmentation_labels_0001.json").write_text(json.dumps({str(ROAD): {"class": "sidewalk"}}))
    index = discover(tmp_path)
    assert len(index.pairs) == 2 and "road" not in index.classes.names


def infinigen_scenes(root: Path, scenes: int = 2) -> None:
    """`<scene>/frames/<pass>/camera_0/<pass>_0_0_<frame>_0.<ext>`: the frames numbered alike in
    every scene; object ids in `ObjectSegmentation` and `InstanceSegmentation` (.npy, a colour
    .png of each beside), depth beside."""
    for scene in range(scenes):
        for frame in range(1, 3):
            name = f"0_0_{frame:04d}_0"
            folders = {kind: root / f"scene{scene}" / "frames" / kind / "camera_0"
                       for kind in ("Image", "ObjectSegmentation", "InstanceSegmentation", "Depth")}
            for folder in folders.values():
                folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(photo(10 * scene + frame)[..., :3]).save(folders["Image"] / f"Image_{name}.png")
            objects = np.zeros(SIZE, np.int32)
            objects[4:, :] = scene + 1  # each scene's masks its own
            np.save(folders["ObjectSegmentation"] / f"ObjectSegmentation_{name}.npy", objects)
            shown = np.stack([objects * 60, objects * 20, objects * 90], -1).astype(np.uint8)  # its colour picture
            Image.fromarray(shown).save(folders["ObjectSegmentation"] / f"ObjectSegmentation_{name}.png")
            np.save(folders["InstanceSegmentation"] / f"InstanceSegmentation_{name}.npy", objects * 7)
            Image.fromarray(shown[..., ::-1].copy()).save(folders["InstanceSegmentation"] / f"InstanceSegmentation_{name}.png")
            np.save(folders["Depth"] / f"Depth_{name}.npy", np.full(SIZE, 2.0, np.float32))


def test_scene_folders_pair_each_scenes_images_with_its_own_masks_and_are_offered_so(tmp_path):
    """Infinigen: the refusal offered `--images scene0/frames/Image --masks scene1/frames/ObjectSegmentation`,
    which read scene 0's photos with scene 1's masks (the frame names repeat), and
    `--images Image --masks ObjectSegmentation` was refused, two scenes' folders holding masks of
    each image folder."""
    infinigen_scenes(tmp_path)
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    offered = "--images Image --masks ObjectSegmentation --mask-pattern 'ObjectSegmentation_{stem}.npy'"
    assert offered in str(refused.value)
    assert "--masks scene1/frames/ObjectSegmentation" not in str(refused.value)
    index = discover(tmp_path, images="Image", masks="ObjectSegmentation",
                     mask_pattern="ObjectSegmentation_{stem}.npy")
    assert len(index.pairs) == 4
    assert all(p.image.parents[3] == p.mask.parents[3] for p in index.pairs)


def test_blenderproc_hdf5_files_pair_colors_with_category_ids(tmp_path):
    """BlenderProc's writer: `output/<i>.hdf5`, each `colors` (H, W, 3), `category_id_segmaps`,
    `instance_segmaps`, `depth`, `normals`. Before, no layout was found."""
    h5py = pytest.importorskip("h5py", reason="HDF5 files need the 'hdf5' extra (h5py)")
    out = tmp_path / "output"
    out.mkdir()
    for i in range(3):
        categories = np.zeros(SIZE, np.int32)
        categories[8:] = 5
        categories[2:6, 2:6] = 12
        with h5py.File(out / f"{i}.hdf5", "w") as file:
            file["colors"] = photo(i)[..., :3]
            file["category_id_segmaps"] = categories
            file["instance_segmaps"] = (categories > 0) * np.arange(SIZE[1], dtype=np.int32)
            file["depth"] = np.full(SIZE, 2.5, np.float32)
            file["normals"] = np.zeros((*SIZE, 3), np.float32)
    index = discover(tmp_path)
    assert len(index.pairs) == 3 and all(p.image == p.mask for p in index.pairs)
    assert index.mask_values == {0, 5, 12}


def test_tdw_image_capture_pairs_img_with_its_category_map(tmp_path):
    """TDW's ImageCapture: `<avatar>/img_0000.png` beside `category_0000.png` (a colour per
    category), `id_0000.png` (a colour per object) and `depth_0000.png`. Before, no kind named
    masks, and no layout was found."""
    for frame in range(3):
        folder = tmp_path / "image_capture" / "a"
        folder.mkdir(parents=True, exist_ok=True)
        categories = np.zeros((*SIZE, 3), np.uint8)
        categories[8:] = (228, 26, 28)
        Image.fromarray(photo(frame)[..., :3]).save(folder / f"img_{frame:04d}.png")
        Image.fromarray(categories).save(folder / f"category_{frame:04d}.png")
        Image.fromarray(categories[..., ::-1].copy()).save(folder / f"id_{frame:04d}.png")
        Image.fromarray(photo(50 + frame)[..., :3]).save(folder / f"depth_{frame:04d}.png")
    index = discover(tmp_path)
    assert sorted(p.mask.name for p in index.pairs) == [f"category_{frame:04d}.png" for frame in range(3)]
    assert all(p.image.name == p.mask.name.replace("category", "img") for p in index.pairs)
    assert {p.name for p in index.ignored} >= {"id_0000.png", "depth_0000.png"}


def test_a_depth_folder_is_never_the_example_of_folders_that_could_hold_the_masks(tmp_path):
    """SceneNet RGB-D's `train/0/1/photo/` beside `depth/` and `instance/`: the refusal offered
    `--masks depth`, a band of the image, not labels."""
    for trajectory in ("0/1", "0/3", "1/7"):
        for frame in (0, 25):
            folder = tmp_path / "train" / trajectory
            for kind in ("photo", "depth", "instance"):
                (folder / kind).mkdir(parents=True, exist_ok=True)
            Image.fromarray(photo(frame)[..., :3]).save(folder / "photo" / f"{frame}.jpg")
            Image.fromarray(np.full(SIZE, 900 + frame, np.uint16)).save(folder / "depth" / f"{frame}.png")
            objects = np.ones(SIZE, np.uint8)  # an id per object, each one region: SceneNet numbers its objects
            objects[8:], objects[:4, :6], objects[4:8, 16:] = 4, 9, 13
            Image.fromarray(objects).save(folder / "instance" / f"{frame}.png")
    with pytest.raises(DataError) as refused:
        discover(tmp_path)
    assert "e.g. --masks instance" in str(refused.value)


def test_unity_solo_reads_the_semantic_maps_beside_the_instance_maps(tmp_path):
    """Unity Perception's SOLO: `solo/sequence.<n>/step<m>.camera.png` beside
    `step<m>.camera.semantic segmentation.png` and `step<m>.camera.instance segmentation.png`.
    Before, refused as two namings to choose from; the class maps are read, grouped by sequence."""
    for sequence in range(3):
        folder = tmp_path / "solo" / f"sequence.{sequence}"
        folder.mkdir(parents=True)
        for step in range(2):
            semantic = np.zeros((*SIZE, 4), np.uint8)
            semantic[..., 3] = 255
            semantic[8:] = (255, 0, 0, 255)
            Image.fromarray(photo(10 * sequence + step)[..., :3]).save(folder / f"step{step}.camera.png")
            Image.fromarray(semantic).save(folder / f"step{step}.camera.semantic segmentation.png")
            objects = np.zeros((*SIZE, 4), np.uint8)
            objects[10:14, 4:10] = (3 + step, 0, 0, 255)
            Image.fromarray(objects).save(folder / f"step{step}.camera.instance segmentation.png")
    index = discover(tmp_path)
    assert len(index.pairs) == 6 and all(p.mask.name.endswith(".semantic segmentation.png") for p in index.pairs)
    assert len({p.group for p in index.pairs}) == 3
    assert "step0.camera.instance segmentation.png" in {p.name for p in index.ignored}
