"""Aperio ImageScope XML annotations as the pathology datasets ship them: MoNuSeg (`MoNuSeg 2018
Training Data/Tissue Images/*.tif` + `Annotations/*.xml`, its test set side by side in
`MoNuSegTestData/`), MoNuSAC (a layer per cell type, named by its attribute). The files are
written as ImageScope writes them (its attributes, region headers and Windows colours).
Before, such folders found no known layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from seglab.data import discover, inspect_dataset, read_mask
from seglab.data.annotations.imagescope_xml import read_imagescope
from seglab.errors import DataError

H, W = 24, 32


def region(points, kind: int = 0, negative: bool = False, number: int = 1) -> str:
    vertices = "".join(f'<Vertex X="{x:.6f}" Y="{y:.6f}" Z="0"/>' for x, y in points)
    return (f'<Region Id="{number}" Type="{kind}" Zoom="0.042148" Selected="0" ImageLocation="" ImageFocus="0" '
            f'Length="44.9" Area="142.8" LengthMicrons="11.3" AreaMicrons="9.0" Text="" '
            f'NegativeROA="{int(negative)}" InputRegionId="0" Analyze="1" DisplayId="{number}">'
            f'<Attributes/><Vertices>{vertices}</Vertices></Region>')


def layer(regions: list[str], name: str = "", attribute: str = "Description", colour: int = 65280) -> str:
    return (f'<Annotation Id="1" Name="{name}" ReadOnly="0" NameReadOnly="0" LineColorReadOnly="0" Incremental="0" '
            f'Type="4" LineColor="{colour}" Visible="1" Selected="1" MarkupImagePath="" MacroName="">'
            f'<Attributes><Attribute Name="{attribute}" Id="0" Value=""/></Attributes><Regions>'
            '<RegionAttributeHeaders><AttributeHeader Id="9999" Name="Region" ColumnWidth="-1"/>'
            f'</RegionAttributeHeaders>{"".join(regions)}</Regions><Plots/></Annotation>')


def imagescope(layers: list[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Annotations MicronsPerPixel="0.252000">'
            + "".join(layers) + "</Annotations>\n")


def box(x0: int, y0: int, x1: int, y1: int) -> list[tuple[int, int]]:
    """A rectangle's corners; filled with its outline, it covers x0..x1 and y0..y1 inclusive."""
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def tile(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (H, W, 3), np.uint8)).save(path)


def monuseg(root: Path) -> dict[str, np.ndarray]:
    """MoNuSeg as its two archives unpack (the test set's names reused, so that pairing must go by
    place); each nucleus a box, a ruler too. Returns each image's mask, painted by hand."""
    masks = {}
    for folder, count, beside in (("MoNuSeg 2018 Training Data", 3, False), ("MoNuSegTestData", 2, True)):
        for k in range(count):
            name = f"TCGA-{k:02d}-5592-01Z-00-DX1"
            images = root / folder / ("." if beside else "Tissue Images")
            labels = root / folder / ("." if beside else "Annotations")
            tile(images / f"{name}.tif", k + 10 * beside)
            mask = np.zeros((H, W), np.int64)
            nuclei = [box(2 + k, 3, 6 + k, 8), box(20, 10 + k, 25, 14 + k)]
            for x0, y0 in (n[0] for n in nuclei):
                x1, y1 = next(n[2] for n in nuclei if n[0] == (x0, y0))
                mask[y0:y1 + 1, x0:x1 + 1] = 1
            regions = [region(n, number=i) for i, n in enumerate(nuclei, start=1)]
            regions.append(region([(1, 1), (9, 9)], kind=4, number=3))  # a ruler: no area
            labels.mkdir(parents=True, exist_ok=True)
            (labels / f"{name}.xml").write_text(imagescope([layer(regions)]))
            masks[f"{folder}/{name}"] = mask
    return masks


