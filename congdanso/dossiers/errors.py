"""Domain errors of dossiers: a stable code, a translatable message, an HTTP status."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from congdanso.core.errors import Conflict, DomainError, Forbidden, NotFound


class DossierError(DomainError):
    code = "dossier_invalid"
    field: str | None = None  # the input field at fault, when one is

    def __init__(self, message: str | Promise, *, field: str | None = None, code: str | None = None,
                 status: int | None = None):
        super().__init__(message, code=code, status=status)
        self.field = field


class FormInvalid(DossierError):
    """Several problems of one form, each beside its field; ``problems`` lists them all."""

    def __init__(self, problems: list[DossierError]) -> None:
        super().__init__(problems[0].message, field=problems[0].field, code=problems[0].code,
                         status=max(p.status for p in problems))
        self.problems = problems

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "errors": [
            {"field": p.field or "", "code": p.code, "message": str(p.message)} for p in self.problems]}


class RatingInvalid(FormInvalid):
    """Several problems of one rating form (Decision 766), each beside its question."""


class DossierNotFound(NotFound):
    code = "dossier_not_found"

    def __init__(self) -> None:
        super().__init__(_("Không tìm thấy hồ sơ với mã này."))


class BadCode(DossierError):
    code = "dossier_bad_code"

    def __init__(self) -> None:
        super().__init__(_("Mã hồ sơ không đúng dạng. Mã hồ sơ có dạng <mã cơ quan>-<YYMMDD>-<số thứ tự>, "
                           "ví dụ 000.00.01.H29-260310-0420."), field="code")


class NotAllowed(Forbidden):
    code = "dossier_forbidden"

    def __init__(self, message: str | Promise | None = None) -> None:
        super().__init__(message or _("Bạn không có quyền thực hiện thao tác này với hồ sơ."))


class BadMove(Conflict):
    """The dossier's status does not allow this action; ``allowed`` names the actions it does allow."""

    code = "dossier_bad_transition"

    def __init__(self, message: str | Promise, allowed: list[str]) -> None:
        super().__init__(message)
        self.allowed = allowed

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "allowed": self.allowed}


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self) -> None:
        super().__init__(_("Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút."))
