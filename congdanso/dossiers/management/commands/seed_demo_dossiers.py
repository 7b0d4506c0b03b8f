"""``manage.py seed_demo_dossiers``: a few demo dossiers in various statuses for the demo residents of the
development identity provider, so that the lookup, "my cases" and the back office are not empty. Demo mode only
(``DEBUG=1`` or ``DEVIDP_ENABLED=1``, as ``make run``); run after ``load_reference --demo`` and
``import_procedures --bundled``. The dossiers are recorded by the demo officers through the same services as the
back office. Idempotent: a second run adds nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from congdanso.accounts.models import User
from congdanso.dossiers import services
from congdanso.dossiers.models import Dossier
from congdanso.dossiers.states import EventKind as K

NGOC, AN, BAO = "079190004567", "079085001234", "079099006789"  # demo people of devidp
# (external id, procedure, agency, officer, applicant name, ID number, days ago, moves with their messages)
DOSSIERS: tuple[tuple[str, str, str, str, str, str, int, tuple[tuple[str, str], ...]], ...] = (
    ("demo-1", "1.004222", "UBND-26740", "demo.saigon", "Trần Thị Bích Ngọc", NGOC, 12,
     ((K.PROCESS, ""), (K.FINISH, ""), (K.RETURN, "Đã cập nhật tạm trú vào Cơ sở dữ liệu về cư trú."))),
    ("demo-2", "1.004837", "UBND-26740", "demo.saigon", "Trần Thị Bích Ngọc", NGOC, 3,
     ((K.PROCESS, ""), (K.REQUEST_SUPPLEMENT, "Vui lòng bổ sung bản sao giấy tờ tùy thân của người đi đăng ký."))),
    ("demo-3", "1.009995", "SXD", "demo.sxd", "Trần Thị Bích Ngọc", NGOC, 1, ((K.PROCESS, ""),)),
    ("demo-4", "1.009994", "SXD", "demo.sxd", "Nguyễn Văn An", AN, 30, ((K.PROCESS, ""),)),
    ("demo-5", "2.000575", "UBND-26740", "demo.saigon", "Võ Quốc Bảo", BAO, 2,
     ((K.REQUEST_FEES, "Lệ phí đăng ký hộ kinh doanh: 100.000 đồng."),)),
    ("demo-6", "1.001776", "UBND-26740", "demo.saigon", "Phạm Văn Tư", "079055001111", 20,
     ((K.PROCESS, ""), (K.FINISH, ""))),
)


class Command(BaseCommand):
    help = "Demo dossiers in various statuses (demo mode only; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not (settings.DEBUG or settings.DEVIDP_ENABLED):
            raise CommandError("seed_demo_dossiers runs only in demo mode (DEBUG=1 or DEVIDP_ENABLED=1).")
        made = 0
        for ref, procedure, agency, officer_name, name, number, days, moves in DOSSIERS:
            if Dossier.objects.filter(external_id=ref, system__isnull=True).exists():
                continue
            officer = User.objects.filter(username=officer_name).first()
            if officer is None:
                raise CommandError(f"{officer_name} is missing: run load_reference --demo first.")
            when = timezone.now() - dt.timedelta(days=days)
            dossier = services.create_dossier(services.DossierInput(
                procedure_code=procedure, agency_code=agency, applicant_name=name, applicant_number=number,
                submitted_at=when, accepted_at=when, external_id=ref), actor=officer)
            for action, message in moves:
                if action == K.RETURN:
                    services.return_result(dossier.code, actor=officer, result=message)
                else:
                    services.move_dossier(dossier.code, action, actor=officer, message=message)
            made += 1
        self.stdout.write(f"{made} demo dossiers added ({Dossier.objects.count()} in all).")
