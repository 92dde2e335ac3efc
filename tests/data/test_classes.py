from __future__ import annotations

import json
import logging
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from seglab.data.classes import (
    BACKGROUND_COLOUR,
    ERROR_COLOUR,
    ClassSpec,
    classes_from_colour_csv,
    classes_from_colour_map,
    classes_from_colour_names,
    default_colours,
    is_void,
    json_colour,
    load_classes_file,
    value_names_from_csv,
    value_names_from_ontology,
)
from seglab.data import discover, read_mask
from seglab.data.classes.readme_colours import classes_from_readme
from seglab.data.classes.readme_values import value_names_from_readme
from seglab.data.classes.stac_labels import value_names_from_stac
from seglab.errors import DataError
from seglab.reports.plots import overlay


def test_default_colours_are_distinct_never_black_and_far_from_the_error_red():
    colours = default_colours(256)
    assert len(set(colours)) == 256
    assert all(sum(c) >= 120 for c in colours)  # no class looks unlabelled
    assert all(sum((a - b) ** 2 for a, b in zip(c, ERROR_COLOUR)) >= 90**2 for c in colours)
    assert all(len(c) == 3 and all(0 <= v <= 255 for v in c) for c in colours)
    assert default_colours(0) == ()


def test_a_background_class_is_light_grey_and_drawn_faint():
    spec = ClassSpec(("white matter", "gray matter", "background"))
    assert spec.colours[2] == BACKGROUND_COLOUR and spec.background == 2
    assert len(set(spec.colours)) == 3
    assert ClassSpec(("road", "car")).background is None
    image = np.full((1, 2, 3), 100, np.uint8)
    shown = overlay(image, np.array([[0, 2]]), spec.colours, alpha=0.8, faint=spec.background)
    moved = np.abs(shown.astype(int) - 100).sum(axis=-1)[0]
    assert moved[1] < moved[0] / 2  # the background barely tints the image; a tissue class does


def test_named_background_is_the_class_a_name_says_not_trainings_overlay_fill():
    assert ClassSpec(("cell", "Background")).named_background == 1
    filled = ClassSpec(("road", "car"), background=0)  # training's most common class, drawn faint
    assert filled.background == 0 and filled.named_background is None
    assert ClassSpec(("background", "road"), background=1).named_background == 0


def test_classspec_generates_colours_and_round_trips_through_json():
    spec = ClassSpec(names=("a", "b", "c"), ignore_index=255)
    assert spec.num_classes == 3
    assert spec.colours == default_colours(3)
    again = ClassSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec


def test_classspec_accepts_lists():
    spec = ClassSpec.from_dict({"names": ["x", "y"], "colours": [[1, 2, 3], [4, 5, 6]]})
    assert spec.names == ("x", "y") and spec.colours == ((1, 2, 3), (4, 5, 6))
    assert spec.ignore_index is None


@pytest.mark.parametrize(
    "values, message",
    [
        ({"names": []}, "at least one"),
        ({"names": "abc"}, "list of strings"),
        ({"names": ["a", "a"]}, "unique"),
        ({"names": ["a", ""]}, "non-empty"),
        ({"names": ["a", "b"], "colours": [[0, 0, 0]]}, "1 colours for 2"),
        ({"names": ["a"], "colours": [[0, 0, 300]]}, "0-255"),
        ({"names": ["a"], "colours": [[0, 0]]}, "[r, g, b]"),
        ({"names": ["a"], "ignore_index": "x"}, "ignore_index"),
        ({"names": ["a"], "colors": []}, "unknown keys"),
        ({"colours": []}, "missing 'names'"),
    ],
)
def test_classspec_rejects_bad_values(values, message):
    with pytest.raises(ValueError, match=message):
        ClassSpec.from_dict(values)


def test_load_classes_file(tmp_path):
    path = tmp_path / "classes.json"
    path.write_text(json.dumps({"names": ["bg", "fg"], "ignore_index": 255}))
    spec = load_classes_file(path)
    assert spec.names == ("bg", "fg") and spec.ignore_index == 255


