"""``manage.py import_procedures FILE [--format json|csv]``: import administrative procedures (national catalogue
records) from a JSON or CSV file, idempotent on the procedure code.

Shows a progress bar, then a summary: created, updated, unchanged, and every refused row with its reason. A refused
row stores nothing; the others are kept. Exit status 1 when any row was refused (``--allow-refused``: 0).
``--bundled`` imports the catalogue shipped with the project (``congdanso/procedures/data/procedures.json``), which
``make run`` does on every start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from congdanso.procedures import services
from congdanso.procedures.errors import BadRecord
from congdanso.procedures.records import Row, read_file

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "procedures.json"


class Command(BaseCommand):
    help = "Import administrative procedures from a JSON or CSV file (idempotent on the procedure code)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="JSON or CSV file of catalogue records")
        parser.add_argument("--format", choices=["json", "csv"], help="file format (default: from the extension)")
        parser.add_argument("--bundled", action="store_true", help="import the catalogue shipped with the project")
        parser.add_argument("--allow-refused", action="store_true", help="exit 0 even when rows were refused")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs, CI)")

    def handle(self, *args: Any, file: str | None = None, format: str | None = None, bundled: bool = False,
               allow_refused: bool = False, no_progress: bool = False, **options: Any) -> None:
        if bundled == bool(file):
            raise CommandError("Give a FILE or --bundled (one of them).")
        path = str(BUNDLED) if bundled else str(file)
        try:
            rows = read_file(path, format)
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {path}") from exc
        except (UnicodeDecodeError, BadRecord) as exc:
            raise CommandError(f"{path}: {getattr(exc, 'message', exc)}") from exc
        console = Console(stderr=True, highlight=False)  # the bar on stderr, the summary on stdout
        show = not no_progress and options.get("verbosity", 1) > 0
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, disable=not show, transient=True) as progress:
            task = progress.add_task("Thủ tục", total=len(rows))

            def advance(row: Row, outcome: str) -> None:
                progress.advance(task)

            summary = services.import_procedures(rows, source=Path(path).name, progress=advance)
        if options.get("verbosity", 1) > 0 or summary.refused:
            self.stdout.write(f"{Path(path).name}: {summary.total} rows — created {summary.created}, updated "
                              f"{summary.updated}, unchanged {summary.unchanged}, refused {len(summary.refused)}")
            for number, code, reason in summary.refused:
                self.stdout.write(f"  refused row {number}{f' ({code})' if code else ''}: {reason}")
        if summary.refused and not allow_refused:
            raise CommandError(f"{len(summary.refused)} row(s) refused")
