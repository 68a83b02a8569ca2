"""Every write to the ledger, from every door: keyword-only, typed, atomic, with history."""

from claims.services.claims import *  # noqa: F403
from claims.services.claims import CLAIM_CONTENT_FIELDS, check_editable, unique_slug  # noqa: F401
