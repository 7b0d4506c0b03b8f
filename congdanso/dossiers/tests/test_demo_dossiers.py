from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from congdanso.agencies.demo import ensure_demo_staff
from congdanso.dossiers.models import Dossier
from congdanso.dossiers.states import Status

pytestmark = pytest.mark.django_db


def test_demo_dossiers_come_in_several_statuses_once(settings: Any, department: Any) -> None:
    settings.DEVIDP_ENABLED = True
    from congdanso.testing.factories import import_bundled_procedures, make_agency

    make_agency("UBND-26740", "Ủy ban nhân dân Phường Tân Định")
    ensure_demo_staff()
    import_bundled_procedures()
    call_command("seed_demo_dossiers")
    statuses = set(Dossier.objects.values_list("status", flat=True))
    assert {Status.RETURNED, Status.SUPPLEMENT, Status.PROCESSING, Status.FEES, Status.DONE} <= statuses
    count = Dossier.objects.count()
    call_command("seed_demo_dossiers")
    assert Dossier.objects.count() == count == 6
