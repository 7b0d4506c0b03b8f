"""Offline report drafts bound to the account: the owner marker (page and /auth/draft-owner), and logout asking
the resident about the drafts this browser keeps (the cds_drafts cookie set by drafts.js)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from congdanso.accounts.markers import DRAFTS_COOKIE, account_marker
from congdanso.accounts.models import User, UserKind
from congdanso.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(db) -> User:
    return User.objects.create(username="oidc-bao", kind=UserKind.CITIZEN, full_name="Võ Quốc Bảo")


def test_the_owner_marker_differs_per_account_and_is_empty_when_signed_out(client, citizen, neighbour) -> None:
    url = reverse("accounts:draft_owner")
    anonymous = client.get(url).json()
    assert anonymous["owner"] == "" and anonymous["csrf"]
    client.force_login(citizen)
    mine = client.get(url).json()["owner"]
    assert mine == account_marker(citizen) and mine != account_marker(neighbour) and len(mine) == 24
    page = client.get(reverse("reports:new")).content.decode()
    assert f'data-draft-owner="{mine}"' in page, "drafts written on this page carry the author's marker"


def test_logout_without_kept_drafts_signs_out_at_once(client, citizen) -> None:
    client.force_login(citizen)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_logout_with_kept_drafts_asks_first_then_honours_the_choice(client, citizen) -> None:
    client.force_login(citizen)
    client.cookies[DRAFTS_COOKIE] = "1"
    asked = client.post(reverse("accounts:logout"))
    html = asked.content.decode()
    assert asked.status_code == 200 and 'data-testid="logout-drafts"' in html
    assert f'data-drafts-logout="{account_marker(citizen)}"' in html and "reports/drafts.js" in html
    assert 'name="drafts" value="clear"' in html and 'name="drafts" value="keep"' in html
    assert client.get("/api/v1/me").status_code == 200, "still signed in until the resident chooses"
    assert not AuditEntry.objects.filter(action="account.signed_out").exists()

    kept = client.post(reverse("accounts:logout"), {"drafts": "keep"})
    assert kept.status_code == 302 and client.get("/api/v1/me").status_code == 401
    assert client.cookies[DRAFTS_COOKIE].value == "1", "kept drafts: the next sign-out asks again"

    client.force_login(citizen)
    cleared = client.post(reverse("accounts:logout"), {"drafts": "clear"})
    assert cleared.status_code == 302 and client.get("/api/v1/me").status_code == 401
    assert cleared.cookies[DRAFTS_COOKIE]["max-age"] == 0
