"""The OpenID Connect relying party for residents (VNeID in production, devidp on a laptop), on Authlib.

Authorization code flow with PKCE (S256), ``state`` and ``nonce`` kept in the session; the ID token's signature is
checked against the provider's JWKS and ``iss``/``aud``/``exp``/``nonce`` are validated. Endpoints come from
discovery (``OIDC_ISSUER``) or from explicit settings, which win over discovery.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

PROVIDER_NAME = "vneid"


class ProviderApp(DjangoOAuth2App):
    """Authlib's Django client, except that metadata set in settings stays when discovery is loaded.

    Authlib merges the discovery document over the registered metadata, so a provider that advertises its own
    userinfo or end-session endpoint would silently override ours.
    """

    explicit_metadata: dict[str, str]

    def load_server_metadata(self) -> dict[str, Any]:
        metadata = super().load_server_metadata()
        metadata.update(getattr(self, "explicit_metadata", {}))
        return metadata


class _Registry(OAuth):
    oauth2_client_cls = ProviderApp


_clients: dict[tuple[Any, ...], DjangoOAuth2App] = {}
_lock = threading.Lock()


class NotConfigured(RuntimeError):
    """No identity provider is configured for resident login."""


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    token_auth_method: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    timeout: int

    @property
    def uses_discovery(self) -> bool:
        return not (self.authorization_endpoint and self.token_endpoint and self.jwks_uri)


def devidp_issuer(request: HttpRequest) -> str:
    discovery = reverse("oauth2_provider:oidc-connect-discovery-info")
    return request.build_absolute_uri(discovery.removesuffix(".well-known/openid-configuration")).rstrip("/")


def provider_config(request: HttpRequest) -> ProviderConfig:
    issuer, client_id, client_secret = settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET
    if not issuer and settings.DEVIDP_ENABLED:
        issuer = devidp_issuer(request)
        client_id = client_id or settings.DEVIDP_CLIENT_ID
        client_secret = client_secret or settings.DEVIDP_CLIENT_SECRET
    if not issuer or not client_id:
        raise NotConfigured("set OIDC_ISSUER and OIDC_CLIENT_ID (or DEVIDP_ENABLED=1 on a laptop)")
    return ProviderConfig(
        issuer=issuer.rstrip("/") if not settings.OIDC_ISSUER else issuer,
        client_id=client_id,
        client_secret=client_secret,
        scopes=settings.OIDC_SCOPES,
        token_auth_method=settings.OIDC_TOKEN_AUTH_METHOD if client_secret else "none",
        authorization_endpoint=settings.OIDC_AUTHORIZATION_ENDPOINT,
        token_endpoint=settings.OIDC_TOKEN_ENDPOINT,
        userinfo_endpoint=settings.OIDC_USERINFO_ENDPOINT,
        jwks_uri=settings.OIDC_JWKS_URI,
        end_session_endpoint=settings.OIDC_END_SESSION_ENDPOINT,
        timeout=settings.OIDC_HTTP_TIMEOUT,
    )


def client_for(config: ProviderConfig) -> DjangoOAuth2App:
    """One Authlib client per configuration and process; it caches discovery and the JWKS (re-read on new kid)."""
    key = tuple(vars(config).values())
    with _lock:
        client = _clients.get(key)
        if client is None:
            explicit = {
                name: value
                for name, value in {
                    "issuer": config.issuer,
                    "userinfo_endpoint": config.userinfo_endpoint,
                    "jwks_uri": config.jwks_uri,
                    "end_session_endpoint": config.end_session_endpoint,
                }.items()
                if value
            }
            registry = _Registry()
            client = registry.register(
                name=PROVIDER_NAME,
                client_id=config.client_id,
                client_secret=config.client_secret or None,
                server_metadata_url=(
                    f"{config.issuer.rstrip('/')}/.well-known/openid-configuration" if config.uses_discovery else None
                ),
                authorize_url=config.authorization_endpoint or None,
                access_token_url=config.token_endpoint or None,
                client_kwargs={
                    "scope": config.scopes,
                    "code_challenge_method": "S256",
                    "token_endpoint_auth_method": config.token_auth_method,
                    "default_timeout": config.timeout,
                },
                **explicit,
            )
            client.explicit_metadata = explicit
            _clients[key] = client
        return client


def forget_clients() -> None:
    with _lock:
        _clients.clear()


def redirect_uri(request: HttpRequest) -> str:
    return settings.OIDC_REDIRECT_URI or request.build_absolute_uri(reverse("accounts:oidc_callback"))


def claims_options(config: ProviderConfig) -> dict[str, Any]:
    return {
        "iss": {"essential": True, "values": [config.issuer]},
        "sub": {"essential": True},
        "aud": {"essential": True, "values": [config.client_id]},
        "exp": {"essential": True},
    }
