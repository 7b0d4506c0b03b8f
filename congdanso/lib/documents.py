"""Uploaded documents made safe: the type read from the content, PDFs opened and stripped of active content.

``sniff(data)`` names the type from the first bytes (magic numbers) — never from the file name or the browser's
content type, so an HTML page renamed ``.pdf`` is no PDF. ``clean_pdf(data)`` opens a PDF with pypdf, refuses one
that is encrypted, broken, too long or carries JavaScript, and writes it again without what a viewer would run or
open by itself:

- the document's open action (``/OpenAction``) and every additional-actions dictionary (``/AA``: on open, close,
  print, page view, field focus…);
- every action but "go to a place in this document" (``/GoTo``) and named navigation (``/Named``): ``/Launch``,
  ``/URI``, ``/GoToR``, ``/GoToE``, ``/SubmitForm``, ``/ImportData``, ``/Rendition``, ``/Hide``, sounds and movies
  (links stay visible as text but no longer open anything);
- embedded files (``/EmbeddedFiles`` in the name tree) and file-attachment, screen, sound, movie, rich-media and 3D
  annotations;
- XFA forms (``/XFA``, which may hold scripts).

Pure functions: the caller decides where the bytes go. Errors carry a stable ``code`` the caller turns into a
translated message. pypdf bounds decompression itself (``pypdf.filters.ZLIB_MAX_OUTPUT_LENGTH`` …); the object walk
here is bounded by ``max_objects``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

PDF = "pdf"
JPEG = "jpeg"
PNG = "png"
HEIC = "heic"
CONTENT_TYPES = {PDF: "application/pdf", JPEG: "image/jpeg", PNG: "image/png", HEIC: "image/heic"}
# ISO base media "ftyp" brands of HEIC/HEIF still images (what iPhones take).
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}

SAFE_ACTIONS = {"/GoTo", "/Named"}
ACTIVE_ANNOTATIONS = {"/FileAttachment", "/Screen", "/Movie", "/Sound", "/RichMedia", "/3D"}


class DocumentRejected(ValueError):
    """``code`` is one of: not_supported, corrupt, encrypted, javascript, too_many_pages, too_complex."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


def sniff(data: bytes) -> str | None:
    """``pdf``, ``jpeg``, ``png`` or ``heic`` from the content's first bytes; None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(data) >= 16 and data[4:8] == b"ftyp":
        size = int.from_bytes(data[0:4], "big")
        brands = [data[8:12]] + [data[i:i + 4] for i in range(16, min(size, len(data), 64), 4)]
        if any(brand in HEIF_BRANDS for brand in brands):
            return HEIC
    return None


@dataclass(frozen=True)
class CleanPdf:
    content: bytes
    pages: int
    removed: tuple[str, ...]  # what was taken out: "open_action", "additional_actions", "actions", …


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _walk(root: Any, max_objects: int) -> Iterator[DictionaryObject]:
    """Every dictionary reachable from ``root`` once (indirect objects followed once), without recursion;
    ``too_complex`` past ``max_objects`` visits."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    visits = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        visits += 1
        if visits > max_objects:
            raise DocumentRejected("too_complex", f"more than {max_objects} objects")
        if isinstance(obj, DictionaryObject):  # streams are dictionaries too: their data is not decoded
            yield obj
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)


def _has_javascript(root: Any, max_objects: int) -> bool:
    for obj in _walk(root, max_objects):
        if "/JS" in obj or obj.get("/S") == "/JavaScript":
            return True
        names = _resolve(obj.get("/Names"))
        if isinstance(names, DictionaryObject) and "/JavaScript" in names:
            return True
    return False


def _strip(root: DictionaryObject, max_objects: int) -> set[str]:
    """Take active content out of the writer's document, in place; returns what was found."""
    removed: set[str] = set()
    for key, label in (("/OpenAction", "open_action"), ("/AA", "additional_actions")):
        if key in root:
            del root[NameObject(key)]
            removed.add(label)
    names = _resolve(root.get("/Names"))
    if isinstance(names, DictionaryObject):
        for key, label in (("/EmbeddedFiles", "embedded_files"), ("/JavaScript", "javascript")):
            if key in names:
                del names[NameObject(key)]
                removed.add(label)
    form = _resolve(root.get("/AcroForm"))
    if isinstance(form, DictionaryObject) and "/XFA" in form:
        del form[NameObject("/XFA")]
        removed.add("xfa")
    for obj in list(_walk(root, max_objects)):
        if "/AA" in obj:
            del obj[NameObject("/AA")]
            removed.add("additional_actions")
        action = _resolve(obj.get("/A"))
        if isinstance(action, DictionaryObject) and action.get("/S") not in SAFE_ACTIONS:
            del obj[NameObject("/A")]
            removed.add("actions")
        if obj.get("/S") in SAFE_ACTIONS and "/Next" in obj:  # a chain of actions after a harmless one
            del obj[NameObject("/Next")]
            removed.add("actions")
        annots = _resolve(obj.get("/Annots"))
        if isinstance(annots, ArrayObject):
            kept = [a for a in annots if _resolve(a).get("/Subtype") not in ACTIVE_ANNOTATIONS]
            if len(kept) != len(annots):
                obj[NameObject("/Annots")] = ArrayObject(kept)
                removed.add("annotations")
    return removed


def clean_pdf(data: bytes, *, max_pages: int = 300, max_objects: int = 200_000) -> CleanPdf:
    """The PDF written again without active content; raises ``DocumentRejected``."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentRejected("encrypted")
        pages = len(reader.pages)
        if pages == 0:
            raise DocumentRejected("corrupt", "no pages")
        if pages > max_pages:
            raise DocumentRejected("too_many_pages", str(pages))
        if _has_javascript(reader.trailer, max_objects):
            raise DocumentRejected("javascript")
        writer = PdfWriter(clone_from=reader)
        removed = _strip(writer.root_object, max_objects)
        out = io.BytesIO()
        writer.write(out)
        content = out.getvalue()
        # The copy must open again with every page (what the officer will read).
        if len(PdfReader(io.BytesIO(content), strict=False).pages) != pages:
            raise DocumentRejected("corrupt", "pages lost when rewriting")
    except DocumentRejected:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, IndexError, OSError, RecursionError,
            AssertionError, ZeroDivisionError) as exc:
        raise DocumentRejected("corrupt", f"{type(exc).__name__}: {exc}") from exc
    return CleanPdf(content=content, pages=pages, removed=tuple(sorted(removed)))
