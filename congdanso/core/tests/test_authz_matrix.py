"""The authorisation matrix (issue 9 "Keep it fixed", DESIGN.md convention 13): every resident and staff URL of the
URLconf × every role, with the expected answer in ONE table (``MATRIX`` below).

Roles (columns): ``anon``ymous; ``no_2fa``, a staff member who passed the password step but not the second
factor; two residents, ``reporter`` (filed the report whose identity is hidden from the agency) and ``resident``
(anyone else); officers ``off_a``/``off_b`` and agency admins ``adm_a``/``adm_b`` of agency A (the reports' agency)
and of agency B; ``grant``, an officer of agency A to whom the DPO granted sight of the hidden identity; the
``city`` admin; an ``editor``; the data protection officer ``dpo``. Every cell is one request on a fresh database,
and its answer is classed:

    ok     2xx, or a redirect that is not to a login page and carries no error message (the action was done), or
           400/409/422 (past the authorisation check: the input or the state was refused, not the person)
    login  a redirect to a login page (resident VNeID login, staff login, admin login)
    401    the JSON API's "not signed in"
    403    403, or an HTML redirect back with an error message (how a page says "not allowed" to a person)
    404    404 (or such a redirect with an error message: an HTML page says "not found" the same way)

Hidden identity: on top of the status, no page or API answer may carry the hidden reporter's name, phone or e-mail
to anyone but the reporter and the DPO (``IDENTITY_SEERS``).

A cell marked with ``!`` is today's defect: the expectation is the correct behaviour and the cell is
``xfail(strict=True)`` with the issue item in ``KNOWN_DEFECTS``, so it fails loudly once fixed, and the mark goes.

A new URL without a row fails ``test_every_url_has_a_row``; only ``NOT_IN_MATRIX`` is skipped, each with a reason.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.messages import constants as message_levels
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from congdanso.accounts.models import IdentityLevel, StaffRole, User, UserKind
from congdanso.accounts.roles import Role
from congdanso.agencies.models import Agency, AgencyKind, Category, Unit, UnitKind
from congdanso.dossiers import files as dossier_files
from congdanso.dossiers import services as dossier_services
from congdanso.dossiers.models import DossierDraft, DossierFile, DraftFile
from congdanso.notifications.models import Notification
from congdanso.procedures.models import Procedure, ProcedureDocument
from congdanso.reports import services as report_services
from congdanso.reports.models import CategoryAttribute, IdentityGrant, Report, ReportPhoto, ResponseTemplate
from congdanso.reports.photos import Upload
from congdanso.reports.states import Status
from congdanso.testing.factories import make_procedure

ROLES = ("anon", "no_2fa", "reporter", "resident", "off_a", "grant", "off_b", "adm_a", "adm_b", "city", "editor",
         "dpo")

OIDC_PROVIDER = "https://sso.vneid.example"
HIDDEN_NAME = "Hoàng Thị Kín Danh"
HIDDEN_PHONE = "0909123456"
HIDDEN_EMAIL = "kin.danh@example.vn"
IDENTITY_SEERS = {"reporter", "grant", "dpo"}
VISIBLE_NAME = "Nguyễn Thị Lan"  # reporter of the report whose identity is not hidden
# Rows whose page must show a reporter's name to exactly these roles (the identity rules work, not just deny).
MUST_SHOW: dict[str, tuple[str, set[str]]] = {
    "reports_staff:detail[reveal-hidden]": (HIDDEN_NAME, {"grant", "dpo"}),
    "reports_staff:detail[reveal-visible]": (VISIBLE_NAME, {"off_a", "grant", "adm_a", "city", "dpo"}),
}

# --- THE TABLE ----------------------------------------------------------------------------------------------------
# Row keys: URL name, then [variant] when one URL is probed in several situations (see REQUESTS). Columns: ROLES.
# "!" after a cell: the expectation is right and today's code is wrong (KNOWN_DEFECTS says which issue item).
MATRIX = """
row                                     anon  no_2fa reporter resident off_a grant off_b adm_a adm_b city  editor dpo
web:home                                ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:me                                  login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:cases                               login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:manifest                            ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:service_worker                      ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:offline                             ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:coming                              ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:signed_out                          ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:privacy                             ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:terms                               ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:contact                             ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
web:accessibility                       ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
set_language                            ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
accounts:oidc_login                     ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
accounts:oidc_callback                  ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
accounts:logout                         ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
accounts:draft_owner                    ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
accounts:staff_login                    ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
accounts:staff_otp                      login ok     login    login    login login login login login login login  login
accounts:staff_otp_enrol                login ok     login    login    login login login login login login login  login
accounts:staff_logout                   login login  login    login    login login login login login login login  login
reports:list                            ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:new                             login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:mine                            login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:nearby                          ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:place                           ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:lookup[public]                  ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:lookup[moderated]               404   404    404      404      ok    ok    404   ok    404   ok    404    404
reports:sent[hidden-identity]           login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:sent[moderated]                 login login  404      404      ok    ok    404   ok    404   ok    404    404
reports:detail[hidden-identity]         ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:detail[moderated]               404   404    404      404      ok    ok    404   ok    404   ok    404    404
reports:photo[public]                   ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:photo[moderated]                404   404    404      404      ok    ok    404   ok    404   ok    404    404
reports:thumb[public]                   ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:confirm                         login login  ok       403      403   403   403   403   403   403   403    403
reports:dispute                         login login  ok       403      403   403   403   403   403   403   403    403
reports:follow[public]                  login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
reports:follow[moderated]               login login  404      404      404   404   404   404   404   404   404    404
reports_staff:queue                     login login  login    login    ok    ok    ok    ok    ok    ok    ok     ok
reports_staff:bulk_assign               login login  login    login    ok    ok    403   ok    403   ok    403    403
reports_staff:bulk_assign[next-offsite] login login  login    login    ok    ok    403   ok    403   ok    403    403
reports_staff:on_behalf                 login login  login    login    ok    ok    ok    ok    ok    ok    ok     ok
reports_staff:call_recorded             login login  login    login    ok    ok    404   ok    404   ok    404    ok
reports_staff:photo                     login login  login    login    ok    ok    404   ok    404   ok    ok     404
reports_staff:moderation                login login  login    login    404   404   404   404   404   ok    ok     404
reports_staff:moderate                  login login  login    login    404   404   404   404   404   ok    ok     404
reports_staff:detail[hidden-identity]   login login  login    login    ok    ok    404   ok    404   ok    404    ok
reports_staff:detail[reveal-hidden]     login login  login    login    ok    ok    404   ok    404   ok    404    ok
reports_staff:detail[reveal-visible]    login login  login    login    ok    ok    404   ok    404   ok    404    ok
reports_staff:act[note]                 login login  login    login    ok    ok    404   ok    404   ok    404    403
reports_staff:act[grant]                login login  login    login    403   403   404   403   404   403   404    ok
reports_staff:act[merge-other-agency]   login login  login    login    403   403   404   403   404   ok    404    403
reports_staff:questions                 login login  login    login    403   403   403   ok    ok    ok    403    403
reports_staff:question_add              login login  login    login    403   403   403   ok    ok    ok    403    403
reports_staff:question_edit             login login  login    login    403   403   403   ok    404   ok    403    403
reports_staff:question_delete           login login  login    login    403   403   403   ok    404   ok    403    403
reports_staff:templates                 login login  login    login    403   403   403   ok    ok    ok    403    403
reports_staff:template_add              login login  login    login    403   403   403   ok    ok    ok    403    403
reports_staff:template_edit             login login  login    login    403   403   403   ok    404   ok    403    403
reports_staff:template_delete           login login  login    login    403   403   403   ok    404   ok    403    403
backoffice:home                         login login  login    login    ok    ok    ok    ok    ok    ok    ok     ok
procedures:list                         ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
procedures:detail                       ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
procedures:detail[inactive]             404   404    404      404      404   404   404   404   404   404   404    404
dossiers:lookup                         ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
dossiers:token                          ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
dossiers:detail                         login login  ok       404      ok    ok    404   ok    404   ok    404    404
dossiers:receipt                        login login  ok       404      ok    ok    404   ok    404   ok    404    404
dossiers:rate                           login login  ok       404      404   404   404   404   404   404   404    404
dossiers:stats                          ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
dossiers:apply                          login login  ok       ok       403   403   403   403   403   403   403    403
dossiers:apply_documents                login login  ok       ok       403   403   403   403   403   403   403    403
dossiers:apply_review                   login login  ok       ok       403   403   403   403   403   403   403    403
dossiers:apply_discard                  login login  ok       ok       403   403   403   403   403   403   403    403
dossiers:draft_file                     login login  ok       404      404   404   404   404   404   404   404    404
dossiers:submitted                      login login  ok       404      404   404   404   404   404   404   404    404
dossiers:supplement                     login login  ok       404      404   404   404   404   404   404   404    404
dossiers:withdraw                       login login  ok       404      404   404   404   404   404   404   404    404
dossiers:file                           login login  ok       404      ok    ok    404   ok    404   ok    404    404
dossiers_staff:list                     login login  login    login    ok    ok    ok    ok    ok    ok    ok     ok
dossiers_staff:detail                   login login  login    login    ok    ok    404   ok    404   ok    404    404
dossiers_staff:act[note]                login login  login    login    ok    ok    404   ok    404   ok    404    404
notifications:inbox                     login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
notifications:open                      login login  ok       404      404   404   404   404   404   404   404    404
notifications:read_all                  login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
notifications:badge                     login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
notifications:preferences               login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
notifications:contact_send_code         login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
notifications:contact_confirm           login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
notifications:contact_remove            login login  ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
notifications:staff_announce            login login  login    login    404   404   404   ok    ok    ok    404    404
notifications:staff_deliveries[hidden]  login login  login    login    ok    ok    404   ok    404   ok    404    ok
notifications:staff_deliveries[visible] login login  login    login    ok    ok    404   ok    404   ok    404    ok
admin:index                             login login  login    login    login login login login login login login  login
api-v1:openapi-json                     ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:openapi-view                     ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:me                               401   401    ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:reports_list                     ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:create                           401   401    ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:reports_geojson                  ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:reports_map                      ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:nearby                           ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:reports_detail[hidden-identity]  ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:reports_detail[moderated]        404   404    404      404      404   404   404   404   404   404   404    404
api-v1:timeline                         ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:follow                           401   401    ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:inbox                            401   401    ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:notifications_unread             401   401    ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:notifications_read         401   401    ok       404      404   404   404   404   404   404   404    404
api-v1:read_all                         401   401    ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:public_key                       ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:push_subscribe                   401   401    ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:push_unsubscribe                 401   401    ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:receipt                          ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:my_cases                         401   401    ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:dossiers_create                  401   401    401      401      401   401   401   401   401   401   401    401
api-v1:dossiers_detail                  401   401    401      401      401   401   401   401   401   401   401    401
api-v1:dossiers_lookup                  ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:dossiers_event                   401   401    401      401      401   401   401   401   401   401   401    401
api-v1:dossiers_import                  401   401    401      401      401   401   401   401   401   401   401    401
api-v1:procedures_list                  ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:procedures_fields                ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:procedures_detail                ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
api-v1:procedures_detail[inactive]      404   404    404      404      404   404   404   404   404   404   404    404
open311:root                            ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
open311:discovery                       ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
open311:services                        ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
open311:service                         ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
open311:requests                        ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
open311:request[hidden-identity]        ok    ok     ok       ok       ok    ok    ok    ok    ok    ok    ok     ok
open311:request[moderated]              404   404    404      404      404   404   404   404   404   404   404    404
open311:token                           404   404    404      404      404   404   404   404   404   404   404    404
"""

KNOWN_DEFECTS: dict[str, str] = {}

# URL names left out of the matrix, each with its reason. Keep this short: everything else needs a row.
NOT_IN_MATRIX: dict[str, str] = {
    "healthz": "load-balancer probe: a constant body, no session, no data (core/tests/test_probes.py)",
    "readyz": "readiness probe: service status only, no personal data (core/tests/test_probes.py)",
    "api-v1:api-root": "django-ninja's internal root name, not served as a page of its own",
    "devidp-choose": "development identity provider, off in production (accounts/tests/test_oidc_login.py)",
    "oauth2_provider:*": "development identity provider's OAuth endpoints, off in production",
    "admin:*": "Django admin pages: every one is behind AdminSite.admin_view (superuser + second factor); the "
               "admin:index row checks that gate for every role",
}


@dataclass
class World:
    agency_a: Agency
    agency_b: Agency
    users: dict[str, User]
    hidden: Report  # agency A, reporter hid their identity, resolved (the reporter may confirm or dispute)
    visible: Report  # agency A, identity visible to the agency, open, one public photo
    moderated: Report  # agency A, hidden from the public by moderation, one photo
    other: Report  # agency B, open
    public_photo: ReportPhoto
    moderated_photo: ReportPhoto
    notification: Notification  # the reporter's, about the hidden report
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Probe:
    method: str
    path: Callable[[World], str]
    data: Callable[[World], Any] | None = None
    json: bool = False  # send the body as JSON
    accept_json: bool = False  # ask the page for a JSON answer (citizen actions answer 403/404 instead of a message)
    headers: dict[str, str] = field(default_factory=dict)


def _get(path: Callable[[World], str]) -> Probe:
    return Probe("GET", path)


SUBSCRIPTION = {"endpoint": "https://push.example.vn/send/abc", "keys": {
    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
    "auth": "tBHItJI5svbpez7KI4CCXg"}}

REQUESTS: dict[str, Probe] = {
    "web:home": _get(lambda w: reverse("web:home")),
    "web:me": _get(lambda w: reverse("web:me")),
    "web:signed_out": _get(lambda w: reverse("web:signed_out")),
    "web:privacy": _get(lambda w: reverse("web:privacy")),
    "web:terms": _get(lambda w: reverse("web:terms")),
    "web:contact": _get(lambda w: reverse("web:contact")),
    "web:accessibility": _get(lambda w: reverse("web:accessibility")),
    "web:cases": _get(lambda w: reverse("web:cases")),
    "web:manifest": _get(lambda w: reverse("web:manifest")),
    "web:service_worker": _get(lambda w: reverse("web:service_worker")),
    "web:offline": _get(lambda w: reverse("web:offline")),
    "web:coming": _get(lambda w: reverse("web:coming", args=["canh-bao"])),
    "set_language": Probe("POST", lambda w: reverse("set_language"), lambda w: {"language": "en", "next": "/"}),
    "accounts:oidc_login": _get(lambda w: reverse("accounts:oidc_login") + "?next=/"),
    "accounts:oidc_callback": _get(lambda w: reverse("accounts:oidc_callback") + "?code=x&state=forged"),
    "accounts:logout": Probe("POST", lambda w: reverse("accounts:logout")),
    "accounts:draft_owner": _get(lambda w: reverse("accounts:draft_owner")),
    "accounts:staff_login": _get(lambda w: reverse("accounts:staff_login")),
    "accounts:staff_otp": _get(lambda w: reverse("accounts:staff_otp")),
    "accounts:staff_otp_enrol": _get(lambda w: reverse("accounts:staff_otp_enrol")),
    "accounts:staff_logout": Probe("POST", lambda w: reverse("accounts:staff_logout")),
    "reports:list": _get(lambda w: reverse("reports:list")),
    "reports:new": _get(lambda w: reverse("reports:new")),
    "reports:mine": _get(lambda w: reverse("reports:mine")),
    "reports:nearby": _get(lambda w: reverse("reports:nearby") + f"?category={w.hidden.category.code}"
                           f"&lat={w.hidden.lat}&lon={w.hidden.lon}"),
    "reports:place": _get(lambda w: reverse("reports:place") + f"?lat={w.hidden.lat}&lon={w.hidden.lon}"),
    "reports:lookup[public]": _get(lambda w: reverse("reports:lookup") + f"?ma={w.visible.code.lower()}"),
    "reports:lookup[moderated]": _get(lambda w: reverse("reports:lookup") + f"?ma={w.moderated.code}"),
    "reports:sent[hidden-identity]": _get(lambda w: reverse("reports:sent", args=[w.hidden.code])),
    "reports:sent[moderated]": _get(lambda w: reverse("reports:sent", args=[w.moderated.code])),
    "reports:detail[hidden-identity]": _get(lambda w: reverse("reports:detail", args=[w.hidden.code])),
    "reports:detail[moderated]": _get(lambda w: reverse("reports:detail", args=[w.moderated.code])),
    "reports:photo[public]": _get(lambda w: reverse("reports:photo", args=[w.public_photo.pk])),
    "reports:photo[moderated]": _get(lambda w: reverse("reports:photo", args=[w.moderated_photo.pk])),
    "reports:thumb[public]": _get(lambda w: reverse("reports:thumb", args=[w.public_photo.pk])),
    "reports:confirm": Probe("POST", lambda w: reverse("reports:confirm", args=[w.hidden.code]), accept_json=True),
    "reports:dispute": Probe("POST", lambda w: reverse("reports:dispute", args=[w.hidden.code]),
                             lambda w: {"reason": "Ổ gà vẫn còn nguyên."}, accept_json=True),
    "reports:follow[public]": Probe("POST", lambda w: reverse("reports:follow", args=[w.visible.code]),
                                    lambda w: {"me_too": "1"}, accept_json=True),
    "reports:follow[moderated]": Probe("POST", lambda w: reverse("reports:follow", args=[w.moderated.code]),
                                       accept_json=True),
    "reports_staff:queue": _get(lambda w: reverse("reports_staff:queue")),
    "reports_staff:bulk_assign": Probe("POST", lambda w: reverse("reports_staff:bulk_assign"),
                                       lambda w: {"assignee": w.users["off_a"].pk, "report": [w.visible.pk]}),
    "reports_staff:bulk_assign[next-offsite]": Probe(
        "POST", lambda w: reverse("reports_staff:bulk_assign"),
        lambda w: {"assignee": w.users["off_a"].pk, "report": [w.visible.pk], "next": "https://evil.example/"}),
    "reports_staff:on_behalf": _get(lambda w: reverse("reports_staff:on_behalf")),
    "reports_staff:call_recorded": _get(lambda w: reverse("reports_staff:call_recorded", args=[w.extra["call"].pk])),
    "reports_staff:photo": Probe("POST", lambda w: reverse("reports_staff:photo", args=[w.public_photo.pk]),
                                 lambda w: {"action": "hide", "reason": "Che biển số xe"}),
    "reports_staff:moderation": _get(lambda w: reverse("reports_staff:moderation")),
    "reports_staff:moderate": _get(lambda w: reverse("reports_staff:moderate", args=[w.hidden.pk])),
    "reports_staff:detail[hidden-identity]": _get(lambda w: reverse("reports_staff:detail", args=[w.hidden.pk])),
    "reports_staff:detail[reveal-hidden]": _get(
        lambda w: reverse("reports_staff:detail", args=[w.hidden.pk]) + "?identity=1"),
    "reports_staff:detail[reveal-visible]": _get(
        lambda w: reverse("reports_staff:detail", args=[w.visible.pk]) + "?identity=1"),
    "reports_staff:act[note]": Probe("POST", lambda w: reverse("reports_staff:act", args=[w.hidden.pk, "note"]),
                                     lambda w: {"text": "Đã liên hệ đội duy tu."}),
    "reports_staff:act[grant]": Probe(
        "POST", lambda w: reverse("reports_staff:act", args=[w.hidden.pk, "grant"]),
        lambda w: {"grantee": w.users["off_a"].pk, "reason": "Cần gọi lại người phản ánh."}),
    "reports_staff:questions": _get(lambda w: reverse("reports_staff:questions")),
    "reports_staff:question_add": _get(lambda w: reverse("reports_staff:question_add")),
    "reports_staff:question_edit": _get(lambda w: reverse("reports_staff:question_edit",
                                                          args=[w.extra["question"].pk])),
    "reports_staff:question_delete": _get(lambda w: reverse("reports_staff:question_delete",
                                                            args=[w.extra["question"].pk])),
    "reports_staff:templates": _get(lambda w: reverse("reports_staff:templates")),
    "reports_staff:template_add": _get(lambda w: reverse("reports_staff:template_add")),
    "reports_staff:template_edit": _get(lambda w: reverse("reports_staff:template_edit",
                                                          args=[w.extra["template"].pk])),
    "reports_staff:template_delete": _get(lambda w: reverse("reports_staff:template_delete",
                                                            args=[w.extra["template"].pk])),
    "reports_staff:act[merge-other-agency]": Probe(
        "POST", lambda w: reverse("reports_staff:act", args=[w.visible.pk, "merge"]),
        lambda w: {"into": w.other.code}),
    "backoffice:home": _get(lambda w: reverse("backoffice:home")),
    "dossiers:lookup": _get(lambda w: reverse("dossiers:lookup") + "?ma=" + w.extra["dossier"].code),
    "dossiers:token": _get(lambda w: reverse("dossiers:token", args=[w.extra["dossier"].lookup_token])),
    "dossiers:detail": _get(lambda w: reverse("dossiers:detail", args=[w.extra["dossier"].code])),
    "dossiers:receipt": _get(lambda w: reverse("dossiers:receipt", args=[w.extra["dossier"].code])),
    "dossiers:rate": _get(lambda w: reverse("dossiers:rate", args=[w.extra["dossier"].code])),
    "dossiers:stats": _get(lambda w: reverse("dossiers:stats")),
    "dossiers:apply": _get(lambda w: reverse("dossiers:apply", args=[w.extra["procedure"].code])),
    "dossiers:apply_documents": _get(lambda w: reverse("dossiers:apply_documents", args=[w.extra["procedure"].code])),
    "dossiers:apply_review": _get(lambda w: reverse("dossiers:apply_review", args=[w.extra["procedure"].code])),
    "dossiers:apply_discard": Probe("POST", lambda w: reverse("dossiers:apply_discard",
                                                              args=[w.extra["procedure"].code])),
    "dossiers:draft_file": _get(lambda w: reverse("dossiers:draft_file", args=[w.extra["procedure"].code,
                                                                               w.extra["draft_file"].pk])),
    "dossiers:submitted": _get(lambda w: reverse("dossiers:submitted", args=[w.extra["dossier"].code])),
    "dossiers:supplement": Probe("POST", lambda w: reverse("dossiers:supplement", args=[w.extra["dossier"].code])),
    "dossiers:withdraw": _get(lambda w: reverse("dossiers:withdraw", args=[w.extra["dossier"].code])),
    "dossiers:file": _get(lambda w: reverse("dossiers:file", args=[w.extra["dossier"].code,
                                                                   w.extra["dossier_file"].pk])),
    "dossiers_staff:list": _get(lambda w: reverse("dossiers_staff:list")),
    "dossiers_staff:detail": _get(lambda w: reverse("dossiers_staff:detail", args=[w.extra["dossier"].code])),
    "dossiers_staff:act[note]": Probe("POST", lambda w: reverse("dossiers_staff:act",
                                                                args=[w.extra["dossier"].code, "note"]),
                                      lambda w: {"message": "Đã gọi điện cho người nộp."}),
    "procedures:list": _get(lambda w: reverse("procedures:list") + "?q=dang+ky+khai+sinh"),
    "procedures:detail": _get(lambda w: reverse("procedures:detail", args=[w.extra["procedure"].code])),
    "procedures:detail[inactive]": _get(lambda w: reverse("procedures:detail",
                                                          args=[w.extra["withdrawn_procedure"].code])),
    "notifications:inbox": _get(lambda w: reverse("notifications:inbox")),
    "notifications:open": _get(lambda w: reverse("notifications:open", args=[w.notification.pk])),
    "notifications:read_all": Probe("POST", lambda w: reverse("notifications:read_all")),
    "notifications:badge": _get(lambda w: reverse("notifications:badge")),
    "notifications:preferences": _get(lambda w: reverse("notifications:preferences")),
    # Each person proves their own address: the answer is about the signed-in account only (no object of another).
    "notifications:contact_send_code": Probe("POST", lambda w: reverse("notifications:contact_send_code",
                                                                       args=["email"]),
                                             lambda w: {"address": "dia.chi.moi@example.vn"}),
    "notifications:contact_confirm": Probe("POST", lambda w: reverse("notifications:contact_confirm", args=["sms"]),
                                           lambda w: {"code": "123456"}),
    "notifications:contact_remove": Probe("POST", lambda w: reverse("notifications:contact_remove", args=["email"])),
    "notifications:staff_announce": _get(lambda w: reverse("notifications:staff_announce")),
    "notifications:staff_deliveries[hidden]": _get(
        lambda w: reverse("notifications:staff_deliveries", args=["reports.report", w.hidden.pk])),
    "notifications:staff_deliveries[visible]": _get(
        lambda w: reverse("notifications:staff_deliveries", args=["reports.report", w.visible.pk])),
    "admin:index": _get(lambda w: reverse("admin:index")),
    "api-v1:openapi-json": _get(lambda w: reverse("api-v1:openapi-json")),
    "api-v1:openapi-view": _get(lambda w: reverse("api-v1:openapi-view")),
    "api-v1:me": _get(lambda w: reverse("api-v1:me")),
    "api-v1:reports_list": _get(lambda w: reverse("api-v1:reports_list")),
    "api-v1:create": Probe("POST", lambda w: reverse("api-v1:create"), lambda w: {
        "category": w.hidden.category.code, "description": "Cây đổ chắn ngang đường.", "lat": "10.7769",
        "lon": "106.7031"}),
    "api-v1:reports_geojson": _get(lambda w: reverse("api-v1:reports_geojson")),
    "api-v1:reports_map": _get(lambda w: reverse("api-v1:reports_map") + "?bbox=106.6,10.7,106.8,10.9&zoom=16"),
    "api-v1:nearby": _get(lambda w: reverse("api-v1:nearby") + f"?category={w.hidden.category.code}"
                          f"&lat={w.hidden.lat}&lon={w.hidden.lon}"),
    "api-v1:reports_detail[hidden-identity]": _get(lambda w: reverse("api-v1:reports_detail", args=[w.hidden.code])),
    "api-v1:reports_detail[moderated]": _get(lambda w: reverse("api-v1:reports_detail", args=[w.moderated.code])),
    "api-v1:timeline": _get(lambda w: reverse("api-v1:timeline", args=[w.hidden.code])),
    "api-v1:follow": Probe("POST", lambda w: reverse("api-v1:follow", args=[w.visible.code])),
    "api-v1:inbox": _get(lambda w: reverse("api-v1:inbox")),
    "api-v1:notifications_unread": _get(lambda w: reverse("api-v1:notifications_unread")),
    "api-v1:notifications_read": Probe("POST",
                                       lambda w: reverse("api-v1:notifications_read", args=[w.notification.pk])),
    "api-v1:read_all": Probe("POST", lambda w: reverse("api-v1:read_all")),
    "api-v1:public_key": _get(lambda w: reverse("api-v1:public_key")),
    "api-v1:push_subscribe": Probe("POST", lambda w: reverse("api-v1:push_subscribe"), lambda w: SUBSCRIPTION,
                                   json=True),
    "api-v1:push_unsubscribe": Probe("POST", lambda w: reverse("api-v1:push_unsubscribe"),
                                     lambda w: {"endpoint": SUBSCRIPTION["endpoint"]}, json=True),
    "api-v1:my_cases": _get(lambda w: reverse("api-v1:my_cases")),
    # one-stop-shop systems only (their API key): a signed-in person is not a system
    "api-v1:dossiers_create": Probe("POST", lambda w: reverse("api-v1:dossiers_create"),
                                    lambda w: {"external_id": "x", "procedure": "1.001193", "agency": "A"}, json=True),
    "api-v1:dossiers_lookup": _get(lambda w: reverse("api-v1:dossiers_lookup") + f"?code={w.extra['dossier'].code}"),
    "api-v1:dossiers_detail": _get(lambda w: reverse("api-v1:dossiers_detail", args=[w.extra["dossier"].code])),
    "api-v1:dossiers_event": Probe("POST", lambda w: reverse("api-v1:dossiers_event", args=[w.extra["dossier"].code]),
                                   lambda w: {"event_id": "x", "status": 4}, json=True),
    "api-v1:dossiers_import": Probe("POST", lambda w: reverse("api-v1:dossiers_import"),
                                    lambda w: {"external_id": "x", "procedure": "1.001193", "agency": "A"}, json=True),
    "api-v1:procedures_list": _get(lambda w: reverse("api-v1:procedures_list") + "?q=khai+sinh&level=commune"),
    "api-v1:procedures_fields": _get(lambda w: reverse("api-v1:procedures_fields")),
    "api-v1:procedures_detail": _get(lambda w: reverse("api-v1:procedures_detail",
                                                       args=[w.extra["procedure"].code])),
    "api-v1:procedures_detail[inactive]": _get(lambda w: reverse("api-v1:procedures_detail",
                                                                args=[w.extra["withdrawn_procedure"].code])),
    "api-v1:receipt": Probe("POST", lambda w: reverse("api-v1:receipt"), lambda w: {"d": "1", "r": "forged"},
                            json=True),
    "open311:root": _get(lambda w: reverse("open311:root")),
    "open311:discovery": _get(lambda w: reverse("open311:discovery", kwargs={"fmt": "json"})),
    "open311:services": _get(lambda w: reverse("open311:services", kwargs={"fmt": "json"})),
    "open311:service": _get(lambda w: reverse("open311:service", kwargs={"code": w.hidden.category.code,
                                                                         "fmt": "json"})),
    "open311:requests": _get(lambda w: reverse("open311:requests", kwargs={"fmt": "json"})),
    "open311:request[hidden-identity]": _get(lambda w: reverse("open311:request", kwargs={"code": w.hidden.code,
                                                                                          "fmt": "xml"})),
    "open311:request[moderated]": _get(lambda w: reverse("open311:request", kwargs={"code": w.moderated.code,
                                                                                    "fmt": "json"})),
    "open311:token": _get(lambda w: reverse("open311:token", kwargs={"token": "forged-token", "fmt": "json"})),
}


def parse_matrix(text: str) -> dict[str, dict[str, tuple[str, bool]]]:
    """Row key -> role -> (expected class, known defect)."""
    lines = [line.split() for line in text.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert tuple(header[1:]) == ROLES, header
    table: dict[str, dict[str, tuple[str, bool]]] = {}
    for words in rows:
        key, cells = words[0], words[1:]
        assert len(cells) == len(ROLES), f"row {key}: {len(cells)} cells for {len(ROLES)} roles"
        assert key not in table, f"row {key} twice"
        table[key] = {role: (cell.rstrip("!"), cell.endswith("!")) for role, cell in zip(ROLES, cells, strict=True)}
    return table


TABLE = parse_matrix(MATRIX)
CLASSES = {"ok", "login", "401", "403", "404"}


def url_name_of(row: str) -> str:
    return row.split("[", 1)[0]


def _cells() -> list[Any]:
    cells = []
    for row, by_role in TABLE.items():
        for role, (expected, defect) in by_role.items():
            marks = [pytest.mark.xfail(strict=True, reason=KNOWN_DEFECTS[row])] if defect else []
            cells.append(pytest.param(row, role, expected, id=f"{row}-{role}", marks=marks))
    return cells


# --- the world every cell runs in ---------------------------------------------------------------------------------
def _person(username: str, name: str, **extra: Any) -> User:
    user = User.objects.create(username=username, kind=UserKind.CITIZEN, full_name=name,
                               oidc_issuer="https://sso.vneid.example", oidc_subject=f"{username}-sub",
                               identity_level=IdentityLevel.LEVEL2, **extra)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def _staff(username: str, name: str, role: str, agency: Agency | None) -> User:
    user = User.objects.create(username=username, kind=UserKind.STAFF, full_name=name)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    StaffRole.objects.create(user=user, role=role, agency=agency)
    return user


def _jpeg() -> Upload:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="JPEG")
    return Upload("anh.jpg", out.getvalue())


@pytest.fixture
def world(db, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "dossier_files": {
        "BACKEND": "congdanso.core.storage.PrivateFileStorage", "OPTIONS": {"location": str(tmp_path / "private")}}}
    # A configured provider (no discovery over the network): the login redirects there.
    settings.OIDC_ISSUER = OIDC_PROVIDER
    settings.OIDC_CLIENT_ID = "congdanso"
    settings.OIDC_AUTHORIZATION_ENDPOINT = f"{OIDC_PROVIDER}/auth"
    settings.OIDC_TOKEN_ENDPOINT = f"{OIDC_PROVIDER}/token"
    settings.OIDC_JWKS_URI = f"{OIDC_PROVIDER}/certs"
    from django.core.cache import cache

    cache.clear()
    ward = Unit.objects.create(code="26734", kind=UnitKind.WARD, name="Phường Sài Gòn")
    agency_a = Agency.objects.create(code="SXD", name="Sở Xây dựng", kind=AgencyKind.DEPARTMENT)
    agency_b = Agency.objects.create(code="SGTVT", name="Sở Giao thông", kind=AgencyKind.DEPARTMENT)
    category_a = Category.objects.create(code="gt-mat-duong", group="Giao thông", name="Ổ gà",
                                         default_agency=agency_a, forward_minutes=5, resolve_working_days=5)
    category_b = Category.objects.create(code="gt-den", group="Giao thông", name="Đèn tín hiệu hỏng",
                                         default_agency=agency_b, forward_minutes=5, resolve_working_days=5)
    users = {
        "reporter": _person("oidc-kin", HIDDEN_NAME, email=HIDDEN_EMAIL),
        "resident": _person("oidc-lan", VISIBLE_NAME),
        "off_a": _staff("hung.sxd", "Trần Văn Hùng", Role.AGENCY_OFFICER, agency_a),
        "grant": _staff("tuan.sxd", "Lý Minh Tuấn", Role.AGENCY_OFFICER, agency_a),
        "off_b": _staff("mai.sgtvt", "Lê Thị Mai", Role.AGENCY_OFFICER, agency_b),
        "adm_a": _staff("admin.sxd", "Phạm Quốc Huy", Role.AGENCY_ADMIN, agency_a),
        "adm_b": _staff("admin.sgtvt", "Đặng Minh Khoa", Role.AGENCY_ADMIN, agency_b),
        "city": _staff("admin.tp", "Võ Thanh Tâm", Role.CITY_ADMIN, None),
        "editor": _staff("bientap", "Bùi Ngọc Ánh", Role.EDITOR, None),
        "dpo": _staff("dpo", "Đỗ Hoàng Nam", Role.DATA_PROTECTION_OFFICER, None),
        "no_2fa": _staff("cho.otp", "Ngô Văn Chờ", Role.AGENCY_OFFICER, agency_a),
    }

    def submit(category: Category, actor: User, text: str, **extra: Any) -> Report:
        data = report_services.ReportInput(category=category.code, description=text, lat=10.7769, lon=106.7031,
                                           ward=ward.code, **extra)
        return report_services.submit_report(data, actor=actor).report

    hidden = submit(category_a, users["reporter"], "Ổ gà sâu trước chợ, xin giấu tên.", identity_hidden=True,
                    contact_phone=HIDDEN_PHONE, contact_email=HIDDEN_EMAIL)
    Report.objects.filter(pk=hidden.pk).update(status=Status.RESOLVED, resolved_at=timezone.now(), agency=agency_a)
    visible = submit(category_a, users["resident"], "Nắp cống bị vỡ trên vỉa hè.", photos=[_jpeg()])
    Report.objects.filter(pk=visible.pk).update(status=Status.IN_PROGRESS, agency=agency_a)
    moderated = submit(category_a, users["resident"], "Nội dung đã bị ẩn vì vi phạm.", photos=[_jpeg()])
    Report.objects.filter(pk=moderated.pk).update(is_hidden=True, agency=agency_a)
    other = submit(category_b, users["resident"], "Đèn giao thông không sáng.")
    Report.objects.filter(pk=other.pk).update(status=Status.IN_PROGRESS, agency=agency_b)
    for report in (hidden, visible, moderated, other):
        report.refresh_from_db()
    IdentityGrant.objects.create(report=hidden, grantee=users["grant"], granted_by=users["dpo"],
                                 reason="Cần gọi lại người phản ánh để xác minh.",
                                 expires_at=timezone.now() + dt.timedelta(days=7))
    recipient_of = {hidden.pk: users["reporter"], visible.pk: users["resident"]}
    notifications = {
        pk: Notification.objects.create(
            recipient=user, kind="report.status_changed", title="Phản ánh đã được xử lý", object_type="reports.report",
            object_id=str(pk), link=reverse("reports:detail", args=[Report.objects.get(pk=pk).code]))
        for pk, user in recipient_of.items()
    }
    extra = {  # agency A's category question and reply template (agency A's admin and the city admin manage them)
        "question": CategoryAttribute.objects.create(category=category_a, code="do-sau", description="Độ sâu (cm)",
                                                     datatype="number"),
        "template": ResponseTemplate.objects.create(category=category_a, title="Đã vá", body="Đã vá ổ gà."),
        # the public catalogue: one procedure in force, one withdrawn (no longer public)
        "procedure": make_procedure(),
        "withdrawn_procedure": make_procedure(code="1.000000", name="Thủ tục đã bãi bỏ"),
        # a call the city's hotline typed in for agency A (its confirmation: the city admin who typed it)
        "call": report_services.record_call(report_services.ReportInput(
            category=category_a.code, description="Người gọi báo cây đổ chắn đường.", ward=ward.code,
            address="Trước số 5 Lê Lợi", contact_phone="0912345678", sms_consent=True), actor=users["city"]).report,
    }
    Procedure.objects.filter(code="1.000000").update(is_active=False)
    # the reporter's dossier at agency A's desk
    extra["dossier"] = dossier_services.create_dossier(
        dossier_services.DossierInput(procedure_code=extra["procedure"].code, agency_code=agency_a.code,
                                      applicant_name="Đỗ Văn Nộp"), actor=users["off_a"], applicant=users["reporter"])
    # a document of that dossier, and a draft of the reporter's online submission with one uploaded file
    stored = dossier_files.storage().save("matrix/tk.pdf", ContentFile(b"%PDF-1.4 matrix"))
    extra["dossier_file"] = DossierFile.objects.create(
        dossier=extra["dossier"], label="Tờ khai", original_name="to-khai.pdf", storage_name=stored,
        content_type="application/pdf", size=15, sha256="0" * 64)
    draft = DossierDraft.objects.create(user=users["reporter"], procedure=extra["procedure"])
    extra["draft_file"] = DraftFile.objects.create(
        draft=draft, document=ProcedureDocument.objects.filter(case__procedure=extra["procedure"]).first(),
        original_name="nhap.pdf", storage_name=dossier_files.storage().save("matrix/nhap.pdf",
                                                                            ContentFile(b"%PDF-1.4 draft")),
        content_type="application/pdf", size=14, sha256="0" * 64)
    return World(agency_a=agency_a, agency_b=agency_b, users=users, hidden=hidden, visible=visible,
                 moderated=moderated, other=other, public_photo=visible.photos.get(),
                 moderated_photo=moderated.photos.get(), notification=notifications[hidden.pk], extra=extra)


def sign_in(client: Client, world: World, role: str) -> None:
    if role == "anon":
        return
    user = world.users[role]
    if role == "no_2fa":
        # Passed the password step, not the second factor: nothing but the code page should open.
        session = client.session
        session["staff_pending_user"] = user.pk
        session["staff_pending_at"] = timezone.now().timestamp()
        session.save()
        return
    client.force_login(user)
    if user.kind == UserKind.STAFF:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session["staff_started_at"] = time.time()
        session.save()


LOGIN_PATHS = ("/auth/vneid/login", "/auth/staff/login", "/django-admin/login/")


def classify(response: Any) -> str:
    status = response.status_code
    if status in (401, 403, 404):
        return str(status)
    if 300 <= status < 400:
        target = urlsplit(response["Location"])
        # Off-site redirects are right only towards the OpenID provider (the resident login).
        if target.netloc and target.netloc not in ("testserver", urlsplit(OIDC_PROVIDER).netloc):
            return f"offsite:{target.netloc}"
        if target.path.startswith(LOGIN_PATHS):
            return "login"
        errors = [m for m in get_messages(response.wsgi_request) if m.level >= message_levels.ERROR]
        if errors:
            return "refused"
        return "ok"
    if 200 <= status < 300:
        return "ok"
    if status in (400, 409, 422):
        return "ok"  # past the authorisation check: the input or the state was refused, not the person
    return f"status:{status}"


def matches(expected: str, actual: str) -> bool:
    if actual == "refused":
        return expected in ("403", "404")
    return expected == actual


@pytest.mark.parametrize(("row", "role", "expected"), _cells())
def test_authorisation(world: World, client: Client, row: str, role: str, expected: str) -> None:
    probe = REQUESTS[row]
    sign_in(client, world, role)
    path = probe.path(world)
    data = probe.data(world) if probe.data else None
    headers = dict(probe.headers)
    if probe.accept_json:
        headers["Accept"] = "application/json"
    if probe.method == "GET":
        response = client.get(path, headers=headers)
    elif probe.json:
        response = client.post(path, json.dumps(data), content_type="application/json", headers=headers)
    else:
        response = client.post(path, data or {}, headers=headers)
    actual = classify(response)
    assert matches(expected, actual), f"{probe.method} {path} as {role}: expected {expected}, got {actual} " \
                                      f"({response.status_code} {response.get('Location', '')})"
    body = "" if getattr(response, "streaming", False) else response.content.decode("utf-8", "replace")
    if role not in IDENTITY_SEERS:
        for secret in (HIDDEN_NAME, HIDDEN_PHONE, HIDDEN_EMAIL):
            assert secret not in body, f"{path} shows the hidden reporter's {secret!r} to {role}"
    if row in MUST_SHOW:
        name, seers = MUST_SHOW[row]
        assert (name in body) == (role in seers), f"{path}: reporter's name shown to {role}: {name in body}"


# --- the table covers the URLconf -----------------------------------------------------------------------------------
def _url_names(patterns: list[Any], namespace: str = "") -> list[str]:
    names: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            names.append(f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed {pattern.pattern}>")
    return names


def _skipped(name: str) -> bool:
    return name in NOT_IN_MATRIX or any(
        key.endswith(":*") and name.startswith(key[:-1]) for key in NOT_IN_MATRIX)


def test_every_url_has_a_row() -> None:
    names = set(_url_names(get_resolver().url_patterns))
    covered = {url_name_of(row) for row in TABLE}
    missing = sorted(name for name in names if name not in covered and not _skipped(name))
    assert not missing, "URLs without a row in the authorisation matrix (add one to MATRIX and REQUESTS): " \
                        + ", ".join(missing)
    unknown = sorted(name for name in covered if name not in names)
    assert not unknown, f"rows for URLs that no longer exist: {unknown}"
    stale = sorted(key for key in NOT_IN_MATRIX if not key.endswith(":*") and key not in names)
    assert not stale, f"NOT_IN_MATRIX names no URL: {stale}"
    assert "admin:index" in covered  # the gate in front of every skipped admin page


def test_the_table_is_well_formed() -> None:
    assert set(TABLE) == set(REQUESTS), set(TABLE) ^ set(REQUESTS)
    for row, by_role in TABLE.items():
        for role, (expected, defect) in by_role.items():
            assert expected in CLASSES, f"{row}/{role}: {expected}"
            assert not defect or row in KNOWN_DEFECTS, f"{row} is marked '!' without a KNOWN_DEFECTS entry"
    for row in KNOWN_DEFECTS:
        assert any(defect for _, defect in TABLE[row].values()), f"{row} in KNOWN_DEFECTS but no cell is marked"
    cells = len(TABLE) * len(ROLES)
    urls = len({url_name_of(row) for row in TABLE})
    assert cells >= 900 and urls >= 60, (cells, urls)  # a floor: rows are only ever added


def test_classify_tells_the_answers_apart(rf: Any) -> None:
    """The classifier is what the table is checked with: each class from a response of that shape."""
    from django.http import HttpResponse, HttpResponseRedirect

    def redirect(to: str) -> HttpResponse:
        response = HttpResponseRedirect(to)
        response.wsgi_request = rf.get("/")  # type: ignore[attr-defined]
        from django.contrib.messages.storage.cookie import CookieStorage

        response.wsgi_request._messages = CookieStorage(response.wsgi_request)
        return response

    assert classify(HttpResponse(status=200)) == "ok"
    assert classify(HttpResponse(status=409)) == "ok"
    assert classify(HttpResponse(status=403)) == "403" and classify(HttpResponse(status=404)) == "404"
    assert classify(redirect("/auth/staff/login?next=/backoffice/")) == "login"
    assert classify(redirect("/phan-anh/ABC")) == "ok"
    assert classify(redirect("https://evil.example/")) == "offsite:evil.example"
    assert classify(redirect(f"{OIDC_PROVIDER}/auth?client_id=congdanso")) == "ok"
    refused = redirect("/backoffice/phan-anh/1")
    refused.wsgi_request._messages.add(message_levels.ERROR, "Không được phép")
    assert classify(refused) == "refused" and matches("403", "refused") and not matches("ok", "refused")
    assert classify(HttpResponse(status=500)) == "status:500"
