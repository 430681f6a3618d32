"""Catalogue, registry (entries, qualifications, staff), service requests and their sign-ups."""


import django_fsm as fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Document, Organisation, Region
from core.models import SerialRefreshMixin, WrittenAnswer
from market.lifecycle import RequestLifecycle
from market.selection import method_choices


class QualificationType(models.Model):
    """A kind of qualification (资质) with its grades, lowest first."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    issuer = models.CharField(_("发证机关"), max_length=120, blank=True)
    grades = models.JSONField(_("等级（由低到高）"), default=list, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("资质类型")
        verbose_name_plural = _("资质类型")

    def __str__(self) -> str:
        return self.name

    def grade_rank(self, grade: str) -> int:
        """Position of `grade` among this type's grades; -1 if unknown."""
        try:
            return list(self.grades).index(grade)
        except ValueError:
            return -1


class ServiceItem(models.Model):
    """An item of the catalogue of intermediary services (中介服务事项清单)."""

    code = models.CharField(_("事项编码"), max_length=20, unique=True)
    name = models.CharField(_("事项名称"), max_length=100)
    approval = models.CharField(_("服务的审批事项"), max_length=200)
    legal_basis = models.TextField(_("设定依据"))
    qualification_type = models.ForeignKey(
        QualificationType, verbose_name=_("资质要求"), null=True, blank=True, on_delete=models.PROTECT
    )
    min_grade = models.CharField(_("最低等级"), max_length=40, blank=True)
    result_document = models.CharField(_("服务成果"), max_length=200)
    fee_basis = models.CharField(_("收费依据"), max_length=200)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("中介服务事项")
        verbose_name_plural = _("中介服务事项")

    def __str__(self) -> str:
        return f"{self.name}"


