"""Writes of the registry (入驻): an intermediary's entry, its qualifications and staff, and
the bureau's review.

Every service owns its transaction: it locks the row, re-checks the rules under the
lock, writes, records the change in the audit chain, and schedules side effects
(tasks, websocket pushes, mail) with `transaction.on_commit`.
"""


from django.db import transaction
from django.utils import timezone

from accounts.models import Document, Organisation
from audit.services import record_append
from core.events import emit
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from core.jurisdiction import bureau_covers
from core.locking import lock_rows
from core.text import text_clean
from market.models import (
    Entry,
    Qualification,
    QualificationType,
    StaffMember,
)

# ---------------------------------------------------------------------------------------
# Entry (入驻)


def _entry_chain(entry: Entry) -> str:
    return f"entry:{entry.organisation_id}"


def _lock_entry(organisation: Organisation) -> Entry:
    try:
        return lock_rows(Entry.objects.select_related("organisation")).get(organisation=organisation)
    except Entry.DoesNotExist:
        raise InvalidState("尚未填写入驻申请。") from None


@transaction.atomic
def entry_save(
    *,
    user,
    name: str,
    uscc: str,
    legal_rep: str,
    contact_name: str,
    phone: str,
    email: str,
    address: str,
    business_scope: str,
    region_code: str,
    licence: Document | None = None,
) -> Entry:
    """Create or update the user's firm's entry application while it is a draft or returned.
    Every text is bounded (the model's lengths) with a Chinese message per field."""
    from core.uscc import uscc_validate

    name = text_clean(name, field="name", label="机构名称", max_length=120, required=True, multiline=False)
    legal_rep = text_clean(legal_rep, field="legal_rep", label="法定代表人", max_length=40, required=True,
                           multiline=False)
    contact_name = text_clean(contact_name, field="contact_name", label="联系人", max_length=40, multiline=False)
    phone = text_clean(phone, field="phone", label="联系电话", max_length=30, multiline=False)
    email = text_clean(email, field="email", label="电子邮箱", max_length=254, multiline=False)
    address = text_clean(address, field="address", label="地址", max_length=200, multiline=False)
    business_scope = text_clean(business_scope, field="business_scope", label="经营范围", max_length=2000)
    org = user.organisation
    if org is None or not org.is_intermediary:
        raise NotAllowed("只有中介机构账号可以申请入驻。")
    uscc = uscc.strip().upper()
    try:
        uscc_validate(uscc)
    except Exception as exc:  # django ValidationError
        raise ValidationFailed("统一社会信用代码有误。", errors={"uscc": list(getattr(exc, "messages", [str(exc)]))}) from None
    if Organisation.objects.filter(uscc=uscc).exclude(pk=org.pk).exists():
        raise ValidationFailed("该统一社会信用代码已被其他机构使用。", errors={"uscc": ["该统一社会信用代码已被其他机构使用。"]})
    lock_rows(Organisation.objects.filter(pk=org.pk)).first()
    entry = Entry.objects.filter(organisation=org).first()
    if entry is not None and entry.status not in (Entry.Status.DRAFT, Entry.Status.RETURNED):
        raise InvalidState("入驻申请已提交或已通过，不能再修改。")
    org.name, org.uscc, org.contact_name, org.phone, org.email, org.address = name, uscc, contact_name, phone, email, address
    org.region_id = region_code
    org.save()
    if entry is None:
        entry = Entry.objects.create(organisation=org, legal_rep=legal_rep, business_scope=business_scope, licence=licence)
        record_append(chain=_entry_chain(entry), kind="entry_created", actor=user, to_state=entry.status)
    else:
        entry.legal_rep, entry.business_scope = legal_rep, business_scope
        if licence is not None:
            entry.licence = licence
        entry.save()
    return entry


@transaction.atomic
def qualification_add(
    *, user, qualification_type_id: int, grade: str, cert_no: str, valid_until, scan: Document | None = None
) -> Qualification:
    """Register a qualification certificate of the user's firm (grade of its type, not expired)."""
    grade = text_clean(grade, field="grade", label="等级", max_length=40, multiline=False)
    cert_no = text_clean(cert_no, field="cert_no", label="证书编号", max_length=60, required=True, multiline=False)
    org = user.organisation
    entry = _lock_entry(org)
    if entry.status not in (Entry.Status.DRAFT, Entry.Status.RETURNED, Entry.Status.APPROVED):
        raise InvalidState("入驻申请审核中，暂不能修改资质。")
    qtype = QualificationType.objects.filter(pk=qualification_type_id).first()
    if qtype is None:
        raise ValidationFailed("资质类型不存在。", errors={"qualification_type": ["请选择资质类型。"]})
    if qtype.grades and grade not in qtype.grades:
        raise ValidationFailed("资质等级有误。", errors={"grade": [f"“{qtype.name}”的等级应为：{'、'.join(qtype.grades)}。"]})
    if valid_until < timezone.localdate():
        raise ValidationFailed("证书已过期。", errors={"valid_until": ["证书已过期，请登记有效期内的证书。"]})
    if Qualification.objects.filter(organisation=org, qualification_type_id=qualification_type_id, cert_no=cert_no).exists():
        raise ValidationFailed("该资质证书已登记。", errors={"cert_no": ["该资质证书已登记。"]})
    qual = Qualification.objects.create(
        organisation=org, qualification_type_id=qualification_type_id, grade=grade, cert_no=cert_no,
        valid_until=valid_until, scan=scan,
    )
    record_append(chain=_entry_chain(entry), kind="qualification_added", actor=user,
                  data={"type": qual.qualification_type.code, "grade": grade, "cert_no": cert_no, "valid_until": valid_until})
    return qual


