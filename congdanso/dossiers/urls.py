from django.urls import path

from congdanso.dossiers import views

app_name = "dossiers"

urlpatterns = [
    path("tra-cuu", views.lookup, name="lookup"),
    path("q/<str:token>", views.by_token, name="token"),
    path("thong-ke", views.stats, name="stats"),
    path("<str:code>", views.detail, name="detail"),
    path("<str:code>/bien-nhan", views.receipt, name="receipt"),
    path("<str:code>/danh-gia", views.rate, name="rate"),
]
