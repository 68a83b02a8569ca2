import warnings

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination


def strict_page_size(paginator, request) -> int:
    """The requested page size, or a 400 that says what is allowed (DRF would ignore it)."""
    requested = request.query_params.get(paginator.page_size_query_param)
    if requested is None:
        return paginator.page_size
    # isdigit() alone also accepts "²" and other digits int() refuses.
    valid = requested.isascii() and requested.isdigit()
    if not valid or not 1 <= int(requested) <= paginator.max_page_size:
        raise ValidationError(
            {
                paginator.page_size_query_param: [
                    f"A whole number from 1 to {paginator.max_page_size}, not {requested!r}."
                ]
            }
        )
    return int(requested)


def with_bounds(paginator, parameters: list[dict]) -> list[dict]:
    """DRF's schema of the page parameters, with the bounds the paginator holds them to."""
    bounds = {
        paginator.page_size_query_param: {"minimum": 1, "maximum": paginator.max_page_size},
        getattr(paginator, "page_query_param", None): {"minimum": 1},
    }
    for parameter in parameters:
        parameter["schema"].update(bounds.get(parameter["name"], {}))
    return parameters


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
        return strict_page_size(self, request)

    def get_schema_operation_parameters(self, view):
        ordering = {
            "name": self.ordering_param,
            "required": False,
            "in": "query",
            "description": "The order of the list (`-` reverses it); the id breaks ties.",
            "schema": {"type": "string", "enum": self.orderings},
        }
        return [*with_bounds(self, super().get_schema_operation_parameters(view)), ordering]

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor is signed by nothing: a hand-made one can carry a position that is not a
        # value of the ordering's field ("abc" for an id). The database refuses it; so do we.
        # A position of "1" for a date reads as the naive 1 January of year 1: Django only warns
        # of it, and would compare the wrong instant; such a cursor is refused too.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, RuntimeWarning, DjangoValidationError) as error:
            raise ValidationError(
                {self.cursor_query_param: ["Invalid cursor: use the `next` link as given."]}
            ) from error

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


class ChangeOrderPagination(LedgerCursorPagination):
    """For records with a change time but no publication time (sources)."""

    orderings = ["updated_at", "-updated_at", "id", "-id"]


class CreationOrderPagination(LedgerCursorPagination):
    """For records that never change once made (excerpts): in the order they were made."""

    ordering = ("id",)
    orderings = ["id", "-id"]


class RankedPagination(PageNumberPagination):
    """Numbered pages, for a list in an order of merit rather than of change (disputes, most
    disputed first), where a cursor has no stable position to hold."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return strict_page_size(self, request)

    def get_schema_operation_parameters(self, view):
        return with_bounds(self, super().get_schema_operation_parameters(view))

    def paginate_queryset(self, queryset, request, view=None):
        # DRF answers a page past the end, or not a number, with 404; it is a bad parameter.
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as error:
            raise ValidationError({self.page_query_param: [str(error.detail)]}) from error
