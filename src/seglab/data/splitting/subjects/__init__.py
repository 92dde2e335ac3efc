"""Subjects found in file names, so that a random split never divides one.

2-D datasets cut from scans and videos name their files after the scan: TransUNet's Synapse
`case0005_slice000`, an ACDC export's `patient001_frame01`, SA-Med2D-20M's `ct_00--AbdomenCT1K--Case_00001--x_0003`
(slice 3 along x), MedSAM's `CT_Abd_FLARE22_Tr_0001-012` (slice 12 of CT 0001), BiomedParse's
`patient001_frame01_1_MRI_heart` (a patient id first, whatever follows), a lesion's crop (ULS23's `case_00000_lesion_01`), the LGG MRI set's
`TCGA_CS_4941_19960909/TCGA_CS_4941_19960909_12.tif` (a folder per patient, numbered slices),
the Ultrasound Nerve Segmentation's `47_120.tif` (image 120 of subject 47), Carvana's
`0cdf5b5d0ce1_01.jpg` (view 1 of car `0cdf5b5d0ce1`), CHASE_DB1's `Image_01L.jpg` and
`Image_01R.jpg` (one child's two eyes; a stereo camera's `P000/image_left/000000_left.png`: TartanAir's
trajectory P000), CholecSeg8k's `video01/video01_00080/` (a clip of video
1), names that repeat in every numbered folder (KolektorSDD's `kos01/Part0.jpg`: a folder per
item), a video's frames numbered after its folder (SegTrack v2's `bmx/bmx_06668.png`), or the
satellite scene a patch was cut from (38-Cloud's
`patch_1_1_by_1_LC08_L1TP_002053_20160520_20170324_01_T1`: Landsat scene 002053 of 2016-05-20;
Sen2Fire's `scene1/scene_1_patch_0_3`), the place seen before a sensor code (CALFIN's glacier
`Upernavik-NE_LE07_L1TP_2003-06-10_...`),
or the slide or image a crop was cut from, before the numbers of its place (DigestPath's
`18-00530A_2019-05-01 21_00_01-lv1-20000-15766-2530-2296`: slide `18-00530A`, its scan date,
level and the crop's x, y, width and height; QuPath's TileExporter's `CMU-1/CMU-1 [d=2,x=0,y=64,w=64,h=64]`:
slide `CMU-1`, in a folder of its own; TIGER's `100B_[11024, 22304, 11072, 22344]`: a box on slide `100B`), a subject id before words of a few values (CDD-CESM's
`P1_L_DM_MLO` and `P1_L_CM_MLO`: patient 1's left breast, low-energy and subtracted, in the MLO view),
or, failing those, the mask images share (Foggy Cityscapes' three renderings of one frame), or last
the name an image has in each of sibling folders repeating one image and mask tree (ROSE's
`SVC/train/img/01.tif` and `DVC/train/img/01.tif`: one eye at two depths of the retina), or the
path below top folders that repeat one tree of images (MIDV-2020's `templates/images/alb_id/00.jpg`
and `photo/images/alb_id/00.jpg`: one document scanned and photographed). A case folder that
each of sibling trees holds alike is one subject across them (CVC-MUSCIMA's `ideal/w-01/` and
`curvature/w-01/`: one writer's pages under two distortions). First of
all, a change-detection scene seen at two dates, each date an image with its own mask in sibling
folders named for the dates (SECOND's `im1/00003.png` + `label1/` and `im2/00003.png` + `label2/`).
Neighbouring slices look alike, so a split that puts some in training and others in validation
scores memory, not generalisation. When nearly every name says its subject, the pairs carry it as
their group, and `seglab.data.splitting.splits` keeps each group in one split (as it does for volumes). A
metadata table the dataset ships (`seglab.data.splitting.subject_tables`: HAM10000's lesion_id) comes first.

One job a module: `grouping` (`with_subjects`: the table or the first rule that reads subjects,
the subjects of one case merged, the pairs grouped), `file_names` (rules reading a file's name:
slices, case ids, subject numbers, scenes, places, crops and tiles, leading ids; `subject_of`),
`folders` (rules reading folders: numbered, case, eye, item, frame and image folders),
`sibling_trees` (rules comparing sibling folders: dates, shared masks, parallel and repeated
trees), `evidence` (how many names and subjects a rule must find to be believed) and `name_parts`
(the parts of a pair's name and paths every rule reads).
"""

from __future__ import annotations

from seglab.data.splitting.subjects.file_names import subject_of
from seglab.data.splitting.subjects.grouping import with_subjects

__all__ = ["subject_of", "with_subjects"]
