from rest_framework.exceptions import NotFound, ValidationError
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

    def decode_cursor(self, request):
        # DRF answers a mangled cursor with 404; it is a bad parameter, so 400.
        try:
            return super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use the `next` link as given."]}
            ) from error

    def get_page_size(self, request):
        requested = request.query_params.get(self.page_size_query_param)
        if requested is None:
            return self.page_size
        if not requested.isdigit() or not 1 <= int(requested) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"A whole number from 1 to {self.max_page_size}, not {requested!r}."
                    ]
                }
            )
        return int(requested)

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
