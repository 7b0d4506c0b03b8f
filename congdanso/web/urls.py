from django.urls import path

from congdanso.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("me", views.me, name="me"),
    path("viec-cua-toi", views.cases, name="cases"),
    path("da-dang-xuat", views.signed_out, name="signed_out"),
    path("quyen-rieng-tu", views.info, {"page": "privacy"}, name="privacy"),
    path("dieu-khoan", views.info, {"page": "terms"}, name="terms"),
    path("lien-he", views.info, {"page": "contact"}, name="contact"),
    path("tro-nang", views.info, {"page": "accessibility"}, name="accessibility"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline", views.offline, name="offline"),
    path("coming/<slug:area>", views.coming_soon, name="coming"),
]
