from django.urls import path

from congdanso.dossiers import views_staff

app_name = "dossiers_staff"

urlpatterns = [
    path("", views_staff.dossier_list, name="list"),
    path("<str:code>", views_staff.dossier_detail, name="detail"),
    path("<str:code>/<slug:action>", views_staff.dossier_act, name="act"),
]
