"""The "array-stack" format: a dataset kept as NumPy arrays of many images each, as the nuclei
benchmarks ship them: PanNuke's `Fold 1/images/fold1/images.npy` (N, 256, 256, 3) with
`Fold 1/masks/fold1/masks.npy` (N, 256, 256, 6: five nucleus types' instance maps, then a
background channel), CoNIC's `images.npy` with `labels.npy` (N, 256, 256, 2: instances, then
classes), and any `images.npy` or `X_train.npy` beside a `masks.npy` or `y_train.npy` of the
same count and size.

A stack is a `.npy` file named for images or masks (`naming`'s folder words) holding (N, H, W, C)
with C up to 16, or (N, H, W) with W over 16 (so that one (H, W, C) image is no stack); a mask
stack pairs with the image stack of its count and size nearest to it. Masks read as classes:
(N, H, W) class indices; one-hot channels (argmax); PanNuke's instance maps per type beside a
0/1 background channel (class k + 1 where type k's map is set, PanNuke's five names when there
are six channels); CoNIC's instances and classes (the channel of few values). Each slice is
written once into the cache, a PNG (images of whole values 0-255) or `.npy`, its mask a
class-index PNG, so that every later stage reads plain pairs. PanNuke's `Fold 1`, `Fold 2`,
`Fold 3` are its paper's first split: train, val, test; otherwise the names say it
(`X_train.npy`, `train/images.npy`). Multi-page TIFF stacks (`tiff_stacks`: Lucchi's
`training.tif` + `training_groundtruth.tif`, ISBI 2012's `train-volume.tif` + `train-labels.tif`)
and HDF5 files of one 3-D dataset (`hdf5_files.h5_stack`: MitoEM's `train/im.h5` +
`train/mito_label.h5`) are stacks too, images unless named for masks. A .npz file's arrays
named for images and masks are stacks (`npz_stacks`: TissueNet's `tissuenet_v1.1_train.npz`
holding `X` and `y`), and so are an HDF5 file's datasets (`images` + `masks`, Keras' `x_train` +
`y_train` ... `y_test`, or a group per split: `train/images` + `train/masks`, `val/...`), paired
and split by the same names, unless the file names a case's image (`hdf5_files.names_a_case`:
SSL4MIS' `image` + `label`, a 3-D case of the volumes format); a `classes` attribute listing
names on the file's root names the classes. A file of a group per sample (ChaBuD's
`train_eval.hdf5`: `<uuid>/post_fire` + `<uuid>/mask`, `sample_groups`) gives a stack of each
dataset every group holds, a slice per group, named by it and grouped by a fold attribute.

Two mask stacks that pair with one image stack are rival annotations of its slices
(ToothFairy's `gt_alpha.npy`, dense, and `gt_sparse.npy`, traced, beside `data.npy`): refused,
naming them, for `--masks` to pick one (a stack's name or file name, or a pattern of them;
`--images` picks image stacks so). Stacks in a folder per case (ToothFairy's `Dataset/P1/`, a
patient's scan) are named and grouped by their folder, so that a case's slices never straddle
two splits, and split lists that name the case folders (ToothFairy's `splits.json`) give the
splits (`split_lists.case_splits`).

Masks that number objects are kept as numbers (a 16-bit PNG past 255, `.npy` past 65535), so
that the audit's `instance-ids` warning and `--instance-masks` read them as for any instance
mask; two channels of objects, neither a class of the other's (TissueNet's whole-cell and
nuclear ids), give the first channel, as the log says.

One job a module: `stacks` (a stack from its header, and its slices), `detection` (which files
are stacks), `pairing` (which image stack each mask stack labels, rivals refused),
`splits_and_groups` (a stack's split and case folder), `slice_files` (the slices written once
into the cache) and `format` (`ArrayStackFormat`, which registers "array-stack").
"""

from __future__ import annotations

from seglab.data.layouts.array_stacks.format import ArrayStackFormat

__all__ = ["ArrayStackFormat"]
