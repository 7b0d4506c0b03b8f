"""Back-office pages for category questions and reply templates: agency admins manage their agency's categories,
city admins all; answers are shown to staff on the case page and (except free text) in the API."""

from __future__ import annotations

from django.urls import reverse

from congdanso.core.models import AuditEntry
from congdanso.reports import services
from congdanso.reports.models import CategoryAttribute, ResponseTemplate
from congdanso.testing.factories import make_input, staff_client

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def question_form(category, **extra):
    data = {"category": category.pk, "code": "so-tru-den", "description": "Số trụ đèn", "datatype": "string",
            "required": "", "order": "1", "options": ""}
    data.update(extra)
    return data


def test_agency_admin_adds_edits_and_deletes_a_question(client, agency_admin, category):
    c = staff_client(client, agency_admin)
    assert c.get(reverse("reports_staff:question_add")).status_code == 200
    answer = c.post(reverse("reports_staff:question_add"), question_form(
        category, datatype="singlevaluelist", options="tat | Đèn tắt\nchop | Đèn chập chờn"))
    assert answer.status_code == 302
    question = CategoryAttribute.objects.get(category=category, code="so-tru-den")
    assert question.values == [{"key": "tat", "name": "Đèn tắt"}, {"key": "chop", "name": "Đèn chập chờn"}]
    page = c.get(reverse("reports_staff:questions")).content.decode()
    assert "Số trụ đèn" in page and "Đèn chập chờn" in page
    edit = reverse("reports_staff:question_edit", args=[question.pk])
    assert "tat | Đèn tắt" in c.get(edit).content.decode()
    c.post(edit, question_form(category, description="Mã số trụ đèn", datatype="number"))
    question.refresh_from_db()
    assert question.description == "Mã số trụ đèn" and question.values == []
    assert c.post(reverse("reports_staff:question_delete", args=[question.pk])).status_code == 302
    assert not CategoryAttribute.objects.filter(pk=question.pk).exists()
    actions = set(AuditEntry.objects.filter(action__startswith="reports.question").values_list("action", flat=True))
    assert actions == {"reports.question_added", "reports.question_saved", "reports.question_deleted"}


def test_errors_are_summarised_and_shown_beside_fields(client, agency_admin, category):
    c = staff_client(client, agency_admin)
    CategoryAttribute.objects.create(category=category, code="so-tru-den", description="Số trụ")
    answer = c.post(reverse("reports_staff:question_add"), question_form(category, datatype="multivaluelist"))
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'data-testid="error-summary"' in page
    assert "Kiểu danh sách cần ít nhất một lựa chọn." in page and 'id="id_options-error"' in page
    assert 'href="#id_options"' in page
    assert CategoryAttribute.objects.filter(category=category).count() == 1
    duplicate = c.post(reverse("reports_staff:question_add"), question_form(category))
    assert duplicate.status_code == 400 and 'data-testid="error-summary"' in duplicate.content.decode()
    assert CategoryAttribute.objects.filter(category=category).count() == 1
    english = c.post(reverse("reports_staff:question_add"), question_form(category, datatype="multivaluelist"), **EN)
    assert "A list type needs at least one choice." in english.content.decode()


def test_agency_admin_cannot_touch_another_agencys_category(client, agency_admin, ward_category, ward_committee,
                                                            category):
    ward_category.default_agency = ward_committee
    ward_category.save()
    theirs = CategoryAttribute.objects.create(category=ward_category, code="x", description="Câu hỏi của phường")
    c = staff_client(client, agency_admin)
    assert "Câu hỏi của phường" not in c.get(reverse("reports_staff:questions")).content.decode()
    assert c.get(reverse("reports_staff:question_edit", args=[theirs.pk])).status_code == 404
    assert c.post(reverse("reports_staff:question_delete", args=[theirs.pk])).status_code == 404
    refused = c.post(reverse("reports_staff:question_add"), question_form(ward_category, code="y"))
    assert refused.status_code == 400 and not CategoryAttribute.objects.filter(code="y").exists()
    assert CategoryAttribute.objects.filter(pk=theirs.pk).exists()


def test_officer_and_resident_are_refused(client, officer, citizen):
    assert staff_client(client, officer).get(reverse("reports_staff:questions")).status_code == 403
    assert client.get(reverse("reports_staff:templates")).status_code == 403
    client.logout()
    client.force_login(citizen)
    assert client.get(reverse("reports_staff:templates")).status_code == 302  # to the staff login


def test_reply_templates_by_admins(client, agency_admin, city_admin, category):
    c = staff_client(client, agency_admin)
    everyone = c.post(reverse("reports_staff:template_add"), {"category": "", "title": "Chung", "body": "Cảm ơn",
                                                              "is_active": "on"})
    assert everyone.status_code == 400  # "every category" is a city admin's
    assert c.post(reverse("reports_staff:template_add"), {"category": category.pk, "title": "Đã vá",
                                                          "body": "Đã vá ổ gà.", "is_active": "on"}).status_code == 302
    template = ResponseTemplate.objects.get(title="Đã vá")
    assert template.category == category
    c.logout()
    admin = staff_client(client, city_admin)
    assert admin.post(reverse("reports_staff:template_add"), {"category": "", "title": "Chung", "body": "Cảm ơn",
                                                              "is_active": "on"}).status_code == 302
    assert ResponseTemplate.objects.get(title="Chung").category is None
    admin.post(reverse("reports_staff:template_edit", args=[template.pk]),
               {"category": category.pk, "title": "Đã vá xong", "body": "Đã vá ổ gà.", "is_active": ""})
    template.refresh_from_db()
    assert template.title == "Đã vá xong" and not template.is_active
    admin.post(reverse("reports_staff:template_delete", args=[template.pk]))
    assert not ResponseTemplate.objects.filter(pk=template.pk).exists()


def test_answers_shown_to_staff_and_in_the_api(client, citizen, officer, category):
    CategoryAttribute.objects.create(category=category, code="loai", description="Loại hư hỏng",
                                     datatype="singlevaluelist", values=[{"key": "o-ga", "name": "Ổ gà"}], order=1)
    CategoryAttribute.objects.create(category=category, code="ghi-chu", description="Ghi chú thêm", datatype="text",
                                     order=2)
    report = services.submit_report(make_input(category, attributes={"loai": "o-ga", "ghi-chu": "Gọi 0909123456"}),
                                    actor=citizen).report
    page = staff_client(client, officer).get(reverse("reports_staff:detail", args=[report.pk])).content.decode()
    assert "Loại hư hỏng" in page and "Ổ gà" in page and "Gọi 0909123456" in page
    body = client.get(f"/api/v1/reports/{report.code}").json()
    assert body["answers"] == [{"code": "loai", "question": "Loại hư hỏng", "value": "o-ga", "text": "Ổ gà"}]
    assert "0909123456" not in str(body)
