from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework.permissions import SAFE_METHODS

from claims.api.filters import MAY_BE_EMPTY
from claims.api.permissions import LedgerPermission
from claims.api.serializers import InputSerializer

# Refusals carry field errors ({"field": ["message"]}) or {"detail": "...", "code": "..."}.
ERROR_BODY = {
    "application/json": {
        "schema": {"type": "object", "additionalProperties": True, "description": "What is wrong."}
    }
}


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
            responses.setdefault(code, {"description": description, "content": ERROR_BODY})
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
        if self.method in SAFE_METHODS:
            refusals.append(
                ("406", "A format (`?format=` or Accept) this endpoint does not offer.")
            )
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
