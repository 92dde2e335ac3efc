"""Property tests: arbitrary classes.json values, checkpoint headers, config overrides and mask
arrays give a valid result or a clear SeglabError/ValueError, never another exception."""

from __future__ import annotations

import base64
import json
import os
import struct
import sys
import tracemalloc
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from seglab import config as config_io
from seglab.data.classes import ClassSpec, load_classes_file
from seglab.data.classes.mapping import BinaryMapping, ColourMapping, IdentityMapping, LabelMapping, ThresholdMapping
from seglab.data.encodings.alpha_masks import AlphaMapping
from seglab.data.encodings.class_instances import ClassInstanceMapping
from seglab.data.splitting.list_search import _ABOVE as LIST_SEARCH_ABOVE
from seglab.errors import SeglabError
from seglab.runs.checkpoint import load_checkpoint

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
# values shaped like classes.json, so that the checks past "is it a mapping" are reached
class_dicts = st.fixed_dictionaries(
    {"names": st.lists(st.text(max_size=6), max_size=5) | json_values},
    optional={"colours": st.lists(st.lists(st.integers(-2, 300), min_size=2, max_size=4), max_size=5) | json_values,
              "ignore_index": st.integers(-(2**70), 2**70) | json_values},
)


def _small_allocation(run):
    """Run `run()` and fail if it allocated more than 64 MB (a value asked for a huge array); its result."""
    tracemalloc.start()
    try:
        result = run()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 64 * 2**20, peak
    return result


@SETTINGS
@given(values=class_dicts | json_values)
def test_class_spec_from_any_json(values):
    try:
        spec = ClassSpec.from_dict(values)
    except ValueError:
        return
    assert spec.num_classes == len(spec.colours) >= 1
    assert len(set(spec.colours)) == len(spec.colours)
    assert spec.ignore_index is None or -32768 <= spec.ignore_index <= 65535
    assert ClassSpec.from_dict(spec.to_dict()) == spec


@SETTINGS
@given(values=class_dicts | json_values, depth=st.integers(0, 3000))
def test_classes_file_is_spec_or_data_error(tmp_path, values, depth):
    path = tmp_path / "classes.json"
    path.write_text("[" * depth + json.dumps(values) + "]" * depth)
    try:
        load_classes_file(path)
    except SeglabError as err:
        assert str(path) in str(err)


@SETTINGS
@given(header=st.binary(max_size=64) | st.builds(lambda n, tail: struct.pack("<Q", n) + tail,
                                                  st.integers(0, 2**64 - 1), st.binary(max_size=32)))
def test_checkpoint_from_any_bytes(tmp_path, header):
    path = tmp_path / "x.safetensors"
    path.write_bytes(header)
    with pytest.raises(SeglabError, match="x.safetensors"):
        _small_allocation(lambda: load_checkpoint(path))


@example(meta="[" + "9" * 5000 + "]")  # a number past int()'s 4,300 digits: json.loads' ValueError, no JSONDecodeError
@SETTINGS
@given(meta=json_values | st.just("[" * 5000 + "]" * 5000))
def test_checkpoint_with_any_metadata(tmp_path, meta):
    import torch
    from safetensors.torch import save_file

    path = tmp_path / "x.safetensors"
    text = meta if isinstance(meta, str) else json.dumps(meta)
    save_file({"w": torch.zeros(2)}, str(path), metadata={"seglab": text})
    try:
        load_checkpoint(path).load_model()
    except SeglabError:
        pass


config_values = st.one_of(json_values, st.integers(-(2**80), 2**80), st.lists(st.integers(-5, 5), max_size=3))
config_keys = st.sampled_from(["data.ignore_index", "data.max_pixels", "data.no_data", "data.size", "data.split",
                               "data.label_map", "train.epochs", "train.lr", "model.options", "loss.class_weights",
                               "data.typo", "x"])


@SETTINGS
@given(overrides=st.dictionaries(config_keys, config_values, max_size=4))
def test_config_from_any_overrides(overrides):
    try:
        cfg = config_io.load(None, overrides)
    except SeglabError:
        return
    low, high = config_io.IGNORE_INDEX_RANGE
    assert cfg.data.ignore_index is None or low <= cfg.data.ignore_index <= high
    assert cfg.data.max_pixels >= 1


@SETTINGS
@given(yaml_text=st.text(max_size=60))
@example(yaml_text="?")  # {None: None}: a key that is no name reached difflib (TypeError); found by this test
@example(yaml_text="data:\n  3: x")
def test_config_from_any_yaml_file(tmp_path, yaml_text):
    path = tmp_path / "exp.yaml"
    path.write_text(yaml_text)
    try:
        config_io.load(path)
    except SeglabError:
        pass


masks = st.builds(lambda values, dtype: values.astype(dtype),  # wraps around: any bit pattern of the dtype
                  hnp.arrays(np.int64, hnp.array_shapes(min_dims=2, max_dims=3, max_side=6),
                             elements=st.integers(-3, 300) | st.sampled_from([2**31 + 5, -(2**40)])),
                  st.sampled_from([np.uint8, np.uint16, np.int32, np.int64, np.float32]))
mappings = st.sampled_from([IdentityMapping(), BinaryMapping(), ThresholdMapping(128),
                            LabelMapping(((255, 1), (3, 0))), ColourMapping(((0, 0, 0), (255, 0, 0))), AlphaMapping(),
                            ClassInstanceMapping(packing=100, classes=(1, 2), background=(99,), void=(0,))])


@SETTINGS
@given(raw=masks, mapping=mappings)
def test_mask_mapping_of_any_small_array(raw, mapping):
    try:
        labels = mapping.apply(raw)
    except ValueError:
        return
    assert labels.dtype == np.int64 and labels.shape == raw.shape[:2]


@SETTINGS
@given(raw=hnp.arrays(np.uint8, hnp.array_shapes(min_dims=2, max_dims=3, max_side=6)))
def test_encoding_chosen_for_any_small_masks(tmp_path, raw):
    from PIL import Image

    from seglab.data.encodings.encoding import choose_encoding

    if raw.ndim == 3 and raw.shape[2] not in (1, 3, 4):
        raw = raw[..., :3]
    path = tmp_path / "m.png"
    Image.fromarray(raw.squeeze(-1) if raw.ndim == 3 and raw.shape[2] == 1 else raw).save(path)
    try:
        encoding = choose_encoding([Path(path)], None)
    except SeglabError:
        return
    from seglab.data.files.io import read_mask

    try:
        read_mask(path, encoding.mapping)
    except SeglabError:
        pass


# --- annotation files: COCO, LabelMe, ISAT, Supervisely, Label Studio and VIA JSON, YOLO lines, CVAT XML -

segmentations = json_values | st.lists(st.lists(st.floats(-1e6, 1e6) | st.integers(-10, 10**9), max_size=10),
                                       max_size=3) | st.fixed_dictionaries(
    {"counts": st.lists(st.integers(-5, 10**7), max_size=8) | st.text(max_size=12), "size": json_values})
coco_objects = st.fixed_dictionaries({"image_id": st.sampled_from([1, 2]) | json_values,
                                      "category_id": st.sampled_from([1, 7]) | json_values,
                                      "segmentation": segmentations})
labelme_shapes = st.fixed_dictionaries({"label": st.text(max_size=5) | json_values, "points": json_values | st.lists(
    st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=2), max_size=6), "shape_type": st.sampled_from(
    ["polygon", "rectangle", "circle", "line", "point", "mask"]) | json_values})
yolo_lines = st.lists(st.text(alphabet="0123456789.- e", max_size=40), max_size=4)
point_lists = json_values | st.lists(st.lists(st.floats(-1e6, 1e6) | st.integers(-9, 99), max_size=3), max_size=5)
bitmap_data = st.text(max_size=20) | st.binary(max_size=60).map(
    lambda raw: base64.b64encode(zlib.compress(b"\x89PNG\r\n\x1a\n" + raw)).decode())
supervisely_objects = st.fixed_dictionaries({
    "classTitle": st.sampled_from(["car", "road", "background"]) | json_values,
    "geometryType": st.sampled_from(["bitmap", "polygon", "rectangle", "line", "point"]) | json_values,
    "points": json_values | st.fixed_dictionaries({"exterior": point_lists, "interior": json_values | st.lists(
        point_lists, max_size=2)}),
    "bitmap": json_values | st.fixed_dictionaries({"data": bitmap_data | json_values, "origin": point_lists})})


def _photo(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    from PIL import Image

    Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(path)


def _example_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A new folder for one example's dataset, four folders (`LIST_SEARCH_ABOVE`) inside one of
    its own, so that the folders above it where discover looks for split lists hold nothing else.
    A `mktemp` folder lies in pytest's temporary folder, beside the folders of every test and
    example before it (thousands late in a run), below /tmp and whatever the machine keeps there
    (logs named like test lists): listing, matching and reading them took over half of an
    example's time late in a run, and made its outcome depend on the machine."""
    folder = tmp_path_factory.mktemp(name).joinpath(*["up"] * LIST_SEARCH_ABOVE, name)
    folder.mkdir(parents=True)
    return folder


def _only_seglab_errors(root: Path, cache: Path, listed: bool = False) -> None:
    """Read `root` under a pixel budget of 1 MP: a size the annotation states (up to the budget,
    which a real image may fill) allocates at most that much. Pairs name existing files, unless
    `listed` (a manifest's pairs are as listed: the audit reports a missing file)."""
    from seglab.data import discover
    from seglab.data.files.pixel_budget import max_pixels, set_max_pixels

    budget = max_pixels()
    set_max_pixels(1 << 20)
    try:
        index = discover(root, cache_dir=str(cache))
    except SeglabError:
        return
    finally:
        set_max_pixels(budget)
    assert listed or all(f.is_file() for p in index.pairs for f in p.files)


@example(objects=[{"image_id": float("inf"), "category_id": 1, "segmentation": []}], height=0, categories=[])
@example(objects=[], height=float("inf"), categories=[])  # JSON's Infinity: int() raised OverflowError
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objects=st.lists(coco_objects, max_size=3), height=st.integers(-2, 9) | json_values,
       categories=st.lists(st.fixed_dictionaries({"id": st.integers(0, 9) | json_values, "name": json_values}),
                           max_size=3))
