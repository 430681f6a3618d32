"""Pages and actions of a request's life after selection: the lifecycle panel of the
request page (confirm, decline, object, answer, contract, deliver, accept, termination),
the to-do list (待办) and overdue warnings.

Thin adapters: each action posts to one service; a service error becomes its Chinese
message with its 4xx status (never a 500), success goes back to the request page.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import (
    require_POST,
    require_safe,
)

from core.exceptions import DomainError
from core.web import id_or_404
from credit.selectors import sanction_summary
from market import selectors
from market.models import (
    Objection,
    ServiceRequest,
    SignUp,
    TerminationRequest,
)
from market.services_results import (
    contract_upload,
    objection_answer,
    objection_lodge,
    request_accept,
    request_confirm,
    request_decline,
    result_deliver,
    termination_ask,
    termination_decide,
)

S = ServiceRequest.Status
PANEL_ID = "lifecycle-panel"
NOTICE_STATES = (S.PUBLICITY, S.OBJECTION, S.CONTRACTING, S.IN_SERVICE, S.DELIVERED, S.COMPLETED, S.RATED)

STEP_NOTES = {
    S.AWAITING_CONFIRMATION: "选取结果待项目业主确认；中选机构可说明理由放弃中选。",
    S.PUBLICITY: "选取结果公示中，本项目报名机构可在公示期内提出质疑。",
    S.OBJECTION: "收到质疑，公示暂停，等待行政审批局书面答复。",
    S.CONTRACTING: "公示期满，业主上传签订的合同（金额不得高于中选价格），中选机构上传盖章合同后开始服务。",
    S.IN_SERVICE: "服务进行中，中选机构在服务期限内提交服务成果文件。",
    S.DELIVERED: "服务成果已交付，等待项目业主验收。",
    S.COMPLETED: "项目业主已验收。",
    S.TERMINATED: "经行政审批局认定违约，合同已终止。",
}


def lifecycle_context(user, req: ServiceRequest) -> dict:
    """What the lifecycle panel shows `user` of `req`, and which forms it may use."""
    org = user.organisation if user.is_authenticated and user.organisation_id else None
    is_owner = org is not None and org.pk == req.owner_id
    is_firm = org is not None and req.selected_firm_id is not None and org.pk == req.selected_firm_id
    is_bureau = org is not None and org.is_bureau and selectors.request_visible_to_bureau(user=user, request=req)
    registrant = (
        org is not None and org.is_intermediary
        and SignUp.objects.filter(request=req, organisation=org, round=req.publish_count).exists()
    )
    now = timezone.now()
    objections = Objection.objects.filter(request=req).select_related("objector", "against", "attachment")
    if not (is_owner or is_bureau):
        objections = objections.filter(objector=org) if org is not None else objections.none()
    terminations = (
        TerminationRequest.objects.filter(request=req).select_related("evidence")
        if is_owner or is_firm or is_bureau else TerminationRequest.objects.none()
    )
    pending_objection = next((o for o in objections if o.status == Objection.Status.PENDING), None)
    pending_termination = next((t for t in terminations if t.status == TerminationRequest.Status.PENDING), None)
    party = is_owner or is_firm or is_bureau
    in_publicity = req.status == S.PUBLICITY and req.publicity_ends_at and req.publicity_ends_at > now
    return {
        "life": {
            "panel_id": PANEL_ID,
            "shown": req.status in STEP_NOTES or req.direct_pick,
            "note": STEP_NOTES.get(req.status, ""),
            "is_owner": is_owner,
            "is_firm": is_firm,
            "is_bureau": is_bureau,
            "party": party,
            "objections": list(objections),
            "terminations": list(terminations),
            "overdue": list(req.overdue_warnings.all()) if party else [],
            "can_confirm": is_owner and req.status == S.AWAITING_CONFIRMATION,
            "can_decline": is_firm and req.status in (S.AWAITING_CONFIRMATION, S.PUBLICITY),
            "can_object": registrant and not is_firm and bool(in_publicity),
            "can_answer": is_bureau and req.status == S.OBJECTION and pending_objection is not None,
            "pending_objection": pending_objection,
            "can_contract_owner": is_owner and req.status == S.CONTRACTING,
            "can_contract_firm": is_firm and req.status == S.CONTRACTING and req.contract_owner_document_id is not None,
            "can_deliver": is_firm and req.status == S.IN_SERVICE,
            "can_accept": is_owner and req.status == S.DELIVERED,
            "can_ask_termination": is_owner and req.status in (S.CONTRACTING, S.IN_SERVICE, S.DELIVERED)
            and pending_termination is None,
            "can_decide_termination": is_bureau and pending_termination is not None,
            "pending_termination": pending_termination,
            "price": selectors.request_price(req),
            "decline_sanction": sanction_summary("declined"),
            # The signed notices (portal): once the owner confirmed a selected firm.
            "notices": req.selected_firm_id is not None and req.status in NOTICE_STATES,
            "award_notice": req.selected_firm_id is not None and req.status in NOTICE_STATES
            and (is_owner or is_firm or is_bureau),
        }
    }


# Form fields of each action, so a service's field error is shown beside its field; the
# service names an upload "file" or "document", the forms name theirs as below.
ACTION_FIELDS = {
    "confirm": (), "decline": ("reason",), "direct_pick": ("firm", "reason"), "object": ("reason", "attachment"),
    "answer": ("decision", "answer"), "contract": ("amount", "document"), "deliver": ("document",),
    "accept": ("comment",), "terminate": ("reason", "evidence"), "decide": ("decision", "answer"),
}
# Which panel flag shows each action's form.
ACTION_SHOWN = {
    "confirm": "can_confirm", "decline": "can_decline", "object": "can_object", "answer": "can_answer",
    "deliver": "can_deliver", "accept": "can_accept", "terminate": "can_ask_termination",
    "decide": "can_decide_termination",
}


def _error_context(action: str, exc: DomainError, posted: dict) -> dict:
    """The failed action's error for the panel: field errors beside their fields, the
    message above the form only when no field carries it (never twice)."""
    fields = ACTION_FIELDS.get(action, ())
    errors: dict[str, list[str]] = {}
    for name, msgs in (exc.errors or {}).items():
        name = {"file": fields[-1] if fields else name}.get(name, name)
        errors.setdefault(name if name in fields else "", []).extend(msgs)
    summary = exc.message if not errors or "" in errors else "请按提示修改后重新提交。"
    errors.pop("", None)
    return {"action": action, "message": summary, "errors": errors, "posted": posted}


def _shown(life: dict, action: str) -> bool:
    if action == "contract":
        return life["can_contract_owner"] or life["can_contract_firm"]
    return bool(life.get(ACTION_SHOWN.get(action, ""), False))


def request_action(request, code: str, run, done: str, *, action: str = ""):
    """Run `run(req)` for the request `code`. Success: a message and the request page.
    A refusal re-renders the request page in place with its 4xx status: the error beside
    its field and what was typed kept (a file field asks to choose the file again); when
    the action's form is not on the page (any more), the reason stands above the page."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("market:request_detail", args=[code]))
    req = get_object_or_404(ServiceRequest.objects.exclude(status=S.DRAFT), code=code)
    try:
        run(req)
    except DomainError as exc:
        from market.views.public import detail_queryset, request_detail_context

        req = detail_queryset().get(pk=req.pk)
        context = request_detail_context(request, req)
        life = context["life"]
        error = _error_context(action, exc, request.POST.dict())
        if not (action and life["shown"] and _shown(life, action)):
            error = {**error, "action": "", "message": exc.message, "floating": True}
        life["error"] = error
        return render(request, "market/public/request_detail.html", context, status=exc.status_code)
    messages.success(request, done)
    return redirect("market:request_detail", code=code)


