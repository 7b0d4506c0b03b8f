from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite has no session settings; the audit triggers ask this per-connection function instead (see
    ``congdanso.core.audit.maintenance_mode``). A connection that lacks it (e.g. the sqlite3 shell) is refused."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        "congdanso_audit_maintenance", 0, lambda: 1 if getattr(connection, "audit_maintenance", False) else 0
    )


class CoreConfig(AppConfig):
    name = "congdanso.core"
    label = "core"
    verbose_name = _("Nền tảng")

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_functions, dispatch_uid="congdanso.core.sqlite_functions")
