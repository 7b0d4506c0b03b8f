"""Online submission (issue 12): the form built from the procedure's documents, uploads checked by their content,
the draft kept between visits, the submission in one transaction, supplements, withdrawal, and who may download
a document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from congdanso.accounts.errors import IdentityLevelTooLow
from congdanso.accounts.models import IdentityLevel, User
from congdanso.accounts.roles import Role
from congdanso.agencies.models import Agency, Unit
from congdanso.core.models import AuditEntry
from congdanso.dossiers import services
from congdanso.dossiers.errors import FormInvalid
from congdanso.dossiers.files import Upload
from congdanso.dossiers.models import Dossier, DossierDraft, DossierEvent, DossierFile, DraftFile
from congdanso.dossiers.states import EventKind, Status
from congdanso.dossiers.tests.conftest import PERSONAL_ID, stored_files
from congdanso.notifications.models import Notification
from congdanso.procedures.models import Procedure, ProcedureDocument
from congdanso.testing import documents
from congdanso.testing.factories import make_citizen, make_procedure, make_staff, make_unit, staff_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def birth(ward_committee: Agency) -> Procedure:
    """Đăng ký khai sinh, received by the People's Committee of Phường Sài Gòn (linked by its code)."""
    return make_procedure()


def docs(procedure: Procedure) -> list[ProcedureDocument]:
    return list(ProcedureDocument.objects.filter(case__procedure=procedure).order_by("case__number", "number"))


def resident_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post_documents(client: Client, procedure: Procedure, files: dict[str, tuple[str, bytes]], **extra: Any) -> Any:
    data = {key: upload(name, content) for key, (name, content) in files.items()}
    return client.post(reverse("dossiers:apply_documents", args=[procedure.code]), {**data, **extra})