def test_supervisely_class_lists_are_read(tmp_path):
    # the Dubai aerial imagery ships Supervisely's class list as its classes.json, beside colour masks
    root = tmp_path / "Semantic segmentation dataset"
    entries = [("Water", "#E2A929"), ("Building", "#3C1098"), ("Unlabeled", "#9B9B9B")]
    root.mkdir()
    (root / "classes.json").write_text(json.dumps({"classes": [
        {"title": t, "shape": "polygon", "color": c, "geometry_config": {}, "id": i, "hotkey": ""}
        for i, (t, c) in enumerate(entries)], "tags": []}))
    spec = load_classes_file(root / "classes.json")
    assert spec.names == ("Water", "Building", "Unlabeled")
    assert spec.colours == ((226, 169, 41), (60, 16, 152), (155, 155, 155))
    rgb = np.array(spec.colours, np.uint8)
    for tile in (1, 2):
        label = np.arange(12 * 16).reshape(12, 16) % 3
        for folder, array in (("images", np.full((12, 16, 3), 40 * tile, np.uint8)), ("masks", rgb[label])):
            (root / f"Tile {tile}" / folder).mkdir(parents=True)
            Image.fromarray(array).save(root / f"Tile {tile}" / folder / "image_part_001.png")
    index = discover(root)
    assert index.mapping.kind == "colour" and len(index.pairs) == 2
    assert np.array_equal(read_mask(index.pairs[0].mask, index.mapping), label)


def test_a_supervisely_export_names_its_machine_masks(tmp_path):
    # Supervisely's "export to masks": img/ + masks_machine/ (class values) + masks_human/ (colours),
    # and obj_class_to_machine_color.json giving each class its grey value
    root = tmp_path / "my_project"
    root.mkdir()
    (root / "obj_class_to_machine_color.json").write_text(json.dumps({"road": [2, 2, 2], "car": [1, 1, 1]}))
    label = np.arange(8 * 9).reshape(8, 9) % 3
    for name in ("frame_000", "frame_001"):
        for folder, array in (("img", np.full((8, 9, 3), 50, np.uint8)),
                              ("masks_machine", np.stack([label] * 3, -1).astype(np.uint8)),
                              ("masks_human", np.array([[0, 0, 0], [255, 0, 0], [0, 0, 255]], np.uint8)[label])):
            (root / "ds0" / folder).mkdir(parents=True, exist_ok=True)
            Image.fromarray(array).save(root / "ds0" / folder / f"{name}.png")
    for index in (discover(root, masks="masks_machine"), discover(root)):  # masks_human steps aside
        assert index.classes is not None and index.classes.names == ("background", "car", "road")
        assert index.pairs[0].mask.parent.name == "masks_machine"
        assert np.array_equal(read_mask(index.pairs[0].mask, index.mapping), label)


def test_a_supervisely_colour_must_be_hex(tmp_path):
    path = tmp_path / "classes.json"
    path.write_text(json.dumps({"classes": [{"title": "Water", "color": "blue"}]}))
    with pytest.raises(DataError, match="class 'Water' has colour 'blue', not #rrggbb"):
        load_classes_file(path)



def test_an_id_to_name_classes_json_names_the_mask_values(tmp_path):
    """A webdataset set unpacked (`train_000000.jpg` + `train_000000.seg.png`) with Hugging Face's
    `id2label` saved as classes.json, `{"0": "background", "1": "road", ...}`: refused as unknown keys."""
    id2label = {"0": "background", "1": "road", "2": "car"}
    (tmp_path / "classes.json").write_text(json.dumps(id2label))
    label = np.arange(8 * 9).reshape(8, 9) % 3
    for key in ("train_000000", "train_000001"):
        Image.fromarray(np.full((8, 9, 3), 50, np.uint8)).save(tmp_path / f"{key}.jpg")
        Image.fromarray(label.astype(np.uint8)).save(tmp_path / f"{key}.seg.png")
    index = discover(tmp_path)
    assert index.classes is not None and index.classes.names == ("background", "road", "car")
    assert np.array_equal(read_mask(index.pairs[0].mask, index.mapping), label)


@pytest.mark.parametrize(
    "values, message",
    [
        ({"0": "background", "1": "road", "255": "void"},
         r"class ids 0, 1, 255 are not 0 to 2: .*\{\"names\": \[...\], \"ignore_index\": 255\}"),
        ({"0": "background", "1": 2}, "unknown keys"),  # other shapes keep the message that exists
        ({"background": "0"}, "missing .names."),
    ],
)
def test_an_id_to_name_classes_json_needs_ids_0_to_k(tmp_path, values, message):
    path = tmp_path / "classes.json"
    path.write_text(json.dumps(values))
    with pytest.raises(DataError, match=message):
        load_classes_file(path)

