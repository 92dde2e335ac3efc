"""The folder-pairs layout: an image folder and its mask folder under whatever names they have,
or images and masks side by side; and the synthetic layout `seglab demo` writes, read the same way.

How folders are found is `data.discovery.folders`/`data.discovery.pairing`; how files pair is `data.discovery.naming`. This
package turns what they found into a `DatasetIndex`, with the class names of the layouts it
recognises (ISBI 2012, CamVid's SegNet export, Cityscapes' label ids, Pascal VOC, nnU-Net's dataset.json) or that name their
classes in a table beside the masks (class_dict.csv, A2D2's class_list.json, RUGD's colormap) or their label values
(ADE20K's objectInfo150.csv, BCSS's gt_codes.tsv, RELLIS-3D's ontology.yaml).

One job a module: `format` (the registered formats), `class_files` (class names shipped in
files), `named_folders` (--images and --masks), `bands` (a folder per band), `duplicate_folders`
(image folders sharing masks), `unlabelled_files` (which unlabelled files are images),
`pair_names` (what the file names say), `stack_pages` (TIFF stacks read page by page) and
`band_frames` (band files of a time series read at one frame).
"""

from __future__ import annotations

from seglab.data.layouts.folder_pairs.bands import stack_band_folders
from seglab.data.layouts.folder_pairs.class_files import value_names_in
from seglab.data.layouts.folder_pairs.duplicate_folders import settle_shared_masks
from seglab.data.layouts.folder_pairs.format import CAMVID_NAMES, CAMVID_VOID, ISBI_CLASSES, FolderPairsFormat, SyntheticFormat
from seglab.data.layouts.folder_pairs.pair_names import unique_names

__all__ = [
    "CAMVID_NAMES",
    "CAMVID_VOID",
    "ISBI_CLASSES",
    "FolderPairsFormat",
    "SyntheticFormat",
    "settle_shared_masks",
    "stack_band_folders",
    "unique_names",
    "value_names_in",
]
