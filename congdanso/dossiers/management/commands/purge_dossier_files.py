"""Delete drafts nobody touched for ``DOSSIER_DRAFT_DAYS`` with their files, and stored dossier files no row points
to (left by a rolled-back outer transaction); only files older than ``--min-age`` seconds, so uploads in flight are
never touched."""

import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from congdanso.dossiers import files
from congdanso.dossiers.models import DossierDraft, DossierFile, DraftFile


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--min-age", type=int, default=3600)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        dry = options["dry_run"]
        stale = DossierDraft.objects.filter(
            updated_at__lt=timezone.now() - dt.timedelta(days=settings.DOSSIER_DRAFT_DAYS))
        drafts = stale.count()
        if not dry:
            stale.delete()  # their files are no longer pointed to: the sweep below removes them
        known = set(DossierFile.objects.values_list("storage_name", flat=True))
        known |= set(DraftFile.objects.values_list("storage_name", flat=True))
        cutoff = time.time() - options["min_age"]
        removed = 0
        storage = files.storage()
        for name in files.stored_names():
            if name in known:
                continue
            try:
                if storage.get_modified_time(name).timestamp() > cutoff:
                    continue
            except (NotImplementedError, OSError):
                continue
            removed += 1
            if not dry:
                storage.delete(name)
        verb = "found" if dry else "removed"
        self.stdout.write(f"stale drafts {verb}: {drafts}; orphan files {verb}: {removed}")
