from django.urls import path

from congdanso.reports import views_staff

app_name = "reports_staff"

urlpatterns = [
    path("", views_staff.queue, name="queue"),
    path("giao-viec", views_staff.bulk_assign, name="bulk_assign"),
    path("tiep-nhan-ho", views_staff.on_behalf, name="on_behalf"),
    path("anh/<int:pk>", views_staff.photo_action, name="photo"),
    path("<int:pk>", views_staff.detail, name="detail"),
    path("<int:pk>/<slug:action>", views_staff.act, name="act"),
]