def test_any_coco_file_gives_pairs_or_a_seglab_error(tmp_path_factory, objects, height, categories):
    root = _example_folder(tmp_path_factory, "coco")
    _photo(root / "images" / "a.jpg")
    images = [{"id": 1, "file_name": "a.jpg", "height": height, "width": 8}, {"id": 2, "file_name": "b.jpg"}]
    (root / "annotations").mkdir()
    (root / "annotations" / "instances_x.json").write_text(json.dumps(
        {"images": images, "annotations": objects, "categories": categories}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


# a name too long for the file system: Path.is_file raised OSError (ENAMETOOLONG)
@example(objects=[], image={"file_name": "x" * 300, "height": 6, "width": 8}, categories=[])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objects=st.lists(st.fixed_dictionaries({"segmentation": segmentations}, optional={
           "category_id": st.sampled_from([1, 7]) | json_values}), max_size=3) | json_values,
       image=st.fixed_dictionaries({"file_name": st.sampled_from(["a.jpg", "../a.jpg", "b.jpg"]) | json_values,
                                    "height": st.integers(-2, 9) | json_values, "width": st.just(8)}) | json_values,
       categories=st.lists(st.fixed_dictionaries({"id": st.integers(0, 9) | json_values, "name": json_values}),
                           max_size=3) | json_values)
def test_any_per_image_coco_file_gives_pairs_or_a_seglab_error(tmp_path_factory, objects, image, categories):
    """SA-1B's `sa_1.json` beside `sa_1.jpg`: one image entry, its objects, categories or none."""
    root = _example_folder(tmp_path_factory, "coco-per-image")
    _photo(root / "sa_000000" / "a.jpg")
    (root / "sa_000000" / "a.json").write_text(json.dumps(
        {"image": image, "annotations": objects, "categories": categories}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


panoptic_segments = st.lists(st.fixed_dictionaries({"id": st.sampled_from([0, 1, 65793]) | json_values,
                                                   "category_id": st.sampled_from([1, 7]) | json_values}), max_size=3)


# a segment PNG named too long for the file system: Path.is_file raised OSError (ENAMETOOLONG)
@example(annotation={"image_id": 1, "file_name": "x" * 300, "segments_info": [{"id": 65793, "category_id": 1}]},
         height=6, png=b"rgb", categories=[{"id": 1, "name": "road", "color": [1, 1, 1]}])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(annotation=st.fixed_dictionaries({"image_id": st.sampled_from([1, 2]) | json_values,
                                         "file_name": st.sampled_from(["a.png", "../a.png", "b.png"]) | json_values,
                                         "segments_info": panoptic_segments | json_values}),
       height=st.integers(-2, 9) | json_values, png=st.binary(max_size=40) | st.sampled_from([b"rgb", b"grey"]),
       categories=st.lists(st.fixed_dictionaries({"id": st.integers(0, 9) | json_values, "name": json_values,
                                                  "color": json_values}), max_size=3))
def test_any_panoptic_file_gives_pairs_or_a_seglab_error(tmp_path_factory, annotation, height, png, categories):
    from PIL import Image

    root = _example_folder(tmp_path_factory, "panoptic")
    _photo(root / "images" / "a.jpg")
    (root / "panoptic_x").mkdir()
    if png in (b"rgb", b"grey"):  # a segment PNG of the image's size, in colour or not
        Image.fromarray(np.full((6, 8, 3) if png == b"rgb" else (6, 8), 1, np.uint8)).save(root / "panoptic_x" / "a.png")
    else:
        (root / "panoptic_x" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + png)
    images = [{"id": 1, "file_name": "a.jpg", "height": height, "width": 8}, {"id": 2, "file_name": "b.jpg"}]
    (root / "panoptic_x.json").write_text(json.dumps({"images": images, "annotations": [annotation],
                                                      "categories": categories}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


@example(shapes=[], size=float("inf"))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=st.lists(labelme_shapes, max_size=3), size=st.integers(-2, 9) | json_values)
def test_any_labelme_file_gives_pairs_or_a_seglab_error(tmp_path_factory, shapes, size):
    root = _example_folder(tmp_path_factory, "labelme")
    for name in ("a", "b"):
        _photo(root / f"{name}.jpg")
        (root / f"{name}.json").write_text(json.dumps({"shapes": shapes, "imagePath": f"{name}.jpg",
                                                       "imageHeight": size, "imageWidth": 8}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


def _tiny_png() -> str:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=st.lists(labelme_shapes, max_size=2), image_path=st.sampled_from(
    ["../images/a.jpg", "../../x.jpg", "a.jpg", "/etc/passwd", ""]) | json_values,
       image_data=st.none() | st.sampled_from(["png"]) | st.text(max_size=12) | st.binary(max_size=40).map(
           lambda raw: base64.b64encode(b"\x89PNG\r\n\x1a\n" + raw).decode()) | json_values)
def test_any_labelme_file_away_from_its_image_gives_pairs_or_a_seglab_error(tmp_path_factory, shapes, image_path,
                                                                            image_data):
    root = _example_folder(tmp_path_factory, "labelme-away")
    _photo(root / "images" / "a.jpg")
    (root / "annotations").mkdir()
    data = _tiny_png() if image_data == "png" else image_data
    (root / "annotations" / "a.json").write_text(json.dumps({"shapes": shapes, "imagePath": image_path,
                                                             "imageData": data, "imageHeight": 6, "imageWidth": 8}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


isat_objects = st.fixed_dictionaries({"category": st.sampled_from(["cell", "__background__"]) | json_values,
                                      "segmentation": point_lists, "layer": st.floats(-1e6, 1e6) | json_values})


@example(objects=[], info={"name": "a.jpg", "height": float("inf"), "width": 8}, labels=[])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objects=st.lists(isat_objects, max_size=3) | json_values, info=json_values | st.fixed_dictionaries(
    {"name": st.sampled_from(["a.jpg", "../a.jpg", "b.jpg", "x" * 300]) | json_values,
     "height": st.integers(-2, 9) | json_values, "width": st.just(8)}),
       labels=json_values | st.lists(st.fixed_dictionaries({"name": st.sampled_from(["cell", "__background__"])
                                                                     | json_values, "color": json_values}), max_size=3))
def test_any_isat_file_gives_pairs_or_a_seglab_error(tmp_path_factory, objects, info, labels):
    """ISAT's `images/a.jpg` + `labels/a.json` + `labels/isat.yaml`."""
    root = _example_folder(tmp_path_factory, "isat")
    _photo(root / "images" / "a.jpg")
    (root / "labels").mkdir()
    for name in ("a", "b"):
        (root / "labels" / f"{name}.json").write_text(json.dumps({"info": info, "objects": objects}))
    (root / "labels" / "isat.yaml").write_text(json.dumps({"label": labels}))  # JSON is YAML
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=yolo_lines, names=json_values)
def test_any_yolo_labels_give_pairs_or_a_seglab_error(tmp_path_factory, lines, names):
    root = _example_folder(tmp_path_factory, "yolo")
    _photo(root / "images" / "a.jpg")
    (root / "labels").mkdir()
    (root / "labels" / "a.txt").write_text("\n".join(lines) + "\n")
    (root / "data.yaml").write_text(json.dumps({"names": names}))  # JSON is YAML
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


@example(objects=[], size={"height": float("inf"), "width": 8}, meta={"classes": []})
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objects=st.lists(supervisely_objects, max_size=3), size=json_values | st.fixed_dictionaries(
    {"height": st.integers(-2, 9) | json_values, "width": st.integers(-2, 9)}), meta=json_values | st.fixed_dictionaries(
    {"classes": st.lists(st.fixed_dictionaries({"title": st.sampled_from(["car", "road"]) | json_values,
                                                "shape": st.sampled_from(["bitmap", "polygon"]) | json_values,
                                                "color": st.sampled_from(["#FF0000", "red"]) | json_values}),
                         max_size=3)}))
def test_any_supervisely_annotation_gives_pairs_or_a_seglab_error(tmp_path_factory, objects, size, meta):
    root = _example_folder(tmp_path_factory, "supervisely")
    (root / "meta.json").write_text(json.dumps(meta))
    for name in ("a.jpg", "b.jpg"):
        _photo(root / "ds0" / "img" / name)
        (root / "ds0" / "ann").mkdir(exist_ok=True)
        (root / "ds0" / "ann" / f"{name}.json").write_text(json.dumps({"size": size, "objects": objects}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


xml_values = st.text(alphabet="0123456789.,;- e&<\"'x", max_size=30)
cvat_shapes = st.tuples(st.sampled_from(["polygon", "mask", "box", "ellipse", "polyline", "points", "tag"]),
                        st.fixed_dictionaries({"label": st.sampled_from(["road", "car"]) | xml_values}, optional={
                            key: xml_values for key in ("points", "rle", "left", "top", "width", "height", "xtl", "ytl",
                                                        "xbr", "ybr", "cx", "cy", "rx", "ry", "rotation", "z_order")}))


@example(shapes=[("mask", {"label": "road", "rle": "0, 48", "left": "inf", "top": "0", "width": "8", "height": "6"})],
         size="8", labels=["road"])  # int(float("inf")) raised OverflowError while painting
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=st.lists(cvat_shapes, max_size=3), size=st.sampled_from(["8"]) | xml_values,
       labels=st.lists(st.sampled_from(["road", "car"]) | xml_values, max_size=2))
def test_any_cvat_file_gives_pairs_or_a_seglab_error(tmp_path_factory, shapes, size, labels):
    from xml.sax.saxutils import quoteattr

    root = _example_folder(tmp_path_factory, "cvat")
    _photo(root / "images" / "a.jpg")
    body = "".join(f"<{tag} " + " ".join(f"{k}={quoteattr(v)}" for k, v in attributes.items()) + f"></{tag}>"
                   for tag, attributes in shapes)
    label_list = "".join(f"<label><name>{name}</name><color>{name}</color></label>" for name in labels)
    (root / "annotations.xml").write_text(
        f"<annotations><version>1.1</version><meta><labels>{label_list}</labels></meta>"
        f'<image id="0" name="a.jpg" width={quoteattr(size)} height="6">{body}</image></annotations>')
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


label_studio_results = st.fixed_dictionaries({
    "type": st.sampled_from(["brushlabels", "polygonlabels", "rectanglelabels", "ellipselabels", "keypointlabels"])
    | json_values,
    "value": json_values | st.fixed_dictionaries({}, optional={
        "points": point_lists, "x": json_values | st.floats(-50, 150), "y": st.floats(-50, 150),
        "width": st.floats(-5, 200) | json_values, "height": st.floats(-5, 200), "radiusX": st.floats(-5, 99),
        "radiusY": st.floats(0, 99), "rotation": st.floats(-720, 720) | json_values,
        "rle": st.lists(st.integers(-1, 256), max_size=40) | json_values,
        "brushlabels": st.lists(st.sampled_from(["car", "road"]), max_size=1),
        "polygonlabels": st.lists(st.sampled_from(["car", "road"]) | json_values, max_size=1),
        "rectanglelabels": st.lists(st.sampled_from(["car"]), max_size=1),
        "ellipselabels": st.lists(st.sampled_from(["road"]), max_size=1)}),
    "original_width": st.sampled_from([8]) | json_values, "original_height": st.sampled_from([6]) | json_values})


@example(results=[{"type": "polygonlabels", "value": {"points": [], "polygonlabels": [""]}}], image="a.jpg",
         ground_truth=None)  # a label '': KeyError while painting
@example(results=[{"type": [], "value": {}}], image="a.jpg", ground_truth=None)  # a type no name: TypeError
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(results=st.lists(label_studio_results, max_size=3), image=st.sampled_from(["/data/upload/1/0badcafe-a.jpg"])
       | json_values, ground_truth=json_values)
def test_any_label_studio_export_gives_pairs_or_a_seglab_error(tmp_path_factory, results, image, ground_truth):
    root = _example_folder(tmp_path_factory, "label_studio")
    _photo(root / "images" / "a.jpg")
    tasks = [{"annotations": [{"result": results, "ground_truth": ground_truth}], "data": {"image": image}}]
    (root / "export.json").write_text(json.dumps(tasks))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


via_regions = st.fixed_dictionaries({
    "shape_attributes": json_values | st.fixed_dictionaries(
        {"name": st.sampled_from(["polygon", "rect", "circle", "ellipse", "polyline", "point"]) | json_values},
        optional={key: json_values | st.floats(-1e4, 1e4) for key in ("x", "y", "width", "height", "cx", "cy", "r",
                                                                         "rx", "ry", "theta")}
        | {"all_points_x": point_lists, "all_points_y": point_lists}),
    "region_attributes": json_values | st.dictionaries(st.sampled_from(["type", "name"]),
                                                       st.sampled_from(["car", "road", ""]) | json_values, max_size=2)})


@example(regions=True, attributes=None)  # regions that are no list: TypeError
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(regions=st.lists(via_regions, max_size=3) | json_values, attributes=json_values)
def test_any_via_file_gives_pairs_or_a_seglab_error(tmp_path_factory, regions, attributes):
    root = _example_folder(tmp_path_factory, "via")
    _photo(root / "a.jpg")
    (root / "via_project.json").write_text(json.dumps({"_via_img_metadata": {"a.jpg1": {
        "filename": "a.jpg", "size": 1, "regions": regions}}, "_via_attributes": attributes}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


darwin_points = json_values | st.lists(st.fixed_dictionaries({"x": st.floats(-1e6, 1e6) | json_values,
                                                              "y": st.floats(-1e6, 1e6)}), max_size=5)
darwin_annotations = st.fixed_dictionaries({"name": st.sampled_from(["field", "sky", ""]) | json_values}, optional={
    "id": st.sampled_from(["m1", "m2"]) | json_values,
    "polygon": json_values | st.fixed_dictionaries({"paths": st.lists(darwin_points, max_size=2)}),
    "ellipse": json_values | st.fixed_dictionaries({"center": json_values, "radius": json_values}),
    "bounding_box": json_values | st.fixed_dictionaries({k: st.integers(-3, 30) | json_values for k in "xywh"}),
    "mask": json_values,
    "raster_layer": json_values | st.fixed_dictionaries({
        "dense_rle": st.lists(st.integers(-2, 300) | json_values, max_size=6),
        "mask_annotation_ids_mapping": json_values | st.dictionaries(st.sampled_from(["m1", "m2", "x"]),
                                                                     st.integers(-1, 300), max_size=2)})})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(annotations=st.lists(darwin_annotations, max_size=4), size=st.sampled_from([6, 8]) | json_values,
       version=st.sampled_from(["2.0", "1.0"]))
def test_any_darwin_file_gives_pairs_or_a_seglab_error(tmp_path_factory, annotations, size, version):
    root = _example_folder(tmp_path_factory, "darwin")
    _photo(root / "images" / "a.jpg")
    (root / "annotations").mkdir()
    entry = ({"item": {"name": "a.jpg", "slots": [{"width": 8, "height": size}]}} if version == "2.0" else
             {"image": {"original_filename": "a.jpg", "width": 8, "height": size}})
    (root / "annotations" / "a.json").write_text(json.dumps({"version": version, **entry,
                                                             "annotations": annotations}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


labelbox_objects = st.fixed_dictionaries({
    "name": st.sampled_from(["field", "road", ""]) | json_values,
    "annotation_kind": st.sampled_from(["ImagePolygon", "ImageBoundingBox", "ImageSegmentationMask", "ImagePoint"])
    | json_values}, optional={
    "polygon": json_values | st.lists(st.fixed_dictionaries({"x": st.floats(-1e6, 1e6) | json_values,
                                                              "y": st.floats(-1e6, 1e6)}), max_size=5),
    "bounding_box": json_values | st.fixed_dictionaries({k: st.integers(-3, 30) | json_values
                                                         for k in ("top", "left", "height", "width")}),
    "composite_mask": json_values | st.fixed_dictionaries({
        "url": st.sampled_from(["masks/m.png", "file://masks/m.png", "../m.png", "https://x/m", "m.png"]) | json_values,
        "color_rgb": st.lists(st.integers(-1, 300), max_size=4) | json_values}),
    "mask": json_values | st.fixed_dictionaries({"url": st.sampled_from(["masks/m.png", "/etc/passwd"]) | json_values})})


# a mask URL too long for the file system: Path.is_file raised OSError (ENAMETOOLONG)
@example(objects=[{"name": "road", "annotation_kind": "ImageSegmentationMask",
                   "composite_mask": {"url": "x" * 300 + ".png", "color_rgb": [7, 7, 7]}}], size=6,
         data_row={"external_id": "a.jpg", "row_data": "a.jpg"})
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objects=st.lists(labelbox_objects, max_size=3) | json_values, size=st.sampled_from([6]) | json_values,
       data_row=json_values | st.fixed_dictionaries({"external_id": st.sampled_from(["a.jpg"]) | json_values,
                                                      "row_data": json_values}))
def test_any_labelbox_export_gives_pairs_or_a_seglab_error(tmp_path_factory, objects, size, data_row):
    root = _example_folder(tmp_path_factory, "labelbox")
    _photo(root / "images" / "a.jpg")
    (root / "masks").mkdir()
    Image.fromarray(np.full((6, 8, 3), 7, np.uint8)).save(root / "masks" / "m.png")
    row = {"data_row": data_row, "media_attributes": {"height": size, "width": 8},
           "projects": {"p": {"labels": [{"annotations": {"objects": objects}}]}}}
    (root / "export-result.ndjson").write_text(json.dumps(row) + "\n")
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


scalabel_polygons = json_values | st.fixed_dictionaries({"vertices": point_lists}, optional={
    "types": st.sampled_from(["LLLL", "LCCL"]) | json_values, "closed": st.booleans() | json_values})
scalabel_labels = st.fixed_dictionaries({"category": st.sampled_from(["road", "car", "void", ""]) | json_values},
                                        optional={"poly2d": st.lists(scalabel_polygons, max_size=2) | json_values,
                                                  "box2d": json_values})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(labels=st.lists(scalabel_labels, max_size=3) | json_values, size=json_values | st.fixed_dictionaries(
    {"height": st.integers(-2, 9) | json_values, "width": st.integers(-2, 9)}), categories=json_values,
    video=st.just("video-1") | json_values)
def test_any_scalabel_file_gives_pairs_or_a_seglab_error(tmp_path_factory, labels, size, categories, video):
    root = _example_folder(tmp_path_factory, "scalabel")
    _photo(root / "items" / "a.jpg")
    _photo(root / "items" / "b.jpg")  # a closed polygon, so that the file is painted
    frames = [{"name": "a.jpg", "url": "http://localhost/items/a.jpg", "labels": labels, "size": size,
               "videoName": video},
              {"name": "b.jpg", "labels": [{"category": "car", "poly2d": [{"vertices": [[0, 0], [4, 0], [4, 4]]}]}],
               "videoName": video}]
    (root / "export.json").write_text(json.dumps({"frames": frames, "config": {"categories": categories}}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


superannotate_instances = st.fixed_dictionaries({
    "type": st.sampled_from(["polygon", "bbox", "point", "ellipse"]) | json_values,
    "points": json_values | st.lists(st.floats(-1e6, 1e6) | st.integers(-9, 99) | json_values, max_size=8)
    | st.fixed_dictionaries({k: st.integers(-3, 30) | json_values for k in ("x1", "y1", "x2", "y2")})}, optional={
    "classId": st.sampled_from([201, 202, -1]) | json_values, "className": st.sampled_from(["Tumor", ""]) | json_values,
    "exclude": json_values | st.lists(st.lists(st.integers(-9, 99), max_size=8), max_size=2)})


@example(instances=[], metadata={}, classes=[{"id": [], "name": "Tumor"}])  # an id no number: TypeError (unhashable)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instances=st.lists(superannotate_instances, max_size=3) | json_values, metadata=json_values
       | st.fixed_dictionaries({"height": st.integers(-2, 9) | json_values, "width": st.integers(-2, 9)}),
       classes=json_values | st.lists(st.fixed_dictionaries({
           "id": st.sampled_from([201, 202]) | json_values, "name": st.sampled_from(["Tumor", "Stroma"]) | json_values,
           "color": st.sampled_from(["#e33b3b", "red"]) | json_values}), max_size=3))
def test_any_superannotate_export_gives_pairs_or_a_seglab_error(tmp_path_factory, instances, metadata, classes):
    root = _example_folder(tmp_path_factory, "superannotate")
    (root / "classes").mkdir()
    (root / "classes" / "classes.json").write_text(json.dumps(classes))
    _photo(root / "a.jpg")
    (root / "a.jpg___objects.json").write_text(json.dumps({"metadata": metadata, "instances": instances}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(instances=json_values | st.lists(st.fixed_dictionaries({
    "classId": st.sampled_from([201, 202]) | json_values, "parts": json_values | st.lists(st.fixed_dictionaries(
        {"color": st.sampled_from(["#00000f", "#00001e", "#00000F", "blue"]) | json_values}), max_size=2)}),
    max_size=3), colours=st.lists(st.sampled_from([0, 15, 30, 45]), min_size=48, max_size=48),
    size=st.sampled_from([(6, 8), (8, 6)]))
def test_any_superannotate_pixel_export_gives_pairs_or_a_seglab_error(tmp_path_factory, instances, colours, size):
    root = _example_folder(tmp_path_factory, "superannotate_pixel")
    (root / "classes").mkdir()
    (root / "classes" / "classes.json").write_text(json.dumps([{"id": 201, "name": "Car", "color": "#e33b3b"},
                                                               {"id": 202, "name": "Road", "color": "#3b6ee3"}]))
    _photo(root / "a.jpg")
    save = np.zeros((*size, 3), np.uint8)
    save[..., 2] = np.array(colours, np.uint8).reshape(size)
    Image.fromarray(save).save(root / "a.jpg___save.png")
    (root / "a.jpg___pixel.json").write_text(json.dumps({"metadata": {"height": 6, "width": 8},
                                                         "instances": instances}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


def _reads_or_names_the_damaged_file(folder: Path, name: str, original: bytes, cut: int,
                                     flips: list[tuple[int, int]], pixels: int | None = None) -> None:
    """`original` cut at `cut` (0: whole) with bytes overwritten, read as a mask (under a pixel
    budget of `pixels`): an array, or a SeglabError naming the file, under 64 MB."""
    from seglab.data.files.io import read_raw_mask
    from seglab.data.files.pixel_budget import max_pixels, set_max_pixels

    data = bytearray(original[: cut or None])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    path = folder / name
    path.write_bytes(bytes(data))
    budget = max_pixels()
    set_max_pixels(pixels or budget)
    try:
        _small_allocation(lambda: read_raw_mask(path))
    except SeglabError as err:
        assert name in str(err)
    finally:
        set_max_pixels(budget)


def _cells(*values: object) -> np.ndarray:
    """A 1 x n MATLAB cell array, as scipy.io.savemat writes an object array."""
    cells = np.empty((1, len(values)), dtype=object)
    for k, value in enumerate(values):
        cells[0, k] = value
    return cells


def _mat_bytes(compressed: bool, layout: str) -> bytes:
    """A small mask as scipy.io.savemat writes it: a variable, SBD's struct GTcls, Lizard's
    objects with their ids and classes, or BSDS500's cell of a struct per annotator."""
    import io

    import scipy.io

    mask = np.arange(20, dtype=np.uint8).reshape(4, 5)
    variables = {
        "variable": {"Segmentation": mask},
        "struct": {"GTcls": {"Segmentation": mask, "CategoriesPresent": np.array([1, 2], np.uint8)}},
        "objects": {"inst_map": mask % 4, "id": np.array([[1], [2], [3]]), "class": np.array([[5], [6], [5]])},
        "cells": {"groundTruth": _cells({"Segmentation": mask, "Boundaries": mask > 9}, {"Segmentation": mask})},
    }[layout]
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, variables, do_compression=compressed)
    return buffer.getvalue()


MAT_FILES = tuple(_mat_bytes(compressed, layout) for compressed in (False, True)
                  for layout in ("variable", "struct", "objects", "cells"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(range(len(MAT_FILES))), cut=st.integers(0, 600), flips=st.lists(
    st.tuples(st.integers(0, 599), st.integers(0, 255)), max_size=6))
def test_any_damaged_mat_mask_reads_or_names_the_file(tmp_path_factory, which, cut, flips):
    """SciPy's MAT reader crashed the process (a segmentation fault) on such files."""
    _reads_or_names_the_damaged_file(tmp_path_factory.mktemp("mat"), "m.mat", MAT_FILES[which], cut, flips, 1 << 20)


def _dicom_bytes(frames: int) -> bytes:
    """A small DICOM radiograph (or a loop of `frames`), as a modality writes it."""
    import io

    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = "1.2.840.10008.5.1.4.1.1.1.1", generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.Rows, ds.Columns, ds.SamplesPerPixel, ds.PhotometricInterpretation = 6, 5, 1, "MONOCHROME1"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleSlope, ds.RescaleIntercept = 2, -10
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.PixelData = np.arange(30 * frames, dtype="<u2").tobytes()
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


DICOM_FILES = (_dicom_bytes(1), _dicom_bytes(3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(range(len(DICOM_FILES))), cut=st.integers(0, 500),
       flips=st.lists(st.tuples(st.integers(0, 499), st.integers(0, 255)), max_size=6))
def test_any_damaged_dicom_reads_or_names_the_file(tmp_path_factory, which, cut, flips):
    """A DICOM radiograph or loop cut short or with bytes overwritten."""
    _reads_or_names_the_damaged_file(tmp_path_factory.mktemp("dcm"), "m.dcm", DICOM_FILES[which], cut, flips, 1 << 20)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 348), flips=st.lists(st.tuples(st.integers(0, 347), st.integers(0, 255)), max_size=6))
def test_any_damaged_analyze_header_reads_or_names_the_file(tmp_path_factory, cut, flips):
    """iSeg-2017's Analyze 7.5 `.hdr` beside its intact `.img`, cut short or with bytes overwritten,
    read as a volume under a pixel budget of 1 MP: voxels, or a SeglabError naming the header."""
    import nibabel as nib

    from seglab.data.files.pixel_budget import max_pixels, set_max_pixels
    from seglab.data.files.volumes import read_volume

    path = tmp_path_factory.mktemp("analyze") / "subject-1-T1.hdr"
    nib.save(nib.AnalyzeImage(np.arange(60, dtype=np.int16).reshape(5, 4, 3), np.eye(4)), str(path))
    data = bytearray(path.read_bytes()[: cut or None])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    path.write_bytes(bytes(data))
    budget = max_pixels()
    set_max_pixels(1 << 20)
    try:
        _small_allocation(lambda: read_volume([path]))
    except SeglabError as err:
        assert path.name in str(err)
    finally:
        set_max_pixels(budget)


def _h5_bytes() -> bytes | None:
    """An HDF5 image-and-mask pair (SSL4MIS' slices), or None without h5py."""
    import io

    try:
        import h5py
    except ImportError:
        return None
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        file["image"] = np.zeros((8, 8), np.float32)
        file["label"] = np.arange(64, dtype=np.uint8).reshape(8, 8)
    return buffer.getvalue()


H5_FILE = _h5_bytes()


@pytest.mark.skipif(H5_FILE is None, reason="HDF5 files need the 'hdf5' extra (h5py)")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 2500), flips=st.lists(st.tuples(st.integers(0, 2499), st.integers(0, 255)), max_size=6))
def test_any_damaged_hdf5_mask_reads_or_names_the_file(tmp_path_factory, cut, flips):
    """HDF5's library raised RuntimeError on such files ("bad heap free list", "addr overflow")."""
    _reads_or_names_the_damaged_file(tmp_path_factory.mktemp("h5"), "m.h5", H5_FILE or b"", cut, flips)


def _tiff_bytes(compression: str) -> bytes:
    import io

    import tifffile

    buffer = io.BytesIO()
    tifffile.imwrite(buffer, (np.arange(32 * 32).reshape(32, 32) % 4 * 60).astype(np.uint8), compression=compression)
    return buffer.getvalue()


TIFF_FILES = tuple(_tiff_bytes(c) for c in ("zlib", "lzw", "zstd", "packbits"))


@example(which=0, cut=0, flips=[(114, 0)])  # RowsPerStrip 0: tifffile raised ZeroDivisionError
@example(which=0, cut=0, flips=[(129, 4)])  # a strip of 67 MB in a 400-byte file: tifffile allocated it
@example(which=0, cut=339, flips=[(146, 218), (32, 104), (217, 0)])  # 6.8 M rows, 1 strip: 218 MB allocated
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(range(len(TIFF_FILES))), cut=st.integers(0, 400),
       flips=st.lists(st.tuples(st.integers(0, 399), st.integers(0, 255)), max_size=6))
def test_any_damaged_compressed_tiff_reads_or_names_the_file(tmp_path_factory, which, cut, flips):
    """imagecodecs raised its RuntimeErrors (DeflateError, ZstdError, ImcdError) on such files,
    and tifffile a ZeroDivisionError."""
    _reads_or_names_the_damaged_file(tmp_path_factory.mktemp("tiff"), "m.tif", TIFF_FILES[which], cut, flips)


def _webp_bytes(frames: int, lossless: bool) -> bytes:
    """A grey-level pattern as WebP, of one frame or an animation of several."""
    import io

    buffer = io.BytesIO()
    pictures = [Image.fromarray((np.arange(24 * 32).reshape(24, 32) % (7 - k) * 36).astype(np.uint8)).convert("RGB")
                for k in range(frames)]
    pictures[0].save(buffer, format="WEBP", append_images=pictures[1:], lossless=lossless, quality=70)
    return buffer.getvalue()


WEBP_FILES = tuple(_webp_bytes(frames, lossless) for frames, lossless in ((1, True), (1, False), (2, False)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(range(len(WEBP_FILES))), cut=st.integers(0, 300),
       flips=st.lists(st.tuples(st.integers(0, 299), st.integers(0, 255)), max_size=6))
def test_any_damaged_webp_reads_or_names_the_file(tmp_path_factory, which, cut, flips):
    """A lossless, lossy or animated WebP cut short or with bytes overwritten: a header may then
    declare up to 16383 x 16383 pixels, refused by the budget."""
    _reads_or_names_the_damaged_file(tmp_path_factory.mktemp("webp"), "m.webp", WEBP_FILES[which], cut, flips, 1 << 20)


# --- tables: manifests (CSV, JSON) and run-length tables ------------------------------------

cells = st.sampled_from(["a.png", "m.png", "images/a.png", "../a.png", "train", "val", "", "x"]) | st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)
columns = st.lists(st.sampled_from(["image", "mask", "split", "group", "label", "path", "id", "EncodedPixels",
                                    "ImageId", "ClassId"]) | st.text(max_size=6), min_size=1, max_size=4)


def _table(folder: Path, name: str, header: list[str], rows: list[list[str]]) -> Path:
    import csv

    _photo(folder / "a.png")
    _photo(folder / "m.png")
    with (folder / name).open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return folder / name


@example(header=["\x1e0"], rows=[])  # str.splitlines cut the header at \x1e: a row of cells past it, AttributeError
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=columns, rows=st.lists(st.lists(cells, max_size=5), max_size=4))
def test_any_csv_manifest_gives_pairs_or_a_seglab_error(tmp_path_factory, header, rows):
    path = _table(_example_folder(tmp_path_factory, "manifest"), "pairs.csv", header, rows)
    _small_allocation(lambda: _only_seglab_errors(path, tmp_path_factory.mktemp("cache"), listed=True))


@example(header=["image", "mask", "Image"])  # the last image column's paths were read, silently
@example(header=["image", "mask", "mask"])  # csv.DictReader kept the second mask column's cells
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.sampled_from(["image", "Image", " image", "IMAGE", "mask", "Mask", "mask ", "split", "Split",
                                        "notes", "Notes", "", "x"]), min_size=2, max_size=5))
def test_a_csv_manifest_column_read_written_twice_is_refused_naming_each(tmp_path_factory, header):
    """A manifest whose header writes a column it reads twice, in any case or spacing (`image`
    and `Image`, two `mask`): a row read by name kept the last cell silently, so the pairs were
    another column's. Refused, naming the file and each such column; other columns may repeat."""
    from seglab.data import discover

    def column_name(written: str) -> str:  # as a manifest's columns are compared
        return written.strip().lower()

    folder = _example_folder(tmp_path_factory, "manifest")
    for k in range(len(header)):
        _photo(folder / f"c{k}.png")
    path = _table(folder, "pairs.csv", header, [[f"c{k}.png" for k in range(len(header))]])
    read = [column_name(name) for name in header if column_name(name) in ("image", "mask", "split")]
    twice = sorted({name for name in read if read.count(name) > 1})
    try:
        index = discover(path, cache_dir=str(tmp_path_factory.mktemp("cache")))
    except SeglabError as err:
        assert str(path) in str(err), err
        if twice and "image" in read:  # with no image column, that is what the refusal says
            assert all(repr(name) in str(err) for name in header if column_name(name) == twice[0]), err
        return
    assert not twice, [p.image for p in index.pairs]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=json_values | st.lists(st.dictionaries(st.sampled_from(["image", "mask", "label", "split", "group"]),
                                                      cells | json_values, max_size=4), max_size=4)
       | st.dictionaries(st.sampled_from(["training", "validation", "test", "x"]), json_values, max_size=3))
def test_any_json_manifest_gives_pairs_or_a_seglab_error(tmp_path_factory, entries):
    folder = _example_folder(tmp_path_factory, "manifest")
    _photo(folder / "a.png")
    (folder / "pairs.json").write_text(json.dumps(entries))
    _small_allocation(lambda: _only_seglab_errors(folder / "pairs.json", tmp_path_factory.mktemp("cache"), listed=True))


runs = st.lists(st.integers(-3, 80), max_size=8).map(lambda n: " ".join(map(str, n))) | st.text(
    alphabet="0123456789 -.e", max_size=20)


@example(rows=[("a", "1", ""), ("a", "", ""), ("a", "1", "0 0")])  # natural_key compared "" with 1: TypeError
@example(rows=[("a", "", "0 0")])  # pixels of an empty class cell: a class named "", ValueError
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["a", "a.png", "b", ""]) | st.text(max_size=5),
                               st.sampled_from(["1", "2", "x", ""]), runs), max_size=4))
def test_any_run_length_table_gives_pairs_or_a_seglab_error(tmp_path_factory, rows):
    folder = _example_folder(tmp_path_factory, "rle")
    path = _table(folder, "train.csv", ["ImageId", "ClassId", "EncodedPixels"], [list(r) for r in rows])
    (folder / "m.png").unlink()
    _small_allocation(lambda: _only_seglab_errors(path, tmp_path_factory.mktemp("cache")))


box_cells = st.sampled_from(["0", "0.5", "1", "-1", "x", "", "inf", "nan", "1e400"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["m.png", "bad.png", "x.png", "a.png", ""]) | st.text(max_size=5),
                               st.sampled_from(["a", "a.png", "m", "b", ""]), st.sampled_from(["/m/1", "/m/2", ""]),
                               box_cells, box_cells, box_cells, box_cells), max_size=4),
       names=st.lists(st.lists(cells, min_size=1, max_size=3), max_size=3))
def test_any_object_mask_table_gives_pairs_or_a_seglab_error(tmp_path_factory, rows, names):
    """Open Images' `*-annotations-object-segmentation.csv`: any cells, a broken mask file, any
    class descriptions beside."""
    folder = _example_folder(tmp_path_factory, "mask-table")
    path = _table(folder, "train-annotations-object-segmentation.csv",
                  ["MaskPath", "ImageID", "LabelName", "BoxXMin", "BoxXMax", "BoxYMin", "BoxYMax"], [list(r) for r in rows])
    (folder / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    _table(folder, "oidv7-class-descriptions.csv", ["LabelName", "DisplayName"], names)
    _small_allocation(lambda: _only_seglab_errors(path.parent, tmp_path_factory.mktemp("cache")))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=json_values | st.dictionaries(st.sampled_from(["train", "val", "test", "x"]),
                                             st.lists(st.sampled_from(["a", "b", "c", ""]) | json_values, max_size=4)
                                             | json_values, max_size=4))
def test_any_split_file_splits_or_names_the_file(tmp_path_factory, content):
    from seglab.data.files.index import Pair
    from seglab.data.splitting.splits import split_from_file

    path = tmp_path_factory.mktemp("split") / "splits.json"
    path.write_text(json.dumps(content))
    pairs = [Pair(name, Path(f"{name}.png"), Path(f"{name}_mask.png")) for name in ("a", "b", "c")]
    try:
        splits = split_from_file(pairs, path)
    except SeglabError as err:
        assert "splits.json" in str(err)
        return
    placed = [p.name for found in splits.values() for p in found]  # a pair left out is warned about
    assert len(placed) == len(set(placed)) and set(placed) <= {"a", "b", "c"} and splits["train"]


@example(text="0='")  # --set model.name='unet: a YAML scanner error escaped as a traceback
@SETTINGS
@given(text=st.text(max_size=30) | st.sampled_from(["256", "360x480", "0", "-1", "1e400", "nan", "inf", "90s", "1.5h",
                                                     "255:ignore,1:2", "1:1,1:2", "a=b", "auto", "1,5,20", "1e-3"]))
def test_every_flag_value_parser_gives_a_value_or_an_argparse_error(text):
    """What a user types after a flag: argparse names the flag, never a traceback."""
    import argparse

    from seglab.cli import values

    for parse in (values.parse_size, values.parse_duration, values.parse_assignment, values.parse_lr,
                  values.parse_class_weights, values.parse_label_map):
        try:
            parse(text)
        except argparse.ArgumentTypeError:
            pass


@SETTINGS
@example(pattern="a{99999999999}")  # re raised OverflowError: a traceback
@example(pattern="(" * 2000 + ")" * 2000)  # re raised RecursionError: a traceback
@given(pattern=st.text(alphabet="(){}[]^$*+?.|\\a1-:<>=!PstemIgq{}", max_size=30))
def test_any_mask_or_group_pattern_compiles_or_is_named(pattern):
    from seglab.data.discovery.naming import template_rules
    from seglab.data.splitting.splits import _compile_group_pattern

    try:
        template_rules(pattern)
    except ValueError as err:
        assert "mask pattern" in str(err)
    try:
        _compile_group_pattern(pattern, "groups")
    except SeglabError as err:
        assert "group pattern" in str(err)


shipped_name_files = st.sampled_from(["class_dict.csv", "_classes.csv", "labelmap.txt", "class_names.txt",
                                      "classes.txt", "obj_class_to_machine_color.json", "objectInfo150.csv",
                                      "dataset.json", "config_v2.0.json", "class_list.json", "gt_codes.tsv",
                                      "RUGD_annotation-colormap.txt", "ontology.yaml", "classes.csv",
                                      "goose_label_mapping.csv", "label_num_dic_final.json", "labels.json",
                                      "README.md", "README.txt", "collection.json", "labels.txt", "codes.txt",
                                      "dataset_meta.json", "data.arff"])
