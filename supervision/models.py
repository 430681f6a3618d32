"""Anti-avoidance signals (规避监管的异常信号): the cases the beat detection raises and the
bureau reviews.

A case is one subject of one signal — an owner, an owner–firm pair, a pair of firms, an
owner's service item — kept in one row whatever the number of runs (`signal_case_once`).
Its facts (`fact_keys`: the requests, auctions … that raised it) are refreshed by every
run; a review stores the facts it saw (`reviewed_fact_keys`), and only a fact outside
them reopens the case.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Region


class SignalCase(models.Model):
    """One case of one anti-avoidance signal, detected by `supervision.services_signals`."""

    class Kind(models.TextChoices):
        DIRECT_SHARE = "direct_share", _("直接选取占比高")
        FAILED_TO_DIRECT = "failed_to_direct", _("流标后转直接选取")
        REPEAT_PAIR = "repeat_pair", _("同一业主与机构反复成交")
        NEAR_CEILING = "near_ceiling", _("成交价贴近最高限价")
        LAST_MINUTE = "last_minute", _("竞价总在最后时刻同时出价")
        RING = "ring", _("共同报名从不相互竞价（疑似围标、陪标）")
        LATE_CONTRACT = "late_contract", _("公示结束后迟迟上传合同")
        FAST_ACCEPTANCE = "fast_acceptance", _("交付后过快验收")
        SPLITTING = "splitting", _("化整为零")

    class Status(models.TextChoices):
        OPEN = "open", _("待核查")
        REVIEWED = "reviewed", _("已核查")
        CLEARED = "cleared", _("已消除")

    kind = models.CharField(_("信号"), max_length=20, choices=Kind.choices)
    # The subject within the kind: "owner:12", "pair:12-34", "firms:34-56", "item:12-7".
    subject = models.CharField(max_length=120)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(Organisation, verbose_name=_("项目业主"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    firm_ids = models.JSONField(default=list, blank=True)
    request_ids = models.JSONField(default=list, blank=True)
    # The figure that raised the case and the rule it was measured against, as detected.
    figure = models.DecimalField(_("数值"), max_digits=16, decimal_places=2)
    figure_unit = models.CharField(max_length=10)
    threshold = models.DecimalField(_("预警线"), max_digits=16, decimal_places=4)
    rule_key = models.CharField(max_length=60)
    summary = models.CharField(_("说明"), max_length=300)
    facts = models.JSONField(default=dict, blank=True)
    fact_keys = models.JSONField(default=list, blank=True)
    fingerprint = models.CharField(max_length=64)
    detected_at = models.DateTimeField(_("发现时间"))
    last_seen_at = models.DateTimeField(_("最近检出时间"))
    due_at = models.DateTimeField(_("核查期限"))
    reviewed_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    review_note = models.TextField(_("核查意见"), blank=True)
    reviewed_fact_keys = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("异常线索")
        verbose_name_plural = _("异常线索")
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject"], name="signal_case_once"),
            models.CheckConstraint(
                condition=~Q(status="reviewed") | (Q(reviewed_at__isnull=False) & ~Q(review_note="")),
                name="signal_case_reviewed_with_note",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="signal_case_status_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.summary}"


# The statistics part keeps its model in its own module.
from supervision.models_stats import RequestStat  # noqa: E402,F401


class DailyDigest(models.Model):
    """One officer's digest of one Beijing day (每日待办与预警摘要): at most one row, so at most
    one mail, per officer and day, whatever retries or duplicate beats happen.

    pending → sending (claimed under lock, the mail goes out after commit) → sent; a failed
    send goes back to `failed`, which the next attempt claims again. A worker that dies
    between claim and send leaves `sending`: the mail may have gone, so it is not resent.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("工作人员"), on_delete=models.CASCADE,
                             related_name="+")
    date = models.DateField(_("日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    todo_count = models.PositiveIntegerField(_("待办数"), default=0)
    red_count = models.PositiveIntegerField(_("红色预警数"), default=0)
    yellow_count = models.PositiveIntegerField(_("黄色预警数"), default=0)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-date", "user_id"]
        verbose_name = _("每日摘要邮件")
        verbose_name_plural = _("每日摘要邮件")
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="dailydigest_once_per_officer_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.date} {self.get_status_display()}"
