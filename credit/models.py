"""Credit events and the sanctions they carry (effective city-wide the moment they exist),
the sanction table the bureau edits, appeals, and each firm's published credit score."""

import django_fsm as fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Region
from core.models import SerialRefreshMixin, WrittenAnswer


class Kind(models.TextChoices):
    """Kinds of credit event: the first six raised by the platform, the rest by the bureau."""

    DECLINED = "declined", _("中选后放弃中选资格")
    CONTRACT_UNSIGNED = "contract_unsigned", _("逾期未签订合同")
    SERVICE_OVERDUE = "service_overdue", _("服务逾期")
    FALSE_MATERIALS = "false_materials", _("质疑成立：提供虚假材料")
    RATING_UNSATISFIED = "rating_unsatisfied", _("服务评价为不满意")
    CONTRACT_BREACH = "contract_breach", _("违约被终止合同")
    FAKE_QUALIFICATION = "fake_qualification", _("资质造假")
    COLLUSION = "collusion", _("串通")
    OVERCHARGING = "overcharging", _("违规收费（收费乱）")
    BRIBERY = "bribery", _("行贿")
    RED_LIST = "red_list", _("守信激励（红名单）")


class Severity(models.TextChoices):
    GOOD = "good", _("守信")
    MINOR = "minor", _("一般")
    SERIOUS = "serious", _("较重")
    GRAVE = "grave", _("严重")


