"""The append-only, hash-chained record of every transition, bid and sanction."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit record."""


class AuditRecord(models.Model):
    """One link of a chain. A chain is one subject (a request, an entry, a firm's credit).

    `hash = sha256(prev_hash | chain | seq | kind | actor | from | to | reason | data | at)`
    over a canonical JSON form, so editing or removing any record breaks every later link.
    """

    chain = models.CharField(_("链"), max_length=60)
    seq = models.PositiveIntegerField(_("序号"))
    kind = models.CharField(_("类型"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(_("操作人"), max_length=120)
    from_state = models.CharField(_("原状态"), max_length=40, blank=True)
    to_state = models.CharField(_("新状态"), max_length=40, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(_("时间"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["chain", "seq"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="auditrecord_one_link_per_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit records are append-only")
