from django.urls import path

from congdanso.reports import views_catalogue, views_moderation, views_staff

app_name = "reports_staff"

urlpatterns = [
    path("", views_staff.queue, name="queue"),
    path("giao-viec", views_staff.bulk_assign, name="bulk_assign"),
    path("tiep-nhan-ho", views_staff.on_behalf, name="on_behalf"),
    path("tiep-nhan-ho/<int:pk>", views_staff.call_recorded, name="call_recorded"),
    path("anh/<int:pk>", views_staff.photo_action, name="photo"),
    path("bien-tap/", views_moderation.queue, name="moderation"),
    path("bien-tap/<int:pk>", views_moderation.moderate, name="moderate"),
    path("cau-hoi", views_catalogue.questions, name="questions"),
    path("cau-hoi/them", views_catalogue.question_add, name="question_add"),
    path("cau-hoi/<int:pk>/sua", views_catalogue.question_edit, name="question_edit"),
    path("cau-hoi/<int:pk>/xoa", views_catalogue.question_delete, name="question_delete"),
    path("mau-tra-loi", views_catalogue.templates, name="templates"),
    path("mau-tra-loi/them", views_catalogue.template_add, name="template_add"),
    path("mau-tra-loi/<int:pk>/sua", views_catalogue.template_edit, name="template_edit"),
    path("mau-tra-loi/<int:pk>/xoa", views_catalogue.template_delete, name="template_delete"),
    path("<int:pk>", views_staff.detail, name="detail"),
    path("<int:pk>/<slug:action>", views_staff.act, name="act"),
]
