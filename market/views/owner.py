"""The project owner's pages: the list of its requests, the draft form, publishing,
cancelling and re-publishing after a failure (流标).

Thin adapters: forms parse the input, `market.services` decides and writes, and every
service error becomes a Chinese message with its 4xx status. An owner only ever reaches
its own organisation's requests; any other code is a 404.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)
from django_htmx.http import HttpResponseClientRedirect

from core.exceptions import DomainError, InvalidState, ValidationFailed
from core.web import apply_errors, error_response, role_required
from market.forms_owner import (
    CancelForm,
    RepublishForm,
    RequestForm,
    qualification_requirement,
)
from market.models import ServiceRequest
from market.selectors import request_warning_levels, signup_counts
from market.services_requests import (
    request_cancel,
    request_draft_save,
    request_publish,
    request_republish,
)

PAGE_SIZE = 50

EDITABLE = ServiceRequest.Status.DRAFT
CANCELLABLE = (ServiceRequest.Status.DRAFT, ServiceRequest.Status.PUBLISHED, ServiceRequest.Status.FAILED)


def request_page_url(code: str) -> str:
    """The request's own page: the public detail page, which also shows owners their drafts."""
    return reverse("market:request_detail", kwargs={"code": code})


def _own_request(request, code: str) -> ServiceRequest:
    """The user's organisation's request `code`, or 404 (also for another owner's)."""
    return get_object_or_404(
        ServiceRequest.objects.select_related("service_item", "service_item__qualification_type", "region"),
        code=code,
        owner_id=request.user.organisation_id,
    )


def _render_form(request, form: RequestForm, *, instance: ServiceRequest | None, status: int = 200, message: str = ""):
    """The draft form page; `instance` is the stored draft (None for a new one)."""
    item = form.instance.service_item if form.instance.service_item_id else None
    return render(
        request,
        "market/owner/request_form.html",
        {
            "form": form,
            "service_request": instance,
            "requirement": qualification_requirement(item) if item is not None else "",
            "error_message": message,
        },
        status=status,
    )


def _finish(request, code: str, done: str):
    """Success: a flash message and the request's page (a client-side redirect for htmx)."""
    messages.success(request, f"采购需求 {code} {done}")
    url = request_page_url(code)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _refusal(request, exc: DomainError, *, template: str, context: dict):
    """Failure: a form page comes back with the messages on its fields and the error's
    status; htmx callers (buttons on the request page) get the reasons as a fragment."""
    if request.htmx:
        return error_response(request, exc)
    return render(request, template, context, status=exc.status_code)


def _form_refusal(form) -> ValidationFailed:
    """A form's own errors as the ValidationFailed a service would raise."""
    return ValidationFailed("请按提示修改后再提交。", errors={field: list(errors) for field, errors in form.errors.items()})


