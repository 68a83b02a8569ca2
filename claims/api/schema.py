"""The OpenAPI schema's view of the API, where drf-spectacular cannot see for itself: who may read,
what each refusal's body is, that write bodies take no unknown field, that list parameters may
not be empty, and the Web Annotation form of excerpts."""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from claims.api.filters import MAY_BE_EMPTY
from claims.api.permissions import LedgerPermission
from claims.api.serializers import InputSerializer, WebAnnotationSerializer


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def register(registry, schemas: dict[str, dict]) -> None:
    """Add hand-written schemas to the document's components, under their own names."""
    for name, schema in schemas.items():
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=name, schema=schema
        )
        registry.register_on_missing(component)


# -- refusals ------------------------------------------------------------------------------------
# The bodies `claims.api.errors`, DRF and `ledger.errors` answer with. Every refusal is JSON, even
# for a request that asked for another format.
ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "A refusal in words; `code` names the ledger's own refusals "
        "(`stale_version`, `not_allowed`, `needs_review`, `invalid_state`, `protected`...).",
        "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
        "required": ["detail"],
        "additionalProperties": False,
    },
    "FieldErrors": {
        "type": "object",
        "description": "Messages by field (or parameter); `non_field_errors` for the whole body.",
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    "QuoteRefused": {
        "type": "object",
        "description": "A quote that is not in the source (with the nearest passage that is), or "
        "that occurs more than once (with where: send `prefix` or `near` to choose).",
        "properties": {
            "quote": {"type": "array", "items": {"type": "string"}},
            "nearest_passage": {
                "type": "object",
                "properties": {
                    "text": {"type": "string"},
                    "start": {"type": "integer"},
                    "end": {"type": "integer"},
                    "similarity": {"type": "number"},
                },
                "required": ["text", "start", "end", "similarity"],
            },
            "occurrences": {"type": "array", "items": {"type": "integer"}},
        },
        "required": ["quote"],
        "additionalProperties": False,
    },
}
# Error first: a client that tries each in turn reads `{"detail": ...}` as one, and anything else
# as field errors. (A body that fails to parse, or a NUL in the address, is a `detail`.)
BAD_REQUEST = {"anyOf": [ref("Error"), ref("FieldErrors")]}
QUOTE_REFUSED = {"anyOf": [ref("Error"), ref("QuoteRefused"), ref("FieldErrors")]}


def error_body(code: str) -> dict:
    return BAD_REQUEST if code == "400" else ref("Error")


# -- the Web Annotation form of excerpts ---------------------------------------------------------
# The one place the schema describes `?format=annotation`; the representation is built by
# `claims.api.annotations`, and the schema tests and schemathesis hold the two together.
# Constants are components of their own: drf-spectacular would otherwise name them from the
# property alone ("TypeEnum", and "@contextEnum", which is no valid component name).
URI = {"type": "string", "format": "uri"}
ANNOTATION_SCHEMAS = {
    "AnnotationContext": {"type": "string", "enum": ["http://www.w3.org/ns/anno.jsonld"]},
    "AnnotationType": {"type": "string", "enum": ["Annotation"]},
    "AnnotationPageType": {"type": "string", "enum": ["AnnotationPage"]},
    "AnnotationCollectionType": {"type": "string", "enum": ["AnnotationCollection"]},
    "AnnotationMotivation": {"type": "string", "enum": ["linking", "highlighting"]},
    "AnnotationBodyType": {"type": "string", "enum": ["TextualBody", "SpecificResource"]},
    "AnnotationPurpose": {"type": "string", "enum": ["describing", "linking"]},
    "AnnotationTargetType": {"type": "string", "enum": ["SpecificResource"]},
    "AnnotationSelectorType": {
        "type": "string",
        "enum": ["TextQuoteSelector", "TextPositionSelector"],
    },
    "AnnotationAgent": {
        "type": "object",
        "properties": {
            "id": URI,
            "type": {"type": "string"},
            "name": {"type": "string"},
            "homepage": URI,
        },
        "required": ["type", "name"],
    },
    "AnnotationPage": {
        "type": "object",
        "description": "One page of annotations, naming its collection and its place in it.",
        "properties": {
            "@context": ref("AnnotationContext"),
            "id": URI,
            "type": ref("AnnotationPageType"),
            "partOf": {
                "type": "object",
                "properties": {
                    "id": URI,
                    "label": {"type": "string"},
                    "total": {"type": "integer", "minimum": 0},
                },
                "required": ["id", "total"],
            },
            "startIndex": {"type": "integer", "minimum": 0},
            "next": URI,
            "prev": URI,
            "items": {"type": "array", "items": ref("WebAnnotation")},
        },
        "required": ["id", "type", "partOf", "startIndex", "items"],
    },
    "AnnotationCollection": {
        "type": "object",
        "description": "Excerpts as an AnnotationCollection (a list without `cursor`): its "
        "total, its first page embedded and the address of its last; follow `next` from page "
        "to page.",
        "properties": {
            "@context": ref("AnnotationContext"),
            "id": URI,
            "type": ref("AnnotationCollectionType"),
            "label": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "first": ref("AnnotationPage"),
            "last": URI,
        },
        "required": ["@context", "id", "type", "total"],
    },
}

