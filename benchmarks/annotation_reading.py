"""Seconds to read a dataset annotated with shapes the first time, when its objects are painted
into the cache, and again, when the cache serves them: the same N images of 480x640 with ten
elliptical objects each (five classes), written as COCO JSON, CVAT for images XML, Ultralytics
YOLO labels, LabelMe JSON, a Supervisely project (each object a bitmap, as Supervisely's brush and smart
tools store them), GeoJSON beside each image in pixel coordinates (as QuPath exports them),
xView2's xBD label files (WKT) and Aperio ImageScope XML (a layer per class, as MoNuSAC's) in a
temporary folder.

    python benchmarks/annotation_reading.py
    python benchmarks/annotation_reading.py --images 20000 --formats coco
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import logging
import os
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HEIGHT, WIDTH, OBJECTS, CLASSES = 480, 640, 10, 5
IMAGE_FOLDERS = {"coco": "coco/train2017", "cvat": "cvat/images", "yolo": "yolo/images/train", "labelme": "labelme",
                 "supervisely": "supervisely/ds0/img", "geojson": "geojson", "xbd": "xbd/images",
                 "imagescope": "imagescope/Tissue Images"}
LAYOUTS = tuple(IMAGE_FOLDERS)


def outlines(rng: np.random.Generator) -> list[tuple[int, np.ndarray]]:
    """Ten (class, (40, 2) x y points) ellipses at random places."""
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    found = []
    for _ in range(OBJECTS):
        cx, cy = rng.integers(50, WIDTH - 50), rng.integers(50, HEIGHT - 50)
        points = np.stack([cx + 40 * np.cos(angles), cy + 30 * np.sin(angles)], axis=1)
        found.append((int(rng.integers(0, CLASSES)), points))
    return found


def supervisely_bitmap(title: str, points: np.ndarray) -> dict:
    """An outline as a Supervisely bitmap object: its pixels from the top-left corner of its box,
    a palette PNG whose colour 0 is transparent, zlib-compressed, base64 (the SDK's `data_2_base64`)."""
    left, top = np.floor(points.min(axis=0)).astype(int)
    right, bottom = np.ceil(points.max(axis=0)).astype(int)
    mask = Image.new("P", (int(right - left + 1), int(bottom - top + 1)), 0)
    ImageDraw.Draw(mask).polygon([(x - left, y - top) for x, y in points], fill=1)
    mask.putpalette([0, 0, 0, 255, 255, 255])
    png = io.BytesIO()
    mask.save(png, format="PNG", transparency=0)
    return {"classTitle": title, "geometryType": "bitmap",
            "bitmap": {"data": base64.b64encode(zlib.compress(png.getvalue())).decode(), "origin": [int(left), int(top)]}}


def write(root: Path, images: int, layouts: list[str]) -> None:
    """The layouts of the same objects under `root`, with images in those of `layouts`."""
    rng = np.random.default_rng(0)
    photo = Image.fromarray(rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8))
    cvat: list[str] = []
    coco = {"images": [], "annotations": [], "categories": [{"id": c + 1, "name": f"c{c}"} for c in range(CLASSES)]}
    for folder in ("coco/train2017", "coco/annotations", "yolo/images/train", "yolo/labels/train", "labelme",
                   "supervisely/ds0/img", "supervisely/ds0/ann", "cvat/images", "geojson", "xbd/images", "xbd/labels",
                   "imagescope/Tissue Images", "imagescope/Annotations"):
        (root / folder).mkdir(parents=True)
    (root / "yolo" / "data.yaml").write_text(json.dumps({"names": [f"c{c}" for c in range(CLASSES)]}))
    (root / "supervisely" / "meta.json").write_text(json.dumps(
        {"classes": [{"title": f"c{c}", "shape": "bitmap", "color": "#FF0000"} for c in range(CLASSES)]}))
    for i in range(images):
        name = f"{i:06d}"
        for layout in layouts:
            photo.save(root / IMAGE_FOLDERS[layout] / f"{name}.jpg", quality=50)
        objects = outlines(rng)
        cvat.append(f'<image id="{i}" name="{name}.jpg" width="{WIDTH}" height="{HEIGHT}">' + "".join(
            f'<polygon label="c{c}" z_order="0" points="' + ";".join(f"{x:.2f},{y:.2f}" for x, y in p) + '"></polygon>'
            for c, p in objects) + "</image>")
        coco["images"].append({"id": i, "file_name": f"{name}.jpg", "height": HEIGHT, "width": WIDTH})
        coco["annotations"] += [{"id": len(coco["annotations"]) + 1, "image_id": i, "category_id": c + 1,
                                 "segmentation": [p.ravel().tolist()], "iscrowd": 0} for c, p in objects]
        (root / "yolo" / "labels" / "train" / f"{name}.txt").write_text("".join(
            f"{c} " + " ".join(f"{v:.5f}" for v in (p / [WIDTH, HEIGHT]).ravel()) + "\n" for c, p in objects))
        shapes = [{"label": f"c{c}", "points": p.tolist(), "shape_type": "polygon"} for c, p in objects]
        (root / "labelme" / f"{name}.json").write_text(json.dumps(
            {"shapes": shapes, "imagePath": f"{name}.jpg", "imageHeight": HEIGHT, "imageWidth": WIDTH}))
        rings = [[*p.tolist(), p[0].tolist()] for _, p in objects]
        (root / "geojson" / f"{name}.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"classification": {"name": f"c{c}"}},
             "geometry": {"type": "Polygon", "coordinates": [ring]}} for (c, _), ring in zip(objects, rings)]}))
        (root / "xbd" / "labels" / f"{name}.json").write_text(json.dumps({"features": {"xy": [
            {"properties": {"subtype": f"c{c}"}, "wkt": "POLYGON ((" + ", ".join(f"{x:.2f} {y:.2f}" for x, y in ring) + "))"}
            for (c, _), ring in zip(objects, rings)]}, "metadata": {"img_name": f"{name}.jpg"}}))
        (root / "imagescope" / "Annotations" / f"{name}.xml").write_text(
            '<Annotations MicronsPerPixel="0.25">' + "".join(
                f'<Annotation Id="{c + 1}" Name="c{c}" LineColor="255"><Regions>' + "".join(
                    '<Region Type="0" NegativeROA="0"><Vertices>'
                    + "".join(f'<Vertex X="{x:.2f}" Y="{y:.2f}"/>' for x, y in p) + "</Vertices></Region>"
                    for k, p in objects if k == c) + "</Regions></Annotation>" for c in range(CLASSES))
            + "</Annotations>")
        if "supervisely" in layouts:  # encoding the bitmaps takes a while
            (root / "supervisely" / "ds0" / "ann" / f"{name}.jpg.json").write_text(json.dumps(
                {"size": {"height": HEIGHT, "width": WIDTH},
                 "objects": [supervisely_bitmap(f"c{c}", p) for c, p in objects]}))
    (root / "coco" / "annotations" / "instances_train2017.json").write_text(json.dumps(coco))
    labels = "".join(f"<label><name>c{c}</name><color>#ff0000</color><type>any</type></label>" for c in range(CLASSES))
    (root / "cvat" / "annotations.xml").write_text(
        f"<annotations><version>1.1</version><meta><task><labels>{labels}</labels></task></meta>{''.join(cvat)}"
        "</annotations>")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=300, help="images in each generated folder")
    parser.add_argument("--formats", nargs="+", default=list(LAYOUTS), choices=LAYOUTS, help="the layouts to time")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        from seglab.data import discover
        from seglab.runtime import cpu_description

        write(Path(tmp), args.images, args.formats)
        rows = []
        for layout in args.formats:
            times = []
            for _ in range(2):
                started = time.perf_counter()
                index = discover(Path(tmp) / layout)
                times.append(time.perf_counter() - started)
            assert index.format == layout and len(index.pairs) == args.images
            rows.append((layout, *times))
    print(f"{cpu_description()}\n")
    print("| format | images | objects | first read: paint + write (s) | per image (ms) | read again (s) |")
    print("|---|---|---|---|---|---|")
    for layout, first, again in rows:
        print(f"| {layout} | {args.images} | {args.images * OBJECTS} | {first:.2f} | {1000 * first / args.images:.1f} "
              f"| {again:.2f} |")


if __name__ == "__main__":
    main()
