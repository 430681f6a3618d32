"""Helpers of the comparison-selection tests: a comparison request with criteria, quotes
from signed-up firms, and the passing of its deadlines."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bidding.models import ComparisonCriteria, ComparisonItem
from bidding.services_comparison import (
    ItemInput,
    comparison_criteria_set,
    comparison_quote_submit,
)
from market.models import ServiceRequest
from market.services_requests import request_publish, request_refresh, signup_create
from tests.factories import firm_user, request_draft, service_item

JUDGED = ComparisonItem.Kind.JUDGED
CREDIT = ComparisonItem.Kind.CREDIT
DEFAULT_ITEMS = (ItemInput("服务方案", 30), ItemInput("项目人员", 10))


def pdf(body: bytes = b"response", name: str = "响应文件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% " + body + b"\n", content_type="application/pdf")


def comparison_draft(owner, *, price_weight: int = 60, items=DEFAULT_ITEMS, panel=(), item=None, **overrides):
    req = request_draft(owner=owner, method="comparison", item=item or service_item(), **overrides)
    comparison_criteria_set(request_id=req.pk, user=owner, price_weight=price_weight, items=list(items),
                            panel=list(panel), formula=ComparisonCriteria.Formula.LOWEST_PRICE)
    return req


def quoted_request(owner, amounts, *, firms=None, **criteria) -> tuple[ServiceRequest, list]:
    """A published comparison with one firm per amount signed up and quoted (in order)."""
    item = service_item()
    req = comparison_draft(owner, item=item, **criteria)
    request_publish(request_id=req.pk, user=owner)
    firms = firms or [firm_user(item=item) for _ in amounts]
    for user, amount in zip(firms, amounts, strict=True):
        signup_create(request_id=req.pk, user=user)
        if amount is not None:
            comparison_quote_submit(request_id=req.pk, user=user, amount=Decimal(amount),
                                    document=pdf(f"{user.username} {amount}".encode()))
    req.refresh_from_db()
    return req, firms


def close_signup(req: ServiceRequest, *, opening_in: timedelta = timedelta(hours=1)) -> ServiceRequest:
    """Sign-up (and quoting) closed, the opening `opening_in` ahead."""
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(minutes=5),
                                                    selection_at=now + opening_in)
    req.refresh_from_db()
    return request_refresh(req)


def open_now(req: ServiceRequest) -> ServiceRequest:
    """Both deadlines passed; the lazy check of the request opens the quotes."""
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(minutes=5),
                                                    selection_at=now - timedelta(minutes=1))
    req.refresh_from_db()
    return request_refresh(req)
