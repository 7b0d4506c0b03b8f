"""JSON API of the citizen shell (mounted at /api/v1/): "Việc của tôi", the signed-in resident's cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.security import django_auth

from congdanso.web.cases import my_cases

router = Router(tags=["my cases"])


class MyCaseOut(Schema):
    kind: str = Field(..., description="report (filed by me), followed (a report I follow) or dossier")
    code: str
    title: str
    status: str
    status_label: str
    updated_at: dt.datetime
    due_at: dt.datetime | None
    overdue: bool
    link: str
    next_step: str = Field(..., description="what I can do now; empty when nothing")


class MyCasesOut(Schema):
    items: list[MyCaseOut]
    total: int


class MyCasesQuery(Schema):
    kind: str | None = Field(None, description="report, followed or dossier")
    offset: int = Field(0, ge=0, le=10_000)
    limit: int = Field(20, ge=1, le=100)


@router.get("/me/cases", response=MyCasesOut, auth=django_auth, url_name="my_cases",
            summary="My reports, followed reports and dossiers, latest change first")
def cases(request: HttpRequest, q: Query[MyCasesQuery]) -> dict[str, Any]:
    found = [c for c in my_cases(request.user) if not q.kind or c.kind == q.kind]
    return {"items": [c.as_dict() for c in found[q.offset:q.offset + q.limit]], "total": len(found)}
