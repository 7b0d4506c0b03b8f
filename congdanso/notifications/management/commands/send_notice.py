"""Send a notice to one resident from the command line (operations, demos, end-to-end tests)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from congdanso.notifications import services


class Command(BaseCommand):
    help = "Send an announcement to one resident (by personal ID number or login name) on their chosen channels."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("resident", help="personal ID number (12 digits) or login name")
        parser.add_argument("--title", required=True)
        parser.add_argument("--message", default="")
        parser.add_argument("--link", default="", help="a path on this site, e.g. /reports/PA-0001")

    def handle(self, *args: Any, resident: str, title: str, message: str, link: str, **options: Any) -> None:
        user = services.find_resident(resident)
        if user is None:
            raise CommandError(f"no resident {resident!r}")
        services.send_announcement(user, title=title, message=message, link=link, actor=None)
        self.stdout.write(f"sent to {user.display_name}")
