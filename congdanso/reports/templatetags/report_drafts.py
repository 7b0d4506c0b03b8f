"""``{% draft_owner %}``: the marker of the signed-in account that offline drafts are bound to (accounts.markers)."""

from __future__ import annotations

from django import template

from congdanso.accounts.markers import account_marker

register = template.Library()


@register.simple_tag(takes_context=True)
def draft_owner(context: template.Context) -> str:
    request = context.get("request")
    return account_marker(getattr(request, "user", None))