class Entry(SerialRefreshMixin, fsm.ConcurrentTransitionMixin, models.Model):
    """An intermediary's entry (入驻) into the city-wide registry, reviewed by the bureau."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("填写中")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        APPROVED = "approved", _("已入驻")

    organisation = models.OneToOneField(Organisation, on_delete=models.PROTECT, related_name="entry")
    status = fsm.FSMField(_("状态"), default=Status.DRAFT, choices=Status.choices, protected=True)
    legal_rep = models.CharField(_("法定代表人"), max_length=40)
    business_scope = models.TextField(_("经营范围"), blank=True)
    licence = models.ForeignKey(
        Document, verbose_name=_("营业执照"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commitment_accepted_at = models.DateTimeField(_("承诺书签署时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_reason = models.TextField(_("退回理由"), blank=True)
    approved_at = models.DateTimeField(_("入驻时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("入驻申请")
        verbose_name_plural = _("入驻申请")

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_status_display()})"

    @fsm.transition(field=status, source=[Status.DRAFT, Status.RETURNED], target=Status.SUBMITTED)
    def submit(self, *, at) -> None:
        self.submitted_at = at
        self.return_reason = ""

    @fsm.transition(field=status, source=Status.SUBMITTED, target=Status.APPROVED)
    def approve(self, *, by, at) -> None:
        self.reviewed_by = by
        self.reviewed_at = at
        self.approved_at = at

    @fsm.transition(field=status, source=Status.SUBMITTED, target=Status.RETURNED)
    def return_for_fix(self, *, by, at, reason: str) -> None:
        self.reviewed_by = by
        self.reviewed_at = at
        self.return_reason = reason


class Qualification(models.Model):
    """A qualification certificate held by an intermediary."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="qualifications")
    qualification_type = models.ForeignKey(QualificationType, verbose_name=_("资质类型"), on_delete=models.PROTECT)
    grade = models.CharField(_("等级"), max_length=40, blank=True)
    cert_no = models.CharField(_("证书编号"), max_length=60)
    valid_until = models.DateField(_("有效期至"))
    scan = models.ForeignKey(
        Document, verbose_name=_("证书扫描件"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["qualification_type__code"]
        verbose_name = _("资质证书")
        verbose_name_plural = _("资质证书")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "qualification_type", "cert_no"], name="qualification_cert_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.qualification_type} {self.grade} {self.cert_no}"


class StaffMember(models.Model):
    """A practising professional of an intermediary (执业人员)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(_("姓名"), max_length=40)
    title = models.CharField(_("执业资格"), max_length=60)
    cert_no = models.CharField(_("注册证书编号"), max_length=60, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("执业人员")
        verbose_name_plural = _("执业人员")

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）"


class ServiceRequest(RequestLifecycle):
    """A project owner's request for an intermediary service, through its whole life.

    Its states and transitions are `market.lifecycle.RequestLifecycle`; how it is selected
    is its method's (`market.selection`). Services lock the row, fire a transition through
    `market.lifecycle.request_fire`, and schedule side effects after commit.
    """

    class Funding(models.TextChoices):
        FISCAL = "fiscal", _("财政性资金")
        OWN = "own", _("自有资金")

    code = models.CharField(_("项目编号"), max_length=24, unique=True)
    owner = models.ForeignKey(Organisation, verbose_name=_("项目业主"), on_delete=models.PROTECT, related_name="requests")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    service_item = models.ForeignKey(ServiceItem, verbose_name=_("服务事项"), on_delete=models.PROTECT)
    region = models.ForeignKey(Region, verbose_name=_("项目所在区划"), on_delete=models.PROTECT)
    title = models.CharField(_("项目名称"), max_length=150)
    scope = models.TextField(_("服务范围与内容"))
    funding = models.CharField(_("资金来源"), max_length=10, choices=Funding.choices)
    project_code = models.CharField(_("投资项目代码"), max_length=30, blank=True)
    ceiling = models.DecimalField(_("最高限价（元）"), max_digits=14, decimal_places=2)
    floor = models.DecimalField(_("最低限价（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    method = models.CharField(_("选取方式"), max_length=10, choices=method_choices)
    signup_deadline = models.DateTimeField(_("报名截止时间"), null=True, blank=True)
    selection_at = models.DateTimeField(_("选取时间"), null=True, blank=True)
    service_days = models.PositiveIntegerField(_("服务期限（日历天）"))
    auction_minutes = models.PositiveSmallIntegerField(_("竞价时长（分钟）"), default=10)
    min_step = models.DecimalField(_("最小降价幅度（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    allow_abnormally_low = models.BooleanField(_("允许低于限价60%的报价"), default=False)
    contact_name = models.CharField(_("联系人"), max_length=40)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    # The random draw's commitment (YCZJCS-DRAW-v1), set by the draw method at publication:
    # the nonce stays secret until the draw.
    draw_commitment = models.CharField(max_length=64, blank=True)
    draw_nonce = models.CharField(max_length=64, blank=True)
    publish_count = models.PositiveSmallIntegerField(default=0)
    failure_count = models.PositiveSmallIntegerField(default=0)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    closing_reason = models.TextField(_("取消/流标原因"), blank=True)
    selected_firm = models.ForeignKey(
        Organisation, verbose_name=_("选定中介机构"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="selected_requests",
    )
    # Direct pick (直接选取): flagged for the bureau's supervision.
    direct_pick = models.BooleanField(_("直接选取"), default=False, db_index=True)
    direct_pick_reason = models.TextField(_("直接选取理由"), blank=True)
    # Deadlines and facts of the life after selection (see docs of each transition).
    confirm_due = models.DateTimeField(_("确认结果期限"), null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("公示结束时间"), null=True, blank=True)
    publicity_remaining_seconds = models.PositiveIntegerField(null=True, blank=True)
    contract_due = models.DateTimeField(_("合同上传期限"), null=True, blank=True)
    contract_amount = models.DecimalField(_("合同金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    contract_owner_document = models.ForeignKey(
        Document, verbose_name=_("合同（业主上传）"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contract_owner_at = models.DateTimeField(null=True, blank=True)
    contract_firm_document = models.ForeignKey(
        Document, verbose_name=_("合同（中介机构上传）"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_starts_at = models.DateTimeField(_("服务开始时间"), null=True, blank=True)
    service_ends_at = models.DateTimeField(_("服务到期时间"), null=True, blank=True)
    result_document = models.ForeignKey(
        Document, verbose_name=_("服务成果文件"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivered_at = models.DateTimeField(_("交付时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("采购需求")
        verbose_name_plural = _("采购需求")
        constraints = [
            models.CheckConstraint(condition=Q(ceiling__gt=0), name="request_ceiling_positive"),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | (Q(floor__gt=0) & Q(floor__lt=F("ceiling"))),
                name="request_floor_below_ceiling",
            ),
            models.CheckConstraint(
                condition=Q(min_step__isnull=True) | Q(min_step__gt=0), name="request_min_step_positive"
            ),
            models.CheckConstraint(
                condition=Q(signup_deadline__isnull=True)
                | Q(selection_at__isnull=True)
                | Q(selection_at__gte=F("signup_deadline")),
                name="request_selection_after_signup",
            ),
            models.CheckConstraint(condition=Q(service_days__gt=0), name="request_service_days_positive"),
            models.CheckConstraint(
                condition=Q(auction_minutes__gte=1) & Q(auction_minutes__lte=240), name="request_auction_minutes_range"
            ),
            models.CheckConstraint(
                condition=Q(contract_amount__isnull=True) | (Q(contract_amount__gt=0) & Q(contract_amount__lte=F("ceiling"))),
                name="request_contract_within_ceiling",
            ),
        ]
        indexes = [models.Index(fields=["status", "signup_deadline"], name="request_status_deadline")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Invitation(models.Model):
    """A pushed invitation (采购邀请). One per firm and request, so a retried push is a no-op."""

    class Mail(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        NONE = "none", _("无邮箱")

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="invitations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="invitations")
    round = models.PositiveSmallIntegerField(_("发布轮次"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    mail_status = models.CharField(max_length=10, choices=Mail.choices, default=Mail.PENDING)
    mail_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("采购邀请")
        verbose_name_plural = _("采购邀请")
        db_table = "bidding_invitation"
        constraints = [
            models.UniqueConstraint(fields=["request", "organisation", "round"], name="invitation_once_per_round"),
        ]


class SignUp(models.Model):
    """A firm's sign-up (报名) for a request."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="signups")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="signups")
    round = models.PositiveSmallIntegerField(_("发布轮次"), default=1)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        db_table = "bidding_signup"
        constraints = [
            models.UniqueConstraint(fields=["request", "organisation", "round"], name="signup_once_per_round"),
        ]


class RequestExclusion(models.Model):
    """A conflict-of-interest exclusion (回避): this firm may not take part in this request."""

    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="exclusions")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("回避机构"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("回避理由"), max_length=200)

    class Meta:
        verbose_name = _("回避")
        verbose_name_plural = _("回避")
        constraints = [
            models.UniqueConstraint(fields=["request", "organisation"], name="exclusion_once_per_firm"),
        ]


