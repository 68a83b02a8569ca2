"""The Content-Security-Policy, with the one relaxation two library-rendered areas need."""

from csp.middleware import CSPMiddleware, PolicyParts

# Django's admin and DRF's browsable API / Swagger UI write `style="..."` attributes and small
# <style> blocks into their own templates. Inline styles cannot run code, so allowing them there
# costs little; inline scripts stay forbidden everywhere.
INLINE_STYLE_PREFIXES = ("/admin/", "/api/")


class LedgerCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, allowing inline styles under the admin and API prefixes only."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path.startswith(INLINE_STYLE_PREFIXES):
            parts.update = {**(parts.update or {}), "style-src": ["'unsafe-inline'"]}
        return parts
