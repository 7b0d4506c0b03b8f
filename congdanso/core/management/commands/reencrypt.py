"""``manage.py reencrypt``: re-encrypt every encrypted field with the newest key, so older keys can be retired.

Key rotation: put the new key first in ``FIELD_ENCRYPTION_KEYS`` (older keys after it still decrypt), deploy, run
this command, then remove the old keys. Set ``BLIND_INDEX_KEY`` explicitly before rotating: by default it is
derived from the first encryption key, and the blind indexes would stop matching.

Batched (one transaction per batch, rows in primary-key order) and resumable: a value already under the newest key
is skipped, so the command can be stopped and run again; ``--start-after`` skips rows already done. A value
changed by someone else between the read and the write is left alone (compare-and-set on the stored token) and
picked up by the next run. Values that no configured key can decrypt are counted, never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.db.models.functions import Cast

from congdanso.core.fields import EncryptedTextField
from congdanso.lib import crypto


@dataclass
class Tally:
    seen: int = 0
    rotated: int = 0
    current: int = 0
    unreadable: int = 0
    changed_meanwhile: int = 0


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every concrete model with its encrypted fields, in a stable order."""
    found = []
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def reencrypt_batch(model: type[models.Model], fields: list[str], after: Any, size: int, keys: list[str],
                    tally: Tally) -> tuple[Any, int]:
    """Re-encrypt one batch of rows after primary key ``after``; returns the last primary key read (None: no rows
    left) and the number of rows read."""
    raw = {f"_raw_{name}": Cast(name, output_field=models.TextField()) for name in fields}
    rows = model._default_manager.order_by("pk").annotate(**raw).values_list("pk", *raw)
    if after is not None:
        rows = rows.filter(pk__gt=after)
    batch = list(rows[:size])
    if not batch:
        return None, 0
    with transaction.atomic():
        for pk, *tokens in batch:
            for name, token in zip(fields, tokens, strict=True):
                tally.seen += 1
                if not token:
                    tally.current += 1
                    continue
                if crypto.is_current(token, keys):
                    tally.current += 1
                    continue
                try:
                    clear = crypto.decrypt(token, keys)
                except crypto.DecryptionError:
                    tally.unreadable += 1
                    continue
                # Written through the field (encrypted with the newest key), only if the stored token is unchanged.
                updated = (model._default_manager.filter(pk=pk)
                           .alias(_stored=Cast(name, output_field=models.TextField())).filter(_stored=token)
                           .update(**{name: clear}))
                if updated:
                    tally.rotated += 1
                else:
                    tally.changed_meanwhile += 1
    return batch[-1][0], len(batch)


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the newest key in FIELD_ENCRYPTION_KEYS (batched, resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument("--model", help="only this model, as app_label.ModelName")
        parser.add_argument("--start-after", help="with --model: resume after this primary key")
        parser.add_argument("--dry-run", action="store_true", help="count what would be re-encrypted, write nothing")

    def handle(self, **options: Any) -> None:
        keys = list(settings.FIELD_ENCRYPTION_KEYS)
        size = options["batch_size"]
        if size < 1:
            raise CommandError("--batch-size must be at least 1")
        targets = encrypted_fields()
        if options["model"]:
            targets = [(m, f) for m, f in targets if m._meta.label_lower == options["model"].lower()]
            if not targets:
                raise CommandError(f"no model with encrypted fields named {options['model']}")
        elif options["start_after"]:
            raise CommandError("--start-after needs --model")
        if len(keys) == 1:
            self.stdout.write("Only one key is configured: every value is already under it.")
        total = Tally()
        for model, fields in targets:
            count = model._default_manager.count()
            label = f"{model._meta.label} ({', '.join(fields)})"
            self.stdout.write(f"{label}: {count} rows")
            after: Any = options["start_after"]
            if after is not None and model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField"):
                after = int(after)
            tally, done = Tally(), 0
            while True:
                if options["dry_run"]:
                    with transaction.atomic():
                        last, read = reencrypt_batch(model, fields, after, size, keys, tally)
                        transaction.set_rollback(True)
                else:
                    last, read = reencrypt_batch(model, fields, after, size, keys, tally)
                if last is None:
                    break
                after = last
                done += read
                self.stdout.write(f"  {label}: {done}/{count} rows, re-encrypted {tally.rotated}, "
                                  f"last id {after}")
            self.stdout.write(f"  {label}: done — {tally.rotated} re-encrypted, {tally.current} already current, "
                              f"{tally.unreadable} unreadable, {tally.changed_meanwhile} changed meanwhile")
            for name in ("seen", "rotated", "current", "unreadable", "changed_meanwhile"):
                setattr(total, name, getattr(total, name) + getattr(tally, name))
        verb = "would be re-encrypted" if options["dry_run"] else "re-encrypted"
        self.stdout.write(self.style.SUCCESS(
            f"{total.rotated} values {verb}; {total.current} already under the newest key; "
            f"{total.unreadable} unreadable with the configured keys; {total.changed_meanwhile} changed meanwhile "
            "(run again)."))
        if total.unreadable:
            self.stderr.write("Some values cannot be decrypted with any configured key: do not retire old keys yet.")