class DirectPickPolicy(models.Model):
    """Whether a request of this region and funding type may be published for direct pick
    (直接选取). Without a row the answer is no. Edited by city bureau staff, audited."""

    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.PROTECT)
    funding = models.CharField(_("资金来源"), max_length=10, choices=ServiceRequest.Funding.choices)
    allowed = models.BooleanField(_("允许直接选取"), default=False)
    source = models.TextField(_("依据"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["region__sort_order", "region_id", "funding"]
        verbose_name = _("直接选取适用范围")
        verbose_name_plural = _("直接选取适用范围")
        constraints = [
            models.UniqueConstraint(fields=["region", "funding"], name="directpick_once_per_region_funding"),
        ]


class Objection(WrittenAnswer):
    """An objection (质疑) lodged by a registrant during publicity, answered by the bureau in
    writing: upheld (the firm objected against is disqualified) or rejected."""

    VERDICTS = {"pending": "待答复", "upheld": "质疑成立", "rejected": "质疑不成立"}

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="objections")
    objector = models.ForeignKey(Organisation, verbose_name=_("质疑机构"), on_delete=models.PROTECT, related_name="+")
    against = models.ForeignKey(Organisation, verbose_name=_("被质疑机构"), on_delete=models.PROTECT, related_name="+")
    attachment = models.ForeignKey(Document, verbose_name=_("附件"), on_delete=models.PROTECT, related_name="+")
    # Columns named before the written-answer model existed.
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 db_column="user_id")
    filed_at = models.DateTimeField(_("提出时间"), db_column="lodged_at")

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("质疑")
        verbose_name_plural = _("质疑")
        constraints = [
            models.UniqueConstraint(fields=["request"], condition=Q(status="pending"), name="objection_one_pending"),
            WrittenAnswer.answered_in_writing("objection_answered_in_writing"),
        ]


