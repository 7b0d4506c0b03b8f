"""Property-based tests of the whole JSON API (its own OpenAPI document, /api/v1/openapi.json) and of Open311
(congdanso/api/open311/openapi.json) with schemathesis, against the live WSGI application on a database holding
public reports: valid and invalid inputs, as a visitor and as a signed-in resident (an integrator's key for
Open311). No answer may be a 5xx, and every answer with a documented status must match its declared schema.

Bounded to a few minutes on two cores: ``SCHEMATHESIS_EXAMPLES`` examples per operation and generation mode
(default 20).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from congdanso.agencies.models import Category
from congdanso.api.integrators import create_integrator
from congdanso.reports import services
from congdanso.reports.tests.conftest import make_input

OPEN311_SCHEMA = Path(__file__).resolve().parents[1] / "open311" / "openapi.json"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "20"))
CHECKS = [not_a_server_error, response_schema_conformance]

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Any:
    """As Django's test client does: the WSGI handler's request signals close "old" connections, which closes the
    test transaction's own connection on PostgreSQL (later queries: "the connection is closed")."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def codes(settings: Any, tmp_path: Path, citizen: Any, department: Any) -> list[str]:
    """A few public reports, so that lists, details and the map have rows to show."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    category = Category.objects.create(code="gt-o-ga", group="Giao thông", name="Ổ gà", default_agency=department)
    return [services.submit_report(make_input(category, description=f"Ổ gà số {i}"), actor=citizen).report.code
            for i in range(3)]


@pytest.fixture
def resident_session(client: Any, citizen: Any) -> dict[str, Any]:
    """Cookies and header of a signed-in resident (session + CSRF), for the API's write endpoints."""
    client.force_login(citizen)
    token = _get_new_csrf_string()
    return {"cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": token},
            "headers": {"X-CSRFToken": token}}


def _strategy(operation: Any, **fixed: Any) -> Any:
    return st.one_of(*(operation.as_strategy(mode, **fixed) for mode in (GenerationMode.POSITIVE,
                                                                        GenerationMode.NEGATIVE)))


def _run(schema: Any, *, sessions: list[dict[str, Any]], prepare: Any = None) -> dict[str, int]:
    """Every operation of ``schema`` with generated inputs, once per session; returns the cases run and the 5xx
    seen. Every operation's failures are collected, then the test fails once with all of them."""
    counts = {"cases": 0, "server_errors": 0, "operations": 0}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        counts["operations"] += 1
        for session in sessions:

            @given(case=_strategy(operation, **session))
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def check(case: Any) -> None:
                if prepare is not None:
                    prepare(case)
                counts["cases"] += 1
                response = case.call()
                if response.status_code >= 500:
                    counts["server_errors"] += 1
                case.validate_response(response, checks=CHECKS)

            try:
                check()
            except Exception as exc:  # reported below, with every other operation's
                failures.append(f"{operation.label}: {exc}")
    print(json.dumps(counts))  # the count of cases run belongs in the test's output
    assert not failures, "\n\n".join(failures)
    return counts


def test_json_api_has_no_5xx_and_matches_its_schema(codes: list[str], resident_session: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    counts = _run(schema, sessions=[{}, resident_session])
    assert counts["operations"] > 10 and counts["cases"] > 2 * counts["operations"]
    assert counts["server_errors"] == 0


def test_open311_has_no_5xx_and_matches_its_schema(codes: list[str]) -> None:
    schema = schemathesis.openapi.from_dict(json.loads(OPEN311_SCHEMA.read_text()))
    schema.app = get_wsgi_application()
    key = create_integrator("Đối tác kiểm thử")[1]

    def with_key(case: Any) -> None:  # half the POSTs carry a valid key, to reach the parsing behind it
        if isinstance(case.body, dict) and len(str(case.body)) % 2:
            case.body["api_key"] = key

    counts = _run(schema, sessions=[{}], prepare=with_key)
    assert counts["operations"] == 7 and counts["cases"] > 2 * counts["operations"]
    assert counts["server_errors"] == 0


def test_list_and_detail_bodies_match_the_declared_schemas(client: Any, codes: list[str]) -> None:
    """The read endpoints on real rows (random codes rarely name a report): each body against its schema."""
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    open311 = schemathesis.openapi.from_dict(json.loads(OPEN311_SCHEMA.read_text()))
    open311.app = get_wsgi_application()
    checked = [
        (api, "/api/v1/reports", {}, {"limit": 2}),
        (api, "/api/v1/reports/geojson", {}, {}),
        (api, "/api/v1/reports/map", {}, {"bbox": "106.6,10.7,106.8,10.9", "zoom": 16}),
        (api, "/api/v1/reports/map", {}, {"bbox": "106.6,10.7,106.8,10.9", "zoom": 10}),
        (api, "/api/v1/reports/{code}", {"code": codes[0]}, {}),
        (api, "/api/v1/reports/{code}/timeline", {"code": codes[0]}, {}),
        (open311, "/requests.{fmt}", {"fmt": "json"}, {"extensions": "true"}),
        (open311, "/requests/{service_request_id}.{fmt}", {"fmt": "json", "service_request_id": codes[0]},
         {"extensions": "true"}),
    ]
    for schema, path, path_parameters, query in checked:
        case = schema[path]["GET"].Case(path_parameters=path_parameters, query=query)
        response = case.call()
        assert response.status_code == 200, (path, response.text)
        assert response.json(), path
        case.validate_response(response, checks=CHECKS)
    first = client.get("/api/v1/reports", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
