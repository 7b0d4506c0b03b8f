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
        from congdanso.reports import events
        from congdanso.reports.models import CategoryAttribute

        events.register()
        for model in (Category, CategoryAttribute):
            post_save.connect(_forget_categories, sender=model, dispatch_uid=f"reports-forget-{model.__name__}")
            post_delete.connect(_forget_categories, sender=model, dispatch_uid=f"reports-forget-{model.__name__}-d")
