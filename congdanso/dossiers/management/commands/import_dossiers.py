"""``manage.py import_dossiers FILE --system NAME|ID``: import a one-stop-shop system's dossiers from an NDJSON or CSV
file (``-`` reads standard input), idempotent on the system's ``external_id``.

The file is read one row at a time and written in batches (``DOSSIER_IMPORT_BATCH`` rows per transaction), so a
file of millions of rows takes no more memory than a small one. Shows a progress bar (``--no-progress`` for logs),
then a summary: created, unchanged, refused by reason, the first refused rows (``--show N``); ``--errors FILE``
writes every refused row (CSV when FILE ends in ``.csv``, else NDJSON). Exit status 1 when a row was refused
(``--allow-refused``: 0).
"""

from __future__ import annotations

import csv
import json
import os
import sys
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from congdanso.core.errors import DomainError
from congdanso.dossiers import bulk
from congdanso.dossiers.models import IntegrationSystem


def _system(value: str) -> IntegrationSystem:
    found = list(IntegrationSystem.objects.filter(pk=int(value))) if value.isdigit() else []
    found = found or list(IntegrationSystem.objects.filter(name=value))
    if not found:
        raise CommandError(f"No one-stop-shop system named or numbered {value!r} "
                           "(manage.py create_integration_system registers one).")
    if len(found) > 1:
        numbers = ", ".join(str(s.pk) for s in found)
        raise CommandError(f"Several systems are named {value!r}: give its number ({numbers}).")
    if not found[0].is_active:
        raise CommandError(f"The system {found[0].name!r} is not active.")
    return found[0]


class _Counted:
    """A binary stream that counts the bytes read through it (the progress bar's position)."""

    def __init__(self, stream: IO[bytes]):
        self.stream, self.done = stream, 0

    def readline(self, size: int = -1) -> bytes:
        line = self.stream.readline(size)
        self.done += len(line)
        return line


class Command(BaseCommand):
    help = "Import a one-stop-shop system's dossiers from an NDJSON or CSV file (idempotent on external_id)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="NDJSON (.ndjson, .jsonl) or CSV (.csv) file; - for standard input")
        parser.add_argument("--system", required=True, help="the sending system's name or number")
        parser.add_argument("--format", choices=["ndjson", "csv"], help="file format (default: from the extension)")
        parser.add_argument("--batch-size", type=int, help="rows per transaction (default DOSSIER_IMPORT_BATCH)")
        parser.add_argument("--errors", metavar="FILE", help="write every refused row to FILE (.csv or NDJSON)")
        parser.add_argument("--show", type=int, default=20, help="refused rows listed in the summary (default 20)")
        parser.add_argument("--allow-refused", action="store_true", help="exit 0 even when rows were refused")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (logs, CI)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["file"]
        system = _system(options["system"])
        fmt = options["format"] or bulk.format_of(path)
        if not fmt:
            raise CommandError("Give --format ndjson or csv (the file name does not say).")
        try:
            stream: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        size = 0 if path == "-" else os.fstat(stream.fileno()).st_size
        errors_file = open(options["errors"], "w", encoding="utf-8", newline="") if options["errors"] else None  # noqa: SIM115
        summary = bulk.Summary(keep=max(0, options["show"]))
        verbosity = options.get("verbosity", 1)
        console = Console(stderr=True, highlight=False)  # the bar on stderr, the summary on stdout
        try:
            counted = _Counted(stream)
            try:
                records = bulk.read(bulk.lines_from(counted), fmt)  # type: ignore[arg-type]  # has readline
            except DomainError as exc:
                raise CommandError(f"{path}: {exc.message}") from exc
            writer = _error_writer(errors_file, options["errors"] or "")
            with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                          TextColumn("{task.percentage:>3.0f}%  {task.fields[rows]:,} rows"), TimeElapsedColumn(),
                          TimeRemainingColumn(), console=console, transient=True,
                          disable=options["no_progress"] or verbosity == 0) as progress:
                task = progress.add_task("Hồ sơ", total=size or None, rows=0)
                for result in bulk.import_dossiers(records, system=system, batch_size=options["batch_size"],
                                                   source=os.path.basename(path)[:200]):
                    summary.add(result)
                    if result.status == bulk.REFUSED and writer is not None:
                        writer(result)
                    if summary.rows % 1000 == 0:
                        progress.update(task, completed=counted.done, rows=summary.rows)
                progress.update(task, completed=counted.done, rows=summary.rows)
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
            if errors_file is not None:
                errors_file.close()
        self._report(path, summary, options, verbosity)

    def _report(self, path: str, summary: bulk.Summary, options: dict[str, Any], verbosity: int) -> None:
        if verbosity > 0 or summary.refused:
            self.stdout.write(f"{os.path.basename(path)}: {summary.rows:,} rows — created {summary.created:,}, "
                              f"unchanged {summary.unchanged:,}, refused {summary.refused:,}")
            for reason, count in summary.reasons.most_common():
                self.stdout.write(f"  {reason}: {count:,} — {summary.reason_messages[reason]}")
            for result in summary.errors:
                ref = f" ({result.external_id})" if result.external_id else ""
                self.stdout.write(f"  refused row {result.row}{ref}: {result.message}")
            if summary.refused > len(summary.errors) and options["show"]:
                more = summary.refused - len(summary.errors)
                self.stdout.write(f"  … and {more:,} more refused rows"
                                  + (f" (every one in {options['errors']})" if options["errors"] else ""))
        if summary.refused and not options["allow_refused"]:
            raise CommandError(f"{summary.refused:,} row(s) refused")


def _error_writer(handle: IO[str] | None, name: str) -> Any:
    if handle is None:
        return None
    if name.lower().endswith(".csv"):
        writer = csv.writer(handle)
        writer.writerow(["row", "external_id", "error", "field", "message"])
        return lambda r: writer.writerow([r.row, r.external_id, r.error, r.field, r.message])
    return lambda r: handle.write(json.dumps(r.as_dict(), ensure_ascii=False) + "\n")
