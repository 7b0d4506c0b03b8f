"""Run in a separate process by the crash tests: ``python -m congdanso.notifications.tests.scenario setup|state``.

setup FILE: create one resident per subscription in FILE (JSON list) and notify them all in one transaction.
state: print every delivery as JSON.
"""

from __future__ import annotations

import json
import sys

import django


def main(argv: list[str]) -> None:
    django.setup()
    from django.db import transaction

    from congdanso.accounts.models import User, UserKind
    from congdanso.notifications import services
    from congdanso.notifications.models import Delivery

    if argv[0] == "setup":
        with open(argv[1], encoding="utf-8") as handle:
            subscriptions = json.load(handle)
        users = User.objects.bulk_create([User(username=f"crash-{i}", kind=UserKind.CITIZEN)
                                          for i in range(len(subscriptions))])
        for user, info in zip(users, subscriptions, strict=True):
            services.save_subscription(user, info)
        with transaction.atomic():
            count = services.notify(users, "announcement", {"title": "Thông báo thử", "message": "Kiểm tra"})
        print(json.dumps({"notified": count}))
    elif argv[0] == "state":
        rows = list(Delivery.objects.values_list("pk", "notification_id", "status", "attempts", "claimed_by"))
        print(json.dumps({"deliveries": rows}))


if __name__ == "__main__":
    main(sys.argv[1:])
