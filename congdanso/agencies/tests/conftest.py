from __future__ import annotations

import pytest

from congdanso.agencies import services


@pytest.fixture
def reference(db) -> dict:
    """The real reference data, loaded as ``manage.py load_reference`` does."""
    return services.load_reference()


@pytest.fixture
def fast_hasher(settings) -> None:
    """Demo accounts hash eight passwords; a fast hasher keeps the tests quick (login still checks it)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
