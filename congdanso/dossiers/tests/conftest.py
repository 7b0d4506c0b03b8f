from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from congdanso.accounts.models import User
from congdanso.agencies.models import Agency
from congdanso.core.fields import blind_index
from congdanso.dossiers import services
from congdanso.dossiers.models import Dossier, IntegrationSystem
from congdanso.dossiers.states import Status
from congdanso.testing.factories import make_citizen, make_procedure

PERSONAL_ID = "079090001234"


@pytest.fixture(autouse=True)
def private_files(settings: Any, tmp_path: Path) -> Path:
    """Dossier documents go to a fresh folder of this test (the storage the app uses, relocated)."""
    root = tmp_path / "private-dossiers"
    settings.STORAGES = {**settings.STORAGES, "dossier_files": {
        "BACKEND": "congdanso.core.storage.PrivateFileStorage", "OPTIONS": {"location": str(root)}}}
    return root


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def procedure(db: Any) -> Any:
    """Đăng ký khai sinh: 3 working days in person and online."""
    return make_procedure()


@pytest.fixture
def applicant(db: Any) -> User:
    """Chị Lan, level 2, with her personal ID number on the account (as VNeID gives it)."""
    return make_citizen(username="oidc-applicant", subject="applicant-sub", personal_id=PERSONAL_ID,
                        personal_id_index=blind_index(PERSONAL_ID))


@pytest.fixture
def system(db: Any, department: Agency) -> IntegrationSystem:
    s = IntegrationSystem.objects.create(name="Một cửa Sở Xây dựng", key_prefix="sxd0001", key_hash="0" * 64)
    s.agencies.add(department)
    return s


def desk_dossier(officer: User, agency: Agency, *, status: str = Status.ACCEPTED, **fields: Any) -> Dossier:
    data = services.DossierInput(procedure_code="1.001193", agency_code=agency.code, applicant_name="Nguyễn Thị Lan",
                                 applicant_number=PERSONAL_ID, status=status, **fields)
    return services.create_dossier(data, actor=officer)
