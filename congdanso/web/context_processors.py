from typing import Any

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    return {"CITY_NAME": settings.CITY_NAME, "DEVIDP_ENABLED": settings.DEVIDP_ENABLED}
