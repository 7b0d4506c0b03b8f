"""The base of every domain error: a stable machine code, a translatable message and an HTTP status."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A business rule said no. Views show ``message``; the API answers ``status`` with ``code`` and ``message``."""

    status = 400
    code = "invalid"

    def __init__(self, message: str | Promise, *, code: str | None = None, status: int | None = None):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": str(self.message)}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"
