"""At logout, forget the push subscription made in this session: a shared phone stops receiving the resident's
notifications as soon as they sign out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from congdanso.notifications import services


@receiver(user_logged_out, dispatch_uid="notifications.forget_push_subscription")
def forget_push_subscription(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    services.remove_session_subscriptions(user, getattr(session, "session_key", None))
