"""Credit pages: the public credit list (信用公示) and score breakdown, the firm's own
events and appeals, and the bureau's issue / revoke / appeal-answer / sanction-table pages.

Thin adapters: reads from `credit.selectors`, writes through `credit.services`; service
errors become Chinese messages with their 4xx status.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Organisation
from accounts.services import document_store
from audit.selectors import chain_records
from audit.timeline import timeline_rows
from core.exceptions import DomainError, ValidationFailed
from core.jurisdiction import is_city_bureau
from core.text import id_clean
from core.web import error_response, role_required
from credit.models import CreditEvent, Kind, Severity
from credit.sanctions import BUREAU_ISSUED
from credit.selectors import (
    SCORE_DIMENSIONS,
    bureau_may_act_on_event,
    credit_restriction,
    credit_score_compute,
    events_for_bureau,
    events_of_firm,
    public_credit_list,
    public_red_list,
    sanction_table,
)
from credit.services import (
    SANCTIONS_CHAIN,
    credit_appeal_answer,
    credit_appeal_file,
    credit_chain,
    credit_event_issue,
    credit_event_revoke,
    credit_events_expire_due,
    sanction_rule_set,
)

PAGE_SIZE = 30


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


# ---------------------------------------------------------------------------------------
# Public


@require_GET
def public_list(request):
    """信用公示: firms under sanction (removed firms for the length of their ban), searchable."""
    q = (request.GET.get("q") or "").strip()[:100]
    page = _page(request, public_credit_list(q=q))
    return render(request, "credit/public_list.html", {
        "page": page, "rows": list(page.object_list), "q": q, "red_list": list(public_red_list()[:50]),
    })


@require_GET
def score_breakdown(request, pk: int):
    """A firm's credit score and exactly how it was computed (the published formula)."""
    firm = get_object_or_404(Organisation.objects.filter(kind=Organisation.Kind.INTERMEDIARY), pk=pk)
    b = credit_score_compute(organisation_id=firm.pk)
    dims = [(label, b.dimension_avgs.get(name)) for name, label in SCORE_DIMENSIONS]
    events = events_of_firm(organisation_id=firm.pk)
    return render(request, "credit/score.html", {
        "firm": firm, "b": b, "dims": dims, "events": events, "restriction": credit_restriction(organisation_id=firm.pk),
    })


# ---------------------------------------------------------------------------------------
# The firm


@role_required("intermediary")
@require_GET
def firm_credit(request):
    """The firm's events (with appeal forms) and its score; its ratings are on /ratings/."""
    org = request.user.organisation
    credit_events_expire_due(organisation_id=org.pk)  # the lazy check of this one firm
    return render(request, "credit/firm_credit.html", {
        "org": org, "events": list(events_of_firm(organisation_id=org.pk)),
        "restriction": credit_restriction(organisation_id=org.pk),
        "score": credit_score_compute(organisation_id=org.pk),
    })