shipped_texts = st.text(max_size=60) | st.lists(st.lists(st.sampled_from(
    ["name", "r", "g", "b", "Pixel Value", "Class", "Idx", "Name", "background", "car", "0", "1", "255", "-1", "x",
     "300", "", "label", "GT_code", "void", "outside_roi", "#ff0000", "70000", "classname", "red", "green", "blue",
     "hex", "label_key", "class_name", "unlabeled"]), max_size=5), max_size=4).flatmap(
    lambda rows: st.sampled_from([",", "\t", " ", ": "]).map(lambda sep: "\n".join(sep.join(r) for r in rows))
) | json_values.map(json.dumps) | st.sampled_from([
    "background:0,0,0::\ncar:255,0,0::\n", "_background_\ncar\n", '{"labels": {"0": "background", "1": "car"}}',
    '{"car": [1, 1, 1]}', '{"#000000": "void", "#ff0000": "car"}', "0 void 0 0 0\n1 car 255 0 0\n",
    "label\tGT_code\noutside_roi\t0\ncar\t1\n", "- {0: void, 1: car}\n- {0: [0, 0, 0], 1: [1, 1, 1]}\n",
    "- {0: void}\n", "a: &a [*a]\n", "{0: x, 1: " + "[" * 2000 + "\n", "{0: void, 70000: car}\n",
    "classname,red,green,blue\nunlabeled,0,0,0\ncar,0,0,142\nvan,0,0,142\n", '{"others": 0, "wall": 1}',
    "label_key,class_name,has_instance,hex\n0,undefined,False,#000000\n1,car,True,#00008e\n",
    "Colours: void (255,255,255), car (1,1,1), road (2, 2, 2).\n", "- void: 0,0,0\n- ignore: 1,1,1\n- x: 2,2,2\n",
    "a 0 0 0\nb 0 0 0\nc 300 0 0\n", "car (0,0,0), van (0,0,0), bus (1, 1, 1)\n",
    "Labels: 0 soil, 1 bedrock, 255 NULL (no label).\n", "Labels: 0 void, 1 ignore.\n", "masks: 1 null\n",
    "Labels: 1 car, 99999 van.\n", "| id | name |\n|---|---|\n| 0 | unlabelled |\n| 255 | void |\n",
    '{"type": "Collection", "summaries": {"label:classes": [{"name": null, "classes": ["1: car", "70000: van"]}]}}',
    "car\nroad\nVoid\n",
    '{"label_map": {"0": "background", "1": "car"}, "segmentation_colors": [[0, 0, 0], [300, 0, 0]]}',
    '{"label_map": {"0": "car", "1": "car"}}', "@attribute class {car,road}\n@data\n", "@attribute class {car}\n",
    "Tissue labels: 0 unannotated (exclude), 1 tumor, 2 stroma\n", "Labels: 0 void, 1 ignore (ignore), 2 unlabelled\n"])


@example(name="_classes.csv", text="name,Pixel Value\n\n")  # no rows: max() of no names, ValueError
@example(name="ontology.yaml", text="{0: void, 1: outside_roi}\n")  # voids only: no class left
@example(name="ontology.yaml", text="{0: x, 1: " + "[" * 2000 + "\n")  # nested past the parser
@example(name="README.md", text="Labels: 0 void, 1 ignore (ignore), 2 unlabelled\n")  # a README's voids only
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=shipped_name_files, text=shipped_texts)
def test_any_shipped_class_names_file_gives_pairs_or_a_seglab_error(tmp_path_factory, name, text):
    """The files datasets ship to name their classes (CamVid's class_dict.csv, CVAT's
    labelmap.txt, Roboflow's _classes.csv, A2D2's class_list.json, BCSS's gt_codes.tsv, RUGD's
    colormap, RELLIS-3D's ontology.yaml, ...), whatever they hold."""
    from PIL import Image

    root = _example_folder(tmp_path_factory, "shipped")
    for folder in ("images", "masks"):
        (root / folder).mkdir()
    for k in range(2):
        Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(root / "images" / f"{k}.png")
        Image.fromarray((np.arange(48).reshape(6, 8) % 2).astype(np.uint8)).save(root / "masks" / f"{k}.png")
    (root / name).write_text(text, encoding="utf-8")
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6), keep=st.integers(0, 400))
def test_a_damaged_gta5_split_mat_gives_pairs_or_a_seglab_error(tmp_path_factory, cuts, keep):
    """GTA5's split.mat, read by seglab's own MATLAB parser to split the images: bytes changed
    or the file cut short."""
    import io as bytes_io

    import scipy.io
    from PIL import Image

    root = _example_folder(tmp_path_factory, "gta5")
    for folder in ("images", "labels"):
        (root / folder).mkdir()
    for k in range(1, 4):
        Image.fromarray(np.zeros((6, 8, 3), np.uint8)).save(root / "images" / f"{k:05d}.png")
        Image.fromarray((np.arange(48).reshape(6, 8) % 2).astype(np.uint8)).save(root / "labels" / f"{k:05d}.png")
    buffer = bytes_io.BytesIO()
    scipy.io.savemat(buffer, {"trainIds": np.array([[1.0], [2]]), "valIds": np.array([[3.0]])}, do_compression=True)
    data = bytearray(buffer.getvalue())
    for at, value in cuts:
        if at < len(data):
            data[at] = value
    (root / "split.mat").write_bytes(bytes(data[: len(data) - keep % max(len(data) - 128, 1)]))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


case_tables = st.text(max_size=80) | st.lists(st.lists(st.sampled_from(
    ["image_id", "split", "s0000", "s0001", "s0002", "train", "val", "test", "x", "", "\x00", ";", ","]),
    max_size=6), max_size=5).map(lambda rows: "\n".join(";".join(r) for r in rows))


@SETTINGS
@given(table=case_tables)
def test_any_case_table_beside_totalsegmentator_cases_gives_pairs_or_a_seglab_error(tmp_path_factory, table):
    """TotalSegmentator's meta.csv gives the splits of its s0000/ct.nii.gz + segmentations/ cases:
    whatever a CSV beside such cases holds."""
    import nibabel as nib

    root = _example_folder(tmp_path_factory, "totalseg")
    for n in range(3):
        voxels = np.zeros((6, 5, 3), np.uint8)
        voxels[1:4, 1:3, 1] = 1
        for name, array in (("ct", voxels * 50), ("segmentations/liver", voxels), ("segmentations/spleen", voxels[::-1])):
            (root / f"s{n:04d}" / name).parent.mkdir(parents=True, exist_ok=True)
            nib.Nifti1Image(array, np.eye(4)).to_filename(root / f"s{n:04d}" / f"{name}.nii.gz")
    (root / "meta.csv").write_text(table, encoding="utf-8")
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


# --- TIFF structure: samples, planes, declared alpha, ImageJ/OME channel pages, geo tags --------

tiff_layouts = st.fixed_dictionaries({
    "shape": st.sampled_from([(5, 6), (5, 6, 1), (5, 6, 2), (5, 6, 3), (5, 6, 4), (5, 6, 7), (2, 5, 6), (4, 5, 6),
                              (3, 5, 6), (20, 5, 6), (17, 5, 6), (3, 2, 5, 6), (1, 5, 6), (5, 1)]),
    "dtype": st.sampled_from(["uint8", "uint16", "float32", "int16", "bool", "float64", "int32"]),
    "photometric": st.sampled_from([None, "minisblack", "rgb"]),
    "planarconfig": st.sampled_from([None, "contig", "separate"]),
    "extrasamples": st.none() | st.lists(st.integers(0, 3), max_size=5),
    "metadata": st.none() | st.sampled_from(["imagej", "ome"]),
    "axes": st.none() | st.sampled_from(["CYX", "YXC", "ZYX", "TYX", "CZYX", "YXS", "QYX", "C"]),
})


def _structured_tiff(path: Path, layout: dict) -> bool:
    """A TIFF as tifffile writes the layout; False when tifffile refuses the combination."""
    import tifffile

    array = np.arange(int(np.prod(layout["shape"]))).reshape(layout["shape"]).astype(layout["dtype"])
    kwargs = {k: layout[k] for k in ("photometric", "planarconfig", "extrasamples") if layout[k] is not None}
    if layout["metadata"] == "imagej":
        kwargs["imagej"] = True
    elif layout["metadata"] == "ome":
        kwargs["ome"] = True
    if layout["axes"] is not None:
        kwargs["metadata"] = {"axes": layout["axes"]}
    try:
        tifffile.imwrite(path, array, **kwargs)
    except Exception:  # noqa: BLE001 - a combination tifffile cannot write is no file to read
        path.unlink(missing_ok=True)
        return False
    return True


@SETTINGS
@given(layout=tiff_layouts)
def test_any_tiff_layout_reads_as_channels_last_or_names_the_file(tmp_path_factory, layout):
    """Whatever samples, planes, alpha declarations and channel metadata a TIFF has, its header
    and image read as (H, W, C) with C at most MAX_CHANNELS, or a SeglabError names it."""
    from seglab.data.files.channels import MAX_CHANNELS
    from seglab.data.files.io import read_header, read_image, read_raw_mask

    path = tmp_path_factory.mktemp("tiff") / "t.tif"
    if not _structured_tiff(path, layout):
        return
    for read in (read_header, read_image, read_raw_mask):
        try:
            result = read(path)
        except SeglabError as err:
            assert "t.tif" in str(err)
            continue
        if read is read_image:
            assert result.ndim == 3 and 1 <= result.shape[2] <= MAX_CHANNELS, result.shape


_FLOAT_PLANES = {"shape": (5, 6, 2), "dtype": "float32", "photometric": None, "planarconfig": None,
                 "extrasamples": None, "metadata": None, "axes": None}


@example(image=_FLOAT_PLANES, mask=None, damage=[(5, 1)], cut=0)  # a series of no axes: IndexError
@example(image=_FLOAT_PLANES, mask=None, damage=[(34, 0)], cut=0)  # tifffile's AssertionError
@SETTINGS
@given(image=tiff_layouts, mask=st.none() | tiff_layouts,
       damage=st.lists(st.tuples(st.integers(0, 600), st.integers(0, 255)), max_size=4), cut=st.integers(0, 300))
def test_any_pair_of_tiff_stacks_gives_pairs_or_a_seglab_error(tmp_path_factory, image, mask, damage, cut):
    """Multi-page TIFFs side by side, as EM stacks ship (Lucchi's training.tif beside
    training_groundtruth.tif), of any layouts (the mask's that of the image, 8-bit, when none is
    drawn), damaged or cut short: a dataset of pairs or a seglab error, under 64 MB."""
    root = _example_folder(tmp_path_factory, "stacks")
    mask = mask or {**image, "dtype": "uint8"}
    if not (_structured_tiff(root / "training.tif", image)
            and _structured_tiff(root / "training_groundtruth.tif", mask)):
        return
    data = bytearray((root / "training.tif").read_bytes())
    for at, value in damage:
        if at < len(data):
            data[at] = value
    (root / "training.tif").write_bytes(bytes(data[: len(data) - cut % max(len(data) - 8, 1)]))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


geo_values = st.sampled_from([(1.0, 1.0, 0.0), (0, 0, 0, 5.0, 6.0, 0.0), "WGS 84|", "ÿ|", "", b"x", (), (1, 2, 3, 4),
                              (1, 1, 0, 7, 1024, 0, 1, 1), (2**40,), (-1,), (1.5,) * 16]) | json_values


@SETTINGS
@given(values=st.dictionaries(st.sampled_from([33550, 33922, 34264, 34735, 34736, 34737]),
                              st.tuples(st.sampled_from([1, 2, 3, 4, 11, 12, 16]), geo_values), max_size=6))
def test_any_geo_tags_copy_onto_the_mask_or_leave_it_out(tmp_path_factory, values):
    """A GeoTIFF's tags, whatever their types and values, are copied onto the predicted mask's
    TIFF (which then reads back with them) or the TIFF is left out; nothing raises."""
    import tifffile

    from seglab.data.files.geotiff import georeference, write_georeferenced_mask

    folder = tmp_path_factory.mktemp("geo")
    tags = []
    for code, (dtype, value) in values.items():
        count = len(value) if isinstance(value, (tuple, str, bytes)) else 1
        tags.append((code, dtype, count, value, True))
    try:
        tifffile.imwrite(folder / "image.tif", np.zeros((4, 5), np.uint8), extratags=tags)
    except Exception:  # noqa: BLE001 - tags tifffile cannot write make no image to test
        return
    copied = georeference(folder / "image.tif")
    mask = folder / "image_mask.tif"
    if write_georeferenced_mask(mask, np.ones((4, 5), np.uint8), copied):
        with tifffile.TiffFile(mask) as tif:
            assert tif.pages[0].asarray().shape == (4, 5)
            assert {code for code, *_ in copied} <= set(tif.pages[0].tags.keys())
    else:
        assert not mask.exists()


geo_points = st.lists(st.tuples(st.floats(-1e9, 1e9, allow_nan=False), st.floats(-1e9, 1e9, allow_nan=False))
                      .map(list), max_size=5) | json_values
geo_geometries = st.fixed_dictionaries({
    "type": st.sampled_from(["Polygon", "MultiPolygon", "GeometryCollection", "Point", "LineString"]) | json_values},
    optional={"coordinates": st.lists(geo_points, max_size=3) | st.lists(st.lists(geo_points, max_size=2), max_size=2)
              | json_values,
              "geometries": st.lists(st.fixed_dictionaries({"type": st.just("Polygon"),
                                                            "coordinates": st.lists(geo_points, max_size=2)}),
                                     max_size=2) | json_values})
geo_features = st.fixed_dictionaries({"type": st.just("Feature"), "geometry": geo_geometries | json_values},
                                     optional={"properties": json_values | st.fixed_dictionaries(
                                         {}, optional={"classification": json_values | st.fixed_dictionaries(
                                             {"name": st.sampled_from(["Tumor", ""]) | json_values}),
                                             "class": json_values, "label": st.sampled_from(["road", ""])})})


@example(features=[{"type": "Feature", "geometry": {"type": []}}], crs=None, georeferenced=False,
         name="a")  # Counter: TypeError
@example(features=[{"type": "Feature", "geometry": {"type": "MultiPolygon", "coordinates": [[[{}]]]}}], crs=None,
         georeferenced=True, name="a")  # a point that is a dict: KeyError
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(features=st.lists(geo_features, max_size=4), crs=st.sampled_from([None, "EPSG:4326", "EPSG:32611",
                                                                          "EPSG:999999", "EPSG:"]) | json_values,
       georeferenced=st.booleans(), name=st.sampled_from(["a", "city_layer"]))
def test_any_geojson_file_gives_pairs_or_a_seglab_error(tmp_path_factory, features, crs, georeferenced, name):
    """A GeoJSON file of any features, coordinates and CRS, over a plain image or a GeoTIFF,
    named as its image or not (a layer over every GeoTIFF)."""
    import tifffile

    root = _example_folder(tmp_path_factory, "geojson")
    (root / "images").mkdir()
    extratags = [(33550, 12, 3, (0.5, 0.5, 0.0), True), (33922, 12, 6, (0, 0, 0, 660000.0, 4000000.0, 0.0), True),
                 (34735, 3, 16, (1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32611), True)]
    tifffile.imwrite(root / "images" / "a.tif", np.zeros((8, 8), np.uint8), extratags=extratags if georeferenced else [])
    (root / "labels").mkdir()
    collection = {"type": "FeatureCollection", "features": features}
    if crs is not None:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    (root / "labels" / f"{name}.geojson").write_text(json.dumps(collection))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


wkt_texts = st.sampled_from(["POLYGON ((1 1, 6 1, 6 6, 1 1))", "POLYGON EMPTY", "MULTIPOLYGON (((1 1, 3 1, 3 3)))",
                             "POLYGON ((1 1, 6 1", "POLYGON ((nan 1, inf 2, 1e308 3))", "POINT (1 2)", ")))(((",
                             "POLYGON" + " (" * 3000]) | st.text(alphabet="POLYGNM ()0123456789.,-e", max_size=40) \
    | json_values


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(buildings=st.lists(st.fixed_dictionaries({"wkt": wkt_texts}, optional={"properties": json_values | st.fixed_dictionaries(
    {"subtype": st.sampled_from(["no-damage", "destroyed", ""]) | json_values})}) | json_values, max_size=4),
       metadata=json_values | st.fixed_dictionaries({"img_name": st.sampled_from(["a_post_disaster.png", "../x.png"])
                                                     | json_values}))
def test_any_xbd_label_file_gives_pairs_or_a_seglab_error(tmp_path_factory, buildings, metadata):
    root = _example_folder(tmp_path_factory, "xbd")
    _photo(root / "train" / "images" / "a_post_disaster.png")
    (root / "train" / "labels").mkdir(parents=True)
    (root / "train" / "labels" / "a_post_disaster.json").write_text(json.dumps(
        {"features": {"lng_lat": [], "xy": buildings}, "metadata": metadata}))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


xml_numbers = st.sampled_from(["1", "7.5", "-3", "1e308", "nan", "inf", "", "one", "1" * 400]) | st.text(max_size=6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layers=st.lists(st.tuples(
    st.dictionaries(st.sampled_from(["Name", "LineColor", "Id"]), st.text(max_size=6) | xml_numbers, max_size=3),
    st.lists(st.sampled_from(["Description", "Epithelial", "", " "]), max_size=2),
    st.lists(st.tuples(st.dictionaries(st.sampled_from(["Type", "NegativeROA"]), st.sampled_from(["0", "1", "2", "x"])),
                       st.lists(st.tuples(xml_numbers, xml_numbers), max_size=5)), max_size=3)), max_size=3))
def test_any_imagescope_file_gives_pairs_or_a_seglab_error(tmp_path_factory, layers):
    """ImageScope layers of any names, colours, region types and vertices that are no numbers."""
    import xml.etree.ElementTree as ElementTree

    root = _example_folder(tmp_path_factory, "imagescope")
    _photo(root / "Tissue Images" / "a.tif")
    annotations = ElementTree.Element("Annotations", MicronsPerPixel="0.25")
    for attributes, names, regions in layers:
        layer = ElementTree.SubElement(annotations, "Annotation", attributes)
        listed = ElementTree.SubElement(layer, "Attributes")
        for name in names:
            ElementTree.SubElement(listed, "Attribute", Name=name, Value="")
        holder = ElementTree.SubElement(layer, "Regions")
        for region_attributes, vertices in regions:
            region = ElementTree.SubElement(ElementTree.SubElement(holder, "Region", region_attributes), "Vertices")
            for x, y in vertices:
                ElementTree.SubElement(region, "Vertex", X=x, Y=y, Z="0")
    (root / "Annotations").mkdir()
    ElementTree.ElementTree(annotations).write(root / "Annotations" / "a.xml")
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


hiertext_words = st.fixed_dictionaries({}, optional={"vertices": point_lists, "legible": st.booleans() | json_values})
hiertext_annotations = st.fixed_dictionaries(
    {"image_id": st.sampled_from(["a", "b"]) | json_values,
     "paragraphs": json_values | st.lists(st.fixed_dictionaries({"lines": json_values | st.lists(
         st.fixed_dictionaries({"words": st.lists(hiertext_words, max_size=3) | json_values},
                               optional={"legible": json_values}), max_size=2)}), max_size=2)},
    optional={"image_width": st.integers(-2, 9) | json_values, "image_height": st.integers(-2, 9) | json_values})


@example(annotations=[], form="document", cut=0)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(annotations=st.lists(hiertext_annotations, max_size=3) | json_values,
       form=st.sampled_from(["document", "lines", "cut", "not gzip"]), cut=st.integers(0, 400))
def test_any_hiertext_file_gives_pairs_or_a_seglab_error(tmp_path_factory, annotations, form, cut):
    """HierText's gt/train.jsonl.gz of any annotations, words, vertices and legibility, as one JSON
    document (an image annotated twice too), as JSON Lines, cut short, or not gzip-compressed."""
    import gzip

    root = _example_folder(tmp_path_factory, "hiertext")
    _photo(root / "train" / "a.jpg")
    _photo(root / "test" / "c.jpg")
    (root / "gt").mkdir()
    words = [{"image_id": "a", "paragraphs": [{"lines": [{"words": [{"vertices": [[0, 0], [4, 0], [4, 4]]}]}]}]}]
    listed = annotations if isinstance(annotations, list) else [annotations]
    text = ("\n".join(json.dumps(a) for a in listed + words) if form == "lines" else
            json.dumps({"info": {}, "annotations": listed + words}))
    data = text.encode() if form == "not gzip" else gzip.compress(text.encode())
    (root / "gt" / "train.jsonl.gz").write_bytes(data[:cut] if form in ("cut", "not gzip") else data)
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


polygon_points = st.lists(st.tuples(xml_numbers, xml_numbers), max_size=5).map(
    lambda pairs: " ".join(f"{x},{y}" for x, y in pairs)) | st.text(max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shapes=st.lists(st.tuples(st.sampled_from(["table", "cell", "Coords", ""])
                                 | st.text(max_size=4).filter(lambda t: not t.startswith("{")),  # ElementTree writes no '{' tag
                                 polygon_points, st.booleans()), max_size=4),
       svg=st.lists(st.tuples(st.sampled_from(["Panel", "Balloon", ""]) | st.text(max_size=6),
                              st.sampled_from(["polygon", "rect", "g"]), polygon_points,
                              st.dictionaries(st.sampled_from(["x", "y", "width", "height", "transform"]), xml_numbers,
                                              max_size=3)), max_size=4),
       side=xml_numbers, image=st.sampled_from(["a.jpg", "../a.jpg", "/etc/passwd", ""]) | st.text(max_size=6))
def test_any_polygon_xml_or_svg_file_gives_pairs_or_a_seglab_error(tmp_path_factory, shapes, svg, side, image):
    """cTDaR XML of any elements, nesting and points (cells in tables too), and eBDtheque SVG of
    any classes, shapes, sides, transforms and linked images."""
    import xml.etree.ElementTree as ElementTree

    root = _example_folder(tmp_path_factory, "polygon-xml")
    _photo(root / "scans" / "a.jpg")
    document = ElementTree.Element("document", filename=image)
    holder = document
    for tag, points, nested in shapes:
        element = ElementTree.SubElement(holder if nested else document, tag or "x")
        ElementTree.SubElement(element, "Coords", points=points)
        holder = element
    ElementTree.ElementTree(document).write(root / "scans" / "a.xml")
    _photo(root / "Pages" / "b.jpg")
    page = ElementTree.Element("svg", xmlns="http://www.w3.org/2000/svg", width=side, height=side)
    ElementTree.SubElement(page, "image", href=f"../Pages/{image}")
    for named, kind, points, attributes in svg:
        group = ElementTree.SubElement(page, "svg", {"class": named})
        ElementTree.SubElement(group, kind, {"points": points, **attributes})
    (root / "GT").mkdir()
    ElementTree.ElementTree(page).write(root / "GT" / "b.svg")
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


polygon_line_objects = st.fixed_dictionaries(
    {"type": st.sampled_from(["blood_vessel", "unsure", "background"]) | json_values,
     "coordinates": json_values | st.lists(point_lists, max_size=3)})


@example(lines=[], cut=0)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.fixed_dictionaries({"id": st.sampled_from(["a", "b", "../a"]) | json_values,
                                             "annotations": st.lists(polygon_line_objects, max_size=3) | json_values}),
                      max_size=3) | json_values,
       cut=st.integers(0, 400))
def test_any_polygon_lines_file_gives_pairs_or_a_seglab_error(tmp_path_factory, lines, cut):
    """HuBMAP HHV's polygons.jsonl of any ids, types and rings (an image named twice too), whole or cut short."""
    root = _example_folder(tmp_path_factory, "polygon-lines")
    _photo(root / "train" / "a.tif")
    _photo(root / "test" / "c.tif")
    vessel = {"id": "a", "annotations": [{"type": "blood_vessel", "coordinates": [[[0, 0], [4, 0], [4, 4]]]}]}
    text = "\n".join(json.dumps(line) for line in [vessel, *(lines if isinstance(lines, list) else [lines])])
    (root / "polygons.jsonl").write_text(text[:cut] if cut else text)
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


