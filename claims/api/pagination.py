from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class LedgerCursorPagination(CursorPagination):
    """Cursor pages, by default in order of last change, oldest first.

    A claim published or edited while a client walks the pages moves to the end, so a client
    that walks to the end misses nothing and sees each version of a claim once. `?ordering=`
    picks another order from `orderings`; the id breaks ties, so the order is total.
    """

    ordering = ("updated_at", "id")
    orderings = ["updated_at", "-updated_at", "published_at", "-published_at", "id", "-id"]
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering_param = "ordering"

    def get_ordering(self, request, queryset, view):
        requested = request.query_params.get(self.ordering_param)
        if not requested:
            return self.ordering
        if requested not in self.orderings:
            raise ValidationError(
                {self.ordering_param: [f"Unknown ordering. Allowed: {', '.join(self.orderings)}."]}
            )
        tie_breaker = "-id" if requested.startswith("-") else "id"
        return (requested,) if requested.lstrip("-") == "id" else (requested, tie_breaker)


class CreationOrderPagination(LedgerCursorPagination):
    """For records that never change once made (excerpts): in the order they were made."""

    ordering = ("id",)
    orderings = ["id", "-id"]
