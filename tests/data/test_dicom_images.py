"""2-D DICOM images (radiographs, mammograms, ultrasound frames) as images and masks, as the
X-ray and mammography datasets ship them: a folder of `.dcm` files, each its own series, beside
PNG masks (SIIM-ACR's DICOMs with masks drawn from its run-lengths), or DICOM masks
(CBIS-DDSM's ROI masks). Before, `.dcm` files were no images and nothing paired; a folder of
them given to `seglab predict` was read as one series and refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, JPEGLSLossless, generate_uid

from seglab.data import inspect_dataset, read_image, read_mask
from seglab.data.files.io import read_raw_mask
from seglab.data.files.read_errors import ReadError
from seglab.data.files.dicom import read_dicom_series
from seglab.data.files.volumes import is_volume
from seglab.errors import DataError

from .test_volumes import write_dicom_series  # type: ignore[import-not-found]

DX = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image Storage
H, W = 24, 20


def dicom(path: Path, pixels: np.ndarray, photometric: str = "MONOCHROME2", slope: float = 1.0,
          intercept: float = 0.0, series: str | None = None, frames: int = 1) -> None:
    """A DICOM file as a modality writes it: uncompressed, its own series unless one is given."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = DX, generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = DX, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.Modality = generate_uid(), series or generate_uid(), "CR"
    ds.Rows, ds.Columns = pixels.shape[-3:-1] if pixels.ndim - (frames > 1) == 3 else pixels.shape[-2:]
    colour = pixels.ndim - (frames > 1) == 3
    ds.SamplesPerPixel, ds.PhotometricInterpretation = (3, "RGB") if colour else (1, photometric)
    if colour:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated = ds.BitsStored = 8 if pixels.dtype == np.uint8 else 16
    ds.HighBit, ds.PixelRepresentation = ds.BitsStored - 1, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    if slope != 1.0 or intercept != 0.0:
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
    ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def radiograph(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 4096, (H, W)).astype(np.uint16)


def box(seed: int) -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    mask[3 + seed:12 + seed, 4:15] = 255
    return mask


def test_radiographs_pair_with_png_masks_in_their_modality_units(tmp_path):
    (tmp_path / "masks").mkdir()
    for i in range(4):
        uid = generate_uid()
        dicom(tmp_path / "dicom-images-train" / f"{uid}.dcm", radiograph(i), slope=2.0, intercept=-100.0)
        Image.fromarray(box(i)).save(tmp_path / "masks" / f"{uid}.png")
    report = inspect_dataset(tmp_path)
    index = report.index
    assert index.format == "folder-pairs" and len(index.pairs) == 4 and not report.fatal
    pair = index.pairs[0]
    seed = next(i for i in range(4) if (read_mask(pair.mask, index.mapping) == (box(i) > 0)).all())
    np.testing.assert_allclose(read_image(pair.image)[..., 0], radiograph(seed) * 2.0 - 100.0)


def test_monochrome1_reads_bright_as_high_and_colour_as_rgb(tmp_path):
    dicom(tmp_path / "inverted.dcm", radiograph(0), photometric="MONOCHROME1")
    stored = radiograph(0).astype(np.float32)
    np.testing.assert_allclose(read_image(tmp_path / "inverted.dcm")[..., 0], 65535 - stored)  # 16 bits stored
    frame = np.random.default_rng(1).integers(0, 256, (H, W, 3), np.uint8)
    dicom(tmp_path / "ultrasound.dcm", frame)
    np.testing.assert_array_equal(read_image(tmp_path / "ultrasound.dcm"), frame)


def test_dicom_masks_and_a_multiframe_file_read_its_first_frame(tmp_path):
    """CBIS-DDSM's ROI masks are DICOM files of 0 and 255; a cine loop gives its first frame."""
    dicom(tmp_path / "roi.dcm", box(2))
    np.testing.assert_array_equal(read_raw_mask(tmp_path / "roi.dcm"), box(2))
    loop = np.stack([radiograph(k) for k in range(3)])
    dicom(tmp_path / "loop.dcm", loop, frames=3)
    np.testing.assert_allclose(read_image(tmp_path / "loop.dcm")[..., 0], radiograph(0))


def test_a_folder_of_radiographs_is_images_and_a_folder_of_one_series_a_volume(tmp_path):
    for i in range(3):
        dicom(tmp_path / "radiographs" / f"{i}.dcm", radiograph(i))
    series = generate_uid()
    for i in range(3):
        dicom(tmp_path / "series" / f"{i}.dcm", radiograph(i), series=series)
    assert not is_volume(tmp_path / "radiographs") and not is_volume(tmp_path / "radiographs" / "0.dcm")
    assert is_volume(tmp_path / "series") and is_volume(tmp_path / "series" / "0.dcm")