stack_shapes = st.tuples(st.integers(0, 3), st.integers(1, 20), st.integers(17, 20)).flatmap(
    lambda nhw: st.sampled_from([nhw, (*nhw, 1), (*nhw, 2), (*nhw, 3), (*nhw, 6)]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(images=hnp.arrays(st.sampled_from([np.uint8, np.float64, np.int16, np.bool_]), stack_shapes),
       masks=hnp.arrays(st.sampled_from([np.uint8, np.float32, np.int32, np.int64]), stack_shapes))
def test_any_array_stacks_give_pairs_or_a_seglab_error(tmp_path_factory, images, masks):
    """Image and mask stacks of any counts, sizes, channels, types and values (NaN, negative,
    fractional, over 255)."""
    root = _example_folder(tmp_path_factory, "stacks")
    np.save(root / "images.npy", images)
    np.save(root / "masks.npy", masks)
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


def _stack_files(kind: str) -> dict[str, bytes] | None:
    """Files of a stacked dataset: TissueNet's .npz (X, y: two channels of object numbers, and a
    string array), saved with or without compression, the same arrays as an HDF5 file's datasets (in a
    split's group, with a `classes` attribute), or MitoEM's HDF5 pair (None without h5py)."""
    import io

    objects = np.zeros((3, 4, 18, 2), np.int32)
    objects[:, 1:3, 2:5], objects[:, 1:3, 9:12] = 1, 2
    if kind.startswith("npz"):
        buffer = io.BytesIO()
        save = np.savez_compressed if kind == "npz-compressed" else np.savez
        save(buffer, X=objects.astype(np.float32) / 2, y=objects, tissue_list=np.array(["lung"] * 3))
        return {"tissuenet_v1.1_train.npz": buffer.getvalue()}
    try:
        import h5py
    except ImportError:
        return None
    if kind == "h5-datasets":
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as file:
            file["train/X"], file["train/y"] = objects.astype(np.float32) / 2, objects
            file["tissue_list"], file.attrs["classes"] = np.array([b"lung"] * 3), np.array([b"none", b"cell", b"more"])
        return {"tissuenet.h5": buffer.getvalue()}
    files = {}
    for name, array in (("im.h5", objects[..., 0].astype(np.uint8) * 90), ("mito_label.h5", objects[..., 1])):
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as file:
            file.create_dataset("main", data=array, compression="gzip")
        files[name] = buffer.getvalue()
    return files


STACK_FILES = tuple(files for kind in ("npz", "npz-compressed", "h5-datasets", "h5")
                    if (files := _stack_files(kind)) is not None)


@example(which=0, cut=0, flips=[], claimed=b"(900000, 4, 18, 2)")  # a header asking for 1 GB
@example(which=1, cut=0, flips=[(539, 82)], claimed=None)  # zipfile's NotImplementedError ("zip file version 8.2")
@example(which=len(STACK_FILES) - 1, cut=0, flips=[(2311, 226), (837, 157)], claimed=None)  # h5py's KeyError
@SETTINGS
@given(which=st.sampled_from(range(len(STACK_FILES))), cut=st.integers(0, 4000),
       flips=st.lists(st.tuples(st.integers(0, 3999), st.integers(0, 255)), max_size=6),
       claimed=st.none() | st.sampled_from([b"(9, 4, 18, 2)", b"(3, 4, 18, 9)", b"(3, 40000, 18000, 2)"]))
def test_any_damaged_stack_file_gives_pairs_or_a_seglab_error(tmp_path_factory, which, cut, flips, claimed):
    """TissueNet's .npz stacks, as HDF5 datasets too, and MitoEM's HDF5 stacks cut short, with bytes overwritten or an
    array header claiming other shapes: a dataset of pairs or a seglab error, under 64 MB."""
    root = _example_folder(tmp_path_factory, "stacks")
    first, *others = STACK_FILES[which].items()
    for name, data in others:
        (root / name).write_bytes(data)
    data = bytearray(first[1] if claimed is None else first[1].replace(b"(3, 4, 18, 2)", claimed))
    for at, value in flips:
        if at < len(data):
            data[at] = value
    (root / first[0]).write_bytes(bytes(data[: len(data) - cut % max(len(data) - 8, 1)]))
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


band_folder_names = st.sampled_from(["train_red", "train_green", "train_blue", "train_nir", "rgb", "nir", "images",
                                     "images_denoised", "B02", "B03", "dsm"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(folders=st.lists(st.tuples(band_folder_names, st.sampled_from([1, 1, 3]), st.sampled_from([(8, 8), (8, 8), (6, 8)]),
                                  st.sets(st.integers(0, 3), max_size=4)), min_size=1, max_size=4,
                        unique_by=lambda f: f[0]),
       masks=st.sets(st.integers(0, 3), min_size=1, max_size=4), prefixed=st.booleans())
def test_any_band_folders_give_pairs_of_every_band_or_a_seglab_error(tmp_path_factory, folders, masks, prefixed):
    """Image folders of any names, channel counts, sizes and missing files beside one mask
    folder: images of channel files have a file in each folder, or a SeglabError says why not."""
    root = _example_folder(tmp_path_factory, "bands")
    for name, channels, size, present in folders:
        (root / name).mkdir()
        for k in present:
            pixels = np.full((*size, channels), 40 * k, np.uint8)
            Image.fromarray(pixels[..., 0] if channels == 1 else pixels).save(
                root / name / f"{name.split('_')[-1] + '_' if prefixed else ''}patch_{k}.png")
    (root / "gt").mkdir()
    for k in masks:
        Image.fromarray(np.eye(8, dtype=np.uint8) * 255).save(root / "gt" / f"gt_patch_{k}.png")
    _only_seglab_errors(root, tmp_path_factory.mktemp("cache"))
    from seglab.data import discover
    try:
        index = discover(root, cache_dir=str(tmp_path_factory.mktemp("cache")))
    except SeglabError:
        return
    for pair in index.pairs:
        assert len({f.parent for f in pair.images}) == len(pair.images)  # a file of each band folder (no _0001 names here)


def _geopackage_bytes() -> bytes:
    import sqlite3
    import struct
    import tempfile

    from shapely import wkb
    from shapely.geometry import Polygon

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.gpkg"
        database = sqlite3.connect(path)
        database.executescript(
            "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT, "
            "organization_coordsys_id INTEGER, definition TEXT, description TEXT);"
            "INSERT INTO gpkg_spatial_ref_sys VALUES ('x', 4326, 'EPSG', 4326, '', '');"
            "CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, srs_id INTEGER);"
            "INSERT INTO gpkg_contents VALUES ('fields', 'features', 'fields', 4326);"
            "CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT, "
            "srs_id INTEGER, z TINYINT, m TINYINT);"
            "INSERT INTO gpkg_geometry_columns VALUES ('fields', 'geom', 'POLYGON', 4326, 0, 0);"
            "CREATE TABLE fields (fid INTEGER PRIMARY KEY, geom BLOB, class TEXT);")
        blob = b"GP\x00\x01" + struct.pack("<i", 4326) + wkb.dumps(Polygon([(1, 1), (6, 1), (6, 6)]))
        database.execute("INSERT INTO fields (geom, class) VALUES (?, 'wheat'), ('text', 'x'), (?, 'oats')",
                         (blob, blob[:20]))
        database.commit()
        database.close()
        return path.read_bytes()


GEOPACKAGE = _geopackage_bytes()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(GEOPACKAGE)), flips=st.lists(st.tuples(st.integers(0, len(GEOPACKAGE) - 1),
                                                                     st.integers(0, 255)), max_size=6))
def test_any_damaged_geopackage_reads_or_names_the_file(tmp_path_factory, cut, flips):
    """A GeoPackage cut short or with bytes overwritten (its rows hold a text geometry and a
    truncated blob already): features, or a DataError naming the file."""
    from seglab.data.annotations.vector_labels import read_geojson

    data = bytearray(GEOPACKAGE[: cut or None])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    path = tmp_path_factory.mktemp("gpkg") / "fields.gpkg"
    path.write_bytes(bytes(data))
    try:
        read_geojson(path)
    except SeglabError as err:
        assert "fields.gpkg" in str(err)


def _shapefile_files() -> dict[str, bytes]:
    import tempfile

    import shapefile

    with tempfile.TemporaryDirectory() as folder:
        with shapefile.Writer(str(Path(folder) / "fields"), shapeType=shapefile.POLYGON) as writer:
            writer.field("class", "C")
            writer.poly([[(1, 1), (1, 6), (6, 6), (6, 1), (1, 1)], [(2, 2), (3, 2), (3, 3), (2, 3), (2, 2)]])
            writer.record("wheat")
            writer.null()
            writer.record("none")
        return {suffix: (Path(folder) / f"fields{suffix}").read_bytes() for suffix in (".shp", ".shx", ".dbf")}


SHAPEFILE = _shapefile_files()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from([".shp", ".shx", ".dbf"]), cut=st.integers(0, 300),
       flips=st.lists(st.tuples(st.integers(0, 299), st.integers(0, 255)), max_size=6))
@example(which=".shx", cut=0, flips=[(112, 2)])  # a record's length of 33 million words: pyshp asked for 67 MB
def test_any_damaged_shapefile_reads_or_names_the_file(tmp_path_factory, which, cut, flips):
    """A shapefile one of whose three files is cut short or has bytes overwritten: features, or
    a DataError naming it, with no huge allocation."""
    from seglab.data.annotations.vector_labels import read_geojson

    folder = tmp_path_factory.mktemp("shp")
    for suffix, data in SHAPEFILE.items():
        damaged = bytearray(data[: cut or None] if suffix == which else data)
        for at, value in flips if suffix == which else ():
            if at < len(damaged):
                damaged[at] = value
        (folder / f"fields{suffix}").write_bytes(bytes(damaged))
    try:
        _small_allocation(lambda: read_geojson(folder / "fields.shp"))
    except SeglabError as err:
        assert "fields.shp" in str(err)


def _shard_bytes(suffix: str) -> bytes | None:
    """A Hub shard of two rows of an 8x8 PNG image and mask, a row group (record batch) each: a
    Parquet file, or the Arrow IPC stream `save_to_disk` writes."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    import io

    def png(array: np.ndarray) -> dict:
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, format="PNG")
        return {"bytes": buffer.getvalue(), "path": f"{array.ndim}_{array.flat[1]}.png"}  # the rows' names

    picture = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    rows = [(np.full((8, 8, 3), 40 * i, np.uint8), (np.arange(64).reshape(8, 8) % (2 + i)).astype(np.uint8))
            for i in range(2)]
    table = pa.table({"image": pa.array([png(image) for image, _ in rows], picture),
                      "label": pa.array([png(mask) for _, mask in rows], picture)})
    buffer = io.BytesIO()
    if suffix == ".parquet":
        pq.write_table(table, buffer, row_group_size=1)
    else:
        with pa.ipc.new_stream(buffer, table.schema) as stream:
            stream.write_table(table, max_chunksize=1)
    return buffer.getvalue()


HUB_SHARDS = {suffix: _shard_bytes(suffix) for suffix in (".parquet", ".arrow")}


@pytest.mark.skipif(HUB_SHARDS[".parquet"] is None, reason="Hub shards need the 'hub' extra (pyarrow)")
@pytest.mark.parametrize("suffix", list(HUB_SHARDS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 3500), flips=st.lists(st.tuples(st.integers(0, 3499), st.integers(0, 255)), max_size=6))
@example(cut=0, flips=[(1519, 1)])  # a Parquet schema whose Image path field turns binary: rows named by number
def test_any_damaged_hub_shard_gives_pairs_or_names_the_file(tmp_path_factory, suffix, cut, flips):
    """pyarrow reports a damaged shard as ArrowInvalid or OSError (or, from an Arrow file,
    UnicodeDecodeError, or rows out of bounds), naming no file."""
    from seglab.data import discover

    root = _example_folder(tmp_path_factory, "hub")
    data = bytearray((HUB_SHARDS[suffix] or b"")[: cut or None])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    (root / "data").mkdir()
    (root / "data" / f"train-00000-of-00001{suffix}").write_bytes(bytes(data))
    try:
        discover(root, cache_dir=str(root / "cache"))
    except SeglabError as err:  # the shard, or its folder: damaged names or rows can leave no pairs
        assert str(root) in str(err)


def _archive_bytes(suffix: str) -> bytes:
    """An archive of four members in a folder, `data/f<i>.bin` (compressed after its suffix)."""
    import io
    import tarfile
    import zipfile

    buffer = io.BytesIO()
    members = {f"data/f{i}.bin": bytes(range(i, i + 200)) * 2 for i in range(4)}
    if suffix == ".zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    else:
        with tarfile.open(fileobj=buffer, mode=f"w:{suffix.split('.')[-1]}" if suffix != ".tar" else "w") as archive:
            for name, data in members.items():
                member = tarfile.TarInfo(name)
                member.size = len(data)
                archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


ARCHIVES = {suffix: _archive_bytes(suffix) for suffix in (".zip", ".tar", ".tar.gz", ".tar.xz", ".tar.bz2")}


@pytest.mark.parametrize("suffix", list(ARCHIVES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, 4000), flips=st.lists(st.tuples(st.integers(0, 3999), st.integers(0, 255)), max_size=6))
def test_any_damaged_archive_is_named_in_the_refusal(tmp_path_factory, suffix, cut, flips):
    """Telling whether an archive was unpacked beside it reads its first members: damage (lzma's
    and zlib's errors, a zip's unknown version) made the refusal fail with another exception."""
    from seglab.data.layouts.layout_refusal import what_was_seen

    root = tmp_path_factory.mktemp("archive")
    data = bytearray(ARCHIVES[suffix][: cut or None])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    (root / f"shard{suffix}").write_bytes(bytes(data))
    assert f"shard{suffix}" in what_was_seen(root)


def _seg_npy_bytes() -> bytes:
    """A Cellpose GUI `_seg.npy`: `np.save` of a pickled dict of numbered cells and more."""
    import io

    masks = np.zeros((6, 8), np.uint16)
    masks[1:3, 1:4], masks[4:6, 5:8] = 1, 2
    content = {"masks": masks, "outlines": masks * 0, "chan_choose": [0, 0], "diameter": np.float64(12.0),
               "flows": [np.zeros((6, 8, 3), np.uint8)], "filename": "cells.tif", "ismanual": np.zeros(2, bool)}
    buffer = io.BytesIO()
    np.save(buffer, np.array(content, dtype=object), allow_pickle=True)
    return buffer.getvalue()


SEG_NPY = _seg_npy_bytes()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(0, len(SEG_NPY)), flips=st.lists(
    st.tuples(st.integers(0, len(SEG_NPY) - 1), st.integers(0, 255)), max_size=6))
def test_any_damaged_cellpose_seg_file_gives_pairs_or_names_the_file(tmp_path_factory, cut, flips):
    """A `_seg.npy` is a pickle: cut short or with bytes overwritten, its reader (which admits numpy's
    reconstruction alone) must give cells, or a finding or SeglabError naming the file, under 64 MB."""
    from seglab.data import discover

    root = _example_folder(tmp_path_factory, "cellpose")
    data = bytearray(SEG_NPY[: cut or None])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    for name in ("a", "b"):
        Image.fromarray(np.zeros((6, 8), np.uint8)).save(root / f"{name}.tif")
    (root / "a_seg.npy").write_bytes(SEG_NPY)
    (root / "b_seg.npy").write_bytes(bytes(data))
    try:
        index = discover(root, cache_dir=str(root / "cache"))
    except SeglabError as err:
        assert "b_seg.npy" in str(err) or "b.tif" in str(err)
        return
    assert all("b_seg.npy" in p.message or p.path.name in ("b.tif", "b_seg.npy") for p in index.problems)


def _roi_files() -> dict[str, bytes] | None:
    """A Fiji ROI Manager set (a polygon of sub-pixel points, a rectangle, an oval in group 3),
    zipped as Fiji saves it, and the polygon alone as a `.roi`, written by roifile; None without it."""
    try:
        import roifile
    except ImportError:
        return None
    import io
    import zipfile

    rois = [roifile.ImagejRoi.frompoints([[1.5, 1.0], [6.0, 1.25], [5.0, 5.0]]),
            roifile.ImagejRoi(roitype=roifile.ROI_TYPE.RECT, left=1, top=2, right=5, bottom=6),
            roifile.ImagejRoi(roitype=roifile.ROI_TYPE.OVAL, left=0, top=0, right=8, bottom=6, group=3)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for k, roi in enumerate(rois):
            archive.writestr(f"{k:04d}-0000.roi", roi.tobytes())
    return {"_RoiSet.zip": buffer.getvalue(), ".roi": rois[0].tobytes()}


ROI_FILES = _roi_files()


@pytest.mark.skipif(ROI_FILES is None, reason="ImageJ ROIs need the 'imagej' extra (roifile)")
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from(["_RoiSet.zip", ".roi"]), cut=st.integers(0, 700),
       flips=st.lists(st.tuples(st.integers(0, 699), st.integers(0, 255)), max_size=6))
def test_any_damaged_imagej_roi_file_gives_pairs_or_names_the_file(tmp_path_factory, suffix, cut, flips):
    """A ROI set's zip or a `.roi` cut short or with bytes overwritten (counts, offsets, types):
    masks, or a SeglabError naming the file, never another exception, under 64 MB."""
    from seglab.data import discover

    root = _example_folder(tmp_path_factory, "imagej")
    data = bytearray(ROI_FILES[suffix][: cut or None])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    for name in ("a", "b", "c"):
        Image.fromarray(np.zeros((6, 8), np.uint8)).save(root / f"{name}.tif")
        (root / f"{name}{suffix}").write_bytes(bytes(data) if name == "c" else ROI_FILES[suffix])
    try:
        _small_allocation(lambda: discover(root, cache_dir=str(root / "cache")))
    except SeglabError as err:
        assert f"c{suffix}" in str(err)


# --- the readers of class lists, datalists, sample groups, Windows paths, alpha masks and time points -----------

_LONG_NUMBER = "9" * 5000  # more digits than int() converts (4,300): ValueError, not JSON's error


@pytest.mark.parametrize("name", ["classes.json", "pairs.json", "splits.json", "activations.json", "labels.json",
                                  "a.json"])
def test_a_json_number_past_the_digits_int_reads_is_named_or_passed_over(tmp_path, name):
    """json.loads raises a plain ValueError, not its JSONDecodeError, for a number of more digits
    than int() converts (4,300): every JSON reader names the file or passes it over, as for any
    file that is no JSON (a classes.json, a manifest, a split file, MMFlood's split table,
    Stanford 2D-3D-S' labels, ADE20K's per-image JSON)."""
    from seglab.data import discover
    from seglab.data.classes import load_classes_file
    from seglab.data.encodings.ade20k import SEG_SUFFIX, _described
    from seglab.data.encodings.rgb_ids import rgb_ids_reading
    from seglab.data.splitting.split_tables import table_splits
    from seglab.data.splitting.splits import split_from_file

    path = tmp_path / name
    path.write_text('{"a": {"subset": "train", "n": ' + _LONG_NUMBER + "}}")
    read = {"classes.json": lambda: load_classes_file(path), "splits.json": lambda: split_from_file([], path),
            "pairs.json": lambda: discover(path, cache_dir=str(tmp_path / "cache")),
            "activations.json": lambda: table_splits(tmp_path, ["a"]), "labels.json": lambda: rgb_ids_reading(path),
            "a.json": lambda: _described([tmp_path / f"a{SEG_SUFFIX}"], {1})}
    try:
        assert not read[name]()  # passed over
    except SeglabError as err:
        assert name in str(err)


def _damaged_copy(path: Path, data: bytes, flips: list[tuple[int, int]]) -> Path:
    """`data` written to `path` with bytes overwritten (`flips` of positions past its end left out)."""
    damaged = bytearray(data)
    for at, value in flips:
        if at < len(damaged):
            damaged[at] = value
    path.write_bytes(bytes(damaged))
    return path


def _plain_value_names(names: object) -> None:
    """Names of mask values as a reader gives them: none, or values each named (a README may name
    one alone: the void its masks hold, ATLANTIS' `0 unlabelled`)."""
    from seglab.data.classes import ValueNames

    assert names is None or isinstance(names, ValueNames), names
    if names is not None:
        assert names.names and all(isinstance(v, int) and v >= 0 for v in names.names)
        assert all(isinstance(name, str) and name for name in names.names.values())


byte_flips = st.lists(st.tuples(st.integers(0, 120), st.integers(0, 255)), max_size=3)
readme_texts = st.text(max_size=40) | st.lists(st.sampled_from(
    ["Labels:", "Labels ", "## Classes\n", "masks ", "0", "1", "2", "255", "99999", "100000", "9" * 30, "²", "٣", "𝟘",
     " soil", " big rock", " NULL (no label)", " unlabelled", "| Value | Class |\n|---|---|\n", "| ", " |", "\n",
     ": ", " = ", " - ", " – ", ", ", "; ", " and ", ".", " (", ")", "  ", "\t", "\x00", "\u200f", "\ufeff", "ǅ", "İ"]),
    max_size=24).map("".join)
stac_classes = st.lists(st.sampled_from(["1: Wheat", "36 - Rice", "0: none", "99999: x", "100000: y", "²: z",
                                         "٣: Maize", "1: Wheat", "Wheat", "1"]) | json_values, max_size=4)
stac_holders = json_values | st.fixed_dictionaries({"label:classes": json_values | st.lists(
    json_values | st.fixed_dictionaries({"name": json_values, "classes": stac_classes | json_values}), max_size=3)})
stac_files = st.fixed_dictionaries({"type": st.sampled_from(["Collection", "Feature"]) | json_values},
                                   optional={"summaries": stac_holders, "properties": stac_holders})


@example(text="| Value | Class |\n|---|---|\n| ² | car |\n| 1 | road |\n", stac={}, flips=[])  # int('²'): ValueError
@SETTINGS
@given(text=readme_texts, stac=stac_files, flips=byte_flips)
def test_any_readme_or_stac_file_names_values_or_none(tmp_path_factory, text, stac, flips):
    """A README's text (AI4Mars' `Labels: 0 soil, ...`, a markdown table) and a STAC collection's
    `label:classes`, with odd digits (`²` is a digit to str.isdigit that int() refuses), numbers
    past a mask's, odd characters and damaged bytes: names of values, none, or a SeglabError
    naming the file."""
    from seglab.data.classes import value_names_from_readme, value_names_from_stac

    folder = tmp_path_factory.mktemp("readme")
    _plain_value_names(value_names_from_readme(_damaged_copy(folder / "README.md", text.encode(), flips)))
    collection = _damaged_copy(folder / "collection.json", json.dumps(stac).encode(), flips)
    try:
        _plain_value_names(value_names_from_stac(collection))
    except SeglabError as err:
        assert "collection.json" in str(err)


def test_a_readme_line_of_trailing_spaces_reads_at_once(tmp_path):
    """The line-list pattern split a line's trailing spaces between two runs of them, every split
    tried where the line went on: 40,000 spaces took 17 s (80,000, 70 s)."""
    import time

    from seglab.data.classes import value_names_from_readme

    path = tmp_path / "README.md"
    path.write_text("1 soil" + " " * 40_000 + "x\n")
    start = time.perf_counter()
    assert value_names_from_readme(path) is None
    assert time.perf_counter() - start < 1


label_map_keys = st.sampled_from(["0", "1", "2", "²", "٣", "-1", "007", _LONG_NUMBER, "1.0", ""]) | st.text(max_size=3)
class_table_files = st.one_of(
    st.tuples(st.just("dataset_meta.json"), st.fixed_dictionaries(
        {"label_map": st.dictionaries(label_map_keys, st.text(max_size=5) | json_values, max_size=4) | json_values},
        optional={"segmentation_colors": st.lists(st.lists(st.integers(-1, 300) | st.sampled_from([2**70, 1e308]),
                                                           max_size=4) | json_values, max_size=4) | json_values,
                  "background_label": json_values}).map(json.dumps)
        | st.just('{"label_map": {"0": "a", "1": "b"}, "n": ' + _LONG_NUMBER + "}")),
    st.tuples(st.just("data.arff"), st.lists(st.sampled_from(
        ["@relation x", "@attribute f1 numeric", "@attribute class {a,b}", "@ATTRIBUTE 'class' {'car', \"road\"}",
         "@attribute class {}", "@attribute class {,}", "@attribute class {a,a}", "@data", "1,a", "% c", "ﬁ",
         "@attribute class {" + "x," * 3000 + "y}", "\x00"]) | st.text(max_size=20), max_size=6).map("\n".join)),
    st.tuples(st.sampled_from(["codes.txt", "labels.txt"]), st.lists(st.sampled_from(
        ["background", "_background_", "Animal", "Void", "car", "0 background", "1 car", f"{_LONG_NUMBER} car",
         "0 Unknown 0 0 0 0", "1 person 128 0 0", "\x00", "\u200b", " ", "ǅ", "x" * 1000]) | st.text(max_size=8),
        max_size=5).map("\n".join)))


@example(file=("dataset_meta.json", '{"label_map": {"0": "a", "²": "b"}}'), flips=[], held={0})  # int('²')
@example(file=("dataset_meta.json", '{"label_map": {"0": "a", "1": "b"}, "n": ' + _LONG_NUMBER + "}"), flips=[],
         held={0})  # json.loads: ValueError (past int()'s digits), not JSONDecodeError
@example(file=("labels.txt", f"0 background\n{_LONG_NUMBER} car"), flips=[], held={0})  # int() of 5,000 digits
@SETTINGS
@given(file=class_table_files, flips=byte_flips, held=st.sets(st.integers(0, 300), max_size=4))
def test_any_class_table_names_values_or_names_the_file(tmp_path_factory, file, flips, held):
    """Datumaro's dataset_meta.json, a Weka ARFF, fastai's codes.txt and PaddleSeg's labels.txt,
    whatever they hold and damaged: the classes or names of values they give (fitted to masks
    holding `held`), none, or a SeglabError naming the file."""
    from seglab.data.classes import ClassSpec, classes_from_dataset_meta, fitted_to_masks
    from seglab.data.layouts.folder_pairs import value_names_in

    name, text = file
    folder = tmp_path_factory.mktemp("tables")
    _damaged_copy(folder / name, text.encode(), flips)
    try:
        names = value_names_in(folder)
        classes = classes_from_dataset_meta(folder / name) if name == "dataset_meta.json" else None
    except SeglabError as err:
        assert name in str(err)
        return
    _plain_value_names(names)
    assert classes is None or isinstance(classes, ClassSpec)
    if names is not None:
        fitted = fitted_to_masks(names, held | {255})
        assert fitted is None or all(v >= 0 for v in fitted.names)


volume_paths = st.sampled_from(["imagesTr/case0_0000.nii.gz", "labelsTr/case0.nii.gz", "./labelsTr/case1.nii.gz",
                                "case1.nii.gz", "../case0.nii.gz", "/etc/passwd", "/dev/zero", "imagesTr",
                                "C:\\data\\labelsTr\\case0.nii.gz", "", "a\x00b", "x" * 5000]) | json_values
datalist_cases = st.lists(st.fixed_dictionaries({"image": volume_paths | st.lists(volume_paths, max_size=2),
                                                 "label": volume_paths},
                                                optional={"fold": st.integers(-2, 5) | st.sampled_from([2**70, 1e308])
                                                          | json_values}) | json_values, max_size=3)
region_values = st.integers(-1, 3) | st.sampled_from([2**70])
dataset_labels = json_values | st.dictionaries(
    st.sampled_from(["background", "liver", "ignore", "0", "1", "²", _LONG_NUMBER]),
    region_values | st.lists(region_values, max_size=3) | st.text(max_size=4), max_size=4)
datalists = st.fixed_dictionaries({"training": datalist_cases | json_values}, optional={
    "validation": datalist_cases, "test": datalist_cases | json_values, "labels": dataset_labels})
auto3dseg_inputs = json_values | st.fixed_dictionaries(
    {"datalist": volume_paths | st.just("dataset_0.json"), "dataroot": st.just(".")},
    optional={"class_names": json_values | st.lists(st.text(max_size=4) | st.fixed_dictionaries(
        {"name": st.sampled_from(["tc", "wt", ""]) | json_values,
         "index": st.lists(region_values, max_size=3) | json_values}), max_size=3)})


@example(datalist={"training": []}, name="dataset_0.json",
         auto3dseg={"datalist": "/dev/zero", "dataroot": "."})  # read without end: MemoryError
@example(datalist={"training": [], "labels": {"0": "background", "²": "liver"}}, name="dataset.json",
         auto3dseg=None)  # int('²'): ValueError
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(datalist=datalists | json_values, name=st.sampled_from(["dataset.json", "dataset_0.json"]),
       auto3dseg=st.none() | auto3dseg_inputs)
def test_any_datalist_beside_volumes_gives_pairs_or_a_seglab_error(tmp_path_factory, datalist, name, auto3dseg):
    """nnU-Net's dataset.json (region-based labels too), a MONAI datalist and an Auto3DSeg input
    beside two tiny cases, of any JSON or YAML: wrong types, nested lists, numbers past a mask's,
    paths out of the folder, absolute ones, a device (`/dev/zero`)."""
    import nibabel as nib

    root = _example_folder(tmp_path_factory, "datalists")
    for k in range(2):
        for folder, name_end, voxels in (("imagesTr", "_0000", np.arange(60, dtype=np.int16) % 7),
                                         ("labelsTr", "", np.arange(60, dtype=np.uint8) % 3)):
            (root / folder).mkdir(exist_ok=True)
            nib.Nifti1Image(voxels.reshape(5, 4, 3), np.eye(4)).to_filename(root / folder / f"case{k}{name_end}.nii.gz")
    (root / name).write_text(json.dumps(datalist))
    if auto3dseg is not None:
        (root / "input.yaml").write_text(json.dumps(auto3dseg))  # JSON is YAML
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


@SETTINGS
@given(labels=dataset_labels, class_names=auto3dseg_inputs, raw=masks)
def test_any_declared_regions_read_any_mask(labels, class_names, raw):
    """The regions nnU-Net's labels or Auto3DSeg's class_names declare, of any values, read a
    mask as overlapping classes, or say why not."""
    from seglab.data.classes import listed_regions, region_labels
    from seglab.data.layouts.multilabel import RegionsMapping

    found = region_labels(labels)
    listed = listed_regions(class_names.get("class_names") if isinstance(class_names, dict) else class_names)
    for regions, ignore in [*([found] if found else []), *([(listed, None)] if listed else [])]:
        try:
            bits = RegionsMapping(tuple(regions.values()), ignore).apply(raw)
        except ValueError:
            continue
        assert bits.shape == raw.shape[:2]


def _write_h5_dataset(holder: object, name: str, shape: tuple[int, ...] | None, dtype: str) -> None:
    """A dataset `name` in an open HDF5 file or group of `shape` and `dtype` ("text": strings,
    "record": a compound type, "quad": a 128-bit float no NumPy type holds), holding 0, 1, 2, ...; of
    no shape, HDF5's empty value (`Empty`)."""
    import h5py

    if shape is None:
        holder.create_dataset(name, data=h5py.Empty("f"))
    elif dtype == "quad":  # what a flipped byte of a float's type can make: h5py's dtype raises ValueError
        quad = h5py.h5t.IEEE_F64LE.copy()
        quad.set_size(16)
        quad.set_precision(128)
        quad.set_fields(127, 112, 15, 0, 112)
        h5py.h5d.create(holder.id, name.encode(), quad, h5py.h5s.create_simple(shape or (1,)))
    elif dtype == "text":
        holder[name] = np.full(shape, b"ab", "S2")
    elif dtype == "record":
        holder[name] = np.zeros(shape, [("a", "i4"), ("b", "f4")])
    else:
        holder[name] = (np.arange(int(np.prod(shape))) % 3).reshape(shape).astype(dtype)


def _sample_groups_bytes(groups: list[dict[str, tuple[tuple[int, ...], str]]], folds: list[object]) -> bytes | None:
    """An HDF5 file of a group per sample (ChaBuD's train_eval.hdf5): each group's datasets of the
    shapes and dtypes drawn ("text": strings, "record": a compound type), a `fold` attribute of
    any type (`empty`: HDF5's empty value, `ref`: a reference); None without h5py."""
    import io

    try:
        import h5py
    except ImportError:
        return None
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        for k, (datasets, fold) in enumerate(zip(groups, folds)):
            group = file.create_group(f"sample_{k}")
            for name, (shape, dtype) in datasets.items():
                _write_h5_dataset(group, name, shape, dtype)
            group.attrs["fold"] = (h5py.Empty("f") if fold == "empty" else group.ref if fold == "ref"
                                   else np.array(fold) if isinstance(fold, list) else fold)
    return buffer.getvalue()


h5_members = st.tuples(st.sampled_from([(6, 8), (6, 8, 1), (6, 8, 3), (0, 8), (6, 8, 0), (1, 1), (6, 8, 17), ()]),
                       st.sampled_from(["uint8", "uint16", "float32", "float16", "bool", "int64", "text", "record"]))
h5_folds = st.sampled_from([0, 1, 2**63 - 1, -1, 1.5, float("nan"), "a", "", b"\xff\xfe", [1, 2], "empty", "ref"])


@pytest.mark.skipif(H5_FILE is None, reason="HDF5 files need the 'hdf5' extra (h5py)")
@example(groups=[{"post_fire": ((6, 8, 3), "uint16"), "mask": ((6, 8), "text")}] * 2, folds=[0, 1], cut=0,
         flips=[])  # a dataset of strings: TypeError (np.isfinite) while the slices were written
@example(groups=[{"post_fire": ((0, 8), "uint8"), "mask": ((0, 8), "uint8")}] * 2, folds=[0, 1], cut=0,
         flips=[])  # no pixels: Pillow's ValueError ("cannot write empty image")
@example(groups=[{"post_fire": ((6, 8, 0), "uint8"), "mask": ((6, 8, 0), "uint8")}] * 2, folds=[0, 1], cut=0,
         flips=[])  # no channels: IndexError
@example(groups=[{"post_fire": ((1, 1), "uint8"), "mask": ((1, 1), "uint8")}] * 2, folds=[0, 1], cut=0,
         flips=[])  # squeeze() made a 0-d image: IndexError
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(groups=st.lists(st.fixed_dictionaries({"post_fire": h5_members, "mask": h5_members},
                                             optional={"pre_fire": h5_members}), min_size=2, max_size=3),
       folds=st.lists(h5_folds, min_size=3, max_size=3), cut=st.integers(0, 6000),
       flips=st.lists(st.tuples(st.integers(0, 5999), st.integers(0, 255)), max_size=4))
def test_any_hdf5_file_of_a_group_per_sample_gives_pairs_or_a_seglab_error(tmp_path_factory, groups, folds, cut,
                                                                           flips):
    """ChaBuD's layout with datasets of wrong shapes (no pixels, no channels, one pixel) and dtypes
    (strings, records), fold attributes of odd types, damaged or cut short."""
    data = _sample_groups_bytes(groups, folds)
    root = _example_folder(tmp_path_factory, "sample-groups")
    _damaged_copy(root / "train_eval.hdf5", (data or b"")[: len(data or b"") - cut % max(len(data or b"") - 8, 1)]
                  if cut else data or b"", flips)
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


windows_paths = st.sampled_from([
    "C:\\Users\\anna\\images\\a.png", "C:\\Users\\anna\\m.png", "C:\\..\\..\\outside\\a.png", "..\\outside\\a.png",
    "\\\\server\\share\\images\\a.png", "D:a.png", "~nobody-here/a.png", "~/a.png", "C:\\" + "b" * 300 + "\\a.png",
    "C:" + "\\a" * 3000 + "\\a.png", "C:\\x\\a\x00.png", "/" * 5, "images\\a.png", "m.png"]) | st.text(
    alphabet="C:\\/.a~ \x00", max_size=30)


@example(rows=[("~nobody-here/a.png", "m.png")], as_json=False)  # expanduser: RuntimeError
@example(rows=[("C:\\" + "b" * 300 + "\\a.png", "m.png")], as_json=False)  # a name too long: OSError
@example(rows=[("C:\\x\\a\x00.png", "m.png"), ("images\\a.png", "m.png")], as_json=True)  # a NUL: os.stat's ValueError
@example(rows=[(".", "m.png"), (".", "m.png")], as_json=False)  # the folder twice: relative_to's ValueError
@SETTINGS
@given(rows=st.lists(st.tuples(windows_paths, windows_paths), min_size=1, max_size=3), as_json=st.booleans())
def test_any_windows_paths_in_a_manifest_give_pairs_or_a_seglab_error(tmp_path_factory, rows, as_json):
    """A manifest written on another machine (Excel's `C:\\Users\\...`): `..`, drive letters, UNC
    shares, `~user`, names too long for the file system, folders by thousands, NUL bytes. Pairs
    of files below its folder (never `outside/`, above it), split; or a seglab error."""
    import csv

    from seglab.data import discover
    from seglab.data.splitting.splits import split_pairs

    top = _example_folder(tmp_path_factory, "windows")
    _photo(top / "outside" / "a.png")
    _photo(top / "data" / "images" / "a.png")
    _photo(top / "data" / "m.png")
    if as_json:
        (top / "data" / "pairs.json").write_text(json.dumps([{"image": i, "mask": m} for i, m in rows]))
    else:
        with (top / "data" / "pairs.csv").open("w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows([["image", "mask"], *rows])
    manifest = top / "data" / ("pairs.json" if as_json else "pairs.csv")
    try:
        index = _small_allocation(lambda: discover(manifest, cache_dir=str(tmp_path_factory.mktemp("cache"))))
    except SeglabError:
        return
    read = [p.image for p in index.pairs if os.path.isfile(p.image)]
    assert all((top / "outside") not in Path(os.path.realpath(image)).parents for image in read), read
    split_pairs(index.pairs)


def _alpha_mask_bytes() -> dict[str, bytes]:
    """Small masks as PNG bytes: a layer's RGBA and grey + alpha, in 8 and 16 bits, a palette with
    a transparent entry (tRNS), and masks of no alpha (grey, RGB)."""
    import io

    import imagecodecs

    alpha = np.zeros((6, 8), np.uint8)
    alpha[2:5, 2:6] = 255
    alpha[2, 2] = 90  # a soft edge
    alpha16 = alpha.astype(np.uint16) * 257
    palette = Image.fromarray((alpha > 0).astype(np.uint8), "P")
    palette.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)

    def png(picture: Image.Image, **options: object) -> bytes:
        buffer = io.BytesIO()
        picture.save(buffer, "PNG", **options)
        return buffer.getvalue()

    return {"rgba": png(Image.fromarray(np.dstack([np.full((6, 8, 3), 40, np.uint8), alpha]))),
            "la": png(Image.merge("LA", [Image.fromarray(np.zeros((6, 8), np.uint8)), Image.fromarray(alpha)])),
            "rgba16": imagecodecs.png_encode(np.dstack([np.zeros((6, 8, 3), np.uint16), alpha16])),
            "la16": imagecodecs.png_encode(np.dstack([np.zeros((6, 8), np.uint16), alpha16])),
            "palette-trns": png(palette, transparency=0), "grey": png(Image.fromarray(alpha)),
            "rgb": png(Image.fromarray(np.dstack([alpha] * 3)))}


ALPHA_MASKS = _alpha_mask_bytes()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(sorted(ALPHA_MASKS)), min_size=1, max_size=3), mask_alpha=st.booleans(),
       copied=st.booleans(), cut=st.integers(0, 300), flips=st.lists(st.tuples(st.integers(0, 299),
                                                                               st.integers(0, 255)), max_size=4))
