"""Report photos: validated and cleaned (lib.images) before any write; stored through Django storage.

``prepare`` bounds the cost of one request before decoding anything: the number of photos, their byte sizes and the
pixels their headers declare (summed, ``REPORTS_MAX_REQUEST_PIXELS``) are checked first, then the photos are decoded
and re-encoded one by one within ``REPORTS_PHOTO_SECONDS``.

Files are written inside the service's transaction; if it fails, ``files_cleanup()`` deletes what it wrote, so a
failed submission leaves no orphan file. (A rollback of an *outer* transaction the service does not own is caught
by ``manage.py purge_report_media``, which removes stored files no row points to.)
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage

from congdanso.core.writtenfiles import WrittenFiles
from congdanso.lib.images import ImageRejected, ProcessedImage, decoded_pixels, process_image
from congdanso.reports.errors import MESSAGES, PhotoRejected, invalid
from congdanso.reports.models import Report, ReportEvent, ReportPhoto

PREFIX = "reports"


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def max_bytes() -> int:
    return settings.REPORTS_MAX_PHOTO_MB * 1024 * 1024


def rejected(upload: Upload, exc: ImageRejected) -> PhotoRejected:
    message = MESSAGES[exc.code] % {"name": upload.name[:80], "mb": settings.REPORTS_MAX_PHOTO_MB}
    return PhotoRejected(message, code=f"photo_{exc.code}")


def prepare(uploads: list[Upload]) -> list[ProcessedImage]:
    """Check and clean every photo before anything is stored; the first bad one stops the whole request."""
    if len(uploads) > settings.REPORTS_MAX_PHOTOS:
        raise invalid("too_many_photos", max=settings.REPORTS_MAX_PHOTOS)
    total = 0
    for upload in uploads:  # headers only: nothing is decoded until the whole request is known to be affordable
        if len(upload.data) > max_bytes():
            raise rejected(upload, ImageRejected("too_large"))
        try:
            total += decoded_pixels(upload.data, max_pixels=settings.REPORTS_MAX_PHOTO_PIXELS)
        except ImageRejected as exc:
            raise rejected(upload, exc) from exc
    if total > settings.REPORTS_MAX_REQUEST_PIXELS:
        raise PhotoRejected(MESSAGES["request_too_many_pixels"]
                            % {"mp": settings.REPORTS_MAX_REQUEST_PIXELS // 1_000_000},
                            code="photo_request_too_many_pixels")
    deadline = time.monotonic() + settings.REPORTS_PHOTO_SECONDS
    done = []
    for upload in uploads:
        try:
            done.append(process_image(upload.data, max_bytes=max_bytes(),
                                      max_pixels=settings.REPORTS_MAX_PHOTO_PIXELS, deadline=deadline))
        except ImageRejected as exc:
            raise rejected(upload, exc) from exc
    return done


_files = WrittenFiles("report_files_written", lambda: default_storage)
files_cleanup = _files.cleanup
_save = _files.save


def store(report: Report, image: ProcessedImage, *, kind: str, event: ReportEvent | None = None) -> ReportPhoto:
    stem = f"{PREFIX}/{report.uuid.hex[:2]}/{report.uuid.hex}/{uuid.uuid4().hex}"
    photo = ReportPhoto(report=report, event=event, kind=kind, width=image.width, height=image.height,
                        sha256=image.sha256)
    photo.image.name = _save(f"{stem}.{image.extension}", image.content)
    photo.thumbnail.name = _save(f"{stem}_t.{image.extension}", image.thumbnail)
    photo.save()
    return photo


def replace(photo: ReportPhoto, content: bytes, thumbnail: bytes) -> list[str]:
    """Store new bytes for a photo (after redaction); returns the old names for deletion after commit."""
    old = [photo.image.name, photo.thumbnail.name]
    stem = f"{PREFIX}/{photo.report.uuid.hex[:2]}/{photo.report.uuid.hex}/{uuid.uuid4().hex}"
    photo.image.name = _save(f"{stem}.jpg", content)
    photo.thumbnail.name = _save(f"{stem}_t.jpg", thumbnail)
    return old


delete_files = _files.delete