@transaction.atomic
def qualification_remove(*, user, qualification_id: int) -> None:
    org = user.organisation
    entry = _lock_entry(org)
    if entry.status not in (Entry.Status.DRAFT, Entry.Status.RETURNED):
        raise InvalidState("只有填写中或被退回的申请可以删除资质。")
    qual = Qualification.objects.filter(organisation=org, pk=qualification_id).first()
    if qual is None:
        raise NotAllowed("无权操作该资质。")
    record_append(chain=_entry_chain(entry), kind="qualification_removed", actor=user, data={"cert_no": qual.cert_no})
    qual.delete()


@transaction.atomic
def staff_add(*, user, name: str, title: str, cert_no: str) -> StaffMember:
    """Register a practising professional of the user's firm."""
    name = text_clean(name, field="name", label="姓名", max_length=40, required=True, multiline=False)
    title = text_clean(title, field="title", label="执业资格", max_length=60, required=True, multiline=False)
    cert_no = text_clean(cert_no, field="cert_no", label="注册证书编号", max_length=60, multiline=False)
    org = user.organisation
    entry = _lock_entry(org)
    if entry.status not in (Entry.Status.DRAFT, Entry.Status.RETURNED, Entry.Status.APPROVED):
        raise InvalidState("入驻申请审核中，暂不能修改执业人员。")
    member = StaffMember.objects.create(organisation=org, name=name, title=title, cert_no=cert_no)
    record_append(chain=_entry_chain(entry), kind="staff_added", actor=user, data={"name": name, "title": title})
    return member


@transaction.atomic
def entry_submit(*, user, commitment_accepted: bool) -> Entry:
    """Submit the firm's entry for review. Requires the signed commitment letter and at
    least one qualification and one practising staff member."""
    entry = _lock_entry(user.organisation)
    errors: dict[str, list[str]] = {}
    if not commitment_accepted:
        errors["commitment"] = ["须阅读并签署信用承诺书。"]
    if not entry.organisation.qualifications.exists():
        errors.setdefault("", []).append("请至少登记一项资质证书。")
    if not entry.organisation.staff.exists():
        errors.setdefault("", []).append("请至少登记一名执业人员。")
    if entry.licence_id is None:
        errors.setdefault("", []).append("请上传营业执照。")
    if errors:
        raise ValidationFailed("入驻申请不完整。", errors=errors)
    if entry.status not in (Entry.Status.DRAFT, Entry.Status.RETURNED):
        raise InvalidState("该申请当前不能提交。")
    before = entry.status
    now = timezone.now()
    entry.commitment_accepted_at = now
    entry.submit(at=now)
    entry.save()
    record_append(chain=_entry_chain(entry), kind="transition", actor=user, from_state=before, to_state=entry.status)
    return entry


@transaction.atomic
def entry_review(*, user, entry_id: int, approve: bool, reason: str = "") -> Entry:
    """The bureau approves an entry, or returns it with a reason the firm sees."""
    from accounts.services import notification_push

    entry = lock_rows(Entry.objects.select_related("organisation", "organisation__region").filter(pk=entry_id)).first()
    if entry is None or not bureau_covers(user=user, region_id=entry.organisation.region_id):
        raise NotAllowed("无权审核该入驻申请。")
    if entry.status != Entry.Status.SUBMITTED:
        raise InvalidState("该申请不在待审核状态。")
    reason = text_clean(reason, field="reason", label="退回理由", max_length=1000)
    before = entry.status
    now = timezone.now()
    if approve:
        entry.approve(by=user, at=now)
    else:
        if not reason:
            raise ValidationFailed("退回须说明理由。", errors={"reason": ["退回须说明理由。"]})
        entry.return_for_fix(by=user, at=now, reason=reason)
    entry.save()
    record_append(chain=_entry_chain(entry), kind="transition", actor=user, from_state=before, to_state=entry.status, reason=reason)
    notification_push(
        organisation=entry.organisation,
        kind="entry_reviewed",
        title="入驻申请已通过审核" if approve else "入驻申请被退回",
        body=reason,
        url="/entry/",
        dedupe_key=f"entry-review:{entry.pk}:{entry.reviewed_at.isoformat()}",
    )
    if approve:
        emit("entry.approved", entry_id=entry.pk, organisation_id=entry.organisation_id, uscc=entry.organisation.uscc)
    return entry