def test_any_alpha_masks_and_their_copies_read_or_name_the_file(tmp_path_factory, kinds, mask_alpha, copied, cut,
                                                               flips):
    """Masks read by their alpha (or --mask-alpha) of any kind: 16-bit alpha, grey + alpha, a
    palette with a transparent entry, none; the first damaged or cut short, a pair copied as Drive
    copies (`0 (1).png`): pairs whose masks read or name their file, split with their copies, and
    byte copies found among the files; or a seglab error."""
    from seglab.data import discover
    from seglab.data.files.byte_copies import byte_copies
    from seglab.data.files.io import read_mask
    from seglab.data.splitting.splits import split_pairs

    root = _example_folder(tmp_path_factory, "alpha")
    for folder in ("images", "masks"):
        (root / folder).mkdir()
    for k, kind in enumerate(kinds):
        _photo(root / "images" / f"{k}.png")
        data = ALPHA_MASKS[kind]
        _damaged_copy(root / "masks" / f"{k}.png", data[: len(data) - cut % len(data)] if k == 0 else data,
                      flips if k == 0 else [])
    if copied:
        for folder in ("images", "masks"):
            (root / folder / "0 (1).png").write_bytes((root / folder / "0.png").read_bytes())

    def read() -> None:
        try:
            index = discover(root, cache_dir=str(tmp_path_factory.mktemp("cache")), mask_alpha=mask_alpha)
        except SeglabError:
            return
        for pair in index.pairs:
            try:
                labels = read_mask(pair.mask, index.mapping)
            except SeglabError as err:
                assert pair.mask.name in str(err)
                continue
            assert labels.ndim == 2
        if index.pairs:
            split_pairs(index.pairs)
        byte_copies(p for folder in ("images", "masks") for p in (root / folder).iterdir())

    _small_allocation(read)


time_point_names = st.lists(st.sampled_from(["training01", "01", "02", "flair", "t2", "pp", "mask1", "mask2", "a", "",
                                             "1", "x"]), min_size=1, max_size=4).map("_".join) \
    | st.text(alphabet="ab01_-.", max_size=12)


@SETTINGS
@given(images=st.lists(time_point_names, max_size=6), labels=st.lists(time_point_names, max_size=4),
       suffix=st.sampled_from([".nii", ".nii.gz", ".mha", ""]))
def test_time_points_of_any_names_share_out_every_volume(images, labels, suffix):
    """The ISBI 2015 longitudinal layout's time points (`training01_01_flair_pp` beside
    `training01_01_mask1`), told from any file names: none, or two scans or more that between them
    hold every image and label volume once, each named its scan's name or its name and a word."""
    from seglab.data.files.volumes import volume_stem
    from seglab.data.layouts.volume_format.time_points import time_point_scans

    image_paths = [Path("case", f"{name}{suffix}") for name in images]
    label_paths = [Path("case", "masks", f"{name}{suffix}") for name in labels]
    scans = time_point_scans(image_paths, label_paths)
    if not scans:
        return
    assert len(scans) >= 2
    assert sorted(p for found, _ in scans.values() for p in found) == sorted(image_paths)
    assert sorted(p for _, held in scans.values() for p in held) == sorted(label_paths)
    for scan, (found, _) in scans.items():
        stems = [volume_stem(p) for p in found]
        assert scan and all(s == scan or (s.startswith(scan) and s[len(scan)] in "_-.") for s in stems), (scan, stems)


