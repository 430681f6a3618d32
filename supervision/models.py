"""What supervision keeps of its own: the daily digest mailed to each bureau officer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
