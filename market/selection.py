"""Selection methods as plug-ins (选取方式).

The request's lifecycle (`market.lifecycle`, `market.services_requests`) knows *that* a
request is selected, never *how*: each method — random draw, live auction, direct pick,
comparison — is a `SelectionMethod` registered here by the app that implements it (in its
`AppConfig.ready()`), and the lifecycle calls it at fixed points:

  publish        `on_publish`      what the method commits to when the request is published
                                   (the draw's secret nonce); `publish_errors` adds its checks
  sign-up closes `minimum`         how many valid registrants it needs (else 流标)
                 `on_signup_closed` what it prepares (the auction is scheduled)
  when due       `is_due`/`advance` the lazy check of one request; `sweep` for the beat
  its result     `ranking`         the firms in order: the first is proposed by the method and
                                   the rest are the substitutes; every method ends by calling
                                   `market.services_requests.request_select`, which re-checks
                                   eligibility and sets the confirmation deadline
  the contract   `price`           what a contract with a firm may not exceed

A method adds to the request page through `panel` (a template and its context). A new
method is a new module that subclasses `SelectionMethod` and registers itself; nothing in
market changes (see the README, "Where things go").
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from core.rules import rule_int
from market.extensions import Panel

if TYPE_CHECKING:
    from accounts.models import Organisation
    from market.models import ServiceRequest


class SelectionMethod:
    """The interface every selection method implements. Defaults suit a method that needs
    nothing at publication, the rule's minimum of valid registrants, no scheduled step, no
    ranking beyond its winner, and the ceiling as the price."""

    code: str = ""
    label: str = ""
    #: Words for the order its substitutes come from ("随机排序", "竞价排名" …).
    ranking_label: str = ""
    #: Whether owners choose it on the request form (direct pick is allowed only by policy).
    public: bool = True

    # --- publication -------------------------------------------------------------------

    def publish_errors(self, request: ServiceRequest, *, now: datetime) -> dict[str, list[str]]:
        """Reasons this method cannot be used for `request` now, per form field."""
        return {}

    def on_publish(self, request: ServiceRequest, *, now: datetime) -> dict:
        """Called under the request's lock just before it is published (each round). May
        set fields on `request` (saved by the caller); returns data for the audit record."""
        return {}

    # --- sign-up close -----------------------------------------------------------------

    def minimum(self, request: ServiceRequest) -> int:
        """Valid registrants needed when sign-up closes; fewer and the request fails (流标)."""
        return rule_int("min_registrants")

    def on_signup_closed(self, request: ServiceRequest, *, now: datetime) -> None:
        """Called under the request's lock once it has moved to `selecting`."""

    # --- when due ----------------------------------------------------------------------

    def is_due(self, request: ServiceRequest, *, now: datetime) -> bool:
        """Whether the method has work to do for this selecting request now (cheap)."""
        return False

    def advance(self, request: ServiceRequest, *, now: datetime) -> None:
        """Do what is due for this one request (the lazy check). Idempotent; safe under
        concurrency (the method locks what it changes)."""

    def sweep(self, *, now: datetime) -> int:
        """Do what is due for every request of this method (the beat). Returns how many
        were looked at."""
        return 0

    # --- the result ----------------------------------------------------------------------

    def ranking(self, request: ServiceRequest) -> list[str]:
        """Unified social credit codes in the method's order for the current round, best
        first ([] when the method has no order: a direct pick has no substitutes)."""
        return []

    def price(self, request: ServiceRequest, firm: Organisation) -> Decimal:
        """The amount a contract with `firm` may not exceed."""
        return request.ceiling

    def ocds_tender(self, request: ServiceRequest) -> dict:
        """The OCDS tender fields that describe this method (procurementMethod and its
        details, awardCriteria and its details)."""
        return {"procurementMethod": "open", "procurementMethodDetails": self.label}

    def result_url(self, request: ServiceRequest) -> str:
        """Where the public record of the selection is shown."""
        return f"/requests/{request.code}/"

    def panel(self, request: ServiceRequest, user) -> Panel | None:
        """What the method shows on the request page for `user`, if anything."""
        return None


_methods: dict[str, SelectionMethod] = {}


def register(method: SelectionMethod) -> SelectionMethod:
    """Register a method under its code (an app's `ready()` calls this once)."""
    if not method.code or not method.label:
        raise ValueError("a selection method needs a code and a label")
    existing = _methods.get(method.code)
    if existing is not None and type(existing) is not type(method):
        raise ValueError(f"selection method {method.code!r} is already registered")
    _methods[method.code] = method
    return method


def methods() -> list[SelectionMethod]:
    return list(_methods.values())


def method_of(request: ServiceRequest) -> SelectionMethod:
    """The method of `request`. Raises KeyError for a code no app registered."""
    return _methods[request.method]


def method_get(code: str) -> SelectionMethod | None:
    return _methods.get(code)


def method_choices() -> list[tuple[str, str]]:
    """(code, label) of every registered method: the choices of `ServiceRequest.method`."""
    return [(m.code, m.label) for m in _methods.values()]


def method_label(code: str) -> str:
    method = _methods.get(code)
    return method.label if method else code


def request_panels(request: ServiceRequest, user) -> list[Panel]:
    """Every panel of the request page for `user`: its method's, then other apps', in order."""
    from market.extensions import page_panels

    method = _methods.get(request.method)
    own = method.panel(request, user) if method is not None else None
    return sorted(([own] if own else []) + page_panels("request", request, user), key=lambda p: p.order)
