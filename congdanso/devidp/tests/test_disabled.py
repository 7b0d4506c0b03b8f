"""With DEVIDP_ENABLED off (the production default) the development provider does not exist."""

from __future__ import annotations

import pytest

from congdanso.accounts import oidc
from congdanso.accounts.models import User
from congdanso.devidp import services as devidp_services
from congdanso.devidp.models import DemoPerson

DEVIDP_URLS = [
    "/devidp/login",
    "/devidp/login?next=/devidp/o/authorize/",
    "/devidp/o/authorize/?response_type=code&client_id=congdanso-dev",
    "/devidp/o/token/",
    "/devidp/o/userinfo/",
    "/devidp/o/.well-known/jwks.json",
    "/devidp/o/.well-known/openid-configuration",
    "/devidp/o/logout/",
]


@pytest.fixture
def devidp_off(settings):
    settings.DEVIDP_ENABLED = False
    settings.OIDC_ISSUER = ""
    settings.OIDC_CLIENT_ID = ""
    oidc.forget_clients()
    devidp_services.reset()
    yield
    oidc.forget_clients()
    devidp_services.reset()


@pytest.mark.django_db
@pytest.mark.usefixtures("devidp_off")
@pytest.mark.parametrize("url", DEVIDP_URLS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_devidp_url_is_404(client, url, method):
    response = getattr(client, method)(url)

    assert response.status_code == 404
    assert not DemoPerson.objects.exists()  # nothing was set up on the way
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("devidp_off")
def test_resident_login_says_not_configured(client):
    response = client.get("/auth/vneid/login?next=/me")

    assert response.status_code == 503
    assert 'data-reason="not_configured"' in response.content.decode()


@pytest.mark.django_db
def test_devidp_on_serves_discovery(client, settings):
    """The control case: the same URL answers once the provider is on."""
    settings.DEVIDP_ENABLED = True
    devidp_services.reset()
    try:
        response = client.get("/devidp/o/.well-known/openid-configuration")
    finally:
        devidp_services.reset()

    assert response.status_code == 200
    assert response.json()["issuer"] == "http://testserver/devidp/o"
    assert DemoPerson.objects.count() == 5
