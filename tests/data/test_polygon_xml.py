"""XML and SVG files of class-named polygons beside the images, as ICDAR 2019 cTDaR (`<id>.xml` of
`<table>` `<Coords points>`) and eBDtheque (`GT/<page>.svg` of `<svg class="Panel">` polygons) ship
them: the outermost outlined elements painted by class, later over earlier. Before, both folders
found no known layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.errors import DataError

H, W = 24, 32


def points(x0: int, y0: int, x1: int, y1: int) -> str:
    return f"{x0},{y0} {x1},{y0} {x1},{y1} {x0},{y1}"


def scan(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((H, W, 3), 230, np.uint8)).save(path)


def ctdar(path: Path, image: str, tables: list[tuple[int, int, int, int]]) -> None:
    """A cTDaR file: each table outlined, and its four cells (Track B's structure) inside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = ""
    for x0, y0, x1, y1 in tables:
        xm = (x0 + x1) // 2
        cells = "".join(f'<cell start-row="0" start-col="{c}" end-row="0" end-col="{c}"><Coords points="{points(*box)}"/>'
                        "</cell>" for c, box in enumerate(((x0, y0, xm, y1), (xm, y0, x1, y1))))
        body += f'<table><Coords points="{points(x0, y0, x1, y1)}"/>{cells}</table>'
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<document filename="{image}">{body}</document>\n')


def test_ctdar_tables_are_painted_and_their_cells_are_not(tmp_path):
    """`training/TRACKA/ground_truth/` holds the scans and their XML (a folder named for masks that
    holds the images); the test set's XML lie in `test_ground_truth/TRACKA/`, naming their scans."""
    root = tmp_path / "ICDAR2019_cTDaR"
    for n in range(3):
        scan(root / "training" / "TRACKA" / "ground_truth" / f"cTDaR_t1000{n}.jpg")
        ctdar(root / "training" / "TRACKA" / "ground_truth" / f"cTDaR_t1000{n}.xml", f"cTDaR_t1000{n}.jpg",
              [(2, 2, 12, 10), (16, 12, 30, 22)])
    scan(root / "test" / "TRACKA" / "cTDaR_t10010.jpg")
    ctdar(root / "test_ground_truth" / "TRACKA" / "cTDaR_t10010.xml", "cTDaR_t10010.jpg", [(2, 2, 12, 10)])
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "polygon-xml" and index.classes.names == ("background", "table")
    assert sorted((p.image.name, p.split) for p in index.pairs) == [
        ("cTDaR_t10000.jpg", "train"), ("cTDaR_t10001.jpg", "train"), ("cTDaR_t10002.jpg", "train"),
        ("cTDaR_t10010.jpg", "test")]
    truth = np.zeros((H, W), np.int64)
    truth[2:11, 2:13] = 1
    truth[12:23, 16:31] = 1
    train = next(p for p in index.pairs if p.image.name == "cTDaR_t10000.jpg")
    np.testing.assert_array_equal(read_mask(train.mask, index.mapping), truth)


def ebdtheque_page(root: Path, page: str, groups: str, head: str = "") -> None:
    scan(root / "Pages" / f"{page}.jpg")
    (root / "GT").mkdir(parents=True, exist_ok=True)
    (root / "GT" / f"{page}.svg").write_text(
        f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>{head}\n<svg xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:xlink="http://www.w3.org/1999/xlink" width="{W}" height="{H}">'
        f'<image xlink:href="../Pages/{page}.jpg" width="{W}" height="{H}" x="0" y="0"/>'
        '<svg class="Page"><metadata><page ID="x"/></metadata></svg>' + groups + "</svg>\n")


def test_ebdtheque_svg_groups_name_their_polygons_classes(tmp_path):
    """eBDtheque's `GT/<page>.svg` links its page in `Pages/`; a balloon is painted over its panel,
    a text line over its balloon; a polygon no class names is left out."""
    root = tmp_path / "eBDtheque_database_v3"
    groups = (f'<svg class="Panel"><polygon points="{points(0, 0, 31, 23)}"><metadata><panel rank="0"/></metadata>'
              f'</polygon></svg><svg class="Balloon"><polygon points="{points(2, 2, 20, 12)}"/></svg>'
              f'<svg class="Line"><polygon points="4 4 16 4 16 8 4 8"/></svg>'
              f'<polygon points="{points(25, 15, 30, 20)}"/>')
    for page in ("CYB_COSMOZONE_010", "WARE_ACME_024"):
        ebdtheque_page(root, page, groups)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "polygon-xml" and index.classes.names == ("background", "balloon", "line", "panel")
    assert "2 shapes without area or class left out" in index.pairing[0]
    truth = np.full((H, W), 3, np.int64)
    truth[2:13, 2:21] = 1
    truth[4:9, 4:17] = 2
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), truth, err_msg=pair.name)


