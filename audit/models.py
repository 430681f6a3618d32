"""The append-only, hash-chained record of every transition, bid and sanction, and the
daily publication of every chain's head.

Append-only is enforced twice: here (saving an existing row, deleting a row, and the
queryset's update / delete all raise `AppendOnlyError`) and in the database (migration
0003: a trigger refuses UPDATE and DELETE on PostgreSQL, UPDATE on MariaDB and SQLite).
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit record or a published head."""


class AppendOnlyQuerySet(models.QuerySet):
    """Reads and inserts only: bulk update and delete are refused before any SQL runs."""

    def _refuse(self, *args, **kwargs):
        raise AppendOnlyError(f"{self.model._meta.verbose_name}只能追加，不能修改或删除。")

    update = _refuse
    delete = _refuse
    _raw_delete = _refuse
    bulk_update = _refuse
    update_or_create = _refuse


class AppendOnlyModel(models.Model):
    """A row that is written once and never changed or removed."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.verbose_name}只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.verbose_name}只能追加，不能删除。")


class AuditRecord(AppendOnlyModel):
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
    at = models.DateTimeField(_("时间"), db_index=True)  # the day's heads are read by time
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


class ChainHead(AppendOnlyModel):
    """The head of one chain at the end of one day (Beijing time), published.

    Written only for the chains that grew that day: the head of a chain on any later day is
    its latest row up to that day. `count` is the head's sequence number, i.e. the number
    of records the chain held at the end of the day.
    """

    day = models.DateField(_("日期"))
    chain = models.CharField(_("链"), max_length=60)
    count = models.PositiveIntegerField(_("记录数"))
    head_hash = models.CharField(_("链头哈希"), max_length=64)

    class Meta:
        ordering = ["day", "chain"]
        verbose_name = _("每日链头")
        verbose_name_plural = _("每日链头")
        constraints = [
            models.UniqueConstraint(fields=["day", "chain"], name="chainhead_one_per_chain_and_day"),
            models.CheckConstraint(condition=models.Q(count__gte=1), name="chainhead_count_positive"),
        ]
        indexes = [models.Index(fields=["chain", "day"], name="chainhead_by_chain")]

    def __str__(self) -> str:
        return f"{self.day} {self.chain}#{self.count}"


class DailyRoot(AppendOnlyModel):
    """One value that proves every chain up to the end of `day`.

    `root = sha256("YCZJCS-AUDIT-ROOT-v1\\n" + day + "\\n" + prev_root + "\\n" + lines)`, where
    `lines` are `chain|count|head_hash\\n` of that day's `ChainHead`s sorted by chain name
    (Unicode code points) and `prev_root` is the root of the day before (64 zeros for the
    first day). Chains that did not grow are covered through `prev_root`.
    See `audit.services.daily_root_digest`.
    """

    day = models.DateField(_("日期"), unique=True)
    prev_root = models.CharField(_("前一日根哈希"), max_length=64)
    root = models.CharField(_("根哈希"), max_length=64, unique=True)
    chains = models.PositiveIntegerField(_("当日变化的链数"))
    records = models.PositiveIntegerField(_("当日新增记录数"))
    total = models.PositiveBigIntegerField(_("累计记录数"))
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        ordering = ["-day"]
        verbose_name = _("每日根哈希")
        verbose_name_plural = _("每日根哈希")

    def __str__(self) -> str:
        return f"{self.day} {self.root[:12]}"
