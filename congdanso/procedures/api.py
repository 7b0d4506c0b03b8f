"""JSON API of the procedure catalogue (mounted at /api/v1/procedures): search with filters and pages, the fields,
one procedure's whole public record. Every answer is the one public projection; a bad filter is a 400, an unknown
code a 404, each with a message in the user's language."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import orjson
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from congdanso.procedures import projections, queries

router = Router(tags=["procedures"])

LevelName = Literal["central", "province", "commune"]
OnlineName = Literal["none", "partial", "full"]


def _json(body: Any) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), content_type="application/json; charset=utf-8")


class ProcedureSummary(Schema):
    code: str
    name: str
    name_en: str = ""
    level: LevelName
    field: str
    field_name: str
    field_name_en: str = ""
    online_level: OnlineName
    online_url: str = Field("", description="where to submit online (national or city portal); empty when none")
    working_days: float | None = Field(None, description="shortest deadline of its channels, in working days")


class ProcedurePage(Schema):
    items: list[ProcedureSummary]
    page: int
    pages: int
    total: int


class SearchQuery(Schema):
    q: str | None = Field(None, description="words of the name, keywords or code; diacritics, order and small typos "
                                            "do not matter", max_length=200)
    field: str | None = Field(None, description="field codes, comma-separated (see /procedures/fields)")
    level: str | None = Field(None, description="central, province or commune, comma-separated")
    agency: str | None = Field(None, description="agency codes, comma-separated")
    online: str | None = Field(None, description="full, partial, none, or any (= partial or full)")
    page: int = Field(1, ge=1, le=queries.MAX_PAGE)
    limit: int = Field(20, ge=1, le=queries.MAX_PAGE_SIZE)


@router.get("", response=ProcedurePage, summary="Search the procedure catalogue (ranked; filters; pages)",
            url_name="procedures_list")
def list_procedures(request: HttpRequest, q: Query[SearchQuery]) -> HttpResponse:
    f = queries.build_filters(q=q.q, field=q.field, level=q.level, agency=q.agency, online=q.online)
    result = queries.page(f, number=q.page, size=q.limit)
    return _json({"items": result.rows, "page": result.number, "pages": result.pages, "total": result.total})


class FieldOut(Schema):
    code: str
    name: str
    name_en: str = ""
    count: int


@router.get("/fields", response=list[FieldOut], summary="Fields (lĩnh vực) with their number of procedures",
            url_name="procedures_fields")
def list_fields(request: HttpRequest) -> HttpResponse:
    return _json(queries.menus()["fields"])


class StepOut(Schema):
    number: int
    text: str


class ChannelOut(Schema):
    kind: Literal["in_person", "online", "postal"]
    deadline_text: str
    working_days: float | None = None
    fees_text: str = ""
    fee_amount: int | None = Field(None, description="fee in đồng when one figure applies")
    description: str = ""


class DocumentOut(Schema):
    number: int
    name: str
    template_name: str = ""
    template_url: str = ""
    originals: int
    copies: int
    required: bool


class CaseOut(Schema):
    number: int
    title: str = ""
    documents: list[DocumentOut]


class AgencyOut(Schema):
    role: Literal["performing", "deciding", "authorised", "coordinating"]
    code: str = ""
    name: str
    address: str = ""


class LegalBasisOut(Schema):
    number: str
    summary: str = ""
    issued_on: dt.date | None = None
    issuer: str = ""


class ProcedureDetail(ProcedureSummary):
    decision: str = ""
    kind: str = ""
    applicants: str = ""
    result: str = ""
    requirements: str = ""
    keywords: list[str]
    steps_note: str = ""
    updated_at: dt.datetime
    steps: list[StepOut]
    channels: list[ChannelOut]
    cases: list[CaseOut]
    agencies: list[AgencyOut]
    legal_bases: list[LegalBasisOut]


@router.get("/{code}", response=ProcedureDetail, summary="One procedure's whole public record",
            url_name="procedures_detail")
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _json(projections.detail(queries.by_code(code)))
