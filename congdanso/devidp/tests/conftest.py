"""Fixtures for driving resident login through the development identity provider over real HTTP.

The live server runs the whole site (relying party and devidp) in threads; a ``requests.Session`` plays the browser.
The browser talks to 127.0.0.1 (not ``localhost``): devidp registers loopback callbacks, which match any port.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from congdanso.accounts import oidc
from congdanso.devidp import services as devidp_services
from congdanso.devidp.models import DemoPerson

LEVEL2_PERSON = "079085001234"  # Nguyễn Văn An, level 2
LEVEL1_PERSON = "079201007890"  # Lê Hoàng Minh, level 1


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class FormParser(HTMLParser):
    """Just enough HTML reading to post a form as a browser would: hidden inputs and submit buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(action=values.get("action", ""), method=values.get("method", "get").lower()))
        elif self.forms and tag == "input" and values.get("name"):
            self.forms[-1].fields[values["name"]] = values.get("value", "")
        elif self.forms and tag == "button" and values.get("name"):
            self.forms[-1].buttons.append((values["name"], values.get("value", "")))


def forms_of(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


class Browser:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self.session.get(self.url(path), timeout=30, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: object) -> requests.Response:
        return self.session.post(self.url(path), data=data or {}, timeout=30, **kwargs)

    def csrf_post(self, page: requests.Response, path: str, data: dict[str, str] | None = None,
                  **kwargs: object) -> requests.Response:
        """POST as a form on ``page`` would: with the page's CSRF token and a same-origin Referer."""
        token = next(f.fields["csrfmiddlewaretoken"] for f in forms_of(page.text) if "csrfmiddlewaretoken" in f.fields)
        return self.post(path, {"csrfmiddlewaretoken": token, **(data or {})}, headers={"Referer": page.url},
                         **kwargs)

    def open_login(self, next_url: str | None = "/me") -> requests.Response:
        query = f"?{urlencode({'next': next_url})}" if next_url is not None else ""
        return self.get(f"/auth/vneid/login{query}")

    def choose(self, chooser: requests.Response, personal_id: str) -> requests.Response:
        """Pick a demo resident on the devidp chooser page, posting its form with its CSRF token."""
        assert urlsplit(chooser.url).path == "/devidp/login", chooser.url
        form = next(f for f in forms_of(chooser.text) if any(name == "person" for name, _ in f.buttons))
        person = DemoPerson.objects.get(personal_id=personal_id)
        assert ("person", str(person.pk)) in form.buttons
        return self.post(form.action or chooser.url, {**form.fields, "person": str(person.pk)},
                         headers={"Referer": chooser.url})

    def login_as(self, personal_id: str, next_url: str | None = "/me") -> requests.Response:
        return self.choose(self.open_login(next_url), personal_id)


@pytest.fixture
def devidp(settings) -> Iterator[None]:
    """Resident login against the bundled development provider (no OIDC_ISSUER), with fresh caches."""
    settings.DEVIDP_ENABLED = True
    settings.OIDC_ISSUER = ""
    settings.OIDC_CLIENT_ID = ""
    settings.OIDC_CLIENT_SECRET = ""
    settings.OIDC_CLAIMS_PROFILE = "vneid"
    settings.OIDC_AUTHORIZATION_ENDPOINT = settings.OIDC_TOKEN_ENDPOINT = ""
    settings.OIDC_USERINFO_ENDPOINT = settings.OIDC_JWKS_URI = settings.OIDC_END_SESSION_ENDPOINT = ""
    settings.OIDC_REDIRECT_URI = ""
    oidc.forget_clients()
    devidp_services.reset()
    yield
    oidc.forget_clients()
    devidp_services.reset()


@pytest.fixture
def base_url(live_server) -> str:
    return live_server.url.replace("://localhost:", "://127.0.0.1:")


@pytest.fixture
def browser(base_url: str) -> Iterator[Browser]:
    browser = Browser(base_url)
    yield browser
    browser.session.close()


@pytest.fixture
def make_browser(base_url: str) -> Iterator[Callable[[], Browser]]:
    made: list[Browser] = []

    def make() -> Browser:
        made.append(Browser(base_url))
        return made[-1]

    yield make
    for browser in made:
        browser.session.close()
