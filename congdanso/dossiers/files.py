"""Documents of dossiers: checked and cleaned before any write, stored in the private storage.

``check(upload)`` decides the type from the content (``lib.documents.sniff``: PDF, JPEG, PNG, HEIC — never from
the name or the browser's content type), refuses what is too large, and returns the bytes to store:

- a PDF opened with pypdf and written again without active content (``lib.documents.clean_pdf``); one with
  JavaScript, a password or a broken structure is refused;
- an image decoded with Pillow (pillow-heif for HEIC) and re-encoded as a JPEG without metadata (``lib.images``),
  so a phone's GPS position never reaches the agency and every officer's browser opens it. Its name takes the
  extension of what is stored: a JPEG named ``.png`` is accepted and becomes ``….jpg``.

``check_all`` checks every upload of a request before anything is stored and reports every bad one at once.

Files are written in the storage ``dossier_files`` (``settings.STORAGES``: outside ``MEDIA_ROOT``, no URL) under
random names, inside the service's transaction; if it fails, ``files_cleanup()`` deletes what it wrote, so a refused
submission leaves no orphan file. (A rollback of an outer transaction the service does not own is caught by
``manage.py purge_dossier_files``, which removes stored files no row points to.)
"""

from __future__ import annotations

import hashlib
import re
import time
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from congdanso.core.writtenfiles import WrittenFiles
from congdanso.dossiers.errors import DossierError, FormInvalid
from congdanso.lib import documents
from congdanso.lib.documents import DocumentRejected
from congdanso.lib.images import ImageRejected, process_image

STORAGE = "dossier_files"
MAX_IMAGE_PIXELS = 50_000_000
MAX_IMAGE_SIDE = 3508  # an A4 page scanned at 300 dpi stays legible
IMAGE_SECONDS = 20  # decoding and re-encoding the images of one request

MESSAGES: dict[str, Promise] = {
    "empty": _("Tệp “%(name)s” rỗng. Hãy chọn lại tệp."),
    "too_large": _("Tệp “%(name)s” lớn hơn %(mb)s MB. Hãy chụp hoặc quét lại với độ phân giải thấp hơn."),
    "not_supported": _("Tệp “%(name)s” không phải PDF, JPEG, PNG hoặc HEIC (đã kiểm tra nội dung tệp, không chỉ "
                       "đuôi tên). Hãy lưu giấy tờ thành PDF hoặc chụp ảnh rồi tải lên."),
    "corrupt": _("Không mở được tệp “%(name)s”: tệp bị hỏng hoặc không đúng định dạng. Hãy lưu lại rồi tải lên."),
    "encrypted": _("Tệp PDF “%(name)s” có mật khẩu hoặc bị mã hóa. Hãy lưu lại bản không đặt mật khẩu."),
    "javascript": _("Tệp PDF “%(name)s” có chứa mã JavaScript nên không được nhận. Hãy in ra PDF (“Print to "
                    "PDF”) rồi tải bản in lên."),
    "too_many_pages": _("Tệp PDF “%(name)s” có hơn %(pages)s trang. Hãy chỉ tải các trang của giấy tờ này."),
    "too_complex": _("Tệp PDF “%(name)s” quá phức tạp để kiểm tra. Hãy in ra PDF (“Print to PDF”) rồi tải lên."),
    "too_many_pixels": _("Ảnh “%(name)s” quá lớn (quá nhiều điểm ảnh). Hãy chụp lại với độ phân giải thấp hơn."),
    "too_slow": _("Xử lý các ảnh mất quá lâu. Hãy tải lên ít ảnh hơn trong một lần."),
    "too_many_files": _("Một hồ sơ có tối đa %(max)s tệp."),
}


@dataclass(frozen=True)
class Upload:
    name: str  # as the browser sent it: shown back, never trusted
    data: bytes
    field: str = ""  # the form field it came from (where its error is shown)


@dataclass(frozen=True)
class Checked:
    name: str  # cleaned, with the extension of what is stored
    content: bytes
    content_type: str
    extension: str
    sha256: str  # of the stored bytes
    field: str = ""

    @property
    def size(self) -> int:
        return len(self.content)


