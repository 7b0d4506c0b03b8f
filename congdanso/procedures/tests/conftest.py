"""Fixtures of the catalogue tests. Helpers (``procedure_record``, ``make_procedure``) live in
``congdanso.testing.factories``."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from congdanso.testing.factories import import_bundled_procedures


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalogue(db):
    """The bundled demo catalogue (the realistic data every search expectation is written against)."""
    summary = import_bundled_procedures()
    assert not summary.refused, summary.refused
    return summary
