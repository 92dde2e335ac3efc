from __future__ import annotations

import json

import numpy as np
import pytest

from seglab.data.classes.mapping import (
    MAPPINGS,
    BinaryMapping,
    ColourMapping,
    IdentityMapping,
    LabelMapping,
    MaskMapping,
    NearestColourMapping,
    OffsetMapping,
    ThresholdMapping,
    keeping_ignored,
)
from seglab.data.layouts.bop import ObjectMasksMapping
from seglab.data.layouts.celebamask_hq import PartFilesMapping
from seglab.data.encodings.coloured_objects import ColouredObjectsMapping
from seglab.data.layouts.multilabel import (
    ChannelsMapping,
    ClassFileLabelsMapping,
    ClassFilesMapping,
    ClassFoldersMapping,
    ClassNamingsMapping,
    RegionsMapping,
    SourceNamingsMapping,
)
from seglab.data.encodings.object_channels import ObjectChannelsMapping
from seglab.data.encodings.object_settings import ObjectSettingsMapping
from seglab.data.encodings.one_hot import OneHotMapping
from seglab.data.encodings.rgb_ids import RgbIdMapping
from seglab.data.encodings.class_instances import ClassInstanceMapping
from seglab.data.encodings.red_classes import RedClassMapping
from seglab.data.encodings.ade20k import Ade20kMapping
from seglab.data.encodings.bit_sets import BitSetsMapping
from seglab.data.encodings.channel_classes import ChannelClassesMapping
from seglab.data.encodings.outlines import FilledOutlineMapping
from seglab.data.encodings.alpha_masks import AlphaMapping
from seglab.data.encodings.lossy_labels import NearestLabelMapping

EXAMPLES = {
    "identity": IdentityMapping(),
    "offset": OffsetMapping(1),
    "binary": BinaryMapping(),
    "colour": ColourMapping(((0, 0, 0), (255, 0, 0)), void=((9, 9, 9),)),
    "nearest-colour": NearestColourMapping(((0, 0, 0), (255, 0, 0), (0, 0, 255))),
    "threshold": ThresholdMapping(128),
    "labels": LabelMapping(((255, 1), (3, 255))),
    "class-folders": ClassFoldersMapping(("disc", "square")),
    "class-files": ClassFilesMapping(("1. Microaneurysms", "5. Optic Disc")),
    "class-file-labels": ClassFileLabelsMapping(("water", "weed_cluster"), ("boundaries", "masks"), 255),
    "class-namings": ClassNamingsMapping(("{stem}_attribute_globules.png", "{stem}_attribute_streaks.png")),
    "source-class-namings": SourceNamingsMapping(("ct_00--AbdomenCT1K", "mr_00--ACDC", "ct_00--FLARE22"),
                                                 ("{stem}--0000_000.png",) * 3, (0, 1, 0)),
    "part-files": PartFilesMapping(("skin", "nose", "hair"), 2),
    "bop-objects": ObjectMasksMapping(),
    "channels": ChannelsMapping(2),
    "one-hot": OneHotMapping(3, 1),
    "regions": RegionsMapping(((1, 2, 3), (2, 3)), ignore_label=255),
    "coloured-objects": ColouredObjectsMapping(),
    "object-channels": ObjectChannelsMapping(),
    "object-settings": ObjectSettingsMapping(("002_master_chef_can_16k", "037_scissors_16k")),
    "rgb-ids": RgbIdMapping((-1, 0, 2, 1), 255),
    "class-instance": ClassInstanceMapping(void=(10000,)),
    "red-class": RedClassMapping(),
    "bit-sets": BitSetsMapping((1, 2, 11)),
    "channel-classes": ChannelClassesMapping((0, 2)),
    "ade20k": Ade20kMapping((2978, 0, 447), -1, others_ignored=True),
    "filled-outlines": FilledOutlineMapping(ColourMapping(((0, 0, 0), (255, 0, 0)), void=((9, 9, 9),)), 255),
    "alpha": AlphaMapping(),
    "nearest-label": NearestLabelMapping((0, 1, 2, 255)),
}


def test_every_registered_mapping_has_an_example():
    assert sorted(EXAMPLES) == MAPPINGS.names()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_mapping_round_trips_through_json(name):
    mapping = EXAMPLES[name]
    again = MaskMapping.from_dict(json.loads(json.dumps(mapping.to_dict())))
    assert again == mapping and type(again) is type(mapping)


def test_identity_offset_binary():
    raw = np.array([[0, 1], [2, 255]], dtype=np.uint8)
    np.testing.assert_array_equal(IdentityMapping().apply(raw), [[0, 1], [2, 255]])
    np.testing.assert_array_equal(OffsetMapping(1).apply(np.array([[1, 2, 3]])), [[0, 1, 2]])
    np.testing.assert_array_equal(BinaryMapping().apply(np.array([[0, 255]], np.uint8)), [[0, 1]])
    assert IdentityMapping().apply(raw).dtype == np.int64


def test_identity_accepts_grey_rgb_and_integral_floats():
    grey = np.repeat(np.array([[0, 3]], np.uint8)[..., None], 3, axis=2)
    np.testing.assert_array_equal(IdentityMapping().apply(grey), [[0, 3]])
    np.testing.assert_array_equal(IdentityMapping().apply(np.array([[0.0, 2.0]])), [[0, 2]])
    with pytest.raises(ValueError, match="non-integer"):
        IdentityMapping().apply(np.array([[0.5]]))
    with pytest.raises(ValueError, match="RGB"):
        IdentityMapping().apply(np.array([[[1, 2, 3]]], np.uint8))


