"""The development provider as an OpenID provider: what it refuses and what its ID tokens say."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.conf import settings
from joserfc import jwt
from joserfc.jwk import KeySet

from congdanso.devidp.models import DemoPerson
from congdanso.devidp.tests.conftest import LEVEL1_PERSON, LEVEL2_PERSON

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("devidp")]

CALLBACK = "http://127.0.0.1/auth/vneid/callback"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def authorize_query(verifier: str, **overrides: str) -> str:
    params = {
        "response_type": "code", "client_id": settings.DEVIDP_CLIENT_ID, "redirect_uri": CALLBACK,
        "scope": "openid profile", "state": "st-123", "nonce": "nonce-456",
        "code_challenge": s256(verifier), "code_challenge_method": "S256",
    }
    params.update(overrides)
    return "/devidp/o/authorize/?" + urlencode({k: v for k, v in params.items() if v is not None})


def choose(client, personal_id: str, next_url: str):
    client.get("/devidp/login")  # sets the provider up
    person = DemoPerson.objects.get(personal_id=personal_id)
    return client.post("/devidp/login", {"person": str(person.pk), "next": next_url})


def get_code(client, personal_id: str, verifier: str) -> str:
    target = authorize_query(verifier)
    assert choose(client, personal_id, target)["Location"] == target
    response = client.get(target)
    assert response.status_code == 302, response.content.decode()[:1000]
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    params = dict(parse_qsl(location.query))
    assert params["state"] == "st-123"
    return params["code"]


def redeem(client, code: str, verifier: str, secret: str | None = None):
    basic = base64.b64encode(
        f"{settings.DEVIDP_CLIENT_ID}:{secret or settings.DEVIDP_CLIENT_SECRET}".encode()).decode()
    return client.post("/devidp/o/token/", {"grant_type": "authorization_code", "code": code,
                                            "redirect_uri": CALLBACK, "code_verifier": verifier},
                       HTTP_AUTHORIZATION=f"Basic {basic}")


@pytest.mark.parametrize(("personal_id", "level"), [(LEVEL2_PERSON, "2"), (LEVEL1_PERSON, "1")])
def test_id_token_carries_vneid_and_portal_claims(client, personal_id, level):
    verifier = secrets.token_urlsafe(48)
    code = get_code(client, personal_id, verifier)

    response = redeem(client, code, verifier)

    assert response.status_code == 200, response.content
    discovery = client.get("/devidp/o/.well-known/openid-configuration").json()
    keys = KeySet.import_key_set(client.get("/devidp/o/.well-known/jwks.json").json())
    token = jwt.decode(response.json()["id_token"], keys)
    claims = token.claims
    person = DemoPerson.objects.get(personal_id=personal_id)
    assert claims["iss"] == discovery["issuer"] == "http://testserver/devidp/o"
    assert claims["aud"] == settings.DEVIDP_CLIENT_ID
    assert claims["nonce"] == "nonce-456"
    assert claims["sub"] == str(person.user_id)
    assert claims["preferred_username"] == claims["SoDinhDanh"] == personal_id
    assert claims["name"] == claims["HoVaTen"] == person.full_name
    assert claims["birthdate"] == person.birth_date.isoformat()
    assert claims["NgayThangNamSinh"] == person.birth_date.strftime("%Y%m%d")
    assert claims["acr"] == level
    assert claims["LoaiTaiKhoan"] == "1"
    assert token.header["alg"] == "RS256"
    assert discovery["end_session_endpoint"] == "http://testserver/devidp/o/logout/"


def test_code_works_once(client):
    verifier = secrets.token_urlsafe(48)
    code = get_code(client, LEVEL2_PERSON, verifier)
    assert redeem(client, code, verifier).status_code == 200

    again = redeem(client, code, verifier)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_wrong_code_verifier_is_refused(client):
    code = get_code(client, LEVEL2_PERSON, secrets.token_urlsafe(48))

    response = redeem(client, code, secrets.token_urlsafe(48))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_wrong_client_secret_is_refused(client):
    verifier = secrets.token_urlsafe(48)
    code = get_code(client, LEVEL2_PERSON, verifier)

    assert redeem(client, code, verifier, secret="not-the-secret").status_code == 401


def test_pkce_is_required(client):
    target = authorize_query("unused", code_challenge=None, code_challenge_method=None)
    choose(client, LEVEL2_PERSON, target)

    response = client.get(target)

    assert response.status_code == 302
    params = dict(parse_qsl(urlsplit(response["Location"]).query))
    assert params["error"] == "invalid_request"
    assert "code" not in params


def test_unregistered_redirect_uri_is_not_followed(client):
    target = authorize_query(secrets.token_urlsafe(48), redirect_uri="https://evil.example/auth/vneid/callback")
    choose(client, LEVEL2_PERSON, target)

    response = client.get(target)

    assert response.status_code == 400
    assert "evil.example" not in response.get("Location", "")


def test_unknown_client_is_refused(client):
    target = authorize_query(secrets.token_urlsafe(48), client_id="someone-else")
    choose(client, LEVEL2_PERSON, target)

    response = client.get(target)

    assert response.status_code == 400


def test_authorize_without_a_chosen_person_shows_the_chooser(client):
    target = authorize_query(secrets.token_urlsafe(48))

    response = client.get(target)

    assert response.status_code == 302
    assert response["Location"] == "/devidp/login?" + urlencode({"next": target})


def test_prompt_login_asks_again(client):
    verifier = secrets.token_urlsafe(48)
    get_code(client, LEVEL2_PERSON, verifier)

    response = client.get(authorize_query(verifier, prompt="login"))

    assert urlsplit(response["Location"]).path == "/devidp/login"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "/me", "//evil.example/devidp/o/authorize/", ""])
def test_chooser_only_continues_to_the_authorize_endpoint(client, next_url):
    response = choose(client, LEVEL2_PERSON, next_url)

    assert response.status_code == 400
    assert "devidp_person" not in client.session


def test_chooser_lists_the_demo_people(client):
    page = client.get("/devidp/login?" + urlencode({"next": authorize_query("v")}))

    body = page.content.decode()
    assert page.status_code == 200
    for person in DemoPerson.objects.all():
        assert person.full_name in body
        assert person.personal_id in body
    assert "không phải VNeID thật" in body
