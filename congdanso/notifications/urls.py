from django.urls import path

from congdanso.notifications import views, views_staff

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/", views.open_notification, name="open"),
    path("read-all", views.read_all, name="read_all"),
    path("badge", views.badge, name="badge"),
    path("preferences", views.preferences, name="preferences"),
    path("staff/announce", views_staff.announce, name="staff_announce"),
    path("staff/deliveries/<str:object_type>/<str:object_id>", views_staff.deliveries, name="staff_deliveries"),
]