def test_16_bit_rgb_masks_give_their_first_channel():
    """SYNTHIA's GT/LABELS: the class id in R, an instance number in G; such masks were refused as
    3 channels that differ. Other wide stacks still are; 8-bit colours still need a colour table."""
    synthia = np.zeros((2, 2, 3), np.uint16)
    synthia[..., 0] = [[3, 8], [8, 22]]
    synthia[..., 1] = [[0, 101], [158, 0]]
    np.testing.assert_array_equal(IdentityMapping().apply(synthia), [[3, 8], [8, 22]])
    np.testing.assert_array_equal(LabelMapping(((22, 0),)).apply(synthia), [[3, 8], [8, 0]])
    with pytest.raises(ValueError, match="3 channels of int32 values that differ"):
        IdentityMapping().apply(synthia.astype(np.int32))
    with pytest.raises(ValueError, match="classes.json"):
        IdentityMapping().apply(synthia.astype(np.uint8))


def test_colour_mapping():
    mapping = ColourMapping(((10, 20, 30), (0, 0, 0), (255, 255, 255)))
    raw = np.array([[[0, 0, 0], [255, 255, 255]], [[10, 20, 30], [0, 0, 0]]], np.uint8)
    np.testing.assert_array_equal(mapping.apply(raw), [[1, 2], [0, 1]])
    raw[0, 0] = (1, 2, 3)
    with pytest.raises(ValueError, match=r"\(1, 2, 3\)"):
        mapping.apply(raw)


def test_bad_mapping_dicts():
    with pytest.raises(ValueError, match="unknown mask mapping 'ofset'.*offset"):
        MaskMapping.from_dict({"kind": "ofset"})
    with pytest.raises(ValueError, match="bad fields"):
        MaskMapping.from_dict({"kind": "offset", "shift": 1})
    with pytest.raises(ValueError, match="same colour"):
        ColourMapping(((1, 1, 1), (1, 1, 1)))


def test_threshold_splits_antialiased_values_at_the_midpoint():
    raw = np.array([[0, 3, 127, 128, 200, 255]], np.uint8)
    np.testing.assert_array_equal(ThresholdMapping(128).apply(raw), [[0, 0, 0, 1, 1, 1]])


def test_threshold_and_binary_keep_the_ignore_label():
    """`--instance-masks --ignore-index 255` thresholds at 1: the 255 void border of numbered
    objects became object, and the binary reading made a 255 void class 1; the ignore label now
    stays, in the mappings that would make it a class (the others keep it already)."""
    raw = np.array([[0, 1, 2], [255, 3, 0]], np.uint8)
    np.testing.assert_array_equal(ThresholdMapping(1).apply(raw), [[0, 1, 1], [1, 1, 0]])
    objects = keeping_ignored(ThresholdMapping(1), 255)
    np.testing.assert_array_equal(objects.apply(raw), [[0, 1, 1], [255, 1, 0]])
    np.testing.assert_array_equal(keeping_ignored(BinaryMapping(), 255).apply(raw), [[0, 1, 2], [255, 3, 0]])
    assert keeping_ignored(ThresholdMapping(1), 0) == ThresholdMapping(1)  # 0 is kept as it is
    for mapping in (IdentityMapping(), LabelMapping(((1, 2),)), BinaryMapping()):
        assert keeping_ignored(mapping, None) is mapping and keeping_ignored(mapping, 0) is mapping
    assert objects.to_dict() == {"kind": "threshold", "threshold": 1, "ignore_label": 255}
    assert ThresholdMapping(1).to_dict() == {"kind": "threshold", "threshold": 1}
    assert MaskMapping.from_dict(objects.to_dict()) == objects


def test_label_mapping_maps_listed_values_and_keeps_the_rest():
    raw = np.array([[0, 255, 3, 7], [1, 2, 2, 1]], np.uint8)
    np.testing.assert_array_equal(LabelMapping(((255, 1), (3, 255))).apply(raw), [[0, 1, 255, 7], [1, 2, 2, 1]])
    np.testing.assert_array_equal(LabelMapping(((1, 2), (2, 1))).apply(raw)[1], [2, 1, 1, 2])  # a swap
    with pytest.raises(ValueError, match="twice"):
        LabelMapping(((1, 2), (1, 3)))
    with pytest.raises(ValueError, match="integer pairs"):
        LabelMapping(((1, "ignore"),))


def test_nearest_colour_snaps_in_between_colours():
    table = ((0, 0, 0), (255, 0, 0), (0, 0, 255))
    raw = np.array([[[0, 0, 0], [250, 8, 3], [40, 0, 200]], [[0, 0, 255], [100, 0, 20], [255, 0, 0]]], np.uint8)
    np.testing.assert_array_equal(NearestColourMapping(table).apply(raw), [[0, 1, 2], [2, 0, 1]])
    with pytest.raises(ValueError, match="needs RGB masks"):
        NearestColourMapping(table).apply(np.zeros((2, 2), np.uint8))
