"""The public portal: the home page in the manner of the provincial marketplaces, the
registry of intermediaries (with each firm's restriction and track record), the guide
(办事指南) and the policies (政策法规).

Thin adapters: reads from the apps' selectors, nothing written here.
"""

from urllib.parse import quote

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Organisation
from credit.selectors import (
    credit_restriction,
    credit_restrictions,
    public_credit_list,
    removed_firms,
)
from market import selectors
from market.extensions import page_panels, rows_decorate
from market.models import Entry, QualificationType, ServiceRequest
from portal.documents import award_notice_pdf, notice_available, result_notice_pdf
from portal.models import Notice
from portal.signing import pdf_sign
from ratings.selectors import firm_track_record

PAGE_SIZE = 20
S = ServiceRequest.Status
# 结果公示: selected and confirmed, objections possible; 中选/成交公告: contracted onwards.
IN_PUBLICITY = (S.PUBLICITY, S.OBJECTION)
AWARDED = (S.CONTRACTING, S.IN_SERVICE, S.DELIVERED, S.COMPLETED, S.RATED)


def _public(statuses):
    return (
        ServiceRequest.objects.filter(status__in=statuses)
        .select_related("region", "service_item", "owner", "selected_firm")
        .order_by("-status_changed_at", "-id")
    )


@require_GET
def home(request):
    """The home page: 通知公告, 采购公告, 结果公示, 中选/成交公告, 信用公示, 办事指南, 政策法规."""
    context = {
        "notices": list(Notice.objects.filter(kind=Notice.Kind.NOTICE)[:6]),
        "policies": list(Notice.objects.filter(kind=Notice.Kind.POLICY)[:6]),
        "announcements": list(
            ServiceRequest.objects.filter(status=S.PUBLISHED).select_related("region", "service_item")
            .order_by("-published_at", "-id")[:8]
        ),
        "publicity": list(_public(IN_PUBLICITY)[:6]),
        "awarded": list(_public(AWARDED)[:6]),
        "credit": list(public_credit_list()[:6]),
        "counts": {
            "published": ServiceRequest.objects.filter(status=S.PUBLISHED).count(),
            "firms": Organisation.objects.filter(kind=Organisation.Kind.INTERMEDIARY,
                                                 entry__status=Entry.Status.APPROVED).count(),
            "awarded": ServiceRequest.objects.filter(status__in=AWARDED).count(),
        },
    }
    return render(request, "portal/home.html", context)


@require_GET
def results(request):
    """结果公示 and 中选/成交公告, paginated (`?kind=publicity|awarded`)."""
    kind = request.GET.get("kind") if request.GET.get("kind") in ("publicity", "awarded") else "publicity"
    queryset = _public(IN_PUBLICITY if kind == "publicity" else AWARDED)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/results.html", {"page": page, "rows": list(page.object_list), "kind": kind})


@require_GET
def guide(request):
    """办事指南: step by step, for each role."""
    return render(request, "portal/guide.html")


@require_GET
def policies(request):
    """政策法规 and 通知公告 in full."""
    kind = request.GET.get("kind") if request.GET.get("kind") in Notice.Kind.values else Notice.Kind.POLICY
    page = Paginator(Notice.objects.filter(kind=kind), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/notices.html", {
        "page": page, "rows": list(page.object_list), "kind": kind, "kind_label": Notice.Kind(kind).label,
    })


@require_GET
def notice_detail(request, pk: int):
    notice = get_object_or_404(Notice, pk=pk)
    return render(request, "portal/notice_detail.html", {"notice": notice})


# ---------------------------------------------------------------------------------------
# Registry of intermediaries


class RegistryFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索", required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "机构名称或统一社会信用代码"}),
    )
    qualification = forms.ModelChoiceField(
        label="资质", queryset=QualificationType.objects.all(), required=False, to_field_name="code",
        empty_label="全部资质",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


@require_GET
def registry(request):
    """The city-wide registry (中介机构库): approved intermediaries, free ones first, each
    with its restriction (what, why, until when) if one is in force; removed firms are
    absent for the length of their ban."""
    form = RegistryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    queryset = selectors.registry_list(
        q=(data.get("q") or "").strip(),
        qualification=data["qualification"].code if data.get("qualification") else "",
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    ids = [r.pk for r in rows]
    rows_decorate("registry", rows, request.user)  # other apps' facts per firm (ratings: latest comment)
    restrictions = credit_restrictions(organisation_ids=ids)  # one query for the page
    for row in rows:
        row.restriction = restrictions.get(row.pk)
    context = {"form": form, "page": page, "rows": rows, "today": timezone.localdate()}
    return render(request, "portal/registry.html", context)


@require_GET
def registry_detail(request, pk: int):
    """One approved intermediary: public facts, its restriction if any, its track record
    here (completed services, amounts, ratings), qualifications and practising staff. A
    firm removed (清退) is no longer in the registry: its page says so and why."""
    org = get_object_or_404(
        Organisation.objects.filter(kind=Organisation.Kind.INTERMEDIARY, entry__status=Entry.Status.APPROVED)
        .select_related("region", "entry", "credit_score"),
        pk=pk,
    )
    context = {
        "panels": page_panels("firm", org, request.user),  # ratings: recent comments
        "firm": org,
        "restriction": credit_restriction(organisation_id=org.pk),
        "removed": removed_firms().filter(organisation=org).exists(),
        "record": firm_track_record(organisation_id=org.pk),
        "qualifications": list(org.qualifications.select_related("qualification_type")),
        "staff": list(org.staff.only("name", "title")),
        "today": timezone.localdate(),
    }
    return render(request, "portal/registry_detail.html", context)


# ---------------------------------------------------------------------------------------
# Signed notices (PDF)


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _confirmed_request(code: str) -> ServiceRequest:
    req = ServiceRequest.objects.select_related("owner", "region", "service_item", "selected_firm").filter(
        code=code).first()
    if req is None or not notice_available(req):
        raise Http404("该项目尚无经确认的选取结果。")
    return req


@require_GET
def award_notice(request, code: str):
    """中选通知书 (signed PDF): for the owner, the selected firm and the bureau in scope."""
    req = _confirmed_request(code)
    org = request.user.organisation if request.user.is_authenticated else None
    allowed = org is not None and (
        org.pk in (req.owner_id, req.selected_firm_id)
        or selectors.request_visible_to_bureau(user=request.user, request=req)
    )
    if not allowed:
        raise Http404
    data = pdf_sign(award_notice_pdf(req), reason=f"中选通知书 {req.code}")
    return _pdf_response(data, f"中选通知书-{req.code}.pdf")


@require_GET
def result_notice(request, code: str):
    """结果公告 (signed PDF): public once the owner confirmed the result."""
    req = _confirmed_request(code)
    data = pdf_sign(result_notice_pdf(req), reason=f"选取结果公告 {req.code}")
    return _pdf_response(data, f"结果公告-{req.code}.pdf")