def _side_by_side_bytes() -> bytes:
    """A pix2pix picture as JPEG: a noise photo left, its colour label (a car on the road) right."""
    import io

    label = np.zeros((24, 24), np.uint8)
    label[6:18, 4:20] = 1
    photo = np.random.default_rng(0).integers(0, 256, (24, 24, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(np.concatenate([photo, np.array([(128, 64, 128), (0, 0, 142)], np.uint8)[label]], axis=1)).save(
        buffer, format="JPEG", quality=95)
    return buffer.getvalue()


SIDE_BY_SIDE = _side_by_side_bytes()


@SETTINGS
@given(cut=st.integers(0, len(SIDE_BY_SIDE)), flips=st.lists(
    st.tuples(st.integers(0, len(SIDE_BY_SIDE) - 1), st.integers(0, 255)), max_size=6),
       side=st.sampled_from([None, "left"]))
def test_any_damaged_side_by_side_picture_gives_pairs_or_a_seglab_error(tmp_path_factory, cut, flips, side):
    """pix2pix's pictures, one cut short or with bytes overwritten (its header's size too): the
    halves of the others with findings naming it, or a SeglabError; never another exception."""
    from seglab.data import discover
    from seglab.data.encodings.encoding import ENCODING_CODES

    root = _example_folder(tmp_path_factory, "pix2pix")
    (root / "train").mkdir()
    for n in range(4):
        (root / "train" / f"{n}.jpg").write_bytes(SIDE_BY_SIDE)
    _damaged_copy(root / "train" / "9.jpg", SIDE_BY_SIDE[: cut or None], flips)
    try:
        index = discover(root, cache_dir=str(root / "cache"), side_by_side=side)
    except SeglabError:
        return
    assert index.format == "side-by-side" and index.pairs
    assert all(p.path is not None and p.path.name == "9.jpg" for p in index.problems if p.code not in ENCODING_CODES)


# --- pix2pix pictures, GEO-Bench and HDF5 elsewhere, manifests' columns, COCO levels, folder walks, file names ---


def _picture_bytes(kind: str, height: int, width: int) -> bytes:
    """A picture of `kind` (`<pixels>.<format>`, as PICTURE_KINDS names them), a noise photo on
    the left and a flat label map (two colours) on the right; "huge.png" is an 8-bit RGB PNG whose
    header declares it 2x(40,000 x 20,000) pixels, its CRC right."""
    import io

    import imagecodecs

    rng = np.random.default_rng(height * 100 + width)
    labels = (np.arange(height)[:, None] * 2 >= height) & (np.arange(width - width // 2)[None] * 2 >= width // 2)
    grey = np.concatenate([rng.integers(0, 256, (height, width // 2)), labels * 200 + 20], axis=1).astype(np.uint8)
    pixels, form = kind.split(".")
    if pixels in ("rgb16", "grey16"):
        deep = grey.astype(np.uint16) * 257
        return (imagecodecs.png_encode(np.dstack([deep] * 3) if pixels == "rgb16" else deep) if form == "png"
                else imagecodecs.jpeg2k_encode(np.dstack([deep] * 3)))
    picture = {"rgb": lambda: Image.fromarray(np.dstack([grey, grey // 2, 255 - grey])),
               "grey": lambda: Image.fromarray(grey), "la": lambda: Image.fromarray(np.dstack([grey, grey]), "LA"),
               "palette": lambda: Image.fromarray(grey // 64, "P"), "huge": lambda: Image.fromarray(grey),
               "cmyk": lambda: Image.fromarray(np.dstack([grey, grey // 2, 255 - grey, grey // 4]), "CMYK"),
               "rgba": lambda: Image.fromarray(np.dstack([grey, grey, grey, 255 - grey]), "RGBA")}[pixels]()
    if pixels == "palette":
        picture.putpalette(list(range(256)) * 3)
    buffer = io.BytesIO()
    picture.save(buffer, {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "bmp": "BMP", "gif": "GIF"}[form])
    data = buffer.getvalue()
    if pixels == "huge":
        header = b"IHDR" + struct.pack(">II", 40_000, 20_000) + data[24:29]
        data = data[:12] + header + struct.pack(">I", zlib.crc32(header)) + data[33:]
    return data


PICTURE_KINDS = ("rgb.png", "rgb16.png", "grey16.png", "rgb16.jp2", "palette.png", "la.png", "cmyk.jpg", "grey.jpg",
                 "rgb.jpg", "rgba.webp", "rgb.bmp", "palette.gif", "huge.png")


@example(kinds=["rgb16.png"], height=6, wider=0, side="left")  # Pillow cannot write 16-bit colour: TypeError
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(PICTURE_KINDS), min_size=1, max_size=4), height=st.integers(1, 9),
       wider=st.sampled_from([0, 0, 0, 1, -1]), side=st.sampled_from([None, "left", "right"]))
def test_side_by_side_pictures_of_any_kind_and_size_give_pairs_or_a_seglab_error(tmp_path_factory, kinds, height,
                                                                                 wider, side):
    """pix2pix's pictures as PNG (8 and 16 bits, grey, colour, palette, grey + alpha), JPEG (CMYK,
    grey), JPEG 2000, WebP, BMP and GIF, 2x1 pixels to 18x9, or a pixel wider or narrower than
    twice their height (an odd width), a header declaring 800 MP, with or without --side-by-side:
    pairs of halves each as high as wide whose masks read or name their file, or a SeglabError;
    under 64 MB."""
    from seglab.data import discover
    from seglab.data.files.io import read_image, read_mask

    root = tmp_path_factory.mktemp("side-by-side")
    (root / "train").mkdir()
    for k, kind in enumerate(kinds * 2):  # a few pictures of each kind
        (root / "train" / f"{k}.{kind.split('.')[1]}").write_bytes(_picture_bytes(kind, height, 2 * height + wider))
    try:
        index = _small_allocation(lambda: discover(root, cache_dir=str(tmp_path_factory.mktemp("cache")),
                                                   side_by_side=side))
    except SeglabError:
        return
    for pair in index.pairs if index.format == "side-by-side" else ():
        assert read_image(pair.image).shape[:2] == (height, height)
        try:
            assert read_mask(pair.mask, index.mapping).shape == (height, height)
        except SeglabError as err:  # halves of 8 and 16 bits: colours the encoding chosen does not map
            assert pair.mask.name in str(err)


def _read_or_named(index: object) -> None:
    """Each pair of `index` reads (its image and its mask as the index's mapping reads it), or a
    SeglabError names the file that does not."""
    from seglab.data.files.io import read_image, read_mask

    for pair in index.pairs:
        for read, path in ((read_image, pair.image), (lambda p: read_mask(p, index.mapping), pair.mask)):
            try:
                read(path)
            except SeglabError as err:
                assert Path(path).name in str(err), err


h5_bands = st.tuples(st.sampled_from([(8, 10), (8, 10), (8, 9), (0, 10), (1, 1), (8, 10, 2), (), None]),
                     st.sampled_from(["int16", "float32", "uint8", "bool", "complex64", "uint64", "text", "record"]))
partition_texts = st.builds(json.dumps, json_values | st.dictionaries(
    st.sampled_from(["train", "valid", "val", "test", "Valid", "x", ""]),
    st.lists(st.sampled_from(["s_0", "s_1", "s_2", "s_0.hdf5", "../s_1", "/s_2", ""]) | json_values, max_size=3)
    | json_values, max_size=4)) | st.sampled_from(['{"train": [' + _LONG_NUMBER + "]}", "[" * 5000, "\udcff"])


@pytest.mark.skipif(H5_FILE is None, reason="HDF5 files need the 'hdf5' extra (h5py)")
@example(bands={"01 - Blue": ((8, 10), "int16"), "02 - Red": (None, "float32")}, label=((8, 10), "uint8"),
         partition="{}", userblock=None, flips=[], cut=0)  # a dataset of no shape (Empty): TypeError
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bands=st.dictionaries(st.sampled_from(["01 - Blue", "02 - Red", "08A - Red Edge", "image"]), h5_bands,
                             min_size=1, max_size=3),
       label=h5_bands, partition=st.none() | partition_texts, userblock=st.sampled_from([None, 512, 2048]),
       flips=st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 255)), max_size=4), cut=st.integers(0, 4000))
def test_any_geobench_band_files_give_pairs_or_a_seglab_error(tmp_path_factory, bands, label, partition, userblock,
                                                              flips, cut):
    """GEO-Bench's `<sample>.hdf5` of a 2-D dataset per band beside `label`, the bands and label of
    differing shapes and dtypes (no pixels, one pixel, strings, records, complex, no array), the
    signature past a user block, the first file damaged past its signature or cut short, beside a
    default_partition.json of any JSON (wrong types, valid and val, names out of the folder):
    pairs that read or name their file, or a seglab error; under 64 MB."""
    import h5py

    root = tmp_path_factory.mktemp("geobench") / "m-cashew-plant"
    root.mkdir()
    for k in range(3):
        path = root / f"s_{k}.hdf5"
        with h5py.File(path, "w", userblock_size=userblock) as file:
            for name, (shape, dtype) in {**bands, "label": label}.items():
                _write_h5_dataset(file, name, shape, dtype)
        if k == 0:
            data = path.read_bytes()
            start = (userblock or 0) + 8  # past the signature
            _damaged_copy(path, data[: max(start, len(data) - cut)], [(start + at, value) for at, value in flips])
    if partition is not None:
        (root / "default_partition.json").write_bytes(partition.encode("utf-8", "surrogateescape"))

    def read() -> None:
        from seglab.data import discover

        try:
            index = discover(root, cache_dir=str(tmp_path_factory.mktemp("cache")))
        except SeglabError:
            return
        _read_or_named(index)

    _small_allocation(read)


h5_contents = st.dictionaries(st.sampled_from(["SIC", "SOD", "nersc_sar_primary", "data", "image", "label", "g/x"]),
                              st.tuples(st.sampled_from([(6, 8), (6, 8, 3), (4, 5, 3, 6), (0, 8), (1, 1), (), None]),
                                        st.sampled_from(["uint8", "float32", "int64", "text", "record"])), max_size=4)


@pytest.mark.skipif(H5_FILE is None, reason="HDF5 files need the 'hdf5' extra (h5py)")
@example(datasets={}, fill=None, suffix=".nc", thin=True, userblock=None, flips=[])  # (1, 10**10): 10 GB sampled
@example(datasets={"data": ((6, 8), "quad")}, fill=None, suffix=".im", thin=False, userblock=None, flips=[])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(datasets=h5_contents, fill=st.none() | st.sampled_from(["abc", "empty", "ref", float("nan"), 2**63, 255])
       | st.lists(st.integers(0, 255), max_size=2), suffix=st.sampled_from([".nc", ".im", ".seg"]),
       thin=st.booleans(), userblock=st.sampled_from([None, 512, 4096]),
       flips=st.lists(st.tuples(st.integers(0, 3000), st.integers(0, 255)), max_size=4))
def test_any_hdf5_under_another_suffix_is_told_or_named(tmp_path_factory, datasets, fill, suffix, thin, userblock,
                                                        flips):
    """netCDF4 scenes and IWOAI's volumes, HDF5 under `.nc`, `.im`, `.seg`: datasets of strings,
    records, no pixels or no array, a `_FillValue` of any type, a chunked (1, 10**10) array that
    takes a few bytes (`thin`), the signature past a user block, the first damaged past it: a
    refusal that says what they hold, or pairs; never another exception, under 64 MB."""
    import h5py

    root = tmp_path_factory.mktemp("hdf5-elsewhere")
    (root / "train").mkdir()
    for k in range(3):  # three files of a suffix no reader takes, for the refusal to say what they hold
        path = root / "train" / f"scene_{k}{suffix}"
        with h5py.File(path, "w", userblock_size=userblock) as file:
            for name, (shape, dtype) in datasets.items():
                _write_h5_dataset(file, name, shape, dtype)
            if thin:
                file.create_dataset("thin", (1, 10**10), np.float64, chunks=(1, 1 << 16))
            for name in file if fill is not None else ():
                file[name].attrs["_FillValue"] = (h5py.Empty("f") if fill == "empty" else file.ref if fill == "ref"
                                                  else np.array(fill, np.uint8) if isinstance(fill, list) else fill)
        if k == 0:
            _damaged_copy(path, path.read_bytes(), [((userblock or 0) + 8 + at, value) for at, value in flips])
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


manifest_headers = st.lists(st.sampled_from(
    ["image", "Image", "mask", "lung_mask", "infection_mask", "ct_scan", "split", "group", "file_name",
     "mask_file_name", "İmage", "ｉｍａｇｅ", "image\u200b", "\ufeffimage", "", " ", "ß", "ǅ", "\x00"])
    | st.text(max_size=6), min_size=1, max_size=5)
manifest_cells = st.sampled_from(
    ["images/a.png", "m.png", "a.nii.gz", "b.nii.gz", "../outside/a.png", "/outside/../data/m.png",
     "x/" * 10_000 + "m.png", "C:" + "\\a" * 10_000 + "\\images\\a.png", "C:\\..\\..\\outside\\a.png", "train",
     "valid", "", "İ" * 3000]) \
    | st.text(max_size=8)


@example(header=["file_name", "mask_file_name"], wide=0, rows=[["images/a.png", "m.png"]],
         as_json_lines=True, number=True)  # a number past int()'s 4,300 digits: json.loads' ValueError
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=manifest_headers, wide=st.sampled_from([0, 0, 3000, 3001]),
       rows=st.lists(st.lists(manifest_cells, min_size=5, max_size=5), min_size=1, max_size=3),
       as_json_lines=st.booleans(), number=st.booleans())
def test_any_manifest_columns_and_paths_give_pairs_or_a_seglab_error(tmp_path_factory, header, wide, rows,
                                                                     as_json_lines, number):
    """A manifest's columns of odd Unicode (dotted capitals, full-width letters, zero-width spaces,
    a BOM, NUL), the same header twice, thousands of image or mask columns (`wide`), paths of
    10,000 parts (as a moved path's ends are searched), `..` climbing out, rows of volumes (one
    damaged), as CSV or JSON Lines (duplicate keys, a number past int()'s digits): pairs as listed
    or a seglab error; under 64 MB."""
    import csv

    import nibabel as nib

    top = tmp_path_factory.mktemp("manifest-columns")
    _photo(top / "outside" / "a.png")
    _photo(top / "data" / "images" / "a.png")
    _photo(top / "data" / "m.png")
    nib.Nifti1Image(np.arange(60, dtype=np.int16).reshape(5, 4, 3) % 3, np.eye(4)).to_filename(top / "data" / "a.nii.gz")
    (top / "data" / "b.nii.gz").write_bytes(b"\x1f\x8b\x08 cut short")
    header = header + [f"{'mask' if wide % 2 else 'img'}_{k}" for k in range(wide)]
    rows = [row[: len(header)] + [row[0][:20]] * (len(header) - len(row)) for row in rows]  # a short cell repeated
    if as_json_lines:
        manifest = top / "data" / "metadata.jsonl"
        manifest.write_text("".join("{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in zip(header, row))
                                    + (f', "n": {_LONG_NUMBER}' if number else "") + "}\n" for row in rows))
    else:
        manifest = top / "data" / "pairs.csv"
        with manifest.open("w", newline="", encoding="utf-8") as file:
            csv.writer(file).writerows([header, *rows])
    _small_allocation(lambda: _only_seglab_errors(manifest, tmp_path_factory.mktemp("cache"), listed=True))


level_names = st.sampled_from(["1", "2", "3", "03", "٣", "0", "9" * 5000])
level_categories = st.lists(st.fixed_dictionaries({"id": st.integers(0, 3) | st.sampled_from([2**70, -1]) | json_values,
                                                   "name": st.sampled_from(["tooth", "caries", ""]) | json_values}),
                            max_size=3) | json_values


@example(levels={"9" * 5000: [{"id": 0, "name": "caries"}]}, ids=[{}], label_field=None)  # int() of 5,000 digits
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(levels=st.dictionaries(level_names, level_categories, max_size=3),
       ids=st.lists(st.dictionaries(level_names, st.integers(0, 3) | st.sampled_from([2**70, 10**400 // 10**390])
                                    | json_values, max_size=3), max_size=3),
       label_field=st.none() | st.sampled_from(["category_id_1", "category_id_3", "category_id_٣", "category_id", "x"]))
def test_any_hierarchical_coco_levels_give_pairs_or_a_seglab_error(tmp_path_factory, levels, ids, label_field):
    """DENTEX's `categories_1` ... `categories_3` of any types (not lists, entries without ids,
    ids past int64), levels numbered `03`, in other digits (`٣`) or past int()'s 4,300 digits,
    objects' `category_id_N` missing, huge or no number, and any --label-field."""
    from seglab.data import discover

    root = tmp_path_factory.mktemp("coco-levels")
    _photo(root / "images" / "a.jpg")
    objects = [{"image_id": 1, "segmentation": [[1, 1, 6, 1, 6, 5]], **{f"category_id_{n}": v for n, v in named.items()}}
               for named in ids]
    (root / "annotations").mkdir()
    (root / "annotations" / "train_quadrant_enumeration_disease.json").write_text(json.dumps(
        {"images": [{"id": 1, "file_name": "a.jpg", "height": 6, "width": 8}], "annotations": objects,
         **{f"categories_{n}": listed for n, listed in levels.items()}}))
    try:
        _small_allocation(lambda: discover(root, cache_dir=str(tmp_path_factory.mktemp("cache")),
                                           label_field=label_field))
    except SeglabError:
        pass


def _locked_folders(real: object, name: str = "locked") -> object:
    """`os.listdir` or `os.scandir` refusing folders named `name` as a folder without read permission
    is refused (root reads any folder, so a chmod cannot make one in a test run as root)."""
    def listing(path: object = ".") -> object:
        if not isinstance(path, int) and os.path.basename(os.fsdecode(path)) == name:
            raise PermissionError(13, "Permission denied", os.fsdecode(path))
        return real(path)

    return listing


@example(wrappers=1, extras={"locked"})  # data_folders listed every folder: PermissionError
@example(wrappers=0, extras={"locked"})  # the read stopped, naming the folder, where it could pass it over
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(wrappers=st.integers(0, 3), extras=st.sets(st.sampled_from(
    ["loop-self", "loop-up", "broken-link", "run-outputs", "macosx", "locked", "empty", "run-loop"]), max_size=3))
def test_any_wrapper_folders_and_run_outputs_give_pairs_or_a_seglab_error(tmp_path_factory, caplog, wrappers, extras):
    """A dataset wrapped in folders (as archives unpack: MUSES' `muses/`), beside links looping to
    their folder or above it, a broken link, a training run's outputs (weights, metrics.json,
    predicted PNGs, a loop), `__MACOSX/`, an empty folder and one that may not be read: pairs of the
    dataset's files (never the run's), or a seglab error; the folder that may not be read is passed
    over with one warning naming it, as a hidden one is passed over, never the error."""
    import logging
    from unittest import mock

    from seglab.data import discover

    caplog.clear()

    root = tmp_path_factory.mktemp("wrapped")
    top = root.joinpath(*[f"w{k}" for k in range(wrappers)])
    for k in range(3):
        _photo(top / "images" / f"{k}.png")
        _photo(top / "masks" / f"{k}.png")
    for extra in extras:
        if extra in ("loop-self", "loop-up"):
            (top / extra).symlink_to(top if extra == "loop-self" else root, target_is_directory=True)
        elif extra == "broken-link":
            (root / extra).symlink_to(root / "nowhere")
        elif extra.startswith("run"):
            output = root / "output"
            output.mkdir(exist_ok=True)
            (output / "model_final.pth").write_bytes(b"weights")
            (output / "metrics.json").write_text("{}")
            _photo(output / "images" / "0.png")
            if extra == "run-loop" and not (output / "again").exists():
                (output / "again").symlink_to(output, target_is_directory=True)
        else:
            (root / {"macosx": "__MACOSX", "locked": "locked", "empty": "empty"}[extra] / "x").mkdir(
                parents=True, exist_ok=True)
    try:
        with mock.patch("os.listdir", _locked_folders(os.listdir)), mock.patch(
                "os.scandir", _locked_folders(os.scandir)), caplog.at_level(logging.WARNING, logger="seglab"):
            index = _small_allocation(lambda: discover(root, cache_dir=str(tmp_path_factory.mktemp("cache"))))
    except SeglabError as err:
        assert "locked" not in str(err), err
        return
    said = [r.getMessage() for r in caplog.records if "cannot be listed" in r.getMessage()]
    assert said == ([f"'{root / 'locked'}' cannot be listed (Permission denied): passed over; give read permission "
                     f"(chmod -R u+rX {root / 'locked'}) to read it"] if "locked" in extras else [])
    assert all("output" not in p.image.parts for p in index.pairs)


def test_a_chain_of_folders_deeper_than_the_recursion_limit_is_walked(tmp_path):
    """os.walk, and the annotation search's descent into the folder wrapping a dataset, recursed
    once a level: a chain of 1,000 folders ended in RecursionError (Python 3.11). Here 300 levels
    under a limit 150 frames above this test's stand for them (1,000 take seconds to remove)."""
    import inspect
    import sys

    from seglab.data.annotations.annotation_formats import top_annotation_files
    from seglab.data.discovery.folders.listing import walk_once

    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "a.json").write_text("{}")
    for _ in range(299):  # a level above at a time, each step on a short path
        (tmp_path / "above").mkdir()
        (tmp_path / "w").rename(tmp_path / "above" / "w")
        (tmp_path / "above").rename(tmp_path / "w")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + 150)
    try:
        assert sum(1 for _ in walk_once(tmp_path)) == 301
        assert [p.name for p in top_annotation_files(tmp_path, ".json", lambda path: True)] == ["a.json"]
    finally:
        sys.setrecursionlimit(limit)


def test_a_chain_of_folders_is_listed_in_name_tests_linear_in_its_depth(tmp_path, monkeypatch):
    """Each folder of the image listing was judged by testing every name on its path, images or
    masks, nearest first: a chain of 1,000 single folders took a million name tests a walk (18 s
    to inspect). What its path's names say is carried down the walk, a few tests a folder."""
    from seglab.data import discover
    from seglab.data.discovery.folders import listing

    chain = tmp_path.joinpath(*["d"] * 300)
    chain.mkdir(parents=True)
    for k in range(2):
        _photo(chain / f"im_{k}.png")
    tests = []
    for name in ("looks_like_mask_folder", "looks_like_image_folder"):
        real = getattr(listing, name)
        monkeypatch.setattr(listing, name, lambda folder, real=real: tests.append(folder) or real(folder))
    walked = []
    real_walk = listing._walk
    monkeypatch.setattr(listing, "_walk", lambda root, depth: walked.append(root) or real_walk(root, depth))
    try:
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    except SeglabError:
        pass
    assert walked and len(tests) <= 4 * 302 * len(walked), (len(tests), len(walked))  # was 300 x 300 a walk


def _sequences(root: Path, count: int) -> None:
    """`images/<seq>/` + `masks/<seq>/`, `count` sequences of two frames named alike in each."""
    for k in range(count):
        for frame in range(2):
            _photo(root / "images" / f"seq_{k:03d}" / f"{frame:05d}.png")
            Image.fromarray(np.full((6, 8), k % 3, np.uint8)).save(
                _made(root / "masks" / f"seq_{k:03d}" / f"{frame:05d}.png"))


def _made(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_sequence_folders_are_searched_in_copy_and_date_tries_linear_in_the_folders(tmp_path, monkeypatch):
    """`images/<seq>/` + `masks/<seq>/`, thousands of sequences whose frames are named alike: each
    folder pair kept was tried as the original of every later one (`_placed_as_copy`, 499,500
    tries at 1,000 sequences) and each image folder's name with every sibling's as two dates
    (`date_order`, 2 million calls): `seglab inspect` took 394 s. Both are looked up by key now,
    the tries linear in the folders (12 and 24 here: 66 and 276 tries, 300 and 1,176 calls
    before; no tries, 36 and 72 calls after), the same pairs found."""
    import sys
    from collections import Counter

    from seglab.data import discover
    from seglab.data.discovery import channel_files
    from seglab.data.discovery.folders import dataset_copies

    calls: Counter[str] = Counter()

    def counted(function: Callable) -> Callable:
        def call(*args: object) -> object:
            calls[function.__name__] += 1
            return function(*args)
        return call

    for function in (dataset_copies._placed_as_copy, channel_files.date_order):
        for module in [m for m in sys.modules.values() if getattr(m, function.__name__, None) is function]:
            monkeypatch.setattr(module, function.__name__, counted(function))  # each module that imported it
    for count in (12, 24):
        calls.clear()
        _sequences(tmp_path / str(count), count)
        index = discover(tmp_path / str(count), cache_dir=str(tmp_path / "cache"))
        assert len(index.pairs) == 2 * count and all(p.image.parent.name == p.mask.parent.name for p in index.pairs)
        assert calls["_placed_as_copy"] <= count and calls["date_order"] <= 4 * count, (count, calls)


def test_each_folder_is_read_once_however_many_walks_of_the_dataset_pass_it(tmp_path, monkeypatch):
    """`seglab inspect` walked a dataset's tree once a search (the image folders, the annotation
    files at two depths, text files, BIDS subjects, volume role folders, patient labels), seven
    reads of every folder; within one `discover` each folder is now read once, every walk
    sharing the read."""
    import types
    from collections import Counter

    from seglab.data import discover
    from seglab.data.files import folder_listing

    data = tmp_path / "data"
    _sequences(data, 3)
    read: Counter[str] = Counter()

    def scandir(path: str) -> object:
        if sys._getframe(1).f_code.co_name != "opens":  # `listable`'s open reads no entry
            read[os.path.relpath(path, data)] += 1
        return os.scandir(path)

    monkeypatch.setattr(folder_listing, "os", types.SimpleNamespace(**{**vars(os), "scandir": scandir}))
    discover(data, cache_dir=str(tmp_path / "cache"))
    assert read and max(read.values()) == 1, read


@pytest.mark.parametrize("layout", ["ade20k", "coco", "supervisely"])
def test_nothing_in_the_home_folder_or_above_it_is_read_for_a_dataset_below_it(tmp_path, monkeypatch, layout):
    """Folders above DATA were read whatever they were: ADE20K's `objects.txt` was looked for three
    folders up, a COCO file's images in the folder above its `annotations/` (for
    `~/annotations/a.json`, the whole home folder walked), Supervisely's `meta.json` one folder up.
    Each now stays below the user's home folder, as the split-list search does (`folders_above`):
    of the home folder and the folders above it, nothing is listed or looked up but the folders
    themselves on DATA's way up."""
    from seglab.data import discover

    home = tmp_path / "home" / "user"
    monkeypatch.setenv("HOME", str(home))
    for folder in (home, home.parent):  # files that would be read there
        _made(folder / "objects.txt").write_text("Name index\tWordnet name\n1\twall\n")
        (folder / "meta.json").write_text(json.dumps({"classes": [{"title": "road", "shape": "polygon",
                                                                   "color": "#FF0000"}]}))
    if layout == "ade20k":
        data = home / "ADE"
        seg = np.zeros((6, 8, 3), np.uint8)
        seg[..., 1] = 1  # class id 1 in R // 10 * 256 + G
        Image.fromarray(seg).save(_made(data / "training" / "home" / "ADE_train_00000001_seg.png"))
        _photo(data / "training" / "home" / "ADE_train_00000001.jpg")
    elif layout == "coco":
        data = home / "annotations" / "instances_train.json"
        _photo(home / "train" / "a.jpg")
        _made(data).write_text(json.dumps({
            "images": [{"id": 1, "file_name": "a.jpg", "height": 6, "width": 8}], "categories": [{"id": 1, "name": "x"}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 6, 1, 6, 5]]}]}))
    else:
        data = home / "ds1"
        _photo(data / "img" / "a.jpg")
        _made(data / "ann" / "a.jpg.json").write_text(json.dumps({"size": {"height": 6, "width": 8}, "objects": [
            {"geometryType": "polygon", "classTitle": "road", "tags": [],
             "points": {"exterior": [[1, 1], [6, 1], [6, 5]], "interior": []}}]}))
    touched: dict[str, list[Path]] = {"stat": [], "scandir": [], "listdir": []}
    for name, paths in touched.items():
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda path=".", *rest, real=real, paths=paths, **named: (
            paths.append(Path(os.path.abspath(os.fsdecode(path)))) if not isinstance(path, int) else None)
            or real(path, *rest, **named))
    cache = tmp_path / "cache"
    try:
        discover(data, cache_dir=str(cache))
    except SeglabError:
        pass
    above = {folder for folder in (home, *home.parents) if folder.is_relative_to(tmp_path)}
    way_up = {data, *data.parents}
    read = [p for p in touched["scandir"] + touched["listdir"] if p in above] + [
        p for p in touched["stat"] if p.parent in above and p not in way_up and not p.is_relative_to(cache)]
    assert not read, sorted(read)


image_stems = st.lists(st.sampled_from(["EDD2020_ACB0001", "a", "A", "1", "İ", "x_y", "ǅ", "img(", "a[1]"])
                       | st.text(alphabet="aAbB1_-. İß()[]{}*+?\\ǅ$^|", min_size=1, max_size=6), min_size=1, max_size=6)
class_words = st.sampled_from(["_BE", "_polyp", "_HGD", "_cancer", "_1", "_mask", "p", "(", "{stem}", "[", ".", "",
                               "_İ", "_ß", "*"]) | st.text(alphabet="_-.aB1(İ", max_size=4)


@SETTINGS
@given(stems=image_stems, masks=st.lists(st.tuples(st.integers(0, 5), class_words, st.booleans(),
                                                   st.sampled_from([".tif", ".png", ""])), max_size=8))
def test_class_namings_of_any_file_names_key_masks_or_none(stems, masks):
    """Masks named as an image plus a class word (EDD2020's `<image>_BE.tif`, `_polyp.tif`), of any
    names (words before or after the image's, regular expressions' characters, `{stem}`, letters
    that change length in lower case): learned namings give class-naming rules, each of two namings
    or more of the masks', that key every file as a string or None."""
    from seglab.data.discovery.class_namings import class_naming_rules
    from seglab.data.discovery.naming.learned_rules import affix_rules, learned_namings
    from seglab.data.discovery.naming.names import name_key

    images = [Path("originalImages", f"{name}.jpg") for name in stems]
    mask_paths = [Path("masks", (f"{stems[k % len(stems)]}{word}" if after else f"{word}{stems[k % len(stems)]}")
                       + suffix) for k, word, after, suffix in masks]
    keys = {name_key(p) for p in images}
    namings = learned_namings(keys, mask_paths)
    rules = class_naming_rules(keys, namings)
    for rule in (*affix_rules(keys, namings), *rules):
        assert all(isinstance(rule.key_of(p, p in images), str | None) for p in (*images, *mask_paths))
    for rule in rules:
        assert rule.many and len(rule.namings) >= 2 and set(rule.namings) <= set(namings)


band_file_names = st.lists(st.tuples(st.sampled_from(["2019-05-27_0001", "a", "a_R", "x.y", "s"]), st.sampled_from(
    ["_", "-", ".", " ", "__"]), st.sampled_from(["R", "G", "B", "NIR", "RE", "r", "nir", "B02", "dsm", "rgb", "x", "1",
                                                 "İ"]), st.sampled_from([".png", ".PNG", ".tif"]), st.booleans()),
                           max_size=12)


@example(names=[(s, "_", band, ".png", True) for s in ("a", "s") for band in ("R", "NIR")], named_as_sample=False)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=band_file_names, named_as_sample=st.booleans())
def test_band_files_of_any_names_are_samples_or_none(tmp_path_factory, names, named_as_sample):
    """A folder of band files of any samples, separators, band words and letters (WeedsGalore's
    `<sample>_R.png` ... `_RE.png`), grey or RGB, a TIFF that is none, a file named as a sample:
    samples whose files are each one sample's, its first the pair's and the others channels, keyed
    by the sample; or none."""
    from seglab.data.discovery.band_files import band_file_rule, sample_bands

    folder = tmp_path_factory.mktemp("band-files") / "images"
    folder.mkdir()
    for sample, separator, band, suffix, grey in names:
        path = folder / f"{sample}{separator}{band}{suffix}"
        if suffix == ".tif":
            path.write_bytes(b"II*\x00 cut short")
        else:
            Image.fromarray(np.zeros((4, 4) if grey else (4, 4, 3), np.uint8)).save(path, format="PNG")
    if named_as_sample and names:
        _photo(folder / f"{names[0][0]}.png")
    files = sorted(folder.iterdir())
    found = sample_bands(files)
    if found is None:
        return
    firsts = set(found.samples)
    assert firsts <= set(files) and found.further <= set(files) and not firsts & found.further
    assert all(len(rest) == len(found.spelled) - 1 for _, rest in found.samples.values())
    rule = band_file_rule(found)
    assert all(rule.key_of(first, True) is not None for first in firsts)


hostile_text = st.lists(st.sampled_from(
    ["## Dataset splitting: 00001-00002 training, 00003-00004 validation, 00005-00006 testing.", "1-3 train 4-6 test",
     "0001-0003 for the training, 0004-0006 testing", "٠٠٠٠١-٠٠٠٠٣ train, ٠٠٠٠٤-٠٠٠٠٦ test", "999999999-999999999 train",
     "00001-99999 training, 00003-00004 test", "0 Unknown", "1 Cortex 1 2 3 0", "idx,name", "0,background", "1,car",
     "2," + "9" * 5000, "9" * 10**6, "1-" + " " * 10**6 + "x", "x" * 10**6, "\x00", "\ufeff", "\r"])
    | st.text(max_size=20), max_size=6).map("\n".join)


@example(text="## Dataset splitting: 00001-00002 training, 00003-00004 validation, 00005-00006 testing.", flips=[],
         padded=True)  # split
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_text, flips=byte_flips, padded=st.booleans())
def test_any_readme_ranges_and_label_set_tables_split_name_or_pass_over(tmp_path_factory, text, flips, padded):
    """A README's number ranges (AutoLaparo's `00001-01020 training, ...`) and a label set's table
    (neurite-oasis' `seg4_labels.txt`) of any lines: numbers past a mask's or int()'s digits, other
    digits (`٠`), a million-digit number, lines of a megabyte, NULs, bytes that are no UTF-8: a
    split of every image, names of values, or nothing; never an exception, under 64 MB."""
    from seglab.data.classes import ValueNames
    from seglab.data.classes.label_set_tables import label_set_tables
    from seglab.data.files.index import Pair
    from seglab.data.splitting.list_readers import LISTS
    from seglab.data.splitting.readme_ranges import readme_range_splits

    folder = tmp_path_factory.mktemp("texts")
    numbers = [f"{n:05d}" if padded else str(n) for n in range(1, 7)]
    pairs = [Pair(n, folder / "imgs" / f"{n}.jpg", folder / "masks" / f"{n}.png", None) for n in numbers]
    _damaged_copy(folder / "README.txt", text.encode(), flips)
    _damaged_copy(folder / "seg4_labels.txt", text.encode(), flips)
    split, said = _small_allocation(lambda: readme_range_splits(pairs, folder))
    assert [p.image for p in split] == [p.image for p in pairs]
    assert all(p.split in LISTS for p in split) if said else split == pairs
    tables = _small_allocation(lambda: label_set_tables(folder, ["seg4", "aligned_seg4"]))
    assert tables.own is None or isinstance(tables.own, ValueNames) and all(isinstance(v, int) for v in tables.own.names)


@SETTINGS
@given(data=st.binary(max_size=200) | hostile_text.map(lambda text: text[:300].encode()), flips=byte_flips,
       most_bytes=st.integers(0, 120))
def test_capped_lines_are_the_first_lines_within_the_cap(tmp_path_factory, data, flips, most_bytes):
    """Any bytes (NULs, invalid UTF-8, lines longer than the cap, no newline, CR alone) read under
    any cap: the text's first lines, from no more than the cap's bytes (UTF-8's, or a legacy code
    page's: a character of one byte or more), or UnicodeDecodeError."""
    from seglab.data.classes.text_files import capped_lines

    path = _damaged_copy(tmp_path_factory.mktemp("capped") / "README.md", data, flips)
    try:
        lines = capped_lines(path, most_bytes, "README")
    except UnicodeDecodeError:
        return
    assert len("\n".join(lines)) <= most_bytes
    try:
        whole = path.read_bytes().decode("utf-8-sig").splitlines()
    except UnicodeDecodeError:  # past the cap: what was read decoded
        return
    assert lines == whole[: len(lines)]


_SIDE_FILE_NAMES = ["README.md", "README.txt", "train.txt", "val.txt", "classes.txt", "labels.txt", "class_dict.csv",
                    "meta.csv", "splits.csv", "dataset.json", "annotations.json", "info.json", "data.yaml",
                    "chips.parquet", "metadata.jsonl"]


def _finished_in_time(read: Callable[[], None], fifos: list[Path], seconds: float = 30) -> bool:
    """Whether `read()` returns (or raises) within `seconds`, run in a thread; a read still waiting
    on one of `fifos` for a writer is then let go (a writer opens it and closes it at once) so that
    the thread ends before the test does."""
    import threading

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(seconds)
    finished = not thread.is_alive()
    while thread.is_alive():
        for fifo in fifos:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # no reader waiting on this one
                pass
        thread.join(0.1)
    return finished


@example(names=["README.md"], place="")  # capped_lines waited for a writer: the read never ended
@example(names=["train.txt"], place="")
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.sampled_from(_SIDE_FILE_NAMES), min_size=1, max_size=4, unique=True),
       place=st.sampled_from(["", "images", "masks"]))
def test_a_fifo_named_as_a_side_file_ends_the_read_with_pairs_or_a_seglab_error_naming_it(tmp_path_factory, names,
                                                                                           place):
    """A FIFO (named pipe) named as a README, a split or class list, a table or JSON beside the
    images: its open waited for a writer, so the read never ended. Only regular files are opened:
    the pairs, or a seglab error naming the FIFO."""
    from seglab.data import discover

    root = _example_folder(tmp_path_factory, "fifos")
    for k in range(3):
        _photo(root / "images" / f"{k}.png")
        _photo(root / "masks" / f"{k}.png")
    fifos = [root / place / name for name in names]
    for fifo in fifos:
        os.mkfifo(fifo)
    outcome: dict[str, object] = {}

    def read() -> None:
        try:
            outcome["pairs"] = len(discover(root, cache_dir=str(tmp_path_factory.mktemp("cache"))).pairs)
        except SeglabError as err:
            outcome["error"] = str(err)

    assert _finished_in_time(read, fifos), f"the read waited on a FIFO among {names}"
    assert outcome.get("pairs") == 3 or any(str(fifo) in str(outcome.get("error")) for fifo in fifos), outcome


@example(suffix=".png", which="mask", row=0)  # the first mask's palette was read by Pillow by its name: no end
@example(suffix=".h5", which="mask", row=0)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(suffix=st.sampled_from([".png", ".jpg", ".tif", ".npy", ".npz", ".h5", ".dcm", ".nii.gz"]),
       which=st.sampled_from(["image", "mask"]), row=st.integers(0, 2))
def test_a_fifo_a_manifest_names_as_an_image_or_mask_ends_inspect_naming_it(tmp_path_factory, suffix, which, row):
    """A FIFO (named pipe) that a manifest names as an image or a mask: a reader opening it by its
    name (Pillow, tifffile, h5py, NumPy, pydicom, nibabel) waited for a writer, so inspect never
    ended. Data files are checked to be regular files before any reader opens them: a seglab
    error, or a fatal `not-a-file` finding, naming the FIFO."""
    from seglab.data.checking.inspect import inspect_dataset

    root = _example_folder(tmp_path_factory, "fifo-data")
    (root / "masks").mkdir()
    rows = []
    for k in range(3):
        _photo(root / "images" / f"{k}.png")
        Image.fromarray(np.eye(6, 8, dtype=np.uint8)).save(root / "masks" / f"{k}.png")
        rows.append([f"images/{k}.png", f"masks/{k}.png"])
    fifo = root / f"{which}s" / f"fifo{suffix}"
    os.mkfifo(fifo)
    rows[row][which == "mask"] = f"{which}s/{fifo.name}"
    (root / "pairs.csv").write_text("image,mask\n" + "".join(f"{image},{mask}\n" for image, mask in rows))
    outcome: dict[str, object] = {}

    def read() -> None:
        try:
            report = inspect_dataset(root / "pairs.csv", cache_dir=str(tmp_path_factory.mktemp("cache")))
            outcome["problems"] = [(p.code, str(p)) for p in report.problems]
        except SeglabError as err:
            outcome["error"] = str(err)

    assert _finished_in_time(read, [fifo]), f"inspect waited on a FIFO named {fifo.name} as a {which}"
    assert str(fifo) in str(outcome.get("error")) or any(
        str(fifo) in text and "FIFO" in text for _, text in outcome.get("problems", [])), outcome


@pytest.mark.parametrize("name", ["pairs.csv", "data.h5", "scan.nii.gz"])
def test_a_fifo_given_as_data_is_refused_naming_it(tmp_path, name):
    """DATA a FIFO: listing it as a folder raised NotADirectoryError, a traceback."""
    from seglab.data import discover

    os.mkfifo(tmp_path / name)
    with pytest.raises(SeglabError, match=f"DATA '{tmp_path / name}' is a FIFO"):
        discover(tmp_path / name, cache_dir=str(tmp_path / "cache"))

@SETTINGS
@given(rows=st.integers(1, 4), data=st.data(), key=st.sampled_from(["image", "mask", "split"]), lines=st.booleans())
def test_a_key_repeated_in_a_json_manifest_object_is_refused_naming_the_file_key_and_line(tmp_path_factory, rows, data,
                                                                                            key, lines):
    """A JSON (or JSON Lines) manifest one of whose objects repeats a key (`"mask"` twice: a corrupt
    export): `json.loads` kept the last value, silently pairing another mask; refused, naming the
    file, the key and the line it is repeated on."""
    from seglab.data import discover

    root = _example_folder(tmp_path_factory, "repeated-keys")
    (root / "masks").mkdir()
    objects = []
    for k in range(rows):
        _photo(root / "images" / f"{k}.png")
        Image.fromarray(np.eye(6, 8, dtype=np.uint8)).save(root / "masks" / f"{k}.png")
        objects.append([("image", f"images/{k}.png"), ("mask", f"masks/{k}.png"), ("split", "train")])
    at = data.draw(st.integers(0, rows - 1))
    objects[at].append((key, "masks/0.png"))
    written = [", ".join(f'"{name}": "{value}"' for name, value in pairs) for pairs in objects]
    if lines:  # an object a line
        manifest, line = root / "pairs.jsonl", at + 1
        manifest.write_text("".join(f"{{{text}}}\n" for text in written))
    else:  # a key a line, as json.dump(indent=2) writes it: the repeat is the last line of its object
        manifest, line = root / "pairs.json", 1 + sum(len(pairs) + 2 for pairs in objects[: at + 1]) - 1
        manifest.write_text("[\n" + ",\n".join("  {\n    " + text.replace(", ", ",\n    ") + "\n  }"
                                                for text in written) + "\n]\n")
    with pytest.raises(SeglabError) as refusal:
        discover(manifest, cache_dir=str(tmp_path_factory.mktemp("cache")))
    message = str(refusal.value)
    assert str(manifest) in message and f"Repeated key {key!r}" in message and f"line {line} " in message, message


def test_a_key_repeated_in_a_classes_file_is_refused_naming_the_key_and_line(tmp_path):
    """classes.json of `names` twice (two exports merged by hand): its first names were dropped."""
    path = tmp_path / "classes.json"
    path.write_text('{\n  "names": ["background", "road"],\n  "names": ["background", "car"]\n}\n')
    with pytest.raises(SeglabError, match=r"classes file .*Repeated key 'names' .*: line 3 column 3"):
        load_classes_file(path)


@pytest.mark.parametrize("kind", ["dataset.json", "datalist"])
def test_a_key_repeated_in_a_dataset_json_or_datalist_is_refused_naming_the_file_and_key(tmp_path, kind):
    """nnU-Net's dataset.json (or a MONAI datalist) of a key twice: its labels and splits were
    passed over without a word as a file of no JSON, the classes then named `class_1`, ... from
    the masks and the split drawn. Refused, as every JSON file seglab reads is."""
    from seglab.data.classes.class_tables import dataset_json_labels
    from seglab.data.splitting.datalists import read_datalist

    labels = '"labels": {"background": 0, "liver": 1}'
    if kind == "dataset.json":
        path, read, line = tmp_path / "dataset.json", dataset_json_labels, 4
        path.write_text('{\n  ' + labels + ',\n  "numTraining": 4,\n  "numTraining": 4\n}\n')
    else:
        path, read, line = tmp_path / "dataset_0.json", read_datalist, 3
        case = '{"image": "imagesTr/a.nii.gz", "label": "labelsTr/a.nii.gz"}'
        path.write_text('{\n  "training": [' + case + '],\n  "training": [' + case + ']\n}\n')
    with pytest.raises(SeglabError, match=rf"{path.name}' cannot be read: Repeated key .*: line {line} column 3"):
        read(path)


def test_a_key_repeated_in_a_json_split_table_is_said_naming_the_file_and_key(tmp_path, caplog):
    """A JSON object of cases with a split key (MMFlood's `activations.json`) repeating a case:
    passed over without a word; said, as a table that cannot be read is."""
    from seglab.data.splitting.split_tables import table_splits

    case = '{"subset": "train"}'
    (tmp_path / "activations.json").write_text('{"EMSR1": ' + case + ', "EMSR2": ' + case + ', "EMSR1": ' + case + '}')
    with caplog.at_level("WARNING", logger="seglab"):
        assert table_splits(tmp_path, ["EMSR1", "EMSR2"]) == {}
    assert "activations.json' cannot be read: Repeated key 'EMSR1'" in caplog.text


def test_a_fifo_named_as_an_images_label_file_ends_the_refusal(tmp_path):
    """A FIFO `road_00.json` beside `road_00.jpg` in a folder of images alone: the refusal read the
    head of each label file naming an image (`unread_labels`) with an open that waited for a
    writer, so it never came. It is passed over as unreadable, and the refusal comes."""
    from seglab.data import discover

    for k in range(3):
        _photo(tmp_path / "images" / f"road_{k:02d}.jpg")
    fifo = tmp_path / "images" / "road_00.json"
    os.mkfifo(fifo)
    outcome: dict[str, object] = {}

    def read() -> None:
        try:
            discover(tmp_path, cache_dir=str(tmp_path / "cache"))
        except SeglabError as err:
            outcome["error"] = str(err)

    assert _finished_in_time(read, [fifo], seconds=10), "the refusal waited on the FIFO"
    assert "error" in outcome, outcome


bids_entities = st.lists(st.sampled_from(["acq-fast", "rec-mial", "rec-irtk", "run-1", "run-01", "desc-brain", "label-L",
                                          "desc-T1lesion", "space-MNI", "Run-2", "REC-x", "-", "acq-", "x-y-z", ""])
                         | st.text(alphabet="aR-_1.", max_size=5), max_size=3)
bids_files = st.lists(st.tuples(bids_entities, st.sampled_from(
    ["T1w", "T2w", "dwi", "adc", "FLAIR", "mask", "msk", "dseg", "roi", "probseg", "MASK", "", "bold"]),
    st.sampled_from([".nii.gz", ".nii", ".NII.GZ"]), st.sampled_from(["anat", "dwi", "derivatives"])), max_size=8)


@SETTINGS
@given(files=bids_files, case=st.sampled_from(["sub-r001s001", "sub-1_ses-2", "sub-A"]))
def test_bids_names_of_any_entities_read_each_image_once(files, case):
    """A BIDS case's volumes of any entities (`acq-`, `rec-`, `run-` in any case, empty, dashes
    alone, `label-`, `desc-brain`) and suffixes: its label volumes are none of its images; of
    the images, one is read per modality and every other is a variant set aside or a copy of one
    read (the same name in another folder)."""
    from seglab.data.files.volumes import volume_stem
    from seglab.data.layouts.volume_format.bids import _images, _is_image, _is_label, _modality, _variants

    paths = list(dict.fromkeys(Path(folder, "_".join([case, *entities, suffix]) + ext)
                               for entities, suffix, ext, folder in files))
    label = next((p for p in paths if _is_label(p)), None)
    images = _images(paths, case, label)
    read = set(images.values())
    assert all(_is_image(p) for p in read) and not any(_is_label(p) for p in read)
    assert {_modality(volume_stem(p)[len(case) + 1:]) for p in paths if _is_image(p)} == set(images)
    variants = _variants(paths, images)
    assert not read & set(variants)
    copies = {volume_stem(p) for p in read}
    assert all(p in read or p in variants or volume_stem(p) in copies for p in paths if _is_image(p))


# --- cloud exports (Vertex AI, SageMaker), grey-code and tool label tables, side text, NRRD labels, RLE, band series --

bucket_uris = st.sampled_from(["gs://my-bucket/images/a.jpg", "gs://my-bucket/masks/a.png", "s3://my-bucket/images/a.jpg",
                               "s3://my-bucket/masks/a.png", "s3://", "gs://", "gs://b", "gs://b/", "gs://b/../../x",
                               "gs://b/%2e%2e/%2e%2e/etc/passwd", "gs://b/images/a%00.jpg", "s3://b/a\x00.png",
                               "gs://b/images/\udcff.jpg", "gs://b/images/a.jpg?x=1", "GS://B/IMAGES/A.JPG",
                               "gs://b/" + "/".join(["a"] * 10_000), "gs://b/" + "x" * 5000, "/etc/passwd",
                               "images/a.jpg", "a.jpg", ""]) | st.text(max_size=12)
vertex_colours = json_values | st.lists(json_values | st.fixed_dictionaries(
    {"displayName": st.sampled_from(["car", "road", "background"]) | json_values,
     "color": json_values | st.fixed_dictionaries({}, optional={c: st.floats() | st.integers(-2, 300) | json_values
                                                                for c in ("red", "green", "blue")})}), max_size=3)
vertex_rows = st.fixed_dictionaries(
    {"imageGcsUri": bucket_uris | json_values},
    optional={"segmentationAnnotation": json_values | st.fixed_dictionaries(
        {"maskGcsUri": bucket_uris | json_values}, optional={"annotationSpecColors": vertex_colours}),
        "dataItemResourceLabels": json_values | st.fixed_dictionaries(
            {"aiplatform.googleapis.com/ml_use": st.sampled_from(["training", "validation", "test", "x"]) | json_values})})
damaged_lines = st.sampled_from(['{"imageGcsUri": "gs://b/a.jpg", ', "[1, 2]", "null", "\x00", "{" * 3000,
                                 '{"imageGcsUri": ' + "9" * 5000 + "}", '{"source-ref": NaN}', "\ufeff{}"])


def _bucket_copy(root: Path) -> None:
    """A bucket's images/a.jpg and its colour mask masks/a.png (black and red)."""
    _photo(root / "images" / "a.jpg")
    mask = np.zeros((6, 8, 3), np.uint8)
    mask[2:4, 2:6] = (255, 0, 0)
    (root / "masks").mkdir()
    Image.fromarray(mask).save(root / "masks" / "a.png")


def _export_lines(first: dict, rows: list, damaged: list[str]) -> str:
    return "\n".join([json.dumps(first), *(json.dumps(row) for row in rows), *damaged]) + "\n"


@example(rows=[{"imageGcsUri": "gs://b/a.jpg", "segmentationAnnotation": {"annotationSpecColors": 5}}], damaged=[],
         cut=0, as_data=False)  # colours that are a number: iterated, TypeError
@SETTINGS
@given(rows=st.lists(vertex_rows, max_size=3), damaged=st.lists(damaged_lines, max_size=1), cut=st.integers(0, 600),
       as_data=st.booleans())
def test_any_vertex_ai_export_gives_pairs_or_a_seglab_error(tmp_path_factory, rows, damaged, cut, as_data):
    """A Vertex AI image_segmentation_1.jsonl of any lines after a good one: damaged JSON, URIs of
    odd forms (`s3://` alone, `gs://b/../../x`, 10,000 parts, a NUL, no UTF-8), colour lists of
    wrong types, cut short; read from the bucket's copy or given as DATA."""
    root = _example_folder(tmp_path_factory, "vertex")
    _bucket_copy(root)
    first = {"imageGcsUri": "gs://my-bucket/images/a.jpg", "segmentationAnnotation": {
        "maskGcsUri": "gs://my-bucket/masks/a.png",
        "annotationSpecColors": [{"displayName": "car", "color": {"red": 1.0}}]}}
    export = root / "export" / "data-x" / "image_segmentation_1.jsonl"
    export.parent.mkdir(parents=True)
    text = _export_lines(first, rows, damaged)
    export.write_text(text[:cut] if cut > 120 else text, errors="surrogateescape")
    _small_allocation(lambda: _only_seglab_errors(export if as_data else root, tmp_path_factory.mktemp("cache")))


sagemaker_colour_maps = json_values | st.dictionaries(
    st.sampled_from(["0", "1", "2", "01", "-1", "9" * 5000, "x"]),
    json_values | st.fixed_dictionaries({"class-name": st.sampled_from(["BACKGROUND", "car", ""]) | json_values,
                                         "hex-color": st.sampled_from(["#ffffff", "#ff0000", "#-1-1-1", "#fff", "ff",
                                                                       "#zzzzzz", "#１２３４５６"]) | json_values}),
    max_size=3)
sagemaker_rows = st.fixed_dictionaries({"source-ref": bucket_uris | json_values}, optional={
    "job-ref": bucket_uris | json_values,
    "job-ref-metadata": json_values | st.fixed_dictionaries({"internal-color-map": sagemaker_colour_maps})})


@example(rows=[], damaged=[], colour_map={}, first_source="s3://b/" + "x" * 5000,
         as_data=True)  # the bucket's copy looked for with Path.is_file: OSError (file name too long)
@example(rows=[], damaged=[], colour_map={}, first_source="s3://b/" + "/".join(["a"] * 10_000),
         as_data=True)  # each end of the path below the bucket tried: 100 MB of them
@SETTINGS
@given(rows=st.lists(sagemaker_rows, max_size=3), damaged=st.lists(damaged_lines, max_size=1),
       colour_map=sagemaker_colour_maps, first_source=bucket_uris, as_data=st.booleans())
def test_any_sagemaker_manifest_gives_pairs_or_a_seglab_error(tmp_path_factory, rows, damaged, colour_map,
                                                             first_source, as_data):
    """A SageMaker Ground Truth output.manifest of any lines: damaged JSON, URIs of odd forms (its
    first line's too, which places the bucket's copy when the manifest is DATA), internal-color-maps
    of wrong types, huge, negative and repeated class numbers; from the copy or as DATA."""
    root = _example_folder(tmp_path_factory, "sagemaker")
    _bucket_copy(root)
    first = {"source-ref": first_source, "job-ref": "s3://my-bucket/masks/a.png",
             "job-ref-metadata": {"internal-color-map": colour_map}}
    manifest = root / "output" / "job" / "manifests" / "output" / "output.manifest"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(_export_lines(first, rows, damaged), errors="surrogateescape")
    _small_allocation(lambda: _only_seglab_errors(manifest if as_data else root, tmp_path_factory.mktemp("cache")))


grey_ids = st.integers(-3, 300).map(str) | st.sampled_from(["65535", "65536", "9" * 30, _LONG_NUMBER, "-0", "²", "",
                                                            "1.0", " 7"])


@SETTINGS
@given(rows=st.lists(st.tuples(st.sampled_from(["bckgnd", "crack", "", "a;b"]) | st.text(max_size=4), grey_ids,
                               grey_ids), max_size=5),
       header=st.sampled_from(["Class,Desc,Color,Red,Green,Blue,Label,Gray", "Desc,Grey", "Desc,Label,Gray",
                               "Class,Gray,Label"]))
def test_any_grey_code_table_gives_pairs_or_a_seglab_error(tmp_path_factory, rows, header):
    """The EL solar-cell benchmark's class table (Gray codes of grey masks, numbered by Label) of
    huge, negative, repeated and odd ids beside grey masks holding 0, 128 and 255."""
    root = _example_folder(tmp_path_factory, "grey-codes")
    for k in range(3):
        _photo(root / "images" / f"p{k}.png")
        mask = np.zeros((6, 8), np.uint8)
        mask[1:3], mask[4:] = 128, 255
        (root / "masks").mkdir(exist_ok=True)
        Image.fromarray(mask).save(root / "masks" / f"p{k}.png")
    columns = header.lower().split(",")
    lines = [",".join({"desc": name, "class": name, "gray": grey, "grey": grey, "label": label}.get(c, "x")
                      for c in columns) for name, grey, label in [("bckgnd", "0", "0"), *rows]]
    (root / "ListOfClassesAndColorCodes.csv").write_text("\n".join([header, *lines]) + "\n")
    _small_allocation(lambda: _only_seglab_errors(root, tmp_path_factory.mktemp("cache")))


@SETTINGS
@given(data=st.binary(max_size=300) | st.text(max_size=60).map(lambda t: t.encode("utf-8", "surrogatepass")) | st.sampled_from(
    ["背景\n道路\n", "사람\n", "Фон\n", "Café\n", "ＡＢ\n"]).flatmap(lambda t: st.sampled_from(
        [t.encode(enc, "replace") for enc in ("gbk", "euc-kr", "cp932", "cp1251", "cp1252", "utf-16")])),
       name=st.sampled_from(["labels.txt", "classes.txt", "README.md", "train.txt", "class_dict.csv"]))
def test_any_bytes_as_a_legacy_encoded_side_file_read_as_text_or_are_named(tmp_path_factory, data, name):
    """Random bytes, or names in GBK, EUC-KR, Shift-JIS, CP1251, CP1252 and UTF-16, as a side file:
    `side_text` decodes them or raises UnicodeDecodeError saying how to convert the file, and the
    readers of class tables name the values, none, or a SeglabError naming the file."""
    _side_file_reads_or_is_named(tmp_path_factory.mktemp("legacy") / name, data)


def _side_file_reads_or_is_named(path: Path, data: bytes) -> None:
    """`data` saved as the side file `path`: `side_text` decodes it or raises UnicodeDecodeError
    saying how to convert it, and the class-table readers name values, none, or the file."""
    from seglab.data.classes.text_encodings import side_text
    from seglab.data.layouts.folder_pairs import value_names_in

    path.write_bytes(data)
    try:
        assert isinstance(side_text(data, path), str)
    except UnicodeDecodeError as err:
        assert "iconv" in str(err)
    try:
        _plain_value_names(value_names_in(path.parent))
    except SeglabError as err:
        assert path.name in str(err)


tool_label_lines = st.lists(st.sampled_from(["1 person 128 0 0", "2 car 0 128 0", "1 road 1 2 3", "0 background 0 0 0",
                                             "3 big rock 1 2 3", "99999999999999999999 x 1 2 3", "2 car 999 0 0",
                                             "-1 void 0 0 0", "1 ² 0 0 0", "1" + " 1" * 5000, "1 a" + " 1" * 5000 + " x",
                                             "# comment", ""]) | st.text(max_size=12), max_size=5)
pixel_annotation_labels = json_values | st.dictionaries(
    st.sampled_from(["unlabeled", "road", "car", ""]) | st.text(max_size=3),
    json_values | st.fixed_dictionaries({"id": st.integers(-2, 300) | st.sampled_from([2**70]) | json_values},
                                        optional={"color": json_values, "categorie": json_values}), max_size=4)


@SETTINGS
@given(lines=tool_label_lines, labels=pixel_annotation_labels, which=st.sampled_from(["labels.txt", "config.json"]))
def test_any_eiseg_or_pixel_annotation_tool_labels_name_values_or_the_file(tmp_path_factory, lines, labels, which):
    """EISeg's labels.txt (`1 person 128 0 0` lines) and PixelAnnotationTool's config.json
    (`{"labels": {"road": {"id": 1, ...}}}`) of repeated, huge, negative and odd ids, wrong types
    and long lines: names of values, none, or a SeglabError naming the file, at once."""
    import time

    from seglab.data.layouts.folder_pairs import value_names_in

    folder = tmp_path_factory.mktemp("tool-labels")
    text = "\n".join(lines) if which == "labels.txt" else json.dumps({"labels": labels})
    (folder / which).write_text(text, errors="surrogateescape")
    start = time.perf_counter()
    try:
        _plain_value_names(value_names_in(folder))
    except SeglabError as err:
        assert which in str(err)
    assert time.perf_counter() - start < 5


nrrd_fields = st.lists(st.sampled_from([
    "Segment0_LabelValue:=1", "Segment0_Name:=liver", "Segment0_Color:=0.5 0.6 0.5", "Segment0_Color:=0..5 1 1",
    "Segment0_Color:=300 0 0", "Segment0_Color:=1 2", "Segment0_Layer:=1", "Segment1_LabelValue:=-4",
    "Segment1_LabelValue:=" + "9" * 5000, "Segment1_Name:=", "modality:=org.mitk.multilabel.segmentation",
    "modality:=org.mitk.image.multilabel", "layers:=1", "org.mitk.label_000_00001:=<Label><property key=\"value\">"
    "<unsigned value=\"2\"/></property><property key=\"name\"><string value=\"Tumor\"/></property></Label>",
    "org.mitk.label_000_00002:=<Label", "org.mitk.label_000_00003:=<Label><property key=\"value\"><u value=\"x\"/>"
    "</property></Label>"]), max_size=6)
mitk_groups = json_values | st.lists(st.fixed_dictionaries({"labels": json_values | st.lists(
    json_values | st.fixed_dictionaries({"value": st.integers(-2, 300) | st.sampled_from([2**70]) | json_values},
                                        optional={"name": json_values, "color": json_values | st.fixed_dictionaries(
                                            {"value": json_values | st.lists(st.floats() | st.integers(-(10**400), 10**400),
                                                                             max_size=4)})}), max_size=3)}), max_size=2)


@example(fields=["Segment0_Color:=0..5 1 1", "Segment0_LabelValue:=1"], groups=None, cut=0)  # float('0..5'): ValueError
@example(fields=[], groups=[{"labels": [{"value": 1, "color": [float("nan"), 0, 0]}]}], cut=0)  # round(nan): ValueError
@example(fields=[], groups=[{"labels": [{"value": 1, "color": [10**400, 0, 0]}]}], cut=0)  # 10**400 / 255: OverflowError
@SETTINGS
@given(fields=nrrd_fields, groups=mitk_groups, cut=st.integers(0, 300))
def test_any_nrrd_label_header_names_labels_or_none(tmp_path_factory, fields, groups, cut):
    """3D Slicer's Segment<k>_ keys, MITK's labelgroups JSON (broken, cut, of wrong types, colours
    of NaN and numbers past a float) and legacy MITK's XML labels: the labels by value, each a name
    and a colour of bytes or none, or none at all, or for a Slicer label value below 0 a seglab
    error naming the file and the line; never another exception."""
    from seglab.data.files.segment_labels import segment_labels

    groups_text = json.dumps(groups)
    header = "\n".join([*fields, "org.mitk.multilabel.segmentation.labelgroups:=" + (groups_text[:cut] if cut else
                                                                                      groups_text)])
    path = tmp_path_factory.mktemp("nrrd") / "Segmentation.nrrd"
    path.write_bytes(f"NRRD0004\ntype: unsigned char\ndimension: 3\nsizes: 2 2 1\nencoding: raw\n{header}\n\n"
                     .encode("utf-8", "surrogateescape") + bytes(4))
    try:
        labels = segment_labels(path)
    except SeglabError as err:  # a Slicer label value below 0 names no mask value
        assert "Segment1_LabelValue:=-4" in fields and f"{path}', line " in str(err)
        return
    assert all(isinstance(value, int) and isinstance(name, str) and name for value, (name, _) in labels.items())
    assert all(colour is None or all(isinstance(c, int) and 0 <= c <= 255 for c in colour)
               for _, colour in labels.values())


@SETTINGS
@given(rows=st.lists(st.tuples(st.sampled_from(["a.jpg", "b.jpg", "a.png", "", "x"]) | st.text(max_size=5),
                               runs | st.sampled_from(["", "nan", "9" * 30 + " 4", "1 " + "9" * 30, "0 0 " * 500])),
                     max_size=4),
       delimiter=st.sampled_from(["\t", ",", " ", ";"]), extra=st.sampled_from(["", "\tx", "\t\t", '"', "\x00"]))
def test_any_headerless_or_tab_run_length_table_gives_pairs_or_a_seglab_error(tmp_path_factory, rows, delimiter, extra):
    """Tianchi's train_mask.csv (`a.jpg<TAB>1 4 9 3` lines, no header) of any names, runs past the
    image, negative, huge and odd, other delimiters, extra cells, quotes and NULs."""
    folder = _example_folder(tmp_path_factory, "rle-headerless")
    _photo(folder / "a.jpg")
    _photo(folder / "b.jpg")
    lines = [f"a.jpg{delimiter}1 4 9 3", *(f"{name}{delimiter}{rle}{extra}" for name, rle in rows)]
    (folder / "train_mask.csv").write_text("\n".join(lines) + "\n")
    _small_allocation(lambda: _only_seglab_errors(folder, tmp_path_factory.mktemp("cache")))


band_series = hnp.arrays(st.sampled_from([np.float32, np.uint16, np.int8, np.bool_, np.float16, np.complex64,
                                          np.dtype("<U2"), np.dtype("datetime64[s]"), np.dtype(">f8")]),
                         st.sampled_from([(6, 8, 8), (6, 8, 4), (6, 8, 1), (6, 8), (8,), (), (0, 8, 8), (6, 8, 0),
                                          (6, 8, 8, 2), (5, 8, 8)]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(odd=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2), band_series), max_size=2),
       frame=st.none() | st.integers(-2, 9), cut=st.integers(0, 200))