@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1, 2]",
        '{"names": ["a"], "colours": [[1, 2, 3], [4, 5, 6]]}',
        '{"labels": ["a"]}',
        '{"names": [1, 2]}',
    ],
)
def test_bad_classes_file_names_the_file(tmp_path, text):
    path = tmp_path / "classes.json"
    path.write_text(text)
    with pytest.raises(DataError, match="classes.json"):
        load_classes_file(path)


def test_missing_classes_file(tmp_path):
    with pytest.raises(DataError, match="nothere.json.*does not exist"):
        load_classes_file(tmp_path / "nothere.json")


def test_background_round_trips_and_defaults_to_the_most_common_class(tiny_dataset):
    from seglab.data import discover, resolve_classes, scan

    spec = ClassSpec(("road", "car"), background=1)
    assert ClassSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ValueError, match="'background' must be a class index 0-1"):
        ClassSpec(("road", "car"), background=2)
    index = discover(tiny_dataset)
    index.classes = ClassSpec(("a", "b", "c", "d"))  # no name says background
    stats = scan(index)
    most = max(range(4), key=lambda c: stats.mask_values.get(c, 0))
    assert resolve_classes(index, stats).background == most


def test_value_names_from_a_name_and_index_csv_take_the_first_synonym(tmp_path):
    path = tmp_path / "objectInfo150.csv"
    path.write_text("Idx,Ratio,Train,Val,Name\n1,0.15,11664,1172,wall\n2,0.1,5832,586,building;edifice\n"
                    "3,0.1,1,1,screen;silver screen\n4,0.1,1,1,screen;crt screen\n")
    found = value_names_from_csv(path)
    assert found is not None and found.path == path
    # the first name of a synonym list, unless two values would share it
    assert found.names == {1: "wall", 2: "building", 3: "screen;silver screen", 4: "screen;crt screen"}


@pytest.mark.parametrize("first", [",label_list", "Unnamed: 0,label_list"], ids=["to_csv", "read and written again"])
def test_a_list_of_names_pandas_wrote_with_its_index_names_the_values(tmp_path, first):
    """People Clothing Segmentation's labels.csv (`pd.Series(names, name="label_list").to_csv()`):
    its index column has no name, so no index column was found and its 59 names were unread."""
    (tmp_path / "labels.csv").write_text(f"{first}\n0,null\n1,accessories\n2,bag\n")
    found = value_names_from_csv(tmp_path / "labels.csv")
    assert found is not None and found.names == {0: "null", 1: "accessories", 2: "bag"}
    assert found.voids == ()  # its 0 'null' is nothing there, the background; AI4Mars' 255 'NULL' is void


@pytest.mark.parametrize("text", ["name,r,g,b\nsky,1,2,3\n", "Idx,Name\n", "image,mask\na.png,a_mask.png\n",
                                  ",pixels\n0,1200\n1,35.5\n"],
                         ids=["class_dict", "no rows", "a manifest", "a pandas column of numbers"])
def test_csvs_that_do_not_name_values_are_passed_over(tmp_path, text):
    (tmp_path / "a.csv").write_text(text)
    assert value_names_from_csv(tmp_path / "a.csv") is None


@pytest.mark.parametrize(("text", "message"), [("Idx,Name\n1,wall\nx,sky\n", "row 3: expected an integer idx"),
                                               ("Idx,Name\n1,wall\n1,sky\n", "row 3: idx 1 named before"),
                                               ("Desc,Label,Gray\nbg,0,0\ncrack,0,255\n", "row 3: label 0 given before"),
                                               ("Desc,Label,Gray\nbg,0,0\ncrack,x,255\n",
                                                "row 3: expected an integer gray and label"),
                                               ("Name,Id\nbackground,0\ncat,-1\n", "row 3: id -1 is no mask value"),
                                               ("Desc,Label,Gray\nbg,0,0\ncrack,-3,255\n",
                                                "row 3: label -3 is no class id"),
                                               ("Desc,Label,Gray\nbg,0,0\ncrack,1,-1\n",
                                                "row 3: gray -1 is no mask value"),
                                               ("Name,Id\nbackground,0\ncat,65536\n",
                                                "row 3: id 65536 is no mask value")])
def test_bad_value_name_rows_are_refused_naming_file_and_row(tmp_path, text, message):
    (tmp_path / "names.csv").write_text(text)
    with pytest.raises(DataError, match=f"names.csv', {message}"):
        value_names_from_csv(tmp_path / "names.csv")


