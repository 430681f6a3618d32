"""Intermediary pages: registration, the entry application (入驻) with its qualifications
and staff, received invitations and own sign-ups.

Thin adapters over `market.services` and `accounts.registration`. Each write that stores
an upload runs the upload and the service in one transaction, and removes the stored file
again if the service refuses, so bad input leaves neither a row nor a file behind.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Document
from accounts.registration import PLACEHOLDER_SUFFIX, intermediary_register
from accounts.services import document_store
from core.exceptions import DomainError, ValidationFailed
from core.rules import rule_value
from core.web import apply_errors, role_required
from credit.selectors import credit_restriction
from market.forms_firm import (
    COMMITMENT_TEXT,
    EntryForm,
    QualificationForm,
    RegisterForm,
    StaffForm,
    SubmitForm,
)
from market.models import Entry, Invitation, SignUp
from market.selectors import request_warning_levels
from market.services import (
    entry_save,
    entry_submit,
    qualification_add,
    qualification_remove,
    staff_add,
)

PAGE_SIZE = 20
EDITABLE = (Entry.Status.DRAFT, Entry.Status.RETURNED)
EXTENDABLE = (Entry.Status.DRAFT, Entry.Status.RETURNED, Entry.Status.APPROVED)


# ---------------------------------------------------------------------------------------
# Helpers


def _errors_onto(form, exc: DomainError, *, rename: dict[str, str] | None = None) -> None:
    """Put a service's field errors on `form`, renaming service field names (the upload
    check reports on "file") to the form's own."""
    rename = rename or {}
    errors = {rename.get(field, field): msgs for field, msgs in (exc.errors or {}).items()}
    apply_errors(form, ValidationFailed(exc.message, errors=errors))


def _discard(doc: Document | None) -> None:
    """Remove the stored file of a document whose transaction was rolled back."""
    if doc is not None and doc.file.name:
        doc.file.storage.delete(doc.file.name)


def _store_then(upload, user, write):
    """Store `upload` (if any) and call `write(document)` in one transaction; if either
    refuses, the transaction is rolled back and the stored file removed, then the error
    is raised again."""
    doc = None
    try:
        with transaction.atomic():
            if upload:
                doc = document_store(upload=upload, organisation=user.organisation, user=user)
            return write(doc)
    except DomainError:
        _discard(doc)
        raise


def _entry_initial(org, entry: Entry | None) -> dict:
    """The entry form's starting values: what the firm entered so far."""
    name = "" if org.name.endswith(PLACEHOLDER_SUFFIX) else org.name
    return {
        "name": name,
        "uscc": org.uscc,
        "legal_rep": entry.legal_rep if entry else "",
        "contact_name": org.contact_name,
        "phone": org.phone,
        "email": org.email,
        "address": org.address,
        "region": org.region_id,
        "business_scope": entry.business_scope if entry else "",
    }


def _render_entry(
    request,
    *,
    entry_form=None,
    qual_form=None,
    staff_form=None,
    submit_form=None,
    error: str = "",
    status: int = 200,
):
    """The entry page, with any bound form that failed and the service's reason."""
    org = request.user.organisation
    entry = Entry.objects.select_related("licence").filter(organisation=org).first()
    context = {
        "org": org,
        "entry": entry,
        "editable": entry is None or entry.status in EDITABLE,
        "extendable": entry is not None and entry.status in EXTENDABLE,
        "removable": entry is not None and entry.status in EDITABLE,
        "qualifications": list(org.qualifications.select_related("qualification_type", "scan")),
        "staff": list(org.staff.all()),
        "entry_form": entry_form or EntryForm(initial=_entry_initial(org, entry)),
        "qual_form": qual_form or QualificationForm(),
        "staff_form": staff_form or StaffForm(),
        "submit_form": submit_form or SubmitForm(),
        "commitment_text": COMMITMENT_TEXT,
        "upload_max_mb": rule_value("upload_max_mb").normalize(),
        "error": error,
    }
    return render(request, "market/firm/entry.html", context, status=status)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# ---------------------------------------------------------------------------------------
# Registration


@require_http_methods(["GET", "POST"])
def register(request):
    """A new intermediary signs up, is logged in and continues with the entry application."""
    if request.user.is_authenticated:
        return redirect("market:dashboard")
    form = RegisterForm(request.POST or None)
    form.setup_captcha(request=request, limit=settings.REGISTRATIONS_PER_HOUR)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "market/firm/register.html", {"form": form}, status=400)
        form.count_attempt()
        data = form.cleaned_data
        try:
            user = intermediary_register(
                username=data["username"], password=data["password"],
                display_name=data["display_name"], email=data["email"],
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
            return render(request, "market/firm/register.html", {"form": form}, status=exc.status_code)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "注册成功。请填写入驻申请，经行政审批局审核通过后即可参与全市中介服务项目。")
        return redirect("market:entry")
    return render(request, "market/firm/register.html", {"form": form})


# ---------------------------------------------------------------------------------------
# Entry application (入驻)


