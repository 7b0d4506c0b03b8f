from django.urls import path

from congdanso.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("gui", views.new_report, name="new"),
    path("cua-toi", views.my_reports, name="mine"),
    path("gan-day", views.nearby, name="nearby"),
    path("vi-tri", views.place, name="place"),
    path("tra-cuu", views.lookup, name="lookup"),
    path("anh/<int:pk>", views.photo, name="photo"),
    path("anh/<int:pk>/nho", views.photo, {"size": "thumb"}, name="thumb"),
    path("<str:code>", views.report_detail, name="detail"),
    path("<str:code>/da-gui", views.sent, name="sent"),
    path("<str:code>/xac-nhan", views.confirm, name="confirm"),
    path("<str:code>/chua-dong-y", views.dispute, name="dispute"),
    path("<str:code>/theo-doi", views.follow, name="follow"),
]
