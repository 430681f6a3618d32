"""The selection methods' records: the random draw, the live auction (bidders, bids and refusals)."""

import django_fsm as fsm
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.models import SerialRefreshMixin
from market.models import ServiceRequest


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


class Auction(SerialRefreshMixin, fsm.ConcurrentTransitionMixin, models.Model):
    """The live reverse auction (网上竞价) of one request and publication round.

    The row is the auction's lock: `bidding.services_auction` locks it for every bid and
    every status change, so bids are totally ordered (`seq`), and the accepted amounts
    fall strictly (each at least `min_step` below the best before it). `version` rises by
    one with every change a client can see (a bid, a status change, the result).
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("未开始")
        LIVE = "live", _("竞价中")
        CLOSED = "closed", _("已结束")
        VOID = "void", _("流拍")

    # One auction per publication round (a void auction fails the request, which the owner
    # may publish again, with a new auction): a foreign key unique with the round.
    request = models.ForeignKey(ServiceRequest, verbose_name=_("采购需求"), on_delete=models.PROTECT,
                                related_name="auctions")
    round = models.PositiveSmallIntegerField(_("发布轮次"))
    status = fsm.FSMField(_("状态"), default=Status.SCHEDULED, choices=Status.choices, protected=True, db_index=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("截止时间"), db_index=True)
    ceiling = models.DecimalField(_("最高限价（元）"), max_digits=14, decimal_places=2)
    floor = models.DecimalField(_("最低有效报价（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    min_step = models.DecimalField(_("最小降价幅度（元）"), max_digits=14, decimal_places=2)
    extension_seconds = models.PositiveIntegerField(_("延时（秒）"))
    version = models.PositiveIntegerField(default=0)
    bid_count = models.PositiveIntegerField(default=0)
    best_amount = models.DecimalField(_("当前最低报价"), max_digits=14, decimal_places=2, null=True, blank=True)
    best_bid = models.ForeignKey("Bid", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("结束处理时间"), null=True, blank=True)
    ranking = models.JSONField(_("排名"), default=list, blank=True)

    class Meta:
        verbose_name = _("网上竞价")
        verbose_name_plural = _("网上竞价")
        constraints = [
            models.UniqueConstraint(fields=["request", "round"], name="auction_once_per_round"),
            models.CheckConstraint(condition=Q(ceiling__gt=0), name="auction_ceiling_positive"),
            models.CheckConstraint(condition=Q(min_step__gt=0), name="auction_min_step_positive"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="auction_ends_after_start"),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | (Q(floor__gt=0) & Q(floor__lt=F("ceiling"))),
                name="auction_floor_below_ceiling",
            ),
            models.CheckConstraint(
                condition=Q(best_amount__isnull=True) | Q(best_amount__lte=F("ceiling")),
                name="auction_best_within_ceiling",
            ),
        ]

    def __str__(self) -> str:
        return f"竞价 #{self.pk} ({self.get_status_display()})"

    @fsm.transition(field=status, source=Status.SCHEDULED, target=Status.LIVE)
    def start(self) -> None:
        self.version += 1

    @fsm.transition(field=status, source=Status.LIVE, target=Status.CLOSED)
    def close(self, *, at, ranking: list[dict]) -> None:
        self.closed_at = at
        self.ranking = ranking
        self.version += 2  # the `status` message, then the `result` message

    @fsm.transition(field=status, source=[Status.SCHEDULED, Status.LIVE], target=Status.VOID)
    def void(self, *, at, ranking: list[dict]) -> None:
        self.closed_at = at
        self.ranking = ranking
        self.version += 2


class Bidder(models.Model):
    """A registrant's fixed alias in one auction (`1号`, `2号` …).

    Created with the auction for every registrant of the round, numbered in a random order
    (not the sign-up order, which the owner sees, so the alias reveals nothing).
    """

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="bidders")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("编号"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("竞价人")
        verbose_name_plural = _("竞价人")
        constraints = [
            models.UniqueConstraint(fields=["auction", "organisation"], name="bidder_once_per_auction"),
            models.UniqueConstraint(fields=["auction", "number"], name="bidder_alias_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="bidder_number_positive"),
        ]

    @property
    def alias(self) -> str:
        return f"{self.number}号"


class Bid(models.Model):
    """An accepted bid. Rejected attempts are `BidRejection`s; nothing here is ever updated."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bids")
    seq = models.PositiveIntegerField(_("序号"))
    bidder = models.ForeignKey(Bidder, on_delete=models.PROTECT, related_name="bids")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("报价（元）"), max_digits=14, decimal_places=2)
    client_id = models.UUIDField()
    at = models.DateTimeField(_("出价时间"))

    class Meta:
        ordering = ["auction", "seq"]
        verbose_name = _("报价")
        verbose_name_plural = _("报价")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="bid_amount_positive"),
            models.UniqueConstraint(fields=["auction", "seq"], name="bid_seq_unique"),
            models.UniqueConstraint(fields=["auction", "organisation", "client_id"], name="bid_client_id_once"),
            # Backstop of the step rule: accepted amounts fall strictly, so never repeat.
            models.UniqueConstraint(fields=["auction", "amount"], name="bid_amount_once_per_auction"),
        ]
        indexes = [models.Index(fields=["auction", "organisation", "at"], name="bid_rate_window")]


class BidRejection(models.Model):
    """The first answer to a refused bid, kept so that a repeated `client_id` gets it again."""

    auction = models.ForeignKey(Auction, on_delete=models.CASCADE, related_name="rejections")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    client_id = models.UUIDField()
    code = models.CharField(max_length=20)
    message = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("被拒报价")
        verbose_name_plural = _("被拒报价")
        constraints = [
            models.UniqueConstraint(fields=["auction", "organisation", "client_id"], name="bid_rejection_once"),
        ]
