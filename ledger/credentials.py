"""A changed password revokes what the old one granted.

Django already ends a user's other browser sessions when their password changes (each session
carries a hash of the password). API tokens carry nothing of the sort and would stay valid for
their whole life, so a leaked token would outlive the password change meant to shut it out:
every token of the user is deleted when the stored password changes, whichever door changed it
(the admin, `changepassword`, a reset).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save


def _remember_password(sender, instance, **kwargs):
    if instance.pk is None:
        instance._stored_password = None
        return
    instance._stored_password = (
        sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    )


def _revoke_tokens_on_new_password(sender, instance, created, **kwargs):
    stored = getattr(instance, "_stored_password", None)
    if created or stored is None or stored == instance.password:
        return
    from knox.models import AuthToken

    AuthToken.objects.filter(user=instance).delete()


def connect_signals() -> None:
    user_model = get_user_model()
    pre_save.connect(_remember_password, sender=user_model, dispatch_uid="credentials-remember")
    post_save.connect(
        _revoke_tokens_on_new_password, sender=user_model, dispatch_uid="credentials-revoke"
    )
