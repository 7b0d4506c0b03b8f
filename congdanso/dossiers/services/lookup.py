"""The public lookup of a dossier by its code or its receipt's QR token."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from congdanso.accounts.actors import Actor
from congdanso.core.cache import count
from congdanso.dossiers.errors import BadCode, DossierNotFound, RateLimited
from congdanso.dossiers.models import Dossier
from congdanso.dossiers.services.common import can_work_on, get_dossier, is_applicant, is_code

PROOFS_PER_CODE = 5  # wrong second factors per dossier per window before details are refused
LOOKUP_WINDOW = 600  # seconds
# What the public view and the checks below read: not the applicant's encrypted fields, not the other ~40 columns.
PUBLIC_COLUMNS = ("code", "status", "submitted_at", "accepted_at", "due_at", "finished_at", "returned_at",
                  "updated_at", "applicant_id", "agency_id", "procedure__code", "procedure__name", "agency__code",
                  "agency__name")


@dataclass(frozen=True)
class Lookup:
    dossier: Dossier
    details: bool  # the applicant proved who they are (or is signed in as the applicant, or is the agency's staff)
    proof_failed: bool = False  # a second factor was given and was wrong


def _count(key: str, limit: int) -> bool:
    """Count one attempt under ``key``; False when it is over the limit of the window."""
    bucket = f"dossier-lookup:{key}:{int(timezone.now().timestamp() // LOOKUP_WINDOW)}"
    return count([bucket], LOOKUP_WINDOW + 5)[0] <= limit


def look_up(text: str, *, client: str, proof: str = "", user: Actor = None, by_token: bool = False) -> Lookup:
    """A dossier by its code (or its receipt's QR token), for anyone: the public fields, and the details when the
    visitor is the applicant or gives the last 4 digits of the applicant's ID number / tax code.

    Resists enumeration: lookups are counted per client, wrong last digits per dossier, and a code that does not
    exist costs the same count as one that does."""
    text = text.strip()
    if not by_token and not is_code(text):
        raise BadCode()
    if not _count(f"client:{client}", settings.DOSSIER_LOOKUPS_PER_CLIENT):
        raise RateLimited()
    rows = (Dossier.objects.select_related("procedure", "agency").only(*PUBLIC_COLUMNS)
            .filter(**({"lookup_token": text} if by_token else {"code": text}))[:1])  # unique: no ORDER BY needed
    found = next(iter(rows), None)
    if found is None:
        raise DossierNotFound()
    if is_applicant(user, found) or can_work_on(user, found):
        return Lookup(get_dossier(found.code), details=True)
    proof = "".join(proof.split())
    if not proof:
        return Lookup(found, details=False)
    if not _count(f"proof:{found.pk}", PROOFS_PER_CODE):
        raise RateLimited()
    expected = "".join((found.applicant_number or "").split())[-4:]
    matches = len(expected) == 4 and hmac.compare_digest(proof[-4:].encode(), expected.encode()) and len(proof) == 4
    return Lookup(get_dossier(found.code) if matches else found, details=matches, proof_failed=not matches)
