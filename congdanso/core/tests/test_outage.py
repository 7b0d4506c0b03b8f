"""When the database or Redis is unreachable, machines get 503 JSON in the API's error shape and people a short
503 page, both with Retry-After, instead of a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client, override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from congdanso.core import outage

MESSAGE_VI = "Hệ thống tạm thời gián đoạn"


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    monkeypatch.setattr(CursorWrapper, "executemany", refuse)
    yield


@pytest.mark.django_db
@pytest.mark.usefixtures("database_down")
@pytest.mark.parametrize("path", ["/api/v1/reports", "/open311/v2/requests.json", "/open311/v2/services.xml"])
def test_the_api_answers_503_json_when_the_database_is_down(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["message"].startswith(MESSAGE_VI)


@pytest.mark.django_db
@pytest.mark.usefixtures("database_down")
def test_pages_show_a_friendly_503_when_the_database_is_down(client: Client) -> None:
    response = client.get("/phan-anh/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert MESSAGE_VI in html and 'lang="vi"' in html


@pytest.mark.django_db
@pytest.mark.usefixtures("database_down")
def test_the_503_page_is_translated(client: Client) -> None:
    response = client.get("/phan-anh/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "temporarily unavailable" in html


DEAD_REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": "redis://127.0.0.1:1/0"}}


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "json"), [("/phan-anh/", False), ("/api/v1/reports", True)])
def test_an_outage_raised_in_middleware_is_503_not_500(client: Client, monkeypatch: pytest.MonkeyPatch,
                                                       path: str, json: bool) -> None:
    """An outage met before any view runs (here: the session store) reaches Django's 500 handler, which answers
    503 all the same."""
    from importlib import import_module

    from django.conf import settings

    session_store = import_module(settings.SESSION_ENGINE).SessionStore  # db, or cached_db when Redis is configured

    def unreachable(self: Any) -> Any:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(session_store, "load", unreachable)
    client.cookies["sessionid"] = "a" * 32
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    if json:
        assert response.json()["code"] == "service_unavailable"
    else:
        assert MESSAGE_VI in response.content.decode()


@pytest.mark.django_db
@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cached_db")
def test_a_signed_in_resident_is_not_given_a_500_while_the_redis_cache_is_down(client: Client,
                                                                                citizen: Any) -> None:
    """Signed in while Redis was up; then Redis stops. The session is read from the database, and any part of the
    page that needs Redis answers 503, never 500."""
    client.force_login(citizen)
    with override_settings(CACHES=DEAD_REDIS):
        for path in ("/phan-anh/cua-toi", "/phan-anh/", "/api/v1/reports"):
            response = client.get(path)
            assert response.status_code in (200, 503), (path, response.status_code)


def test_only_connection_failures_are_outages() -> None:
    assert outage.is_outage(OperationalError("server closed the connection unexpectedly"))
    assert outage.is_outage(RedisConnectionError("Error 111 connecting to 127.0.0.1:6379"))
    wrapped = RuntimeError("while rendering")
    wrapped.__cause__ = RedisConnectionError("refused")
    assert outage.is_outage(wrapped)
    assert not outage.is_outage(ValueError("bug"))
    assert not outage.is_outage(None)
