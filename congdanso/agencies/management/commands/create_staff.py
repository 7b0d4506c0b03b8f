"""Create a staff account: ``manage.py create_staff USERNAME --name "Họ Tên" --role agency_officer --agency SXD``.

Prints a generated password unless ``--password`` is given; the staff member enrols TOTP at first sign-in.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from congdanso.accounts import services
from congdanso.accounts.models import User
from congdanso.accounts.roles import Role
from congdanso.agencies.models import Agency


class Command(BaseCommand):
    help = "Create a staff account with roles; prints its password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="full name")
        parser.add_argument("--role", action="append", choices=Role.values, required=True)
        parser.add_argument("--agency", help="agency code, for agency roles")
        parser.add_argument("--password", help="default: a generated one, printed")

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(username=options["username"]).exists():
            raise CommandError(f"user {options['username']!r} already exists")
        agency_id = None
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(f"no agency with code {options['agency']!r}")
            agency_id = agency.pk
        password = options["password"] or secrets.token_urlsafe(12)
        roles = [(role, agency_id if role in {Role.AGENCY_OFFICER, Role.AGENCY_ADMIN} else None)
                 for role in options["role"]]
        try:
            services.create_staff_member(username=options["username"], full_name=options["name"],
                                         password=password, roles=roles, actor="manage.py create_staff")
        except (ValidationError, ValueError) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(f"username: {options['username']}\npassword: {password}")
