"""Claim-mapping profiles: turn an identity provider's claims into one shape, whatever the provider.

- ``vneid``: the VNeID SSO (Keycloak): ``preferred_username`` is the 12-digit personal ID number, ``name``, ``acr``.
- ``dvcqg``: the national public-service portal's broker: ``SoDinhDanh``, ``HoVaTen``, ``NgayThangNamSinh``
  (YYYYMMDD), ``LoaiTaiKhoan``.
- ``standard``: plain OpenID Connect claims (``name``, ``birthdate``), for any other provider.
The account is always keyed on (issuer, ``sub``), never on the ID number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

PERSONAL_ID = re.compile(r"^\d{12}$")


class ClaimsError(ValueError):
    """The provider's claims are missing something the account needs."""


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    full_name: str = ""
    personal_id: str = ""
    birth_date: dt.date | None = None
    level: int = 1
    account_type: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


def _text(claims: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = claims.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _personal_id(value: str) -> str:
    value = value.strip()
    return value if PERSONAL_ID.match(value) else ""


def _date(value: str) -> dt.date | None:
    for fmt in ("%Y%m%d", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _level(claims: Mapping[str, Any]) -> int:
    acr = _text(claims, "acr", "level", "MucDoXacThuc")
    if not acr:
        return 1
    return 2 if acr in settings.OIDC_LEVEL2_ACR or acr.lower().endswith("2") else 1


def _vneid(issuer: str, claims: Mapping[str, Any]) -> Identity:
    return Identity(
        issuer=issuer,
        subject=_text(claims, "sub"),
        full_name=_text(claims, "name", "HoVaTen") or " ".join(
            filter(None, [_text(claims, "family_name"), _text(claims, "given_name")])
        ),
        personal_id=_personal_id(_text(claims, "preferred_username", "SoDinhDanh")),
        birth_date=_date(_text(claims, "birthdate", "NgayThangNamSinh")),
        level=_level(claims),
        account_type=_text(claims, "LoaiTaiKhoan", "account_type"),
        raw=dict(claims),
    )


def _dvcqg(issuer: str, claims: Mapping[str, Any]) -> Identity:
    return Identity(
        issuer=issuer,
        subject=_text(claims, "sub", "TechID"),
        full_name=_text(claims, "HoVaTen", "name"),
        personal_id=_personal_id(_text(claims, "SoDinhDanh")),
        birth_date=_date(_text(claims, "NgayThangNamSinh", "birthdate")),
        level=_level(claims),
        account_type=_text(claims, "LoaiTaiKhoan"),
        raw=dict(claims),
    )


def _standard(issuer: str, claims: Mapping[str, Any]) -> Identity:
    return Identity(
        issuer=issuer,
        subject=_text(claims, "sub"),
        full_name=_text(claims, "name") or _text(claims, "preferred_username", "email"),
        birth_date=_date(_text(claims, "birthdate")),
        level=_level(claims),
        raw=dict(claims),
    )


PROFILES: dict[str, Callable[[str, Mapping[str, Any]], Identity]] = {
    "vneid": _vneid,
    "dvcqg": _dvcqg,
    "standard": _standard,
}


def map_claims(profile: str, issuer: str, claims: Mapping[str, Any]) -> Identity:
    try:
        mapper = PROFILES[profile]
    except KeyError as exc:
        raise ClaimsError(f"unknown OIDC_CLAIMS_PROFILE {profile!r}; use one of {', '.join(PROFILES)}") from exc
    identity = mapper(issuer, claims)
    if not identity.subject:
        raise ClaimsError("the identity provider returned no subject (sub)")
    return identity
