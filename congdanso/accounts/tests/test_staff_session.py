"""Who gets into the back office, and for how long: signed-in staff who passed the second factor, within the idle
window (STAFF_SESSION_IDLE_SECONDS) and the absolute limit (STAFF_SESSION_MAX_SECONDS)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone

from congdanso.accounts.middleware import REFRESHED_KEY, STARTED_KEY
from congdanso.accounts.tests.conftest import password_step, staff_sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_otp_throttle")]

LOGIN_FOR_BACKOFFICE = "/auth/staff/login?next=%2Fbackoffice%2F"


def session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def set_expiry(client, when: dt.datetime) -> None:
    """Time has passed: the session now ends at ``when``. With sessions cached in Redis (cached_db) the cache
    entry would have run out with it, so it is dropped too and the next request reads the row."""
    store = client.session
    row = session_row(client)
    row.expire_date = when
    row.save()
    if hasattr(store, "cache_key"):
        cache.delete(store.cache_key)


def edit_session(client, **values) -> None:
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def test_anonymous_is_sent_to_staff_login(client, db):
    response = client.get("/backoffice/")

    assert response.status_code == 302
    assert response["Location"] == LOGIN_FOR_BACKOFFICE


def test_resident_is_sent_to_staff_login(client, citizen):
    client.force_login(citizen)

    assert client.get("/backoffice/")["Location"] == LOGIN_FOR_BACKOFFICE


def test_password_alone_is_not_enough(client, officer):
    password_step(client, "hung.sxd")

    assert client.get("/backoffice/")["Location"] == LOGIN_FOR_BACKOFFICE


def test_staff_signed_in_without_the_second_factor_is_refused(client, officer):
    """A session made some other way (no OTP verification, no staff start time) does not open the back office."""
    client.force_login(officer)

    assert client.get("/backoffice/")["Location"] == LOGIN_FOR_BACKOFFICE
    assert client.get("/api/v1/me").status_code == 401  # and that session was ended


def test_staff_with_second_factor_gets_in(client, officer):
    staff_sign_in(client, officer)

    page = client.get("/backoffice/")

    assert page.status_code == 200
    assert "Sở Xây dựng" in page.content.decode()


def test_session_ends_after_the_absolute_limit(client, officer, settings):
    staff_sign_in(client, officer)
    edit_session(client, **{STARTED_KEY: timezone.now().timestamp() - settings.STAFF_SESSION_MAX_SECONDS - 1})

    response = client.get("/backoffice/")

    assert response["Location"] == LOGIN_FOR_BACKOFFICE
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/backoffice/")["Location"] == LOGIN_FOR_BACKOFFICE


def test_small_absolute_limit(client, officer, settings):
    settings.STAFF_SESSION_MAX_SECONDS = 60
    staff_sign_in(client, officer)
    assert client.get("/backoffice/").status_code == 200
    edit_session(client, **{STARTED_KEY: timezone.now().timestamp() - 61})

    assert client.get("/backoffice/?tab=queue")["Location"] == (
        "/auth/staff/login?next=%2Fbackoffice%2F%3Ftab%3Dqueue")
    assert client.get("/api/v1/me").status_code == 401


def test_session_is_stored_for_the_idle_window_only(client, officer, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 600
    before = timezone.now()

    staff_sign_in(client, officer)

    assert client.session.get_expiry_age() == 600
    expires = session_row(client).expire_date
    assert before + dt.timedelta(seconds=590) <= expires <= timezone.now() + dt.timedelta(seconds=600)
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 600


def test_idle_session_expires(client, officer):
    staff_sign_in(client, officer)
    set_expiry(client, timezone.now() - dt.timedelta(seconds=1))  # idle for longer than the window

    assert client.get("/backoffice/")["Location"] == LOGIN_FOR_BACKOFFICE
    assert client.get("/api/v1/me").status_code == 401


def test_activity_renews_the_idle_window(client, officer, settings):
    settings.STAFF_SESSION_IDLE_SECONDS = 600
    staff_sign_in(client, officer)
    client.get("/backoffice/")  # the first request stamps the refresh time
    set_expiry(client, timezone.now() + dt.timedelta(seconds=30))  # 9.5 idle minutes have passed

    assert client.get("/backoffice/").status_code == 200
    assert session_row(client).expire_date < timezone.now() + dt.timedelta(seconds=31)  # renewed at most 1/min

    edit_session(client, **{REFRESHED_KEY: timezone.now().timestamp() - 61})
    set_expiry(client, timezone.now() + dt.timedelta(seconds=30))

    assert client.get("/backoffice/").status_code == 200
    assert session_row(client).expire_date >= timezone.now() + dt.timedelta(seconds=590)


def test_resident_sessions_are_not_touched(client, citizen, settings):
    settings.STAFF_SESSION_MAX_SECONDS = 0
    client.force_login(citizen)

    assert client.get("/api/v1/me").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
