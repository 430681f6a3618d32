"""Public pages: announcements, one request's announcement and sign-up, the registry of
intermediaries, the service catalogue, permission-checked downloads, and the dashboard
that sends each role to its home page.

Thin adapters: reads come from `market.selectors` (and the audit chain), writes from the
services; service errors become Chinese messages with their 4xx status.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from accounts.models import Document, Organisation, Region
from audit.timeline import timeline_rows
from core.exceptions import DomainError
from core.jurisdiction import bureau_covers, bureau_filter
from credit.selectors import credit_restriction
from core.web import role_required
from market import selectors
from market.lifecycle import request_chain
from market.models import (
    Entry,
    Qualification,
    ServiceItem,
    ServiceRequest,
    SignUp,
)
from market.selection import method_choices, request_panels
from market.services_requests import request_refresh, signup_create
from market.views.lifecycle import lifecycle_context

PAGE_SIZE = 20

# Ids of the elements htmx swaps; templates use the same names.
RESULTS_ID = "announcement-results"
SIGNUP_PANEL_ID = "signup-panel"
EXTRAS_PANEL_ID = "clarifications"


# ---------------------------------------------------------------------------------------
# Helpers


def _org_of(user) -> Organisation | None:
    """The user's organisation, or None for anonymous users and users without one."""
    if not user.is_authenticated or not user.organisation_id:
        return None
    return user.organisation


def _wants_fragment(request, target_id: str) -> bool:
    """An htmx request that swaps only `target_id` (not a history restore, which needs the page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target_id


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _cleaned(form: forms.Form) -> dict:
    """The valid part of a filter form: invalid or missing values are simply not applied."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}


def login_first_back_to_request(view):
    """Anonymous users are sent to log in and then back to the request's announcement
    (not to the POST-only address they posted to). For htmx the whole page goes there
    (HX-Redirect) instead of the login form being swapped into a fragment."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            back = reverse("market:request_detail", args=[kwargs["code"]])
            if getattr(request, "htmx", None):
                return HttpResponseClientRedirect(f"{reverse('accounts:login')}?{urlencode({'next': back})}")
            return redirect_to_login(back)
        return view(request, *args, **kwargs)

    return wrapped


# ---------------------------------------------------------------------------------------
# Dashboard


@require_GET
def dashboard(request):
    """Send each role to its home page."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    org = _org_of(user)
    if org is None:
        if user.is_staff or user.is_superuser:
            return redirect("/admin/")
        return render(request, "error.html", {"message": "您的账号尚未关联任何机构，请联系宜春市行政审批局。"}, status=403)
    if org.is_owner:
        return redirect("/owner/requests/")
    if org.is_bureau:
        return redirect("/bureau/supervision/")  # 运行效能监察 (supervision app)
    approved = Entry.objects.filter(organisation=org, status=Entry.Status.APPROVED).exists()
    return redirect("/firm/invitations/" if approved else "/entry/")


# ---------------------------------------------------------------------------------------
# Announcements


