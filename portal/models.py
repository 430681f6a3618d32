"""Notices the bureau publishes on the portal: 通知公告 and 政策法规 (edited in the back office)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notice(models.Model):
    class Kind(models.TextChoices):
        NOTICE = "notice", _("通知公告")
        POLICY = "policy", _("政策法规")

    kind = models.CharField(_("栏目"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=150)
    body = models.TextField(_("正文"))
    source = models.CharField(_("发布机关或文号"), max_length=150, blank=True)
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("门户公告")
        verbose_name_plural = _("门户公告")

    def __str__(self) -> str:
        return self.title
