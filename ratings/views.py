"""Rating pages: each role's list of requests to rate, and one request's ratings page where
the owner rates the firm, the firm rates the owner, the rated party disputes, and the bureau
answers disputes and gives its sector rating.

Thin adapters over `ratings.services`; service errors become Chinese messages with 4xx.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from core.exceptions import DomainError, ValidationFailed
from core.jurisdiction import bureau_filter
from core.text import id_clean
from market.models import ServiceRequest
from market.selectors import request_visible_to_bureau
from ratings.models import FIRM_DIMENSIONS, OWNER_DIMENSIONS, Rating
from ratings.selectors import (
    RATEABLE,
    dispute_due,
    disputes_pending,
    rating_due,
    ratings_of_request,
)
from ratings.services import (
    rating_dispute_answer,
    rating_dispute_file,
    rating_refresh,
    rating_submit_firm,
    rating_submit_owner,
    sector_rating_submit,
)


@login_required
@require_GET
def rating_list(request):
    """Requests the user's organisation rates or is rated on (bureau: pending disputes too)."""
    org = request.user.organisation
    if org is None:
        raise Http404
    qs = ServiceRequest.objects.filter(status__in=RATEABLE).select_related("owner", "selected_firm", "region")
    if org.is_owner:
        qs = qs.filter(owner=org)
    elif org.is_intermediary:
        qs = qs.filter(selected_firm=org)
    elif org.is_bureau:
        qs = bureau_filter(qs, user=request.user)
    rows = list(qs.order_by("-status_changed_at", "-id")[:100])
    return render(request, "ratings/list.html", {
        "rows": rows, "disputes": list(disputes_pending(user=request.user)[:100]) if org.is_bureau else [],
    })


def _may_view(user, req: ServiceRequest) -> dict:
    org = user.organisation
    return {
        "is_owner": org is not None and req.owner_id == org.pk,
        "is_firm": org is not None and req.selected_firm_id == org.pk,
        "is_bureau": org is not None and org.is_bureau and request_visible_to_bureau(user=user, request=req),
    }


def _rating_form(dims, posted, errors: dict, side: str) -> dict:
    """A rating form as the template draws it: one row per dimension with its five choices
    (the one chosen kept after an error), the overall verdict and the comment."""
    scale = ["5", "4", "3", "2", "1"]
    return {
        "side": side,
        "rows": [{"name": name, "label": label, "value": posted.get(name, ""), "errors": errors.get(name, []),
                  "choices": scale} for name, label in dims],
        "overall": {"value": posted.get("overall", ""), "errors": errors.get("overall", []),
                    "choices": Rating.Overall.choices},
        "comment": {"value": posted.get("comment", ""), "errors": errors.get("comment", [])},
        "error_count": sum(len(v) for v in errors.values()),
    }


def _summary(error, field_errors: dict) -> str:
    """What goes above a failed form: the service's message only when no field shows it."""
    if error is None:
        return ""
    if field_errors:
        return f"请按提示修改（共 {sum(len(v) for v in field_errors.values())} 处），已选的评分都已保留。"
    return error.message


def _scores_from(post, dims) -> dict:
    return {name: post.get(name) for name, _label in dims}


@login_required
@require_http_methods(["GET", "POST"])
def request_ratings(request, code: str):
    req = get_object_or_404(ServiceRequest.objects.select_related("owner", "selected_firm", "region"), code=code)
    who = _may_view(request.user, req)
    if not any(who.values()) or req.status not in RATEABLE:
        raise Http404
    rating_refresh(req)  # the lazy default-rating check
    error, status = None, 200
    if request.method == "POST":
        post, user = request.POST, request.user
        action = post.get("action")
        try:
            if action == "owner_rate":
                rating_submit_owner(user=user, request_id=req.pk, scores=_scores_from(post, OWNER_DIMENSIONS),
                                    overall=post.get("overall", ""), comment=post.get("comment", ""))
                messages.success(request, "评价已提交，即时生效。")
            elif action == "firm_rate":
                rating_submit_firm(user=user, request_id=req.pk, scores=_scores_from(post, FIRM_DIMENSIONS),
                                   overall=post.get("overall", ""), comment=post.get("comment", ""))
                messages.success(request, "评价已提交。")
            elif action == "dispute":
                rating_dispute_file(user=user, rating_id=id_clean(post.get("rating"), field="rating", label="评价"), reason=post.get("reason", ""))
                messages.success(request, "异议已提交，行政审批局将书面答复。")
            elif action in ("keep", "void"):
                rating_dispute_answer(user=user, rating_id=id_clean(post.get("rating"), field="rating", label="评价"), keep=action == "keep",
                                      answer=post.get("answer", ""))
                messages.success(request, "异议已处理。")
            elif action == "sector":
                sector_rating_submit(user=user, request_id=req.pk, quality=post.get("quality"),
                                     comment=post.get("comment", ""))
                messages.success(request, "行业主管部门评价已提交。")
            else:
                raise ValidationFailed("未知操作。")
        except DomainError as exc:
            error, status = exc, exc.status_code
        else:
            return redirect("ratings:request", code=req.code)
        req.refresh_from_db()
    ratings = ratings_of_request(request_id=req.pk)
    now = timezone.now()
    for r in ratings.values():
        r.dispute_until = dispute_due(r)
        r.may_dispute = (request.user.organisation_id == r.rated_id and not hasattr(r, "dispute")
                         and now <= r.dispute_until)
    due = rating_due(req)
    owner_rating, firm_rating = ratings.get(Rating.Side.OWNER), ratings.get(Rating.Side.FIRM)
    posted = request.POST if error else {}
    field_errors = dict(error.errors or {}) if error else {}
    action = posted.get("action", "") if error else ""
    sector = getattr(req, "sector_rating", None)
    return render(request, "ratings/request.html", {
        "req": req, **who, "owner_rating": owner_rating, "firm_rating": firm_rating, "sector": sector,
        "due": due, "open": due is None or now <= due, "error": error, "error_action": action,
        # The forms again with what was chosen and each error beside its field (never twice).
        "owner_form": _rating_form(OWNER_DIMENSIONS, posted if action == "owner_rate" else {},
                                   field_errors if action == "owner_rate" else {}, "owner"),
        "firm_form": _rating_form(FIRM_DIMENSIONS, posted if action == "firm_rate" else {},
                                  field_errors if action == "firm_rate" else {}, "firm"),
        "error_summary": _summary(error, field_errors if action in ("owner_rate", "firm_rate") else {}),
        "scale": [5, 4, 3, 2, 1],
        "may_owner_rate": who["is_owner"] and owner_rating is None and req.status == ServiceRequest.Status.COMPLETED,
        "may_firm_rate": who["is_firm"] and firm_rating is None and (due is None or now <= due),
        "may_sector_rate": who["is_bureau"] and sector is None and req.selected_firm_id is not None,
    }, status=status)