# The component named after WebAnnotationSerializer ("WebAnnotation"), which pages refer to.
WEB_ANNOTATION = {
    "type": "object",
    "description": "An excerpt as a W3C Web Annotation (JSON-LD). The target is the "
    "passage in the source's plain text (`/sources/<slug>/text`), selected by "
    "TextQuoteSelector and TextPositionSelector; `scope` is the source's HTML page. The "
    "first body says whose words they are and what the ledger cites them for; the others "
    "link the published claims they support or contradict. `@context` is on a single "
    "annotation, and on the page that carries a list of them.",
    "properties": {
        "@context": ref("AnnotationContext"),
        "id": URI,
        "type": ref("AnnotationType"),
        "motivation": ref("AnnotationMotivation"),
        "created": {"type": "string", "format": "date-time"},
        "creator": ref("AnnotationAgent"),
        "generator": ref("AnnotationAgent"),
        "body": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "type": ref("AnnotationBodyType"),
                    "purpose": ref("AnnotationPurpose"),
                    "value": {"type": "string"},
                    "format": {"type": "string"},
                    "language": {"type": "string"},
                    "source": URI,
                },
                "required": ["type", "purpose"],
            },
        },
        "target": {
            "type": "object",
            "properties": {
                "type": ref("AnnotationTargetType"),
                "source": URI,
                "scope": URI,
                "selector": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "type": ref("AnnotationSelectorType"),
                            "exact": {"type": "string"},
                            "prefix": {"type": "string"},
                            "suffix": {"type": "string"},
                            "start": {"type": "integer", "minimum": 0},
                            "end": {"type": "integer", "minimum": 0},
                        },
                        "required": ["type"],
                    },
                },
            },
            "required": ["source", "selector"],
        },
    },
    "required": ["id", "type", "motivation", "created", "target"],
}


@extend_schema_serializer(many=False)  # a collection or a page: never DRF's list envelope
class AnnotationListSerializer(serializers.BaseSerializer):
    """Only for the schema: what a list of excerpts is as Web Annotations."""


class WebAnnotationSchema(OpenApiSerializerExtension):
    """`WebAnnotationSerializer` builds its JSON-LD by hand; its schema is `WebAnnotation`."""

    target_class = WebAnnotationSerializer

    def map_serializer(self, auto_schema, direction):
        register(auto_schema.registry, ANNOTATION_SCHEMAS)
        return WEB_ANNOTATION


class AnnotationListSchema(OpenApiSerializerExtension):
    target_class = AnnotationListSerializer

    def map_serializer(self, auto_schema, direction):
        register(auto_schema.registry, ANNOTATION_SCHEMAS)
        return {"oneOf": [ref("AnnotationCollection"), ref("AnnotationPage")]}


# -- schema.org ClaimReview ----------------------------------------------------------------------
# Built by `claims.reads.structured_data` (the same objects the claim pages carry); described here.
THING = {"type": "object", "properties": {"@type": {"type": "string"}, "name": {"type": "string"}}}
CLAIM_REVIEW = {
    "type": "object",
    "description": "A published claim as schema.org ClaimReview (JSON-LD), as on its page. "
    "The rating maps statuses onto 3 (agreement), 2 (unverified), 1 (contradiction); "
    "`alternateName` and `ratingExplanation` say the status and its reason in words.",
    "properties": {
        "@context": {"type": "string"},
        "@type": {"type": "string"},
        "url": URI,
        "claimReviewed": {"type": "string"},
        "datePublished": {"type": "string", "format": "date"},
        "author": THING,
        "reviewRating": {
            "type": "object",
            "properties": {
                "@type": {"type": "string"},
                "ratingValue": {"type": "integer", "minimum": 1, "maximum": 3},
                "bestRating": {"type": "integer"},
                "worstRating": {"type": "integer"},
                "alternateName": {"type": "string"},
                "ratingExplanation": {"type": "string"},
            },
            "required": ["ratingValue", "bestRating", "worstRating", "alternateName"],
        },
        "itemReviewed": {
            "type": "object",
            "properties": {
                "@type": {"type": "string"},
                "author": THING,
                "datePublished": {"type": "string", "format": "date"},
                "appearance": {"type": "array", "items": {"type": "object"}},
                "firstAppearance": {"type": "object"},
            },
            "required": ["appearance"],
        },
    },
    "required": ["@type", "url", "claimReviewed", "author", "reviewRating", "itemReviewed"],
}
# A page of them; "ClaimReview" is the component named after ClaimReviewSerializer.
CLAIM_REVIEW_FEED = {
    "type": "object",
    "description": "One page of ClaimReviews as a schema.org DataFeed; the next page is in "
    'the `Link: <...>; rel="next"` header.',
    "properties": {
        "@context": {"type": "string"},
        "@type": {"type": "string"},
        "name": {"type": "string"},
        "url": URI,
        "dateModified": {"type": "string", "format": "date-time"},
        "publisher": THING,
        "dataFeedElement": {"type": "array", "items": ref("ClaimReview")},
    },
    "required": ["@context", "@type", "dataFeedElement"],
}


