"""Property-based tests of the whole JSON API (its own OpenAPI document, /api/v1/openapi.json) and of Open311
(congdanso/api/open311/openapi.json) with schemathesis, against the live WSGI application on a database holding
reports: no answer is a 5xx, and every answer with a documented status matches its declared schema.

Bounded to a few minutes on two cores (``SCHEMATHESIS_EXAMPLES`` examples per operation, default 25).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from congdanso.agencies.models import Category
from congdanso.reports import services
from congdanso.reports.tests.conftest import make_input

OPEN311_SCHEMA = Path(__file__).resolve().parents[1] / "open311" / "openapi.json"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [not_a_server_error, response_schema_conformance]

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def reports(settings: Any, tmp_path: Path, citizen: Any, department: Any, ward: Any) -> list[str]:
    """A few public reports, so that lists, details and the map have rows to show."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    category = Category.objects.create(code="gt-o-ga", group="Giao thông", name="Ổ gà", default_agency=department)
    codes = []
    for i in range(3):
        result = services.submit_report(make_input(category, description=f"Ổ gà số {i}"),
                                        actor=citizen)
        codes.append(result.report.code)
    return codes


def _run(schema: Any, *, skip: set[str] = frozenset()) -> dict[str, int]:
    """Every operation of ``schema`` with generated inputs; returns cases run and 5xx seen per operation."""
    counts: dict[str, int] = {"cases": 0, "server_errors": 0}
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in skip:
            continue

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            counts["cases"] += 1
            response = case.call()
            if response.status_code >= 500:
                counts["server_errors"] += 1
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # collect every operation's failure, then fail once
            failures.append(f"{operation.label}: {exc}")
    print(json.dumps(counts))  # the count of cases is part of the report
    assert not failures, "\n\n".join(failures)
    return counts


def test_json_api_has_no_5xx_and_matches_its_schema(reports: list[str]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    counts = _run(schema)
    assert counts["cases"] > 0 and counts["server_errors"] == 0


def test_open311_has_no_5xx_and_matches_its_schema(reports: list[str]) -> None:
    raw = json.loads(OPEN311_SCHEMA.read_text())
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = get_wsgi_application()
    counts = _run(schema)
    assert counts["cases"] > 0 and counts["server_errors"] == 0