def test_any_band_time_series_give_pairs_or_a_seglab_error(tmp_path_factory, odd, frame, cut):
    """Contrails' record folders (band_08.npy ... of (H, W, 8) beside human_pixel_masks.npy) with
    band files of odd shapes and dtypes (text, dates, complex, no frames, one frame, 4-D), cut
    short, read at any --frame: the pairs, every image readable, or a seglab error."""
    from seglab.data import discover
    from seglab.data.files.io import read_image

    root = _example_folder(tmp_path_factory, "contrails")
    for record in range(3):
        folder = root / "train" / f"10{record}"
        folder.mkdir(parents=True)
        for band in range(3):
            np.save(folder / f"band_{8 + band:02d}.npy", np.full((6, 8, 8), band, np.float32))
        np.save(folder / "human_pixel_masks.npy", (np.arange(48).reshape(6, 8, 1) % 3 == 0).astype(np.int32))
    for record, band, array in odd:
        path = root / "train" / f"10{record}" / f"band_{8 + band:02d}.npy"
        np.save(path, array)
        if cut:
            path.write_bytes(path.read_bytes()[:cut])

    def read() -> None:
        try:
            index = discover(root, cache_dir=str(tmp_path_factory.mktemp("cache")), frame=frame)
            for pair in index.pairs:
                read_image(pair.images)
        except SeglabError:
            pass

    _small_allocation(read)


