from __future__ import annotations

from django.conf import settings


def absolute(link: str) -> str:
    """A link for messages read outside the site (e-mail, SMS): prefixed with SITE_URL when it is relative."""
    if not link or "://" in link:
        return link
    return settings.SITE_URL.rstrip("/") + link if settings.SITE_URL else link
