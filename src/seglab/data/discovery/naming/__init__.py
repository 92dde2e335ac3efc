"""What file and folder names say: the key that pairs an image with its mask, and the role
(images, masks, split) a folder name suggests.

Datasets are shipped with masks named `a.png`, `a_mask.png`, `mask_a.png`, `A_segmentation.PNG`,
`a_gtFine_labelIds.png` or only sharing a number (`21_training.tif` ~ `21_manual1.gif`). Each
`KeyRule` turns a file name into a key; pairing tries them from the strictest to the loosest and
keeps the one that pairs the most files, so a rule is only as loose as the data needs.

One job a module: `names` (the form names are compared in: stem, composed letters, words),
`affixes` (mask and image words, a name without them), `cityscapes` (Cityscapes' frame names),
`numbers` and `dates` (the numbers and the date in a name), `key_rules` (`KeyRule` and the rules
every folder pair is tried with), `mask_patterns` (`--mask-pattern`'s rules and the template
offered for a pair), `learned_rules` (rules learned from one folder pair's names),
`folder_roles` (images or masks by a folder's name), `parts` (folders numbered as the parts of one
set), `case_versions` (the case a folder name is a version of), `output_words` (files a model or
Cellpose writes beside an image) and `split_words` (the split a name says).
The names most modules use are imported from here; the others from their module.
"""

from __future__ import annotations

from seglab.data.discovery.naming.folder_roles import looks_like_image_folder, looks_like_mask_folder, role_name
from seglab.data.discovery.naming.key_rules import KEY_RULES, KeyRule
from seglab.data.discovery.naming.mask_patterns import template_rules
from seglab.data.discovery.naming.names import stem, words
from seglab.data.discovery.naming.split_words import SPLIT_WORDS, folder_split, folders_split, usable_splits

__all__ = [
    "KEY_RULES",
    "SPLIT_WORDS",
    "KeyRule",
    "folder_split",
    "folders_split",
    "looks_like_image_folder",
    "looks_like_mask_folder",
    "role_name",
    "stem",
    "template_rules",
    "usable_splits",
    "words",
]