@pytest.mark.parametrize(("text", "names"), [
    ("classname,red,green,blue\nunlabeled,0,0,0\nsky,70,130,180\nroad,128,64,128\n", ("sky", "road")),
    ("Class_Name, Hex\nsky,#4682b4\nroad,804080\n", ("sky", "road")),
    ("name,r,g,b\nsky,70,130,180\nroad,128,64,128\n", ("sky", "road")),
    ("id,name,r,g,b\n0,sky,70,130,180\n1,road,128,64,128\n", None),  # numbers mask values
    ("frame,m00\n0,1\n", None),  # VIPER's camera CSVs
], ids=["VIPER's", "hex", "class_dict's", "an index column", "no table"])
def test_csvs_whose_columns_name_classes_and_colours_are_colour_tables(tmp_path, text, names):
    (tmp_path / "classes.csv").write_text(text)
    spec = classes_from_colour_csv(tmp_path / "classes.csv")
    assert (spec and spec.names) == names
    if spec is not None:
        assert spec.colours[0] == (70, 130, 180) and spec.void_colours == (((0, 0, 0),) if "unlabeled" in text else ())


@pytest.mark.parametrize(("values", "names"), [
    ({"others": 0, "wall": 1, "ceiling": 2}, {0: "others", 1: "wall", 2: "ceiling"}),  # VSPW's
    ({"0": "background", "1": "car"}, {0: "background", 1: "car"}),
    ({"width": 640, "height": 480}, None),  # a gap: no names of values
    ({"train": 0, "val": True}, None),
    ({"only": 0}, None),
], ids=["names to values", "values to names", "a gap", "a flag", "one name"])
def test_a_json_of_names_and_values_names_the_mask_values(tmp_path, values, names):
    from seglab.data.classes import value_names_from_label_json

    (tmp_path / "labels.json").write_text(json.dumps(values))
    found = value_names_from_label_json(tmp_path / "labels.json")
    assert (found and found.names) == names


def test_void_names_are_the_ones_datasets_score_in_no_class():
    voids = ("void", " Unlabeled", "unlabelled", "outside_roi", "Ambiguous", "exclude", "ignore", "don't care",
             "NULL", "no label")  # AI4Mars' 255
    assert all(is_void(n) for n in voids)
    assert not any(is_void(n) for n in ("background", "_background_", "voids", "outside", "Unlabeled car"))


@pytest.mark.parametrize(("name", "text"), [
    ("colormap.txt", "0 0 0\n128 0 0\n"),  # a colour map without names
    ("colormap.txt", ""),
    ("class_list.json", '["car", "road"]'),  # a class list of another shape
    ("class_list.json", '{"car": "#ff0000"}'),
    ("class_list.json", "not json"),
    ("class_list.json", '[{"id": 1, "name": "car", "color": [255, 0, 0]}]'),  # COCO panoptic's ids, from 1
    ("class_list.json", '[{"name": "car", "color": [255, 0, 0], "classid": 0}, {"name": "road", "classid": 1}]'),
    ("class_list.json", '[{"name": "car", "color": [300, 0, 0]}, {"name": "road", "color": [0, 0, 255]}]'),
    ("class_list.json", '[{"name": "car", "color": [true, 0, 0]}, {"name": "road", "color": [0, 0, 255]}]'),
    ("ontology.yaml", "- car\n- road\n"),
    ("ontology.yaml", "{0: void}\n"),  # one name: no table
    ("ontology.yaml", "{0: void, x: car}\n"),
], ids=["unnamed colours", "empty", "a list", "names to colours", "no json", "ids from 1", "no colour",
        "a colour beyond a byte", "a boolean channel", "yaml list", "one name", "a word id"])
