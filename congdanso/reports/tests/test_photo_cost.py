"""One request cannot make a process decode without bound: small files declaring huge images are refused from their
headers, JPEGs decode at reduced scale, and processing stops at a time budget."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from congdanso.lib import images
from congdanso.lib.images import ImageRejected, decoded_pixels, process_image
from congdanso.reports import photos
from congdanso.reports.errors import PhotoRejected
from congdanso.reports.photos import Upload


def huge_png(side: int = 7000) -> bytes:
    """A ~47 KB PNG declaring side×side pixels (one flat grey plane compresses to almost nothing)."""
    out = io.BytesIO()
    Image.new("L", (side, side), 0).save(out, format="PNG", optimize=True)
    return out.getvalue()


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 90, 200)).save(out, format="JPEG", quality=30)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = huge_png()
    assert len(data) < 60_000
    return data


def test_five_huge_pngs_are_refused_from_their_headers_before_any_decoding(settings, bomb, monkeypatch):
    settings.REPORTS_MAX_PHOTO_PIXELS = 50_000_000
    settings.REPORTS_MAX_REQUEST_PIXELS = 60_000_000

    def never(*args, **kwargs):
        raise AssertionError("decoded although the request was over its pixel budget")

    monkeypatch.setattr(photos, "process_image", never)
    monkeypatch.setattr(Image.Image, "load", never)
    with pytest.raises(PhotoRejected) as caught:
        photos.prepare([Upload(f"bom-{i}.png", bomb) for i in range(5)])
    assert caught.value.code == "photo_request_too_many_pixels" and "60" in str(caught.value.message)


def test_the_budget_is_a_setting(settings, bomb):
    settings.REPORTS_MAX_REQUEST_PIXELS = 500_000_000
    settings.REPORTS_MAX_PHOTOS = 2
    done = photos.prepare([Upload("a.png", bomb), Upload("b.png", bomb)])
    assert [(p.width, p.height) for p in done] == [(2560, 2560), (2560, 2560)]


def test_jpeg_is_decoded_at_reduced_scale():
    data = jpeg(7000, 5000)
    assert decoded_pixels(data, max_pixels=50_000_000) == 3500 * 2500  # DCT scaling 1/2, still ≥ 2560 wide
    assert decoded_pixels(jpeg(2000, 1500), max_pixels=50_000_000) == 2000 * 1500
    done = process_image(data, max_pixels=50_000_000)
    assert (done.width, done.height) == (2560, 1829)


def test_processing_stops_at_the_deadline(settings, bomb):
    settings.REPORTS_MAX_REQUEST_PIXELS = 500_000_000
    settings.REPORTS_PHOTO_SECONDS = 0
    with pytest.raises(PhotoRejected) as caught:
        photos.prepare([Upload("a.png", bomb)])
    assert caught.value.code == "photo_too_slow"
    with pytest.raises(ImageRejected) as direct:
        process_image(bomb, max_pixels=50_000_000, deadline=0.0)
    assert direct.value.code == "too_slow"


def test_steps_between_decode_and_encode_check_the_deadline(monkeypatch, bomb):
    clock = iter([0.0, 0.0, 100.0])
    monkeypatch.setattr(images.time, "monotonic", lambda: next(clock))
    with pytest.raises(ImageRejected) as caught:
        process_image(bomb, max_pixels=50_000_000, deadline=50.0)
    assert caught.value.code == "too_slow"


def test_a_big_jpeg_is_judged_by_what_is_decoded():
    data = jpeg(8000, 6000)  # 48 MP declared; decoded at 1/2 scale: 12 MP
    assert process_image(data, max_pixels=20_000_000).width == 2560
    with pytest.raises(ImageRejected) as caught:
        process_image(huge_png(5000), max_pixels=20_000_000)
    assert caught.value.code == "too_many_pixels"