@require_POST
def life_confirm(request, code):
    return request_action(request, code, lambda r: request_confirm(request_id=r.pk, user=request.user),
                          "已确认选取结果，结果进入公示。", action="confirm")


@require_POST
def life_decline(request, code):
    return request_action(request, code, lambda r: request_decline(request_id=r.pk, user=request.user,
                                                             reason=request.POST.get("reason", "")), "已放弃中选。",
                          action="decline")


@require_POST
def life_object(request, code):
    return request_action(request, code, lambda r: objection_lodge(
        request_id=r.pk, user=request.user, reason=request.POST.get("reason", ""),
        attachment=request.FILES.get("attachment"),
    ), "质疑已提交，行政审批局将在规定期限内书面答复。", action="object")


@require_POST
def life_answer(request, code):
    uphold = request.POST.get("decision") == "uphold"
    return request_action(request, code, lambda r: objection_answer(
        objection_id=id_or_404(request.POST.get("objection")), user=request.user, uphold=uphold,
        answer=request.POST.get("answer", ""), false_materials=uphold and request.POST.get("false_materials") == "1",
    ), "质疑已答复。", action="answer")


@require_POST
def life_contract(request, code):
    return request_action(request, code, lambda r: contract_upload(
        request_id=r.pk, user=request.user, document=request.FILES.get("document"), amount=request.POST.get("amount"),
    ), "合同已上传，已通知对方。", action="contract")


