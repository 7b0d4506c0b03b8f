from django.urls import include, path

from congdanso.devidp import views

# DOT reverses its own "oauth2_provider:" names (discovery lists them), so that namespace is kept.
oauth2_patterns = [
    path("authorize/", views.authorize, name="authorize"),
    path("token/", views.token, name="token"),
    path("userinfo/", views.userinfo, name="user-info"),
    path(".well-known/jwks.json", views.jwks, name="jwks-info"),
    path(".well-known/openid-configuration", views.discovery, name="oidc-connect-discovery-info"),
    path("logout/", views.logout, name="rp-initiated-logout"),
]

urlpatterns = [
    path("login", views.choose, name="devidp-choose"),
    path("o/", include((oauth2_patterns, "oauth2_provider"))),
]
