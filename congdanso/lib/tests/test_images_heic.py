"""HEIC/HEIF photos (iPhones' default) are decoded by pillow-heif and stored as JPEG without metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from congdanso.lib.images import ImageRejected, process_image


def heic_bytes(width: int = 320, height: int = 240, *, with_gps: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), (30, 120, 200))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Apple"  # Make
    if with_gps:
        exif[0x8825] = {1: "N", 2: (10.0, 46.0, 30.0), 3: "E", 4: (106.0, 42.0, 0.0)}
    image.save(out, format="HEIF", quality=70, exif=exif.tobytes())
    return out.getvalue()


def test_heic_is_accepted_and_stored_as_jpeg_without_metadata() -> None:
    data = heic_bytes(with_gps=True)
    assert data[4:12] == b"ftypheic"
    assert Image.open(io.BytesIO(data)).getexif(), "the upload carries EXIF (with GPS)"
    done = process_image(data)
    assert done.source_format == "HEIF"
    stored = Image.open(io.BytesIO(done.content))
    assert stored.format == "JPEG" and stored.size == (320, 240)
    assert not stored.getexif() and "exif" not in stored.info
    assert Image.open(io.BytesIO(done.thumbnail)).format == "JPEG"


def test_truncated_heic_is_refused_as_corrupt() -> None:
    data = heic_bytes()
    with pytest.raises(ImageRejected) as caught:
        process_image(data[: len(data) // 2])
    assert caught.value.code in {"corrupt", "not_an_image"}


def test_heic_larger_than_the_pixel_limit_is_refused_before_decoding() -> None:
    with pytest.raises(ImageRejected) as caught:
        process_image(heic_bytes(640, 480), max_pixels=100_000)
    assert caught.value.code == "too_many_pixels"
