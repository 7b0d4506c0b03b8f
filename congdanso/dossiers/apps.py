from typing import Any

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


def _link_dossiers(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A resident who signs in at level 2 finds the dossiers filed under their ID number before they had an
    account."""
    from congdanso.dossiers.services import link_dossiers_of

    link_dossiers_of(user)


class DossiersConfig(AppConfig):
    name = "congdanso.dossiers"
    label = "dossiers"
    verbose_name = _("Hồ sơ thủ tục hành chính")

    def ready(self) -> None:
        user_logged_in.connect(_link_dossiers, dispatch_uid="dossiers.link_on_login")
        from congdanso.core.inputguard import allow_streamed
        from congdanso.dossiers.bulk import CSV_TYPES, NDJSON_TYPES

        # the bulk import reads its body line by line, each value through the normaliser (dossiers/bulk.py)
        allow_streamed("/api/v1/dossiers/import", NDJSON_TYPES + CSV_TYPES)

        from django.conf import settings

        from congdanso.core import periodic
        from congdanso.dossiers.services.purge import purge_stale_files

        periodic.register("dossiers.purge_stale_files", settings.DOSSIER_PURGE_SECONDS, purge_stale_files)
