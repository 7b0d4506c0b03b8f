"""``manage.py seed_demo_reports``: a few dozen demo reports in various states, once, in demo mode only."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from congdanso.agencies import demo
from congdanso.agencies import services as reference
from congdanso.reports.models import Report


@pytest.fixture
def demo_mode(db, settings, tmp_path):
    settings.DEVIDP_ENABLED = True
    settings.MEDIA_ROOT = str(tmp_path)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reference.load_reference()
    demo.ensure_demo_staff()


def test_seeds_reports_in_various_states_once(demo_mode):
    call_command("seed_demo_reports", stdout=io.StringIO())
    statuses = set(Report.objects.values_list("status", flat=True))
    assert Report.objects.count() >= 30
    assert {"submitted", "received", "in_progress", "resolved", "rejected"} <= statuses
    assert Report.objects.filter(lat__isnull=True, ward__isnull=False).exists()  # some placed by ward only
    assert not Report.objects.filter(reporter__isnull=False).exists()  # hotline calls: no resident account
    before = Report.objects.count()
    call_command("seed_demo_reports", stdout=io.StringIO())
    assert Report.objects.count() == before


def test_refused_outside_demo_mode(db, settings):
    settings.DEBUG = False
    settings.DEVIDP_ENABLED = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("seed_demo_reports")
