"""A small, independent OpenID provider for the relying party's tests.

It is not our code and not django-oauth-toolkit: a threaded ``http.server`` on 127.0.0.1 that serves discovery,
JWKS, authorize, token, userinfo and end-session, and signs ID tokens with joserfc. Each test turns knobs to make it
misbehave the way a real provider (or an attacker in the middle) could:

- ``sign_with = "unpublished"``: sign with a key that has the published ``kid`` but is not in the JWKS;
  ``"unknown_kid"``: sign with a key whose ``kid`` the JWKS does not list;
- ``id_token_overrides``: replace claims (``exp`` in the past, another ``aud``/``iss``/``nonce``; ``None`` drops one);
- ``issue_id_token = False``: a token response without ``id_token``;
- ``fail[path] = status``: answer that endpoint with an HTML error page; ``stop()``: close the port.

It records every request (``received``), so tests can check what the relying party sent (PKCE verifier, client
authentication, ``acr_values``, logout hints).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

REALM = "/realms/vneid"
DISCOVERY = f"{REALM}/.well-known/openid-configuration"
AUTHORIZE = f"{REALM}/protocol/openid-connect/auth"
TOKEN = f"{REALM}/protocol/openid-connect/token"
USERINFO = f"{REALM}/protocol/openid-connect/userinfo"
JWKS = f"{REALM}/protocol/openid-connect/certs"
END_SESSION = f"{REALM}/protocol/openid-connect/logout"

_keys: dict[str, RSAKey] = {}
_keys_lock = threading.Lock()


def _key(name: str, kid: str) -> RSAKey:
    """RSA keys are slow to make; tests share a few, made on first use."""
    with _keys_lock:
        if name not in _keys:
            _keys[name] = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
        return _keys[name]


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    scope: str


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]


@dataclass
class FakeOP:
    client_id: str = "congdanso-test"
    client_secret: str = "congdanso-test-secret"
    subject: str = "vneid-sub-0001"
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    userinfo_claims: dict[str, Any] | None = None  # None: the same claims as the ID token
    id_token_overrides: dict[str, Any] = field(default_factory=dict)
    issue_id_token: bool = True
    sign_with: str = "published"
    end_session: bool = True
    fail: dict[str, int] = field(default_factory=dict)
    received: list[Seen] = field(default_factory=list)
    issued_id_tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key = _key("published", "op-key-1")
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, Grant] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.origin}{REALM}"
        self._thread = threading.Thread(target=self.server.serve_forever, name=f"fake-op-{self.port}", daemon=True)
        self._thread.start()

    # -- control -------------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Close the port: the provider is down."""
        if self._thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self._thread.join(timeout=5)

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    def seen(self, path: str) -> list[Seen]:
        return [request for request in self.received if request.path == path]

    def authorize(self, authorize_url: str) -> str:
        """Follow the relying party's authorization redirect as the browser would; return the callback URL."""
        response = requests.get(authorize_url, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text
        return response.headers["Location"]

    def issue_code(self, *, redirect_uri: str, nonce: str | None, code_challenge: str = "",
                   code_challenge_method: str = "", scope: str = "openid profile", client_id: str = "") -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.grants[code] = Grant(client_id or self.client_id, redirect_uri, nonce, code_challenge,
                                      code_challenge_method, scope)
        return code

    def metadata(self) -> dict[str, Any]:
        data = {
            "issuer": self.issuer,
            "authorization_endpoint": self.url(AUTHORIZE),
            "token_endpoint": self.url(TOKEN),
            "userinfo_endpoint": self.url(USERINFO),
            "jwks_uri": self.url(JWKS),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
        if self.end_session:
            data["end_session_endpoint"] = self.url(END_SESSION)
        return data

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    # -- what the endpoints do -----------------------------------------------------------------------------------

    def _signing_key(self) -> RSAKey:
        if self.sign_with == "unpublished":
            return _key("unpublished", "op-key-1")  # same kid as the published key, different key
        if self.sign_with == "unknown_kid":
            return _key("unknown_kid", "op-key-rotated")
        return self.key

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": self.subject, "aud": grant.client_id, "exp": now + 1800, "iat": now,
            "auth_time": now, "azp": grant.client_id, **self.id_token_claims,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        for name, value in self.id_token_overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self._signing_key()
        token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        self.issued_id_tokens.append(token)
        return token

    def client_authentication(self, seen: Seen) -> tuple[str, str, str]:
        """(method, client_id, client_secret) as sent to the token endpoint."""
        header = seen.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode("utf-8").partition(":")
            return "client_secret_basic", unquote(client_id), unquote(secret)
        if "client_secret" in seen.form:
            return "client_secret_post", seen.form.get("client_id", ""), seen.form["client_secret"]
        return "none", seen.form.get("client_id", ""), ""

    def token(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        method, client_id, secret = self.client_authentication(seen)
        if client_id != self.client_id or (method != "none" and secret != self.client_secret):
            return 401, {"error": "invalid_client"}
        form = seen.form
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self._lock:
            grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None or grant.client_id != client_id:
            return 400, {"error": "invalid_grant", "error_description": "unknown or used code"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri differs"}
        if grant.code_challenge:
            verifier = form.get("code_verifier", "")
            if grant.code_challenge_method != "S256" or not verifier or s256(verifier) != grant.code_challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self.access_tokens[access_token] = grant
        body: dict[str, Any] = {"access_token": access_token, "token_type": "Bearer", "expires_in": 1800,
                                "scope": grant.scope}
        if self.issue_id_token:
            body["id_token"] = self.id_token(grant)
        return 200, body

    def userinfo(self, seen: Seen) -> tuple[int, dict[str, Any]]:
        header = seen.headers.get("authorization", "")
        if not header.startswith("Bearer ") or header[7:] not in self.access_tokens:
            return 401, {"error": "invalid_token"}
        claims = self.id_token_claims if self.userinfo_claims is None else self.userinfo_claims
        return 200, {"sub": self.subject, **claims}


def _handler_for(op: FakeOP) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            seen = Seen(method, parts.path, dict(parse_qsl(parts.query)), dict(parse_qsl(body)),
                        {name.lower(): value for name, value in self.headers.items()})
            op.received.append(seen)
            if parts.path in op.fail:
                return self._send(op.fail[parts.path], b"<html><body>Internal Server Error</body></html>",
                                  "text/html")
            if parts.path == DISCOVERY and method == "GET":
                return self._json(200, op.metadata())
            if parts.path == JWKS and method == "GET":
                return self._json(200, op.jwks())
            if parts.path == AUTHORIZE and method == "GET":
                return self._authorize(seen.query)
            if parts.path == TOKEN and method == "POST":
                return self._json(*op.token(seen))
            if parts.path == USERINFO:
                return self._json(*op.userinfo(seen))
            if parts.path == END_SESSION:
                return self._send(200, b"<html><body>Signed out</body></html>", "text/html")
            return self._send(404, b"not found", "text/plain")

        def _authorize(self, query: dict[str, str]) -> None:
            if query.get("client_id") != op.client_id or query.get("response_type") != "code":
                return self._send(400, b"invalid_request", "text/plain")
            redirect_uri = query["redirect_uri"]
            code = op.issue_code(
                redirect_uri=redirect_uri, nonce=query.get("nonce"), code_challenge=query.get("code_challenge", ""),
                code_challenge_method=query.get("code_challenge_method", ""), scope=query.get("scope", ""),
            )
            params = {"code": code, "state": query.get("state", "")}
            separator = "&" if "?" in redirect_uri else "?"
            self.send_response(302)
            self.send_header("Location", f"{redirect_uri}{separator}{urlencode(params)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None

        def _json(self, status: int, data: dict[str, Any]) -> None:
            self._send(status, json.dumps(data).encode("utf-8"), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    return Handler