@pytest.mark.parametrize("side", ["100%", "\u00b2", "9" * 5000], ids=["a share", "a superscript digit", "5,000 digits"])
def test_an_svg_side_that_states_no_pixels_is_read_from_the_image(tmp_path, side):
    """An SVG's `width` that is no whole number of pixels (`100%`; `²`, a digit to `str.isdigit`
    that int() refuses; a number past int()'s 4,300 digits) states no size: the page's header
    gives it, where int() raised ValueError as a traceback."""
    root = tmp_path / "comics"
    ebdtheque_page(root, "page_1", f'<svg class="Panel"><polygon points="{points(0, 0, 31, 23)}"/></svg>')
    svg = root / "GT" / "page_1.svg"
    svg.write_text(svg.read_text().replace(f'width="{W}"', f'width="{side}"', 1))
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "polygon-xml" and len(index.pairs) == 1
    np.testing.assert_array_equal(read_mask(index.pairs[0].mask, index.mapping), np.ones((H, W), np.int64))


@pytest.mark.parametrize(("head", "groups", "said"), [
    ("", '<g class="Panel" transform="translate(4,0)"><polygon points="0,0 8,0 8,8"/></g>', "transform"),
    ('<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
     '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
     '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">]>',
     '<svg class="Panel"><polygon points="0,0 8,0 8,8"/><desc>&h;</desc></svg>', "cannot be read as XML"),
    ("", '<svg class="Panel"><polygon points="0,0 8,0 8,nan"/></svg>', r"<polygon> 1 \(panel\).*coordinate nan"),
], ids=["a transform", "an entity bomb", "a NaN point"])
def test_a_file_seglab_cannot_paint_faithfully_is_refused_naming_it(tmp_path, head, groups, said):
    root = tmp_path / "comics"
    ebdtheque_page(root, "page_1", groups, head)
    with pytest.raises(DataError, match=rf"page_1\.svg.*{said}"):
        discover(root, format="polygon-xml", cache_dir=str(tmp_path / "cache"))


def test_svg_files_that_name_no_image_are_no_dataset_of_this_kind(tmp_path):
    """CubiCasa5k's plan folders: `high_quality/1000/F1_original.png` beside `model.svg`, whose
    class-named polygons outline the plan but whose name is no image's. Read as polygon-xml, the
    end of the search was "no image/mask pairs found (polygon-xml layout)"; no file here is named
    as an image, so the layout steps aside and the refusal lists what it saw."""
    for plan in ("1000", "1037"):
        scan(tmp_path / "high_quality" / plan / "F1_original.png")
        scan(tmp_path / "high_quality" / plan / "F1_scaled.png")
        (tmp_path / "high_quality" / plan / "model.svg").write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}"><g class="Space Kitchen">'
            f'<polygon points="{points(2, 2, 20, 12)}"/></g><g class="Wall"><polygon points="{points(0, 0, 31, 1)}"/>'
            "</g></svg>\n")
    with pytest.raises(DataError) as refused:
        discover(tmp_path, cache_dir=str(tmp_path / "cache"))
    assert "polygon-xml layout" not in str(refused.value)
