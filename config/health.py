"""GET /healthz: status of the database, the channel layer and Celery (200, or 503)."""

import asyncio
import logging
import uuid
from datetime import timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def _database() -> dict:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}


async def _layer_roundtrip() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel("healthz.")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout=2)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned another message")


def _channel_layer() -> dict:
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    try:
        async_to_sync(_layer_roundtrip)()
        return {"ok": True, "backend": backend}
    except Exception as exc:
        return {"ok": False, "backend": backend, "error": str(exc)[:200] or exc.__class__.__name__}


def _celery() -> dict:
    """Celery is alive when the beat sweep ran recently on a worker (it leaves a heartbeat)."""
    from core.models import Heartbeat

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"ok": True, "mode": "eager"}
    try:
        beat = Heartbeat.objects.filter(name="sweep").values_list("at", flat=True).first()
    except Exception as exc:
        return {"ok": False, "error": str(exc)[:200]}
    limit = timedelta(seconds=settings.SWEEP_INTERVAL_SECONDS * 3 + 30)
    if beat is None:
        return {"ok": False, "error": "no sweep has run yet"}
    age = (timezone.now() - beat).total_seconds()
    return {"ok": age <= limit.total_seconds(), "last_sweep_seconds_ago": round(age, 1)}


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database(), "channel_layer": _channel_layer(), "celery": _celery()}
    ok = all(c["ok"] for c in checks.values())
    response = JsonResponse({"status": "ok" if ok else "down", **checks}, status=200 if ok else 503)
    if not ok:
        # A 503 here is the designed answer, not a server error: one WARNING naming what is
        # down, instead of Django's ERROR "Service Unavailable" (a monitor polling a stopped
        # worker, or run.sh waiting for a starting one, filled the log with ERROR lines).
        response._has_been_logged = True
        log.warning("healthz: down (%s)", ", ".join(
            f"{name}: {check.get('error', 'stale')}" for name, check in checks.items() if not check["ok"]))
    return response
