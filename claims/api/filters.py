"""API filters (django-filter). Bad values and unknown parameters are a 400 that says what is
allowed, never a silently empty list."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from claims.choices import ClaimStatus, Stance
from claims.models import Claim, Dispute, Excerpt, Publisher, ReviewState, Source, Speaker
from claims.querysets import sees_unpublished
from claims.rules import search_terms


# Filters are deep-copied for every request; a queryset in a filter is expensive to copy, a
# function returning one (which django-filter accepts, called with the request) is not. Each
# offers only what the caller may see, so that a hidden record and an unknown one answer alike
# (a 400 saying the value is not a valid choice).
def _user(request):
    return getattr(request, "user", None)


def visible_disputes(request):
    return Dispute.objects.visible_to(_user(request))


def visible_speakers(request):
    return Speaker.objects.visible_to(_user(request))


def visible_sources(request):
    return Source.objects.visible_to(_user(request))


def all_publishers(request):
    return Publisher.objects.all()


MESSAGE_DESK_STATES = (
    "Only the editorial desk lists claims in this state; anyone may ask for {allowed}."
)
PUBLIC_STATES = (ReviewState.PUBLISHED, ReviewState.WITHDRAWN)


# Query parameters every list understands, besides its filters and its paginator's.
COMMON_PARAMETERS = {"format"}
PAGINATION_PARAMETERS = (
    "cursor_query_param",
    "page_query_param",
    "page_size_query_param",
    "ordering_param",
)
# The one parameter that may be empty: `?cursor=` is the first page, as DRF reads it.
MAY_BE_EMPTY = frozenset({"cursor"})


def pagination_parameters(view) -> set[str]:
    """The query parameters the view's paginator reads (cursor or page, size, ordering)."""
    paginator = getattr(view, "paginator", None)
    return {
        getattr(paginator, name) for name in PAGINATION_PARAMETERS if getattr(paginator, name, None)
    }


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, refusing parameters it does not know instead of ignoring them."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", "list") not in ("list", None):
            # Filters choose rows of a list; one record is found by its key whatever its state.
            return queryset
        filterset_class = self.get_filterset_class(view, queryset)
        allowed = COMMON_PARAMETERS | pagination_parameters(view)
        if filterset_class is not None:
            allowed |= set(filterset_class.base_filters)
        errors = {
            name: [f"Unknown parameter. Allowed: {', '.join(sorted(allowed))}."]
            for name in set(request.query_params) - allowed
        }
        # An empty value is a mistake too (a client's template with a hole in it), not "any".
        errors.update(
            {
                name: ["This parameter is empty: give a value or leave it out."]
                for name, value in request.query_params.items()
                if value == "" and name not in MAY_BE_EMPTY and name not in errors
            }
        )
        if errors:
            raise ValidationError(dict(sorted(errors.items())))
        return super().filter_queryset(request, queryset, view)


class ClaimFilter(django_filters.FilterSet):
    """Filters for `claims/` and `facts/`.

    Without `review_state`, a list shows published claims; with `updated_after` (a sync), it
    also shows claims withdrawn since, so that a mirror can remove them.
    """

    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)
    review_state = django_filters.ChoiceFilter(choices=ReviewState.choices, method="filter_noop")
    dispute = django_filters.ModelChoiceFilter(
        queryset=visible_disputes, to_field_name="slug", help_text="A dispute's slug."
    )
    speaker = django_filters.ModelChoiceFilter(
        queryset=visible_speakers, to_field_name="slug", help_text="A speaker's slug."
    )
    source = django_filters.ModelChoiceFilter(
        queryset=visible_sources,
        method="filter_by_source",
        help_text="A source's id: claims with evidence quoted from it.",
    )
    publisher = django_filters.ModelChoiceFilter(
        queryset=all_publishers,
        to_field_name="slug",
        method="filter_by_publisher",
        help_text="A publisher's slug: claims with evidence it (or an outlet of it) published.",
    )
    stance = django_filters.ChoiceFilter(
        choices=Stance.choices,
        method="filter_noop",
        help_text="With source or publisher: evidence of this stance from it.",
    )
    q = django_filters.CharFilter(method="filter_text", help_text="Words to search for.")
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gt", help_text="ISO 8601; for incremental sync."
    )
    published_after = django_filters.IsoDateTimeFilter(
        field_name="published_at", lookup_expr="gt", help_text="ISO 8601."
    )

    class Meta:
        model = Claim
        fields = []

    def filter_noop(self, queryset, name, value):
        # Applied together in filter_queryset: the evidence conditions must hold for one and
        # the same piece of evidence, and the review state default depends on other filters.
        return queryset

    # The type hints tell the OpenAPI schema what a client sends (an id, a slug).
    def filter_by_source(self, queryset, name, value: int):
        return self.filter_noop(queryset, name, value)

    def filter_by_publisher(self, queryset, name, value: str):
        return self.filter_noop(queryset, name, value)

    def filter_text(self, queryset, name, value):
        terms = search_terms.parse(value)
        # Punctuation alone asks for no word at all: nothing matches it.
        return queryset.matching(terms) if terms else queryset.none()

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        evidence = {key: data.get(key) for key in ("source", "publisher", "stance")}
        if any(value not in (None, "") for value in evidence.values()):
            queryset = queryset.with_evidence_matching(
                **{key: value or None for key, value in evidence.items()}
            )
        state = data.get("review_state")
        if state and state not in PUBLIC_STATES and not sees_unpublished(_user(self.request)):
            allowed = " or ".join(PUBLIC_STATES)
            raise ValidationError({"review_state": [MESSAGE_DESK_STATES.format(allowed=allowed)]})
        if state:
            return queryset.filter(review_state=state)
        if data.get("updated_after"):
            return queryset.published_or_withdrawn()
        return queryset.published()


class SourceFilter(django_filters.FilterSet):
    publisher = django_filters.ModelChoiceFilter(
        queryset=all_publishers, to_field_name="slug", help_text="A publisher's slug."
    )
    kind = django_filters.ChoiceFilter(choices=Source.Kind.choices)

    class Meta:
        model = Source
        fields = []


class ExcerptFilter(django_filters.FilterSet):
    source = django_filters.ModelChoiceFilter(queryset=visible_sources, help_text="An id.")
    speaker = django_filters.ModelChoiceFilter(
        queryset=visible_speakers, to_field_name="slug", help_text="A speaker's slug."
    )

    class Meta:
        model = Excerpt
        fields = []
