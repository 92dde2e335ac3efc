"""HierText's ground truth (`gt/{train,validation}.jsonl.gz`: one gzipped JSON despite the name)
beside `train/`, `validation/` and `test/`, painted into text masks: legible words `text`,
illegible ones ignored, the split from the file's name, `test/` unlabelled. Pixels worked out by hand."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.errors import DataError

H, W = 20, 24


def box(x: int, y: int, w: int, h: int) -> list[list[int]]:
    return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]


def annotation(image_id: str, legible_line: bool = True) -> dict:
    """An image's hierarchy: a paragraph, a line of a legible word (4..9 x 2..5) and an illegible
    one (12..17 x 2..5), and a second line, all illegible when not `legible_line` (4..9 x 10..13)."""
    word = {"text": "abc", "legible": True, "handwritten": False, "vertical": False}
    first = {"vertices": box(3, 1, 16, 6), "text": "abc", "legible": True,
             "words": [{**word, "vertices": box(4, 2, 5, 3)}, {**word, "vertices": box(12, 2, 5, 3), "legible": False}]}
    second = {"vertices": box(3, 9, 8, 6), "legible": legible_line, "words": [{**word, "vertices": box(4, 10, 5, 3)}]}
    return {"image_id": image_id, "image_width": W, "image_height": H,
            "paragraphs": [{"vertices": box(2, 0, 18, 16), "legible": True, "lines": [first, second]}]}


def hiertext(root: Path, json_lines: bool = False) -> None:
    """The release's folders; `json_lines`: a `.jsonl` file of an annotation a line, unzipped."""
    (root / "gt").mkdir(parents=True)
    for split, ids in (("train", ["0a1", "0a2"]), ("validation", ["0b1"]), ("test", ["0c1", "0c2"])):
        (root / split).mkdir()
        for i, image_id in enumerate(ids):
            Image.fromarray(np.full((H, W, 3), 40 * i, np.uint8)).save(root / split / f"{image_id}.jpg")
        annotations = [annotation(i, legible_line=k == 0) for k, i in enumerate(ids)]
        if split == "test":
            continue
        if json_lines:
            (root / "gt" / f"{split}.jsonl").write_text("\n".join(json.dumps(a) for a in annotations) + "\n")
        else:
            with gzip.open(root / "gt" / f"{split}.jsonl.gz", "wt") as file:
                json.dump({"info": {"date": "release 2022-06", "version": "v1"}, "annotations": annotations}, file)


def expected(legible_line: bool) -> np.ndarray:
    mask = np.zeros((H, W), np.int64)
    mask[2:6, 4:10] = 1
    mask[2:6, 12:18] = 255
    mask[10:14, 4:10] = 1 if legible_line else 255
    return mask


@pytest.mark.parametrize("json_lines", [False, True])
def test_hiertext_words_paint_text_and_illegible_words_are_ignored(tmp_path, json_lines):
    """The `.jsonl.gz` files were not looked at: 'no known dataset layout', three image folders listed."""
    hiertext(tmp_path, json_lines)
    index = discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert index.format == "hiertext"
    assert index.classes.names == ("background", "text") and index.ignore_index == 255
    by_name = {p.image.name: p for p in index.pairs}
    assert sorted((name, p.split) for name, p in by_name.items()) == [("0a1.jpg", "train"), ("0a2.jpg", "train"),
                                                                      ("0b1.jpg", "val")]
    assert np.array_equal(read_mask(by_name["0a1.jpg"].mask, index.mapping), expected(True))
    assert np.array_equal(read_mask(by_name["0a2.jpg"].mask, index.mapping), expected(False))
    assert sorted(p.name for p in index.unlabelled) == ["0c1.jpg", "0c2.jpg"]


def test_a_hiertext_file_of_no_annotations_is_named(tmp_path):
    hiertext(tmp_path)
    with gzip.open(tmp_path / "gt" / "validation.jsonl.gz", "wt") as file:
        file.write('{"info": {}, "annotations": {"image_id": "0b1", "paragraphs": []}}\n')
    with pytest.raises(DataError, match="HierText file '.*validation.jsonl.gz' holds no annotations"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))


def test_a_hiertext_document_repeating_a_key_is_named_with_the_key(tmp_path):
    """One document whose object repeats a key: refused naming the key, where it was then read as
    JSON Lines and refused for a line that is no JSON (`Expecting property name`), the repeat unsaid."""
    hiertext(tmp_path)
    with gzip.open(tmp_path / "gt" / "validation.jsonl.gz", "wt") as file:
        file.write('{\n"info": {},\n"info": {},\n"annotations": [' + json.dumps(annotation("0b1")) + ']}\n')
    with pytest.raises(DataError, match=r"validation.jsonl.gz' cannot be read as JSON: Repeated key 'info'.*line 3"):
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))
