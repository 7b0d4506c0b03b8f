from __future__ import annotations

import datetime as dt

from ninja import Router, Schema
from ninja.security import django_auth

from congdanso.accounts.http import AuthenticatedRequest
from congdanso.accounts.services import roles_of

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    kind: str
    full_name: str
    identity_level: int
    birth_date: dt.date | None = None
    language: str
    roles: list[str]


@router.get("/me", response=MeOut, auth=django_auth, summary="The logged-in user")
def me(request: AuthenticatedRequest) -> MeOut:
    user = request.user
    return MeOut(
        id=user.id, kind=user.kind, full_name=user.display_name, identity_level=user.identity_level,
        birth_date=user.birth_date, language=user.preferred_language, roles=sorted(roles_of(user)),
    )