def _mask_picture(path: Path, mode: str, height: int, width: int) -> None:
    """A mask of `mode` (palette, 16-bit, RGBA, bilevel, 32-bit float as TIFF) of values 0 and 1."""
    picture = Image.fromarray((np.arange(height * width).reshape(height, width) % 2).astype(np.uint8)).convert(mode)
    if mode == "P":
        picture.putpalette([0, 0, 0, 255, 0, 0])
    picture.save(path)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(image=st.sampled_from([(6, 8), (1, 8), (8, 1), (1, 1), (600, 2), (2, 600), (300, 400)]),
       mask=st.sampled_from([(3, 4), (1, 4), (4, 1), (1, 1), (12, 16), (2, 1), (1, 300), (1, 2)]),
       mode=st.sampled_from(["L", "P", "I;16", "RGBA", "1", "LA", "RGB"]), suffix=st.sampled_from([".png", ".tif"]),
       cut=st.integers(0, 120))
def test_masks_of_any_size_and_mode_with_resize_masks_give_pairs_or_a_seglab_error(tmp_path_factory, image, mask, mode,
                                                                                  suffix, cut):
    """`--resize-masks` over masks of 1xN, huge ratios, other aspects, palette, 16-bit, RGBA and
    bilevel modes, as TIFF, one cut short: the pairs, each mask read at its image's size or left
    for the audit, or a seglab error naming the file."""
    from seglab.data import discover

    root = _example_folder(tmp_path_factory, "resized")
    (root / "images").mkdir()
    (root / "masks").mkdir()
    for k in range(3):
        Image.fromarray(np.zeros((*image, 3), np.uint8)).save(root / "images" / f"{k}.png")
        _mask_picture(root / "masks" / f"{k}{suffix}", mode, *mask)
    if cut:
        first = root / "masks" / f"0{suffix}"
        first.write_bytes(first.read_bytes()[:cut])
    try:
        index = discover(root, cache_dir=str(tmp_path_factory.mktemp("cache")), resize_masks=True)
    except SeglabError:
        return
    _read_or_named(index)


@example(text="9" * 5000 + " x 2 x 2 voxels, 8-bit", size=9)  # int() of 5,000 digits: ValueError
@SETTINGS
@given(text=st.lists(st.sampled_from(["1000 x 1000 x 1000", "3 x 3", "0 x 0 x 0", "9" * 40 + " x 2", "2 x 2 x " +
                                      "9" * 5000, "8-bit", "16 bits", "signed", "float", "٣ x ٣", "x" * 30, "64-bit"])
                     | st.text(max_size=20), max_size=5).map(" ".join),
       size=st.sampled_from([0, 1, 9, 18, 27, 36]))
def test_any_readme_dimensions_beside_headerless_raw_volumes_are_named_or_placeholders(tmp_path_factory, text, size):
    """A README beside a headerless .raw volume stating dimensions past int()'s digits, of zero,
    that overflow or do not fit the file, in any words: the refusal names the .raw file and a
    header to write, never another exception."""
    from seglab.data import discover

    root = _example_folder(tmp_path_factory, "raw")
    (root / "volume.raw").write_bytes(bytes(size))
    (root / "README.md").write_text(text, errors="surrogateescape")
    with pytest.raises(SeglabError) as refusal:
        discover(root, cache_dir=str(tmp_path_factory.mktemp("cache")))
    assert "volume.raw" in str(refusal.value) or size == 0


@pytest.mark.skipif(H5_FILE is None, reason="HDF5 files need the 'hdf5' extra (h5py)")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.dictionaries(st.sampled_from(["events/x", "events/t", "image", "rectify_map", "a/b/c", "p"]),
                                      h5_bands, max_size=4), min_size=1, max_size=5),
       cut=st.integers(0, 3000))
def test_any_hdf5_files_beside_masks_are_counted_in_the_refusal_or_named(tmp_path_factory, files, cut):
    """A folder of HDF5 files of any datasets (1-D columns, none, scalars, text, records, empty,
    of no shape), one cut short, where the refusal counts them (`hdf5_tables.image_count_line`):
    a seglab error, or pairs, never another exception."""
    import h5py

    root = _example_folder(tmp_path_factory, "h5-tables")
    (root / "events").mkdir()
    for k, datasets in enumerate(files):
        with h5py.File(root / "events" / f"f{k}.h5", "w") as file:
            for name, (shape, dtype) in datasets.items():
                _write_h5_dataset(file, name, shape, dtype)
    if cut:
        first = root / "events" / "f0.h5"
        first.write_bytes(first.read_bytes()[:cut])
    (root / "labels").mkdir()
    Image.fromarray(np.eye(6, 8, dtype=np.uint8)).save(root / "labels" / "z.png")
    _only_seglab_errors(root, tmp_path_factory.mktemp("cache"))


@SETTINGS
@given(depth=st.integers(0, 1200), repeat=st.booleans(), values=json_values)
def test_json_of_any_nesting_with_a_repeated_key_is_a_value_or_a_value_error(tmp_path, depth, repeat, values):
    """Nesting that one of the parsers (C, pure Python) reaches and the other does not, with a key
    repeated at its bottom: `json_value` gives the value or raises ValueError or RecursionError,
    and a classes file a seglab error naming the file."""
    from seglab.data.classes.json_text import json_value

    inner = '{"names": ["a", "b"], "names": ' + json.dumps(values) + "}" if repeat else json.dumps(values)
    text = '{"x": ' * depth + inner + "}" * depth
    try:
        json_value(text)
    except (ValueError, RecursionError):
        pass
    path = tmp_path / "classes.json"
    path.write_text(text)
    try:
        load_classes_file(path)
    except SeglabError as err:
        assert str(path) in str(err)


@SETTINGS
@given(bom=st.sampled_from([b"\xff\xfe", b"\xfe\xff"]), body=st.binary(max_size=41),
       name=st.sampled_from(["labels.txt", "classes.txt", "README.md", "train.txt", "class_dict.csv"]))
def test_utf16_side_files_of_any_byte_count_read_as_text_or_are_named(tmp_path_factory, bom, body, name):
    """A byte-order mark alone, or before an odd number of bytes, lone surrogates, NULs: text, or a
    UnicodeDecodeError saying how to convert the file; class tables name values, none, or the file."""
    _side_file_reads_or_is_named(tmp_path_factory.mktemp("utf16") / name, bom + body)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(numbers=st.lists(st.lists(st.sampled_from(["0", "1", "2", "3", "01", "00", "11", "9" * 200, "4"]), max_size=5),
                        min_size=2, max_size=3),
       masked=st.booleans())
def test_numbered_band_files_of_gaps_duplicates_and_huge_numbers_give_pairs_or_a_seglab_error(tmp_path_factory,
                                                                                             numbers, masked):
    """MSBin-like `<sample>_<n>.png` band files numbered with gaps, duplicates (`1` and `01`),
    huge numbers and counts unlike between samples, masks named as each sample or not."""
    root = _example_folder(tmp_path_factory, "numbered-bands")
    (root / "images").mkdir()
    (root / "labels").mkdir()
    for s, bands in enumerate(numbers):
        for band in bands:
            Image.fromarray(np.full((6, 8), 9 * s, np.uint8)).save(root / "images" / f"BT_{s}_{band}.png")
        if masked:
            Image.fromarray(np.eye(6, 8, dtype=np.uint8)).save(root / "labels" / f"BT_{s}.png")
    _only_seglab_errors(root, tmp_path_factory.mktemp("cache"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(image=hnp.arrays(np.uint8, st.sampled_from([(0, 6, 8), (2, 6, 8), (9, 6, 8), (12, 4, 4), (3, 6, 8, 2), (6, 8, 0),
                                                   (2, 6), (1, 6, 8), (7, 6, 8), (6, 8, 3), (), (5,)])),
       mask=hnp.arrays(np.uint8, st.sampled_from([(6, 8), (4, 4), (6, 8, 1), (0, 0), (8, 6), (), (6,)])),
       keys=st.sampled_from([("image", "label"), ("imgs", "gts"), ("x", "y"), ("image", "mask")]),
       h5=st.booleans())
def test_channels_first_npz_and_hdf5_pairs_of_any_shape_give_pairs_or_a_seglab_error(tmp_path_factory, image, mask,
                                                                                   keys, h5):
    """A .npz (or HDF5) file of an image array and a mask array (Sen2Fire's `image` and `label`,
    MedSAM's `imgs` and `gts`) of odd shapes: no channels, more channels than rows, 4-D, 1-D, none,
    a mask transposed: the pairs, every image and mask read, or a seglab error naming the file."""
    from seglab.data import discover

    if h5 and H5_FILE is None:
        return
    root = _example_folder(tmp_path_factory, "channels-first")
    for k in range(3):
        path = root / f"s{k}{'.h5' if h5 else '.npz'}"
        if h5:
            import h5py

            with h5py.File(path, "w") as file:
                file[keys[0]], file[keys[1]] = image, mask
        else:
            np.savez(path, **{keys[0]: image, keys[1]: mask})
    try:
        index = discover(root, cache_dir=str(tmp_path_factory.mktemp("cache")))
    except SeglabError:
        return
    _read_or_named(index)


_LONG_NAMES = ["a" + " " * 9999, "a_" * 5000, "a_000" * 2000, "case1 " * 1666, "a1" + "_a" * 4999,
               "LE07_L1TP_" * 1000, "a [" * 3333, "1" * 10000, "a" + "-" * 9999 + "LE07", "x_" * 4999 + "slice"]


@example(name="a" + " " * 9999)  # the place before a Landsat code: a lazy run beside a run of separators, 2 s
@example(name="a_" * 5000)  # a case-slice name: two runs of any characters, 0.5 s
@settings(max_examples=20, deadline=None)
@given(name=st.sampled_from(_LONG_NAMES) | st.text(st.sampled_from("aZ1_- .xLE07TP["), min_size=2000, max_size=10000))
def test_names_that_almost_match_the_subject_rules_are_read_in_linear_time(name):
    """A 10,000-character name that almost matches a subject rule's pattern (case-slice names,
    case ids, a place before a sensor, region tags, leading ids): each rule's pattern ends within
    0.25 s of this process's CPU time (a bound on backtracking, not a speed: a linear scan of 10,000
    characters takes about a millisecond, and other processes' load is not counted), where one whose
    runs may backtrack into each other takes 0.5 to 2 s."""
    import re
    import time

    from seglab.data.splitting.subjects import file_names, folders, grouping

    patterns = [value for module in (file_names, folders, grouping) for value in vars(module).values()
                if isinstance(value, re.Pattern)]
    searched = (file_names._SCENE_ID, folders._FOLDER_NUMBER)  # the rest are matched from a name's start alone
    for pattern in patterns:
        for match in (pattern.match, pattern.fullmatch, *([pattern.search] * (pattern in searched))):
            start = time.process_time()
            match(name)
            assert time.process_time() - start < 0.25, (pattern.pattern, match.__name__)


@SETTINGS
@given(values=st.dictionaries(st.integers(-(2**70), 2**70) | st.floats() | st.sampled_from([256, 257, 768, 1 << 40]),
                              st.integers(1, 9), max_size=12))
def test_bit_sets_of_any_values_are_bits_or_none(values):
    """Mask values of any sign, size (past 64 bits), NaN, infinities and fractions: the bits of a
    bit-set encoding, each held, or None."""
    from collections import Counter

    from seglab.data.encodings.bit_sets import bit_set_bits, bits_of

    bits = bit_set_bits(Counter(values))
    assert bits is None or set(bits) <= set(bits_of(int(v) for v in values if v > 0))


@SETTINGS
@given(name=st.text(st.sampled_from("imagetsAB_-2019xyzTEST"), max_size=30) | st.sampled_from(
    ["image_A", "image_B", "img_testA", "imageA", "test_A", "image_" + "A" * 5000, "a" * 10000 + "B"]))
def test_any_folder_name_is_a_split_word_or_none(name):
    """Folder names of image words, rounds' letters (NAIC's `image_A/`, BDCI's `img_testA/`) and
    years in any order: a split or none, at once."""
    import time

    from seglab.data.discovery.naming.split_words import folder_split, sibling_splits

    start = time.perf_counter()
    assert folder_split(name) in (None, "train", "val", "test")
    assert set(sibling_splits([name, "train", "image_B"])) == {name, "train", "image_B"}
    assert time.perf_counter() - start < 0.1


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(layout=st.sampled_from(["raw", "h5", "resized", "bands", "npz"]))
def test_a_fifo_in_the_new_readers_paths_ends_the_read(tmp_path_factory, layout):
    """A FIFO as the README beside headerless .raw volumes, an HDF5 file the refusal opens, a mask
    `--resize-masks` reads, a numbered band file or a .npz pair: the read ends, with pairs or a
    seglab error."""
    from seglab.data import discover

    root = _example_folder(tmp_path_factory, "fifo-" + layout)
    fifo = {"raw": root / "README.md", "h5": root / "events" / "f.h5", "resized": root / "masks" / "2.png",
            "bands": root / "images" / "BT_2_1.png", "npz": root / "s2.npz"}[layout]
    (root / "masks").mkdir()
    for k in range(3):
        if layout == "npz":
            np.savez(root / f"s{k}.npz", image=np.zeros((3, 6, 8), np.uint8), label=np.eye(6, 8, dtype=np.uint8))
        else:
            _photo(root / "images" / f"BT_{k}_0.png")
            _photo(root / "images" / f"BT_{k}_1.png")
            _mask_picture(root / "masks" / f"{k}.png", "L", 3, 4)
    if layout == "raw":
        (root / "volume.raw").write_bytes(bytes(9))
    fifo.parent.mkdir(exist_ok=True)
    fifo.unlink(missing_ok=True)
    os.mkfifo(fifo)

    def read() -> None:
        try:
            discover(root, cache_dir=str(tmp_path_factory.mktemp("cache")), resize_masks=layout == "resized")
        except SeglabError:
            pass

    assert _finished_in_time(read, [fifo]), f"the read waited on {fifo.name}"
