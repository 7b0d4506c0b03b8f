"""The staff case page: one primary next action per state, the others in a menu; nothing preselected; coordinates in
one format; no doubled words; a link to the delivery status, which names the case and the resident's channels."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from congdanso.reports import services
from congdanso.reports.views_staff import next_actions
from congdanso.testing.factories import staff_client

pytestmark = pytest.mark.django_db


def _page(client, officer, report) -> str:
    return staff_client(client, officer).get(reverse("reports_staff:detail", args=[report.pk])).content.decode()


def test_primary_action_follows_the_state(client, report, officer):
    html = _page(client, officer, report)
    primary = html.split('data-testid="primary-action"')[1].split("</section>")[0]
    assert "action-receive" in primary and "action-resolve" not in primary
    assert html.count('data-testid="action-receive"') == 1  # not again in the menu
    services.receive_report(report, actor=officer)
    services.start_report(report, actor=officer)
    html = _page(client, officer, report)
    primary = html.split('data-testid="primary-action"')[1].split("</section>")[0]
    assert "resolve-form" in primary
    menu = html.split('data-testid="more-actions"')[1]
    assert "action-progress" in menu and "action-transfer" in menu and "action-note" in menu


def test_nothing_preselected_and_redaction_canvas_only_on_request(client, report, officer):
    services.receive_report(report, actor=officer)
    html = _page(client, officer, report)
    assert " selected" not in html.split('id="assignee"')[1].split("</select>")[0]
    assert " selected" not in html.split('id="transfer-agency"')[1].split("</select>")[0]
    assert re.search(r'<details class="disclosure">\s*<summary[^>]*>Che một phần ảnh', html)


def test_assign_without_choice_says_what_to_choose(client, report, officer):
    services.receive_report(report, actor=officer)
    c = staff_client(client, officer)
    response = c.post(reverse("reports_staff:act", args=[report.pk, "assign"]), {"assignee": ""}, follow=True)
    assert "Hãy chọn cán bộ." in response.content.decode()


def test_coordinates_in_one_format_and_no_doubled_words(client, report, officer, settings):
    services.add_note(report, actor=officer, text="Gọi lại cho người dân")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    html = _page(client, officer, report)
    coords = html.split('data-testid="coords">')[1].split("<")[0]
    assert re.fullmatch(r"\(\d+\.\d{5}, \d+\.\d{5}\)", coords)
    assert "Ghi chú nội bộ</strong> <span class=\"badge\">nội bộ" not in html
    assert "nội bộ nội bộ" not in re.sub(r"<[^>]+>", " ", html).replace("  ", " ")


def test_delivery_page_names_the_case_and_the_residents_channels(client, report, officer):
    html = _page(client, officer, report)
    link = reverse("notifications:staff_deliveries", args=["reports.report", report.pk])
    assert link in html
    page = staff_client(client, officer).get(link).content.decode()
    text = re.sub(r"<[^>]+>", " ", page)
    assert f"Thông báo về Phản ánh {report.code}" in text and "reports.report" not in text
    assert "Người phản ánh nhận qua: Hộp thư trong ứng dụng" in page


def test_next_actions_for_a_closed_report():
    class R:
        status = "closed"
        agency_id = 1
    primary, others = next_actions(R(), set(), has_officers=True, city_admin=False)  # type: ignore[arg-type]
    assert primary is None and others == ["note", "flag", "moderate"]


def test_the_public_page_shows_the_place_in_the_same_coordinate_format(client, report, officer):
    """One coordinate format everywhere (the ``coords`` filter): the public page as the staff case page."""
    staff = _page(client, officer, report).split('data-testid="coords">')[1].split("<")[0]
    client.logout()
    public = client.get(reverse("reports:detail", args=[report.code])).content.decode()
    assert public.split('data-testid="coords">')[1].split("<")[0] == staff
    assert staff == f"({report.lat:.5f}, {report.lon:.5f})"
    type(report).objects.filter(pk=report.pk).update(lat=None, lon=None)  # a ward chosen without a map
    assert 'data-testid="coords"' not in client.get(reverse("reports:detail", args=[report.code])).content.decode()
