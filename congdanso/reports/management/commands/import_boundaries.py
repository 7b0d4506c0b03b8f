import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from congdanso.reports.services import import_boundaries


class Command(BaseCommand):
    help = ("Import ward/commune boundary polygons from a GeoJSON FeatureCollection; each feature's properties "
            "carry the unit's 5-digit code (property name: --code-property, default 'code').")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--code-property", default="code")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            raise CommandError("expected a GeoJSON FeatureCollection")
        counts = import_boundaries(features, actor="manage.py import_boundaries",
                                   code_property=options["code_property"])
        self.stdout.write(f"imported {counts['imported']}, unknown unit code {counts['unknown']}, "
                          f"not a polygon {counts['skipped']}")
