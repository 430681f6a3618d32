"""Pages of comparison selection (询比选取): the owner's criteria, the firm's sealed quote,
the public opening and evaluation record, the panel's score sheet and the response
documents after the opening.

Thin adapters: the services decide and write (`bidding.services_comparison`), the
selectors say who sees what (`bidding.selectors_comparison`); a service error becomes its
Chinese message with its 4xx status, never a 500.
"""

from io import BytesIO

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import User
from bidding import seal
from bidding.methods import COMPARISON
from bidding.models import ComparisonCriteria, ComparisonItem, ComparisonQuote
from bidding.selectors_comparison import (
    comparison_may_score,
    comparison_page,
    criteria_of,
    document_allowed,
    has_scored,
    judged_items,
    opened_rows,
    opening_of,
    quote_of,
    quote_window_open,
    viewer_of,
)
from bidding.services_comparison import (
    ITEMS_MAX,
    ItemInput,
    comparison_criteria_set,
    comparison_quote_submit,
    comparison_score_submit,
    quote_floor,
)
from core.exceptions import DomainError
from core.rules import rule_text
from core.text import id_clean
from core.web import role_required
from market.lifecycle import S
from market.models import ServiceRequest
from market.selectors import PUBLIC_STATUSES
from market.services_requests import request_refresh

BLANK_ROWS = 2  # empty rows below the items already set
MIN_ROWS = 4


def _comparison(code: str, *, statuses=None) -> ServiceRequest:
    qs = ServiceRequest.objects.select_related("owner", "region", "service_item", "selected_firm")
    req = qs.filter(code=code, method=COMPARISON).first()
    if req is None or (statuses is not None and req.status not in statuses):
        raise Http404("没有这个询比项目。")
    return req


def _detail_url(req: ServiceRequest) -> str:
    return reverse("market:request_detail", args=[req.code])


@require_safe
def comparison(request, code: str):
    """The comparison record (public once published): criteria; from the opening every quote
    with its SHA-256 and points; the ranking; scores and reasons for those who may see them."""
    req = _comparison(code, statuses=PUBLIC_STATUSES)
    request_refresh(req)  # the lazy check: a due opening (or lapse) happens before it is shown
    context = comparison_page(request=req, user=request.user)
    context["scoring_days"] = rule_text("comparison_scoring_workdays")
    return render(request, "bidding/comparison.html", context)


# ---------------------------------------------------------------------------------------
# The owner's criteria


def _criteria_rows(post, count: int) -> list[ItemInput]:
    rows = []
    for n in range(1, count + 1):
        name = post.get(f"item-{n}-name", "")
        weight = post.get(f"item-{n}-weight", "")
        if not name.strip() and not str(weight).strip():
            continue  # a blank row of the form
        rows.append(ItemInput(name=name, weight=weight, kind=post.get(f"item-{n}-kind", ComparisonItem.Kind.JUDGED),
                              guidance=post.get(f"item-{n}-guidance", "")))
    return rows


def _criteria_form_context(req: ServiceRequest, criteria: ComparisonCriteria | None, *, post=None, errors=None,
                           message: str = "") -> dict:
    if post is not None:
        raw = str(post.get("rows", ""))
        count = max(1, min(int(raw), ITEMS_MAX)) if raw.isdigit() else ITEMS_MAX
        rows = [{"n": n, "name": post.get(f"item-{n}-name", ""), "weight": post.get(f"item-{n}-weight", ""),
                 "kind": post.get(f"item-{n}-kind", "judged"), "guidance": post.get(f"item-{n}-guidance", "")}
                for n in range(1, count + 1)]
        price_weight, chosen = post.get("price_weight", ""), {int(p) for p in post.getlist("panel") if p.isdigit()}
    else:
        items = list(criteria.items.all()) if criteria else []
        rows = [{"n": n, "name": i.name, "weight": i.weight, "kind": i.kind, "guidance": i.guidance}
                for n, i in enumerate(items, 1)]
        count = min(max(len(rows) + BLANK_ROWS, MIN_ROWS), ITEMS_MAX)
        rows += [{"n": n, "name": "", "weight": "", "kind": "judged", "guidance": ""}
                 for n in range(len(rows) + 1, count + 1)]
        price_weight = criteria.price_weight if criteria else ""
        chosen = {m.user_id for m in criteria.panel.all()} if criteria else set()
    errors = errors or {}
    for row in rows:
        row["errors"] = [m for key in ("name", "weight", "kind", "guidance")
                         for m in errors.get(f"item-{row['n']}-{key}", [])]
    users = User.objects.filter(organisation_id=req.owner_id, is_active=True).order_by("pk")
    return {
        "req": req, "rows": rows, "row_count": len(rows), "price_weight": price_weight,
        "formulas": ComparisonCriteria.Formula.choices, "kinds": ComparisonItem.Kind.choices,
        "users": [{"user": u, "chosen": u.pk in chosen} for u in users],
        "errors": errors, "message": message, "items_max": ITEMS_MAX,
    }


