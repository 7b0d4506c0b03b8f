"""Domain errors of the agencies app."""

from __future__ import annotations

from congdanso.core.errors import DomainError


class ReferenceDataError(DomainError):
    """A reference data file is malformed or refers to something that does not exist."""

    code = "reference_data_invalid"
