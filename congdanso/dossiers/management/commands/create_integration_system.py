"""``manage.py create_integration_system NAME --agency CODE [--agency CODE…]``: register a one-stop-shop system and
print its API key (shown once; only its hash is stored)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from congdanso.core.errors import DomainError
from congdanso.dossiers import services


class Command(BaseCommand):
    help = "Register a one-stop-shop system allowed to push the dossiers of the given agencies; prints its key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--agency", action="append", required=True, help="agency code (repeat for several)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            system, key = services.create_integration_system(options["name"], options["agency"], actor=None)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"{system.name}: {key}")
        self.stdout.write("Keep this key: it is not shown again. Send it as 'Authorization: Bearer <key>'.")
