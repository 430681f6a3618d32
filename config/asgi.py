"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

# Django must be set up before any consumer (and so any model) is imported.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.direct_writes import install as install_direct_writes  # noqa: E402
from config.routing import websocket_urlpatterns  # noqa: E402
from operations.requestid import RequestIdASGIMiddleware  # noqa: E402

install_direct_writes()  # under Daphne: each broadcast frame leaves at once (config/direct_writes.py)

if settings.SERVE_STATIC:
    # Local runs and browser tests only; production serves /static/ from nginx.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.core.exceptions import SuspiciousOperation
    from django.http import Http404

    class StaticFilesHandler(ASGIStaticFilesHandler):
        """A path that leaves the static folders (`/static/../x`) is not found (404), not a
        server error: Django's finders refuse it with SuspiciousFileOperation."""

        def serve(self, request):
            try:
                return super().serve(request)
            except SuspiciousOperation as exc:
                raise Http404("no such static file") from exc

    django_asgi_app = StaticFilesHandler(django_asgi_app)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": RequestIdASGIMiddleware(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)
