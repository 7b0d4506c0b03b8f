from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class DevidpConfig(AppConfig):
    name = "congdanso.devidp"
    label = "devidp"
    verbose_name = _("Nhà cung cấp định danh thử nghiệm")

    def ready(self) -> None:
        from oauth2_provider.settings import oauth2_settings

        from congdanso.devidp.keys import load_or_create

        if not settings.OAUTH2_PROVIDER.get("OIDC_RSA_PRIVATE_KEY"):
            settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"] = load_or_create(settings.DATA_DIR / "devidp-key.pem")
            oauth2_settings.reload()
