"""An Atom feed of newly published and changed claims."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html

from claims.models import Claim
from claims.rules.typed_text import printable

FEED_LENGTH = 50


class ClaimFeed(Feed):
    """Published claims, the most recently published or changed first."""

    feed_type = Atom1Feed
    link = "/"
    subtitle = "Claims newly published or changed, each with its status and the quotes behind it."

    def title(self):
        return f"{settings.LEDGER_NAME}: claims"

    def author_name(self):
        # Atom requires an author for the feed or for every entry (RFC 4287 §4.1.1). The ledger
        # publishes every claim in its own name; the staff who edited or reviewed one are not
        # named on its page, so they are not named here. (The speaker asserted the claim; they
        # did not write the entry.)
        return settings.LEDGER_NAME

    def items(self):
        return (
            Claim.objects.published()
            .select_related("dispute", "speaker")
            .order_by("-updated_at", "-pk")[:FEED_LENGTH]
        )

    # Typed text can no longer hold control characters, but rows stored before that rule can,
    # and a single one would make the whole feed invalid XML: they are dropped here.

    def item_title(self, claim):
        return printable(f"{claim.get_status_display()}: {claim.text}")

    def item_description(self, claim):
        # Atom sends this as <summary type="html">: a reader undoes the XML escaping, then
        # renders HTML. So what users wrote is HTML-escaped here, or a name could be markup.
        question = (
            format_html(" It answers: {}", claim.dispute.question) if claim.dispute_id else ""
        )
        speaker = format_html(" Asserted by {}.", claim.speaker.name) if claim.speaker_id else ""
        return printable(
            format_html("Status: {}.{}{}", claim.get_status_display().lower(), speaker, question)
        )

    def item_pubdate(self, claim):
        return claim.published_at

    def item_updateddate(self, claim):
        return claim.updated_at
