"""The applicant's rating of the service (Decision 766/QĐ-TTg)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from congdanso.accounts.actors import Actor, signed_in
from congdanso.core import audit
from congdanso.dossiers import states
from congdanso.dossiers.errors import DossierError, NotAllowed, RatingInvalid
from congdanso.dossiers.models import Rating, Satisfaction
from congdanso.dossiers.services.common import _locked, is_applicant


def rate_dossier(code: str, *, scores: dict[str, Any], satisfaction: str, comment: str = "", actor: Actor,
                 request: Any = None) -> Rating:
    """The applicant rates the service once, after the dossier ends: the nine criteria (0–2 each) and the overall
    satisfaction. Every problem is reported at once, each beside its field."""
    problems: list[DossierError] = []
    clean_scores: dict[str, int] = {}
    for key, label in states.RATING_CRITERIA:
        value = scores.get(key)
        if str(value) not in ("0", "1", "2"):
            problems.append(DossierError(_("Hãy chọn mức đánh giá cho “%(label)s”.") % {"label": label},
                                         field=key, code="rating_missing"))
        else:
            clean_scores[key] = int(str(value))
    if satisfaction not in Satisfaction.values:
        problems.append(DossierError(_("Hãy chọn mức độ hài lòng chung."), field="satisfaction",
                                     code="rating_missing"))
    if problems:
        raise RatingInvalid(problems)
    with transaction.atomic():
        dossier = _locked(code)
        if not is_applicant(actor, dossier):
            raise NotAllowed(_("Chỉ người nộp hồ sơ được đánh giá."))
        if dossier.status not in states.RATABLE:
            raise DossierError(_("Chỉ đánh giá được khi hồ sơ đã có kết quả."), code="rating_too_early", status=409)
        if Rating.objects.filter(dossier=dossier).exists():
            raise DossierError(_("Bạn đã đánh giá hồ sơ này."), code="rating_exists", status=409)
        rating = Rating.objects.create(dossier=dossier, agency_id=dossier.agency_id, user=actor if signed_in(actor)
                                       else None, scores=clean_scores, total=sum(clean_scores.values()),
                                       satisfaction=satisfaction, comment=comment[:2000])
        audit.record("dossier.rated", actor=actor, obj=dossier, request=request, code=dossier.code,
                     total=rating.total, satisfaction=satisfaction)
    return rating
