"""Decision 766 rating: once per dossier, by its applicant, after it ends; every missing answer at once; the
statistics per agency and month."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from congdanso.dossiers import queries, services
from congdanso.dossiers.errors import DossierError, NotAllowed, RatingInvalid
from congdanso.dossiers.models import Dossier, Rating
from congdanso.dossiers.states import EventKind
from congdanso.dossiers.tests.conftest import desk_dossier

pytestmark = pytest.mark.django_db
ALL_GOOD = {f"c{n}": 2 for n in range(1, 10)}


@pytest.fixture
def finished(procedure: Any, officer: Any, department: Any, applicant: Any) -> Dossier:
    dossier = desk_dossier(officer, department)
    services.move_dossier(dossier.code, EventKind.FINISH, actor=officer)
    return services.return_result(dossier.code, actor=officer, result="Giấy khai sinh")


def test_the_applicant_rates_once_after_the_end(finished: Dossier, applicant: Any) -> None:
    rating = services.rate_dossier(finished.code, scores=ALL_GOOD, satisfaction="very_satisfied", actor=applicant)
    assert rating.total == 18 and rating.agency_id == finished.agency_id
    with pytest.raises(DossierError) as twice:
        services.rate_dossier(finished.code, scores=ALL_GOOD, satisfaction="satisfied", actor=applicant)
    assert twice.value.status == 409 and Rating.objects.count() == 1


def test_rating_before_the_end_is_a_conflict(procedure: Any, officer: Any, department: Any, applicant: Any) -> None:
    dossier = desk_dossier(officer, department)
    with pytest.raises(DossierError) as early:
        services.rate_dossier(dossier.code, scores=ALL_GOOD, satisfaction="satisfied", actor=applicant)
    assert early.value.status == 409 and not Rating.objects.exists()


def test_only_the_applicant_rates(finished: Dossier, citizen: Any, officer: Any) -> None:
    for someone in (citizen, officer):
        with pytest.raises(NotAllowed):
            services.rate_dossier(finished.code, scores=ALL_GOOD, satisfaction="satisfied", actor=someone)


def test_every_missing_answer_is_named(finished: Dossier, applicant: Any) -> None:
    with pytest.raises(RatingInvalid) as caught:
        services.rate_dossier(finished.code, scores={"c1": 2, "c2": 7}, satisfaction="", actor=applicant)
    assert [p.field for p in caught.value.problems] == [f"c{n}" for n in range(2, 10)] + ["satisfaction"]


def test_the_form_on_a_phone_shows_errors_and_then_thanks(client: Client, finished: Dossier, applicant: Any) -> None:
    client.force_login(applicant)
    url = reverse("dossiers:rate", args=[finished.code])
    assert 'data-testid="rate-link"' in client.get(reverse("dossiers:detail", args=[finished.code])).content.decode()
    bad = client.post(url, {"c1": "2"})
    body = bad.content.decode()
    assert bad.status_code == 400 and 'href="#q-c2"' in body and 'aria-invalid="true"' in body
    assert 'value="2" checked' in body  # the answer given is kept
    good = client.post(url, {**{k: str(v) for k, v in ALL_GOOD.items()}, "satisfaction": "satisfied",
                             "comment": "Cán bộ hướng dẫn tận tình."})
    assert good.status_code == 302 and Rating.objects.get().comment == "Cán bộ hướng dẫn tận tình."
    assert 'data-testid="already-rated"' in client.get(url).content.decode()


def test_statistics_per_agency_and_month(finished: Dossier, applicant: Any, procedure: Any, officer: Any,
                                         department: Any, client: Client) -> None:
    services.rate_dossier(finished.code, scores={**ALL_GOOD, "c7": 0}, satisfaction="satisfied", actor=applicant)
    late = desk_dossier(officer, department)
    Dossier.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    services.move_dossier(late.code, EventKind.FINISH, actor=officer)
    [row] = queries.service_stats(months=2)
    assert (row.ratings, row.satisfied_share, row.average_score) == (1, 100.0, 16.0)
    assert (row.finished, row.on_time, row.on_time_share) == (2, 1, 50.0)
    page = client.get(reverse("dossiers:stats"))
    assert page.status_code == 200 and "50,0%" in page.content.decode()
