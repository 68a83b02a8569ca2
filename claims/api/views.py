"""API views: parse, check access, call a queryset or a service, render. Nothing decides here."""

from django.conf import settings
from django.db.models import Max
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from knox import views as knox_views
from knox.views import LoginView as KnoxLoginView
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.pagination import Cursor
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.response import Response

from claims import services
from claims.api import annotations
from claims.api import serializers as s
from claims.api.annotations import ANNOTATION_CONTEXT_FILE
from claims.api.authentication import LoginBasicAuthentication
from claims.api.filters import ClaimFilter, ExcerptFilter, SourceFilter
from claims.api.pagination import (
    ChangeOrderPagination,
    CreationOrderPagination,
    RankedPagination,
)
from claims.api.permissions import LedgerPermission
from claims.api.renderers import ORJSONRenderer, SchemaOrgFeedRenderer, WebAnnotationRenderer
from claims.api.representations import CLAIM_COLUMNS, claims_as_json
from claims.api.schema import ANNOTATION, ANNOTATION_LIST, CLAIM_REVIEWS, QUOTE_REFUSED
from claims.models import (
    ChangeRequest,
    Claim,
    Dispute,
    Evidence,
    Excerpt,
    ReviewEvent,
    Source,
    Speaker,
)
from claims.reads import structured_data
from claims.services import workflow

Action = ReviewEvent.Action