def max_bytes() -> int:
    return settings.DOSSIER_MAX_FILE_MB * 1024 * 1024


def display_name(name: str, limit: int = 80) -> str:
    """The name as the resident gave it, safe to show: its last path part, no control characters, NFC, short."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip()
    return (name[:limit - 1] + "…") if len(name) > limit else (name or "tep")


def stored_name(name: str, extension: str) -> str:
    stem = display_name(name, 120)
    stem = stem.rsplit(".", 1)[0] if "." in stem.lstrip(".") else stem
    return f"{stem[:120] or 'tai-lieu'}.{extension}"


def rejected(upload: Upload, code: str, **values: object) -> DossierError:
    message = MESSAGES.get(code, MESSAGES["corrupt"]) % {
        "name": display_name(upload.name), "mb": settings.DOSSIER_MAX_FILE_MB,
        "pages": settings.DOSSIER_MAX_PDF_PAGES, **values}
    return DossierError(message, field=upload.field or None, code=f"file_{code}")


def check(upload: Upload, *, deadline: float | None = None) -> Checked:
    """The bytes to store for one upload; raises ``DossierError`` (``file_<reason>``) naming the file."""
    if not upload.data:
        raise rejected(upload, "empty")
    if len(upload.data) > max_bytes():
        raise rejected(upload, "too_large")
    kind = documents.sniff(upload.data)
    if kind is None:
        raise rejected(upload, "not_supported")
    if kind == documents.PDF:
        try:
            pdf = documents.clean_pdf(upload.data, max_pages=settings.DOSSIER_MAX_PDF_PAGES)
        except DocumentRejected as exc:
            raise rejected(upload, exc.code) from exc
        content, content_type, extension = pdf.content, documents.CONTENT_TYPES[documents.PDF], "pdf"
    else:
        try:
            image = process_image(upload.data, max_bytes=max_bytes(), max_pixels=MAX_IMAGE_PIXELS,
                                  max_side=MAX_IMAGE_SIDE, thumb_side=64, deadline=deadline)
        except ImageRejected as exc:
            code = exc.code if exc.code in MESSAGES else "corrupt"
            raise rejected(upload, code) from exc
        if image.source_format != {documents.JPEG: "JPEG", documents.PNG: "PNG", documents.HEIC: "HEIF"}[kind]:
            raise rejected(upload, "corrupt")
        content, content_type, extension = image.content, image.content_type, image.extension
    if len(content) > max_bytes():  # a rewritten PDF or a re-encoded image may grow
        raise rejected(upload, "too_large")
    return Checked(name=stored_name(upload.name, extension), content=content, content_type=content_type,
                   extension=extension, sha256=hashlib.sha256(content).hexdigest(), field=upload.field)


def check_all(uploads: list[Upload]) -> list[Checked]:
    """Every upload checked before anything is stored; every bad one reported at once (``FormInvalid``)."""
    deadline = time.monotonic() + IMAGE_SECONDS
    done: list[Checked] = []
    problems: list[DossierError] = []
    for upload in uploads:
        try:
            done.append(check(upload, deadline=deadline))
        except DossierError as exc:
            problems.append(exc)
    if problems:
        raise FormInvalid(problems)
    return done


# --- storage -------------------------------------------------------------------------------------------------------

def storage() -> Storage:
    return storages[STORAGE]


_files = WrittenFiles("dossier_files_written", storage)
files_cleanup = _files.cleanup
delete_files = _files.delete


def save(checked: Checked) -> str:
    """Write the bytes under a new random name (two-level folders); returns the stored name."""
    token = uuid.uuid4().hex
    return _files.save(f"{token[:2]}/{token}.{checked.extension}", checked.content)


def stored_names() -> Iterator[str]:
    """Every file in the storage (for the orphan sweep)."""
    def walk(folder: str) -> Iterator[str]:
        try:
            dirs, files = storage().listdir(folder)
        except (FileNotFoundError, OSError):
            return
        for name in files:
            yield f"{folder}/{name}" if folder else name
        for sub in dirs:
            yield from walk(f"{folder}/{sub}" if folder else sub)
    yield from walk("")