@role_required("owner")
@require_safe
def owner_requests(request):
    """The organisation's requests in every state, newest first (constant queries)."""
    queryset = (
        ServiceRequest.objects.filter(owner_id=request.user.organisation_id)
        .select_related("service_item", "region")
        .order_by("-created_at", "-id")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    counts = signup_counts(requests=rows)
    warnings = request_warning_levels(requests=rows, organisation_id=request.user.organisation_id, now=timezone.now())
    for row in rows:
        row.warning = warnings.get(row.pk)  # (colour, deadline) of a step the owner is late on
    return render(
        request,
        "market/owner/request_list.html",
        {
            "page": page,
            "rows": [(row, counts.get(row.pk, 0)) for row in rows],
            "editable": EDITABLE,
            "cancellable": CANCELLABLE,
            "failed": ServiceRequest.Status.FAILED,
        },
    )


def _draft_form(request, *, instance: ServiceRequest | None):
    """GET shows the draft form; POST saves the draft and, with 保存并发布, publishes it.

    Save and publish happen in one transaction: a refused publication writes nothing,
    and the form comes back with the service's messages on its fields (400).
    """
    owner = request.user.organisation
    if instance is not None and instance.status != EDITABLE:
        return error_response(request, InvalidState("只有草稿可以修改；已发布的采购需求请在详情页操作。"))
    if request.method != "POST":
        return _render_form(request, RequestForm(instance=instance, owner=owner), instance=instance)

    form = RequestForm(request.POST, instance=instance, owner=owner)
    if not form.is_valid():
        return _render_form(request, form, instance=instance, status=400, message="请按提示修改后再提交。")
    publish = request.POST.get("action") == "publish"
    try:
        with transaction.atomic():
            saved = request_draft_save(
                user=request.user,
                data=form.draft_data(),
                exclusions=form.exclusion_pairs(),
                request_id=instance.pk if instance is not None else None,
            )
            if publish:
                saved = request_publish(request_id=saved.pk, user=request.user)
    except DomainError as exc:
        apply_errors(form, exc)
        return _render_form(request, form, instance=instance, status=exc.status_code, message=exc.message)
    return _finish(request, saved.code, "已发布，系统正在推送采购邀请。" if publish else "草稿已保存。")


@role_required("owner")
@require_http_methods(["GET", "POST"])
def owner_request_new(request):
    return _draft_form(request, instance=None)


@role_required("owner")
@require_http_methods(["GET", "POST"])
def owner_request_edit(request, code: str):
    return _draft_form(request, instance=_own_request(request, code))


@role_required("owner")
@require_POST
def owner_request_publish(request, code: str):
    """Publish a stored draft. A refused publication shows the draft form with the reasons
    on its fields (or, for an htmx button, the reasons as a fragment)."""
    service_request = _own_request(request, code)
    try:
        request_publish(request_id=service_request.pk, user=request.user)
    except DomainError as exc:
        if request.htmx or not isinstance(exc, ValidationFailed):
            return error_response(request, exc)
        form = RequestForm.bound_to_stored(instance=service_request, owner=request.user.organisation)
        apply_errors(form, exc)
        return _render_form(request, form, instance=service_request, status=exc.status_code, message=exc.message)
    return _finish(request, service_request.code, "已发布，系统正在推送采购邀请。")


@role_required("owner")
@require_http_methods(["GET", "POST"])
def owner_request_cancel(request, code: str):
    """Cancel a draft, an open request or a failed one, with a reason registrants see."""
    service_request = _own_request(request, code)
    if service_request.status not in CANCELLABLE:
        return error_response(request, InvalidState("选取开始后不能取消。"))
    template = "market/owner/request_cancel.html"
    if request.method != "POST":
        return render(request, template, {"form": CancelForm(), "service_request": service_request})
    form = CancelForm(request.POST)
    context = {"form": form, "service_request": service_request}
    if not form.is_valid():
        return _refusal(request, _form_refusal(form), template=template, context=context)
    try:
        request_cancel(request_id=service_request.pk, user=request.user, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        apply_errors(form, exc)
        return _refusal(request, exc, template=template, context=context)
    return _finish(request, service_request.code, "已取消。")


@role_required("owner")
@require_http_methods(["GET", "POST"])
def owner_request_republish(request, code: str):
    """Open a new sign-up round for a failed (流标) request, with new deadlines."""
    service_request = _own_request(request, code)
    if service_request.status != ServiceRequest.Status.FAILED:
        return error_response(request, InvalidState("只有流标的采购需求可以重新发布。"))
    template = "market/owner/request_republish.html"
    if request.method != "POST":
        return render(request, template, {"form": RepublishForm(), "service_request": service_request})
    form = RepublishForm(request.POST)
    context = {"form": form, "service_request": service_request}
    if not form.is_valid():
        return _refusal(request, _form_refusal(form), template=template, context=context)
    try:
        request_republish(
            request_id=service_request.pk,
            user=request.user,
            signup_deadline=form.cleaned_data["signup_deadline"],
            selection_at=form.cleaned_data["selection_at"],
        )
    except DomainError as exc:
        apply_errors(form, exc)
        return _refusal(request, exc, template=template, context=context)
    return _finish(request, service_request.code, "已重新发布，新一轮报名已开始。")


urlpatterns = [
    path("owner/requests/", owner_requests, name="owner_requests"),
    path("owner/requests/new/", owner_request_new, name="owner_request_new"),
    path("owner/requests/<str:code>/edit/", owner_request_edit, name="owner_request_edit"),
    path("owner/requests/<str:code>/publish/", owner_request_publish, name="owner_request_publish"),
    path("owner/requests/<str:code>/cancel/", owner_request_cancel, name="owner_request_cancel"),
    path("owner/requests/<str:code>/republish/", owner_request_republish, name="owner_request_republish"),
]
