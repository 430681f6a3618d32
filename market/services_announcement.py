"""Writes of an announcement's attachments (采购文件) and its clarification Q&A (答疑澄清).

Each service locks the request row (the subject of its audit chain), checks the actor and
the sign-up period under the lock, writes, appends to the chain, and notifies after commit
(`notification_push` schedules its push on commit).
"""

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.services import document_store, notification_push
from audit.services import record_append
from core.exceptions import InvalidState, NotAllowed, ValidationFailed, field_error
from core.locking import lock_rows
from core.text import text_clean
from market.models import Clarification, RequestAttachment, ServiceRequest, SignUp
from market.lifecycle import request_chain

MAX_ATTACHMENTS = 10
MAX_QUESTIONS_PER_FIRM = 10
S = ServiceRequest.Status


def _lock(request_id: int) -> ServiceRequest:
    req = lock_rows(ServiceRequest.objects.filter(pk=request_id)).first()
    if req is None:
        raise NotAllowed("采购需求不存在。")
    return req


def signup_open(req: ServiceRequest, now=None) -> bool:
    now = now or timezone.now()
    return req.status == S.PUBLISHED and req.signup_deadline is not None and req.signup_deadline > now


@transaction.atomic
def attachment_add(*, user, request_id: int, title: str, upload: UploadedFile | None) -> RequestAttachment:
    """The owner attaches a file (采购文件) to its request, while it is a draft or its
    sign-up is open; at most `MAX_ATTACHMENTS`. Public with the announcement."""
    title = text_clean(title, field="title", label="文件名称", max_length=100, required=True, multiline=False)
    if upload is None:
        raise field_error("upload", "请选择要上传的文件。")
    req = _lock(request_id)
    if user.organisation_id is None or req.owner_id != user.organisation_id:
        raise NotAllowed("只有项目业主可以上传采购文件。")
    if not (req.status == S.DRAFT or signup_open(req)):
        raise InvalidState("报名截止后不能再上传采购文件。")
    if RequestAttachment.objects.filter(request=req).count() >= MAX_ATTACHMENTS:
        raise InvalidState(f"每个项目最多上传{MAX_ATTACHMENTS}个采购文件。")
    try:
        doc = document_store(upload=upload, organisation=user.organisation, user=user)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, errors={"upload": exc.errors.get("file", [exc.message])}) from None
    attachment = RequestAttachment.objects.create(request=req, title=title, document=doc, uploaded_by=user,
                                                  uploaded_at=timezone.now())
    record_append(chain=request_chain(req), kind="attachment", actor=user, reason=title,
                  data={"attachment": attachment.pk, "document_sha256": doc.sha256})
    return attachment


@transaction.atomic
def clarification_ask(*, user, request_id: int, question: str) -> Clarification:
    """A firm signed up in the current round asks a question while sign-up is open (at
    most `MAX_QUESTIONS_PER_FIRM`); the owner is told."""
    question = text_clean(question, field="question", label="问题", max_length=500, required=True)
    req = _lock(request_id)
    org = user.organisation
    if org is None or not SignUp.objects.filter(request=req, organisation=org, round=req.publish_count).exists():
        raise NotAllowed("报名本项目后才能提问。")
    if not signup_open(req):
        raise InvalidState("报名已截止，不能再提问。")
    if Clarification.objects.filter(request=req, asker=org, round=req.publish_count).count() >= MAX_QUESTIONS_PER_FIRM:
        raise InvalidState(f"每家机构每轮最多提问{MAX_QUESTIONS_PER_FIRM}次。")
    item = Clarification.objects.create(request=req, round=req.publish_count, asker=org, question=question,
                                        asked_at=timezone.now())
    record_append(chain=request_chain(req), kind="clarification_asked", actor=user, reason=question,
                  data={"clarification": item.pk})
    notification_push(organisation=req.owner, kind="clarification", title=f"报名机构提问：{req.title}",
                      body=question[:100], url=f"/requests/{req.code}/#clarifications",
                      dedupe_key=f"clarification:{item.pk}:asked")
    return item


@transaction.atomic
def clarification_answer(*, user, clarification_id: int, answer: str) -> Clarification:
    """The owner answers a question once, while sign-up is open; every registrant of the
    round is told, and sees the question and the answer."""
    answer = text_clean(answer, field="answer", label="答复", max_length=2000, required=True)
    request_id = Clarification.objects.filter(pk=clarification_id).values_list("request_id", flat=True).first()
    if request_id is None:
        raise NotAllowed("问题不存在。")
    req = _lock(request_id)
    item = Clarification.objects.get(pk=clarification_id)
    if user.organisation_id is None or req.owner_id != user.organisation_id:
        raise NotAllowed("只有项目业主可以答复。")
    if item.answered_at is not None:
        raise InvalidState("该问题已答复。")
    if not signup_open(req) or item.round != req.publish_count:
        raise InvalidState("报名已截止，不能再答复。")
    item.answer, item.answered_by, item.answered_at = answer, user, timezone.now()
    item.save(update_fields=["answer", "answered_by", "answered_at"])
    record_append(chain=request_chain(req), kind="clarification_answered", actor=user, reason=answer,
                  data={"clarification": item.pk})
    for signup in SignUp.objects.filter(request=req, round=req.publish_count).select_related("organisation"):
        notification_push(organisation=signup.organisation, kind="clarification", title=f"答疑澄清：{req.title}",
                          body=answer[:100], url=f"/requests/{req.code}/#clarifications",
                          dedupe_key=f"clarification:{item.pk}:answered")
    return item
