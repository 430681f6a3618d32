"""Invitations, sign-ups and (later) draws and auctions."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from market.models import ServiceRequest


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
        constraints = [
            models.UniqueConstraint(fields=["request", "organisation", "round"], name="signup_once_per_round"),
        ]


class Draw(models.Model):
    """The one random draw (随机选取) of a request, by the public recipe YCZJCS-DRAW-v1.

    `record` is exactly the public record `bidding.draw.build_record` produced; the other
    fields repeat parts of it for queries. The one-to-one `request` column's unique index
    is the database's guarantee that a request is drawn once: there is never a second draw.
    """

    request = models.OneToOneField(ServiceRequest, verbose_name=_("采购需求"), on_delete=models.PROTECT,
                                   related_name="draw")
    round = models.PositiveSmallIntegerField(_("发布轮次"))
    record = models.JSONField(_("公开记录"))
    pool_hash = models.CharField(_("报名池哈希"), max_length=64)
    seed = models.CharField(_("种子"), max_length=64)
    winner = models.ForeignKey(Organisation, verbose_name=_("选中机构"), on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("选取时间"), db_index=True)

    class Meta:
        ordering = ["-drawn_at", "-id"]
        verbose_name = _("随机选取")
        verbose_name_plural = _("随机选取")

    def __str__(self) -> str:
        return f"{self.record.get('request_code', '')} → {self.winner}"
