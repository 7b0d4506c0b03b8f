from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "congdanso.reports"
    label = "reports"
    verbose_name = _("Phản ánh hiện trường")

    def ready(self) -> None:
        from congdanso.agencies.models import Agency, Category, Unit
        from congdanso.core.memo import forget_when_changed
        from congdanso.reports import events
        from congdanso.reports.models import CategoryAttribute, WardBoundary

        events.register()
        # Categories (with their routing: default agency, routes to ward), their questions, units, agencies and
        # ward boundaries feed the process-local memos of submission, the API's code maps and routing.
        forget_when_changed(Category, CategoryAttribute, Unit, Agency, WardBoundary)
