"""Direction controls: refused where editors type, isolated where a source says them.

An override such as U+202E makes text display in an order other than the one it is written in
("Trojan Source"). Typed text (claims, names, slugs...) refuses it at every door; a source's own
words keep theirs, and every page that shows them isolates them so they cannot reorder the page.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.models import Claim, Speaker
from tests.hostile import (
    API,
    PAGES,
    PAYLOADS,
    RLO,
    admin_url,
    api_as,
    build_hostile_ledger,
    fresh_throttle,  # noqa: F401 (autouse)
    parse,
)

pytestmark = pytest.mark.django_db


def test_a_direction_override_in_typed_text_is_refused_at_every_door(client, editor, superuser):
    with pytest.raises(ValidationError) as refused:
        services.claim_create(text=f"Putin said {RLO}eurt si siht", by=editor)
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in refused.value.message_dict["text"][0]

    api = api_as(editor).post(f"{API}/claims/", {"text": f"He {RLO}deid."}, format="json")
    assert api.status_code == 400 and "U+202E" in api.json()["text"][0]

    slug = api_as(editor).post(f"{API}/claims/", {"text": "Ok.", "slug": f"a{RLO}b"}, format="json")
    assert slug.status_code == 400 and "slug" in slug.json()

    client.force_login(superuser)
    form = client.post(
        admin_url("speaker_add"), {"name": f"Bob{RLO}", "slug": "bob", "kind": "person"}
    )
    assert form.status_code == 200 and "U+202E" in form.content.decode()
    assert not Claim.objects.exists() and not Speaker.objects.exists()


def test_a_source_keeps_its_own_direction_controls_and_pages_isolate_them(
    client, editor, reviewer, superuser
):
    payload = PAYLOADS["rtl-override-in-source"]
    ledger = build_hostile_ledger(payload, editor, reviewer)
    assert RLO in ledger.source.text and RLO in ledger.source.excerpts.get().text
    client.force_login(superuser)

    leaks = []
    for page, (kind, _, address) in PAGES.items():
        # The browsable API shows the raw JSON, the source's words in it as they are.
        if kind not in ("html", "admin") or "?format=api" in address(ledger):
            continue
        shown = client.get(address(ledger)).content.decode()
        leaks += [f"{page}: {leak}" for leak in parse(shown).override_leaks]

    assert leaks == [], "\n".join(leaks)
