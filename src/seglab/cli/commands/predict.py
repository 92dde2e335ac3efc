"""`seglab predict`: write masks and overlays for new images and volumes."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from seglab.cli.command import COMMANDS, Command
from seglab.cli.options import (
    DEFAULTS,
    add_device_option,
    add_inference_options,
    add_max_pixels_option,
    inference_options,
)

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from seglab.data.files.rle import ORDERS
    from seglab.inference.raw_values import WRITE_VALUES
    from seglab.inference.submission import ID_STYLES

    parser.add_argument("run", help="run folder written by `seglab train`, or a model.onnx from `seglab export`")
    parser.add_argument("inputs", nargs="+",
                        help="image files or folders (png, jpg, tif, bmp, gif, dcm, npy, npz, h5), volumes (NIfTI .nii, "
                        ".nii.gz; MetaImage .mha, .mhd; NRRD .nrrd; an HDF5 file of a 3-D image dataset, its mask a NIfTI in the "
                        "dataset's axis order, identity affine) or DICOM series folders (or a folder of them; for a run trained on 2-D DICOM "
                        "frames, not volumes, a .dcm file is one image and a series folder its frames): "
                        "videos (.avi, .mp4, .mov: every frame, into <name>_mask.tif of a page per frame; pip install "
                        "'seglab[video]'); stacks of 2-D images (a multi-page TIFF; a .npz array or HDF5 datasets "
                        "named as stacks, images (N, H, W)): every slice, into <name>_mask.tif of a page per slice; "
                        "a volume is predicted slice by slice across the run's --slice-axis and written as "
                        "<name>_mask.nii.gz (.mha, .nrrd for those inputs; a case's modalities together: nnU-Net's "
                        "case_0000, case_0001, ... files, a BraTS subject folder's volumes, or for a run trained on "
                        "<case>__<MODALITY> files such as HECKTOR's CHUM-050__CT, each case's volumes of the "
                        "modalities it was trained on, the others left out; a folder's volumes named as the modalities alone, "
                        "autoPET's CTres, PET, SUV, as one case named by the folder); a GeoTIFF's mask is "
                        "also written as <name>_mask.tif with its georeferencing. A model trained on images whose "
                        "channels are files of their own (band folders, nnU-Net's 2-D _0000, _0001 files) reads "
                        "each image's files together: give them all, or the folder of the band folders")
    parser.add_argument("--out", default="predictions", help="output folder (default predictions)")
    parser.add_argument("--probs", action="store_true", help="also write per-class probabilities (.npy)")
    parser.add_argument("--rle-csv", metavar="FILE",
                        help="also write the masks as a run-length table, the CSV Kaggle's segmentation competitions "
                        "score: ImageId,EncodedPixels for one class besides the background, else "
                        "ImageId,ClassId,EncodedPixels (docs/inference.md)")
    parser.add_argument("--rle-order", choices=ORDERS, default="column",
                        help="--rle-csv: pixels numbered top to bottom, then left to right (column, default: Airbus, "
                        "Severstal, TGS) or row by row (row: Carvana, Sartorius, UW-Madison)")
    parser.add_argument("--rle-ids", choices=ID_STYLES, default="name",
                        help="--rle-csv: images named by file name (default, '0a1b.jpg') or by stem ('0a1b')")
    parser.add_argument("--rle-objects", action="store_true",
                        help="--rle-csv: a row per connected object, for competitions that score objects (Airbus' "
                        "ships, Sartorius' cells); default a row per class")
    parser.add_argument("--coco-json", metavar="FILE",
                        help="also write the masks as a COCO JSON (each connected region of a class one object, a "
                        "compressed run-length mask), for CVAT, Label Studio or Roboflow to import, or seglab to "
                        "read back as a dataset (docs/inference.md)")
    parser.add_argument("--geojson", action="store_true",
                        help="also write each image's masks as polygons, <name>.geojson: map coordinates in the "
                        "image's CRS for a GeoTIFF (for QGIS and GDAL), else pixels with QuPath's classification, "
                        "for QuPath to import; seglab reads them back as labels (docs/inference.md)")
    add_max_pixels_option(parser, "max_pixels")
    parser.set_defaults(max_pixels=DEFAULTS.data.max_pixels)
    add_device_option(parser)
    add_inference_options(parser)
    parser.add_argument("--write-values", choices=WRITE_VALUES, default="class",
                        help="what <name>_mask.png and label volumes hold: class indices 0..K-1 (default, a palette "
                        "PNG) or the raw mask values the run was trained from, by the label map its card records "
                        "(raw: MM-WHS' 205 ... 850, a grey PNG, 16-bit above 255; docs/inference.md)")
    parser.add_argument("--skip-bad", action="store_true",
                        help="go on past an input that cannot be read or predicted (corrupt, truncated, channels the "
                        "model cannot take), naming each with its error, and exit with status 1 at the end if any "
                        "was skipped; default: the first one stops predict (status 2)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> None:
    from seglab.data import set_max_pixels
    from seglab.errors import ConfigError
    from seglab.inference.bad_inputs import BadInputs
    from seglab.inference.files import WrittenPrediction, channel_images, collect_inputs, output_names, predict_files
    from seglab.inference.loading import load_segmenter
    from seglab.inference.output_bases import OutputBases
    from seglab.inference.raw_values import raw_values
    from seglab.inference.sample_groups import predict_sample_files, sample_files
    from seglab.inference.coco_results import write_coco_json
    from seglab.inference.submission import write_rle_table
    from seglab.inference.vectors import write_geojson_files
    from seglab.inference.stacks import array_stacks, predict_stacks, tiff_stacks, videos
    from seglab.inference.volume_inputs import volume_inputs
    from seglab.inference.volumes import named_cases, predict_volumes

    predictor = load_segmenter([args.run, *args.ensemble], args.device, args.precision, inference_options(args),
                               args.checkpoint)
    set_max_pixels(args.max_pixels)
    # a folder's masks and images told apart by the run's own --mask-pattern and --images (a run
    # folder's config, an exported model's model.json); a DICOM series one volume or 2-D frames as it trained
    naming = predictor.naming
    files = collect_inputs(args.inputs, predictor.channel_files, series=naming.volumes, images=naming.images,
                           mask_pattern=naming.mask_pattern, in_channels=predictor.in_channels, masks=naming.masks)
    # inputs sharing a stem keep their folders, so none overwrites another
    names = output_names(files, predictor.channel_files)
    volumes = volume_inputs(files, naming.volumes)
    bad = BadInputs(skip=args.skip_bad)
    bases = OutputBases()  # an image's, a volume case's and a stack's outputs never land on one path
    values = None
    if args.write_values == "raw":
        if predictor.task.name == "multilabel":
            raise ConfigError("--write-values raw: a multi-label model writes a 0/255 mask per class, no raw values")
        values = raw_values(predictor.card.mapping, predictor.classes.num_classes)
    flat = [path for path in files if path not in volumes]
    samples = sample_files(flat, naming.images, naming.bands)  # ChaBuD's train_eval.hdf5: a sample per group
    flat = [path for path in flat if path not in {sample.path for sample in samples}]
    stacks = tiff_stacks(flat, predictor) + array_stacks(flat, predictor) + videos(files, predictor)
    images = [path for path in flat if path not in stacks]
    cases = named_cases(predictor, volumes, names) if volumes else {}
    # every output named before any is written: inputs whose outputs would land on one path write nothing
    out = Path(args.out)
    image_groups = channel_images(images, predictor.channel_files)
    bases.claim_all(out, {path: names[path] for path in image_groups})
    bases.claim_all(out, {source: name for source, (name, _) in cases.items()})
    bases.claim_all(out, {stack: names[stack] for stack in stacks})
    for sample in samples:
        bases.claim_all(out, sample.sources())
    if (args.probs or args.rle_csv or args.coco_json or args.geojson) and (volumes or stacks):
        log.warning("--probs, --rle-csv, --coco-json and --geojson are written for 2-D images only, not for volumes "
                    "or TIFF stacks and videos")
    written: list[WrittenPrediction] = []
    if images or not (volumes or stacks or samples):
        written = predict_files(predictor, image_groups, args.out, save_probs=args.probs, names=names,
                                progress=not args.no_progress, bad=bad, values=values,
                                bases=bases)
        masks = "<name>_<class>.png" if predictor.task.name == "multilabel" else "<name>_mask.png"
        geotiffs = sum(1 for w in written if w.geotiff is not None)
        print(f"{len(written)} image(s) -> {args.out} ({masks}, <name>_overlay.png"
              f"{', <name>_probs.npy' if args.probs else ''}"
              f"{f'; <name>_mask.tif for the {geotiffs} GeoTIFF(s), georeferenced like them' if geotiffs else ''})")
    if samples:
        grouped = predict_sample_files(predictor, samples, args.out, save_probs=args.probs,
                                       progress=not args.no_progress, bad=bad, values=values, bases=bases)
        print(f"{len(grouped)} sample group(s) of {len(samples)} HDF5 file(s) -> {args.out} (<group>_mask.png, "
              f"<group>_overlay.png{', <group>_probs.npy' if args.probs else ''})")
        written += grouped
    if images or samples or not (volumes or stacks):
        if args.rle_csv:
            rows = write_rle_table(written, args.rle_csv, predictor.classes, predictor.task.name == "multilabel",
                                   args.rle_order, args.rle_ids, args.rle_objects)
            print(f"{rows} run-length rows ({args.rle_order}-major) -> {args.rle_csv}")
        if args.coco_json:
            count = write_coco_json(written, args.coco_json, predictor.classes, predictor.task.name == "multilabel")
            print(f"{count} objects as COCO JSON -> {args.coco_json}")
        if args.geojson:
            count = write_geojson_files(written, predictor.classes, predictor.task.name == "multilabel")
            print(f"{count} polygons as GeoJSON -> {args.out} (<name>.geojson)")
    if volumes:
        axis = naming.slice_axis  # slices are cut across the plane the run trained on
        predicted = predict_volumes(predictor, volumes, args.out, axis, names=names, progress=not args.no_progress,
                                    bad=bad, values=values, bases=bases, cases=cases)
        print(f"{len(predicted)} volume(s) -> {args.out} (<name>_mask.nii.gz, or .mha, .nrrd as the input, on its grid, "
              f"<name>_overlay.png of the middle {axis} slice)")
    if stacks:
        pages = predict_stacks(predictor, stacks, args.out, names=names, progress=not args.no_progress,
                               bad=bad, values=values, bases=bases)
        print(f"{len(pages)} stack(s) and video(s) -> {args.out} (<name>_mask.tif, a mask page per page, slice or "
              "frame, <name>_overlay.png of the middle one)")
    if bad.skipped:  # the others are written; status 1, as `seglab sanity` for a check that ran and failed
        print(f"seglab predict: {len(bad.skipped)} input(s) skipped as bad (--skip-bad), each named above; the "
              "others are predicted", file=sys.stderr)
        raise SystemExit(1)


COMMANDS.register("predict")(Command(
    help="write masks and overlays for new images",
    add_arguments=add_arguments,
    run=run,
))
