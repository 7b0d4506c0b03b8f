"""Settings for the dossiers bench server: the reports bench's (``X-Server-Ms`` on every response) with the dossiers
baseline (``/bench/baseline?id=N``: one indexed read of a dossier row)."""

from __future__ import annotations

from bench._reports_site import *  # noqa: F403

ROOT_URLCONF = "bench._dossiers_urls"
