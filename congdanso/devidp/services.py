"""Set-up of the development identity provider: demo residents and the app's OAuth client."""

from __future__ import annotations

import datetime as dt
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from oauth2_provider.models import get_application_model

from congdanso.devidp.models import DemoPerson

# Made-up people. ID numbers follow the CCCD layout (079 = HCMC, gender/century digit, birth year, serial).
DEMO_PEOPLE = [
    ("Nguyễn Văn An", "079085001234", dt.date(1985, 3, 14), 2),
    ("Trần Thị Bích Ngọc", "079190004567", dt.date(1990, 11, 2), 2),
    ("Lê Hoàng Minh", "079201007890", dt.date(2001, 6, 25), 1),
    ("Phạm Thị Thu Hà", "079178002345", dt.date(1978, 1, 30), 1),
    ("Võ Quốc Bảo", "079099006789", dt.date(1999, 9, 9), 2),
]
LOOPBACK_CALLBACKS = ["http://127.0.0.1/auth/vneid/callback", "http://[::1]/auth/vneid/callback",
                      "http://localhost:8000/auth/vneid/callback"]
LOOPBACK_HOMES = ["http://127.0.0.1/", "http://[::1]/", "http://localhost:8000/"]

_ready = threading.Event()


def ensure_setup() -> None:
    """Create the demo residents and the OAuth client once per process (safe when processes race)."""
    if _ready.is_set():
        return
    for attempt in range(3):
        try:
            _setup()
            break
        except IntegrityError:
            if attempt == 2:
                raise
    _ready.set()


def reset() -> None:
    _ready.clear()


@transaction.atomic
def _setup() -> None:
    user_model = get_user_model()
    for position, (name, personal_id, birth, level) in enumerate(DEMO_PEOPLE):
        if DemoPerson.objects.filter(personal_id=personal_id).exists():
            continue
        user = user_model(username=f"devidp-{personal_id}", kind="devidp", full_name=name)
        user.set_unusable_password()
        user.save()
        DemoPerson.objects.create(user=user, full_name=name, personal_id=personal_id, birth_date=birth,
                                  level=level, position=position)
    application_model = get_application_model()
    app = application_model.objects.filter(client_id=settings.DEVIDP_CLIENT_ID).first()
    if app is None:
        app = application_model(client_id=settings.DEVIDP_CLIENT_ID)
    app.name = "Công Dân Số (development)"
    app.client_type = application_model.CLIENT_CONFIDENTIAL
    app.authorization_grant_type = application_model.GRANT_AUTHORIZATION_CODE
    app.client_secret = settings.DEVIDP_CLIENT_SECRET
    app.algorithm = application_model.RS256_ALGORITHM
    app.redirect_uris = " ".join(LOOPBACK_CALLBACKS + settings.DEVIDP_REDIRECT_URIS)
    app.post_logout_redirect_uris = " ".join(LOOPBACK_HOMES + [
        uri.removesuffix("auth/vneid/callback") for uri in settings.DEVIDP_REDIRECT_URIS
    ])
    app.skip_authorization = True
    app.save()
