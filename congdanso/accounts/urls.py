from django.urls import path

from congdanso.accounts import views, views_staff

app_name = "accounts"

urlpatterns = [
    path("vneid/login", views.oidc_login, name="oidc_login"),
    path("vneid/callback", views.oidc_callback, name="oidc_callback"),
    path("logout", views.sign_out, name="logout"),
    path("draft-owner", views.draft_owner, name="draft_owner"),
    path("staff/login", views_staff.staff_login, name="staff_login"),
    path("staff/otp", views_staff.staff_otp, name="staff_otp"),
    path("staff/otp/enrol", views_staff.staff_otp_enrol, name="staff_otp_enrol"),
    path("staff/logout", views_staff.staff_logout, name="staff_logout"),
]
