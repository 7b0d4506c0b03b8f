"""Ward from imported boundaries (point in polygon, STRtree), outside-the-city check, photo cleaning (formats,
EXIF, bombs, size), orphan media purge."""

from __future__ import annotations

import io
import json
import os
import time

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from congdanso.lib.images import ImageRejected, process_image
from congdanso.reports import services
from congdanso.reports.errors import ReportError
from congdanso.reports.models import WardBoundary
from congdanso.testing.factories import jpeg_bytes, make_input, png_bytes


def square(lon: float, lat: float, size: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                [lon, lat + size], [lon, lat]]]}


@pytest.fixture
def boundaries(tmp_path, ward, other_ward):
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": ward.code}, "geometry": square(106.69, 10.77, 0.02)},
        {"type": "Feature", "properties": {"code": other_ward.code}, "geometry": square(106.69, 10.79, 0.02)},
        {"type": "Feature", "properties": {"code": "00000"}, "geometry": square(0, 0, 1)},
    ]}
    path = tmp_path / "wards.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = io.StringIO()
    call_command("import_boundaries", str(path), stdout=out)
    assert "imported 2, unknown unit code 1" in out.getvalue()
    return path


def test_point_in_polygon_sets_ward_and_routes_to_its_committee(boundaries, citizen, ward_category, other_ward,
                                                                 ward, ward_committee):
    report = services.submit_report(make_input(ward_category, lat=10.775, lon=106.70, ward=other_ward.code),
                                    actor=citizen).report
    assert report.ward == ward and report.ward_source == "boundary"  # the polygon wins over the chosen ward
    assert report.agency == ward_committee


def test_outside_every_boundary_is_outside_the_city(boundaries, citizen, category):
    with pytest.raises(ReportError) as caught:
        services.submit_report(make_input(category, lat=10.90, lon=106.60), actor=citizen)
    assert caught.value.code == "outside_city"


def test_partial_import_accepts_the_chosen_ward_outside_the_polygons(boundaries, citizen, ward_category,
                                                                    other_ward):
    """Boundaries cover part of the city: a point in the city but outside them is placed in the chosen ward."""
    report = services.submit_report(make_input(ward_category, lat=10.90, lon=106.60, ward=other_ward.code),
                                    actor=citizen).report
    assert report.ward == other_ward and report.ward_source == "chosen"
    with pytest.raises(ReportError) as caught:  # the city box still bounds a chosen ward
        services.submit_report(make_input(ward_category, lat=21.03, lon=105.85, ward=other_ward.code),
                               actor=citizen)
    assert caught.value.code == "outside_city"


def test_reimport_updates(boundaries, ward):
    call_command("import_boundaries", str(boundaries), stdout=io.StringIO())
    assert WardBoundary.objects.count() == 2


def test_process_image_strips_exif_and_limits_size():
    done = process_image(jpeg_bytes(3000, 2000))
    image = Image.open(io.BytesIO(done.content))
    assert image.format == "JPEG" and not image.getexif() and max(image.size) <= 2560
    assert max(Image.open(io.BytesIO(done.thumbnail)).size) <= 480


def test_png_with_alpha_and_webp_are_accepted():
    assert process_image(png_bytes()).source_format == "PNG"
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, format="WEBP")
    assert process_image(out.getvalue()).source_format == "WEBP"


@pytest.mark.parametrize(("data", "code"), [
    (b"", "not_an_image"),
    (b"hello world", "not_an_image"),
    (jpeg_bytes()[:200], "corrupt"),
])
def test_bad_images(data, code):
    with pytest.raises(ImageRejected) as caught:
        process_image(data)
    assert caught.value.code == code


def test_unsupported_format():
    out = io.BytesIO()
    Image.new("RGB", (5, 5)).save(out, format="GIF")
    with pytest.raises(ImageRejected) as caught:
        process_image(out.getvalue())
    assert caught.value.code == "unsupported_format"


def test_decompression_bomb_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")  # 400 MP of 1-bit pixels: a few KB on disk
    data = out.getvalue()
    assert len(data) < 200_000
    with pytest.raises(ImageRejected) as caught:
        process_image(data, max_pixels=50_000_000)
    assert caught.value.code == "too_many_pixels"


def test_oversized_file_refused():
    with pytest.raises(ImageRejected) as caught:
        process_image(b"\xff" * 2000, max_bytes=1000)
    assert caught.value.code == "too_large"


def test_purge_removes_only_old_orphans(report):
    default_storage.save("reports/zz/orphan.jpg", io.BytesIO(b"x"))
    path = default_storage.path("reports/zz/orphan.jpg")
    os.utime(path, (time.time() - 7200, time.time() - 7200))
    call_command("purge_report_media", stdout=io.StringIO())
    assert not default_storage.exists("reports/zz/orphan.jpg")
    assert all(default_storage.exists(p.image.name) for p in report.photos.all())
