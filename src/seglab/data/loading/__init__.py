"""From a dataset's index to training batches: prepare, cache, sample, transform, augment.

`prepare` is what training and `seglab inspect` share (discover, split, audit, choose the size,
fit the normalisation); `dataset` (`SegmentationDataset`) decodes, resizes and normalises pairs
into sample dicts, keeping them in a `cache`; `sampling` draws the training views; `transforms`
resize and normalise; `augment`, `augment_presets`, `batch_augment` and `mirror_classes` move
image and mask together through training-time augmentation. The torch parts are imported on
first use (`seglab.data.__getattr__`).
"""
