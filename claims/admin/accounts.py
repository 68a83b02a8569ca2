"""Accounts: Django's own admin, with deletion through the services (it touches ledger rows),
and each account's login lock shown and undone here (only superusers reach this page)."""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from claims.services.accounts import account_delete
from ledger.login_limits import recent_failures, unlock_account

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class LedgerUserAdmin(UserAdmin):
    list_display = (*UserAdmin.list_display, "login_lock")
    actions = ["unlock_logins"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(recent_login_failures=recent_failures())

    @admin.display(description="Login", ordering="recent_login_failures")
    def login_lock(self, account):
        failures = account.recent_login_failures
        if failures >= settings.LEDGER_ACCOUNT_FAILURE_LIMIT:
            return f"Locked: {failures} failed logins"
        return f"{failures} failed logins" if failures else "—"

    @admin.action(description="Unlock the logins of the selected accounts")
    def unlock_logins(self, request, queryset):
        for account in queryset:
            unlock_account(username=account.get_username(), by=request.user)
        self.message_user(
            request,
            f"Unlocked {queryset.count()} account(s): their failed logins are forgotten.",
            messages.SUCCESS,
        )

    def delete_model(self, request, obj):
        account_delete(account=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            account_delete(account=account, by=request.user)
