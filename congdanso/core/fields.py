"""Model fields for personal data: encrypted at rest, with an optional blind index beside them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from congdanso.lib import crypto


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code sees the clear text. Not searchable: pair it with a blind index."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value, settings.FIELD_ENCRYPTION_KEYS)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value), settings.FIELD_ENCRYPTION_KEYS)


def blind_index(value: str) -> str:
    return crypto.blind_index(value, settings.BLIND_INDEX_KEY)
