"""The language a person chose is kept on their account, so that what reaches them outside a page (notifications
by push, e-mail and SMS, rendered by a worker) is in that language too.

The language switcher (Django's ``set_language``) sets the language cookie; on the next request of a signed-in
person whose account says otherwise, ``RememberLanguageMiddleware`` stores the cookie's language on the account
(one UPDATE, once per change). A choice made before logging in is stored at the first page after it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from congdanso.accounts.services import remember_language


class RememberLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        user = getattr(request, "user", None)
        if chosen and user is not None and user.is_authenticated and chosen != user.preferred_language:
            remember_language(user, chosen)
        return self.get_response(request)
