"""The life of a service request, in one place: its states, each transition's guard, who
may fire it and its effect.

    draft ──publish──▶ published ──close_signup──▶ selecting ──select──▶ awaiting_confirmation
      │                 │   ▲                          │                   │  ▲ substitute
      │                 │   └──publish (re-publish)─┐  │ fail              │  │ (firm declines)
      └──cancel──▶ cancelled ◀──cancel── failed ◀───┴──┘◀──fail────────────┤  │
                                           │ select (direct pick after failures)
    awaiting_confirmation ──confirm──▶ publicity ──end_publicity──▶ contracting
                                        │   ▲
                          lodge_objection│   │uphold_objection / dismiss_objection
                                        ▼   │
                                       objection ──fail (upheld, nobody left)──▶ failed
    contracting ──start_service──▶ in_service ──deliver──▶ delivered ──accept──▶ completed ──rate──▶ rated
    contracting / in_service / delivered ──terminate──▶ terminated

How a request is selected is not decided here: each selection method (`market.selection`)
ends in `market.services_requests.request_select`, which fires `select`.

Transitions only guard and set fields (no query, no side effect). `permission` says who may
fire each one: a user of the owner, of the selected firm, a registrant, bureau staff in
scope, or the platform itself (`None`: the beat sweep and the lazy deadline check). Every
transition is fired through `request_fire`, which checks that permission, saves, appends
the change with its actor to the request's audit chain and announces it after commit
(`core.events`). Services in `market.services_requests` and `market.services_results`
lock the row and re-check the rules before they fire.
"""

from datetime import datetime
from typing import Any

import django_fsm as fsm
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.services import record_append
from core.events import emit
from core.exceptions import NotAllowed
from core.jurisdiction import bureau_covers
from core.models import SerialRefreshMixin


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("报名中")
    SELECTING = "selecting", _("选取中")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("待确认结果")
    PUBLICITY = "publicity", _("结果公示")
    OBJECTION = "objection", _("质疑处理中")
    CONTRACTING = "contracting", _("合同签订")
    IN_SERVICE = "in_service", _("服务中")
    DELIVERED = "delivered", _("已交付")
    COMPLETED = "completed", _("已验收")
    RATED = "rated", _("已评价")
    CANCELLED = "cancelled", _("已取消")
    FAILED = "failed", _("流标")
    TERMINATED = "terminated", _("已终止")


S = Status

#: States a request never leaves.
FINAL = (S.RATED, S.CANCELLED, S.TERMINATED)
#: States whose deadlines can run out (the overdue check looks at these).
WITH_DEADLINES = (S.AWAITING_CONFIRMATION, S.CONTRACTING, S.IN_SERVICE, S.OBJECTION)


# ---------------------------------------------------------------------------------------
# Who may fire a transition: permission(request, user); user None is the platform itself.


def _org_id(user) -> int | None:
    return getattr(user, "organisation_id", None) if getattr(user, "is_authenticated", False) else None


def platform(request, user) -> bool:
    """The platform itself: the beat sweep and the lazy deadline check."""
    return user is None


def owner(request, user) -> bool:
    return user is not None and _org_id(user) is not None and _org_id(user) == request.owner_id


def selected_firm(request, user) -> bool:
    return user is not None and request.selected_firm_id is not None and _org_id(user) == request.selected_firm_id


def other_firm(request, user) -> bool:
    """An intermediary that is not the selected firm (a registrant, checked by the service)."""
    org = getattr(user, "organisation", None) if user is not None else None
    return bool(org and org.is_intermediary and org.pk != request.selected_firm_id)


def bureau(request, user) -> bool:
    return user is not None and bureau_covers(user=user, region_id=request.region_id)


def any_of(*checks):
    def allowed(request, user) -> bool:
        return any(check(request, user) for check in checks)

    allowed.__doc__ = " or ".join(check.__name__ for check in checks)
    return allowed


# ---------------------------------------------------------------------------------------
# Pure conditions (guards that read only the row).


def has_publicity_end(request) -> bool:
    return request.publicity_ends_at is not None


def contract_uploaded_by_owner(request) -> bool:
    return request.contract_owner_document_id is not None and request.contract_amount is not None


