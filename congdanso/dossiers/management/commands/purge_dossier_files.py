"""Delete drafts nobody touched for ``DOSSIER_DRAFT_DAYS`` with their files, and stored dossier files no row points
to (left by a rolled-back outer transaction); only files older than ``--min-age`` seconds, so uploads in flight are
never touched. The worker does the same every ``DOSSIER_PURGE_SECONDS``."""

from django.core.management.base import BaseCommand

from congdanso.dossiers.services.purge import purge_stale_files


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--min-age", type=int, default=3600)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **options):
        done = purge_stale_files(min_age=options["min_age"], dry_run=options["dry_run"])
        verb = "found" if options["dry_run"] else "removed"
        self.stdout.write(f"stale drafts {verb}: {done['drafts']}; orphan files {verb}: {done['files']}")
