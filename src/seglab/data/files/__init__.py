"""Reading one file: images and masks of every file type, volumes, budgets and read errors.

The bottom of the data stage above `classes`: each module reads or writes one kind of file
(`decoding` and `io` the images and masks, `dicom`, `metaimage`, `volumes`, `hdf5_files`,
`mat_files`, `npy_files`, `pickled_arrays` (integer arrays of a pickled .npy, no code run),
`parquet_shards` (the Hub's Parquet files of pictures, and `save_to_disk`'s Arrow files), the
stacks of TIFF and .npz slices (`stack_arrays`: a .npz or HDF5 stack read whole for predict),
the .npz cases nnU-Net preprocessed, channels first (`case_arrays`, for predict),
`geotiff`, `rle` strings, `json_lines`: a JSON object a line), checks a file before decoding it
(`pixel_budget`, `memory`), finds files of the same bytes (`byte_copies`) or names what failed
(`read_errors`, `file_warnings`). `index`
holds what a dataset folder's files make: `Pair`, `Problem` and `DatasetIndex`, the value every
stage above hands on.
Nothing here knows a dataset's layout.
"""
