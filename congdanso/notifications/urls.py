from django.urls import path

from congdanso.notifications import views, views_staff

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:notification_id>/", views.open_notification, name="open"),
    path("read-all", views.read_all, name="read_all"),
    path("badge", views.badge, name="badge"),
    path("preferences", views.preferences, name="preferences"),
    path("preferences/<str:channel>/send-code", views.contact_send_code, name="contact_send_code"),
    path("preferences/<str:channel>/confirm", views.contact_confirm, name="contact_confirm"),
    path("preferences/<str:channel>/remove", views.contact_remove, name="contact_remove"),
    path("staff/announce", views_staff.announce, name="staff_announce"),
    path("staff/deliveries/<str:object_type>/<str:object_id>", views_staff.deliveries, name="staff_deliveries"),
]
