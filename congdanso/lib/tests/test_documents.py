"""lib.documents: the type comes from the content, and a PDF is opened and written again without active content."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from congdanso.lib.documents import DocumentRejected, clean_pdf, sniff
from congdanso.testing import documents


@pytest.mark.parametrize(("data", "kind"), [
    (documents.pdf(), "pdf"), (documents.jpeg(), "jpeg"), (documents.png(), "png"), (documents.heic(), "heic"),
    (documents.HTML_AS_PDF, None), (b"GIF89a\x01\x00", None), (b"PK\x03\x04zip", None), (b"", None),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", None),  # an MP4 video: an ISO-BMFF box, not HEIF
])
def test_sniff_reads_the_content(data: bytes, kind: str | None) -> None:
    assert sniff(data) == kind


def test_a_plain_pdf_comes_back_whole() -> None:
    cleaned = clean_pdf(documents.pdf(pages=3))
    assert cleaned.pages == 3 and cleaned.removed == ()
    assert len(PdfReader(io.BytesIO(cleaned.content)).pages) == 3


def test_links_attachments_and_open_actions_are_taken_out() -> None:
    cleaned = clean_pdf(documents.pdf(link="https://evil.example/", attachment=True,
                                      open_action_uri="https://evil.example/open"))
    assert set(cleaned.removed) == {"actions", "embedded_files", "open_action"}
    assert b"evil.example" not in cleaned.content and b"chay-toi" not in cleaned.content
    root = PdfReader(io.BytesIO(cleaned.content)).trailer["/Root"]
    assert "/OpenAction" not in root
    assert "/EmbeddedFiles" not in root.get("/Names", {})


@pytest.mark.parametrize(("data", "code"), [
    (documents.pdf(javascript=True), "javascript"),
    (documents.pdf(link_javascript=True), "javascript"),
    (documents.pdf(password="mat-khau"), "encrypted"),
    (b"%PDF-1.7\n" + documents.HTML_AS_PDF, "corrupt"),
    (documents.pdf()[:200], "corrupt"),
])
def test_bad_pdfs_are_refused(data: bytes, code: str) -> None:
    with pytest.raises(DocumentRejected) as caught:
        clean_pdf(data)
    assert caught.value.code == code


def test_too_many_pages_and_too_many_objects_are_refused() -> None:
    with pytest.raises(DocumentRejected) as caught:
        clean_pdf(documents.pdf(pages=4), max_pages=3)
    assert caught.value.code == "too_many_pages"
    with pytest.raises(DocumentRejected) as caught:
        clean_pdf(documents.pdf(pages=4), max_objects=5)
    assert caught.value.code == "too_complex"
