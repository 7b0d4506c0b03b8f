import time

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from congdanso.reports.models import ReportPhoto
from congdanso.reports.photos import PREFIX


class Command(BaseCommand):
    help = ("Delete stored report photos that no row points to (left by a rolled-back outer transaction); only "
            "files older than --min-age seconds, so uploads in flight are never touched.")

    def add_arguments(self, parser):
        parser.add_argument("--min-age", type=int, default=3600)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        known = set(ReportPhoto.objects.values_list("image", flat=True))
        known |= set(ReportPhoto.objects.values_list("thumbnail", flat=True))
        cutoff = time.time() - options["min_age"]
        removed = 0
        for name in _walk(PREFIX):
            if name in known:
                continue
            try:
                modified = default_storage.get_modified_time(name).timestamp()
            except (NotImplementedError, OSError):
                continue
            if modified > cutoff:
                continue
            removed += 1
            if not options["dry_run"]:
                default_storage.delete(name)
        self.stdout.write(f"orphan files {'found' if options['dry_run'] else 'removed'}: {removed}")


def _walk(folder: str):
    try:
        dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, OSError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _walk(f"{folder}/{sub}")