class _FilterForm(forms.Form):
    """A GET filter form: Chinese labels without a colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class AnnouncementFilterForm(_FilterForm):
    """Filters of the announcement list (GET). Invalid values are ignored, not fatal."""

    q = forms.CharField(
        label="搜索", required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "项目名称或项目编号"}),
    )
    region = forms.ModelChoiceField(
        label="区划", queryset=Region.objects.all(), required=False, to_field_name="code", empty_label="全部区划"
    )
    service_item = forms.ModelChoiceField(
        label="服务事项", queryset=ServiceItem.objects.all(), required=False, to_field_name="code",
        empty_label="全部事项",
    )
    method = forms.ChoiceField(label="选取方式", required=False, choices=lambda: [("", "全部方式"), *method_choices()])
    status = forms.ChoiceField(
        label="状态", required=False,
        choices=[("", "全部状态"), *((v, label) for v, label in ServiceRequest.Status.choices if v in selectors.PUBLIC_STATUSES)],
    )


@require_GET
def announcement_list(request):
    """Public announcements with filters and search; htmx swaps only the results."""
    form = AnnouncementFilterForm(request.GET or None)
    data = _cleaned(form)
    queryset = selectors.announcement_list(
        region=data["region"].code if "region" in data else "",
        service_item=data["service_item"].code if "service_item" in data else "",
        method=data.get("method", ""),
        status=data.get("status", ""),
        q=data.get("q", "").strip(),
    )
    page = _page(request, queryset)
    rows = list(page.object_list)
    counts = selectors.signup_counts(requests=rows)
    for row in rows:
        row.signup_count = counts.get(row.pk, 0)
    context = {"form": form, "page": page, "rows": rows, "results_id": RESULTS_ID}
    if _wants_fragment(request, RESULTS_ID):
        response = render(request, "market/partials/announcement_rows.html", context)
    else:
        response = render(request, "market/public/announcement_list.html", context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


# ---------------------------------------------------------------------------------------
# One request: the announcement, the sign-up panel, the audit trail


def detail_queryset():
    return ServiceRequest.objects.select_related(
        "owner", "region", "service_item", "service_item__qualification_type"
    )


def _viewer(user, req: ServiceRequest) -> dict:
    """What the user may see of `req`: owner, bureau (in scope) or firm."""
    org = _org_of(user)
    is_owner = org is not None and req.owner_id == org.pk
    is_bureau = org is not None and org.is_bureau and selectors.request_visible_to_bureau(user=user, request=req)
    return {
        "org": org,
        "is_owner": is_owner,
        "is_bureau": is_bureau,
        "is_firm": org is not None and org.is_intermediary,
        "sees_registrants": is_owner or is_bureau,
    }


def _signup_is_open(req: ServiceRequest) -> bool:
    return (
        req.status == ServiceRequest.Status.PUBLISHED
        and req.signup_deadline is not None
        and req.signup_deadline > timezone.now()
    )


def _signup_panel_context(user, req: ServiceRequest, *, message: str = "", error: str = "") -> dict:
    """Context of the sign-up panel: the count for everyone; for a firm whether it has
    signed up in the current round, and if not, whether it may (with the reason)."""
    viewer = _viewer(user, req)
    context = {
        "req": req,
        "viewer": viewer,
        "panel_id": SIGNUP_PANEL_ID,
        "signup_count": selectors.signup_counts(requests=[req]).get(req.pk, 0),
        "is_open": _signup_is_open(req),
        "message": message,
        "error": error,
        "signed_up": False,
        "eligibility": None,
        "restriction": None,
    }
    if viewer["is_firm"]:
        context["signed_up"] = SignUp.objects.filter(
            request=req, organisation=viewer["org"], round=req.publish_count
        ).exists()
        if context["is_open"] and not context["signed_up"]:
            context["eligibility"] = selectors.firm_eligibility(organisation=viewer["org"], request=req)
            if context["eligibility"].code == "restricted":
                context["restriction"] = credit_restriction(organisation_id=viewer["org"].pk)
    return context


def _audit_rows(req: ServiceRequest) -> list:
    """The request's audit chain as rows for people (Chinese labels, Beijing time)."""
    return timeline_rows(chain=request_chain(req))


def announcement_extras_context(user, req: ServiceRequest, *, extras_error=None) -> dict:
    """The attachments and Q&A panel's context (see `selectors.announcement_extras`)."""
    return {"extras": {**selectors.announcement_extras(user=user, request=req), "error": extras_error,
                       "panel_id": EXTRAS_PANEL_ID}}


def request_detail_context(request, req: ServiceRequest) -> dict:
    """Everything the announcement page of `req` shows `request.user` (also used to
    re-render it in place when an action on it fails)."""
    viewer = _viewer(request.user, req)
    registrants = []
    if viewer["sees_registrants"]:
        registrants = list(
            SignUp.objects.filter(request=req, round=req.publish_count).select_related("organisation")
        )
    return {
        **_signup_panel_context(request.user, req),  # req, viewer and the sign-up panel
        "exclusions": list(req.exclusions.select_related("organisation").order_by("id")),
        "registrants": registrants,
        "audit_rows": _audit_rows(req) if viewer["sees_registrants"] else [],
        **lifecycle_context(request.user, req),
        **announcement_extras_context(request.user, req),
        "panels": request_panels(req, request.user),
    }


