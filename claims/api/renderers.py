from rest_framework.renderers import JSONRenderer

ANNOTATION_PROFILE = "http://www.w3.org/ns/anno.jsonld"


class WebAnnotationRenderer(JSONRenderer):
    """Excerpts as W3C Web Annotations (JSON-LD), chosen by `Accept` or `?format=annotation`.

    The media type carries no profile parameter here because DRF would then match only requests
    naming that exact profile (not `?format=annotation` with `Accept: */*`); the view puts the
    profile back on the response's Content-Type.
    """

    media_type = "application/ld+json"
    format = "annotation"
    content_type = f'application/ld+json; profile="{ANNOTATION_PROFILE}"'
