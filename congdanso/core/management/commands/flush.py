"""``flush`` that may empty the append-only audit log, as it does every other table.

PostgreSQL's flush TRUNCATEs and SQLite's DELETEs; the audit triggers refuse both outside maintenance mode, so the
stock command would fail on any database holding audit entries (including the flush Django runs after each
transactional test).
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from congdanso.core.audit import maintenance_mode


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with maintenance_mode(options["database"]):
            super().handle(**options)
