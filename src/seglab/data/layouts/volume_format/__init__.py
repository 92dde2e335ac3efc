"""The "volumes" dataset format: 3-D NIfTI, Analyze, MetaImage, NRRD or DICOM cases, served as pairs of 2-D slice
files.

Recognised layouts (docs/volumes.md), tried in this order:

1. Medical Segmentation Decathlon / nnU-Net: imagesTr/ + labelsTr/ (+ imagesTs/ unlabelled,
   + dataset.json naming the labels or their regions, or a MONAI datalist (BTCV's dataset_0.json)
   naming them and the splits: `descriptions`, + AMOS' imagesVa/ + labelsVa/ or WORD's imagesVal/ +
   labelsVal/ as the val split); images
   may carry `_0000`, `_0001` channel suffixes, or modality words (HECKTOR's `CHUM-001__CT`,
   `__PT`), the modalities on the label's grid the channels (`modality_grids`).
2. images/ + labels/ (or masks/), matched by name, either holding its volumes in its one subfolder
   (ACOUSLIC-AI's `images/stacked_fetal_ultrasound/`); label names may end in `_seg`, `_mask`,
   `_label` or `_labels` (in a label folder `_gd` and `_segm` too: MyoPS 2020's `myops_training_101_gd`).
   Tried first: an image folder beside two or more folders of 0/1 volumes named like its
   images, or in a folder named for masks beside it (UroCell's `data/` + `fv/`, `golgi/`,
   `lyso/`, `mito/`; `images/` + `labels/<class>/`), a class per folder (`class_folders`).
   The images may lie in numbered folders (LNDb's `data0/`, `data1/`); labels named an image and a
   rater's number (`masks/LNDb-0001_rad1.mhd`, `_rad2`) are rival labels, one picked by `--masks` (`rater_labels`).
3. BIDS (ISLES 2022, ATLAS 2.0): `sub-X[/ses-Y]` folders anywhere four levels down (`rawdata/`,
   `derivatives/<pipeline>/`), a session a case and its subject the group; label volumes named
   by their BIDS suffix (`_mask`, `_msk`, `_dseg`) or `label-` entity, the case's image volumes
   on the label's grid the channels (`seglab.data.layouts.volume_format.bids`); `--masks` picks one
   label volume per case (dHCP's `'*drawem87_dseg.nii.gz'`), and a look-up table names the values of
   its own segmentation alone (`desc-drawem9_dseg.tsv`).
4. One folder per subject with an image volume and a volume named `*seg*`, `*label*` or
   `*mask*` (BraTS-like), or a DICOM series (in the folder or a subfolder) and one NIfTI label.
   Several image volumes are the case's channels, in natural name order (BraTS: flair, t1,
   t1ce, t2), less a modality on another grid than the label's in most cases (HaN-Seg's MR
   beside its CT: `modality_grids`, one vote over all the cases), and less one the label made (NFBS'
   `T1w_brain` beside `T1w_brainmask`: `label_products`). A folder of several cases, each label named
   after its image (ACDC's `patient001_frame01.nii.gz` + `patient001_frame01_gt.nii.gz`; LiTS'
   `volume-3.nii` + `segmentation-3.nii`, paired by number; iSeg-2017's `subject-1-label` for `subject-1-T1` and
   `subject-1-T2`, its channels), gives one case each, grouped by subject. Subject
   folders may sit one or two levels down in split folders (ACDC's `database/training/`), cases
   side by side in split folders (LNQ2023's `train/` + `validation/`, their splits), or
   the cases in the dataset folder itself (LiTS); case folders of one name in two folders are
   named with their folder's path (`siteA/case01`), and folders each with split folders of their
   own (QUBIQ's `brain-growth/Training/`, `kidney/Training/`) refused as separate datasets. A subject folder may hold one image and a
   folder of a 0/1 volume per structure instead (TotalSegmentator's `s0000/ct.nii.gz` +
   `segmentations/liver.nii.gz`, ...; PDDCA's `structures/`, or a folder `--masks` names): a class
   per structure, the splits from its `meta.csv`.
   A case folder's label volume alone beside a subfolder of image volumes on its grid (WMH's
   `<case>/wmh.nii.gz` + `pre/FLAIR.nii.gz`, `pre/T1.nii.gz`) has those as its channels, the
   subfolders on other grids (`orig/`) left out (`channel_folders`).
   `--masks NAME.nrrd` alone names the label volume of every case folder (LA 2018's `laendo.nrrd`),
   or a pattern (`'*_seg.nii.gz'`); case folders of several label volumes (KiTS21's
   `aggregated_AND_seg`, `_MAJ_`, `_OR_`) are refused, each offered so; beside the one `--masks`
   picks, a volume whose voxels are a label's is set aside, whatever its name (SAROS'
   `body-parts.nii.gz` beside `body-regions.nii.gz`: `label_voxels`). A patient folder of several
   time points, each volume named its time point's (ISBI 2015's `training01/masks/training01_01_mask1.nii`
   + `preprocessed/training01_01_flair_pp.nii`, ...), gives a case per time point, grouped by the folder
   (`time_points`). Subject folders each holding their case once per processing stage (MSLUB's
   `raw/` + `preprocessed/`) are refused, each version offered as `--masks` with its folder
   (`preprocessed/consensus_gt.nii.gz`: `case_versions.stage_versions`).
5. HDF5 cases (SSL4MIS); beside a folder of 2-D slice files, both named for splits (TransUNet's
   Synapse `train_npz/` + `test_vol_h5/`), the slices are read too (`seglab.data.layouts.volume_format.slices_beside_volumes`).
6. Image volumes in the dataset folder itself, their labels in a folder below it named for
   labels (MONAI Label's studies folder: `labels/final/`, `labels/original/` beside: `studies_folder`).
7. An image folder beside a label folder under any name 2-D datasets use, below split
   folders (BTCV's `RawData/Training/img/` + `Training/label/`) or holding the volumes further
   down (RibFrac's `ribfrac-train-images-1/Part1/` + `ribfrac-train-labels-1/Part1/`); a label folder
   beside no image folder pairs with the one other folder of volumes beside it (ASOCA's `CTCA/` + `Annotations/`),
   or with all of them when they are the numbered parts of one (LiTS' `volume_pt1/` ... `volume_pt5/`
   + `segmentations/`), or beside several named each for a modality, those are each case's channels
   (BONBID-HIE's `1ADC_ss/`, `2Z_ADC/` + `3LABEL/`: `modality_folders`).
8. Label volumes in a tree of their own, each named after the patient folder of DICOM series it
   labels elsewhere (NCI-ISBI 2013's `NCI-ISBI-2013/Training/<PatientID>.nrrd` for TCIA's
   `Prostate-3T/<PatientID>/<study>/<series>/`): the series on the label's grid the image
   (`patient_labels`).

Split lists beside or above the cases (SSL4MIS' `train.list`, `test.list`) give the splits
where the folders give none (`split_lists.case_splits`), else a MONAI datalist's lists do
(`splitting.datalists`).

Each case is cut into slices once (`seglab.data.files.slice_cache`); its pairs are named
"<case>/slice<i>" and grouped by case, so splits and folds never divide a case.

One job a module: `format` (the registered format), `layouts` (the order they are tried),
`cases` (which label volume is whose), `named_folders`, `subject_folders`, `class_folders`,
`hdf5_cases`, `studies_folder`, `patient_labels` and `bids` (layouts), `descriptions` (what a dataset.json or
a datalist says of the cases), `rater_labels` (several raters' labels of an image), `channel_folders` (a case's subfolder of channels beside its label),
`time_points` (a case folder's scans of several time points),
`channel_counts` (cases of more numbered channel files than others: those every case has),
`modality_folders` (a label folder beside a folder per modality), `label_voxels` (volumes holding a label's voxels),
`separate_datasets` (task sets side by side, read one a run), `modality_grids` (which modalities are channels), `label_products` (image volumes the label made, not channels), `instance_labels` (label
volumes that number objects), `unlabelled_folders` (folders of unlabelled volumes beside the
cases), `slices_beside_volumes` (2-D slice files beside the volumes of a release), and
`prediction_cases` (volumes to predict, as cases: by channel suffix, by the modality words a
run was trained on, or a volume of each folder named for a modality).
"""

from __future__ import annotations

from seglab.data.layouts.volume_format.cases import is_label_volume
from seglab.data.layouts.volume_format.format import VolumesFormat
from seglab.data.layouts.volume_format.prediction_cases import (
    modality_cases,
    modality_folder_cases,
    modality_folders,
    volume_cases,
)

__all__ = ["VolumesFormat", "is_label_volume", "modality_cases", "modality_folder_cases", "modality_folders",
           "volume_cases"]
