"""Accounts: Django's own admin, with deletion through the services (it touches ledger rows)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from claims.services.accounts import account_delete

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class LedgerUserAdmin(UserAdmin):
    def delete_model(self, request, obj):
        account_delete(account=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            account_delete(account=account, by=request.user)
