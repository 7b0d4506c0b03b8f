from django.urls import path

from congdanso.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("me", views.me, name="me"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline", views.offline, name="offline"),
    path("coming/<slug:area>", views.coming_soon, name="coming"),
]