@require_POST
def life_deliver(request, code):
    return request_action(request, code, lambda r: result_deliver(
        request_id=r.pk, user=request.user, document=request.FILES.get("document")),
                          "服务成果已提交，等待业主验收。", action="deliver")


@require_POST
def life_accept(request, code):
    return request_action(request, code, lambda r: request_accept(
        request_id=r.pk, user=request.user, comment=request.POST.get("comment", "")),
                          "已验收通过，请在评价期限内评价服务。", action="accept")


@require_POST
def life_terminate_ask(request, code):
    return request_action(request, code, lambda r: termination_ask(
        request_id=r.pk, user=request.user, reason=request.POST.get("reason", ""),
        evidence=request.FILES.get("evidence"),
    ), "终止申请已提交行政审批局。", action="terminate")


@require_POST
def life_terminate_decide(request, code):
    grant = request.POST.get("decision") == "grant"
    return request_action(request, code, lambda r: termination_decide(
        termination_id=id_or_404(request.POST.get("termination")), user=request.user, grant=grant,
        answer=request.POST.get("answer", ""),
    ), "终止申请已处理。", action="decide")


# ---------------------------------------------------------------------------------------
# To-do list and overdue warnings


@require_safe
def todo(request):
    """What waits on the user's organisation (待办), and by when."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    items = selectors.todo_for(user=request.user)
    return render(request, "market/todo.html", {"items": items, "now": timezone.now()})


@require_safe
def overdue(request):
    """Overdue warnings (逾期预警) against the user's organisation; bureau staff: in scope."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    page = Paginator(selectors.overdue_warnings_for(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "market/overdue.html", {"page": page})


urlpatterns = [
    path("requests/<str:code>/life/confirm/", life_confirm, name="life_confirm"),
    path("requests/<str:code>/life/decline/", life_decline, name="life_decline"),
    path("requests/<str:code>/life/object/", life_object, name="life_object"),
    path("requests/<str:code>/life/answer/", life_answer, name="life_answer"),
    path("requests/<str:code>/life/contract/", life_contract, name="life_contract"),
    path("requests/<str:code>/life/deliver/", life_deliver, name="life_deliver"),
    path("requests/<str:code>/life/accept/", life_accept, name="life_accept"),
    path("requests/<str:code>/life/terminate/", life_terminate_ask, name="life_terminate_ask"),
    path("requests/<str:code>/life/terminate/decide/", life_terminate_decide, name="life_terminate_decide"),
    path("todo/", todo, name="todo"),
    path("overdue/", overdue, name="overdue"),
]
