"""Submission and the API remember categories and units per process (core.memo); a save is seen at once."""

from __future__ import annotations

import pytest

from congdanso.reports import api, services
from congdanso.reports.errors import ReportError
from congdanso.testing.factories import make_input


def test_saving_a_category_is_seen_at_once_by_submission_and_api(citizen, category, ward):
    services.submit_report(make_input(category), actor=citizen)  # category now remembered
    category.is_active = False
    category.save()
    with pytest.raises(ReportError) as caught:
        services.submit_report(make_input(category, description="Lần hai"), actor=citizen)
    assert caught.value.code == "unknown_category"

    assert ward.code in api.unit_maps()[1]
    ward.code = "99999"
    ward.save()
    assert "99999" in api.unit_maps()[1]
