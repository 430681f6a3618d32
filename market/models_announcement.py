"""What an announcement carries besides its fields: attachments (采购文件) and the
clarification Q&A (答疑澄清) of its sign-up period. Imported by `market.models`.
Writes in `market.services_announcement`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Document, Organisation


class RequestAttachment(models.Model):
    """A file the owner publishes with the announcement (采购文件); public with it."""

    request = models.ForeignKey("market.ServiceRequest", on_delete=models.PROTECT, related_name="attachments")
    title = models.CharField(_("文件名称"), max_length=100)
    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("采购文件")
        verbose_name_plural = _("采购文件")


class Clarification(models.Model):
    """A registrant's question during sign-up and the owner's answer (答疑澄清). Every
    registrant sees every question and answer; the asker is shown to the owner and the
    bureau only."""

    request = models.ForeignKey("market.ServiceRequest", on_delete=models.PROTECT, related_name="clarifications")
    round = models.PositiveSmallIntegerField(_("发布轮次"))
    asker = models.ForeignKey(Organisation, verbose_name=_("提问机构"), on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("问题"))
    asked_at = models.DateTimeField(_("提问时间"))
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        verbose_name = _("答疑澄清")
        verbose_name_plural = _("答疑澄清")
        constraints = [
            models.CheckConstraint(condition=Q(answered_at__isnull=True) | ~Q(answer=""),
                                   name="clarification_answer_written"),
        ]
