"""Sockets under test with a real login: a session in the session store, as Django's login
writes it, so the sockets' re-checks (`accounts.socket_guard`) see a valid login."""

from asgiref.sync import sync_to_async
from django.conf import settings
from django.utils.module_loading import import_string


def session_for(user):
    """A saved session store logged in as `user` (what `django.contrib.auth.login` writes)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store


class LoggedIn:
    """ASGI middleware for tests: puts `user` (and, for a real user, a logged-in session)
    into the scope, as Channels' AuthMiddlewareStack would from the session cookie."""

    def __init__(self, app, user):
        self.app, self.user = app, user

    async def __call__(self, scope, receive, send):
        extra = {"user": self.user}
        if getattr(self.user, "is_authenticated", False):
            extra["session"] = await sync_to_async(session_for)(self.user)
        return await self.app({**scope, **extra}, receive, send)
