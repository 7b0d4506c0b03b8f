"""Claims the development provider puts in ID tokens and userinfo: both VNeID's and the national portal's."""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator


class DevIdpValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below is released for the "openid" scope

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        person = getattr(request.user, "devidp_person", None)
        if person is None:
            return {}
        return {
            "name": person.full_name,
            "preferred_username": person.personal_id,
            "birthdate": person.birth_date.isoformat(),
            "acr": str(person.level),
            "HoVaTen": person.full_name,
            "SoDinhDanh": person.personal_id,
            "NgayThangNamSinh": person.birth_date.strftime("%Y%m%d"),
            "LoaiTaiKhoan": "1",
            "loginIdp": "BCA",
        }
