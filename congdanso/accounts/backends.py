"""Authentication backend: Django's ``ModelBackend``, under the name that signed-in sessions carry.

A session stores the dotted path of the backend that authenticated it and is honoured only while that path is in
``AUTHENTICATION_BACKENDS``; keeping this name keeps every session valid.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

PATH = "congdanso.accounts.backends.AccountBackend"


class AccountBackend(ModelBackend):
    """Exactly ``ModelBackend``."""
