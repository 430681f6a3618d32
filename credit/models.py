"""Credit events and the sanctions they carry; effective city-wide the moment they exist."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Region


class CreditEvent(models.Model):
    """A credit event against (or, for good conduct, in favour of) an intermediary."""

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
    sanction = models.CharField(_("处理措施"), max_length=16, choices=Sanction.choices)
    points = models.IntegerField(_("信用分变动"), default=0)
    rule_source = models.TextField(_("依据"))
    description = models.TextField(_("事实"), blank=True)
    region = models.ForeignKey(Region, verbose_name=_("发起区划"), on_delete=models.PROTECT)
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    request = models.ForeignKey("market.ServiceRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Identifies the cause of an automatic event, so a retried task raises it once.
    cause_key = models.CharField(max_length=120, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("信用事件")
        verbose_name_plural = _("信用事件")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "cause_key"], condition=~Q(cause_key=""), name="creditevent_once_per_cause"),
            models.CheckConstraint(condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")), name="creditevent_ends_after_start"),
        ]
        indexes = [models.Index(fields=["organisation", "status", "sanction"], name="credit_org_status")]

    def __str__(self) -> str:
        return f"{self.organisation} {self.kind} {self.get_sanction_display()}"