def test_class_tables_of_another_shape_are_passed_over(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    read = {"colormap.txt": classes_from_colour_map, "class_list.json": classes_from_colour_names,
            "ontology.yaml": value_names_from_ontology}[name]
    assert read(tmp_path / name) is None


@pytest.mark.parametrize("text", [
    "Classes and colours: void (255,255,255), road (128, 64, 128), car (0,0,142) and tree [107,142,35].\n",
    "# Labels\n\n- void: 255, 255, 255\n- road: 128,64,128 (drivable)\n\n- car: 0,0,142\n- tree: 107,142,35\n",
    "Colour codes\n0 unlabelled 255 255 255\n1 road 128 64 128\n2 car 0 0 142\n3 tree 107 142 35\n",
    "void 255 255 255, road 128 64 128; car 0 0 142, tree 107 142 35\n",
], ids=["in a line", "a list", "name r g b lines", "name r g b in a line"])
def test_a_readme_lists_classes_beside_their_rgb_numbers(tmp_path, text):
    (tmp_path / "README.md").write_text(text)
    classes = classes_from_readme(tmp_path / "README.md")
    assert classes.names == ("road", "car", "tree")
    assert classes.colours == ((128, 64, 128), (0, 0, 142), (107, 142, 35))
    assert classes.void_colours == ((255, 255, 255),) and classes.ignore_index == 255


@pytest.mark.parametrize("text", [
    "Tiles are cut with a stride of (1, 2, 3) pixels.\n",
    "Normalise with\nmean: 123, 116, 103\nstd: 58, 57, 57\n",
    "We report the mean (123, 116, 103) and the std (58, 57, 57) of ImageNet, and the scale (1, 2, 3).\n",
    "Note: 1, 2, 3 images\nTip: 4, 5, 6 more\nAlso: 7, 8, 9 here\n",
    "| split | train | val | test |\n|---|---|---|---|\n| tiles | 120 | 30 | 45 |\n| masks | 12 | 3 | 4 |\n"
    "| areas | 2 | 1 | 1 |\n",
    "a (300, 1, 1), b (1, 2, 3), c (4, 5, 6)\n",
], ids=["one triple", "mean and std", "prose", "numbers in sentences", "a table of counts", "beyond 255"])
def test_numbers_in_a_readmes_prose_are_no_class_table(tmp_path, text):
    (tmp_path / "README.txt").write_text(text)
    assert classes_from_readme(tmp_path / "README.txt") is None


def test_a_readme_of_many_megabytes_is_read_up_to_a_cap_with_a_warning_naming_it(tmp_path, caplog):
    """AI4Mars' README.txt names its labels in its first line. A README was read whole, however
    large, by the README readers and by the class tables every .txt beside the masks is tried as
    (a 2 GB file of that name held 2 GB, then its text): its head is read, and a warning names it."""
    for k in range(4):
        mask = np.zeros((16, 16), np.uint8)
        mask[:, 4:8], mask[:, 8:12], mask[:, 12:], mask[:2] = 1, 2, 3, 255
        for folder, picture in (("images", mask // 2 + 40 + k), ("labels", mask)):
            (tmp_path / folder).mkdir(exist_ok=True)
            Image.fromarray(picture).save(tmp_path / folder / f"img{k}.png")
    readme = tmp_path / "README.txt"
    readme.write_text("Labels: 0 soil, 1 bedrock, 2 sand, 3 big rock, 255 NULL (no label).\n")
    with readme.open("r+b") as file:
        file.truncate(32 << 20)  # 32 MB, sparse: NULs past the labels
    tracemalloc.start()
    try:
        with caplog.at_level(logging.WARNING, logger="seglab.data.classes"):
            index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))  # was: 'field larger than field limit'
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert index.classes.names == ("soil", "bedrock", "sand", "big rock") and peak < 16 << 20
    assert caplog.text.count(f"'{readme}' is larger than") == 1


MARS = {0: "soil", 1: "bedrock", 2: "sand", 3: "big rock"}
ORGANS = {1: "pancreas", 2: "kidney", 3: "liver"}


@pytest.mark.parametrize(("text", "names"), [
    ("AI4Mars terrain classification. Labels: 0 soil, 1 bedrock, 2 sand, 3 big rock, 255 NULL (no label).\n"
     "images/rng-30m: range masks (1 = beyond 30 m).\n", {**MARS, 255: "NULL"}),
    ("CURVAS: 3 annotations per CT. Labels 1 pancreas, 2 kidney, 3 liver.\n", ORGANS),
    ("The classes are 1 pancreas, 2 kidney and 3 liver.\n", ORGANS),
    ("## Classes\n\n0: soil\n1: bedrock\n\n2 - sand\n3 = big rock\n\nImages are 1024 px wide.\n", MARS),
    ("label 1 = pancreas\nlabel 2 = kidney\nlabel 3 = liver\n", ORGANS),
    ("### Labels\n- 1 pancreas\n- 2 kidney\n* 3 liver.\n", ORGANS),
    ("| Value | Class | Colour |\n|---:|---|---|\n| 0 | soil | brown |\n| 1 | bedrock | grey |\n| 2 | sand | tan |\n"
     "| 3 | big rock | black |\n", MARS),
    ("| Organ | Label |\n|---|---|\n| pancreas | 1 |\n| kidney | 2 |\n| liver | 3 |\n", ORGANS),
    ("# ATLANTIS\n56 labels (35 waterbody + 21 general); masks hold ids 1..56, 0 unlabelled.\n", {0: "unlabelled"}),
], ids=["a list after Labels:", "after Labels", "in a sentence", "lines below a heading", "label n = name",
        "a bulleted list", "a table", "a table, values second", "a void alone"])
def test_a_readme_names_the_mask_values_in_its_text(tmp_path, text, names):
    """AI4Mars' README.txt, CURVAS' and CMRxMotion's README.md name their label values in a line of
    text, which no reader took: the classes were class_0 ... class_3. A void the masks hold
    (ATLANTIS' 0 'unlabelled') is read alone, a void to ignore."""
    (tmp_path / "README.md").write_text(text)
    found = value_names_from_readme(tmp_path / "README.md")
    assert found is not None and found.names == names
    assert found.voids == tuple(v for v, name in names.items() if name in ("NULL", "unlabelled"))


@pytest.mark.parametrize("text", [
    "TIGER training data. Tissue labels: 0 unannotated (exclude), 1 tumor, 2 stroma, 3 rest\n",
    "# Labels\n\n- 0: unannotated\n- 1: tumor\n\n- 2: stroma\n- 3: rest\n",
    "Mask values\n0 = void (ignore)\n1 = tumor\n2 = stroma\n3 = rest\n",
    "Classes: 0 other (exclude), 1 tumor, 2 stroma, 3 rest\n",
], ids=["in a line", "a list", "lines of value = name", "a remark alone"])
def test_a_readme_names_the_mask_values_and_the_one_to_ignore(tmp_path, text):
    """TIGER's README names its tissue masks' 0 `unannotated (exclude)`: a name or a remark in
    parentheses calling a value void makes it the ignore label, not a class trained as `unannotated`."""
    (tmp_path / "README.md").write_text(text)
    names = value_names_from_readme(tmp_path / "README.md")
    assert names.names == {0: names.names[0], 1: "tumor", 2: "stroma", 3: "rest"} and names.voids == (0,)


@pytest.mark.parametrize("text", [
    "Tiles are cut with a stride of (1, 2, 3) pixels.\n",
    "Note: 1, 2, 3 images\nTip: 4, 5, 6 more\nAlso: 7, 8, 9 here\n",
    "| split | train | val | test |\n|---|---|---|---|\n| tiles | 120 | 30 | 45 |\n| masks | 12 | 3 | 4 |\n",
    "| Class | Count |\n|---|---|\n| car | 120 |\n| road | 30 |\n",
    "We trained 3 models with 2 GPUs, 4 nodes.\n",
    "Hardware\n- 1 GPU\n- 16 GB RAM\n",
    "2019 first release\n2020 second release\n",
    "Labels: 0 soil, 1 bedrock and the rest is sand.\n",
    "Labels: 1 car, 1 van.\n",
    "Of the images, 12 unlabelled.\n",
    "We used 3 images, 4 masks and 5 folds.\n",
    "Steps: 1 download, 2 unzip, 4 train\n",
    "Note: 1 cat, 1 dog, 2 birds\n",
    "0 road, 1 car\n",
    "MMOTU: 0 Chocolate cyst, 1 Serous cystadenoma, 2 Teratoma, 3 Theca cell tumor\n",  # a tumour type per image
], ids=["a triple", "numbers in sentences", "a table of counts", "counts by class", "prose", "a list of hardware",
        "a changelog", "a list running into prose", "a value named twice", "a count of images", "counts in prose",
        "numbered steps", "a value twice, unintroduced", "two entries, unintroduced", "image classes from 0"])
def test_numbers_in_a_readmes_prose_name_no_mask_values(tmp_path, text):
    (tmp_path / "README.txt").write_text(text)
    assert value_names_from_readme(tmp_path / "README.txt") is None


CROPS = ["1: Wheat", "2: Mustard", "4: No Crop", "36: Rice"]


@pytest.mark.parametrize(("collection", "item"), [
    ({"type": "Collection", "summaries": {"label:classes": [{"name": "raster_labels", "classes": CROPS}]}}, None),
    ({"type": "Collection"}, {"type": "Feature", "properties": {"label:classes": [{"name": None, "classes": CROPS}]}}),
], ids=["the collection's summaries", "its first item's properties"])
def test_stac_label_classes_name_the_label_rasters_values(tmp_path, collection, item):
    """AgriFieldNet's STAC label collection lists its crop ids as `label:classes` (`"1: Wheat"`,
    ...): they were not read, and the ids up to 36 made class_0 ... class_16 and a fatal 36."""
    (tmp_path / "collection.json").write_text(json.dumps(collection))
    if item is not None:
        (tmp_path / "labels_a1b2c").mkdir()
        (tmp_path / "labels_a1b2c" / "stac.json").write_text(json.dumps(item))
    found = value_names_from_stac(tmp_path / "collection.json")
    assert found is not None and found.names == {1: "Wheat", 2: "Mustard", 4: "No Crop", 36: "Rice"}


@pytest.mark.parametrize("stac", [
    {"type": "Collection", "summaries": {"label:classes": [{"name": "crop", "classes": ["Wheat", "Mustard"]}]}},
    {"type": "Collection", "summaries": {"label:classes": [{"name": "crop", "classes": [1, 2, 4]}]}},
    {"type": "Collection", "summaries": {"label:classes": [{"name": "crop", "classes": ["1: Wheat", "Mustard"]}]}},
    {"type": "Collection", "summaries": {"label:classes": "1: Wheat"}},
    {"type": "Catalog", "summaries": {"label:classes": [{"name": "crop", "classes": CROPS}]}},
    {"type": "Collection"},
], ids=["bare names", "bare values", "a name unnumbered", "no list", "a catalog", "none"])
def test_stac_classes_without_numbered_names_name_no_values(tmp_path, stac):
    (tmp_path / "collection.json").write_text(json.dumps(stac))
    assert value_names_from_stac(tmp_path / "collection.json") is None


@pytest.mark.parametrize(("value", "colour"), [
    ([0, 128, 255], (0, 128, 255)), ("#0080fF", (0, 128, 255)),
    ([True, 0, 0], None), ([0, False, 0], None),  # JSON's true is no channel value, though Python counts it 1
    ([256, 0, 0], None), ([0, -1, 0], None), ([0.0, 0, 0], None), (["0", 0, 0], None),
    ([0, 0], None), ([0, 0, 0, 0], None), ((0, 0, 0), None), ("#0080f", None), ("0080ff", None), ("red", None),
    (None, None), (7, None), ({"r": 0, "g": 0, "b": 0}, None),
])
def test_json_colours_are_three_bytes_or_hex_and_nothing_else(value, colour):
    """One reading for a JSON class list's colours and COCO panoptic's categories, which parted at
    the edges: the panoptic one took `true` for 1, the class list's left the range to ClassSpec."""
    assert json_colour(value) == colour


@pytest.mark.parametrize(("text", "message"), [
    ("0 void 0 0 0\n1 dirt 108 64 20\n1 sand 255 229 204\n", "line 3: id 1 given before"),
    ("0 void 0 0 0\n1 dirt 300 64 20\n", "colour must be \\[r, g, b\\] with integers 0-255"),
    ("0 void 0 0 0\n", "must list at least one class"),
], ids=["an id twice", "beyond 255", "only void"])
def test_bad_colour_map_lines_are_refused_naming_file_and_line(tmp_path, text, message):
    (tmp_path / "colormap.txt").write_text(text)
    with pytest.raises(DataError, match=f"colormap.txt'.*{message}"):
        classes_from_colour_map(tmp_path / "colormap.txt")


def test_a_colour_map_reads_names_with_spaces_in_id_order(tmp_path):
    (tmp_path / "colormap.txt").write_text("2 picnic table 114 85 47\n0 void 0 0 0\n1 dirt 108 64 20\n")
    spec = classes_from_colour_map(tmp_path / "colormap.txt")
    assert spec.names == ("dirt", "picnic table") and spec.void_colours == ((0, 0, 0),) and spec.ignore_index == 255


def test_labels_the_classes_do_not_name_are_refused_naming_five_in_order():
    from seglab.data.classes import refuse_unnamed, tool_classes

    spec, value = tool_classes(["a", "b"], None, "test", False, ClassSpec(("background", "a")))
    refuse_unnamed(["a"], value, spec, "shapes use labels")  # every label named: nothing to say
    used = ["z", "a", "y", "x", "w", "v", "u"]
    with pytest.raises(DataError, match=r"^shapes use labels z, y, x, w, v that the classes \(background, a\) do not "
                                        r"name; add them$"):
        refuse_unnamed(used, value, spec, "shapes use labels", "; add them")


def test_machine_colour_json_of_other_values_names_nothing(tmp_path):
    """A JSON of lists holding dicts (a hostile property test's find: `{"car": [{}, {}, {}]}`)
    raised TypeError ('unhashable type') instead of being passed over."""
    from seglab.data.classes import value_names_from_label_json

    path = tmp_path / "obj_class_to_machine_color.json"
    path.write_text(json.dumps({"car": [{}, {}, {}], "road": [[1], [1], [1]]}))
    assert value_names_from_label_json(path) is None


def test_tool_labels_named_void_are_ignored_and_case_variants_merged(caplog):
    """Every annotation tool's labels (CVAT, Supervisely, VIA...): `void` is the ignore label,
    `Car` and `car` one class, a log line naming the spellings; a classes.json keeps them as named."""
    from seglab.data.classes import tool_classes

    with caplog.at_level("INFO"):
        spec, value = tool_classes(["Car", "car", "Don't care", "road-side", "road side"], None, "test", False)
    assert spec.names == ("background", "car", "road-side") and spec.ignore_index == 255
    assert value == {"background": 0, "car": 1, "Car": 1, "road-side": 2, "road side": 2, "Don't care": 255}
    assert "labels 'Car', 'car' are one class, 'car'" in caplog.text
    spec, value = tool_classes(["void", "car"], None, "test", False, ClassSpec(("background", "void", "car")))
    assert value["void"] == 1 and spec.ignore_index is None


def test_a_classes_json_keeps_the_labels_it_names_and_reads_the_others_as_without_it():
    """A run's classes.json names the classes training found: a spelling it does not name is its
    look-alike's class, a void label it does not name the ignore label (HuBMAP's `unsure`)."""
    from seglab.data.classes import tool_classes

    spec, value = tool_classes(["Void", "void", "Car", "unsure"], None, "test", False,
                               ClassSpec(("background", "void", "car")))
    assert value == {"background": 0, "void": 1, "Void": 1, "car": 2, "Car": 2, "unsure": 255}
    assert spec.names == ("background", "void", "car") and spec.ignore_index == 255


@pytest.mark.parametrize("text, count, names", [
    ("Labels: 7 land-cover classes, one band each: impervious surface, agriculture, forest & other vegetation, "
     "wetlands, soil, water, snow & ice.\n", 7, ("impervious surface", "agriculture", "forest & other vegetation",
                                               "wetlands", "soil", "water", "snow & ice")),
    ("The 3 classes: road, building and water\n", 3, ("road", "building", "water")),
    ("Labels: 7 land-cover classes, one band each: impervious surface, agriculture.\n", 7, None),  # 2 listed, not 7
    ("Trained 5 epochs on 4 classes: road, building, water, tree.\n", 3, None),  # another count than the bands'
    ("We thank the 2 annotators: Alice, who labelled the towns, and Bob, who did the forests.\n", 2, None),
])
def test_a_readme_sentence_counting_the_classes_names_the_bands(tmp_path, text, count, names):
    """DynamicEarthNet's one-hot bands are named only in prose: a count of classes, then as many names."""
    from seglab.data.classes.readme_names import readme_class_names

    (tmp_path / "README.txt").write_text(text)
    assert readme_class_names(tmp_path / "README.txt", count) == names


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_class_list_saved_as_utf16_with_its_mark_names_the_values(tmp_path, encoding):
    """labelme2voc's class_names.txt saved by Windows Notepad as "Unicode" (UTF-16, led by its
    byte-order mark, little-endian; "Unicode big endian" too): it was read as no text, its names
    lost, and inspect refused it as a class list that cannot be read."""
    for k in range(3):
        (tmp_path / "images").mkdir(exist_ok=True)
        (tmp_path / "masks").mkdir(exist_ok=True)
        Image.fromarray(np.full((8, 8, 3), 40 * k, np.uint8)).save(tmp_path / "images" / f"p{k}.png")
        Image.fromarray(np.repeat(np.arange(3, dtype=np.uint8), [16, 16, 32]).reshape(8, 8)).save(
            tmp_path / "masks" / f"p{k}.png")
    (tmp_path / "class_names.txt").write_bytes("\ufeff_background_\r\n道路\r\ncar\r\n".encode(encoding))
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert index.classes is not None and index.classes.names == ("_background_", "道路", "car")
