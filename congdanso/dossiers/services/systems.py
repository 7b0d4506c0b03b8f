"""One-stop-shop systems (một cửa điện tử): their credentials and the dossiers they push."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from congdanso.accounts.actors import Actor
from congdanso.agencies.models import Agency
from congdanso.core import audit
from congdanso.dossiers.errors import DossierError, NotAllowed
from congdanso.dossiers.models import Dossier, IntegrationSystem
from congdanso.dossiers.services.common import DossierInput, create_dossier, get_dossier


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_integration_system(name: str, agency_codes: list[str], *, actor: Actor) -> tuple[IntegrationSystem, str]:
    """A one-stop-shop system's credentials: a random API key shown once (only its SHA-256 is stored), allowed to
    write the dossiers of these agencies only."""
    agencies = list(Agency.objects.filter(code__in=agency_codes))
    missing = sorted(set(agency_codes) - {a.code for a in agencies})
    if missing or not agencies:
        raise DossierError(_("Không có cơ quan mã “%(code)s”.") % {"code": ", ".join(missing) or "—"},
                           field="agency", code="unknown_agency")
    key = "cdsd_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        system = IntegrationSystem.objects.create(name=name.strip()[:200], key_prefix=key[:12],
                                                  key_hash=_key_hash(key))
        system.agencies.set(agencies)
        audit.record("dossier.system_created", actor=actor, obj=system, name=system.name,
                     agencies=[a.code for a in agencies])
    return system, key


def authenticate_system(key: str | None) -> IntegrationSystem | None:
    if not key or not key.startswith("cdsd_"):
        return None
    return IntegrationSystem.objects.filter(key_hash=_key_hash(key), is_active=True).first()


def record_from_system(data: DossierInput, *, system: IntegrationSystem) -> tuple[Dossier, bool]:
    """A dossier pushed by a one-stop-shop system, idempotent on the system's own id (``external_id``): a repeat
    returns the dossier already recorded and changes nothing. Returns the dossier and whether it is new."""
    if not data.external_id:
        raise DossierError(_("Thiếu mã hồ sơ trong hệ thống gửi (external_id)."), field="external_id",
                           code="external_id_required")
    known = Dossier.objects.select_related("procedure", "agency").filter(
        system=system, external_id=data.external_id).first()
    if known is not None:
        return known, False
    try:
        return create_dossier(data, actor=None, system=system), True
    except DossierError as exc:
        if exc.code != "dossier_exists":
            raise
        known = Dossier.objects.select_related("procedure", "agency").filter(
            system=system, external_id=data.external_id).first()
        if known is None:  # the code belongs to another dossier
            raise
        return known, False  # the same push raced with itself


def dossier_for_system(code: str, system: IntegrationSystem) -> Dossier:
    dossier = get_dossier(code)
    if not system.agencies.filter(pk=dossier.agency_id).exists():
        raise NotAllowed(_("Hệ thống này không được xem hồ sơ của cơ quan khác."))
    return dossier
