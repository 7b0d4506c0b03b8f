"""``{% unread_badge %}`` for the site header and ``{% delivery_status obj %}`` for staff case pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from congdanso.notifications import queries

register = template.Library()


@register.inclusion_tag("notifications/_badge.html", takes_context=True)
def unread_badge(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread": queries.unread_count(user), "show": bool(user and user.is_authenticated)}


@register.inclusion_tag("notifications/staff/_deliveries.html", takes_context=True)
def delivery_status(context: template.Context, obj: models.Model) -> dict[str, Any]:
    """The panel as the page's viewer may see it (the owning app's rules, see ``subjects``); empty otherwise."""
    from congdanso.notifications.views_staff import delivery_panel_context

    request = context.get("request")
    panel = delivery_panel_context(request, obj._meta.label_lower, str(obj.pk)) if request is not None else None
    return panel or {"hidden": True}


@register.filter
def delivery_status_label(code: str) -> str:
    """A delivery status code ("queued") in words ("Chờ gửi")."""
    from congdanso.notifications.models import DeliveryStatus

    return str(DeliveryStatus(code).label) if code in DeliveryStatus.values else code
