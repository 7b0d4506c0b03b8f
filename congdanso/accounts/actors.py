"""Who acts on the platform, as one type, and the one test for "is this a staff member"."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from congdanso.accounts.models import UserKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from congdanso.accounts.models import User


class MachineClient(Protocol):
    """An API client acting for itself, e.g. an Open311 integrator (``api.models.Integrator``, which this layer may
    not import): audited under its name, never a resident or a staff member."""

    pk: Any
    name: str


# The ``actor`` of every service function: a signed-in user (resident or staff), an anonymous visitor, a machine
# client, or None for the platform itself (the worker, a deadline).
Actor: TypeAlias = "User | AnonymousUser | MachineClient | None"


def is_staff_member(user: Any) -> bool:
    """A signed-in staff account (back office). Roles and agencies are checked separately (``services.has_role``)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "kind", "") == UserKind.STAFF)
