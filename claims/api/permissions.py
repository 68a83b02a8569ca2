"""Who may do what over the API: reading is open (querysets decide what is visible), writing
needs an account with the model permission, and review steps are checked by the workflow."""

from rest_framework.permissions import SAFE_METHODS, DjangoModelPermissions


class LedgerPermission(DjangoModelPermissions):
    """Anyone may read; writes need the matching `add`/`change`/`delete` permission."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        if not request.user or not request.user.is_authenticated:
            return False
        # Custom actions name their own permission, or None where the workflow checks it (and
        # the four-eyes rule) itself and says why in its refusal.
        action_permissions = getattr(view, "action_permission", {})
        action = getattr(view, "action", None)
        if action in action_permissions:
            permission = action_permissions[action]
            return permission is None or request.user.has_perm(permission)
        return super().has_permission(request, view)
