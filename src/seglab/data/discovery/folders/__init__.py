"""Find the image and mask folders of a dataset as it was shipped, whatever they are called.

A dataset folder is walked a few levels deep. Every folder holding image files is an image
folder, a mask folder or both, judged by its name (`naming`) and, for names that say nothing,
by its content (masks hold few distinct values). An image folder is paired with the mask
folders beside it (`images/` + `masks/`), mirrored from it (`images/train/` + `masks/train/`,
`leftImg8bit/train/x/` + `gtFine/train/x/`), named after it (`train/` + `trainannot/`) or
below it; when none fits, images and masks are looked for side by side in the folder itself.
Two folders that could both hold the masks stop the search with both named and the flag that
picks one, instead of a silent guess.

One job a module: `listing` (the folders of image files), `content` (what their files hold),
`placement` (where masks sit for images), `side_by_side` (images and masks in one folder),
`rivals` (several mask folders for one image folder), `chance_numbers` (a number pairing a few
files by chance), `split_labels` (a labels folder divided by split), `sibling_labels` (a case
folder of labels alone, for a sibling version's images), `band_chips` (a folder of band files per
chip, paired by chip id; `chip_label_sources`, the folders naming the chips' labels, `chip_labels`,
the labels a chip holds beside its bands, `chip_band_reading`, the bands read and whether they make
one image, and `chip_frames`, band files of a time series), `union_folders` and `dataset_copies`
(folders holding others' pairs again), `split_namings` (a test folder paired with training masks
only by a learned naming) and `search` (`search_folders`).
"""

from __future__ import annotations

from seglab.data.files.folder_listing import once_per_listing, one_listing, skipped_folder
from seglab.data.discovery.folders.content import MaskSniffs, looks_like_masks, looks_unlike_masks, ships_mask_files
from seglab.data.discovery.folders.listing import (
    EXPORT_SUFFIXES,
    MAX_DEPTH,
    METADATA_FILES,
    NAMED_DEPTH,
    PICKLE_SUFFIXES,
    Folder,
    SideFiles,
    capped_folders,
    data_folders,
    deeper_image_folders,
    folders_within,
    holds_images,
    json_listing,
    lone_data_folder,
    may_hold_files,
    side_files,
    text_listing,
    visible_folders,
    walk,
)
from seglab.data.discovery.folders.placement import named_tops, path_ends_with, path_lies_under
from seglab.data.discovery.folders.rivals import CLASS_FOLDER_TASKS
from seglab.data.discovery.folders.search import FolderSearch, search_folders
from seglab.data.discovery.folders.side_by_side import masks_beside_images
from seglab.data.discovery.folders.split_labels import labels_by_split, strictest_versions

__all__ = [
    "CLASS_FOLDER_TASKS",
    "EXPORT_SUFFIXES",
    "MAX_DEPTH",
    "METADATA_FILES",
    "NAMED_DEPTH",
    "Folder",
    "PICKLE_SUFFIXES",
    "SideFiles",
    "FolderSearch",
    "MaskSniffs",
    "capped_folders",
    "data_folders",
    "deeper_image_folders",
    "folders_within",
    "holds_images",
    "json_listing",
    "labels_by_split",
    "looks_like_masks",
    "lone_data_folder",
    "looks_unlike_masks",
    "may_hold_files",
    "masks_beside_images",
    "named_tops",
    "once_per_listing",
    "one_listing",
    "side_files",
    "path_ends_with",
    "path_lies_under",
    "search_folders",
    "ships_mask_files",
    "skipped_folder",
    "strictest_versions",
    "text_listing",
    "visible_folders",
    "walk",
]
