"""PAGE XML, the document layout standard, as PRImA's Layout Analysis Dataset ships it
(`Images/<id>.tif` + `XML/pc-<id>.xml`), in the 2019 and 2010 schemas: a class per region
element, regions painted later over earlier. Before, such folders found no known layout."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seglab.data import discover, read_mask
from seglab.errors import DataError

H, W = 24, 32
NAMESPACES = {"2019": "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15",
              "2010": "http://schema.primaresearch.org/PAGE/gts/pagecontent/2010-03-19"}


def coords(x0: int, y0: int, x1: int, y1: int, schema: str) -> str:
    """A box's outline as the schema writes it: `points`, or PAGE 2010's `<Point>` children."""
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    if schema == "2010":
        return "<Coords>" + "".join(f'<Point x="{x}" y="{y}"/>' for x, y in corners) + "</Coords>"
    return '<Coords points="' + " ".join(f"{x},{y}" for x, y in corners) + '"/>'


def page(path: Path, image: str, regions: str, schema: str = "2019") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    named = f' imageFilename="{image}"' if image else ""
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<PcGts xmlns="{NAMESPACES[schema]}" pcGtsId="pc-1">'
                    f"<Metadata><Creator>PRImA</Creator></Metadata>"
                    f'<Page{named} imageWidth="{W}" imageHeight="{H}">{regions}</Page></PcGts>\n')


def scan(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((H, W), 230, np.uint8)).save(path)


def test_prima_pages_paint_a_class_per_region_element(tmp_path):
    """PRImA's `XML/pc-00000086.xml` names `00000086.tif`; `pc-00000093.xml` (PAGE 2010, points as
    children) names no image and is found by its own name less `pc-`. A table's text cell is
    painted over the table; a text line inside a region and a region of two points are not."""
    root = tmp_path / "prima"
    for pid, schema, image in (("00000086", "2019", "00000086.tif"), ("00000093", "2010", "")):
        scan(root / "Images" / f"{pid}.tif")
        c = partial(coords, schema=schema)
        page(root / "XML" / f"pc-{pid}.xml", image,
             f'<TextRegion id="r1" type="heading">{c(1, 1, 30, 4)}<TextLine id="l1">{c(0, 0, 31, 23)}</TextLine>'
             f'</TextRegion><ImageRegion id="r2">{c(1, 6, 10, 20)}</ImageRegion>'
             f'<TableRegion id="r3">{c(12, 6, 30, 20)}<TextRegion id="r4">{c(14, 8, 16, 10)}</TextRegion></TableRegion>'
             f'<SeparatorRegion id="r5"><Coords points="11,6 11,20"/></SeparatorRegion>', schema)
    index = discover(root, cache_dir=str(tmp_path / "cache"))
    assert index.format == "page-xml" and index.classes.names == ("background", "image", "table", "text")
    assert "2 regions without area left out" in index.pairing[0]  # the separators of two points
    truth = np.zeros((H, W), np.int64)
    truth[1:5, 1:31] = 3
    truth[6:21, 1:11] = 1
    truth[6:21, 12:31] = 2
    truth[8:11, 14:17] = 3
    assert sorted(p.image.name for p in index.pairs) == ["00000086.tif", "00000093.tif"]
    for pair in index.pairs:
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), truth, err_msg=pair.name)


def test_a_point_that_is_no_number_is_named_with_its_region(tmp_path):
    root = tmp_path / "bad"
    scan(root / "a.png")
    page(root / "a.xml", "a.png", '<TextRegion id="r7"><Coords points="1,1 5,x 5,5"/></TextRegion>')
    with pytest.raises(DataError, match=r"a\.xml': region 'r7' has a point that is no pair of numbers"):
        discover(root, cache_dir=str(tmp_path / "cache"))