class LedgerViewMixin:
    """Cache headers: anonymous reads may be cached by anyone, everything else privately."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 and isinstance(
            getattr(response, "accepted_renderer", None), ORJSONRenderer
        ):
            # A refusal is plain JSON whatever format was asked for (annotations, a DataFeed):
            # it is not one of those things, and clients read every refusal the same way.
            response.content_type = "application/json"
        if request.method == "GET" and response.status_code == 200:
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)
        return response


class ClaimListMixin:
    """Lists of claims with their evidence, built by `claims_as_json` (the fast path)."""

    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset()).values(*CLAIM_COLUMNS)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(claims_as_json(page, request))


class ClaimViewSet(
    ClaimListMixin,
    LedgerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Claims with their status and nested evidence. Editors write drafts and take review steps."""

    filterset_class = ClaimFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Review steps: any account may ask; the workflow checks the permission and four eyes.
    action_permission = {
        "submit": None,
        "publish": None,
        "request_changes": None,
        "reject": None,
        "withdraw": None,
        "add_evidence": "claims.add_evidence",
        "remove_evidence": "claims.delete_evidence",
    }

    serializer_class = s.ClaimSerializer  # describes the shape for the schema
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Claim.objects.visible_to(self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "partial_update", "update"):
            return s.ClaimWriteSerializer
        return s.ClaimSerializer

    def retrieve(self, request, *args, **kwargs):
        return self._read(kwargs["pk"])

    def _read(self, pk, status_code=status.HTTP_200_OK):
        row = get_object_or_404(self.get_queryset().values(*CLAIM_COLUMNS), pk=pk)
        return Response(claims_as_json([row], self.request)[0], status=status_code)

    @extend_schema(request=s.ClaimWriteSerializer, responses={201: s.ClaimSerializer})
    def create(self, request, *args, **kwargs):
        writer = s.ClaimWriteSerializer(data=request.data, context=self.get_serializer_context())
        writer.is_valid(raise_exception=True)
        return self._read(writer.save().pk, status.HTTP_201_CREATED)

    @extend_schema(request=s.ClaimWriteSerializer, responses={200: s.ClaimSerializer})
    def partial_update(self, request, *args, **kwargs):
        claim = self.get_object()
        writer = s.ClaimWriteSerializer(
            claim, data=request.data, partial=True, context=self.get_serializer_context()
        )
        writer.is_valid(raise_exception=True)
        return self._read(writer.save().pk)

    def _transition(self, request, action_name):
        claim = self.get_object()
        payload = s.TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        workflow.claim_transition(
            claim=claim,
            action=action_name,
            by=request.user,
            comment=payload.validated_data["comment"],
            # A review step names the version it acts on when the client read one.
            expected_version=payload.validated_data.get("version", services.NO_VERSION_CHECK),
        )
        return self._read(claim.pk)

    @extend_schema(request=s.TransitionSerializer, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a draft for review (editors)."""
        return self._transition(request, Action.SUBMIT)

    @extend_schema(request=s.TransitionSerializer, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a claim in review (reviewers; never your own work)."""
        return self._transition(request, Action.PUBLISH)

    @extend_schema(request=s.TransitionSerializer, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"], url_path="request-changes")
    def request_changes(self, request, pk=None):
        """Send a claim in review back to its author, with a comment (reviewers)."""
        return self._transition(request, Action.REQUEST_CHANGES)

    @extend_schema(request=s.TransitionSerializer, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a claim in review, with a comment (reviewers)."""
        return self._transition(request, Action.REJECT)

    @extend_schema(request=s.TransitionSerializer, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a published claim, with the reason (reviewers)."""
        return self._transition(request, Action.WITHDRAW)

    @extend_schema(request=s.EvidenceWriteSerializer, responses={201: s.ClaimSerializer})
    @action(detail=True, methods=["post"], url_path="evidence")
    def add_evidence(self, request, pk=None):
        """Tie an excerpt to a draft claim as supporting or contradicting evidence."""
        claim = self.get_object()
        payload = s.EvidenceWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.evidence_add(
            claim=claim,
            excerpt=data["excerpt"],
            stance=data["stance"],
            note=data["note"],
            by=request.user,
            expected_version=data["version"],
        )
        return self._read(claim.pk, status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("version", OpenApiTypes.INT, required=True)],
        request=None,
        responses={200: s.ClaimSerializer},
    )
    @action(detail=True, methods=["delete"], url_path=r"evidence/(?P<evidence_id>\d+)")
    def remove_evidence(self, request, pk=None, evidence_id=None):
        """Untie a piece of evidence from a draft claim (`?version=` the claim's version)."""
        claim = self.get_object()
        payload = s.VersionSerializer(data=request.query_params)
        payload.is_valid(raise_exception=True)
        evidence = get_object_or_404(Evidence, pk=evidence_id, claim=claim)
        services.evidence_remove(
            evidence=evidence, by=request.user, expected_version=payload.validated_data["version"]
        )
        return self._read(claim.pk)


class FactViewSet(ClaimListMixin, LedgerViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The verified facts: published claims in agreement."""

    serializer_class = s.ClaimSerializer  # describes the shape for the schema
    filterset_class = ClaimFilter

    def get_queryset(self):
        return Claim.objects.verified()


class DisputeViewSet(
    LedgerViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Questions and their rival published claims."""

    serializer_class = s.DisputeSerializer
    lookup_field = "slug"
    pagination_class = RankedPagination

    def get_queryset(self):
        return Dispute.objects.published().contested_first().with_published_claims()


class SourceViewSet(
    LedgerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Sources: lists without their text; one source with its text, SHA-256 and items."""

    filterset_class = SourceFilter
    pagination_class = ChangeOrderPagination
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        sources = Source.objects.select_related("publisher__part_of", "publisher__organisation")
        if self.action == "retrieve":
            sources = sources.prefetch_related("items")
        else:
            sources = sources.defer("text")
        return sources.visible_to(self.request.user)

    def get_serializer_class(self):
        return {
            "retrieve": s.SourceDetailSerializer,
            "create": s.SourceWriteSerializer,
        }.get(self.action, s.SourceSerializer)

    @extend_schema(request=s.SourceWriteSerializer, responses={201: s.SourceDetailSerializer})
    def create(self, request, *args, **kwargs):
        writer = s.SourceWriteSerializer(data=request.data, context=self.get_serializer_context())
        writer.is_valid(raise_exception=True)
        source = writer.save()
        body = s.SourceDetailSerializer(source, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


@require_safe
def annotation_context(request):
    """The Web Annotation JSON-LD context (http://www.w3.org/ns/anno.jsonld), served from here
    so that a client can expand the annotations without reaching w3.org."""
    response = HttpResponse(
        ANNOTATION_CONTEXT_FILE.read_bytes(), content_type="application/ld+json"
    )
    patch_cache_control(response, public=True, max_age=60 * 60 * 24)
    return response


def first_page_link(paginator, first_pk: int) -> str:
    """The first page's own address (the collection's has no cursor): a cursor just before its
    first excerpt, in whichever id order the list is in."""
    descending = paginator.ordering[0] == "-id"
    position = first_pk + 1 if descending else first_pk - 1
    return paginator.encode_cursor(Cursor(offset=0, reverse=False, position=str(position)))


def annotation_list(request, excerpts, page, paginator) -> dict:
    """A page of excerpts as Web Annotations: the collection with its first page embedded when
    no cursor is given, else that page, naming its collection and its place in it."""
    collection_id = annotations.address(request)
    label = f"Excerpts of {settings.LEDGER_NAME}, as Web Annotations"
    total = excerpts.count()
    # As an object even inside the collection: the W3C suite reads `total` from it.
    part_of = {"id": collection_id, "label": label, "total": total}
    if page:
        # Excerpts are paged in id order (ascending by default): those before this page's first.
        before = {"pk__gt" if paginator.ordering[0] == "-id" else "pk__lt": page[0].pk}
        start_index = excerpts.filter(**before).count()
    else:
        start_index = total
    items = [
        annotations.annotation(excerpt, request, cited=annotations.cited_by(excerpt), context=False)
        for excerpt in page
    ]
    links = {
        "next_link": annotations.with_format(paginator.get_next_link()),
        "prev_link": annotations.with_format(paginator.get_previous_link()),
    }
    if request.query_params.get(paginator.cursor_query_param) is None:
        if not page:
            return annotations.annotation_collection(
                collection_id=collection_id, label=label, total=total
            )
        first = annotations.annotation_page(
            page_id=annotations.with_format(first_page_link(paginator, page[0].pk)),
            part_of=part_of,
            start_index=start_index,
            items=items,
            context=False,
            **links,
        )
        # A cursor from the end, with no position: the last page.
        last_page = paginator.encode_cursor(Cursor(offset=0, reverse=True, position=None))
        return annotations.annotation_collection(
            collection_id=collection_id,
            label=label,
            total=total,
            first=first,
            last=annotations.with_format(last_page),
        )
    return annotations.annotation_page(
        page_id=annotations.address(request, drop=()),
        part_of=part_of,
        start_index=start_index,
        items=items,
        **links,
    )


@extend_schema_view(
    list=extend_schema(
        responses={
            (200, "application/json"): s.ExcerptSerializer(many=True),
            (200, "application/ld+json"): ANNOTATION_LIST,
        }
    ),
    retrieve=extend_schema(
        responses={
            (200, "application/json"): s.ExcerptSerializer,
            (200, "application/ld+json"): ANNOTATION,
        }
    ),
)
class ExcerptViewSet(
    LedgerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Excerpts: exact spans of sources. Also W3C Web Annotations: send `Accept:
    application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"` or add `?format=annotation`."""

    filterset_class = ExcerptFilter
    lookup_value_regex = r"\d+"
    pagination_class = CreationOrderPagination
    renderer_classes = [ORJSONRenderer, WebAnnotationRenderer, BrowsableAPIRenderer]

    def get_queryset(self):
        excerpts = Excerpt.objects.select_related(
            "source__publisher", "item", "speaker", "via"
        ).visible_to(self.request.user)
        return annotations.with_published_citations(excerpts) if self.annotating else excerpts

    @property
    def annotating(self) -> bool:
        """Reading excerpts as Web Annotations (by Accept or `?format=annotation`)."""
        renderer = getattr(self.request, "accepted_renderer", None)
        reading = self.action in ("list", "retrieve")
        return reading and renderer is not None and renderer.format == WebAnnotationRenderer.format

    def get_serializer_class(self):
        if self.action == "create":
            return s.ExcerptWriteSerializer
        return s.WebAnnotationSerializer if self.annotating else s.ExcerptSerializer

    def list(self, request, *args, **kwargs):
        if not self.annotating:
            return super().list(request, *args, **kwargs)
        excerpts = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(excerpts)
        return Response(annotation_list(request, excerpts, page, self.paginator))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(response, "accepted_renderer", None)
        if isinstance(renderer, WebAnnotationRenderer) and response.status_code < 400:
            response.content_type = WebAnnotationRenderer.content_type  # with its profile
        return response

    @extend_schema(
        request=s.ExcerptWriteSerializer,
        responses={
            201: s.ExcerptSerializer,
            (400, "application/json"): OpenApiResponse(
                response=QUOTE_REFUSED,
                description="The quote is not in the source (with the nearest passage), or "
                "occurs more than once (with where); or other invalid input.",
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        writer = s.ExcerptWriteSerializer(data=request.data, context=self.get_serializer_context())
        writer.is_valid(raise_exception=True)
        excerpt = writer.save()
        body = s.ExcerptSerializer(excerpt, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)


class SpeakerViewSet(
    LedgerViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """People and bodies whose words or positions the ledger records."""

    serializer_class = s.SpeakerSerializer
    lookup_field = "slug"
    pagination_class = None

    def get_queryset(self):
        return (
            Speaker.objects.select_related("affiliation")
            .order_by("name")
            .visible_to(self.request.user)
        )


class ClaimReviewViewSet(LedgerViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Published claims as schema.org ClaimReview objects, for fact-check aggregators."""

    filterset_class = ClaimFilter
    renderer_classes = [ORJSONRenderer, SchemaOrgFeedRenderer, BrowsableAPIRenderer]

    def get_queryset(self):
        return Claim.objects.published().with_evidence()

    @extend_schema(responses=CLAIM_REVIEWS)
    def list(self, request, *args, **kwargs):
        claims = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(claims)
        base_url = request.build_absolute_uri("/")
        reviews = [
            structured_data.claim_review(
                claim,
                url=request.build_absolute_uri(claim.get_absolute_url()),
                base_url=base_url,
                absolute=request.build_absolute_uri,
            )
            for claim in page
        ]
        if request.accepted_renderer.format != SchemaOrgFeedRenderer.format:
            return self.get_paginated_response(reviews)
        # The DataFeed has no paging terms of its own: pages link each other in HTTP headers.
        feed = structured_data.data_feed(
            reviews,
            url=request.build_absolute_uri(),
            base_url=base_url,
            modified=claims.aggregate(modified=Max("updated_at"))["modified"],
        )
        links = {
            "next": self.paginator.get_next_link(),
            "prev": self.paginator.get_previous_link(),
        }
        header = ", ".join(f'<{link}>; rel="{rel}"' for rel, link in links.items() if link)
        return Response(feed, headers={"Link": header} if header else None)


class DeskOnly(IsAuthenticated):
    """Change requests are the desk's work: reading them needs the desk's view permission."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.has_perm(
            "claims.view_changerequest"
        )


@extend_schema_view(
    create=extend_schema(
        request=s.ChangeRequestWriteSerializer,
        responses={201: s.ChangeRequestSerializer},
    )
)
class ChangeRequestViewSet(
    LedgerViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Changes to material readers already see: proposed by the desk, decided by another reviewer.

    Once a claim is published, its quotes, their speakers, the items' dates, the sources'
    titles and publishers and the dispute's question change only this way.
    """

    serializer_class = s.ChangeRequestSerializer
    permission_classes = [DeskOnly, LedgerPermission]
    desk_only = True  # the schema says so: reads need a desk account
    pagination_class = CreationOrderPagination
    lookup_value_regex = r"\d+"
    # Proposing needs the desk's add permission; deciding is checked by the service (the
    # review permission and the four-eyes rule), which says why it refuses.
    action_permission = {"approve": None, "reject": None}

    def get_queryset(self):
        return ChangeRequest.objects.visible_to(self.request.user).select_related(
            "proposed_by", "decided_by"
        )

    def create(self, request, *args, **kwargs):
        writer = s.ChangeRequestWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        writer.is_valid(raise_exception=True)
        change = writer.save()
        return Response(s.ChangeRequestSerializer(change).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, decide):
        change = self.get_object()
        payload = s.DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = decide(change=change, by=request.user, comment=payload.validated_data["comment"])
        return Response(s.ChangeRequestSerializer(decided).data)

    @extend_schema(request=s.DecisionSerializer, responses={200: s.ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Apply the change (another reviewer than its proposer)."""
        return self._decide(request, services.change_approve)

    @extend_schema(request=s.DecisionSerializer, responses={200: s.ChangeRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Turn the change down, saying why."""
        return self._decide(request, services.change_reject)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField()


@extend_schema(
    request=None,
    responses={
        200: TokenSerializer,
        401: OpenApiResponse(description="No username and password, or wrong ones (HTTP Basic)."),
    },
)
class LoginView(KnoxLoginView):
    """Exchange a username and password (HTTP Basic) for an API token, stored hashed."""

    authentication_classes = [LoginBasicAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def get_post_response_data(self, request, token, instance):
        return {"token": token, "expiry": instance.expiry}


@extend_schema(request=None, responses={204: None})
class LogoutView(knox_views.LogoutView):
    """Revoke the token this request is made with."""


@extend_schema(request=None, responses={204: None})
class LogoutAllView(knox_views.LogoutAllView):
    """Revoke every token of the account."""
