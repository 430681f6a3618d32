"""The bureau's pages of the anti-avoidance signals: the cases by signal with filters, and
one case with its facts and the review form. A GET never runs detection (the beat does)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from accounts.models import Region
from audit.timeline import timeline_rows
from core.exceptions import DomainError
from core.jurisdiction import bureau_filter
from core.web import apply_errors, id_or_404, role_required
from supervision.forms_signals import CaseFilterForm, CaseReviewForm
from supervision.models import SignalCase
from supervision.selectors_signals import (
    plain,
    signal_case_facts,
    signal_case_for_bureau,
    signal_cases_for_bureau,
)
from supervision.services_signals import signal_case_review, signal_chain

PAGE_SIZE = 50


@role_required("bureau")
@require_safe
def signal_cases(request):
    """Cases in the officer's scope, open ones by default, filtered by signal, status and region."""
    regions = bureau_filter(Region.objects.order_by("sort_order", "code"), user=request.user, field="pk")
    form = CaseFilterForm(request.GET or None, regions=regions)
    cases = signal_cases_for_bureau(user=request.user)
    counts = {row["kind"]: row["n"] for row in _count_open(cases)}
    queryset = cases.filter(**form.filters()).order_by("status", "due_at", "id")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    kinds = [{"code": code, "label": label, "open": counts.get(code, 0)} for code, label in SignalCase.Kind.choices]
    return render(request, "supervision/signal_cases.html",
                  {"form": form, "page": page, "query": query.urlencode(), "kinds": kinds})


def _count_open(cases):
    from django.db.models import Count

    return cases.filter(status=SignalCase.Status.OPEN).values("kind").annotate(n=Count("id")).order_by()


@role_required("bureau")
@require_http_methods(["GET", "POST"])
def signal_case(request, pk):
    """One case: the figure and its rule, the requests and firms behind it, its history,
    and (while open) the review form."""
    case = signal_case_for_bureau(user=request.user, case_id=id_or_404(pk))
    if case is None:
        raise Http404
    form, status, error_message = CaseReviewForm(), 200, ""
    if request.method == "POST":
        form = CaseReviewForm(request.POST)
        status, error_message = 400, "请按提示修改后再提交。"
        if form.is_valid():
            try:
                signal_case_review(user=request.user, case_id=case.pk, note=form.cleaned_data["note"])
            except DomainError as exc:
                apply_errors(form, exc)
                status, error_message = exc.status_code, exc.message
            else:
                messages.success(request, "已记录核查意见；出现新情况时该线索将重新列入待办。")
                return redirect(reverse("supervision:signal_case", kwargs={"pk": case.pk}))
    context = {
        "case": case,
        "facts": signal_case_facts(case),
        "figure": plain(case.figure),
        "threshold": plain(case.threshold),
        "form": form,
        "error_message": error_message,
        "records": timeline_rows(chain=signal_chain(case)),
    }
    return render(request, "supervision/signal_case.html", context, status=status)
