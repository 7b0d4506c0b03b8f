from django.core.management.base import BaseCommand, CommandError

from congdanso.notifications import services
from congdanso.notifications.errors import InvalidWebhook


class Command(BaseCommand):
    help = ("Register an integrator's webhook and print its signing secret (shown once; stored encrypted). "
            "Events are POSTed as JSON with X-CDS-Signature: sha256=HMAC(secret, '<timestamp>.<body>').")

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("url")
        parser.add_argument("--topic", action="append", dest="topics", default=None,
                            help="report.status_changed (default), report.*, dossier.*, … (repeatable)")

    def handle(self, *args, **options):
        try:
            _hook, secret = services.create_webhook(options["name"], options["url"],
                                                    options["topics"] or ["report.status_changed"],
                                                    actor="manage.py create_webhook")
        except InvalidWebhook as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(secret)