@require_GET
def request_detail(request, code: str):
    """The announcement (采购公告) of one request. Drafts exist only for their owner."""
    req = get_object_or_404(detail_queryset(), code=code)
    viewer = _viewer(request.user, req)
    if req.status == ServiceRequest.Status.DRAFT and not viewer["is_owner"]:
        raise Http404
    request_refresh(req)  # the lazy deadline check
    return render(request, "market/public/request_detail.html", request_detail_context(request, req))


@require_POST
@login_first_back_to_request
@role_required("intermediary")
def request_signup(request, code: str):
    """Sign the user's firm up (报名). htmx gets the panel back, success or the refusal
    reason with its 403/409 status; a plain form post is redirected back with a message."""
    req = get_object_or_404(ServiceRequest.objects.exclude(status=ServiceRequest.Status.DRAFT), code=code)
    detail_url = reverse("market:request_detail", args=[req.code])
    try:
        signup_create(request_id=req.pk, user=request.user)
    except DomainError as exc:
        if not request.htmx:
            messages.error(request, exc.message)
            return redirect(detail_url)
        req = detail_queryset().get(pk=req.pk)  # the service may have moved it on
        context = _signup_panel_context(request.user, req, error=exc.message)
        response = render(request, "market/partials/signup_panel.html", context, status=exc.status_code)
        return reswap(retarget(response, f"#{SIGNUP_PANEL_ID}"), "outerHTML")
    if not request.htmx:
        messages.success(request, "报名成功。")
        return redirect(detail_url)
    req = detail_queryset().get(pk=req.pk)
    context = _signup_panel_context(request.user, req, message="报名成功。请留意报名截止后的选取结果通知。")
    return render(request, "market/partials/signup_panel.html", context)


# ---------------------------------------------------------------------------------------
# Attachments (采购文件) and the clarification Q&A (答疑澄清)


def _extras_answer(request, req: ServiceRequest, *, done: str, exc: DomainError | None):
    """htmx: the Q&A panel again (with the error beside its field, and the 4xx status);
    a plain post: back to the page with a message, or the page re-rendered with the error."""
    req = detail_queryset().get(pk=req.pk)
    error = None
    if exc is not None:
        error = {"message": exc.message, "errors": exc.errors or {}, "posted": request.POST.dict()}
    if request.htmx:
        context = {"req": req, **announcement_extras_context(request.user, req, extras_error=error)}
        if exc is None:
            context["extras"]["done"] = done
        return render(request, "market/partials/announcement_extras.html", context,
                      status=exc.status_code if exc else 200)
    if exc is None:
        messages.success(request, done)
        return redirect(reverse("market:request_detail", args=[req.code]) + f"#{EXTRAS_PANEL_ID}")
    context = request_detail_context(request, req)
    context.update(announcement_extras_context(request.user, req, extras_error=error))
    return render(request, "market/public/request_detail.html", context, status=exc.status_code)


@require_POST
@login_first_back_to_request
def request_attachment_add(request, code: str):
    from market.services_announcement import attachment_add

    req = get_object_or_404(ServiceRequest, code=code)
    try:
        attachment_add(user=request.user, request_id=req.pk, title=request.POST.get("title", ""),
                       upload=request.FILES.get("upload"))
    except DomainError as exc:
        return _extras_answer(request, req, done="", exc=exc)
    return _extras_answer(request, req, done="采购文件已上传，随公告公开。", exc=None)


@require_POST
@login_first_back_to_request
def request_clarification_ask(request, code: str):
    from market.services_announcement import clarification_ask

    req = get_object_or_404(ServiceRequest.objects.exclude(status=ServiceRequest.Status.DRAFT), code=code)
    try:
        clarification_ask(user=request.user, request_id=req.pk, question=request.POST.get("question", ""))
    except DomainError as exc:
        return _extras_answer(request, req, done="", exc=exc)
    return _extras_answer(request, req, done="问题已提交，业主答复后所有报名机构可见。", exc=None)