@role_required("owner")
@require_http_methods(["GET", "POST"])
def comparison_criteria(request, code: str):
    """The owner sets the criteria and the panel of its comparison draft."""
    req = _comparison(code)
    if req.owner_id != request.user.organisation_id:
        raise Http404("没有这个询比项目。")
    template = "bidding/comparison_criteria.html"
    if req.status != S.DRAFT:
        return redirect("bidding:comparison", code=req.code)
    criteria = criteria_of(request=req)
    if request.method != "POST":
        return render(request, template, _criteria_form_context(req, criteria))
    try:
        comparison_criteria_set(
            request_id=req.pk, user=request.user, price_weight=request.POST.get("price_weight", ""),
            formula=request.POST.get("formula", ""), items=_criteria_rows(request.POST, ITEMS_MAX),
            panel=[id_clean(p, field="panel", label="评审小组成员") for p in request.POST.getlist("panel")[:50]],
        )
    except DomainError as exc:
        context = _criteria_form_context(req, criteria, post=request.POST, errors=exc.errors, message=exc.message)
        return render(request, template, context, status=exc.status_code)
    messages.success(request, "评审标准已保存，发布采购需求时随公告一并公布。")
    return redirect(_detail_url(req))


# ---------------------------------------------------------------------------------------
# The firm's sealed quote


@role_required("intermediary")
@require_http_methods(["GET", "POST"])
def comparison_quote(request, code: str):
    """A registrant submits (or replaces) its sealed quote and response document; the
    answer shows, once, the exact text that was hashed and both SHA-256."""
    req = _comparison(code, statuses=PUBLIC_STATUSES)
    org_id = request.user.organisation_id
    context = {"req": req, "own_quote": quote_of(request=req, organisation_id=org_id),
               "is_open": quote_window_open(req), "signed_up": viewer_of(request=req, user=request.user).signed_up,
               "floor": quote_floor(req), "errors": {}, "message": "", "amount": ""}
    if request.method != "POST":
        return render(request, "bidding/comparison_quote.html", context)
    try:
        receipt = comparison_quote_submit(request_id=req.pk, user=request.user, amount=request.POST.get("amount", ""),
                                          document=request.FILES.get("document"))
    except DomainError as exc:
        context.update(errors=exc.errors, message=exc.message, amount=request.POST.get("amount", "")[:30])
        return render(request, "bidding/comparison_quote.html", context, status=exc.status_code)
    return render(request, "bidding/comparison_receipt.html", {"req": req, "receipt": receipt})


# ---------------------------------------------------------------------------------------
# The panel's score sheet


@role_required("owner")
@require_http_methods(["GET", "POST"])
def comparison_score(request, code: str):
    """A scorer's sheet: every opened quote × every judged item, points and a reason each."""
    req = _comparison(code, statuses=PUBLIC_STATUSES)
    if req.owner_id != request.user.organisation_id:
        raise Http404("没有这个询比项目。")
    request_refresh(req)
    opening = opening_of(request=req)
    criteria = criteria_of(request=req)
    if opening is None or criteria is None:
        return redirect("bidding:comparison", code=req.code)
    opening.request = req
    quotes = [row for row in opened_rows(opening) if row.get("valid")]
    items = judged_items(criteria)
    errors, message, status = {}, "", 200
    if request.method == "POST":
        sheet = {(row["quote_id"], item.pk): (request.POST.get(f"points-{row['quote_id']}-{item.pk}", ""),
                                             request.POST.get(f"reason-{row['quote_id']}-{item.pk}", ""))
                 for row in quotes for item in items}
        try:
            comparison_score_submit(request_id=req.pk, user=request.user, sheet=sheet)
        except DomainError as exc:
            errors, message, status = exc.errors, exc.message, exc.status_code
        else:
            messages.success(request, "评分已提交。")
            return redirect("bidding:comparison", code=req.code)
    cells = [
        {"quote": row, "items": [
            {"item": item, "points_name": f"points-{row['quote_id']}-{item.pk}",
             "reason_name": f"reason-{row['quote_id']}-{item.pk}",
             "points": request.POST.get(f"points-{row['quote_id']}-{item.pk}", "") if request.method == "POST" else "",
             "reason": request.POST.get(f"reason-{row['quote_id']}-{item.pk}", "") if request.method == "POST" else "",
             "errors": errors.get(f"points-{row['quote_id']}-{item.pk}", [])
             + errors.get(f"reason-{row['quote_id']}-{item.pk}", [])}
            for item in items]}
        for row in quotes
    ]
    context = {"req": req, "opening": opening, "criteria": criteria, "cells": cells, "message": message,
               "scored": has_scored(opening=opening, criteria=criteria, user=request.user),
               "may_score": opening.status == opening.Status.SCORING and req.status == S.SELECTING
               and comparison_may_score(request=req, criteria=criteria, user=request.user)}
    return render(request, "bidding/comparison_score.html", context, status=status)


# ---------------------------------------------------------------------------------------
# Response documents, after the opening


@require_safe
def comparison_document(request, code: str, quote_id: int):
    """A response document, decrypted, to those who may see it once opened; 404 otherwise
    (before the opening for everyone, the firm included)."""
    quote = (ComparisonQuote.objects.select_related("request", "organisation")
             .filter(pk=quote_id, request__code=code).first())
    if quote is None or not document_allowed(quote=quote, user=request.user):
        raise Http404
    try:
        with quote.document_sealed.open("rb") as handle:
            content = seal.unseal(handle.read())
    except (OSError, seal.SealBroken):
        raise Http404 from None
    response = FileResponse(BytesIO(content), as_attachment=True, filename=quote.document_name or "响应文件",
                            content_type=quote.document_content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response

