"""Data layer: find dataset layouts, read images and masks, split, scan and load samples.

Reading a folder (discover, inspect, audit) needs numpy and Pillow only; the torch parts (the
training dataset, tensor transforms) are imported on first use, so `seglab inspect` and every
`--help` start without loading torch.
"""

from __future__ import annotations

from seglab.data.checking.audit import AuditReport, audit
from seglab.data.checking.checks import CHECKS
from seglab.data.classes import ClassSpec, default_colours, load_classes_file
from seglab.data.layouts.formats import FORMATS, DatasetFormat
from seglab.data.layouts.discover import discover, discover_data
from seglab.data.layouts import fixed_layouts  # noqa: F401  (registers the "oxford-pet", "class-folders" and "npy-pairs" formats)
from seglab.data.layouts import folder_pairs  # noqa: F401  (registers the folder-pairs and synthetic formats)
from seglab.data.layouts import volume_format  # noqa: F401  (registers the "volumes" format)
from seglab.data.files.index import DatasetIndex, Pair, Problem, natural_key
from seglab.data.layouts.manifest import ManifestFormat  # registers the manifest layout
from seglab.data.layouts import imagefolder  # noqa: F401  (registers the "imagefolder" format)
from seglab.data.annotations import rle_table  # noqa: F401  (registers the "rle-table" format)
from seglab.data.layouts import array_stacks  # noqa: F401  (registers the "array-stack" format)
from seglab.data.layouts import sbd  # noqa: F401  (registers the "sbd" format)
from seglab.data.layouts import parallel_lists  # noqa: F401  (registers the "parallel-lists" format)
from seglab.data.layouts import pair_lists  # noqa: F401  (registers the "pair-lists" format)
from seglab.data.layouts import celebamask_hq  # noqa: F401  (registers the "celebamask-hq" format)
from seglab.data.layouts import bop  # noqa: F401  (registers the "bop" format)
from seglab.data.layouts import hub_parquet  # noqa: F401  (registers the "hub-parquet" format)
from seglab.data.layouts import side_by_side_pictures  # noqa: F401  (registers the "side-by-side" format)
from seglab.data.annotations import coco_json  # noqa: F401  (registers the "coco" format)
from seglab.data.annotations import coco_image_json  # noqa: F401  (registers the "coco-per-image" format)
from seglab.data.annotations import cellpose  # noqa: F401  (registers the "cellpose" format)
from seglab.data.annotations import cityscapes_json  # noqa: F401  (registers the "cityscapes-polygons" format)
from seglab.data.annotations import coco_panoptic  # noqa: F401  (registers the "coco-panoptic" format)
from seglab.data.annotations import contour_text  # noqa: F401  (registers the "contour-text" format)
from seglab.data.annotations import cvat_xml  # noqa: F401  (registers the "cvat" format)
from seglab.data.annotations import darwin_json  # noqa: F401  (registers the "darwin" format)
from seglab.data.annotations import geojson_labels  # noqa: F401  (registers the "geojson" format)
from seglab.data.annotations import hiertext_json  # noqa: F401  (registers the "hiertext" format)
from seglab.data.annotations import imagescope_xml  # noqa: F401  (registers the "imagescope" format)
from seglab.data.annotations import imagej_rois  # noqa: F401  (registers the "imagej-roi" format)
from seglab.data.annotations import isat_json  # noqa: F401  (registers the "isat" format)
from seglab.data.annotations import label_studio  # noqa: F401  (registers the "label-studio" format)
from seglab.data.annotations import labelbox_ndjson  # noqa: F401  (registers the "labelbox" format)
from seglab.data.annotations import vertex_ai  # noqa: F401  (registers the "vertex-ai" format)
from seglab.data.annotations import sagemaker_gt  # noqa: F401  (registers the "sagemaker" format)
from seglab.data.annotations import labelme_json  # noqa: F401  (registers the "labelme" format)
from seglab.data.annotations import page_xml  # noqa: F401  (registers the "page-xml" format)
from seglab.data.annotations import polygon_xml  # noqa: F401  (registers the "polygon-xml" format)
from seglab.data.annotations import polygon_lines  # noqa: F401  (registers the "polygon-lines" format)
from seglab.data.annotations import scalabel_json  # noqa: F401  (registers the "scalabel" format)
from seglab.data.annotations import superannotate  # noqa: F401  (registers the "superannotate" format)
from seglab.data.annotations import supervisely  # noqa: F401  (registers the "supervisely" format)
from seglab.data.annotations import video_tracings  # noqa: F401  (registers the "video-tracings" format)
from seglab.data.annotations import via_json  # noqa: F401  (registers the "via" format)
from seglab.data.annotations import mask_table  # noqa: F401  (registers the "mask-table" format)
from seglab.data.annotations import xbd_json  # noqa: F401  (registers the "xbd" format)
from seglab.data.annotations import yolo_labels  # noqa: F401  (registers the "yolo" format)
from seglab.data.checking.inspect import InspectReport, format_report, inspect_dataset
from seglab.data.files.io import (
    IMAGE_SUFFIXES,
    image_scale,
    read_image,
    read_mask,
    read_raw_mask,
    write_mask_png,
)
from seglab.data.classes.mapping import (
    MAPPINGS,
    BinaryMapping,
    ColourMapping,
    IdentityMapping,
    LabelMapping,
    MaskMapping,
    NearestColourMapping,
    OffsetMapping,
    ThresholdMapping,
)
from seglab.data.files.label_resize import resize_mask
from seglab.data.files.pixel_budget import set_max_pixels
from seglab.data.splitting.splits import split_from_file, split_pairs
from seglab.data.checking.stats import DatasetStats, resolve_classes, scan
from seglab.data.layouts.synthetic import generate_synthetic, make_sample
from seglab.lazy import on_first_use

__all__ = [
    "CHECKS",
    "IMAGE_SUFFIXES",
    "FORMATS",
    "MAPPINGS",
    "AuditReport",
    "BinaryMapping",
    "ClassSpec",
    "ColourMapping",
    "DatasetFormat",
    "DatasetIndex",
    "DatasetStats",
    "IdentityMapping",
    "InspectReport",
    "LabelMapping",
    "ManifestFormat",
    "MaskMapping",
    "NearestColourMapping",
    "OffsetMapping",
    "Pair",
    "Problem",
    "SegmentationDataset",
    "ThresholdMapping",
    "audit",
    "default_colours",
    "discover",
    "discover_data",
    "format_report",
    "generate_synthetic",
    "image_scale",
    "inspect_dataset",
    "load_classes_file",
    "make_sample",
    "natural_key",
    "read_image",
    "read_mask",
    "read_raw_mask",
    "set_max_pixels",
    "resize_image",
    "resize_mask",
    "resolve_classes",
    "scan",
    "split_from_file",
    "split_pairs",
    "to_tensor",
    "write_mask_png",
]

__getattr__ = on_first_use(__name__, {  # these import torch
    "SegmentationDataset": "seglab.data.loading.dataset",
    "resize_image": "seglab.data.loading.transforms",
    "to_tensor": "seglab.data.loading.transforms",
})