def test_monuseg_as_shipped_pairs_by_place_and_paints_its_nuclei(tmp_path):
    masks = monuseg(tmp_path)
    report = inspect_dataset(tmp_path)
    index = report.index
    assert index.format == "imagescope" and not report.problems
    assert report.classes.names == ("background", "object")
    assert sorted((p.split, p.image.relative_to(tmp_path).parts[0]) for p in index.pairs) == [
        ("test", "MoNuSegTestData")] * 2 + [("train", "MoNuSeg 2018 Training Data")] * 3
    for pair in index.pairs:
        key = f"{pair.image.relative_to(tmp_path).parts[0]}/{pair.image.stem}"
        np.testing.assert_array_equal(read_mask(pair.mask, index.mapping), masks[key])
    assert "; 5 arrows, rulers and points left out" in index.pairing[0]


def test_monusac_layers_are_its_cell_types_in_their_colours_with_holes_and_ellipses(tmp_path):
    """A layer per cell type named by its attribute (MoNuSAC), one named by its Name; a
    negative region cuts a hole; an ellipse fills its area."""
    tile(tmp_path / "TCGA-55-1594-01Z-00-DX1" / "TCGA-55-1594-01Z-00-DX1_001.tif", 0)
    (tmp_path / "TCGA-55-1594-01Z-00-DX1" / "TCGA-55-1594-01Z-00-DX1_001.svs").write_bytes(b"II*\0")  # not read
    layers = [
        layer([region(box(1, 1, 10, 10)), region(box(4, 4, 7, 7), negative=True)], attribute="Epithelial",
              colour=255),  # red, as Windows writes colours (0xBBGGRR)
        layer([region([(15, 2), (31, 18)], kind=2)], attribute="Lymphocyte", colour=0xFF0000),  # blue
        layer([region(box(8, 8, 14, 14))], name="Macrophage", attribute="Description", colour=0x00FF00),
    ]
    (tmp_path / "TCGA-55-1594-01Z-00-DX1" / "TCGA-55-1594-01Z-00-DX1_001.xml").write_text(imagescope(layers))
    report = inspect_dataset(tmp_path)
    assert report.classes.names == ("background", "Epithelial", "Lymphocyte", "Macrophage")
    assert report.classes.colours[1:] == ((255, 0, 0), (0, 0, 255), (0, 255, 0))
    [pair] = report.index.pairs
    mask = read_mask(pair.mask, report.index.mapping)
    epithelial = np.zeros((H, W), bool)
    epithelial[1:11, 1:11] = True
    epithelial[4:8, 4:8] = False  # the hole, its outline cut too
    epithelial[8:15, 8:15] = False  # the macrophage, painted later
    assert ((mask == 1) == epithelial).all()
    assert (mask[8:15, 8:15] == 3).all() and (mask == 3).sum() == 49
    lymphocyte = mask == 2
    assert lymphocyte[10, 23] and not lymphocyte[2, 15] and not lymphocyte[18, 31]  # centre in, box corners out
    assert 0.93 < lymphocyte.sum() / (np.pi * 8**2) <= 1  # its 64-sided outline lies just inside the ellipse


def test_other_xml_files_are_not_imagescope(tmp_path):
    """Pascal VOC's detection boxes (`<annotation>`) and CVAT's `<annotations>` are other formats."""
    tile(tmp_path / "JPEGImages" / "a.jpg", 0)
    (tmp_path / "Annotations").mkdir()
    (tmp_path / "Annotations" / "a.xml").write_text("<annotation><filename>a.jpg</filename><object><name>cat</name>"
                                                    "<bndbox><xmin>1</xmin></bndbox></object></annotation>")
    with pytest.raises(DataError) as error:
        discover(tmp_path)
    assert "imagescope" not in str(error.value)


