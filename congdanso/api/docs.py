"""The API docs page (/api/v1/docs): Swagger UI served from this site's vendored copy, no CDN, no inline script.

django-ninja's own ``Swagger`` renderer falls back to a CDN page with an inline script unless ``ninja`` is an
installed app; this renderer always uses our template, which loads the vendored swagger-ui-dist files
(``web/static/vendor/swagger-ui-<version>/``) and a static initialiser, so the page works under the site's CSP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import Swagger

if TYPE_CHECKING:
    from ninja import NinjaAPI

SWAGGER_UI_DIR = "vendor/swagger-ui-5.35.0"


class VendoredSwagger(Swagger):
    template = "api/swagger.html"
    default_settings = {
        "layout": "BaseLayout",
        "deepLinking": True,
        # Swagger UI would otherwise show a badge image fetched from validator.swagger.io.
        "validatorUrl": None,
    }

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        swagger_settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"api": api, "swagger_settings": swagger_settings, "swagger_ui_dir": SWAGGER_UI_DIR}
        return render(request, self.template, context)
