"""Every write to organisations, accounts, memberships and tokens. Each runs in one transaction
and records its audit event."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from core.actions import create_object, update_object
from core.audit import Actor, AuditAction, diff, record, snapshot
from core.tenancy import forget_paths

from .models import ApiToken, Membership, Organisation, User


def create_organisation(actor: Actor, **values) -> Organisation:
    return create_object(actor, Organisation(**values))


def update_organisation(actor: Actor, organisation: Organisation, **values) -> Organisation:
    return update_object(actor, organisation, **values)


@transaction.atomic
def create_user(actor: Actor, *, username: str, password: str | None, organisation: Organisation,
                role: str, must_change_password: bool = True, **values) -> User:
    """A new account with its first membership. Without a password the account cannot log in
    until one is set; imported and admin-created accounts must change theirs at first login."""
    user = User(username=username, must_change_password=must_change_password, **values)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    record(actor, AuditAction.CREATE, user, organisation=organisation, changes=diff({}, snapshot(user)))
    add_membership(actor, user, organisation, role)
    return user


def update_user(actor: Actor, user: User, **values) -> User:
    return update_object(actor, user, **values)


def add_membership(actor: Actor, user: User, organisation: Organisation, role: str) -> Membership:
    membership = create_object(actor, Membership(user=user, organisation=organisation, role=role))
    forget_paths(user)
    return membership


@transaction.atomic
def remove_membership(actor: Actor, membership: Membership) -> None:
    from core.actions import delete_object

    user = membership.user
    delete_object(actor, membership)
    forget_paths(user)


@transaction.atomic
def change_password(actor: Actor, user: User, new_password: str) -> None:
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    record(actor, AuditAction.PASSWORD_CHANGE, user)


@transaction.atomic
def reset_password(actor: Actor, user: User, temporary_password: str) -> None:
    """An administrator sets a temporary password; the user must change it at next login, and
    every API token issued under the old password is revoked."""
    validate_password(temporary_password, user)
    user.set_password(temporary_password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    record(actor, AuditAction.PASSWORD_CHANGE, user, changes={"must_change_password": [False, True]})
    for token in ApiToken.objects.active().filter(user=user):
        revoke_token(actor, token)


def set_user_language(actor: Actor, user: User, language: str) -> None:
    if user.language != language:
        update_object(actor, user, language=language)


@transaction.atomic
def issue_token(actor: Actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    token, raw = ApiToken.issue(user, name=name)
    record(actor, AuditAction.TOKEN_CREATE, token)
    return token, raw


@transaction.atomic
def revoke_token(actor: Actor, token: ApiToken) -> bool:
    """Revoke once (compare-and-set, safe on both databases); False if it was already revoked."""
    now = timezone.now()
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if changed:
        token.revoked_at = now
        record(actor, AuditAction.TOKEN_REVOKE, token, changes={"revoked_at": [None, now.isoformat()]})
    return changed > 0
