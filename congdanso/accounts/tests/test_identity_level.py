"""Features that need one real person (supports, online dossiers) demand a level-2 VNeID account."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from congdanso.accounts import services
from congdanso.accounts.errors import IdentityLevelTooLow
from congdanso.accounts.models import IdentityLevel
from congdanso.core.errors import DomainError

pytestmark = pytest.mark.django_db


def test_level_two_passes(citizen):
    assert citizen.identity_level == IdentityLevel.LEVEL2

    services.require_identity_level(citizen, 2)
    services.require_identity_level(citizen, 1)


@pytest.mark.parametrize("level", [IdentityLevel.NONE, IdentityLevel.LEVEL1])
def test_lower_level_is_refused(citizen, level):
    citizen.identity_level = level
    citizen.save()

    with pytest.raises(IdentityLevelTooLow) as raised:
        services.require_identity_level(citizen, 2)

    error = raised.value
    assert isinstance(error, DomainError)
    assert (error.status, error.code, error.required) == (403, "identity_level_too_low", 2)
    assert error.as_dict()["code"] == "identity_level_too_low"
    with translation.override("vi"):
        assert str(error.message) == "Chức năng này cần tài khoản định danh điện tử mức 2."


def test_level_one_is_enough_for_level_one(citizen):
    citizen.identity_level = IdentityLevel.LEVEL1
    citizen.save()

    services.require_identity_level(citizen, 1)


def test_anonymous_is_refused():
    with pytest.raises(IdentityLevelTooLow):
        services.require_identity_level(AnonymousUser(), 1)
