"""The selection methods' records: the random draw, the live auction (bidders, bids and
refusals), and comparison selection (criteria, sealed quotes, the opening and the scores)."""

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


# ---------------------------------------------------------------------------------------
# Comparison selection (询比选取)


class ComparisonCriteria(models.Model):
    """The scoring criteria of a comparison request (询比评审标准): the price weight, the
    price formula and the quality items (`ComparisonItem`), whose weights add up to 100;
    and the panel that scores (`ComparisonPanelist`; none: the owner's users score as one).

    Set by the owner on the draft; frozen (`frozen_at`) when the request is first published
    and published with the announcement; never changed afterwards, even on re-publication.
    """

    class Formula(models.TextChoices):
        LOWEST_PRICE = "lowest_price", _("低价优先法")

    request = models.OneToOneField(ServiceRequest, verbose_name=_("采购需求"), on_delete=models.PROTECT,
                                   related_name="comparison_criteria")
    price_weight = models.PositiveSmallIntegerField(_("价格分权重"))
    formula = models.CharField(_("价格分计算方法"), max_length=20, choices=Formula.choices,
                               default=Formula.LOWEST_PRICE)
    frozen_at = models.DateTimeField(_("随公告发布时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("设置时间"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("询比评审标准")
        verbose_name_plural = _("询比评审标准")
        constraints = [
            models.CheckConstraint(condition=Q(price_weight__gte=1) & Q(price_weight__lte=100),
                                   name="comparison_price_weight_range"),
        ]

    def __str__(self) -> str:
        return f"{self.request.code} 价格分{self.price_weight}"


class ComparisonItem(models.Model):
    """One quality item of the criteria: scored by the panel (`judged`, 0 to its weight,
    with a written reason each) or the firm's credit score (`credit`: weight × score / 100,
    computed at the opening from `credit.models.CreditScore`)."""

    class Kind(models.TextChoices):
        JUDGED = "judged", _("评审打分")
        CREDIT = "credit", _("信用评分")

    criteria = models.ForeignKey(ComparisonCriteria, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("评审因素"), max_length=60)
    kind = models.CharField(_("计分方式"), max_length=10, choices=Kind.choices, default=Kind.JUDGED)
    weight = models.PositiveSmallIntegerField(_("权重（分值）"))
    guidance = models.TextField(_("评分标准"), blank=True)

    class Meta:
        ordering = ["criteria", "position"]
        verbose_name = _("询比评审因素")
        verbose_name_plural = _("询比评审因素")
        constraints = [
            models.UniqueConstraint(fields=["criteria", "position"], name="comparison_item_position_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1) & Q(weight__lte=99), name="comparison_item_weight_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}分）"


class ComparisonPanelist(models.Model):
    """A member of the panel the owner names to score (a user of the owner's organisation)."""

    criteria = models.ForeignKey(ComparisonCriteria, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评审人"), on_delete=models.PROTECT,
                             related_name="+")

    class Meta:
        verbose_name = _("询比评审小组成员")
        verbose_name_plural = _("询比评审小组成员")
        constraints = [
            models.UniqueConstraint(fields=["criteria", "user"], name="comparison_panelist_once"),
        ]


class ComparisonQuote(models.Model):
    """A registrant's sealed quote and response document for one round (one per firm and
    round; a new submission before the deadline replaces it).

    Until the opening only ciphertext and digests are stored: `sealed` (the amount, salt
    and document name, `bidding.seal`), the document file encrypted, the SHA-256 of the
    canonical quote text and of the document. The opening fills `amount`, `salt`,
    `document_name` and `opened_at`.
    """

    request = models.ForeignKey(ServiceRequest, verbose_name=_("采购需求"), on_delete=models.PROTECT,
                                related_name="comparison_quotes")
    round = models.PositiveSmallIntegerField(_("发布轮次"))
    organisation = models.ForeignKey(Organisation, verbose_name=_("中介机构"), on_delete=models.PROTECT,
                                     related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("递交时间"))
    submissions = models.PositiveSmallIntegerField(_("递交次数"), default=1)
    sealed = models.TextField(_("密封数据"))
    quote_sha256 = models.CharField(_("报价 SHA-256"), max_length=64)
    document_sealed = models.FileField(_("响应文件（密文）"), upload_to="sealed/%Y/%m/", max_length=200)
    document_size = models.PositiveBigIntegerField(_("响应文件大小"))
    document_sha256 = models.CharField(_("响应文件 SHA-256"), max_length=64)
    amount = models.DecimalField(_("报价（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    salt = models.CharField(max_length=32, blank=True)
    document_name = models.CharField(_("响应文件名"), max_length=200, blank=True)
    document_content_type = models.CharField(max_length=100, blank=True)
    opened_at = models.DateTimeField(_("开启时间"), null=True, blank=True)

    class Meta:
        ordering = ["request", "round", "submitted_at", "id"]
        verbose_name = _("询比报价")
        verbose_name_plural = _("询比报价")
        constraints = [
            models.UniqueConstraint(fields=["request", "round", "organisation"], name="comparison_quote_once"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0),
                                   name="comparison_quote_amount_positive"),
            models.CheckConstraint(condition=Q(document_size__gt=0), name="comparison_quote_document_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.request.code} 第{self.round}轮 {self.organisation}"


class ComparisonOpening(SerialRefreshMixin, fsm.ConcurrentTransitionMixin, models.Model):
    """The opening (开标) of one round at the selection time, and its evaluation.

    `record` is what was published at the opening (every quote with its amount, salt,
    canonical text and both SHA-256, price and credit points); `result` the ranking once
    every panelist has scored. Too few quotes: `void`, nothing is opened; the scoring
    deadline passed without every score: `lapsed`. Both fail the request (流标).
    """

    class Status(models.TextChoices):
        SCORING = "scoring", _("评审中")
        EVALUATED = "evaluated", _("评审完成")
        LAPSED = "lapsed", _("评审逾期")
        VOID = "void", _("报价不足")

    request = models.ForeignKey(ServiceRequest, verbose_name=_("采购需求"), on_delete=models.PROTECT,
                                related_name="comparison_openings")
    round = models.PositiveSmallIntegerField(_("发布轮次"))
    status = fsm.FSMField(_("状态"), default=Status.SCORING, choices=Status.choices, protected=True)
    opened_at = models.DateTimeField(_("开标时间"))
    scoring_due = models.DateTimeField(_("评审期限"), null=True, blank=True, db_index=True)
    record = models.JSONField(_("开标记录"), default=dict)
    result = models.JSONField(_("评审结果"), default=list, blank=True)
    closed_at = models.DateTimeField(_("评审结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("询比开标")
        verbose_name_plural = _("询比开标")
        constraints = [
            models.UniqueConstraint(fields=["request", "round"], name="comparison_opening_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"询比开标 #{self.pk} ({self.get_status_display()})"

    @fsm.transition(field=status, source=Status.SCORING, target=Status.EVALUATED)
    def evaluate(self, *, at, result: list[dict]) -> None:
        self.closed_at = at
        self.result = result

    @fsm.transition(field=status, source=Status.SCORING, target=Status.LAPSED)
    def lapse(self, *, at) -> None:
        self.closed_at = at

    @fsm.transition(field=status, source=Status.SCORING, target=Status.VOID)
    def void(self, *, at) -> None:
        self.closed_at = at


class ComparisonScore(models.Model):
    """One panelist's points for one quote on one judged item, with the written reason.
    A panelist's sheet is written at once and never changed."""

    opening = models.ForeignKey(ComparisonOpening, on_delete=models.PROTECT, related_name="scores")
    scorer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评审人"), on_delete=models.PROTECT,
                               related_name="+")
    quote = models.ForeignKey(ComparisonQuote, on_delete=models.PROTECT, related_name="scores")
    item = models.ForeignKey(ComparisonItem, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    reason = models.TextField(_("评分理由"))
    scored_at = models.DateTimeField(_("评分时间"))

    class Meta:
        ordering = ["opening", "quote", "item__position", "scorer"]
        verbose_name = _("询比评分")
        verbose_name_plural = _("询比评分")
        constraints = [
            models.UniqueConstraint(fields=["opening", "scorer", "quote", "item"], name="comparison_score_once"),
            models.CheckConstraint(condition=Q(points__gte=0), name="comparison_score_points_not_negative"),
        ]
