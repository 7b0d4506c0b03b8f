"""Account rules: residents from an identity provider, staff roles, identity levels."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from congdanso.accounts.claims import Identity
from congdanso.accounts.errors import AccountDisabled, IdentityLevelTooLow
from congdanso.accounts.models import StaffRole, User, UserKind
from congdanso.accounts.roles import AGENCY_SCOPED, Role
from congdanso.core import audit
from congdanso.core.fields import blind_index


def _username_for(identity: Identity) -> str:
    digest = hashlib.sha256(f"{identity.issuer}\n{identity.subject}".encode()).hexdigest()[:24]
    return f"oidc-{digest}"


def sign_in_resident(identity: Identity, *, request: HttpRequest | None = None) -> User:
    """Find or create the resident keyed on (issuer, sub) and refresh what the provider vouches for.

    A deactivated account stays out (``AccountDisabled``): signing it in would only bounce the browser back to the
    provider, since Django treats an inactive user as anonymous on the next request. Two first logins of the same
    person at once both try to create the account: the loser of the unique constraint retries and finds it.
    """
    try:
        return _sign_in_resident(identity, request)
    except IntegrityError:
        return _sign_in_resident(identity, request)


@transaction.atomic
def _sign_in_resident(identity: Identity, request: HttpRequest | None) -> User:
    user = (
        User.objects.select_for_update()
        .filter(oidc_issuer=identity.issuer, oidc_subject=identity.subject)
        .first()
    )
    created = user is None
    if user is not None and not user.is_active:
        raise AccountDisabled(user_id=user.pk)
    if user is None:
        user = User(
            username=_username_for(identity), kind=UserKind.CITIZEN,
            oidc_issuer=identity.issuer, oidc_subject=identity.subject,
        )
        user.set_unusable_password()
    user.full_name = identity.full_name or user.full_name
    if identity.personal_id:
        user.personal_id = identity.personal_id
        user.personal_id_index = blind_index(identity.personal_id)
    user.birth_date = identity.birth_date or user.birth_date
    user.identity_level = identity.level
    user.account_type = identity.account_type or user.account_type
    user.identity_verified_at = timezone.now()
    user.last_login = timezone.now()
    user.save()
    audit.record("account.resident_created" if created else "account.resident_signed_in", actor=user, obj=user,
                 request=request, issuer=identity.issuer, level=identity.level)
    return user


def find_resident_by_personal_id(personal_id: str) -> User | None:
    return User.objects.filter(personal_id_index=blind_index(personal_id), kind=UserKind.CITIZEN).first()


def require_identity_level(user: User, level: int) -> None:
    if not user.is_authenticated or user.identity_level < level:
        raise IdentityLevelTooLow(level)


def roles_of(user: User) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_cache", None)
    if cached is None:
        cached = set(StaffRole.objects.filter(user=user).values_list("role", flat=True))
        user._role_cache = cached  # type: ignore[attr-defined]
    return cached


def has_role(user: User, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles)) or (user.is_authenticated and user.is_superuser)


def agency_ids_of(user: User) -> set[int]:
    """The agencies whose work this staff member may see. City admins see every agency (None means all)."""
    return set(
        StaffRole.objects.filter(user=user, role__in=list(AGENCY_SCOPED), agency__isnull=False)
        .values_list("agency_id", flat=True)
    )


def sees_all_agencies(user: User) -> bool:
    return has_role(user, Role.CITY_ADMIN)


@transaction.atomic
def create_staff_member(
    *, username: str, full_name: str, password: str, roles: list[tuple[str, int | None]], actor: object = None
) -> User:
    """A staff account with its roles; the second factor is enrolled at first sign-in."""
    from django.contrib.auth.password_validation import validate_password

    user = User(username=username, full_name=full_name, kind=UserKind.STAFF)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    for role, agency_id in roles:
        if role in AGENCY_SCOPED and agency_id is None:
            raise ValueError(f"role {role} needs an agency")
        StaffRole.objects.create(user=user, role=role, agency_id=agency_id)
    audit.record("account.staff_created", actor=actor, obj=user, roles=[r for r, _a in roles])
    return user


def remember_language(user: User, code: str) -> bool:
    """Store the language ``user`` chose (one of ``settings.LANGUAGES``) on the account; notifications are written
    in it. Returns whether it changed."""
    from django.conf import settings

    code = (code or "").split("-")[0].lower()
    if code not in {c for c, _name in settings.LANGUAGES} or code == user.preferred_language:
        return False
    User.objects.filter(pk=user.pk).update(preferred_language=code)
    user.preferred_language = code
    return True
