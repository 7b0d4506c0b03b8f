from django.core.management.base import BaseCommand, CommandError

from congdanso.api.integrators import create_integrator
from congdanso.api.models import Integrator


class Command(BaseCommand):
    help = "Register an Open311 integrator and print its new api_key (shown once; only a hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, **options):
        if Integrator.objects.filter(name=options["name"]).exists():
            raise CommandError(f"an integrator named {options['name']!r} already exists")
        _integrator, key = create_integrator(options["name"], actor="manage.py create_integrator")
        self.stdout.write(key)
