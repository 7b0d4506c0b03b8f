from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "congdanso.notifications"
    label = "notifications"
    verbose_name = _("Thông báo")

    def ready(self) -> None:
        from congdanso.core import outbox
        from congdanso.notifications import delivery, signals, subjects, webhooks  # noqa: F401
        from congdanso.notifications.services import DELIVER_TOPIC, WEBHOOK_TOPIC, announcement_deliveries

        outbox.register(DELIVER_TOPIC, delivery.handle)
        outbox.register(WEBHOOK_TOPIC, webhooks.handle)
        # Notices sent from the announce form are about a resident (accounts sits below us: we register it).
        subjects.register("accounts.user", announcement_deliveries)
