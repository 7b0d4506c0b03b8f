"""Request types for views behind a login check, so the type checker knows ``request.user`` is a ``User``."""

from __future__ import annotations

from django.http import HttpRequest

from congdanso.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """An ``HttpRequest`` whose user passed ``login_required``/``staff_required`` (annotation only: Django
    builds the request; nothing constructs this class)."""

    user: User
