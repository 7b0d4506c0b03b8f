"""The JSON API (v1): each app contributes a router; errors become JSON with a stable code, never a 500."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from congdanso.accounts.api import router as accounts_router
from congdanso.api.docs import VendoredSwagger
from congdanso.core.errors import DomainError
from congdanso.dossiers.api import router as dossiers_router
from congdanso.notifications.api import router as notifications_router
from congdanso.procedures.api import router as procedures_router
from congdanso.reports.api import router as reports_router
from congdanso.web.api import router as web_router

api = NinjaAPI(
    title="Công Dân Số API",
    version="1",
    description="Public and resident API of Công Dân Số. Errors: {code, message} with a 4xx status.",
    urls_namespace="api-v1",
    docs=VendoredSwagger(),
)
api.add_router("/", accounts_router)
api.add_router("/reports", reports_router)
api.add_router("/procedures", procedures_router)
api.add_router("/dossiers", dossiers_router)
api.add_router("/", notifications_router)
api.add_router("/", web_router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "not_authenticated", "message": _("Bạn cần đăng nhập.")}, status=401
    )


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "invalid", "message": _("Dữ liệu gửi lên không hợp lệ."), "errors": exc.errors},
        status=422,
    )
