"""Drafts nobody touched for ``DOSSIER_DRAFT_DAYS`` (with their files), and stored files no row points to (left by
a rolled-back outer transaction). Run by the worker every ``DOSSIER_PURGE_SECONDS`` and by
``manage.py purge_dossier_files``."""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.utils import timezone

from congdanso.dossiers import files
from congdanso.dossiers.models import DossierDraft, DossierFile, DraftFile


def purge_stale_files(*, min_age: int = 3600, dry_run: bool = False) -> dict[str, int]:
    """Only files older than ``min_age`` seconds are touched, so uploads in flight are never removed. Returns what
    was (or, with ``dry_run``, would be) removed."""
    stale = DossierDraft.objects.filter(
        updated_at__lt=timezone.now() - dt.timedelta(days=settings.DOSSIER_DRAFT_DAYS))
    drafts = stale.count()
    if not dry_run:
        stale.delete()  # their files are no longer pointed to: the sweep below removes them
    known = set(DossierFile.objects.values_list("storage_name", flat=True))
    known |= set(DraftFile.objects.values_list("storage_name", flat=True))
    cutoff = time.time() - min_age
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
        if not dry_run:
            storage.delete(name)
    return {"drafts": drafts, "files": removed}
