"""Open311 GeoReport v2 routes; every resource answers as ``.xml`` or ``.json``."""

from django.urls import path, re_path

from congdanso.api.open311 import views

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)"

urlpatterns = [
    path("", views.discovery, {"fmt": "xml"}, name="root"),
    re_path(rf"^discovery{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services{FMT}$", views.services_list, name="services"),
    re_path(rf"^services/(?P<code>[\w.-]+){FMT}$", views.service_definition, name="service"),
    re_path(rf"^requests{FMT}$", views.requests_view, name="requests"),
    re_path(rf"^requests/(?P<code>[\w.-]+){FMT}$", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[\w-]+){FMT}$", views.token, name="token"),
]