@require_POST
@login_first_back_to_request
def request_clarification_answer(request, code: str):
    from market.services_announcement import clarification_answer

    req = get_object_or_404(ServiceRequest.objects.exclude(status=ServiceRequest.Status.DRAFT), code=code)
    try:
        raw = request.POST.get("clarification", "")
        clarification_id = int(raw) if raw.isdigit() else 0
        clarification_answer(user=request.user, clarification_id=clarification_id,
                             answer=request.POST.get("answer", ""))
    except DomainError as exc:
        return _extras_answer(request, req, done="", exc=exc)
    return _extras_answer(request, req, done="答复已发布，所有报名机构均可看到。", exc=None)


# ---------------------------------------------------------------------------------------
# The catalogue (the registry of intermediaries is on the portal: portal.views)


@require_GET
def catalogue(request):
    """The catalogue of intermediary services (中介服务事项清单)."""
    items = ServiceItem.objects.filter(active=True).select_related("qualification_type").order_by("code")
    return render(request, "market/public/catalogue.html", {"items": items})


# ---------------------------------------------------------------------------------------
# Documents


def _is_entry_document(doc: Document) -> bool:
    """A business licence or a qualification scan: part of an entry application."""
    return (
        Entry.objects.filter(licence_id=doc.pk).exists()
        or Qualification.objects.filter(scan_id=doc.pk).exists()
    )


def _requests_of_document(doc: Document):
    """Requests whose contract or result `doc` is (both parties of those may see it)."""
    from django.db.models import Q

    return ServiceRequest.objects.filter(
        Q(contract_owner_document=doc) | Q(contract_firm_document=doc) | Q(result_document=doc)
    )


def _lifecycle_requests_of_document(doc: Document):
    """Requests where `doc` is a contract, a result, an objection attachment or termination
    evidence (bureau staff in scope of the request may see it)."""
    from django.db.models import Q

    from market.models import Objection, TerminationRequest

    return ServiceRequest.objects.filter(
        Q(contract_owner_document=doc) | Q(contract_firm_document=doc) | Q(result_document=doc)
        | Q(pk__in=Objection.objects.filter(attachment=doc).values("request_id"))
        | Q(pk__in=TerminationRequest.objects.filter(evidence=doc).values("request_id"))
    )


def _may_download(user, doc: Document) -> bool:
    """Anyone, for an attachment of a published announcement; a user of the document's
    organisation; the other party (owner or selected firm) of
    a request whose contract or result the document is; bureau staff: city staff any
    document, county staff entry documents (firms are city-wide), their county's
    documents and the lifecycle documents of requests in their scope."""
    from django.db.models import Q

    from market.models import RequestAttachment

    if RequestAttachment.objects.filter(document=doc).exclude(request__status=ServiceRequest.Status.DRAFT).exists():
        return True  # 采购文件 are public with their announcement
    org = _org_of(user)
    if org is None:
        return False
    if org.pk == doc.organisation_id:
        return True
    if not org.is_bureau:
        return _requests_of_document(doc).filter(Q(owner=org) | Q(selected_firm=org)).exists()
    if _is_entry_document(doc) or bureau_covers(user=user, region_id=doc.organisation.region_id):
        return True
    return bureau_filter(_lifecycle_requests_of_document(doc), user=user).exists()


@require_GET
def document_download(request, pk: int):
    """Stream an uploaded file to those allowed to see it; 404 for everyone else."""
    doc = Document.objects.select_related("organisation").filter(pk=pk).first()
    if doc is None or not _may_download(request.user, doc):
        raise Http404
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=doc.original_name,
        content_type=doc.content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("announcements/", announcement_list, name="announcement_list"),
    path("dashboard/", dashboard, name="dashboard"),
    path("requests/<str:code>/", request_detail, name="request_detail"),
    path("requests/<str:code>/signup/", request_signup, name="request_signup"),
    path("requests/<str:code>/attachments/", request_attachment_add, name="request_attachment_add"),
    path("requests/<str:code>/clarifications/", request_clarification_ask, name="request_clarification_ask"),
    path("requests/<str:code>/clarifications/answer/", request_clarification_answer,
         name="request_clarification_answer"),
    path("catalogue/", catalogue, name="catalogue"),
    path("documents/<int:pk>/", document_download, name="document_download"),
]
