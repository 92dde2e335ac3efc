"""Dataset layouts on disk: the `DatasetFormat` registry, `discover`, and the registered layouts.

`formats` holds the registry, `discover` picks a layout for a folder and indexes it; each
layout is one registered class: `fixed_layouts` (Oxford-IIIT Pet, class folders, .npy pairs),
`folder_pairs` (image and mask folders under any names),
`volume_format` (3-D NIfTI, DICOM, MetaImage and HDF5 cases, BIDS), `manifest` (a table of
pairs), `imagefolder` (Hugging Face's imagefolder: a metadata file of pairs per split folder),
`array_stacks` (NumPy/HDF5/TIFF stacks), `sbd`, `celebamask_hq`, `hub_parquet` (a
Hugging Face Hub dataset's Parquet shards, or its `save_to_disk` Arrow files),
`side_by_side_pictures` (pix2pix's pictures of an image and its mask side by side).
`multilabel` reads masks whose classes overlap, `layout_refusal` says what was seen when no layout fits, and
`synthetic` writes the tiny generated datasets of tests, docs and demos. The layouts of
annotation tools register from `data.annotations`; `seglab.data` imports every layout module, so
importing it fills the registry.
"""