@role_required("intermediary")
@require_POST
def firm_appeal(request, pk: int):
    try:
        credit_appeal_file(user=request.user, event_id=pk, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return error_response(request, exc)
    messages.success(request, "申诉已提交，行政审批局将在规定期限内书面答复。")
    return redirect("credit:firm_credit")


# ---------------------------------------------------------------------------------------
# The bureau


def _issue_context(request, *, values=None, errors=None) -> dict:
    return {
        "kinds": [(k, Kind(k).label) for k in BUREAU_ISSUED],
        "firms": Organisation.objects.filter(kind=Organisation.Kind.INTERMEDIARY).order_by("name").only("name", "uscc"),
        "values": values or {},
        "errors": errors or {},
    }


@role_required("bureau")
@require_http_methods(["GET", "POST"])
def bureau_credit(request):
    """Every credit event (credit is city-wide), pending appeals, and the issue form."""
    status, values, errors = 200, {}, {}
    if request.method == "POST":
        values = request.POST.dict()
        upload = request.FILES.get("evidence")
        doc = None
        try:
            with transaction.atomic():
                if upload:
                    doc = document_store(upload=upload, organisation=request.user.organisation, user=request.user)
                event = credit_event_issue(
                    user=request.user, organisation_id=id_clean(values.get("organisation"), field="organisation", label="中介机构"), kind=values.get("kind", ""),
                    description=values.get("description", ""), evidence=doc,
                )
        except DomainError as exc:
            if doc is not None and doc.file.name:
                doc.file.storage.delete(doc.file.name)
            errors = {("evidence" if k == "file" else k): v for k, v in (exc.errors or {"": [exc.message]}).items()}
            status = exc.status_code
        else:
            messages.success(request, f"已录入信用事件：{event.organisation.name} {event.kind}（{event.get_sanction_display()}），全市即时生效。")
            return redirect("credit:bureau_event", pk=event.pk)
    q = (request.GET.get("q") or "").strip()[:100]
    page = _page(request, events_for_bureau(user=request.user, q=q, status=request.GET.get("status", "")))
    appeals = [e for e in events_for_bureau(user=request.user, status=CreditEvent.Status.DISPUTED)[:100]]
    return render(request, "credit/bureau_credit.html", {
        "page": page, "rows": list(page.object_list), "q": q, "appeals": appeals,
        "statuses": CreditEvent.Status.choices,
        **_issue_context(request, values=values, errors=errors),
    }, status=status)


@role_required("bureau")
@require_http_methods(["GET", "POST"])
def bureau_event(request, pk: int):
    """One event: facts, evidence, appeal, audit chain; revoke and answer forms."""
    event = get_object_or_404(events_for_bureau(user=request.user).select_related("evidence", "officer"), pk=pk)
    status, error = 200, None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "revoke":
                credit_event_revoke(user=request.user, event_id=event.pk, reason=request.POST.get("reason", ""))
                messages.success(request, "信用事件已撤销。")
            elif action in ("uphold", "reject"):
                credit_appeal_answer(user=request.user, event_id=event.pk, uphold=action == "uphold",
                                     answer=request.POST.get("answer", ""))
                messages.success(request, "申诉已答复。")
            else:
                raise ValidationFailed("未知操作。")
        except DomainError as exc:
            error, status = exc, exc.status_code
        else:
            return redirect("credit:bureau_event", pk=event.pk)
    event.refresh_from_db()
    appeal = getattr(event, "appeal", None) if hasattr(event, "appeal") else None
    chain = credit_chain(event.organisation_id)
    records = timeline_rows(chain=chain, records=[r for r in chain_records(chain=chain) if r.data.get("event") == event.pk])
    return render(request, "credit/bureau_event.html", {
        "event": event, "appeal": appeal, "records": records, "error": error,
        "may_act": bureau_may_act_on_event(user=request.user, event=event),
    }, status=status)


@role_required("bureau")
@require_http_methods(["GET", "POST"])
def bureau_sanctions(request):
    """The sanction table (失信惩戒标准): every officer reads it, city staff edit it."""
    status, error, failed_kind = 200, None, ""
    if request.method == "POST":
        data = request.POST
        failed_kind = data.get("kind", "")
        try:
            sanction_rule_set(
                user=request.user, kind=failed_kind, sanction=data.get("sanction", ""),
                months=int(data.get("months") or 0), ban_years=int(data.get("ban_years") or 0),
                points=int(data.get("points") or 0), severity=data.get("severity", ""), source=data.get("source", ""),
            )
        except ValueError:
            error, status = ValidationFailed("请填写整数。"), 400
        except DomainError as exc:
            error, status = exc, exc.status_code
        else:
            messages.success(request, "失信惩戒标准已更新，此后录入的信用事件按新标准执行。")
            return redirect(reverse("credit:bureau_sanctions"))
    return render(request, "credit/bureau_sanctions.html", {
        "rows": [(row, Kind(row.kind).label, dict(Severity.choices)[row.severity],
                  dict(CreditEvent.Sanction.choices)[row.sanction]) for row in sanction_table()], "error": error, "failed_kind": failed_kind,
        "can_edit": is_city_bureau(request.user), "sanctions": CreditEvent.Sanction.choices,
        "severities": Severity.choices, "history": timeline_rows(chain=SANCTIONS_CHAIN,
                                records=chain_records(chain=SANCTIONS_CHAIN).order_by("-seq")[:20]),
    }, status=status)