class TerminationRequest(WrittenAnswer):
    """The owner's request that the bureau terminate a contract for the firm's breach, with
    evidence: upheld (the contract ends) or rejected, in writing."""

    VERDICTS = {"pending": "待处理", "upheld": "已终止", "rejected": "不予终止"}

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="terminations")
    evidence = models.ForeignKey(Document, verbose_name=_("证据"), on_delete=models.PROTECT, related_name="+")
    # Columns named before the written-answer model existed; requests filed before it
    # have no answer deadline.
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 db_column="user_id")
    filed_at = models.DateTimeField(_("申请时间"), db_column="asked_at")
    answer_due = models.DateTimeField(_("处理期限"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", db_column="decided_by_id")
    answered_at = models.DateTimeField(_("处理时间"), null=True, blank=True, db_column="decided_at")

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("终止申请")
        verbose_name_plural = _("终止申请")
        constraints = [
            models.UniqueConstraint(fields=["request"], condition=Q(status="pending"), name="termination_one_pending"),
            WrittenAnswer.answered_in_writing("termination_answered_in_writing"),
        ]


class OverdueWarning(models.Model):
    """An overdue step (逾期预警) recorded against the party at fault; once per request and
    step (`step_key`). The request's state does not change."""

    class Step(models.TextChoices):
        CONFIRM = "confirm", _("业主未按期确认选取结果")
        CONTRACT_OWNER = "contract_owner", _("业主未按期上传合同")
        CONTRACT_FIRM = "contract_firm", _("中介机构未按期签订合同")
        SERVICE = "service", _("中介机构服务超期")
        OBJECTION_ANSWER = "objection_answer", _("行政审批局未按期答复质疑")

    class Party(models.TextChoices):
        OWNER = "owner", _("项目业主")
        FIRM = "firm", _("中介机构")
        BUREAU = "bureau", _("行政审批局")

    request = models.ForeignKey(ServiceRequest, on_delete=models.PROTECT, related_name="overdue_warnings")
    step = models.CharField(_("逾期环节"), max_length=20, choices=Step.choices)
    step_key = models.CharField(max_length=60)
    party = models.CharField(_("责任方"), max_length=10, choices=Party.choices)
    organisation = models.ForeignKey(Organisation, verbose_name=_("责任单位"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="overdue_warnings")
    due_at = models.DateTimeField(_("期限"))
    detected_at = models.DateTimeField(_("发现时间"))

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = _("逾期预警")
        verbose_name_plural = _("逾期预警")
        constraints = [
            models.UniqueConstraint(fields=["request", "step_key"], name="overdue_once_per_step"),
        ]


# What an announcement carries besides its fields (kept in their own module).
from market.models_announcement import Clarification, RequestAttachment  # noqa: E402,F401
