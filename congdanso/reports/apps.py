from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _forget_categories(**kwargs: object) -> None:
    from congdanso.reports.services import forget_categories

    forget_categories()


class ReportsConfig(AppConfig):
    name = "congdanso.reports"
    label = "reports"
    verbose_name = _("Phản ánh hiện trường")

    def ready(self) -> None:
        from congdanso.agencies.models import Category
        from congdanso.notifications import subjects
        from congdanso.reports import events
        from congdanso.reports.deliveries import report_deliveries
        from congdanso.reports.models import CategoryAttribute

        events.register()
        subjects.register("reports.report", report_deliveries)  # who sees a report's notification deliveries
        for model in (Category, CategoryAttribute):
            post_save.connect(_forget_categories, sender=model, dispatch_uid=f"reports-forget-{model.__name__}")
            post_delete.connect(_forget_categories, sender=model, dispatch_uid=f"reports-forget-{model.__name__}-d")