def test_damaged_imagescope_files_are_named(tmp_path):
    (tmp_path / "a.xml").write_text(imagescope([layer([region(box(1, 1, 4, 4))])])[:150])
    with pytest.raises(DataError, match=r"ImageScope file '.*a\.xml' cannot be read as XML"):
        read_imagescope(tmp_path / "a.xml")
    (tmp_path / "b.xml").write_text(imagescope([layer([region(box(1, 1, 4, 4)).replace('X="1.000000"', 'X="one"')])]))
    with pytest.raises(DataError, match=r"ImageScope file '.*b\.xml': layer 1 has a vertex without a number X and Y"):
        read_imagescope(tmp_path / "b.xml")
    (tmp_path / "c.xml").write_text(imagescope([layer([region(box(1, 1, 4, 4)).replace('Y="4.000000"', 'Y="inf"')])]))
    with pytest.raises(DataError, match=r"c\.xml': layer 1 has a vertex without a number X and Y \('inf' is no finite"):
        read_imagescope(tmp_path / "c.xml")
    bomb = ('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">' for p, c in zip("abcdefgh", "bcdefghi")) + ']>'
        '<Annotations><Annotation Name="&i;"><Regions/></Annotation></Annotations>')
    (tmp_path / "bomb.xml").write_text(bomb)
    with pytest.raises(DataError, match=r"bomb\.xml' cannot be read as XML"):
        read_imagescope(tmp_path / "bomb.xml")


def test_camel_case_folder_names_give_their_split_words_only_whole():
    """MoNuSeg's `MoNuSegTestData` named no split; short words stay out (`DevTools` is no val)."""
    from seglab.data.discovery.naming import folder_split

    assert [folder_split(n) for n in ("MoNuSegTestData", "TrainingSet", "ValidData", "DevTools", "MoNuSeg")] == [
        "test", "train", "val", None, None]


def test_a_slanted_outline_covers_the_centres_inside_it_not_a_ring_around():
    """A triangle of float corners: the centres (c, r) with c, r >= 1 and c + r <= 9, 36 of
    them; an outline-inclusive fill (Pillow's, as before) paints a ring more."""
    from seglab.data.annotations.painted_masks import closed_polygon

    filled = closed_polygon([(0.5, 0.5), (8.7, 0.5), (0.5, 8.7)], 12, 12)
    rows, columns = np.mgrid[0:12, 0:12]
    np.testing.assert_array_equal(filled, (rows >= 1) & (columns >= 1) & (rows + columns <= 9))


@settings(max_examples=300, deadline=None)
@given(points=hnp.arrays(np.int64, st.tuples(st.integers(3, 10), st.just(2)), elements=st.integers(-3, 15)))
def test_closed_polygons_take_every_centre_on_the_outline(points: np.ndarray) -> None:
    """Integer corners, as many exports write them: a centre on an edge (found exactly, in
    integers) is painted, any other where matplotlib's even-odd test finds it inside."""
    from matplotlib.path import Path as Outline

    from seglab.data.annotations.painted_masks import closed_polygon

    filled = closed_polygon([(float(x), float(y)) for x, y in points], 12, 12)
    rows, columns = np.mgrid[0:12, 0:12]
    centres = np.column_stack([columns.ravel(), rows.ravel()])
    starts, ends = points, np.roll(points, -1, axis=0)
    offsets, edges = centres[:, None] - starts, ends - starts
    cross = offsets[..., 0] * edges[:, 1] - offsets[..., 1] * edges[:, 0]
    dot = (offsets * edges).sum(axis=2)
    length = (edges**2).sum(axis=1)
    on_edge = np.where(length == 0, (offsets == 0).all(axis=2), (cross == 0) & (dot >= 0) & (dot <= length)).any(axis=1)
    inside = Outline(points.astype(float)).contains_points(centres.astype(float))
    np.testing.assert_array_equal(filled.ravel(), on_edge | inside)


def test_monusac_ambiguous_regions_are_scored_in_no_class(tmp_path):
    """MoNuSAC's test annotations mark regions its scoring leaves out in an `Ambiguous` layer:
    the ignore label, not a fifth cell type."""
    tile(tmp_path / "patient" / "patient_001.tif", 0)
    layers = [layer([region(box(1, 1, 6, 6))], attribute="Epithelial"),
              layer([region(box(10, 10, 14, 13))], attribute="Ambiguous")]
    (tmp_path / "patient" / "patient_001.xml").write_text(imagescope(layers))
    index = discover(tmp_path)
    assert index.classes.names == ("background", "Epithelial") and index.ignore_index == 255
    mask = read_mask(index.pairs[0].mask, index.mapping)
    assert (mask[10:14, 10:15] == 255).all() and (mask == 255).sum() == 20 and (mask == 1).sum() == 36
