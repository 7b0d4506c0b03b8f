"""The lifecycle of a delivery. Moves happen as conditional UPDATEs in ``delivery.py`` (a claim is the move
queued → sending guarded by the current status), so they are declared here for readers and checked in tests.

queued ──claim──▶ sending ──201/250/2xx──▶ sent ──service worker receipt──▶ delivered
   ▲                 │ 429, 5xx, timeout, refused (attempts left): back to queued with backoff / Retry-After
   └─────────────────┤ 404/410, other 4xx, attempts used up: failed (reason kept)
                     │ past its time to live: expired
                     └ worker died: still "sending" after the lease → claimed again (sent at least once)
"""

from __future__ import annotations

from congdanso.notifications.models import DeliveryStatus as S

MOVES: dict[str, set[str]] = {
    S.QUEUED: {S.SENDING, S.DELIVERED},
    S.SENDING: {S.SENT, S.QUEUED, S.FAILED, S.EXPIRED, S.SENDING, S.DELIVERED},
    S.SENT: {S.DELIVERED},
    S.DELIVERED: set(),
    S.FAILED: set(),
    S.EXPIRED: set(),
}


def can_move(source: str, target: str) -> bool:
    return target in MOVES.get(source, set())
