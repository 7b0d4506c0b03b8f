"""``manage.py demo_totp``: the current code of the demo staff accounts, in demo mode only."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from congdanso.agencies import demo
from congdanso.testing.factories import totp_code


@pytest.fixture
def demo_staff(reference, fast_hasher, settings):
    settings.DEVIDP_ENABLED = True
    return demo.ensure_demo_staff()


def test_prints_the_current_code_of_each_demo_account(demo_staff):
    out = io.StringIO()
    call_command("demo_totp", stdout=out)
    lines = dict(line.split() for line in out.getvalue().splitlines() if line.startswith("demo."))
    assert set(lines) == {spec.username for spec in demo.DEMO_STAFF}
    device = TOTPDevice.objects.get(user__username="demo.sxd")
    assert lines["demo.sxd"] == totp_code(device)
    assert "DEMO ONLY" in out.getvalue()


def test_one_account(demo_staff):
    out = io.StringIO()
    call_command("demo_totp", "demo.sxd", stdout=out)
    assert [line.split()[0] for line in out.getvalue().splitlines() if line.startswith("demo.")] == ["demo.sxd"]


def test_never_a_real_account(demo_staff):
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("demo_totp", "admin")


def test_refused_outside_demo_mode(demo_staff, settings):
    settings.DEBUG = False
    settings.DEVIDP_ENABLED = False
    with pytest.raises(CommandError, match="demo mode"):
        call_command("demo_totp")
