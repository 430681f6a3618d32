"""Domain events after commit: a service announces what happened; adapters listen.

A service calls `emit("request.published", request_id=…)` inside its transaction; every
listener of that name runs once the transaction commits (never if it rolls back). Apps
register their listeners in `AppConfig.ready()` — a task that fans out invitations, a
webhook dispatcher, a websocket push — so domain code never imports the adapters that
react to it, and an app lower in the layers can be heard by one above it.

Event names are the webhook names of PRODUCT.md where one exists ("request.published",
"request.status_changed", "request.selected", "request.contracted", "request.completed",
"credit.event_issued", "credit.event_lifted", "entry.approved"), plus internal ones
("rating.changed": a rating of a request was given, disputed or answered).
Payloads are small: ids and codes, JSON-serialisable.
"""

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

log = logging.getLogger(__name__)

_listeners: dict[str, list[Callable[..., None]]] = defaultdict(list)


def listen(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the decorated function as a listener of event `name` (once per function)."""

    def register(fn: Callable[..., None]) -> Callable[..., None]:
        if fn not in _listeners[name]:
            _listeners[name].append(fn)
        return fn

    return register


def listeners(name: str) -> list[Callable[..., None]]:
    return list(_listeners.get(name, ()))


def emit(name: str, **payload) -> None:
    """Call every listener of `name` with `payload` after the current transaction commits
    (at once outside a transaction). A failing listener is logged and the others still run:
    the change it reacts to is committed and must not be undone by a side effect."""

    def dispatch() -> None:
        for fn in listeners(name):
            try:
                fn(event=name, **payload)
            except Exception:  # noqa: BLE001 — a side effect must not break the others
                log.exception("listener %s of %s failed", getattr(fn, "__qualname__", fn), name)

    transaction.on_commit(dispatch)
