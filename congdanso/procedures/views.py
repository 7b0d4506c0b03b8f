"""Citizen pages of the catalogue: search and list (``/thu-tuc/``) and one procedure's printable page with its
"documents I need" checklist (``/thu-tuc/<code>``). Both read ``queries`` and the one public projection."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from congdanso.lib.text import fold
from congdanso.procedures import projections, queries
from congdanso.procedures.errors import BadFilter, ProcedureNotFound
from congdanso.procedures.models import AgencyRole, ChannelKind, Level, OnlineLevel

PARAMS = ("q", "field", "level", "agency", "online")


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    row["display_name"] = projections.display_name(row)
    row["display_field"] = projections.display_field(row)
    row["level_label"] = _label(Level, row["level"])
    row["online_label"] = _label(OnlineLevel, row["online_level"])
    return row


@require_GET
def procedure_list(request: HttpRequest) -> HttpResponse:
    chosen = {name: request.GET.get(name, "") for name in PARAMS}
    error = None
    result = None
    try:
        number, _size = queries.parse_page(request.GET.get("page"))
        f = queries.build_filters(**chosen)
        result = queries.page(f, number=number, size=20)
    except BadFilter as exc:
        error = exc.message
    query = request.GET.copy()
    query.pop("page", None)
    menus = queries.menus()
    context = {
        "chosen": chosen, "error": error, "page": result, "query": query.urlencode(),
        "rows": [_summary(row) for row in result.rows] if result else [],
        "fields": menus["fields"], "agencies": menus["agencies"],
        "levels": Level.choices, "online_levels": [(queries.ONLINE_ANY, OnlineLevel.PARTIAL.label), *[
            c for c in OnlineLevel.choices if c[0] != OnlineLevel.PARTIAL]],
        "searched": any(chosen.values()),
    }
    return render(request, "procedures/list.html", context, status=400 if error else 200)


@require_GET
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        procedure = queries.by_code(code)
    except ProcedureNotFound as exc:
        raise Http404(exc.message) from exc
    item = _summary(projections.detail(procedure))
    for channel in item["channels"]:
        channel["label"] = _label(ChannelKind, channel["kind"])
    for agency in item["agencies"]:
        agency["label"] = _label(AgencyRole, agency["role"])
    for case in item["cases"]:
        for document in case["documents"]:  # "Mẫu TK-KS", "Phụ lục I-2…": no "Mẫu:" label before them
            document["template_named"] = fold(document["template_name"]).startswith(("mau", "phu luc"))
    # Partial or full online procedures are submitted on this platform's form (the dossiers app, which says there
    # when no agency of the platform receives it); the national portal's address stays offered beside it.
    online = item["online_level"] != OnlineLevel.NONE
    return render(request, "procedures/detail.html", {"p": item, "can_submit_online": online})
