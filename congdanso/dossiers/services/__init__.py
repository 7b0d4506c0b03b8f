"""Business rules of dossiers. Every change is a ``verb_noun(..., actor=...)`` function in this package.

The package is split by family; callers import the package (``from congdanso.dossiers import services``) and use
the names re-exported here:

- ``common``: who may act, codes and deadlines, creation, the one locked transition (``_transition``) and the moves;
- ``online``: online submission by a resident — drafts, submit, supplements, files;
- ``lookup``: the public lookup by code or QR token;
- ``systems``: one-stop-shop systems (credentials, pushed dossiers);
- ``rating``: the applicant's rating (Decision 766).
"""

from congdanso.dossiers.services.common import (
    CODE_PATTERN,
    RESULT_FIELD,
    Deadline,
    DossierInput,
    add_note,
    apologise,
    can_work_on,
    create_dossier,
    deadline_of,
    due_from,
    get_dossier,
    is_applicant,
    is_code,
    link_dossiers_of,
    move_dossier,
    next_code,
    push_status,
    resident_for,
    return_result,
    withdraw_dossier,
)
from congdanso.dossiers.services.lookup import LOOKUP_WINDOW, PROOFS_PER_CODE, Lookup, look_up
from congdanso.dossiers.services.online import (
    SUPPLEMENT_FIELD,
    OnlineTarget,
    Ready,
    cases_of,
    check_draft,
    chosen_case,
    discard_draft,
    documents_of,
    get_draft,
    needs_upload,
    online_procedure,
    online_target,
    open_draft_file,
    open_file,
    save_draft,
    submit_online,
    supplement_dossier,
    supplement_request,
    ward_choices,
)
from congdanso.dossiers.services.rating import rate_dossier
from congdanso.dossiers.services.systems import (
    authenticate_system,
    create_integration_system,
    dossier_for_system,
    record_from_system,
)

__all__ = [
    "CODE_PATTERN",
    "LOOKUP_WINDOW",
    "PROOFS_PER_CODE",
    "RESULT_FIELD",
    "SUPPLEMENT_FIELD",
    "Deadline",
    "DossierInput",
    "Lookup",
    "OnlineTarget",
    "Ready",
    "add_note",
    "apologise",
    "authenticate_system",
    "can_work_on",
    "cases_of",
    "check_draft",
    "chosen_case",
    "create_dossier",
    "create_integration_system",
    "deadline_of",
    "discard_draft",
    "documents_of",
    "dossier_for_system",
    "due_from",
    "get_dossier",
    "get_draft",
    "is_applicant",
    "is_code",
    "link_dossiers_of",
    "look_up",
    "move_dossier",
    "needs_upload",
    "next_code",
    "online_procedure",
    "online_target",
    "open_draft_file",
    "open_file",
    "push_status",
    "rate_dossier",
    "record_from_system",
    "resident_for",
    "return_result",
    "save_draft",
    "submit_online",
    "supplement_dossier",
    "supplement_request",
    "ward_choices",
    "withdraw_dossier",
]
