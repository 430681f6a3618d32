"""Reads of the anti-avoidance cases, always within the officer's jurisdiction
(`core.jurisdiction`: city staff see every case, county staff the cases of their county)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import Organisation
from core.jurisdiction import bureau_filter
from core.rules import RULES
from market.models import ServiceRequest
from supervision.models import SignalCase


def signal_cases_for_bureau(*, user) -> QuerySet[SignalCase]:
    """Every case in the scope of bureau officer `user` (none for anyone else)."""
    return bureau_filter(SignalCase.objects.select_related("region", "owner"), user=user)


def signal_cases_pending(*, user) -> QuerySet[SignalCase]:
    """The open cases waiting on bureau officer `user`, soonest due first; each has its
    `due_at` (rule `signal_review_workdays` working days from its detection). For the
    bureau's 待办."""
    return signal_cases_for_bureau(user=user).filter(status=SignalCase.Status.OPEN).order_by("due_at", "id")


def signal_case_for_bureau(*, user, case_id: int) -> SignalCase | None:
    """One case if it is in the officer's scope, else None."""
    return signal_cases_for_bureau(user=user).select_related("reviewed_by").filter(pk=case_id).first()


@dataclass(frozen=True)
class CaseFacts:
    """What a case's detail page shows: the requests and firms behind it, the rule."""

    requests: list[ServiceRequest]
    firms: list[Organisation]
    rule_label: str
    rule_unit: str
    new_fact_keys: list[str]


def signal_case_facts(case: SignalCase) -> CaseFacts:
    """The requests and firms a case names (in the order stored), the label of its rule,
    and the facts not yet seen by a review."""
    requests = {r.pk: r for r in ServiceRequest.objects.select_related("owner", "selected_firm", "service_item",
                                                                       "region").filter(pk__in=case.request_ids)}
    firms = {o.pk: o for o in Organisation.objects.filter(pk__in=case.firm_ids)}
    rule = RULES.get(case.rule_key)
    return CaseFacts(
        requests=[requests[pk] for pk in case.request_ids if pk in requests],
        firms=[firms[pk] for pk in case.firm_ids if pk in firms],
        rule_label=rule.label if rule else "",
        rule_unit=rule.unit if rule else "",
        new_fact_keys=sorted(set(case.fact_keys) - set(case.reviewed_fact_keys)) if case.reviewed_at else [],
    )


def plain(value: Decimal) -> str:
    """A figure as people write it: 80 rather than 80.00, 2.5 rather than 2.5000."""
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
