"""Every write to the ledger, from every door: keyword-only, typed, atomic, with history.

    sources.py    publishers, speakers, sources, their items, excerpts (anchored quotes)
    claims.py     claims, their evidence, disputes
    workflow.py   the review steps and the four-eyes rule
    changes.py    changes to public material: proposed, approved by another reviewer
    statuses.py   statuses recomputed whenever an input of the rule changes
    publicity.py  which material readers see, and which claims a change touches
    common.py     refusals, the version check, history, slugs, system accounts
    desk.py       each person's desk settings: notification emails, when they last looked
    notifications.py  emails about review steps, sent once a step is committed
    accounts.py   deleting an account (the ledger keeps the names on its records)
    bulk.py       the generator's synthetic rows, inserted in bulk
    restore.py    a dump's rows written back exactly as exported

The edges (admin, API, pages, commands, operations) import the functions from here.
"""

from claims.services.changes import change_approve, change_propose, change_reject
from claims.services.claims import (
    CLAIM_CONTENT_FIELDS,
    DISPUTE_FIELDS,
    NotEditable,
    check_editable,
    claim_create,
    claim_delete,
    claim_update,
    dispute_create,
    dispute_delete,
    dispute_update,
    evidence_add,
    evidence_remove,
)
from claims.services.common import (
    GENERATOR,
    LEDGER_FILE_AUTHOR,
    LEDGER_FILE_REVIEWER,
    NO_VERSION_CHECK,
    EditConflict,
    NeedsReview,
    NotAllowed,
    WorkflowError,
    check_version,
    system_account,
    unique_slug,
)
from claims.services.desk import desk_preferences_update, desk_seen
from claims.services.sources import (
    EXCERPT_FIELDS,
    PUBLISHER_FIELDS,
    SOURCE_FIELDS,
    SOURCE_ITEM_FIELDS,
    SPEAKER_FIELDS,
    excerpt_create,
    excerpt_delete,
    excerpt_update,
    publisher_create,
    publisher_delete,
    publisher_for,
    publisher_update,
    source_create,
    source_delete,
    source_item_add,
    source_item_update,
    source_update,
    speaker_create,
    speaker_delete,
    speaker_update,
)
from claims.services.workflow import claim_transition, steps_for

__all__ = [
    "CLAIM_CONTENT_FIELDS",
    "DISPUTE_FIELDS",
    "EXCERPT_FIELDS",
    "GENERATOR",
    "LEDGER_FILE_AUTHOR",
    "LEDGER_FILE_REVIEWER",
    "NO_VERSION_CHECK",
    "PUBLISHER_FIELDS",
    "SOURCE_FIELDS",
    "SOURCE_ITEM_FIELDS",
    "SPEAKER_FIELDS",
    "EditConflict",
    "NeedsReview",
    "NotAllowed",
    "NotEditable",
    "WorkflowError",
    "change_approve",
    "change_propose",
    "change_reject",
    "check_editable",
    "check_version",
    "claim_create",
    "claim_delete",
    "claim_transition",
    "claim_update",
    "desk_preferences_update",
    "desk_seen",
    "dispute_create",
    "dispute_delete",
    "dispute_update",
    "evidence_add",
    "evidence_remove",
    "excerpt_create",
    "excerpt_delete",
    "excerpt_update",
    "publisher_create",
    "publisher_delete",
    "publisher_for",
    "publisher_update",
    "source_create",
    "source_delete",
    "source_item_add",
    "source_item_update",
    "source_update",
    "speaker_create",
    "speaker_delete",
    "speaker_update",
    "steps_for",
    "system_account",
    "unique_slug",
]