class CreditEvent(SerialRefreshMixin, fsm.ConcurrentTransitionMixin, models.Model):
    """A credit event against (or, for good conduct, in favour of) an intermediary.

    `kind` is the label shown to people (kept for events recorded before `kind_code`);
    `kind_code` names the sanction-table row the event applied. A removal has no end
    (`ends_at` null) and bans re-entry until `ban_until`.

    active ─contest→ disputed ─reinstate→ active     (appeal rejected, still in force)
                             ─expire→ expired       (appeal rejected after its end, or its end passed)
    active ─expire→ expired
    active / disputed / expired ─revoke→ revoked   (bureau, or its cause fell away)

    Transitions only guard and set fields; `credit.services` fires them through
    `credit_event_fire`, which records each with its actor in the firm's chain.
    """

    class Sanction(models.TextChoices):
        NONE = "none", _("仅记录")
        WARNING = "warning", _("警告")
        SUSPENSION = "suspension", _("暂停参与")
        REMOVAL = "removal", _("清退")
        COMMENDATION = "commendation", _("守信激励")

    class Status(models.TextChoices):
        ACTIVE = "active", _("生效中")
        DISPUTED = "disputed", _("申诉中")
        REVOKED = "revoked", _("已撤销")
        EXPIRED = "expired", _("已到期")

    organisation = models.ForeignKey(Organisation, verbose_name=_("机构"), on_delete=models.PROTECT, related_name="credit_events")
    kind = models.CharField(_("事件类型"), max_length=40)
    kind_code = models.CharField(_("事件类别"), max_length=24, choices=Kind.choices, blank=True)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, blank=True)
    sanction = models.CharField(_("处理措施"), max_length=16, choices=Sanction.choices)
    # No default: an event made outside `credit.services.credit_event_raise` must say its
    # points, never silently count 0 against the sanction table (the demo's suspended firm
    # once kept 98 points that way).
    points = models.IntegerField(_("信用分变动"))
    rule_source = models.TextField(_("依据"))
    description = models.TextField(_("事实"), blank=True)
    region = models.ForeignKey(Region, verbose_name=_("发起区划"), on_delete=models.PROTECT)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey("market.ServiceRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Identifies the cause of an event, so a retried task raises it once. NULL (not "")
    # when there is none: a plain unique constraint then holds on every database, MariaDB
    # included (which ignores conditional unique constraints).
    cause_key = models.CharField(max_length=120, null=True, blank=True, default=None)  # noqa: DJ001
    evidence = models.ForeignKey("accounts.Document", verbose_name=_("证据材料"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    ban_until = models.DateTimeField(_("禁入期至"), null=True, blank=True)
    status_reason = models.TextField(_("状态变更理由"), blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = fsm.FSMField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE, protected=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("信用事件")
        verbose_name_plural = _("信用事件")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "cause_key"], name="creditevent_once_per_cause"),
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")), name="creditevent_ends_after_start"),
            models.CheckConstraint(condition=Q(ban_until__isnull=True) | Q(ban_until__gt=F("starts_at")),
                                   name="creditevent_ban_after_start"),
        ]
        indexes = [models.Index(fields=["organisation", "status", "sanction"], name="credit_org_status")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.kind} {self.get_sanction_display()}"

    def _changed(self, *, by, at, reason: str) -> None:
        self.status_reason = reason
        self.status_changed_at = at
        self.status_changed_by = by if by is not None and getattr(by, "pk", None) else None

    @fsm.transition(field=status, source=Status.ACTIVE, target=Status.DISPUTED)
    def contest(self, *, by, at, reason: str) -> None:
        """The firm appeals; the sanction still applies while the bureau answers."""
        self._changed(by=by, at=at, reason=reason)

    @fsm.transition(field=status, source=Status.DISPUTED, target=Status.ACTIVE)
    def reinstate(self, *, by, at, reason: str) -> None:
        """The appeal is rejected while the event is still in force."""
        self._changed(by=by, at=at, reason=reason)

    @fsm.transition(field=status, source=[Status.ACTIVE, Status.DISPUTED], target=Status.EXPIRED)
    def expire(self, *, by, at, reason: str) -> None:
        """Its end date has passed (or an appeal is rejected after it)."""
        self._changed(by=by, at=at, reason=reason)

    @fsm.transition(field=status, source=[Status.ACTIVE, Status.DISPUTED, Status.EXPIRED], target=Status.REVOKED)
    def revoke(self, *, by, at, reason: str) -> None:
        """Revoked by the bureau (an appeal upheld, or on review) or because its cause fell away."""
        self._changed(by=by, at=at, reason=reason)

    @property
    def in_force(self) -> bool:
        from django.utils import timezone

        now = timezone.now()
        return self.status in (self.Status.ACTIVE, self.Status.DISPUTED) and self.starts_at <= now and (
            self.ends_at is None or self.ends_at > now)


class SanctionRule(models.Model):
    """One row of the sanction table: what an event of `kind` carries. Edited by the city
    bureau; read through `credit.selectors.sanction_for` (defaults in `credit.sanctions`)."""

    kind = models.CharField(_("事件类别"), max_length=24, choices=Kind.choices, unique=True)
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices)
    sanction = models.CharField(_("处理措施"), max_length=16, choices=CreditEvent.Sanction.choices)
    months = models.PositiveSmallIntegerField(_("暂停（或激励有效）月数"), default=0)
    ban_years = models.PositiveSmallIntegerField(_("清退后禁入年数"), default=0)
    points = models.SmallIntegerField(_("信用分变动"))
    source = models.TextField(_("依据"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["kind"]
        verbose_name = _("失信惩戒标准")
        verbose_name_plural = _("失信惩戒标准")
        constraints = [
            models.CheckConstraint(condition=~Q(sanction="suspension") | Q(months__gte=1),
                                   name="sanctionrule_suspension_has_months"),
            models.CheckConstraint(condition=Q(points__gte=-100) & Q(points__lte=100), name="sanctionrule_points_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.get_sanction_display()}"


class CreditAppeal(WrittenAnswer):
    """A firm's appeal (申诉) against one of its events, at most one per event, answered by
    the bureau in writing: upheld (the event is revoked) or rejected (it stands)."""

    VERDICTS = {"pending": "待答复", "upheld": "申诉成立（撤销事件）", "rejected": "申诉不成立（维持）"}

    event = models.OneToOneField(CreditEvent, on_delete=models.PROTECT, related_name="appeal")
    # The column is older than the written-answer model.
    status = WrittenAnswer.status_field(verbose_name=_("处理结果"), db_column="decision")

    class Meta:
        ordering = ["answer_due", "id"]
        verbose_name = _("信用申诉")
        verbose_name_plural = _("信用申诉")
        constraints = [
            WrittenAnswer.answered_in_writing("creditappeal_answer_written"),
        ]


class CreditScore(models.Model):
    """The last computed credit score of a firm (a snapshot the registry orders by).

    Written only by `credit.services.credit_score_refresh`, in the transaction of every
    change that moves it (a rating, a dispute answer, a sector rating — whose aggregates the
    ratings app hands over and this row keeps — or a credit event).
    """

    organisation = models.OneToOneField(Organisation, primary_key=True, on_delete=models.CASCADE,
                                        related_name="credit_score")
    score = models.DecimalField(_("信用分"), max_digits=5, decimal_places=1)
    stars = models.PositiveSmallIntegerField(_("星级"))
    owner_part = models.DecimalField(max_digits=5, decimal_places=1)
    sector_part = models.DecimalField(max_digits=5, decimal_places=1)
    credit_part = models.DecimalField(max_digits=5, decimal_places=1)
    quality_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    timeliness_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    attitude_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    fees_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    conduct_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    rating_count = models.PositiveIntegerField(_("评价数（不含默认）"), default=0)
    default_count = models.PositiveIntegerField(_("默认满意数"), default=0)
    # The rating aggregates the ratings app handed over (see credit.selectors.RatingInputs).
    voided_count = models.PositiveIntegerField(_("作废评价数"), default=0)
    owner_mean = models.DecimalField(_("业主评价均分"), max_digits=7, decimal_places=5, null=True)
    sector_count = models.PositiveIntegerField(_("行业主管部门评价数"), default=0)
    sector_mean = models.DecimalField(_("行业主管部门评价均分"), max_digits=7, decimal_places=5, null=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("信用评分")
        verbose_name_plural = _("信用评分")
        constraints = [
            models.CheckConstraint(condition=Q(stars__gte=1) & Q(stars__lte=5), name="creditscore_stars_range"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="creditscore_score_range"),
        ]

    @property
    def star_text(self) -> str:
        return "★" * self.stars + "☆" * (5 - self.stars)
