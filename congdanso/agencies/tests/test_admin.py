from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from congdanso.accounts.models import IdentityLevel, StaffRole, User, UserKind
from congdanso.accounts.roles import Role
from congdanso.agencies.models import Agency, Category, Unit
from congdanso.core.fields import blind_index
from congdanso.testing.factories import totp_code


@pytest.fixture
def admin_client_(db, fast_hasher) -> Client:
    """A superuser signed in the staff way (password, then TOTP), as the staff session middleware requires."""
    User.objects.create_superuser("root", "root@example.invalid", "Mat-khau-quan-tri-2026", kind=UserKind.STAFF,
                                  full_name="Quản trị hệ thống")
    device = TOTPDevice.objects.create(user=User.objects.get(username="root"), name="TOTP", confirmed=True)
    client = Client()
    client.post("/auth/staff/login", {"username": "root", "password": "Mat-khau-quan-tri-2026"})
    assert client.post("/auth/staff/otp", {"code": totp_code(device)}).status_code == 302
    return client


def test_unit_admin_search_ignores_diacritics(reference, admin_client_):
    response = admin_client_.get("/django-admin/agencies/unit/", {"q": "tan dinh"})
    assert response.status_code == 200
    assert "Phường Tân Định" in response.content.decode()
    assert "Phường Bến Thành" not in response.content.decode()
    filtered = admin_client_.get("/django-admin/agencies/unit/", {"kind__exact": "dac_khu"})
    assert "Đặc khu Côn Đảo" in filtered.content.decode()
    assert "Phường Tân Định" not in filtered.content.decode()


def test_agency_and_category_admin_pages(reference, admin_client_):
    agencies = admin_client_.get("/django-admin/agencies/agency/", {"q": "tan dinh"})
    assert agencies.status_code == 200
    assert "UBND Phường Tân Định" in agencies.content.decode()
    assert admin_client_.get("/django-admin/agencies/agency/", {"q": "Sở Xây dựng"}).status_code == 200
    categories = admin_client_.get("/django-admin/agencies/category/", {"q": "cay do", "routes_to_ward__exact": "0"})
    assert categories.status_code == 200
    assert "Cây đổ, gãy nhánh" in categories.content.decode()
    category = Category.objects.get(code="cx-cay-do")
    change = admin_client_.get(f"/django-admin/agencies/category/{category.pk}/change/")
    assert change.status_code == 200
    unit = Unit.objects.get(code="26737")
    assert admin_client_.get(f"/django-admin/agencies/unit/{unit.pk}/change/").status_code == 200
    autocomplete = admin_client_.get("/django-admin/autocomplete/", {
        "term": "tan dinh", "app_label": "agencies", "model_name": "agency", "field_name": "unit",
    })
    assert autocomplete.status_code == 200
    assert [r["text"] for r in autocomplete.json()["results"]] == ["Phường Tân Định"]


def test_user_admin_never_shows_personal_id(reference, admin_client_):
    citizen = User.objects.create(username="oidc-binh", kind=UserKind.CITIZEN, full_name="Ngô Thị Bình",
                                  identity_level=IdentityLevel.LEVEL2, personal_id="079190004567",
                                  personal_id_index=blind_index("079190004567"))
    officer = User.objects.create_user("can.bo", password="Mat-khau-can-bo-2026", kind=UserKind.STAFF,
                                       full_name="Trương Văn Tài")
    StaffRole.objects.create(user=officer, role=Role.AGENCY_OFFICER, agency=Agency.objects.get(code="SXD"))

    listing = admin_client_.get("/django-admin/accounts/user/")
    body = listing.content.decode()
    assert listing.status_code == 200
    assert "Ngô Thị Bình" in body and "Trương Văn Tài" in body
    assert "079190004567" not in body

    for user in (citizen, officer):
        change = admin_client_.get(f"/django-admin/accounts/user/{user.pk}/change/")
        body = change.content.decode()
        assert change.status_code == 200
        assert "079190004567" not in body
        assert "personal_id" not in body
    officer_page = admin_client_.get(f"/django-admin/accounts/user/{officer.pk}/change/").content.decode()
    assert "staff_roles-TOTAL_FORMS" in officer_page
    assert "Sở Xây dựng" in officer_page

    assert admin_client_.get("/django-admin/accounts/user/", {"q": "079190004567"}).content.decode().count(
        "Ngô Thị Bình") == 0


def test_user_admin_adds_a_staff_member(reference, admin_client_):
    page = admin_client_.get("/django-admin/accounts/user/add/")
    assert page.status_code == 200
    response = admin_client_.post("/django-admin/accounts/user/add/", {
        "username": "moi.canbo", "full_name": "Phan Thị Hoa", "kind": UserKind.STAFF,
        "usable_password": "true", "password1": "Mat-khau-moi-2026", "password2": "Mat-khau-moi-2026",
        "staff_roles-TOTAL_FORMS": "1", "staff_roles-INITIAL_FORMS": "0",
        "staff_roles-MIN_NUM_FORMS": "0", "staff_roles-MAX_NUM_FORMS": "1000",
        "staff_roles-0-role": Role.AGENCY_OFFICER, "staff_roles-0-agency": Agency.objects.get(code="SYT").pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="moi.canbo")
    assert (user.kind, user.full_name) == (UserKind.STAFF, "Phan Thị Hoa")
    assert user.check_password("Mat-khau-moi-2026")
