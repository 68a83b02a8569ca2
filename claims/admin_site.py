"""The desk's admin site: Django's own, with each person's front page (their inbox, see
`claims.reads.desk`) and their notification settings.

Outside `claims.admin`, whose import registers the desk's models on `admin.site`: the site must
exist before that, and `admin.site` is made by importing this module.
"""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from claims import services
from claims.models import DeskPreferences
from claims.querysets import DESK_PERMISSION
from claims.reads.desk import inbox_for

MESSAGE_NOTIFICATIONS = {
    True: "Notification emails are on.",
    False: "Notification emails are off: the desk's front page still shows what concerns you.",
}


class NotificationsForm(forms.ModelForm):
    class Meta:
        model = DeskPreferences
        fields = ["notify_by_email"]
        labels = {"notify_by_email": "Email me about review steps"}


class DeskAdminSite(admin.AdminSite):
    def get_urls(self):
        return [
            path(
                "notifications/",
                self.admin_view(self.notifications_view),
                name="desk_notifications",
            ),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        context = dict(extra_context or {})
        if request.user.has_perm(DESK_PERMISSION):
            since = services.desk_seen(user=request.user)
            context["inbox"] = inbox_for(request.user, since=since)
        return super().index(request, context)

    def notifications_view(self, request):
        """Each person turns their own notification emails on or off."""
        current = DeskPreferences.objects.filter(user=request.user).first()
        form = NotificationsForm(
            request.POST if request.method == "POST" else None,
            instance=current or DeskPreferences(user=request.user),
        )
        if form.is_valid():
            wanted = form.cleaned_data["notify_by_email"]
            services.desk_preferences_update(user=request.user, notify_by_email=wanted)
            messages.success(request, MESSAGE_NOTIFICATIONS[wanted])
            return redirect("admin:desk_notifications")
        context = {
            **self.each_context(request),
            "title": "Notifications",
            "form": form,
            "email": request.user.email,
        }
        return TemplateResponse(request, "admin/desk_notifications.html", context)
