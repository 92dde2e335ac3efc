"""Train/val/test splits of a dataset's pairs: drawn from a seed, shipped as lists, kept by subject.

`splits` draws and folds the splits; `split_lists`, `list_search`, `list_splits`, `list_readers`,
`list_names`, `list_affixes`, `list_numbers` and `image_lists` read the split lists a dataset ships (VOC's
`train.txt`, a `.mat` or `.csv` list, DeepScores v2's `deepscores_train.json` of image entries), `split_tables` the split column of a metadata table naming
the cases (TotalSegmentator's `meta.csv`), `datalists` the lists of MONAI's datalists and nnU-Net's
dataset.json (BTCV's `dataset_0.json`), `scene_numbers` Structured3D's official split by scene
number, `readme_ranges` the ranges of image numbers a README gives (AutoLaparo's), `pickled_splits`
names the split files shipped as pickles, never loaded (nnU-Net v1's `splits_final.pkl`); `subjects` and `subject_tables` find which pairs show one subject (a patient, a scene), so
that a random split never divides one, and `shipped_folds` turns the folds a dataset ships into
groups.
"""