class ClaimReviewSerializer(serializers.BaseSerializer):
    """Only for the schema: one ClaimReview."""


@extend_schema_serializer(many=False)  # one feed per page, not DRF's list envelope
class ClaimReviewFeedSerializer(serializers.BaseSerializer):
    """Only for the schema: a page of ClaimReviews as a DataFeed."""


class ClaimReviewSchema(OpenApiSerializerExtension):
    target_class = ClaimReviewSerializer

    def map_serializer(self, auto_schema, direction):
        return CLAIM_REVIEW


class ClaimReviewFeedSchema(OpenApiSerializerExtension):
    target_class = ClaimReviewFeedSerializer

    def map_serializer(self, auto_schema, direction):
        return CLAIM_REVIEW_FEED


CLAIM_REVIEWS = {
    (200, "application/json"): ClaimReviewSerializer(many=True),
    (200, "application/ld+json"): ClaimReviewFeedSerializer,
}


# What the excerpt views document for the annotation media type.
ANNOTATION = WebAnnotationSerializer
ANNOTATION_LIST = AnnotationListSerializer


class LedgerAutoSchema(AutoSchema):
    """drf-spectacular's schema, completed with what the ledger's views really answer."""

    def get_auth(self):
        # LedgerPermission lets anyone read, which drf-spectacular cannot see for itself.
        auths = super().get_auth()
        reads_open = any(isinstance(p, LedgerPermission) for p in self.view.get_permissions())
        if reads_open and not self._desk_only() and self.method in SAFE_METHODS and {} not in auths:
            auths.append({})
        return auths

    def _get_parameters(self):
        parameters = super()._get_parameters()
        # StrictFilterBackend refuses an empty value of any parameter of a list (one client's
        # template with a hole in it), so say so; one record's own parameters are left as read.
        if self._is_list_view():
            for parameter in parameters:
                schema = parameter["schema"]
                if schema.get("type") == "string" and parameter["name"] not in MAY_BE_EMPTY:
                    schema["minLength"] = 1
        return parameters

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        # Every write refuses a field it does not take (InputSerializer), and says so.
        if direction == "request" and isinstance(force_instance(serializer), InputSerializer):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self.refusals():
            responses.setdefault(code, {"description": description})
        for code, response in responses.items():
            if code.startswith("4") and "content" not in response:
                response["content"] = {"application/json": {"schema": error_body(code)}}
        register(self.registry, ERROR_SCHEMAS)
        return responses

    def _desk_only(self) -> bool:
        """Endpoints whose reads are for the editorial desk alone (change requests)."""
        return getattr(self.view, "desk_only", False)

    def refusals(self):
        """The error answers this operation can give, besides its success."""
        refusals = [("429", "Too many requests from an anonymous client; see Retry-After.")]
        if self.method in SAFE_METHODS and self._desk_only():
            refusals += [
                ("401", "No valid token or session."),
                ("403", "Only the editorial desk reads this."),
            ]
        refusals.append(("406", "A format (`?format=` or Accept) this endpoint does not offer."))
        if self.method in SAFE_METHODS:
            if self._is_list_view():
                refusals.append(("400", "An unknown parameter or a value it does not accept."))
            else:
                refusals.append(("404", "Nothing published here."))
            return refusals
        return [
            *refusals,
            ("400", "Invalid input, with field errors."),
            ("401", "No valid token or session."),
            ("403", "Not allowed (permission, or the four-eyes rule)."),
            ("404", "No such record."),
            ("409", "Stale version, a step the claim's state forbids, or a protected record."),
            ("413", "The body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE)."),
        ]
