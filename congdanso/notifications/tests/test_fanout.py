"""notify(): rows written in the caller's transaction, batched; channels by preference; quiet hours; templates
rendered once per language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test.signals import template_rendered
from django.utils import timezone

from congdanso.accounts.models import User, UserKind
from congdanso.core.models import OutboxMessage
from congdanso.notifications import kinds, services
from congdanso.notifications.models import Delivery, DeliveryStatus, Notification, Preference, PushSubscription
from congdanso.notifications.tests.pushservice import Subscriber
from congdanso.testing.factories import verified_contact

pytestmark = pytest.mark.django_db

CONTEXT = {"code": "HS-2026-0042", "status": "Đã tiếp nhận", "procedure": "Cấp giấy phép xây dựng"}


def residents(n: int, *, language: str = "vi", prefix: str = "r") -> list[User]:
    return User.objects.bulk_create([
        User(username=f"{prefix}{i}", kind=UserKind.CITIZEN, preferred_language=language,
             email=f"{prefix}{i}@example.vn")
        for i in range(n)
    ])


def add_push(users: list[User]) -> None:
    PushSubscription.objects.bulk_create([
        PushSubscription(user=u, endpoint=f"https://push.example/{u.pk}", endpoint_hash=f"h{u.pk}",
                         p256dh=Subscriber.new().p256dh, auth="AAAAAAAAAAAAAAAAAAAAAA")
        for u in users
    ])


def test_rows_are_written_in_the_callers_transaction(citizen) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify([citizen], "dossier_status", CONTEXT)
        assert Notification.objects.count() == 1
        raise RuntimeError("the domain change failed")
    assert Notification.objects.count() == 0 and Delivery.objects.count() == 0
    assert OutboxMessage.objects.count() == 0


def test_fan_out_batches_writes_and_renders_once_per_language(django_assert_max_num_queries) -> None:
    vi_users = residents(300, language="vi")
    en_users = residents(200, language="en", prefix="e")
    add_push(vi_users[:100])
    rendered: list[str] = []

    def spy(sender, template, context, **kwargs):
        if template.name and template.name.startswith("notifications/kinds/"):
            rendered.append(template.name)

    template_rendered.connect(spy)
    try:
        with django_assert_max_num_queries(40), transaction.atomic():
            count = services.notify(vi_users + en_users, "dossier_status", CONTEXT, link="/dossiers/HS-2026-0042")
    finally:
        template_rendered.disconnect(spy)
    assert count == 500
    assert sorted(rendered) == ["notifications/kinds/dossier_status.en.txt",
                                "notifications/kinds/dossier_status.vi.txt"]
    assert Notification.objects.filter(language="en", title="Dossier HS-2026-0042: Đã tiếp nhận").count() == 200
    assert Notification.objects.filter(language="vi").first().title == "Hồ sơ HS-2026-0042: Đã tiếp nhận"
    # dossier_status defaults: inbox + push + e-mail; everyone has an address, 100 have a device.
    assert Delivery.objects.filter(channel="email").count() == 500
    assert Delivery.objects.filter(channel="webpush").count() == 100
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.QUEUED}
    messages = OutboxMessage.objects.filter(topic=services.DELIVER_TOPIC)
    payload_ids = sorted(i for m in messages for i in m.payload["ids"])
    assert payload_ids == sorted(Delivery.objects.values_list("pk", flat=True))


def test_preferences_choose_channels(citizen) -> None:
    citizen.email = "lan@example.vn"
    citizen.save()
    verified_contact(citizen, phone="0901234567")
    services.update_preferences(citizen, channels_by_kind={"dossier_status": ["sms"], "announcement": []},
                                quiet_start=None, quiet_end=None, phone="0901234567")
    with transaction.atomic():
        services.notify([citizen], "dossier_status", CONTEXT)
        services.notify([citizen], "announcement", {"title": "Lịch cắt điện", "message": "Thứ bảy"})
    assert Notification.objects.count() == 2, "the inbox is always on"
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["sms"]
    pref = Preference.objects.get(user=citizen)
    assert pref.phone == "0901234567"
    with pytest.raises(services.InvalidPreference):
        services.update_preferences(citizen, channels_by_kind={"dossier_status": ["fax"]}, quiet_start=None,
                                    quiet_end=None)


def test_quiet_hours_hold_back_everything_but_alerts(citizen, settings) -> None:
    add_push([citizen])
    now = timezone.localtime()
    start = (now - dt.timedelta(hours=1)).time().replace(microsecond=0)
    end = (now + dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    services.update_preferences(citizen, channels_by_kind={}, quiet_start=start, quiet_end=end)
    with transaction.atomic():
        services.notify([citizen], "report_status", {"code": "PA-1", "status": "Đã xử lý", "subject": "Đèn"})
        services.notify([citizen], "emergency_alert", {"headline": "Triều cường", "message": "Tránh khu vực"})
    held = Delivery.objects.get(notification__kind="report_status")
    alert = Delivery.objects.get(notification__kind="emergency_alert")
    assert held.available_at > timezone.now() + dt.timedelta(hours=1)
    assert timezone.localtime(held.available_at).time().replace(second=0) == end
    assert alert.available_at <= timezone.now()
    assert Notification.objects.get(kind="emergency_alert").urgent
    delayed = OutboxMessage.objects.get(payload__ids=[held.pk])
    assert abs((delayed.available_at - held.available_at).total_seconds()) < 1


def test_quiet_hours_across_midnight() -> None:
    pref = Preference(quiet_start=dt.time(22, 0), quiet_end=dt.time(6, 0))
    tz = timezone.get_current_timezone()
    late = timezone.make_aware(dt.datetime(2026, 3, 1, 23, 30), tz)
    early = timezone.make_aware(dt.datetime(2026, 3, 2, 5, 0), tz)
    noon = timezone.make_aware(dt.datetime(2026, 3, 2, 12, 0), tz)
    assert services.quiet_until(pref, late) == timezone.make_aware(dt.datetime(2026, 3, 2, 6, 0), tz)
    assert services.quiet_until(pref, early) == timezone.make_aware(dt.datetime(2026, 3, 2, 6, 0), tz)
    assert services.quiet_until(pref, noon) is None


def test_unknown_kind_is_refused(citizen) -> None:
    with pytest.raises(kinds.UnknownKind):
        services.notify([citizen], "no_such_kind", {})


def test_every_kind_has_templates_in_both_languages() -> None:
    from congdanso.notifications import rendering

    for kind in kinds.all_kinds():
        for language in ("vi", "en"):
            text = rendering.render(kind.code, language, {"code": "X", "status": "S", "subject": "T",
                                                                     "title": "T", "headline": "H", "message": "M"})
            assert text.title, (kind.code, language)


def test_fan_out_without_insert_returning(citizen, officer, monkeypatch) -> None:
    from django.db import connection

    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    monkeypatch.delitem(connection.features.__dict__, "can_return_rows_from_bulk_insert", raising=False)
    add_push([citizen, officer])
    with transaction.atomic():
        assert services.notify([citizen, officer], "dossier_status", CONTEXT) == 2
    pairs = set(Delivery.objects.values_list("notification__recipient_id", "subscription__user_id"))
    assert pairs == {(citizen.pk, citizen.pk), (officer.pk, officer.pk)}
    assert OutboxMessage.objects.get().payload["ids"] == sorted(Delivery.objects.values_list("pk", flat=True))


def test_the_hand_written_insert_writes_what_the_orm_would_and_skips_no_save_logic(citizen) -> None:
    """bulk.insert_returning bypasses Model.save(): it may do so only while the models it writes have no save()
    override and no receivers of pre_save/post_save, and it must store exactly what the ORM stores."""
    from django.db.models import Model
    from django.db.models.signals import post_save, pre_save

    from congdanso.notifications.bulk import insert_returning

    for model in (Notification, Delivery):
        assert model.save is Model.save, f"{model.__name__} overrides save(): write it through the ORM"
        assert not pre_save.has_listeners(model) and not post_save.has_listeners(model)
    now = timezone.now()
    values = dict(recipient=citizen.pk, kind="announcement", language="vi", title="Tiêu đề", body="Nội dung",
                  link="/x", object_type="", object_id="", actor=None, urgent=False, created_at=now, group_count=1)
    [pk] = insert_returning(Notification, services.NOTIFICATION_FIELDS,
                            [tuple(values[f] for f in services.NOTIFICATION_FIELDS)])
    orm = Notification.objects.create(**{("recipient_id" if k == "recipient" else "actor_id" if k == "actor"
                                          else k): v for k, v in values.items()})
    fields = [f.attname for f in Notification._meta.concrete_fields if f.attname != "id"]
    assert (Notification.objects.filter(pk=pk).values_list(*fields).get()
            == Notification.objects.filter(pk=orm.pk).values_list(*fields).get())
