"""Security headers (issue 9 #10): CSP without inline code on every HTML page, Permissions-Policy, HSTS with
subdomains and ``__Host-`` cookies over HTTPS, the API docs served from the vendored Swagger UI; and no template or
script of the project brings back inline scripts, style blocks or style attributes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from congdanso.core.tests.conftest import PYTHON, clean_env, run
from congdanso.lib.csp import source_of, sources_of

PROJECT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in PROJECT.rglob("templates/**/*.html"))
OUR_SCRIPTS = sorted(p for p in PROJECT.rglob("static/**/*.js") if "/vendor/" not in str(p))
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*\\?["'{]""", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
EVENT_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def directives(header: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_templates_exist_to_scan() -> None:
    assert len(TEMPLATES) > 20 and len(OUR_SCRIPTS) > 5


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_template_has_no_inline_script_or_style(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for name, pattern in (("inline <script>", INLINE_SCRIPT), ("style attribute", STYLE_ATTRIBUTE),
                          ("<style> block", STYLE_BLOCK), ("on* event handler", EVENT_HANDLER),
                          ("javascript: URL", JS_URL)):
        found = pattern.search(text)
        assert found is None, f"{name} in {template.name}: {text[found.start():found.start() + 80]!r}"


@pytest.mark.parametrize("script", OUR_SCRIPTS, ids=lambda p: str(p.relative_to(PROJECT)))
def test_scripts_build_no_markup_with_style_attributes(script: Path) -> None:
    """HTML strings built by our scripts (e.g. map icons) would be blocked by style-src the same way."""
    text = script.read_text(encoding="utf-8")
    assert not re.search(r"""style=\\?["']""", text), f"style attribute in markup built by {script.name}"
    assert "setAttribute(\"style\"" not in text and "setAttribute('style'" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/phan-anh/", "/auth/staff/login", "/offline", "/khong-co-trang-nay",
                                  "/api/v1/docs"])
def test_html_pages_send_a_strict_policy(client: Client, path: str) -> None:
    response = client.get(path)
    assert response["Content-Type"].startswith("text/html")
    csp = directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["connect-src"] == ["'self'"]
    assert csp["img-src"][:3] == ["'self'", "data:", "blob:"]
    assert "'self'" in csp["form-action"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    permissions = response["Permissions-Policy"]
    assert "geolocation=(self)" in permissions and "camera=()" in permissions and "microphone=()" in permissions
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_tile_host_is_an_allowed_image_source(client: Client, settings) -> None:
    img_src = directives(client.get("/")["Content-Security-Policy"])["img-src"]
    assert source_of(settings.MAP_TILE_URL) in img_src


@pytest.mark.django_db
def test_api_docs_use_the_vendored_swagger_ui(client: Client) -> None:
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "cdn.jsdelivr" not in html and "https://" not in html.split("<body>")[0]
    assert "/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in html
    assert "/static/api/swagger-init.js" in html
    assert not INLINE_SCRIPT.search(html)
    config = json.loads(re.search(r'id="swagger-settings"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert config["url"] == "/api/v1/openapi.json" and config["validatorUrl"] is None
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE", "VERSION.txt"):
        assert finders.find(f"vendor/swagger-ui-5.35.0/{name}"), name


@pytest.mark.parametrize(("url", "source"), [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tile.example.vn:8443/{z}/{x}/{y}.png", "https://*.tile.example.vn:8443"),
    ("https://SSO.vneid.gov.vn/realms/x/protocol/openid-connect/auth", "https://sso.vneid.gov.vn"),
    ("", None), ("/relative/path", None), ("javascript:alert(1)", None),
])
def test_source_of(url: str, source: str | None) -> None:
    assert source_of(url) == source


def test_source_of_refuses_a_placeholder_it_cannot_express() -> None:
    with pytest.raises(ValueError):
        source_of("https://tiles-{s}.example.vn/{z}/{x}/{y}.png")


def test_sources_of_dedupes_in_order() -> None:
    assert sources_of(["https://a.vn/x", "", "https://b.vn/", "https://a.vn/y"]) == ["https://a.vn", "https://b.vn"]


PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client()
response = client.get("/auth/staff/login", secure=True)
cookie = response.cookies.get(settings.CSRF_COOKIE_NAME)
print(json.dumps({
    "status": response.status_code,
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "csrf_cookie": settings.CSRF_COOKIE_NAME,
    "csrf_set_cookie": cookie.output() if cookie else "",
    "hsts": response.get("Strict-Transport-Security", ""),
    "csp": response.get("Content-Security-Policy", ""),
}))
"""


def probe(**env: str) -> dict[str, str]:
    result = run([PYTHON, "-c", PROBE], clean_env(DEBUG="1", **env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_https_uses_host_prefixed_cookies_and_hsts_with_subdomains() -> None:
    seen = probe(HTTPS="1", OIDC_ISSUER="https://sso.vneid.example/realms/cds",
                 OIDC_END_SESSION_ENDPOINT="https://logout.vneid.example/end",
                 MAP_TILE_URL="https://{s}.tiles.example.vn/{z}/{x}/{y}.png")
    assert seen["status"] == 200
    assert seen["session_cookie"] == "__Host-sessionid" and seen["csrf_cookie"] == "__Host-csrftoken"
    set_cookie = seen["csrf_set_cookie"]
    assert set_cookie.startswith("Set-Cookie: __Host-csrftoken=")
    assert "Secure" in set_cookie and "Path=/" in set_cookie and "Domain" not in set_cookie
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"
    csp = directives(seen["csp"])
    assert csp["form-action"] == ["'self'", "https://sso.vneid.example", "https://logout.vneid.example"]
    assert "https://*.tiles.example.vn" in csp["img-src"]
    assert "upgrade-insecure-requests" in csp


def test_hsts_subdomains_can_be_turned_off() -> None:
    assert probe(HTTPS="1", SECURE_HSTS_INCLUDE_SUBDOMAINS="0")["hsts"] == "max-age=31536000"


def test_plain_http_keeps_the_ordinary_cookie_names() -> None:
    seen = probe(HTTPS="0")
    assert seen["session_cookie"] == "sessionid" and seen["hsts"] == ""
    assert "upgrade-insecure-requests" not in directives(seen["csp"])