def test_damaged_or_undecodable_dicom_files_are_named(tmp_path):
    dicom(tmp_path / "cut.dcm", radiograph(0))
    (tmp_path / "cut.dcm").write_bytes((tmp_path / "cut.dcm").read_bytes()[:300])
    with pytest.raises(ReadError, match=r"cut\.dcm'") as error:
        read_image(tmp_path / "cut.dcm")
    assert error.value.code == "unreadable"
    dicom(tmp_path / "jpegls.dcm", radiograph(0))
    from pydicom import dcmread
    from pydicom.encaps import encapsulate

    ds = dcmread(tmp_path / "jpegls.dcm")
    ds.file_meta.TransferSyntaxUID = JPEGLSLossless
    ds.PixelData = encapsulate([b"\xff\xd8\xff\xf7" + bytes(64)])
    ds.save_as(tmp_path / "jpegls.dcm")
    with pytest.raises(ReadError, match=r"jpegls\.dcm' .*decoder is not installed") as error:
        read_image(tmp_path / "jpegls.dcm")
    assert error.value.code == "missing-codec"
    (tmp_path / "report.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"not really")
    with pytest.raises(ReadError, match=r"report\.dcm'"):
        read_image(tmp_path / "report.dcm")


def drawn(path: Path, kind: str, names: tuple[str, ...], frames: np.ndarray | None = None) -> None:
    """An object drawn on a series, as a planning system or a segmentation tool writes it: an
    RTSTRUCT naming its ROIs (contours left out), or a SEG naming its segments over its frames."""
    from pydicom.sequence import Sequence
    from pydicom.uid import RTStructureSetStorage, SegmentationStorage

    sop = RTStructureSetStorage if kind == "RTSTRUCT" else SegmentationStorage
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = sop, generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = sop, meta.MediaStorageSOPInstanceUID, kind
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    items = []
    for number, name in enumerate(names, start=1):
        item = Dataset()
        if kind == "RTSTRUCT":
            item.ROINumber, item.ROIName = number, name
        else:
            item.SegmentNumber, item.SegmentLabel = number, name
        items.append(item)
    if kind == "RTSTRUCT":
        ds.StructureSetROISequence = Sequence(items)
    else:
        ds.SegmentSequence = Sequence(items)
        ds.Rows, ds.Columns, ds.NumberOfFrames = frames.shape[1:3] + (len(frames),)
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated = ds.BitsStored = 8
        ds.HighBit, ds.PixelRepresentation = 7, 0
        ds.PixelData = np.ascontiguousarray(frames).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def test_an_rtstruct_beside_its_ct_series_is_refused_naming_its_rois_and_the_route(tmp_path):
    """TCIA's LCTSC as the NBIA Data Retriever writes it: <patient>/<study>/<n>.000000-NA-<id>/1-001.dcm
    ... (the CT series) beside 1.000000-NA-<id>/1-1.dcm (the RTSTRUCT of its contours): the CT
    folder was paired with the RTSTRUCT's in 2-D and refused as 'a DICOM file without pixel data
    (a report, a DICOMDIR)'. The RTSTRUCT is named, with its ROIs and the way to label volumes."""
    from seglab.errors import DataError

    for n in range(3):
        study = tmp_path / "LCTSC" / f"LCTSC-Train-S1-00{n + 1}" / f"01-01-2003-NA-RTRCCTTHORAX8FHigh Adult-{9000 + n}"
        series = generate_uid()
        for k in range(3):
            dicom(study / f"0.000000-NA-{8000 + n}" / f"1-00{k + 1}.dcm", radiograph(k), series=series)
        drawn(study / f"1.000000-NA-{7000 + n}" / "1-1.dcm", "RTSTRUCT", ("Esophagus", "Heart", "Lung_L"))
    with pytest.raises(DataError, match=r"1-1\.dcm' is a DICOM RT structure set \(RTSTRUCT\) of contours \(Esophagus, "
                                        r"Heart, Lung_L\) drawn on an image series.*dcmrtstruct2nii convert"):
        inspect_dataset(tmp_path / "LCTSC")


def test_a_seg_object_is_refused_not_read_as_its_first_frame(tmp_path):
    """A DICOM SEG (Modality SEG, a frame per segment and slice) was read as a mask of its first
    frame alone, one segment on one slice; it is named, with its segments and the route."""
    frames = np.stack([box(0) // 255, box(1) // 255])
    drawn(tmp_path / "seg.dcm", "SEG", ("Liver", "Tumor"), frames)
    with pytest.raises(ReadError, match=r"seg\.dcm' is a DICOM segmentation object \(SEG\) of segments \(Liver, "
                                        r"Tumor\).*segimage2itkimage") as error:
        read_raw_mask(tmp_path / "seg.dcm")
    assert error.value.code == "not-an-image"


def test_a_folder_of_an_rtstruct_is_no_series_and_one_beside_the_slices_is_passed_over(tmp_path):
    """Read as a volume, an RTSTRUCT's folder was 'no image slices'; it is named as above. An
    RTSTRUCT exported into its series' folder leaves the series as it was read."""
    drawn(tmp_path / "RTSTRUCT" / "1-1.dcm", "RTSTRUCT", ("GTV",))
    with pytest.raises(DataError, match=r"1-1\.dcm' is a DICOM RT structure set \(RTSTRUCT\) of contours \(GTV\)"):
        read_dicom_series(tmp_path / "RTSTRUCT")
    write_dicom_series(tmp_path / "CT", np.zeros((6, 5, 3), np.int16))
    drawn(tmp_path / "CT" / "RS.dcm", "RTSTRUCT", ("GTV",))
    assert read_dicom_series(tmp_path / "CT")[0].shape == (6, 5, 3)
