"""The transactional outbox: writing rows, hints, claims, retries, the sweeper and the handler registry."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from congdanso.core import outbox
from congdanso.core.models import OutboxMessage, OutboxStatus

TOPIC = "test.outbox"
TASK_PATH = "congdanso.core.outbox.run_outbox_batch"

pytestmark = pytest.mark.usefixtures("db_tasks")


class Boom(Exception):
    pass


def hinted_ids() -> list[int]:
    """Row ids carried by queued run_outbox_batch tasks, in queue order (duplicates kept)."""
    ids: list[int] = []
    for result in DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("enqueued_at"):
        ids.extend(result.args_kwargs["args"][0])
    return ids


def make_row(**fields: Any) -> OutboxMessage:
    fields.setdefault("payload", {"k": 1})
    return OutboxMessage.objects.create(topic=TOPIC, **fields)


def make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(available_at=timezone.now() - timedelta(seconds=1))


# --- writing rows ------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_raises() -> None:
    with pytest.raises(outbox.NotInTransaction):
        outbox.enqueue(TOPIC, {"x": 1})
    with pytest.raises(outbox.NotInTransaction):
        outbox.enqueue_many(TOPIC, [{"x": 1}])
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_rows_of_a_rolled_back_transaction_vanish_with_their_hints() -> None:
    with pytest.raises(Boom), transaction.atomic():
        outbox.enqueue(TOPIC, {"x": 1})
        outbox.enqueue_many(TOPIC, [{"x": 2}, {"x": 3}])
        assert OutboxMessage.objects.count() == 3
        raise Boom
    assert OutboxMessage.objects.count() == 0
    assert hinted_ids() == []


@pytest.mark.django_db(transaction=True)
def test_rows_of_a_rolled_back_savepoint_vanish_and_the_rest_commits() -> None:
    with transaction.atomic():
        kept = outbox.enqueue(TOPIC, {"x": "kept"})
        with pytest.raises(Boom), transaction.atomic():
            outbox.enqueue(TOPIC, {"x": "lost"})
            raise Boom
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [kept.pk]
    # One task for the commit; the rolled-back row's id may ride along in it, where it claims nothing.
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1
    assert kept.pk in hinted_ids()
    assert outbox.run_batch(hinted_ids(), "w1", extra=0) == {"retry": 1, "skipped": len(hinted_ids()) - 1}


@pytest.mark.django_db(transaction=True)
def test_a_hint_registered_in_a_rolled_back_savepoint_is_replaced_by_the_next_row() -> None:
    with transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            outbox.enqueue(TOPIC, {"x": "lost"})
            raise Boom
        kept = outbox.enqueue(TOPIC, {"x": "kept"})
    assert hinted_ids() == [kept.pk]


@pytest.mark.django_db(transaction=True)
def test_one_commit_is_one_task_carrying_all_its_due_rows() -> None:
    with transaction.atomic():
        first = outbox.enqueue(TOPIC, {"n": 1})
        with transaction.atomic():  # a nested block (savepoint) of the same transaction
            more = outbox.enqueue_many(TOPIC, [{"n": 2}, {"n": 3}])
        outbox.enqueue(TOPIC, {"n": 4}, delay=timedelta(minutes=5))  # delayed: the sweeper's, once due
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1
    assert hinted_ids() == [first.pk, *(row.pk for row in more)]


@pytest.mark.django_db(transaction=True)
@override_settings(OUTBOX_SWEEP_SECONDS=15)
def test_a_row_due_later_carries_no_hint_mark_and_the_sweeper_hints_it_once_due() -> None:
    with transaction.atomic():
        message = outbox.enqueue(TOPIC, {"x": 1}, delay=timedelta(minutes=5))
    message.refresh_from_db()
    assert message.enqueued_at is None
    assert hinted_ids() == []
    assert outbox.sweep()["hinted"] == 0  # not due yet
    assert outbox.sweep(now=timezone.now() + timedelta(minutes=5, seconds=1))["hinted"] == 1
    assert hinted_ids() == [message.pk]


@pytest.mark.django_db(transaction=True)
@override_settings(OUTBOX_SWEEP_SECONDS=15)
def test_a_row_due_soon_is_hinted_by_a_deferred_task_when_due() -> None:
    with transaction.atomic():
        message = outbox.enqueue(TOPIC, {"x": 1}, delay=timedelta(seconds=20))
    message.refresh_from_db()
    assert message.enqueued_at == message.available_at  # hinted as of when it is due
    task = DBTaskResult.objects.get(task_path=TASK_PATH)
    assert task.args_kwargs["args"][0] == [message.pk]
    # Not before the row is due, on a whole second: schedulers such as RQ's drop the fraction (and ran it early).
    assert task.run_after.microsecond == 0
    assert message.available_at <= task.run_after < message.available_at + timedelta(seconds=1)
    # The sweeper does not hint it again while that hint is fresh.
    assert outbox.sweep(now=message.available_at + timedelta(seconds=1))["hinted"] == 0


@pytest.mark.django_db(transaction=True)
def test_commits_while_a_task_waits_in_the_queue_add_no_task(handlers: dict[str, Any]) -> None:
    seen: list[int] = []
    outbox.register(TOPIC, lambda payload: seen.append(payload["n"]))
    for n in range(30):  # thirty commits, as thirty requests would make
        with transaction.atomic():
            outbox.enqueue(TOPIC, {"n": n})
    tasks = list(DBTaskResult.objects.filter(task_path=TASK_PATH))
    assert len(tasks) == 1  # the first commit's task, still waiting, claims the others' rows too
    assert not OutboxMessage.objects.filter(enqueued_at__isnull=True).exists()  # hinted, for the sweeper
    DBTaskResult.objects.filter(pk=tasks[0].pk).update(status="RUNNING")  # a worker took it
    assert outbox.run_batch(tasks[0].args_kwargs["args"][0], "w1") == {"done": 30}
    assert sorted(seen) == list(range(30))
    with transaction.atomic():  # the task has started: a commit now enqueues a task of its own
        late = outbox.enqueue(TOPIC, {"n": 30})
    assert DBTaskResult.objects.filter(task_path=TASK_PATH, status="READY").count() == 1
    assert hinted_ids()[-1] == late.pk


@pytest.mark.django_db(transaction=True)
def test_a_deferred_task_or_the_sweepers_hint_is_enqueued_though_a_task_waits() -> None:
    with transaction.atomic():
        outbox.enqueue(TOPIC, {"n": 1})
    with transaction.atomic():
        outbox.enqueue(TOPIC, {"n": 2}, delay=timedelta(seconds=5))
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 2
    stale = make_row(enqueued_at=timezone.now() - timedelta(hours=1))
    outbox.sweep()
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 3
    assert hinted_ids()[-1] == stale.pk


@pytest.mark.django_db(transaction=True)
def test_commit_hints_the_rows_to_the_task_queue() -> None:
    with transaction.atomic():
        message = outbox.enqueue(TOPIC, {"x": 1})
        assert hinted_ids() == []  # nothing before the commit
    assert hinted_ids() == [message.pk]
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.enqueued_at is not None


@pytest.mark.django_db(transaction=True)
def test_enqueue_many_hints_in_batches_of_100() -> None:
    with transaction.atomic():
        rows = outbox.enqueue_many(TOPIC, [{"n": n} for n in range(250)])
    assert all(row.pk for row in rows)
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 3
    assert sorted(hinted_ids()) == sorted(row.pk for row in rows)
    assert not OutboxMessage.objects.filter(enqueued_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_hint_that_cannot_be_enqueued_is_left_to_the_sweeper() -> None:
    unreachable = {"default": {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 5}}
    rq_tasks = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    with override_settings(TASKS=rq_tasks, RQ_QUEUES=unreachable), transaction.atomic():
        message = outbox.enqueue(TOPIC, {"x": 1})
    message.refresh_from_db()
    assert message.enqueued_at is None  # committed all the same, though Redis is down; the sweeper will hint it
    assert outbox.sweep()["hinted"] == 1
    assert hinted_ids() == [message.pk]


@pytest.mark.django_db
def test_delay_makes_a_row_wait() -> None:
    with transaction.atomic():
        message = outbox.enqueue(TOPIC, {"x": 1}, delay=timedelta(minutes=5))
    assert message.available_at > timezone.now() + timedelta(minutes=4)
    assert outbox.run_message(message.pk, "w1") == "skipped"


# --- claims ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_claim_is_exclusive() -> None:
    message = make_row()
    first = outbox.claim(message.pk, "worker-a")
    second = outbox.claim(message.pk, "worker-b")
    assert first is not None
    assert second is None
    assert (first.status, first.claimed_by, first.attempts) == (OutboxStatus.CLAIMED, "worker-a", 1)
    assert first.claimed_at is not None


@pytest.mark.django_db
def test_claim_refuses_rows_not_pending_or_not_yet_due() -> None:
    for status in (OutboxStatus.CLAIMED, OutboxStatus.DONE, OutboxStatus.FAILED):
        assert outbox.claim(make_row(status=status).pk, "w") is None
    later = make_row(available_at=timezone.now() + timedelta(minutes=1))
    assert outbox.claim(later.pk, "w") is None
    assert outbox.claim(999_999, "w") is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_one_row_have_one_winner() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the SQLite test database is in memory, private to one connection at a time")
    message = make_row()
    barrier = threading.Barrier(6)
    winners: list[str] = []

    def contend(name: str) -> None:
        try:
            barrier.wait()
            if outbox.claim(message.pk, name) is not None:
                winners.append(name)
        finally:
            connection.close()

    threads = [threading.Thread(target=contend, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    message.refresh_from_db()
    assert (message.claimed_by, message.attempts) == (winners[0], 1)


# --- running a row -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_run_message_success(handlers: dict[str, Any]) -> None:
    seen: list[dict[str, Any]] = []
    outbox.register(TOPIC, seen.append)
    message = make_row(payload={"report": 7})
    assert outbox.run_message(message.pk, "w1") == "done"
    assert seen == [{"report": 7}]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.DONE, 1, "")
    assert message.finished_at is not None
    # Done rows never run again.
    assert outbox.run_message(message.pk, "w1") == "skipped"
    assert len(seen) == 1


@pytest.mark.django_db
def test_run_message_retries_with_exponential_backoff(handlers: dict[str, Any]) -> None:
    def failing(payload: dict[str, Any]) -> None:
        raise Boom("SMTP server said no")

    outbox.register(TOPIC, failing)
    message = make_row()
    before = timezone.now()
    assert outbox.run_message(message.pk, "w1") == "retry"
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.last_error == "Boom: SMTP server said no"
    assert message.enqueued_at is None
    assert before + timedelta(seconds=5) <= message.available_at <= timezone.now() + timedelta(seconds=5)
    # Not due yet: a second hint right away does nothing.
    assert outbox.run_message(message.pk, "w1") == "skipped"

    make_due(message)
    before = timezone.now()
    assert outbox.run_message(message.pk, "w1") == "retry"
    message.refresh_from_db()
    assert message.attempts == 2
    assert before + timedelta(seconds=10) <= message.available_at <= timezone.now() + timedelta(seconds=10)


def test_backoff_doubles_and_is_capped_at_an_hour() -> None:
    assert [outbox.backoff(n).total_seconds() for n in range(1, 6)] == [5, 10, 20, 40, 80]
    assert outbox.backoff(0) == timedelta(seconds=5)
    assert outbox.backoff(30) == timedelta(hours=1)


@pytest.mark.django_db
@override_settings(OUTBOX_MAX_ATTEMPTS=3)
def test_run_message_fails_for_good_after_max_attempts(handlers: dict[str, Any]) -> None:
    calls: list[int] = []

    def failing(payload: dict[str, Any]) -> None:
        calls.append(1)
        raise Boom(f"attempt {len(calls)}")

    outbox.register(TOPIC, failing)
    message = make_row()
    results = []
    for _ in range(3):
        results.append(outbox.run_message(message.pk, "w1"))
        make_due(message)
    assert results == ["retry", "retry", "failed"]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (OutboxStatus.FAILED, 3, "Boom: attempt 3")
    assert message.finished_at is not None
    assert outbox.run_message(message.pk, "w1") == "skipped"
    assert len(calls) == 3


@pytest.mark.django_db
def test_a_topic_without_handler_is_retried_not_lost(handlers: dict[str, Any]) -> None:
    message = OutboxMessage.objects.create(topic="nobody.listens", payload={})
    assert outbox.run_message(message.pk, "w1") == "retry"
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert "no handler registered for topic 'nobody.listens'" in message.last_error


@pytest.mark.django_db
def test_a_worker_that_outlived_its_lease_does_not_overwrite_the_new_claim(handlers: dict[str, Any]) -> None:
    message = make_row()

    def slow(payload: dict[str, Any]) -> None:
        # While this handler runs, its lease expires and another worker takes the row.
        future = timezone.now() + timedelta(hours=1)
        assert outbox.sweep(now=future)["released"] == 1
        assert outbox.claim(message.pk, "worker-b") is not None

    outbox.register(TOPIC, slow)
    assert outbox.run_message(message.pk, "worker-a") == "lost"
    message.refresh_from_db()
    assert (message.status, message.claimed_by, message.attempts) == (OutboxStatus.CLAIMED, "worker-b", 2)


@pytest.mark.django_db
def test_a_worker_whose_claim_was_released_but_not_retaken_still_settles(handlers: dict[str, Any]) -> None:
    message = make_row()
    outbox.register(TOPIC, lambda payload: outbox.sweep(now=timezone.now() + timedelta(hours=1)))
    assert outbox.run_message(message.pk, "worker-a") == "done"
    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE


# --- batches -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_task_claims_the_other_due_rows_in_the_same_update(
    handlers: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    batches: list[list[int]] = []
    singles: list[str] = []
    outbox.register_many(TOPIC, lambda payloads: batches.append([p["n"] for p in payloads]))
    outbox.register(TOPIC, lambda payload: batches.append([payload["n"]]))
    outbox.register("test.single", lambda payload: singles.append("ran"))
    rows = [make_row(payload={"n": n}) for n in range(5)]
    other = OutboxMessage.objects.create(topic="test.single", payload={})  # a topic without batch handler
    later = make_row(payload={"n": 9}, available_at=timezone.now() + timedelta(minutes=1))
    # claim (its own row and the extra ones), read the claimed rows, settle the batch, settle the single row:
    # four statements for six rows
    with django_assert_max_num_queries(4):
        assert outbox.run_batch([rows[0].pk], "w1") == {"done": 6}
    assert batches == [[0, 1, 2, 3, 4]]
    assert singles == ["ran"]
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert {statuses[r.pk] for r in rows} == {statuses[other.pk]} == {OutboxStatus.DONE}
    assert statuses[later.pk] == OutboxStatus.PENDING
    # The tasks hinting the other rows find them done.
    assert outbox.run_batch([r.pk for r in rows[1:]], "w1", extra=0) == {"skipped": 4}


@pytest.mark.django_db(transaction=True)
def test_a_claim_that_took_all_it_could_wakes_a_task_for_the_rest(handlers: dict[str, Any]) -> None:
    outbox.register(TOPIC, lambda payload: None)
    rows = [make_row(payload={"n": n}) for n in range(7)]
    assert outbox.run_batch([], "w1", extra=3) == {"done": 3}
    assert hinted_ids() == []  # a task without rows of its own: it claims the due ones as it starts
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1
    assert outbox.run_batch([], "w1", extra=3) == {"done": 3}
    assert DBTaskResult.objects.filter(task_path=TASK_PATH).count() == 1  # the first one is still waiting
    DBTaskResult.objects.all().delete()
    assert outbox.run_batch([], "w1", extra=3) == {"done": 1}  # the last one: nothing left, no task
    assert not DBTaskResult.objects.exists()
    assert set(OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)) == {
        OutboxStatus.DONE}


@pytest.mark.django_db(transaction=True)
def test_rows_committed_by_a_running_tasks_handlers_run_in_that_task_without_a_second_task(
    handlers: dict[str, Any]
) -> None:
    seen: list[str] = []

    def first(payload: dict[str, Any]) -> None:
        seen.append("first")
        with transaction.atomic():
            outbox.enqueue("test.second", {})

    outbox.register(TOPIC, first)
    outbox.register("test.second", lambda payload: seen.append("second"))
    with transaction.atomic():
        row = outbox.enqueue(TOPIC, {})
    DBTaskResult.objects.all().delete()
    assert outbox.run_batch([row.pk], "w1") == {"done": 2}
    assert seen == ["first", "second"]
    assert not DBTaskResult.objects.exists()  # no task for the second row
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DONE}


@pytest.mark.django_db(transaction=True)
def test_rows_a_running_tasks_handlers_write_are_claimed_by_it_when_written(handlers: dict[str, Any]) -> None:
    states: list[tuple[str, str, int]] = []

    def first(payload: dict[str, Any]) -> None:
        with transaction.atomic():
            outbox.enqueue("test.second", {"n": 1})
            outbox.enqueue_many("test.second", [{"n": 2}, {"n": 3}])
            with pytest.raises(Boom), transaction.atomic():  # rolled back with its savepoint: never run
                outbox.enqueue("test.second", {"n": 99})
                raise Boom
            outbox.enqueue("test.second", {"n": 4}, delay=timedelta(hours=1))  # not due: left pending
        states.extend(OutboxMessage.objects.filter(topic="test.second", available_at__lte=timezone.now())
                      .values_list("status", "claimed_by", "attempts"))

    seen: list[int] = []
    outbox.register(TOPIC, first)
    outbox.register("test.second", lambda payload: seen.append(payload["n"]))
    row = make_row()
    with CaptureQueriesContext(connection) as queries:
        assert outbox.run_batch([row.pk], "w1", extra=0) == {"done": 4}
    # One claim and one read of claimed rows: the task's own. The follow-ups were claimed when written.
    sql = [q["sql"] for q in queries]
    assert len([q for q in sql if q.startswith("UPDATE") and """SET "status" = 'claimed'""" in q]) == 1
    assert len([q for q in sql if q.startswith("SELECT") and '"core_outboxmessage"."payload"' in q]) == 1
    assert states == [(OutboxStatus.CLAIMED, "w1", 1)] * 3
    assert seen == [1, 2, 3]
    assert sorted(OutboxMessage.objects.values_list("status", flat=True)) == [
        OutboxStatus.DONE] * 4 + [OutboxStatus.PENDING]


@pytest.mark.django_db(transaction=True)
@override_settings(OUTBOX_LEASE_SECONDS=120, OUTBOX_SWEEP_SECONDS=15)
def test_rows_written_claimed_by_a_task_that_died_are_released_when_the_lease_ends(handlers: dict[str, Any]) -> None:
    outbox._running.follow_up, outbox._running.worker = [], "dead-host:1"  # as inside a task's handler
    try:
        with transaction.atomic():
            row = outbox.enqueue(TOPIC, {})
    finally:
        outbox._running.follow_up = None  # the task died before running it
    row.refresh_from_db()
    assert (row.status, row.claimed_by) == (OutboxStatus.CLAIMED, "dead-host:1")
    assert outbox.sweep()["released"] == 0
    assert outbox.sweep(now=timezone.now() + timedelta(seconds=121)) == {"released": 1, "failed": 0, "hinted": 1}
    assert hinted_ids() == [row.pk]


@pytest.mark.django_db(transaction=True)
def test_a_chain_of_follow_ups_longer_than_the_rounds_is_released_to_other_tasks(handlers: dict[str, Any]) -> None:
    def again(payload: dict[str, Any]) -> None:
        with transaction.atomic():
            outbox.enqueue(TOPIC, {"n": payload["n"] + 1})

    outbox.register(TOPIC, again)
    row = make_row(payload={"n": 0})
    assert outbox.run_batch([row.pk], "w1", extra=0) == {"done": outbox.FOLLOW_UP_ROUNDS}
    left = OutboxMessage.objects.get(status=OutboxStatus.PENDING)
    assert (left.payload, left.claimed_by, left.attempts) == ({"n": outbox.FOLLOW_UP_ROUNDS}, "", 0)
    assert hinted_ids() == [left.pk]


@pytest.mark.django_db
def test_a_failing_batch_runs_its_rows_one_by_one_and_only_the_bad_one_retries(handlers: dict[str, Any]) -> None:
    seen: list[int] = []

    def one(payload: dict[str, Any]) -> None:
        if payload["n"] == 2:
            raise Boom("bad row")
        seen.append(payload["n"])

    def many(payloads: list[dict[str, Any]]) -> None:
        for payload in payloads:
            one(payload)

    outbox.register(TOPIC, one)
    outbox.register_many(TOPIC, many)
    rows = [make_row(payload={"n": n}) for n in range(4)]
    assert outbox.run_batch([r.pk for r in rows], "w1") == {"done": 3, "retry": 1}
    assert sorted(seen) == [0, 0, 1, 1, 3]  # the batch's partial run, then each row alone
    bad = OutboxMessage.objects.get(pk=rows[2].pk)
    assert (bad.status, bad.last_error) == (OutboxStatus.PENDING, "Boom: bad row")


@pytest.mark.django_db
@override_settings(OUTBOX_LEASE_SECONDS=120)
def test_a_row_whose_turn_comes_late_in_a_claim_renews_its_lease_or_leaves_it(handlers: dict[str, Any]) -> None:
    seen: list[int] = []
    outbox.register(TOPIC, lambda payload: seen.append(payload["n"]))
    rows = [make_row(payload={"n": n}) for n in range(3)]
    claimed = outbox.claim_many([r.pk for r in rows], "w1", extra=0)
    old = timezone.now() - timedelta(seconds=100)
    for message in claimed:
        message.claimed_at = old
    OutboxMessage.objects.filter(pk=rows[1].pk).update(claimed_by="w2")  # meanwhile released and taken by w2
    outcomes = outbox._run_claimed(claimed, "w1")
    assert outcomes == {rows[0].pk: "done", rows[1].pk: "lost", rows[2].pk: "done"}
    assert seen == [0, 2]
    assert OutboxMessage.objects.get(pk=rows[1].pk).status == OutboxStatus.CLAIMED


# --- the sweeper ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(OUTBOX_LEASE_SECONDS=120, OUTBOX_SWEEP_SECONDS=15)
def test_sweep_releases_expired_claims_only() -> None:
    now = timezone.now()
    dead = make_row(status=OutboxStatus.CLAIMED, claimed_by="dead:1", attempts=1,
                    claimed_at=now - timedelta(seconds=121), enqueued_at=now - timedelta(seconds=200))
    busy = make_row(status=OutboxStatus.CLAIMED, claimed_by="alive:2", attempts=1,
                    claimed_at=now - timedelta(seconds=30), enqueued_at=now - timedelta(seconds=40))
    result = outbox.sweep()
    assert result["released"] == 1
    dead.refresh_from_db()
    busy.refresh_from_db()
    assert dead.status == OutboxStatus.PENDING
    assert busy.status == OutboxStatus.CLAIMED
    # The released row is hinted again, straight away.
    assert hinted_ids() == [dead.pk]
    assert dead.enqueued_at is not None and dead.enqueued_at >= now


@pytest.mark.django_db
@override_settings(OUTBOX_SWEEP_SECONDS=15)
def test_sweep_rehints_due_rows_that_no_task_carries() -> None:
    now = timezone.now()
    never_hinted = make_row(enqueued_at=None)
    stale_hint = make_row(enqueued_at=now - timedelta(seconds=31))
    fresh_hint = make_row(enqueued_at=now - timedelta(seconds=5))
    not_due = make_row(enqueued_at=None, available_at=now + timedelta(minutes=1))
    done = make_row(status=OutboxStatus.DONE, enqueued_at=None)
    failed = make_row(status=OutboxStatus.FAILED, enqueued_at=None)
    result = outbox.sweep()
    assert result == {"released": 0, "failed": 0, "hinted": 2}
    assert sorted(hinted_ids()) == sorted([never_hinted.pk, stale_hint.pk])
    for row in (fresh_hint, not_due, done, failed):
        assert row.pk not in hinted_ids()
    # A second sweep right away has nothing to do: the hints are fresh now.
    assert outbox.sweep()["hinted"] == 0


@pytest.mark.django_db
@override_settings(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_LEASE_SECONDS=120)
def test_sweep_fails_a_row_whose_worker_died_on_its_last_attempt() -> None:
    """A handler that kills its worker every time must not be retried for ever."""
    now = timezone.now()
    poison = make_row(status=OutboxStatus.CLAIMED, claimed_by="dead:1", attempts=3,
                      claimed_at=now - timedelta(seconds=500))
    result = outbox.sweep(now=now)
    assert (result["failed"], result["released"], result["hinted"]) == (1, 0, 0)
    poison.refresh_from_db()
    assert poison.status == OutboxStatus.FAILED
    assert "lease expired" in poison.last_error


@pytest.mark.django_db
def test_rows_hinted_by_the_sweeper_run_once(handlers: dict[str, Any]) -> None:
    seen: list[Any] = []
    outbox.register(TOPIC, lambda payload: seen.append(payload["n"]))
    rows = [make_row(payload={"n": n}) for n in range(3)]
    outbox.sweep()
    outbox.sweep(now=timezone.now() + timedelta(minutes=5))  # a second, duplicate hint for every row
    ids = hinted_ids()
    assert sorted(ids) == sorted([row.pk for row in rows] * 2)
    results = [outbox.run_message(pk, "w1") for pk in ids]
    assert sorted(results) == ["done"] * 3 + ["skipped"] * 3
    assert sorted(seen) == [0, 1, 2]


# --- the registry -------------------------------------------------------------------------------------------------


def test_handler_registry(handlers: dict[str, Any]) -> None:
    def first(payload: dict[str, Any]) -> None: ...

    def second(payload: dict[str, Any]) -> None: ...

    assert outbox.handler_for("test.registry") is None
    outbox.register("test.registry", first)
    assert outbox.handler_for("test.registry") is first
    outbox.register("test.registry", second)  # the owner may replace its handler
    assert outbox.handler_for("test.registry") is second
    assert outbox.handler_for("test.other") is None


def test_worker_name_identifies_host_and_process() -> None:
    import os
    import socket

    assert outbox.worker_name() == f"{socket.gethostname()}:{os.getpid()}"