def submit_by_pages(client: Client, procedure: Procedure) -> Dossier:
    tk, cs = docs(procedure)
    response = post_documents(client, procedure, {f"doc-{tk.pk}": ("to-khai.pdf", documents.pdf(pages=2)),
                                                  f"doc-{cs.pk}": ("giay-chung-sinh.jpg", documents.jpeg())},
                              next="review")
    assert response.status_code == 302 and response["Location"].endswith("/kiem-tra")
    response = client.post(reverse("dossiers:apply_review", args=[procedure.code]), {"declare": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Dossier.objects.get()


# --- the form and the submission -----------------------------------------------------------------------------------

def test_the_procedure_page_leads_to_this_platforms_form(client: Client, birth: Procedure) -> None:
    body = client.get(reverse("procedures:detail", args=[birth.code])).content.decode()
    assert f'href="{reverse("dossiers:apply", args=[birth.code])}"' in body


def test_a_resident_submits_online_and_the_dossier_is_in_status_1_with_its_files(
        applicant: User, birth: Procedure, ward_committee: Agency, private_files: Path) -> None:
    client = resident_client(applicant)
    # nothing to choose (one case, one agency): the form starts at the documents
    first = client.get(reverse("dossiers:apply", args=[birth.code]))
    assert first.status_code == 302 and first["Location"].endswith("/giay-to")
    page = client.get(first["Location"]).content.decode()
    assert "Tờ khai đăng ký khai sinh" in page and "Giấy chứng sinh" in page
    assert page.count('<span class="required" aria-hidden="true">*</span>') == 2
    assert "Giấy tờ có dấu * là bắt buộc." in page
    assert "••••••••1234" in page and "UBND Phường Sài Gòn" in page  # who applies (from VNeID), and where to

    dossier = submit_by_pages(client, birth)
    assert dossier.status == Status.SUBMITTED and dossier.channel == 2 and dossier.agency == ward_committee
    assert dossier.applicant == applicant and dossier.applicant_name == applicant.full_name
    assert dossier.applicant_number == PERSONAL_ID  # from the account, never typed
    assert dossier.accepted_at is None and dossier.due_at is None
    files = list(dossier.files.order_by("id"))
    assert [f.label for f in files] == ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"]
    assert [f.content_type for f in files] == ["application/pdf", "image/jpeg"]
    assert all(f.event is not None and f.event.kind == EventKind.SUBMIT for f in files)
    assert len(stored_files(private_files)) == 2  # moved from the draft, not copied
    assert not DossierDraft.objects.exists() and not DraftFile.objects.exists()
    assert Notification.objects.filter(recipient=applicant, object_id=str(dossier.pk)).exists()
    assert AuditEntry.objects.filter(action="dossier.submit", object_id=str(dossier.pk)).exists()
    done = client.get(reverse("dossiers:submitted", args=[dossier.code])).content.decode()
    assert dossier.code in done and reverse("dossiers:receipt", args=[dossier.code]) in done
    assert reverse("dossiers:detail", args=[dossier.code]) in done


def test_submission_needs_every_required_document_and_the_declaration(applicant: User, birth: Procedure) -> None:
    client = resident_client(applicant)
    tk, cs = docs(birth)
    response = post_documents(client, birth, {f"doc-{tk.pk}": ("to-khai.pdf", documents.pdf())}, next="review")
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="error-summary"' in body and f'href="#f-doc-{cs.pk}"' in body
    assert f'id="f-doc-{cs.pk}" name="doc-{cs.pk}"' in body and 'aria-invalid="true"' in body
    assert "Hãy tải lên “Giấy chứng sinh”." in body
    assert DraftFile.objects.count() == 1  # the good one was kept in the draft
    # the review page is not reachable yet; the service refuses too
    assert client.get(reverse("dossiers:apply_review", args=[birth.code]))["Location"].endswith("/giay-to")
    with pytest.raises(FormInvalid):
        services.submit_online(birth.code, actor=applicant)
    post_documents(client, birth, {f"doc-{cs.pk}": ("cs.png", documents.png())})
    refused = client.post(reverse("dossiers:apply_review", args=[birth.code]), {})
    assert refused.status_code == 400 and 'href="#f-declare"' in refused.content.decode()
    assert not Dossier.objects.exists()


def test_a_level_1_resident_is_refused(birth: Procedure) -> None:
    level1 = make_citizen(username="oidc-l1", subject="l1", level=IdentityLevel.LEVEL1)
    page = resident_client(level1).get(reverse("dossiers:apply_documents", args=[birth.code]))
    assert page.status_code == 403 and "VNeID mức 2" in page.content.decode()
    with pytest.raises(IdentityLevelTooLow):
        services.submit_online(birth.code, actor=level1)
    with pytest.raises(IdentityLevelTooLow):
        services.save_draft(birth.code, actor=level1, uploads=[Upload("a.pdf", documents.pdf(), "doc-1")])
    assert not DossierDraft.objects.exists()


def test_signed_out_visitors_go_to_the_login_and_unknown_procedures_are_404(client: Client, birth: Procedure) -> None:
    assert "/auth/vneid/login" in client.get(reverse("dossiers:apply", args=[birth.code]))["Location"]
    make_procedure(code="1.000689", name="Đăng ký giám hộ", online_level="none", online_url="",
                   channels=[{"kind": "in_person", "deadline": "03 ngày làm việc"}])
    resident = resident_client(make_citizen(username="oidc-x", subject="x"))
    assert resident.get(reverse("dossiers:apply", args=["1.000689"])).status_code == 404
    assert resident.get(reverse("dossiers:apply", args=["9.999999"])).status_code == 404


# --- the draft -----------------------------------------------------------------------------------------------------

@pytest.fixture
def by_ward(ward: Unit, ward_committee: Agency) -> Procedure:
    """A commune-level procedure with no linked agency and two cases: the resident picks the case and the ward."""
    make_unit("26740", "Phường Tân Định")
    return make_procedure(code="1.000001", name="Đăng ký kết hôn", agencies=[
        {"role": "performing", "name": "Ủy ban nhân dân cấp xã", "address": "Bộ phận Một cửa"}], cases=[
        {"title": "Hai bên cư trú cùng phường", "documents": [{"name": "Tờ khai đăng ký kết hôn", "originals": 1}]},
        {"title": "Một bên là người nước ngoài", "documents": [
            {"name": "Tờ khai đăng ký kết hôn", "originals": 1},
            {"name": "Giấy xác nhận tình trạng hôn nhân", "originals": 1},
            {"name": "Hộ chiếu — xuất trình khi nộp trực tiếp", "originals": 0, "copies": 0}]}])


def test_the_draft_keeps_choices_and_documents_and_is_restored(applicant: User, by_ward: Procedure, ward: Unit,
                                                               ward_committee: Agency) -> None:
    client = resident_client(applicant)
    url = reverse("dossiers:apply", args=[by_ward.code])
    form = client.get(url).content.decode()
    assert "Trường hợp nào đúng với bạn?" in form and "Phường Sài Gòn" in form
    assert "Phường Tân Định" not in form  # no People's Committee on the platform: cannot receive it
    missing = client.post(url, {})
    body = missing.content.decode()
    assert missing.status_code == 400 and 'href="#f-case"' in body and 'href="#f-unit"' in body
    assert client.post(url, {"case": "2", "unit": ward.code})["Location"].endswith("/giay-to")
    to_khai = docs(by_ward)[1]
    post_documents(client, by_ward, {f"doc-{to_khai.pk}": ("tờ khai.pdf", documents.pdf())}, next="save")

    # another day: the answers and the file are still there
    again = resident_client(applicant)
    assert 'value="2" checked' in again.get(url).content.decode()
    assert f'<option value="{ward.code}" selected>' in again.get(url).content.decode()
    page = again.get(reverse("dossiers:apply_documents", args=[by_ward.code])).content.decode()
    assert "tờ khai.pdf" in page and 'data-testid="doc-uploaded"' in page
    assert "Hộ chiếu" in page and page.count('class="required"') == 2  # shown at the desk: not required online
    draft_file = DraftFile.objects.get()
    download = again.get(reverse("dossiers:draft_file", args=[by_ward.code, draft_file.pk]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    other = resident_client(make_citizen(username="oidc-y", subject="y"))
    assert other.get(reverse("dossiers:draft_file", args=[by_ward.code, draft_file.pk])).status_code == 404

    # choosing the other case drops the documents of the case left
    client.post(url, {"case": "1", "unit": ward.code})
    assert not DraftFile.objects.exists()


def test_removing_a_file_and_discarding_the_draft_delete_the_stored_file(
        applicant: User, birth: Procedure, private_files: Path, django_capture_on_commit_callbacks: Any) -> None:
    client = resident_client(applicant)
    client.post = _committing(client.post, django_capture_on_commit_callbacks)  # type: ignore[method-assign]
    tk, cs = docs(birth)
    post_documents(client, birth, {f"doc-{tk.pk}": ("a.pdf", documents.pdf()), f"doc-{cs.pk}": ("b.jpg",
                                                                                              documents.jpeg())})
    assert len(stored_files(private_files)) == 2
    # a new file for a document replaces the one before
    post_documents(client, birth, {f"doc-{tk.pk}": ("c.pdf", documents.pdf(pages=2))})
    assert len(stored_files(private_files)) == 2 and DraftFile.objects.get(document=tk).original_name == "c.pdf"
    client.post(reverse("dossiers:apply_documents", args=[birth.code]), {"remove": str(cs.pk)})
    assert len(stored_files(private_files)) == 1
    client.post(reverse("dossiers:apply_discard", args=[birth.code]))
    assert stored_files(private_files) == [] and not DossierDraft.objects.exists()


def _committing(post: Any, capture: Any) -> Any:
    """Run what the request left for after its commit (deleting replaced files), as a real request would."""
    def run(*args: Any, **kwargs: Any) -> Any:
        with capture(execute=True):
            return post(*args, **kwargs)
    return run


# --- bad uploads: a clear message, nothing stored ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "message"), [
    ("giay-chung-sinh.pdf", documents.HTML_AS_PDF, "không phải PDF, JPEG, PNG hoặc HEIC"),
    ("to-khai.pdf", documents.pdf(javascript=True), "có chứa mã JavaScript"),
    ("to-khai.pdf", documents.pdf(link_javascript=True), "có chứa mã JavaScript"),
    ("to-khai.pdf", documents.pdf(password="123456"), "có mật khẩu hoặc bị mã hóa"),
    ("anh.jpg", documents.jpeg()[:100], "Không mở được tệp"),
    ("virus.exe.pdf", b"MZ\x90\x00" + b"\x00" * 100, "không phải PDF, JPEG, PNG hoặc HEIC"),
])
def test_a_bad_upload_is_refused_with_its_reason_and_nothing_is_stored(
        applicant: User, birth: Procedure, private_files: Path, name: str, data: bytes, message: str) -> None:
    client = resident_client(applicant)
    tk, cs = docs(birth)
    response = post_documents(client, birth, {f"doc-{tk.pk}": ("tot.pdf", documents.pdf()),
                                              f"doc-{cs.pk}": (name, data)}, next="review")
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body and name in body and f'href="#f-doc-{cs.pk}"' in body
    assert 'data-testid="files-again"' in body  # the good file of the same request was not kept either
    assert not DraftFile.objects.exists() and stored_files(private_files) == []


def test_an_oversize_file_is_refused_before_it_is_read_whole(applicant: User, birth: Procedure, settings: Any,
                                                             private_files: Path) -> None:
    settings.DOSSIER_MAX_FILE_MB = 1
    client = resident_client(applicant)
    tk = docs(birth)[0]
    big = documents.pdf() + b"%" + b"0" * (1024 * 1024)
    response = post_documents(client, birth, {f"doc-{tk.pk}": ("to-khai.pdf", big)})
    assert response.status_code == 400 and "lớn hơn 1 MB" in response.content.decode()
    assert stored_files(private_files) == []


def test_too_many_files_are_refused(applicant: User, birth: Procedure, settings: Any, private_files: Path) -> None:
    settings.DOSSIER_MAX_FILES = 1
    client = resident_client(applicant)
    tk, cs = docs(birth)
    response = post_documents(client, birth, {f"doc-{tk.pk}": ("a.pdf", documents.pdf()),
                                              f"doc-{cs.pk}": ("b.pdf", documents.pdf())})
    assert response.status_code == 400 and "tối đa 1 tệp" in response.content.decode()
    assert stored_files(private_files) == [] and not DraftFile.objects.exists()


def test_a_refused_submission_leaves_no_dossier_and_no_orphan_file(applicant: User, birth: Procedure,
                                                                   private_files: Path) -> None:
    tk, cs = docs(birth)
    with pytest.raises(FormInvalid) as caught:  # a good file with a PDF that runs JavaScript
        services.submit_online(birth.code, actor=applicant, uploads=[
            Upload("to-khai.pdf", documents.pdf(), f"doc-{tk.pk}"),
            Upload("chung-sinh.pdf", documents.pdf(javascript=True), f"doc-{cs.pk}")])
    assert [p.code for p in caught.value.problems] == ["file_javascript"]
    assert not Dossier.objects.exists() and not DossierDraft.objects.exists()
    assert stored_files(private_files) == []
    with pytest.raises(FormInvalid):  # good files but a required document missing: the transaction rolls back
        services.submit_online(birth.code, actor=applicant, uploads=[
            Upload("to-khai.pdf", documents.pdf(), f"doc-{tk.pk}")])
    assert not Dossier.objects.exists() and not DraftFile.objects.exists()
    assert stored_files(private_files) == []


def test_types_are_read_from_the_content(applicant: User, birth: Procedure) -> None:
    """A JPEG named .png and an HEIC from an iPhone are accepted and stored as JPEG without metadata; the stored
    name takes the extension of what is stored."""
    tk, cs = docs(birth)
    dossier = services.submit_online(birth.code, actor=applicant, uploads=[
        Upload("to-khai.png", documents.jpeg(), f"doc-{tk.pk}"),
        Upload("IMG_0042.HEIC", documents.heic(), f"doc-{cs.pk}")])
    names = sorted(dossier.files.values_list("original_name", "content_type"))
    assert names == [("IMG_0042.jpg", "image/jpeg"), ("to-khai.jpg", "image/jpeg")]


def test_uploads_per_hour_are_limited(applicant: User, birth: Procedure, settings: Any) -> None:
    settings.DOSSIER_UPLOADS_PER_HOUR = 2
    tk, cs = docs(birth)
    services.save_draft(birth.code, actor=applicant, uploads=[Upload("a.pdf", documents.pdf(), f"doc-{tk.pk}")])
    services.save_draft(birth.code, actor=applicant, uploads=[Upload("b.pdf", documents.pdf(), f"doc-{cs.pk}")])
    response = post_documents(resident_client(applicant), birth, {f"doc-{tk.pk}": ("c.pdf", documents.pdf())})
    assert response.status_code == 429 and "quá nhiều tệp" in response.content.decode()


# --- after submission: supplement, withdraw ------------------------------------------------------------------------

@pytest.fixture
def submitted(applicant: User, birth: Procedure) -> Dossier:
    tk, cs = docs(birth)
    return services.submit_online(birth.code, actor=applicant, uploads=[
        Upload("to-khai.pdf", documents.pdf(), f"doc-{tk.pk}"), Upload("cs.jpg", documents.jpeg(), f"doc-{cs.pk}")])


@pytest.fixture
def ward_officer(ward_committee: Agency) -> User:
    return make_staff("an.ubnd", "Phan Văn An", [(Role.AGENCY_OFFICER, ward_committee)])


def test_the_applicant_answers_a_request_for_documents(submitted: Dossier, applicant: User, ward_officer: User,
                                                       private_files: Path) -> None:
    services.move_dossier(submitted.code, EventKind.ACCEPT, actor=ward_officer)
    services.move_dossier(submitted.code, EventKind.REQUEST_SUPPLEMENT, actor=ward_officer,
                          message="Bổ sung bản sao giấy đăng ký kết hôn của cha mẹ.")
    client = resident_client(applicant)
    page = client.get(reverse("dossiers:detail", args=[submitted.code])).content.decode()
    assert "Bổ sung bản sao giấy đăng ký kết hôn" in page and 'data-testid="supplement-form"' in page
    url = reverse("dossiers:supplement", args=[submitted.code])
    empty = client.post(url, {})
    assert empty.status_code == 400 and 'href="#f-files"' in empty.content.decode()
    bad = client.post(url, {"files": [upload("ket-hon.pdf", documents.pdf(javascript=True))]})
    assert bad.status_code == 400 and "JavaScript" in bad.content.decode()
    assert len(stored_files(private_files)) == 2
    done = client.post(url, {"files": [upload("ket-hon.pdf", documents.pdf()), upload("trang-2.heic",
                                                                                     documents.heic())],
                             "message": "Gửi kèm hai trang."})
    assert done.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.ACCEPTED  # back to where it was before the request
    event = DossierEvent.objects.get(dossier=submitted, kind=EventKind.SUPPLEMENT)
    assert sorted(event.files.values_list("original_name", flat=True)) == ["ket-hon.pdf", "trang-2.jpg"]
    assert event.message == "Gửi kèm hai trang." and len(stored_files(private_files)) == 4
    assert 'data-testid="supplement-form"' not in client.get(
        reverse("dossiers:detail", args=[submitted.code])).content.decode()


def test_only_the_applicant_supplements_and_only_when_asked(submitted: Dossier, ward_officer: User) -> None:
    other = resident_client(make_citizen(username="oidc-z", subject="z"))
    url = reverse("dossiers:supplement", args=[submitted.code])
    assert other.post(url, {"files": [upload("a.pdf", documents.pdf())]}).status_code == 404
    assert staff_client(Client(), ward_officer).post(url, {"files": [upload("a.pdf", documents.pdf())]}
                                                     ).status_code == 404


def test_the_applicant_withdraws_with_a_reason(submitted: Dossier, applicant: User) -> None:
    client = resident_client(applicant)
    page = client.get(reverse("dossiers:detail", args=[submitted.code])).content.decode()
    assert reverse("dossiers:withdraw", args=[submitted.code]) in page
    confirm = client.get(reverse("dossiers:withdraw", args=[submitted.code])).content.decode()
    assert "Rút hồ sơ?" in confirm and 'data-testid="withdraw-confirm"' in confirm
    assert client.post(reverse("dossiers:withdraw", args=[submitted.code]),
                       {"reason": "Đã nộp nhầm thủ tục."}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.WITHDRAWN
    assert DossierEvent.objects.get(dossier=submitted, kind=EventKind.WITHDRAW).message == "Đã nộp nhầm thủ tục."
    assert "withdraw-link" not in client.get(reverse("dossiers:detail", args=[submitted.code])).content.decode()


# --- who may download a document -----------------------------------------------------------------------------------

def test_documents_are_served_to_the_applicant_and_the_agencys_staff_only(
        submitted: Dossier, applicant: User, ward_officer: User, officer: User, city_admin: User) -> None:
    document = submitted.files.order_by("id").first()
    assert document is not None
    url = reverse("dossiers:file", args=[submitted.code, document.pk])
    mine = resident_client(applicant).get(url)
    assert mine.status_code == 200 and b"".join(mine.streaming_content).startswith(b"%PDF-")
    assert mine["Content-Disposition"].startswith("attachment") and mine["X-Content-Type-Options"] == "nosniff"
    assert mine["Content-Type"] == "application/pdf" and "no-store" in mine["Cache-Control"]
    assert "sandbox" in mine["Content-Security-Policy"]  # opened by mistake in a tab, it runs nothing
    assert not AuditEntry.objects.filter(action="dossier.file_viewed").exists()  # the applicant's own read
    assert resident_client(make_citizen(username="oidc-o", subject="o")).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the login
    assert staff_client(Client(), officer).get(url).status_code == 404  # another agency
    staff = staff_client(Client(), ward_officer)
    assert staff.get(url).status_code == 200
    entry = AuditEntry.objects.get(action="dossier.file_viewed")
    assert entry.actor_id == ward_officer.pk and entry.data["file"] == document.pk
    assert staff_client(Client(), city_admin).get(url).status_code == 200
    # a file of another dossier through this dossier's address is not found
    other = DossierFile.objects.exclude(dossier=submitted).first()
    assert other is None or resident_client(applicant).get(
        reverse("dossiers:file", args=[submitted.code, other.pk])).status_code == 404


def test_the_back_office_lists_the_documents_with_audited_links(submitted: Dossier, ward_officer: User) -> None:
    page = staff_client(Client(), ward_officer).get(reverse("dossiers_staff:detail", args=[submitted.code]))
    body = page.content.decode()
    for document in submitted.files.all():
        assert reverse("dossiers:file", args=[submitted.code, document.pk]) in body
    assert "Tờ khai đăng ký khai sinh" in body and "nhật ký truy cập" in body


def test_private_files_have_no_url_and_live_outside_media(settings: Any, submitted: Dossier,
                                                          private_files: Path) -> None:
    from congdanso.dossiers.files import storage

    with pytest.raises(NotImplementedError):
        storage().url(submitted.files.first().storage_name)  # type: ignore[union-attr]
    assert not str(private_files).startswith(str(settings.MEDIA_ROOT))
    from django.conf import settings as live

    assert not str(live.DOSSIER_FILES_DIR).startswith(str(live.MEDIA_ROOT))


def test_stale_drafts_and_orphan_files_are_purged(applicant: User, birth: Procedure, private_files: Path,
                                                  settings: Any) -> None:
    import datetime as dt
    import io
    import os

    from django.core.management import call_command
    from django.utils import timezone

    tk, cs = docs(birth)
    kept = services.submit_online(birth.code, actor=applicant, uploads=[
        Upload("a.pdf", documents.pdf(), f"doc-{tk.pk}"), Upload("b.pdf", documents.pdf(), f"doc-{cs.pk}")])
    services.save_draft("1.001193", actor=make_citizen(username="oidc-d", subject="d"),
                        uploads=[Upload("c.pdf", documents.pdf(), f"doc-{tk.pk}")])
    DossierDraft.objects.update(updated_at=timezone.now() - dt.timedelta(days=settings.DOSSIER_DRAFT_DAYS + 1))
    orphan = private_files / "ab" / "orphan.pdf"
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"%PDF-1.4")
    for path in stored_files(private_files):
        os.utime(path, (0, 0))  # old enough for the sweep
    out = io.StringIO()
    call_command("purge_dossier_files", stdout=out)
    assert "stale drafts removed: 1; orphan files removed: 2" in out.getvalue()
    assert not DossierDraft.objects.exists()
    assert sorted(p.name for p in stored_files(private_files)) == sorted(
        Path(f.storage_name).name for f in kept.files.all())


def test_the_agencys_officers_hear_of_an_online_dossier_and_of_a_supplement(ward_officer: User, applicant: User,
                                                                           birth: Procedure) -> None:
    from congdanso.notifications.models import Notification

    tk, cs = docs(birth)
    dossier = services.submit_online(birth.code, actor=applicant, uploads=[
        Upload("to-khai.pdf", documents.pdf(), f"doc-{tk.pk}"), Upload("cs.jpg", documents.jpeg(), f"doc-{cs.pk}")])
    work = Notification.objects.filter(recipient=ward_officer, kind="work_new")
    assert work.count() == 1 and dossier.code in work.get().title + work.get().body
    assert work.get().link == reverse("dossiers_staff:detail", args=[dossier.code])
    services.move_dossier(dossier.code, EventKind.REQUEST_SUPPLEMENT, actor=ward_officer, message="Bổ sung")
    services.supplement_dossier(dossier.code, actor=applicant, uploads=[
        Upload("them.pdf", documents.pdf(), "files")])
    assert Notification.objects.filter(recipient=ward_officer, kind="work_new").count() >= 1
    assert not Notification.objects.filter(recipient=applicant, kind="work_new").exists()


# --- the result documents ------------------------------------------------------------------------------------------

def _to_finished(dossier: Dossier, officer: User) -> None:
    for action in (EventKind.ACCEPT, EventKind.PROCESS, EventKind.FINISH):
        services.move_dossier(dossier.code, action, actor=officer)


def test_the_officer_returns_the_result_with_its_documents_and_the_applicant_downloads_them(
        submitted: Dossier, applicant: User, ward_officer: User, private_files: Path) -> None:
    _to_finished(submitted, ward_officer)
    staff = staff_client(Client(), ward_officer)
    page = staff.get(reverse("dossiers_staff:detail", args=[submitted.code])).content.decode()
    assert 'data-testid="result-files"' in page and 'enctype="multipart/form-data"' in page
    done = staff.post(reverse("dossiers_staff:act", args=[submitted.code, EventKind.RETURN]),
                      {"message": "Giấy khai sinh bản điện tử gửi kèm.",
                       "result_files": [upload("giay-khai-sinh.pdf", documents.pdf())]})
    assert done.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED
    event = DossierEvent.objects.get(dossier=submitted, kind=EventKind.RETURN)
    result = event.files.get()
    assert result.original_name == "giay-khai-sinh.pdf" and result.label == "Kết quả: giay-khai-sinh.pdf"
    assert result.uploaded_by == ward_officer and len(stored_files(private_files)) == 3
    mine = resident_client(applicant)
    assert "giay-khai-sinh.pdf" in mine.get(reverse("dossiers:detail", args=[submitted.code])).content.decode()
    download = mine.get(reverse("dossiers:file", args=[submitted.code, result.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    assert Notification.objects.filter(recipient=applicant, kind="dossier_status").exists()


def test_a_bad_result_file_stores_nothing_and_moves_nothing(submitted: Dossier, ward_officer: User,
                                                            private_files: Path) -> None:
    _to_finished(submitted, ward_officer)
    staff = staff_client(Client(), ward_officer)
    refused = staff.post(reverse("dossiers_staff:act", args=[submitted.code, EventKind.RETURN]),
                         {"result_files": [upload("ket-qua.pdf", documents.HTML_AS_PDF),
                                           upload("ok.pdf", documents.pdf())]}, follow=True)
    assert "không phải PDF, JPEG, PNG hoặc HEIC" in refused.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.DONE
    assert not DossierEvent.objects.filter(dossier=submitted, kind=EventKind.RETURN).exists()
    assert len(stored_files(private_files)) == 2  # the two submitted documents only


def test_the_result_may_also_come_without_a_file(submitted: Dossier, ward_officer: User) -> None:
    _to_finished(submitted, ward_officer)
    services.return_result(submitted.code, actor=ward_officer, result="Nhận bản chính tại bộ phận một cửa.")
    submitted.refresh_from_db()
    assert submitted.status == Status.RETURNED and submitted.result == "Nhận bản chính tại bộ phận một cửa."
    assert not DossierFile.objects.filter(event__kind=EventKind.RETURN).exists()
