"""Open311 integrators: each gets a random api_key shown once; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from congdanso.api.models import Integrator
from congdanso.core import audit


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def create_integrator(name: str, *, actor: object = None) -> tuple[Integrator, str]:
    key = "cds_" + secrets.token_urlsafe(32)
    integrator = Integrator.objects.create(name=name.strip(), key_hash=_hash(key), key_prefix=key[:12])
    audit.record("api.integrator_created", actor=actor, obj=integrator, name=integrator.name)
    return integrator, key


def authenticate(key: str | None) -> Integrator | None:
    if not key:
        return None
    integrator = Integrator.objects.filter(key_hash=_hash(key), is_active=True).first()
    if integrator is not None:
        Integrator.objects.filter(pk=integrator.pk).update(last_used_at=timezone.now())
    return integrator
