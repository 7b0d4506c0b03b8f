from django.urls import path

from congdanso.dossiers import views, views_online

app_name = "dossiers"

urlpatterns = [
    path("tra-cuu", views.lookup, name="lookup"),
    path("q/<str:token>", views.by_token, name="token"),
    path("thong-ke", views.stats, name="stats"),
    # online submission: choices, documents, review; the draft's own files; start over
    path("nop/<str:procedure>", views_online.apply, name="apply"),
    path("nop/<str:procedure>/giay-to", views_online.apply_documents, name="apply_documents"),
    path("nop/<str:procedure>/kiem-tra", views_online.apply_review, name="apply_review"),
    path("nop/<str:procedure>/xoa-nhap", views_online.apply_discard, name="apply_discard"),
    path("nop/<str:procedure>/tep/<int:file_id>", views_online.draft_file, name="draft_file"),
    path("<str:code>", views.detail, name="detail"),
    path("<str:code>/da-nop", views_online.submitted, name="submitted"),
    path("<str:code>/bien-nhan", views.receipt, name="receipt"),
    path("<str:code>/danh-gia", views.rate, name="rate"),
    path("<str:code>/bo-sung", views.supplement, name="supplement"),
    path("<str:code>/rut", views.withdraw, name="withdraw"),
    path("<str:code>/tep/<int:file_id>", views.document, name="file"),
]
