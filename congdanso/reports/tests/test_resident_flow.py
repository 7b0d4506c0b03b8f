"""What a resident meets around a report (issue 11): every form error at once beside its field, photos asked for
again, the confirmation page with the code, lookup by code, the public search folding case and diacritics, the
status filter listing each status once, ward-only reports said to be missing from the map, the ward of a pin."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from congdanso.agencies.models import Category
from congdanso.reports import queries, services
from congdanso.reports.errors import ReportInvalid
from congdanso.reports.models import Report
from congdanso.reports.states import Status
from congdanso.testing.factories import LAT, LON, jpeg_bytes, make_input


def _post(client, **data):
    headers = {k: v for k, v in data.items() if k.startswith("HTTP_")}
    body = {"idempotency_key": "k-1", **{k: v for k, v in data.items() if not k.startswith("HTTP_")}}
    return client.post(reverse("reports:new"), body, **headers)


def test_every_problem_is_told_at_once_with_its_field(category):
    with pytest.raises(ReportInvalid) as caught:
        services.submit_report(services.ReportInput(category="", description=" "), actor=None)
    fields = [p.field for p in caught.value.problems]
    assert fields == ["category", "location", "description"]  # the form's order
    assert caught.value.code == "category_required"  # the first problem's code, as a single error would have
    assert str(caught.value.problems[0].message) == "Hãy chọn lĩnh vực."


def test_form_shows_a_summary_linking_to_each_field_and_inline_messages(client, citizen, category):
    client.force_login(citizen)
    response = _post(client, category="", description="")
    page = response.content.decode()
    assert response.status_code == 400
    summary = page[page.index('id="error-summary"'):page.index("</ul>", page.index('id="error-summary"'))]
    assert 'href="#category">Hãy chọn lĩnh vực.' in summary
    assert 'href="#description">Hãy mô tả sự việc.' in summary
    assert 'href="#ward">Hãy chọn vị trí trên bản đồ hoặc chọn phường/xã.' in summary
    assert 'id="category-error"' in page and 'aria-invalid="true"' in page
    assert re.search(r'<textarea id="description"[^>]*aria-invalid="true" aria-describedby="description-error"', page)
    assert "Các mục có dấu * là bắt buộc." in page


def test_json_errors_list_every_field_with_its_anchor(client, citizen, category):
    client.force_login(citizen)
    body = _post(client, category="", description="", HTTP_ACCEPT="application/json").json()
    assert [(e["field"], e["id"]) for e in body["errors"]] == [
        ("category", "category"), ("location", "ward"), ("description", "description")]


def test_a_second_try_shows_only_what_is_still_wrong(client, citizen, category):
    client.force_login(citizen)
    _post(client, category="", description="")
    page = _post(client, category=category.code, description="", lat=str(LAT), lon=str(LON)).content.decode()
    assert "Hãy chọn lĩnh vực." not in page and "Hãy mô tả sự việc." in page
    assert 'id="category-error"' not in page


def test_photos_lost_by_an_error_are_asked_for_again(client, citizen, category):
    client.force_login(citizen)
    upload = SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")
    page = _post(client, category=category.code, description="", lat=str(LAT), lon=str(LON),
                 photos=[upload]).content.decode()
    assert 'data-testid="photos-again"' in page and "Hãy chọn lại 1 ảnh" in page


def test_english_errors(client, citizen, category):
    client.force_login(citizen)
    body = _post(client, category="", description="x", lat=str(LAT), lon=str(LON), HTTP_ACCEPT="application/json",
                 HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["errors"][0]["message"] == "Choose a category."


def test_sending_leads_to_the_confirmation_with_the_code(client, citizen, category):
    client.force_login(citizen)
    response = _post(client, category=category.code, description="Ổ gà", lat=str(LAT), lon=str(LON))
    report = Report.objects.get()
    assert response["Location"] == reverse("reports:sent", args=[report.code])
    page = client.get(response["Location"]).content.decode()
    assert "Mã phản ánh" in page and f'data-testid="sent-code" aria-describedby="code-label">{report.code}' in page
    assert "Hạn trả kết quả" in page and "Sở Xây dựng" in page
    assert reverse("reports:detail", args=[report.code]) in page and reverse("reports:mine") in page


def test_only_the_reporter_sees_the_confirmation(client, citizen, category, django_user_model):
    report = services.submit_report(make_input(category), actor=citizen).report
    client.force_login(django_user_model.objects.create(username="oidc-other"))
    response = client.get(reverse("reports:sent", args=[report.code]))
    assert response.status_code == 302 and response["Location"] == reverse("reports:detail", args=[report.code])


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {code} ", "{year} {number}", "pa{year}{number}"])
def test_lookup_by_code_forgives_case_spaces_and_zeros(client, citizen, category, typed):
    report = services.submit_report(make_input(category), actor=citizen).report
    _pa, year, number = report.code.split("-")
    text = typed.format(code=report.code, lower=report.code.lower(), year=year, number=int(number))
    response = client.get(reverse("reports:lookup"), {"ma": text})
    assert response.status_code == 302 and response["Location"] == reverse("reports:detail", args=[report.code])


def test_lookup_of_an_unknown_code_says_so(client, db):
    response = client.get(reverse("reports:lookup"), {"ma": "PA-2020-999999"})
    assert response.status_code == 404 and "Không tìm thấy phản ánh có mã" in response.content.decode()


def test_home_and_list_offer_the_lookup_box(client, db):
    for url in (reverse("web:home"), reverse("reports:list")):
        page = client.get(url).content.decode()
        assert f'action="{reverse("reports:lookup")}"' in page and 'name="ma"' in page


@pytest.fixture
def potholes(citizen, category, ward):
    services.submit_report(make_input(category, description="Ổ gà rất sâu trước chợ", address="Đường Lê Lợi"),
                           actor=citizen)
    services.submit_report(make_input(category, description="Mặt đường lún", lat=None, lon=None, ward=ward.code),
                           actor=citizen)


@pytest.mark.parametrize("text", ["trước chợ", "Trước Chợ", "truoc cho", "TRUOC CHO", "TRƯỚC CHỢ", "rất sâu"])
def test_search_folds_case_and_diacritics(potholes, text):
    found = list(queries.apply_filters(Report.objects.all(), queries.build_filters(q=text)))
    assert [r.description for r in found] == ["Ổ gà rất sâu trước chợ"]


@pytest.mark.parametrize("text", ["ổ gà", "Ổ gà", "o ga", "O GA", "Ổ GÀ"])
def test_search_finds_by_the_category_name_folded(potholes, text):
    assert queries.apply_filters(Report.objects.all(), queries.build_filters(q=text)).count() == 2


def test_search_matches_category_names_synonyms_and_addresses(potholes, category):
    category.synonyms = "đường hư"
    category.save()

    def hits(text):
        return queries.apply_filters(Report.objects.all(), queries.build_filters(q=text)).count()

    assert hits("hư hỏng mặt đường") == 2  # the category's name
    assert hits("duong hu") == 2  # a synonym, without diacritics
    assert hits("le loi") == 1  # the address
    assert hits("cống") == 0


def test_public_list_searches_folded(client, potholes):
    page = client.get(reverse("reports:list"), {"q": "truoc cho"}).content.decode()
    assert page.count('class="report-row"') == 1 and 'data-testid="search-summary"' in page


def test_moderated_text_is_searched_by_its_new_words(potholes, officer):
    report = Report.objects.get(description__startswith="Ổ gà")
    services.moderate_report(report, actor=officer, description="Hố sâu trước chợ", reason="Bỏ số điện thoại")
    assert queries.apply_filters(Report.objects.all(), queries.build_filters(q="ho sau")).count() == 1
    assert queries.apply_filters(Report.objects.all(), queries.build_filters(q="rat sau")).count() == 0


def test_status_filter_lists_each_status_once_and_ward_only_reports_are_said_off_map(client, potholes):
    page = client.get(reverse("reports:list")).content.decode()
    select = page[page.index('id="f-status"'):page.index("</select>", page.index('id="f-status"'))]
    labels = re.findall(r"<option[^>]*>([^<]+)</option>", select)
    assert len(labels) == len(set(labels)) == len(Status.choices) + 3
    assert page.count('data-testid="not-on-map"') == 1


def test_the_ward_of_a_pin_comes_back_from_nearby_reports(client, citizen, category, ward):
    services.submit_report(make_input(category, ward=ward.code), actor=citizen)
    body = client.get(reverse("reports:place"), {"lat": LAT + 0.001, "lon": LON}).json()
    assert body == {"ward": ward.code, "name": ward.name, "source": "nearby"}
    assert client.get(reverse("reports:place"), {"lat": 10.0, "lon": 106.0}).json() == {"ward": None}


def test_category_options_carry_their_synonyms_for_the_search_box(client, citizen, category):
    Category.objects.filter(pk=category.pk).update(synonyms="ổ gà; ổ voi")
    category.refresh_from_db()
    category.save()
    client.force_login(citizen)
    page = client.get(reverse("reports:new")).content.decode()
    assert 'data-terms="Hư hỏng mặt đường, ổ gà|Giao thông|ổ gà|ổ voi' in page


def test_search_words_match_word_beginnings_only(potholes):
    def hits(text):
        return queries.apply_filters(Report.objects.all(), queries.build_filters(q=text)).count()

    assert hits("cho") == 1  # "chợ" (a word beginning), in the first report only
    assert hits("ruoc") == 0  # not inside "trước"
    assert hits("sai gon") == 1  # the ward's name (the second report is placed by ward)


def test_english_residents_see_categories_agencies_and_wards_in_english(client, citizen, category, ward, department):
    from django.utils import translation

    from congdanso.agencies.models import Agency, AgencyKind

    Category.objects.filter(pk=category.pk).update(name_en="Damaged road surface, potholes", group_en="Traffic")
    Agency.objects.filter(pk=department.pk).update(name_en="Department of Construction")
    report = services.submit_report(make_input(category, ward=ward.code, lat=None, lon=None), actor=citizen).report
    page = client.get(reverse("reports:detail", args=[report.code]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Damaged road surface, potholes" in page and "Department of Construction" in page
    assert "Sài Gòn Ward" in page
    listing = client.get(reverse("reports:list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Damaged road surface, potholes" in listing and "Sài Gòn Ward" in listing
    committee = Agency(name="UBND Phường Sài Gòn", kind=AgencyKind.WARD_COMMITTEE, unit=ward)
    with translation.override("en"):
        assert committee.label == "People's Committee of Sài Gòn Ward"
    with translation.override("vi"):
        assert committee.label == "UBND Phường Sài Gòn" and ward.label == "Phường Sài Gòn"


def test_reference_data_carries_english_names(db):
    from congdanso.agencies import services as reference
    from congdanso.agencies.models import Agency

    reference.load_reference()
    assert Agency.objects.get(code="SXD").name_en == "Department of Construction"
    assert Category.objects.get(code="cx-cay-do").name_en == "Fallen trees, broken branches"
