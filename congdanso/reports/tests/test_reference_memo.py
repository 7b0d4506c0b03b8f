"""Submission and the API remember categories and units per process (core.memo); a save is seen at once."""

from __future__ import annotations

import pytest

from congdanso.reports import services
from congdanso.reports.errors import ReportError
from congdanso.testing.factories import make_input


def test_saving_a_category_is_seen_at_once_by_submission_and_api(client, citizen, category, ward):
    report = services.submit_report(make_input(category, ward=ward.code, lat=None, lon=None),
                                    actor=citizen).report  # category now remembered
    category.is_active = False
    category.save()
    with pytest.raises(ReportError) as caught:
        services.submit_report(make_input(category, description="Lần hai"), actor=citizen)
    assert caught.value.code == "unknown_category"

    # The API reads codes with the rows (a join), so a renamed ward is seen at once.
    assert [r["code"] for r in client.get("/api/v1/reports", {"ward": ward.code}).json()["items"]] == [report.code]
    ward.code = "99999"
    ward.save()
    assert [r["ward"] for r in client.get("/api/v1/reports", {"ward": "99999"}).json()["items"]] == ["99999"]