class RequestLifecycle(SerialRefreshMixin, fsm.ConcurrentTransitionMixin, models.Model):
    """The state machine of `market.models.ServiceRequest` (which holds the fields)."""

    Status = Status

    status = fsm.FSMField(_("状态"), default=S.DRAFT, choices=S.choices, protected=True, db_index=True)

    class Meta:
        abstract = True

    # --- publication and sign-up ---------------------------------------------------------

    @fsm.transition(field=status, source=[S.DRAFT, S.FAILED], target=S.PUBLISHED, permission=owner)
    def publish(self, *, at: datetime) -> None:
        """A new round of sign-up opens (a failed request may be published again)."""
        self.published_at = at
        self.status_changed_at = at
        self.publish_count += 1
        self.closing_reason = ""

    @fsm.transition(field=status, source=S.PUBLISHED, target=S.SELECTING, permission=platform)
    def close_signup(self, *, at: datetime) -> None:
        """Sign-up closed with enough valid registrants for the method."""
        self.status_changed_at = at

    @fsm.transition(field=status, source=[S.DRAFT, S.PUBLISHED, S.FAILED], target=S.CANCELLED, permission=owner)
    def cancel(self, *, at: datetime, closing_reason: str) -> None:
        """The owner withdraws the request before selection, with a reason registrants see."""
        self.status_changed_at = at
        self.closing_reason = closing_reason

    # --- selection -----------------------------------------------------------------------

    @fsm.transition(field=status, source=[S.SELECTING, S.FAILED], target=S.AWAITING_CONFIRMATION,
                    permission=any_of(platform, owner))
    def select(self, *, at: datetime, firm, confirm_due: datetime, direct_reason: str = "") -> None:
        """The method's choice (checked eligible at this moment) awaits the owner's
        confirmation by `confirm_due`. A direct pick (by the owner; from `failed` only after
        the rule's number of failures, checked by the service) is flagged with its reason."""
        self.selected_firm = firm
        self.status_changed_at = at
        self.confirm_due = confirm_due
        self.closing_reason = ""
        if direct_reason:
            self.direct_pick = True
            self.direct_pick_reason = direct_reason

    @fsm.transition(field=status, source=[S.AWAITING_CONFIRMATION, S.PUBLICITY], target=S.AWAITING_CONFIRMATION,
                    permission=any_of(selected_firm, platform))
    def substitute(self, *, at: datetime, firm, confirm_due: datetime) -> None:
        """The selected firm declined: the next eligible firm of the method's ranking takes
        its place, to be confirmed again."""
        self.selected_firm = firm
        self.status_changed_at = at
        self.confirm_due = confirm_due
        self.publicity_ends_at = None

    @fsm.transition(field=status, source=[S.PUBLISHED, S.SELECTING, S.AWAITING_CONFIRMATION, S.PUBLICITY, S.OBJECTION],
                    target=S.FAILED, permission=any_of(platform, selected_firm, bureau))
    def fail(self, *, at: datetime, closing_reason: str) -> None:
        """流标: too few valid registrants or bids, or nobody left in line. It may be published again."""
        self.selected_firm = None
        self.status_changed_at = at
        self.failure_count += 1
        self.closing_reason = closing_reason
        self.confirm_due = None
        self.publicity_ends_at = None

    # --- confirmation and publicity ------------------------------------------------------

    @fsm.transition(field=status, source=S.AWAITING_CONFIRMATION, target=S.PUBLICITY, permission=owner)
    def confirm(self, *, at: datetime, publicity_ends_at: datetime) -> None:
        """The owner confirms the result; publicity (公示) runs until `publicity_ends_at`."""
        self.status_changed_at = at
        self.confirm_due = None
        self.publicity_ends_at = publicity_ends_at

    @fsm.transition(field=status, source=S.PUBLICITY, target=S.OBJECTION, permission=other_firm)
    def lodge_objection(self, *, at: datetime) -> None:
        """A registrant objects: publicity pauses; the time it had left is kept for a dismissal."""
        remaining = (self.publicity_ends_at - at).total_seconds() if self.publicity_ends_at else 0
        self.publicity_remaining_seconds = max(int(remaining), 0)
        self.status_changed_at = at

    @fsm.transition(field=status, source=S.OBJECTION, target=S.PUBLICITY, permission=bureau)
    def uphold_objection(self, *, at: datetime, firm, publicity_ends_at: datetime) -> None:
        """The selected firm is disqualified; the next in line is publicised for a full period."""
        self.selected_firm = firm
        self.publicity_ends_at = publicity_ends_at
        self.publicity_remaining_seconds = None
        self.status_changed_at = at

    @fsm.transition(field=status, source=S.OBJECTION, target=S.PUBLICITY, permission=bureau)
    def dismiss_objection(self, *, at: datetime, publicity_ends_at: datetime) -> None:
        """Publicity resumes with the time it had left when the objection was lodged."""
        self.publicity_ends_at = publicity_ends_at
        self.publicity_remaining_seconds = None
        self.status_changed_at = at

    @fsm.transition(field=status, source=S.PUBLICITY, target=S.CONTRACTING, conditions=[has_publicity_end],
                    permission=platform)
    def end_publicity(self, *, at: datetime, contract_due: datetime) -> None:
        """Publicity is over: the contract is due by `contract_due`."""
        self.status_changed_at = at
        self.contract_due = contract_due

    # --- contract, service, acceptance, rating ------------------------------------------

    @fsm.transition(field=status, source=S.CONTRACTING, target=S.IN_SERVICE, conditions=[contract_uploaded_by_owner],
                    permission=selected_firm)
    def start_service(self, *, at: datetime, document, service_ends_at: datetime) -> None:
        """The firm's signed copy completes the contract; the service period starts."""
        self.contract_firm_document = document
        self.service_starts_at = at
        self.service_ends_at = service_ends_at
        self.status_changed_at = at

    @fsm.transition(field=status, source=S.IN_SERVICE, target=S.DELIVERED, permission=selected_firm)
    def deliver(self, *, at: datetime, document) -> None:
        """The firm hands over the result document (结果文件)."""
        self.result_document = document
        self.delivered_at = at
        self.status_changed_at = at

    @fsm.transition(field=status, source=S.DELIVERED, target=S.COMPLETED, permission=owner)
    def accept(self, *, at: datetime) -> None:
        """The owner accepts the result; the rating period starts."""
        self.completed_at = at
        self.status_changed_at = at

    @fsm.transition(field=status, source=S.COMPLETED, target=S.RATED, permission=any_of(owner, platform))
    def rate(self, *, at: datetime) -> None:
        """The owner's rating of the firm (or the default 满意 after the deadline) is recorded."""
        self.status_changed_at = at

    @fsm.transition(field=status, source=[S.CONTRACTING, S.IN_SERVICE, S.DELIVERED], target=S.TERMINATED,
                    permission=bureau)
    def terminate(self, *, at: datetime, closing_reason: str) -> None:
        """The bureau grants the owner's request to end the contract for the firm's breach."""
        self.closing_reason = closing_reason
        self.status_changed_at = at


