from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from congdanso.api.api import api
from congdanso.core import views as core_views

# The Django admin is for superusers who signed in through the staff login (password + TOTP); its own password-only
# login form is replaced by a redirect there.
admin.site.__class__ = OTPAdminSite
admin.site.login = lambda request, extra_context=None: redirect(  # type: ignore[method-assign]
    f"/auth/staff/login?next={request.GET.get('next', '/django-admin/')}"
)

urlpatterns = [
    path("devidp/", include("congdanso.devidp.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("auth/", include("congdanso.accounts.urls")),
    path("backoffice/phan-anh/", include("congdanso.reports.urls_staff")),
    path("backoffice/ho-so/", include("congdanso.dossiers.urls_staff")),
    path("backoffice/", include("congdanso.backoffice.urls")),
    path("notifications/", include("congdanso.notifications.urls")),
    path("phan-anh/", include("congdanso.reports.urls")),
    path("thu-tuc/", include("congdanso.procedures.urls")),
    path("ho-so/", include("congdanso.dossiers.urls")),
    path("django-admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("open311/v2/", include("congdanso.api.open311.urls")),
    path("", include("congdanso.web.urls")),
]

handler404 = "congdanso.web.views.not_found"
handler500 = "congdanso.web.views.server_error"
