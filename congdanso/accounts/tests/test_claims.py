"""Claim-mapping profiles, claim by claim (the login tests cover them end to end)."""

from __future__ import annotations

import datetime as dt

import pytest

from congdanso.accounts.claims import ClaimsError, map_claims

ISSUER = "https://sso.vneid.example/realms/vneid"


@pytest.mark.parametrize(("acr", "level"), [
    ("2", 2), ("LoA2", 2), ("level2", 2), ("muc2", 2), ("1", 1), ("LoA1", 1), ("", 1), (None, 1),
])
def test_identity_level_from_acr(acr, level):
    claims = {"sub": "s"} if acr is None else {"sub": "s", "acr": acr}

    assert map_claims("vneid", ISSUER, claims).level == level


@pytest.mark.parametrize("value", ["19850314", "1985-03-14", "14/03/1985"])
def test_birth_date_formats(value):
    assert map_claims("dvcqg", ISSUER, {"sub": "s", "NgayThangNamSinh": value}).birth_date == dt.date(1985, 3, 14)


def test_unreadable_birth_date_is_dropped():
    assert map_claims("dvcqg", ISSUER, {"sub": "s", "NgayThangNamSinh": "14031985x"}).birth_date is None


def test_dvcqg_uses_techid_when_there_is_no_sub():
    identity = map_claims("dvcqg", ISSUER, {"TechID": "tech-42", "HoVaTen": "Phạm Thị Thu Hà"})

    assert (identity.subject, identity.full_name) == ("tech-42", "Phạm Thị Thu Hà")


def test_vneid_name_from_family_and_given_names():
    identity = map_claims("vneid", ISSUER, {"sub": "s", "family_name": "Nguyễn Văn", "given_name": "An"})

    assert identity.full_name == "Nguyễn Văn An"


@pytest.mark.parametrize("value", ["07908500123", "0790850012345", "07908500123a", " 079085001234 "])
def test_personal_id_must_be_twelve_digits(value):
    expected = "079085001234" if value.strip() == "079085001234" else ""

    assert map_claims("vneid", ISSUER, {"sub": "s", "preferred_username": value}).personal_id == expected


@pytest.mark.parametrize("profile", ["vneid", "dvcqg", "standard"])
def test_a_subject_is_required(profile):
    with pytest.raises(ClaimsError):
        map_claims(profile, ISSUER, {"name": "Không Có Sub", "sub": ""})


def test_unknown_profile():
    with pytest.raises(ClaimsError, match="OIDC_CLAIMS_PROFILE"):
        map_claims("keycloak", ISSUER, {"sub": "s"})
