"""RP-initiated logout against the development identity provider, over real HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from congdanso.accounts.models import User, UserKind
from congdanso.core.models import AuditEntry
from congdanso.devidp.tests.conftest import LEVEL2_PERSON, forms_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("devidp")]


def logout_form_post(browser, page, **kwargs):
    form = next(f for f in forms_of(page.text) if f.action == "/auth/logout")
    return browser.post(form.action, form.fields, headers={"Referer": page.url}, **kwargs)


def test_logout_goes_through_the_provider_and_back_home(browser, base_url):
    page = browser.login_as(LEVEL2_PERSON)
    user = User.objects.get(kind=UserKind.CITIZEN)

    bye = logout_form_post(browser, page, allow_redirects=False)

    assert bye.status_code == 302
    end_session = urlsplit(bye.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{base_url}/devidp/o/logout/"
    params = {key: values[0] for key, values in parse_qs(end_session.query).items()}
    assert params["post_logout_redirect_uri"] == f"{base_url}/"
    assert params["id_token_hint"].count(".") == 2  # a compact JWS: the ID token we were given
    assert browser.get("/api/v1/me").status_code == 401  # signed out here before the provider is asked

    home = browser.get(bye.headers["Location"])

    assert home.status_code == 200
    assert urlsplit(home.url).path == "/da-dang-xuat"  # back home, which shows the clear "signed out" page
    assert "state=" not in home.url and "đăng xuất" in home.text
    assert f"{urlsplit(home.url).scheme}://{urlsplit(home.url).netloc}" == base_url
    assert AuditEntry.objects.filter(action="account.signed_out", object_id=str(user.pk)).exists()

    # The provider forgot the demo person too: the next login shows the chooser again.
    chooser = browser.open_login("/me")
    assert urlsplit(chooser.url).path == "/devidp/login"


def test_logout_needs_post(browser):
    browser.login_as(LEVEL2_PERSON)

    assert browser.get("/auth/logout").status_code == 405
    assert browser.get("/api/v1/me").status_code == 200


def test_logout_without_csrf_token_is_refused(browser):
    page = browser.login_as(LEVEL2_PERSON)

    refused = browser.post("/auth/logout", {}, headers={"Referer": page.url})

    assert refused.status_code == 403
    assert browser.get("/api/v1/me").status_code == 200
