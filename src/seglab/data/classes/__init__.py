"""Class names, display colours and the ignore label of a dataset, the files that name them,
and how mask values map to class indices: the bottom of the data stage, which every other
package of `seglab.data` may import.

Names and colours travel with a trained model (run folder, reports, coloured masks), so a
`ClassSpec` is a small frozen value that converts to and from plain JSON. One job a module:
`names` (what a class name says), `colours` (display colours), `spec` (`ClassSpec`),
`annotation_labels` (the classes of annotation files' labels), `classes_file` (classes.json),
`class_tables` (class tables datasets ship), `value_names` (names of mask values), `label_set_tables` (the tables of one label set's files), `readme_values` (those
a README's text gives), `stac_labels` (those a STAC label extension lists), `cvat_labels` (those a
CVAT export's labels name, whatever its file is called), `frame_labels` (the colour tables a renderer writes
per frame), `object_settings`
(the values NDDS' `_object_settings.json` names), `dataset_card`
(those a Hugging Face dataset card lists), `yaml_files` (the YAML class lists datasets ship), `text_files`
(the head of a README or list, read up to a cap), `text_encodings` (its text, UTF-8 or a legacy code page) and `mapping` (how raw mask pixels become class indices,
`MaskMapping` and its registry).
"""

from __future__ import annotations

from seglab.data.classes.annotation_labels import VOID_LABEL, label_classes, refuse_unnamed, shipped_classes, tool_classes, tool_values
from seglab.data.classes.class_tables import (
    CLASS_DICT_GLOB,
    COLOUR_JSON_NAME,
    COLOUR_MAP_GLOB,
    CVAT_LABELMAP,
    DATUMARO_META,
    category_names,
    classes_from_class_dict,
    classes_from_colour_csv,
    classes_from_colour_map,
    classes_from_colour_names,
    classes_from_dataset_meta,
    classes_from_labelmap,
    listed_regions,
    region_labels,
)
from seglab.data.classes.classes_file import load_classes_file
from seglab.data.classes.cvat_labels import is_cvat_xml, value_names_from_cvat_xml
from seglab.data.classes.colours import BACKGROUND_COLOUR, ERROR_COLOUR, default_colours, hex_colour, json_colour
from seglab.data.classes.names import VOID_NAMES, generic_name, is_background, is_void
from seglab.data.classes.spec import ClassSpec
from seglab.data.classes.value_names import (
    ARFF_GLOB,
    COLOUR_TABLE_GLOB,
    NAME_LIST_FILES,
    ONTOLOGY_FILE,
    ValueNames,
    dataset_json_classes,
    declared_classes,
    fitted_to_masks,
    value_names_from_arff,
    value_names_from_colour_lut,
    value_names_from_csv,
    value_names_from_label_json,
    value_names_from_list,
    value_names_from_numbered_lines,
    value_names_from_ontology,
)
from seglab.data.classes.readme_values import value_names_from_readme
from seglab.data.classes.stac_labels import value_names_from_stac

__all__ = [
    "ARFF_GLOB",
    "BACKGROUND_COLOUR",
    "CLASS_DICT_GLOB",
    "COLOUR_JSON_NAME",
    "COLOUR_MAP_GLOB",
    "COLOUR_TABLE_GLOB",
    "CVAT_LABELMAP",
    "DATUMARO_META",
    "ERROR_COLOUR",
    "NAME_LIST_FILES",
    "ONTOLOGY_FILE",
    "VOID_LABEL",
    "VOID_NAMES",
    "ClassSpec",
    "ValueNames",
    "category_names",
    "classes_from_class_dict",
    "classes_from_colour_csv",
    "classes_from_colour_map",
    "classes_from_colour_names",
    "classes_from_dataset_meta",
    "classes_from_labelmap",
    "dataset_json_classes",
    "declared_classes",
    "default_colours",
    "fitted_to_masks",
    "generic_name",
    "hex_colour",
    "is_background",
    "is_cvat_xml",
    "is_void",
    "json_colour",
    "label_classes",
    "listed_regions",
    "load_classes_file",
    "refuse_unnamed",
    "region_labels",
    "shipped_classes",
    "tool_classes",
    "tool_values",
    "value_names_from_arff",
    "value_names_from_colour_lut",
    "value_names_from_csv",
    "value_names_from_cvat_xml",
    "value_names_from_label_json",
    "value_names_from_list",
    "value_names_from_numbered_lines",
    "value_names_from_ontology",
    "value_names_from_readme",
    "value_names_from_stac",
]
