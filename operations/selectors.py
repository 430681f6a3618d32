"""Reads for operators (metrics): counts over the whole platform, a handful of indexed
queries per scrape, never on a request's path."""

from datetime import datetime

from django.utils import timezone


def auctions_count_by_status() -> dict[str, int]:
    """Auctions per status (`scheduled`, `live`, `closed`, `void`), zeros included."""
    from django.db.models import Count

    from bidding.models import Auction

    counts = {status: 0 for status in Auction.Status.values}
    for row in Auction.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def overdue_steps_open(*, now: datetime | None = None) -> dict[str, int]:
    """Steps past their deadline and still not done, per step (the steps of
    `OverdueWarning.Step`): the owner not confirming, the owner not uploading or the firm not
    signing the contract, the service past its period, an objection not answered. The same
    conditions as `requests_overdue_sweep`, counted whether or not the warning is recorded
    yet; a step stops counting when it is done."""
    from market.models import Objection, OverdueWarning, ServiceRequest

    now = now or timezone.now()
    S = ServiceRequest.Status
    step = OverdueWarning.Step
    requests = ServiceRequest.objects
    return {
        step.CONFIRM: requests.filter(status=S.AWAITING_CONFIRMATION, confirm_due__lt=now).count(),
        step.CONTRACT_OWNER: requests.filter(status=S.CONTRACTING, contract_due__lt=now,
                                             contract_owner_document__isnull=True).count(),
        step.CONTRACT_FIRM: requests.filter(status=S.CONTRACTING, contract_due__lt=now,
                                            contract_owner_document__isnull=False).count(),
        step.SERVICE: requests.filter(status=S.IN_SERVICE, service_ends_at__lt=now).count(),
        step.OBJECTION_ANSWER: Objection.objects.filter(status=Objection.Status.PENDING, answer_due__lt=now).count(),
    }
