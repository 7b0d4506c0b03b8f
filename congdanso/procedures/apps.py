from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_search_index(using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from congdanso.procedures import searchindex

    searchindex.ensure(connections[using])


class ProceduresConfig(AppConfig):
    name = "congdanso.procedures"
    label = "procedures"
    verbose_name = _("Thủ tục hành chính")

    def ready(self) -> None:
        # SQLite drops a table's triggers when a migration rebuilds it: put the search triggers back after migrate.
        post_migrate.connect(_ensure_search_index, sender=self)
