"""An opaque marker of the signed-in account, for data the browser keeps on the device (offline report drafts).

A draft carries the marker of the account that wrote it; the browser sends a draft only while the same account
is signed in, so on a shared phone one resident's draft is never sent under the next resident's account. The
marker is an HMAC of the account id (it says nothing about who the resident is); "" when nobody is signed in.
"""

from __future__ import annotations

from typing import Any

from django.utils.crypto import salted_hmac

DRAFTS_COOKIE = "cds_drafts"  # set by drafts.js while this browser keeps unsent drafts: logout asks about them


def account_marker(user: Any) -> str:
    if not getattr(user, "is_authenticated", False):
        return ""
    return salted_hmac("congdanso.accounts.markers.account", str(user.pk)).hexdigest()[:24]
