"""Ratings (服务质量网上评议): the owner rates the firm, the firm rates the owner, the bureau
rates the result's quality (行业主管部门评价); disputes of a rating and their answers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.models import WrittenAnswer
from credit.selectors import SCORE_DIMENSIONS

OWNER_DIMENSIONS = SCORE_DIMENSIONS  # the five of the brief, which the credit score averages
FIRM_DIMENSIONS = (
    ("cooperation", "配合程度"),
    ("payment", "按时付款"),
    ("clarity", "需求清晰"),
)


def _score_field(label: str):
    return models.PositiveSmallIntegerField(label, null=True, blank=True)


def _in_range(name: str) -> Q:
    return Q(**{f"{name}__isnull": True}) | (Q(**{f"{name}__gte": 1}) & Q(**{f"{name}__lte": 5}))


class Rating(models.Model):
    """One rating of a request, by one side. Counts from the moment it exists; a voided
    rating stays, marked voided, and no longer counts.

    A default rating (`is_default`) is the 满意 the platform records when the owner does
    not rate in time: it has no dimension scores and is shown and counted apart.
    """

    class Side(models.TextChoices):
        OWNER = "owner", _("业主评价中介机构")
        FIRM = "firm", _("中介机构评价业主")

    class Overall(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    class Status(models.TextChoices):
        COUNTED = "counted", _("有效")
        DISPUTED = "disputed", _("异议处理中")
        KEPT = "kept", _("异议不成立，维持")
        VOIDED = "voided", _("已作废")

    request = models.ForeignKey("market.ServiceRequest", on_delete=models.PROTECT, related_name="ratings")
    side = models.CharField(_("评价方向"), max_length=8, choices=Side.choices)
    rater = models.ForeignKey(Organisation, verbose_name=_("评价方"), on_delete=models.PROTECT, related_name="+")
    rated = models.ForeignKey(Organisation, verbose_name=_("被评价方"), on_delete=models.PROTECT,
                              related_name="ratings_received")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_default = models.BooleanField(_("默认评价"), default=False)
    overall = models.CharField(_("总体评价"), max_length=12, choices=Overall.choices)
    quality = _score_field(_("服务质量"))
    timeliness = _score_field(_("服务时效"))
    attitude = _score_field(_("服务态度"))
    fees = _score_field(_("服务收费"))
    conduct = _score_field(_("服务规范"))
    cooperation = _score_field(_("配合程度"))
    payment = _score_field(_("按时付款"))
    clarity = _score_field(_("需求清晰"))
    comment = models.TextField(_("评价意见"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.COUNTED)
    created_at = models.DateTimeField(_("评价时间"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("服务评价")
        verbose_name_plural = _("服务评价")
        constraints = [
            models.UniqueConstraint(fields=["request", "side"], name="rating_once_per_side"),
            *[
                models.CheckConstraint(condition=_in_range(name), name=f"rating_{name}_1_to_5")
                for name, _label in OWNER_DIMENSIONS + FIRM_DIMENSIONS
            ],
            models.CheckConstraint(
                condition=~Q(side="owner") | Q(is_default=True) | Q(
                    quality__isnull=False, timeliness__isnull=False, attitude__isnull=False, fees__isnull=False,
                    conduct__isnull=False),
                name="rating_owner_side_complete",
            ),
            models.CheckConstraint(
                condition=~Q(side="firm") | Q(cooperation__isnull=False, payment__isnull=False, clarity__isnull=False),
                name="rating_firm_side_complete",
            ),
            models.CheckConstraint(condition=Q(is_default=False) | Q(side="owner", overall="satisfied"),
                                   name="rating_default_is_owner_satisfied"),
        ]
        indexes = [models.Index(fields=["rated", "side", "status"], name="rating_rated_side")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_side_display()} {self.get_overall_display()}"

    @property
    def counts(self) -> bool:
        return self.status != self.Status.VOIDED

    def dimension_scores(self) -> list[tuple[str, int | None]]:
        dims = OWNER_DIMENSIONS if self.side == self.Side.OWNER else FIRM_DIMENSIONS
        return [(label, getattr(self, name)) for name, label in dims]


class RatingDispute(WrittenAnswer):
    """The rated party's dispute (异议) of a rating: once, with a reason, answered by the
    bureau in writing: upheld (the rating is voided) or rejected (the rating is kept)."""

    VERDICTS = {"pending": "待处理", "upheld": "作废评价", "rejected": "维持评价"}

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="dispute")
    # The column is older than the written-answer model.
    status = WrittenAnswer.status_field(verbose_name=_("处理结果"), max_length=8, db_column="decision")

    class Meta:
        ordering = ["answer_due", "id"]
        verbose_name = _("评价异议")
        verbose_name_plural = _("评价异议")
        constraints = [
            WrittenAnswer.answered_in_writing("ratingdispute_answer_written"),
        ]


class SectorRating(models.Model):
    """The sector authority's rating (行业主管部门评价) of a result's quality: one per request."""

    request = models.OneToOneField("market.ServiceRequest", on_delete=models.PROTECT, related_name="sector_rating")
    firm = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sector_ratings")
    bureau = models.ForeignKey(Organisation, verbose_name=_("评价部门"), on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    quality = models.PositiveSmallIntegerField(_("成果质量"))
    comment = models.TextField(_("评价意见"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("行业主管部门评价")
        verbose_name_plural = _("行业主管部门评价")
        constraints = [
            models.CheckConstraint(condition=Q(quality__gte=1) & Q(quality__lte=5), name="sectorrating_quality_1_to_5"),
        ]