@require_http_methods(["GET", "POST"])
@role_required("intermediary")
def entry(request):
    """Show the entry application; POST saves the firm's facts and the business licence."""
    if request.method == "GET":
        return _render_entry(request)
    form = EntryForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_entry(request, entry_form=form, error="请按提示修改入驻信息。", status=400)
    data = form.cleaned_data
    user = request.user
    try:
        _store_then(
            data.get("licence"),
            user,
            lambda doc: entry_save(
                user=user, name=data["name"], uscc=data["uscc"], legal_rep=data["legal_rep"],
                contact_name=data["contact_name"], phone=data["phone"], email=data["email"],
                address=data["address"], business_scope=data["business_scope"], region_code=data["region"].code,
                licence=doc,
            ),
        )
    except DomainError as exc:
        _errors_onto(form, exc, rename={"file": "licence"})
        return _render_entry(request, entry_form=form, error=exc.message, status=exc.status_code)
    messages.success(request, "入驻信息已保存。")
    return redirect("market:entry")


@require_POST
@role_required("intermediary")
def entry_qualification_add(request):
    """Register a qualification certificate with its scan."""
    form = QualificationForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_entry(request, qual_form=form, error="请按提示修改资质证书信息。", status=400)
    data = form.cleaned_data
    user = request.user
    try:
        _store_then(
            data["scan"],
            user,
            lambda doc: qualification_add(
                user=user, qualification_type_id=data["qualification_type"].pk, grade=data.get("grade", ""),
                cert_no=data["cert_no"].strip(), valid_until=data["valid_until"], scan=doc,
            ),
        )
    except DomainError as exc:
        _errors_onto(form, exc, rename={"file": "scan"})
        return _render_entry(request, qual_form=form, error=exc.message, status=exc.status_code)
    messages.success(request, "资质证书已登记。")
    return redirect("market:entry")


@require_POST
@role_required("intermediary")
def entry_qualification_remove(request, pk: int):
    """Remove one of the firm's own certificates while the application is editable."""
    try:
        qualification_remove(user=request.user, qualification_id=pk)
    except DomainError as exc:
        return _render_entry(request, error=exc.message, status=exc.status_code)
    messages.success(request, "资质证书已删除。")
    return redirect("market:entry")


@require_POST
@role_required("intermediary")
def entry_staff_add(request):
    """Register a practising professional."""
    form = StaffForm(request.POST)
    if not form.is_valid():
        return _render_entry(request, staff_form=form, error="请按提示修改执业人员信息。", status=400)
    data = form.cleaned_data
    try:
        staff_add(user=request.user, name=data["name"].strip(), title=data["title"].strip(),
                  cert_no=data["cert_no"].strip())
    except DomainError as exc:
        _errors_onto(form, exc)
        return _render_entry(request, staff_form=form, error=exc.message, status=exc.status_code)
    messages.success(request, "执业人员已登记。")
    return redirect("market:entry")


@require_POST
@role_required("intermediary")
def entry_submit_view(request):
    """Submit the application with the signed commitment letter (承诺书) for review."""
    form = SubmitForm(request.POST)
    form.is_valid()  # a checkbox: always valid; the service says what is missing
    try:
        entry_submit(user=request.user, commitment_accepted=bool(form.cleaned_data.get("commitment")))
    except DomainError as exc:
        _errors_onto(form, exc)
        return _render_entry(request, submit_form=form, error=exc.message, status=exc.status_code)
    messages.success(request, "入驻申请已提交，请等待行政审批局审核，结果将通过站内消息通知。")
    return redirect("market:entry")


# ---------------------------------------------------------------------------------------
# Invitations and sign-ups


@require_GET
@role_required("intermediary")
def invitations(request):
    """Invitations pushed to the firm (采购邀请), newest first; app.js prepends live ones."""
    org = request.user.organisation
    queryset = (
        Invitation.objects.filter(organisation=org)
        .select_related("request", "request__region", "request__service_item")
        .order_by("-created_at", "-id")
    )
    page = _page(request, queryset)
    rows = list(page.object_list)
    signed = set(
        SignUp.objects.filter(organisation=org, request_id__in={inv.request_id for inv in rows})
        .values_list("request_id", "round")
    )
    # A restricted firm receives no invitation and may not sign up: say so, why and until when.
    restriction = credit_restriction(organisation_id=org.pk)
    for inv in rows:
        inv.signed_up = (inv.request_id, inv.round) in signed
        inv.is_current_round = inv.round == inv.request.publish_count
    return render(request, "market/firm/invitations.html", {"page": page, "rows": rows, "restriction": restriction})


@require_GET
@role_required("intermediary")
def signups(request):
    """The firm's sign-ups with the current status of each request."""
    queryset = (
        SignUp.objects.filter(organisation=request.user.organisation)
        .select_related("request", "request__region", "request__service_item")
        .order_by("-created_at", "-id")
    )
    page = _page(request, queryset)
    rows = list(page.object_list)
    warnings = request_warning_levels(requests=[s.request for s in rows], organisation_id=request.user.organisation_id,
                                      now=timezone.now())
    for row in rows:
        row.warning = warnings.get(row.request_id)
    return render(request, "market/firm/signups.html", {"page": page, "rows": rows})


urlpatterns = [
    path("register/", register, name="register"),
    path("entry/", entry, name="entry"),
    path("entry/qualifications/", entry_qualification_add, name="entry_qualification_add"),
    path("entry/qualifications/<int:pk>/remove/", entry_qualification_remove, name="entry_qualification_remove"),
    path("entry/staff/", entry_staff_add, name="entry_staff_add"),
    path("entry/submit/", entry_submit_view, name="entry_submit"),
    path("firm/invitations/", invitations, name="firm_invitations"),
    path("firm/signups/", signups, name="firm_signups"),
]
