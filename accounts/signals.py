"""Hooks on Django's authentication signals, so every login form (the site's, the admin's,
any other that calls `authenticate`) is counted by the same throttle and audited alike."""

from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.dispatch import receiver

from accounts.net import client_ip


@receiver(user_login_failed, dispatch_uid="accounts.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    from accounts.services import login_failure_record

    username = (credentials or {}).get("username")
    if isinstance(username, str) and username.strip():
        login_failure_record(username=username, ip=client_ip(request) if request is not None else None)


@receiver(user_logged_in, dispatch_uid="accounts.logged_in")
def _logged_in(sender, request, user, **kwargs):
    from accounts.services import login_failures_clear, session_started

    if request is not None:
        login_failures_clear(username=user.get_username(), ip=client_ip(request))
        session_started(request=request)


@receiver(user_logged_out, dispatch_uid="accounts.logged_out")
def _logged_out(sender, request, user, **kwargs):
    from accounts.services import user_sockets_recheck

    if user is not None and user.pk:
        user_sockets_recheck(user_id=user.pk)


def _user_saved(sender, instance, created, update_fields=None, **kwargs):
    """Any change to a user but a login stamp (deactivation, a new password, another
    organisation) makes their open sockets re-check their login after commit."""
    from accounts.services import user_sockets_recheck

    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    user_sockets_recheck(user_id=instance.pk)


def connect_user_saved() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save

    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="accounts.user_saved")
