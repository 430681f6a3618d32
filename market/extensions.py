"""Where apps above market add to what market shows, without market importing them.

- Panels of a page: a selection method's own on the request page (`SelectionMethod.panel`)
  and any other app's (`panel_provider(page)`), e.g. ratings' comments on a firm's page.
- Rows of a list: `row_decorator(page)` lets an app add what it knows to each row of a
  list a market page shows (ratings: a firm's latest comment in the registry).
- To-do items (待办): each app registers a `todo_provider(user, now) -> list[TodoItem]`;
  `market.selectors.todo_for` gathers them with the lifecycle's own. An item concerns a
  request or, for the bureau, anything else it must act on (an entry, an appeal, a case).
- OCDS release parts: `ocds_part_provider(fn)`, `fn(request) -> OcdsPart | None`, merged
  into the request's release (its fields, its parties with their roles, the extensions used).

Each provider decides for itself what may be shown at the request's current state (an
auction's bidders, for instance, only once it has closed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Panel:
    """A part of the request page contributed by an upper app: a template and its context."""

    template: str
    context: dict
    order: int = 50


@dataclass(frozen=True)
class TodoItem:
    """One piece of work waiting on a user's organisation, and by when.

    Most items concern a service request (`request`); an item may instead concern an
    entry, a credit appeal, a rating dispute or a case (`request` None): it then names
    what it is about in `subject` (and `reference`, e.g. the firm's credit code) and
    links to its page in `url`. `starts` is when the step began, so a list can say that
    half of its time is used (yellow) as well as that it is overdue (red); `level` is set
    by `market.selectors.todo_for` from `starts` and `due` unless the provider set it.
    """

    request: object | None
    action: str
    due: datetime | None
    overdue: bool
    url: str = ""
    subject: str = ""
    reference: str = ""
    starts: datetime | None = None
    # None: `todo_for` colours the item from its clock; "" no colour (the user is not at
    # fault, e.g. a firm waiting for the owner); "yellow" | "red" (`deadline_level`).
    level: str | None = None

    @property
    def title(self) -> str:
        """What the item is about, in words: the request's name, else its subject."""
        return self.subject or (getattr(self.request, "title", "") if self.request is not None else "")

    @property
    def code(self) -> str:
        """The request's code, else the item's own reference (may be empty)."""
        return self.reference or (getattr(self.request, "code", "") if self.request is not None else "")


@dataclass(frozen=True)
class OcdsPart:
    """What an upper app adds to a request's OCDS release."""

    fields: dict[str, Any]
    parties: list[tuple[Any, list[str]]] = field(default_factory=list)  # (organisation, roles)
    extensions: list[str] = field(default_factory=list)  # URLs of the OCDS extensions used


_panel_providers: dict[str, list[Callable]] = {}
_ocds_providers: list[Callable] = []
_row_decorators: dict[str, list[Callable]] = {}
_todo_providers: list[Callable] = []


def panel_provider(page: str = "request") -> Callable[[Callable], Callable]:
    """Register `fn(obj, user) -> Panel | None` for page `page` ("request": a service
    request; "firm": an intermediary's public page)."""

    def register(fn: Callable) -> Callable:
        providers = _panel_providers.setdefault(page, [])
        if fn not in providers:
            providers.append(fn)
        return fn

    return register


def page_panels(page: str, obj, user) -> list[Panel]:
    """The panels other apps add to `page` for `obj` and `user`, in their order."""
    found = [panel for fn in _panel_providers.get(page, []) if (panel := fn(obj, user)) is not None]
    return sorted(found, key=lambda p: p.order)


def row_decorator(page: str) -> Callable[[Callable], Callable]:
    """Register `fn(rows, user)` that sets attributes on the rows of list `page` ("registry")."""

    def register(fn: Callable) -> Callable:
        decorators = _row_decorators.setdefault(page, [])
        if fn not in decorators:
            decorators.append(fn)
        return fn

    return register


def rows_decorate(page: str, rows: list, user) -> None:
    for fn in _row_decorators.get(page, []):
        fn(rows, user)


def todo_provider(fn: Callable) -> Callable:
    """Register `fn(user, now) -> list[TodoItem]`, called when a to-do list is shown."""
    if fn not in _todo_providers:
        _todo_providers.append(fn)
    return fn


def todo_providers() -> list[Callable]:
    return list(_todo_providers)


def ocds_part_provider(fn: Callable) -> Callable:
    """Register `fn(request) -> OcdsPart | None` for the request's OCDS release."""
    if fn not in _ocds_providers:
        _ocds_providers.append(fn)
    return fn


def ocds_parts(request) -> list[OcdsPart]:
    return [part for fn in _ocds_providers if (part := fn(request))]
