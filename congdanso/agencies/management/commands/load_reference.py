"""``manage.py load_reference [--demo] [--reset-categories]``: load units, agencies and report categories.

Safe to run on every start: it upserts by code and a second run changes nothing. ``--demo`` also creates the demo
staff accounts (refused unless DEBUG or the development identity provider is on: a real deployment has neither).
"""

from __future__ import annotations

from typing import Any, TextIO, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from congdanso.agencies import demo as demo_staff
from congdanso.agencies import services
from congdanso.core.errors import DomainError


class Command(BaseCommand):
    help = "Load HCMC administrative units, agencies and report categories (idempotent); --demo adds demo staff."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true",
                            help="Also create demo staff accounts with password + TOTP and print them (DEMO ONLY).")
        parser.add_argument("--reset-categories", action="store_true",
                            help="Overwrite the routing and deadlines of existing categories with the data file's.")

    def handle(self, *args: Any, demo: bool = False, reset_categories: bool = False, **options: Any) -> None:
        if demo and not (settings.DEBUG or settings.DEVIDP_ENABLED):
            raise CommandError("--demo needs DEBUG=1 or DEVIDP_ENABLED=1: demo accounts have published passwords.")
        try:
            services.load_reference(cast(TextIO, self.stdout), reset_categories=reset_categories)
            if demo:
                demo_staff.print_demo_staff(demo_staff.ensure_demo_staff(), cast(TextIO, self.stdout))
        except DomainError as error:
            raise CommandError(str(error.message)) from error

