"""ASGI entry point, for completeness only: serve WSGI (DESIGN.md measured ASGI 4-8x slower here)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congdanso.settings")
application = get_asgi_application()