# Events announced after a transition commits, besides "request.status_changed".
TRANSITION_EVENTS = {
    "publish": "request.published",
    "select": "request.selected",
    "substitute": "request.selected",
    "uphold_objection": "request.selected",
    "start_service": "request.contracted",
    "accept": "request.completed",
}


def request_chain(request) -> str:
    """The audit chain of one request."""
    return f"request:{request.code}"


def request_fire(request, transition: str, *, actor, reason: str = "", data: dict[str, Any] | None = None,
                 **args) -> None:
    """Fire `transition` on `request` with `args`, save, record the change with its actor
    in the request's audit chain, and announce it after commit ("request.status_changed",
    and the transition's own event in `TRANSITION_EVENTS`).

    Preconditions: the caller holds the request's row lock inside a transaction and has
    re-checked its rules. Raises NotAllowed when `actor` may not fire this transition (the
    transition's `permission`), and django-fsm's TransitionNotAllowed from a wrong state.
    """
    method = getattr(request, transition)
    if not fsm.has_transition_perm(method, actor):
        raise NotAllowed("您无权执行此操作。")
    before = request.status
    method(**args)
    request.save()
    record_append(
        chain=request_chain(request), kind="transition", actor=actor, from_state=before, to_state=request.status,
        reason=reason, data={"transition": transition, **(data or {})},
    )
    payload = {"request_id": request.pk, "code": request.code, "transition": transition,
               "from_state": before, "to_state": request.status}
    emit("request.status_changed", **payload)
    if transition in TRANSITION_EVENTS:
        emit(TRANSITION_EVENTS[transition], **payload)


def transition_table() -> list[tuple[str, str, str]]:
    """(source, transition, target) of every transition, sorted: what the tests pin."""
    rows = set()
    for name, method in vars(RequestLifecycle).items():
        meta = getattr(method, "_django_fsm", None)
        if meta is None:
            continue
        for source, t in meta.transitions.items():
            rows.add((str(source), name, str(t.target)))
    return sorted(rows)
