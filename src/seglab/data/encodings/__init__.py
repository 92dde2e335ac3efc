"""How a folder's masks encode their classes, told from what they hold.

`encoding` chooses a mask mapping from a sample of the masks (labels, 0/255, colours,
one-hot, instance ids), read by `mask_sample`, with the class colours of `colours`; `label_maps`
reads `--label-map` and hints at labels to map; `numbered_objects` tells label masks that number
objects; `class_instances` reads masks packing class * 1000 (256, 100) + instance (KITTI MOTS, VIPSeg), and
`red_classes` RGB masks holding the class in R (KITTI-STEP), `bit_sets` integer masks of a bit per overlapping class
(PENGWIN's X-ray fragments), read multi-label; `palettes`, `cityscapes`, `voc` and `loveda` read the masks of
benchmarks as the benchmark reads them; `coloured_objects`, `one_hot`, `object_channels`,
`outlines`, `stack_masks`, `object_settings` and `alpha_masks` are the encodings that need more than a
table (an object per colour, a channel per class or per object, drawn outlines, a stack's classes, a table per
folder: Falling Things' `_object_settings.json`, the label in the alpha channel); `value_classes` names classes from a table of
mask values; `idd` holds IDD's label table, by which its polygons are read; `renderings` tells colour
renderings of label masks (each value in one colour) from images.
"""
