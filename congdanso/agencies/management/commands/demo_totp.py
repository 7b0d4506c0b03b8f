"""``manage.py demo_totp [USERNAME]``: the current TOTP code of the demo staff accounts, so that the back office can
be tried without a phone. Demo mode only (``DEBUG=1`` or ``DEVIDP_ENABLED=1``, as ``make run``), and only for the
accounts ``load_reference --demo`` creates: a real account's second factor is never printed."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from congdanso.accounts import mfa
from congdanso.accounts.models import User
from congdanso.agencies.demo import DEMO_STAFF


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo staff accounts (demo mode only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", nargs="?", help="one demo account (default: every one)")

    def handle(self, *args: Any, username: str | None = None, **options: Any) -> None:
        if not (settings.DEBUG or settings.DEVIDP_ENABLED):
            raise CommandError("demo_totp works only in demo mode (DEBUG=1 or DEVIDP_ENABLED=1).")
        names = [spec.username for spec in DEMO_STAFF]
        if username is not None and username not in names:
            raise CommandError(f"{username} is not a demo account ({', '.join(names)}).")
        left = 30 - int(time.time()) % 30
        for user in User.objects.filter(username__in=[username] if username else names).order_by("username"):
            device = mfa.confirmed_device(user)
            if device is None:
                continue
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            self.stdout.write(f"{user.username:<16} {totp.token():0{device.digits}d}")
        self.stdout.write(f"(DEMO ONLY — codes change in {left} s)")
