"""What every service shares: the refusals, the version check, slugs, and saving with history."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import Truncator, slugify

# Who acts: every write names an account, a person's or a named system account's.
Actor = AbstractBaseUser

# simple-history's reason column holds 100 characters (longer is a 500 on PostgreSQL).
CHANGE_REASON_MAX_LENGTH = 100

MESSAGE_STALE = (
    "{who} changed this claim on {when}, after you opened it (you had version {expected}; it is "
    "now at version {actual}). Reload it, check the change, then try again."
)
# Who made the change, when it was the person refused: the same account, another page.
STALE_BY_YOU = "You, in another tab or window,"
# Who made the change, when its history row names no account (the account was deleted).
STALE_BY_UNKNOWN = "Someone else"


class WorkflowError(Exception):
    """A write or review step that cannot be taken; the message says why, in the user's terms."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EditConflict(WorkflowError):
    """The claim changed since the caller read it."""


class NotAllowed(WorkflowError):
    """The user may not take this step (permission or the four-eyes rule)."""


class NeedsReview(WorkflowError):
    """The change would alter what readers see of published material: it must be proposed and
    approved by another reviewer (`claims.services.changes`)."""


class NoVersionCheck:
    """The named "I have no version to check" of a caller that did not read the claim first.

    Only callers that act for the ledger as a whole use it (the curated loader, corrections
    applied on approval); every edge passes the version its user saw.
    """

    def __repr__(self):
        return "NO_VERSION_CHECK"


NO_VERSION_CHECK = NoVersionCheck()
ExpectedVersion = int | NoVersionCheck


def check_version(claim, expected_version: ExpectedVersion, *, by: Actor | None = None) -> None:
    """Refuse to act on a claim that changed since the caller read it, saying who changed it
    and when (`by` is who is refused: a change of their own was made in another window)."""
    if expected_version is NO_VERSION_CHECK:
        return
    if not isinstance(expected_version, int) or isinstance(expected_version, bool):
        raise TypeError(
            "expected_version is the version the caller read, or NO_VERSION_CHECK; "
            f"got {expected_version!r}"
        )
    if claim.version != expected_version:
        raise EditConflict(stale_message(claim, expected_version, by=by))


def stale_message(claim, expected_version: int, *, by: Actor | None) -> str:
    """The refusal of a stale version, naming the change that made the claim's current version:
    the first history row at that version (later rows at the same version are not changes)."""
    change = (
        claim.history.filter(version=claim.version)
        .order_by("history_date", "history_id")
        .values("history_user_id", "history_user__username", "history_date")
        .first()
    )
    if change is None or change["history_user_id"] is None:
        who = STALE_BY_UNKNOWN
    elif by is not None and change["history_user_id"] == by.pk:
        who = STALE_BY_YOU
    else:
        who = change["history_user__username"]
    when = timezone.localtime(change["history_date"]) if change else timezone.localtime()
    return MESSAGE_STALE.format(
        who=who,
        when=f"{when:%Y-%m-%d at %H:%M} {when.tzname()}",
        expected=expected_version,
        actual=claim.version,
    )


def change_reason(text: str) -> str:
    return Truncator(text).chars(CHANGE_REASON_MAX_LENGTH)


def save_with_history(
    instance: models.Model, *, by: Actor, reason: str = "", **save_options
) -> None:
    """Save, naming who did it and why on the history row (callers validate first)."""
    instance._history_user = by
    if reason:
        instance._change_reason = change_reason(reason)
    instance.save(**save_options)


def delete_with_history(instance: models.Model, *, by: Actor, reason: str = "") -> None:
    instance._history_user = by
    if reason:
        instance._change_reason = change_reason(reason)
    instance.delete()


def unique_slug(model, text: str, *, max_length: int = 80) -> str:
    """A slug for `text` that no row of `model` uses yet."""
    base = slugify(text)[:max_length].strip("-") or model._meta.model_name
    if base.isdigit():  # a number would read as a record id in a short link
        base = f"{model._meta.model_name}-{base}"
    slug, suffix = base, 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{suffix}"
        suffix += 1
    return slug


# How many times a new row looks for a free slug when others keep taking the one it chose.
SLUG_ATTEMPTS = 3


def insert_with_free_slug(
    instance, *, by: Actor, slug_from: str | None, exclude: list[str]
) -> None:
    """Validate and insert a new row; `slug_from` is the text its slug was made from, if any.

    Choosing a free slug and inserting the row are two statements, and on PostgreSQL someone
    saving the same words at the same moment can take the slug in between: then the next free
    one is taken, instead of failing the save with a database error. A slug the caller gave is
    checked and kept as it is.
    """
    model = type(instance)
    instance.full_clean(exclude=exclude if slug_from is None else [*exclude, "slug"])
    for attempt in range(1, SLUG_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                save_with_history(instance, by=by)
            return
        except IntegrityError:
            taken = model.objects.filter(slug=instance.slug).exists()
            if slug_from is None or not taken or attempt == SLUG_ATTEMPTS:
                raise
            instance.slug = unique_slug(model, slug_from)


def changed_fields(instance: models.Model, changes: dict) -> dict:
    """The entries of `changes` that differ from the instance's values (foreign keys by id)."""
    changed = {}
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        if field.is_relation:
            current = getattr(instance, field.attname)
            new = value.pk if isinstance(value, models.Model) else value
        else:
            current, new = getattr(instance, name), value
        if current != new:
            changed[name] = value
    return changed


def refuse_unknown_fields(changes: dict, allowed: tuple[str, ...]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"Not editable fields: {', '.join(sorted(unknown))}")


# -- system accounts ---------------------------------------------------------------------------

# The curated ledger file is written by one account and its publication approved by another:
# the file is reviewed in its pull request, and the four-eyes rule holds for it as for anyone.
LEDGER_FILE_AUTHOR = "ledger-file"
LEDGER_FILE_REVIEWER = "ledger-file-review"
GENERATOR = "ledger-generator"
SYSTEM_ACCOUNT_PERMISSIONS = {
    LEDGER_FILE_AUTHOR: ["submit_claim"],
    LEDGER_FILE_REVIEWER: ["review_claim"],
    GENERATOR: [],
}


def system_account(username: str):
    """The named account a command acts as: it cannot log in, and it holds only what it needs."""
    User = get_user_model()
    account, created = User.objects.get_or_create(
        username=username, defaults={"first_name": "System", "is_active": True}
    )
    if created:
        account.set_unusable_password()
        account.save(update_fields=["password"])
        account.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="claims",
                codename__in=SYSTEM_ACCOUNT_PERMISSIONS.get(username, []),
            )
        )
    return account
