"""Writes of the random draw (随机选取) by the public recipe YCZJCS-DRAW-v1.

The draw runs once per request, when its selection time has passed: by the beat sweep
(`draws_sweep_due`, through the draw method's `sweep`) or lazily when that request is read
(its `advance`, from `market.services_requests.request_refresh`). Every registrant is
re-checked at draw time; the secret nonce committed at publication is revealed only in the
record. The ranking ends in `request_select`, which re-checks the winner at that moment.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from bidding import draw as recipe
from bidding.methods import DRAW
from bidding.models import Draw
from core.locking import lock_rows
from core.rules import rule_int
from market.lifecycle import S
from market.models import ServiceRequest, SignUp
from market.selectors import ELIGIBLE, eligible_firms, firm_eligibility
from market.services_requests import request_fail, request_select

DUE_BATCH = 200


def _due(req: ServiceRequest, now: datetime) -> bool:
    return (
        req.status == S.SELECTING
        and req.method == DRAW
        and req.selection_at is not None
        and req.selection_at <= now
    )


def draw_run(*, request_id: int, now: datetime | None = None) -> Draw | None:
    """Run the random draw of a due request and return it; at most once per request.

    Under the request's row lock: an existing draw is returned as it is (idempotent, and
    what a second worker gets after waiting for the lock). A request that is not a due draw
    (another status or method, selection time not reached) is left alone: None. Each
    registrant of the current round is re-checked with `firm_eligibility` at `now`; those
    failing are listed in the record's `excluded` with the reason. With fewer eligible
    registrants than the `min_registrants` rule the request fails (流标) and None is returned.
    Otherwise the record is built, stored as the request's one Draw, the first of the ranking
    is selected (`select`, to awaiting confirmation) and the chain records seed, pool hash
    and winner. The owner and the winner are notified after commit.
    """
    now = now or timezone.now()
    with transaction.atomic():
        req = lock_rows(
            ServiceRequest.objects.select_related("service_item", "service_item__qualification_type")
            .filter(pk=request_id)
        ).first()
        if req is None:
            return None
        existing = Draw.objects.filter(request=req).select_related("winner").first()
        if existing is not None:
            return existing
        if not _due(req, now):
            return None

        registrants = [
            s.organisation
            for s in SignUp.objects.filter(request=req, round=req.publish_count).select_related("organisation")
        ]
        # One query finds the eligible registrants (`eligible_firms` accepts exactly whom
        # `firm_eligibility` accepts); only the others are asked one by one, for the reason.
        signed_up = SignUp.objects.filter(request=req, round=req.publish_count).values("organisation_id")
        eligible_ids = set(eligible_firms(request=req, at=now).filter(pk__in=signed_up).values_list("pk", flat=True))
        pool, excluded = [], []
        for org in registrants:
            verdict = ELIGIBLE if org.pk in eligible_ids else firm_eligibility(organisation=org, request=req, at=now)
            if verdict.ok:
                pool.append(org)
            else:
                excluded.append({"code": org.uscc, "reason": verdict.message})
        minimum = rule_int("min_registrants")
        counts = {"registrants": len(registrants), "valid_registrants": len(pool), "minimum": minimum,
                  "excluded": excluded}
        if len(pool) < minimum:
            reason = f"选取时有效报名{len(pool)}家，少于规定的{minimum}家，本次采购失败（流标）。"
            request_fail(request=req, reason=reason, now=now, data=counts)
            return None

        record = recipe.build_record(
            request_code=req.code,
            nonce=bytes.fromhex(req.draw_nonce),
            commitment=req.draw_commitment,
            pool=[org.uscc for org in pool],
            excluded=excluded,
            drawn_at=timezone.localtime(now),
        )
        by_code = {org.uscc: org for org in pool}
        winner = by_code[record["ranking"][0]["code"]]
        try:
            with transaction.atomic():  # a savepoint: the one-to-one refuses a second draw
                result = Draw.objects.create(
                    request=req, round=req.publish_count, record=record, pool_hash=record["pool_hash"],
                    seed=record["seed"], winner=winner, drawn_at=now,
                )
        except IntegrityError:
            # Another worker drew first (only possible where the row lock is weaker than
            # promised); its draw is the draw.
            return lock_rows(Draw.objects.select_related("winner").filter(request_id=req.pk)).get()
        request_select(
            request=req, ranking=[entry["code"] for entry in record["ranking"]], now=now,
            data={"algorithm": recipe.ALGORITHM, "round": req.publish_count, "seed": record["seed"],
                  "pool_hash": record["pool_hash"], "pool_size": len(pool), "winner": winner.uscc,
                  "excluded": len(excluded)},
        )
        return result


def draws_sweep_due(*, now: datetime | None = None) -> int:
    """Run every due draw (selecting, method draw, selection time passed). Returns how many
    requests were looked at; cheap (one query) when none is due."""
    now = now or timezone.now()
    due = list(
        ServiceRequest.objects.filter(
            status=S.SELECTING, method=DRAW, selection_at__lte=now
        ).order_by("selection_at", "pk").values_list("pk", flat=True)[:DUE_BATCH]
    )
    for pk in due:
        draw_run(request_id=pk, now=now)
    return len(due)
