from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "congdanso.reports"
    label = "reports"
    verbose_name = _("Phản ánh hiện trường")

    def ready(self) -> None:
        from congdanso.reports import events

        events.register()
