"""Annotation tools' files of drawn shapes, read as layouts and painted into class-index masks.

One module a tool, each a registered layout: `cellpose` (the Cellpose GUI's `_seg.npy`), `cityscapes_json`, `coco_json`
(with `coco_reading`, `coco_subsets`, `coco_sets` and `coco_objects`),
`coco_image_json` (a COCO-style JSON per image: SA-1B), `coco_panoptic`, `contour_text`
(outlines in text files of points), `cvat_xml`,
`darwin_json`, `geojson_labels` (with `vector_labels`, `geo_placement`, and `geopackage` and
`shapefiles`, the GIS layer files), `imagej_rois` (Fiji's ROI Manager sets), `isat_json` (ISAT's JSON per image, with `isat.yaml`), `imagescope_xml`,
`label_studio`, `labelbox_ndjson`, `labelme_json`, `page_xml` (document layout), `polygon_xml` (an XML or SVG
file of class-named polygons per image: cTDaR, eBDtheque), `polygon_lines` (typed
polygons a line per image: HuBMAP HHV's polygons.jsonl),
`scalabel_json`, `superannotate`, `supervisely`, `via_json`, `video_tracings` (outlines traced on video frames: EchoNet-Dynamic),
`xbd_json`, `yolo_labels`, `mask_table` (a CSV naming a mask file per object: Open Images) and
`rle_table` (Kaggle's run-length tables, with `rle_table_file` and `rle_masks`). What they share:
`annotation_formats` (the base layout), `annotated_images` and `embedded_images` (the images the
files name or hold), `xml_outlines` (XML files parsed safely, their points), `painted_masks` (painting shapes once into cached masks) and `index_memo`
(a reading remembered until an annotation file changes).
"""
