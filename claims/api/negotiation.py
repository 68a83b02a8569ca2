from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class LedgerContentNegotiation(DefaultContentNegotiation):
    """As DRF's, but an unknown `?format=` is a 406 naming the formats there are, not a 404."""

    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            offered = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise NotAcceptable(f"Unknown format {format!r}. Formats here: {offered}.")
        return matching
