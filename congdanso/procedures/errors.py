"""Domain errors of the procedure catalogue: a stable code, a translatable message, an HTTP status."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from congdanso.core.errors import DomainError, NotFound


class ProcedureNotFound(NotFound):
    code = "procedure_not_found"

    def __init__(self) -> None:
        super().__init__(_("Không tìm thấy thủ tục hành chính với mã này."))


class BadFilter(DomainError):
    """A list's parameter cannot be read: a 400 with a message in the user's language."""

    code = "invalid_filter"


class BadRecord(DomainError):
    """An imported record cannot be stored (the importer refuses the row and says why)."""

    code = "invalid_procedure"
