from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "congdanso.reports"
    label = "reports"
    verbose_name = _("Phản ánh hiện trường")

    def ready(self) -> None:
        from congdanso.agencies.models import Agency, Category, Unit
        from congdanso.core.memo import forget_when_changed
        from congdanso.notifications import contacts, subjects
        from congdanso.reports import events, queries
        from congdanso.reports.deliveries import report_deliveries
        from congdanso.reports.models import CategoryAttribute, WardBoundary

        events.register()
        subjects.register("reports.report", report_deliveries)  # who sees a report's notification deliveries
        subjects.register_link("reports:detail", _report_exists)  # a notice's link to a report names a real one
        contacts.register("reports.report", queries.caller_phones)  # a hotline caller's number, for their SMS
        # Categories (with their routing: default agency, routes to ward), their questions, units, agencies and
        # ward boundaries feed the process-local memos of submission, the API's code maps and routing.
        forget_when_changed(Category, CategoryAttribute, Unit, Agency, WardBoundary)


def _report_exists(kwargs: dict[str, object]) -> bool:
    from congdanso.reports.models import Report

    return Report.objects.filter(code=str(kwargs.get("code", "")).strip().upper()).exists()
