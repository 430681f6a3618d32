"""Credit reads: the restriction check used at every door, the sanction table, the public
credit list and the published credit-score formula."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from core.jurisdiction import bureau_covers
from core.rules import rule_value
from credit.models import CreditEvent

RESTRICTING = (CreditEvent.Sanction.SUSPENSION, CreditEvent.Sanction.REMOVAL)


@dataclass(frozen=True)
class Restriction:
    """A restriction in force, with what a person needs to read it: what (the sanction),
    why (the event's kind and facts, the issuing region), until when."""

    event_id: int
    sanction: str
    ends_at: datetime | None
    message: str
    sanction_label: str = ""
    kind: str = ""
    description: str = ""
    region: str = ""
    ban_until: datetime | None = None
    rule_source: str = ""

    @property
    def removed(self) -> bool:
        return self.sanction == CreditEvent.Sanction.REMOVAL

    @property
    def until_text(self) -> str:
        """Until when, as a Chinese reader writes it ("2027年6月3日 14:30", or 长期)."""
        from core.format import datetime_zh

        return datetime_zh(self.ends_at) if self.ends_at else "长期"

    @property
    def ban_text(self) -> str:
        from core.format import date_zh

        return date_zh(self.ban_until) if self.ban_until else ""


def restricting_events(*, at: datetime | None = None) -> QuerySet[CreditEvent]:
    """Events that bar a firm from taking part at `at` (suspension or removal, in force).

    An event under appeal still restricts: the appeal does not suspend the sanction.
    Read straight from the database on every call, never cached, so an event issued by
    any county applies everywhere at once.
    """
    at = at or timezone.now()
    return CreditEvent.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at),
        sanction__in=RESTRICTING,
        status__in=[CreditEvent.Status.ACTIVE, CreditEvent.Status.DISPUTED],
        starts_at__lte=at,
    )


def _restriction_of(event: CreditEvent) -> Restriction:
    from core.format import datetime_zh

    until = datetime_zh(event.ends_at) if event.ends_at else "长期"
    message = f"该机构因“{event.kind}”被{event.region.name}{event.get_sanction_display()}，至{until}，全市范围内不得参与。"
    return Restriction(
        event_id=event.pk, sanction=event.sanction, ends_at=event.ends_at, message=message,
        sanction_label=str(event.get_sanction_display()), kind=event.kind, description=event.description,
        region=event.region.name, ban_until=event.ban_until, rule_source=event.rule_source,
    )


def _longest_first(qs: QuerySet[CreditEvent]) -> QuerySet[CreditEvent]:
    return qs.select_related("region").order_by(F("ends_at").desc(nulls_first=True), "-id")


def credit_restriction(*, organisation_id: int, at: datetime | None = None) -> Restriction | None:
    """The longest restriction in force on this firm at `at`, or None. One query."""
    event = _longest_first(restricting_events(at=at).filter(organisation_id=organisation_id)).first()
    return None if event is None else _restriction_of(event)


def credit_restrictions(*, organisation_ids, at: datetime | None = None) -> dict[int, Restriction]:
    """`credit_restriction` for a page of firms at once (one query): firm id → its longest
    restriction in force; firms without one are absent."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    found: dict[int, Restriction] = {}
    for event in _longest_first(restricting_events(at=at).filter(organisation_id__in=ids)):
        found.setdefault(event.organisation_id, _restriction_of(event))
    return found


def removed_firms(*, at: datetime | None = None) -> QuerySet[CreditEvent]:
    """Removal (清退) events whose ban is still running at `at`: their firms leave the
    registry for the length of the ban (a removal without a ban date, for good)."""
    at = at or timezone.now()
    return CreditEvent.objects.filter(
        Q(ban_until__isnull=True) | Q(ban_until__gt=at),
        sanction=CreditEvent.Sanction.REMOVAL,
        status__in=[CreditEvent.Status.ACTIVE, CreditEvent.Status.DISPUTED],
        starts_at__lte=at,
    )


# ---------------------------------------------------------------------------------------
# The sanction table


def sanction_for(kind: str):
    """The sanction-table row of `kind` (`credit.models.SanctionRule`), else its default
    (`credit.sanctions.SANCTION_DEFAULTS`). Raises KeyError for an unknown kind."""
    from credit.models import SanctionRule
    from credit.sanctions import SANCTION_DEFAULTS

    default = SANCTION_DEFAULTS[kind]
    row = SanctionRule.objects.filter(kind=kind).first()
    return row if row is not None else default


def sanction_table() -> list:
    """Every kind with the sanction in force (stored row, else default), in kind order."""
    from credit.models import SanctionRule
    from credit.sanctions import SANCTION_DEFAULTS

    rows = {r.kind: r for r in SanctionRule.objects.all()}
    return [rows.get(kind, default) for kind, default in SANCTION_DEFAULTS.items()]


# ---------------------------------------------------------------------------------------
# Public credit list (信用公示)


def public_credit_list(*, q: str = "", at: datetime | None = None) -> QuerySet[CreditEvent]:
    """Sanctions the public sees: warnings and suspensions in force, and removals while
    their ban lasts (a removal stays listed for the length of its ban); newest first."""
    at = at or timezone.now()
    in_force = Q(status__in=[CreditEvent.Status.ACTIVE, CreditEvent.Status.DISPUTED], starts_at__lte=at)
    listed = (
        Q(sanction__in=[CreditEvent.Sanction.WARNING, CreditEvent.Sanction.SUSPENSION])
        & (Q(ends_at__isnull=True) | Q(ends_at__gt=at))
    ) | (Q(sanction=CreditEvent.Sanction.REMOVAL) & (Q(ban_until__isnull=True) | Q(ban_until__gt=at)))
    qs = CreditEvent.objects.filter(in_force & listed).select_related("organisation", "region").order_by("-starts_at", "-id")
    if q:
        q = q.strip()
        qs = qs.filter(Q(organisation__name__icontains=q) | Q(organisation__uscc__iexact=q) | Q(kind__icontains=q))
    return qs


def public_red_list(*, at: datetime | None = None) -> QuerySet[CreditEvent]:
    """Good-conduct records (红名单) in force."""
    at = at or timezone.now()
    return CreditEvent.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at), sanction=CreditEvent.Sanction.COMMENDATION,
        status__in=[CreditEvent.Status.ACTIVE, CreditEvent.Status.DISPUTED], starts_at__lte=at,
    ).select_related("organisation", "region").order_by("-starts_at", "-id")


def events_of_firm(*, organisation_id: int) -> QuerySet[CreditEvent]:
    """Every event of a firm, revoked and expired ones included, with its appeal."""
    return (
        CreditEvent.objects.filter(organisation_id=organisation_id)
        .select_related("region", "officer", "evidence", "appeal")
        .order_by("-starts_at", "-id")
    )


def events_for_bureau(*, user, q: str = "", status: str = "") -> QuerySet[CreditEvent]:
    """Events a bureau officer reads: every event (credit is city-wide)."""
    org = user.organisation
    qs = CreditEvent.objects.select_related("organisation", "region", "appeal").order_by("-starts_at", "-id")
    if not (org and org.is_bureau):
        return qs.none()
    if q:
        qs = qs.filter(Q(organisation__name__icontains=q.strip()) | Q(organisation__uscc__iexact=q.strip()))
    if status:
        qs = qs.filter(status=status)
    return qs


def bureau_may_act_on_event(*, user, event: CreditEvent) -> bool:
    """City staff act on every event; county staff on events their county issued."""
    return bureau_covers(user=user, region_id=event.region_id)


# ---------------------------------------------------------------------------------------
# The credit score: a published formula


NEUTRAL_PART = Decimal("80")
CREDIT_BASE = 90


@dataclass(frozen=True)
class RatingInputs:
    """What the ratings (above credit) hand over for the score: aggregates only.

    `ratings.selectors.rating_inputs` computes them; `credit.services.credit_score_refresh`
    stores them with the score, so an event raised here recomputes the score without
    asking ratings again.
    """

    rating_count: int = 0  # the owners' explicit ratings that count (voided ones excluded)
    default_count: int = 0  # default 满意 that count
    voided_count: int = 0
    owner_mean: Decimal | None = None  # mean of the counted ratings' dimension means (1–5)
    dimension_avgs: dict[str, Decimal | None] = field(default_factory=dict)
    sector_count: int = 0
    sector_mean: Decimal | None = None  # mean of the sector ratings (1–5)


@dataclass(frozen=True)
class ScoreBreakdown:
    organisation_id: int
    score: Decimal
    stars: int
    owner_part: Decimal
    sector_part: Decimal
    credit_part: Decimal
    weights: tuple[Decimal, Decimal, Decimal]
    dimension_avgs: dict[str, Decimal | None]
    rating_count: int
    default_count: int
    voided_count: int
    owner_mean: Decimal | None
    sector_count: int
    sector_mean: Decimal | None
    points_total: int
    events_counted: int
    formula: str = field(default="")


def stars_of(score: Decimal) -> int:
    """5 stars from 90, 4 from 80, 3 from 70, 2 from 60, else 1."""
    for threshold, stars in ((90, 5), (80, 4), (70, 3), (60, 2)):
        if score >= threshold:
            return stars
    return 1


def _num(value: Decimal) -> str:
    """A rule weight without trailing zeros and never in exponent form (10, not 1E+1)."""
    return format(value.normalize(), "f")


def _q1(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _q2(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def neutral_score() -> Decimal:
    """The score of a firm without history under the weights in force (80, 80 and 90 points
    in the formula of `credit_score_compute`), what the registry ranks an unscored firm at."""
    from core.rules import rule_value

    w = (rule_value("score_weight_owner"), rule_value("score_weight_sector"), rule_value("score_weight_credit"))
    total = sum(w) or Decimal(1)
    return _q1((w[0] * NEUTRAL_PART + w[1] * NEUTRAL_PART + w[2] * CREDIT_BASE) / total)


def credit_score_compute(*, organisation_id: int, ratings: RatingInputs | None = None) -> ScoreBreakdown:
    """Compute a firm's credit score by the published formula:

    - owner part O = `ratings.owner_mean` ×20 (the owners' counted ratings, a default 满意
      counting 4 on each dimension); with no rating, 80;
    - sector part S = `ratings.sector_mean` ×20; with none, 80;
    - credit part C = 90 + the points of every event not revoked (losses negative, red list
      positive; the sanction table's points), kept within 0–100;
    - score = (wO·O + wS·S + wC·C) / (wO + wS + wC), weights the rules score_weight_owner,
      score_weight_sector, score_weight_credit (default 5 : 3 : 2); stars from the score.

    `ratings` are the aggregates handed over by the ratings app; None means the ones stored
    with the firm's last score (none stored: no ratings yet). Two queries.
    """
    if ratings is None:
        ratings = stored_rating_inputs(organisation_id=organisation_id)
    owner_part = ratings.owner_mean * 20 if ratings.owner_mean is not None else NEUTRAL_PART
    sector_part = ratings.sector_mean * 20 if ratings.sector_mean is not None else NEUTRAL_PART
    events = CreditEvent.objects.filter(organisation_id=organisation_id).exclude(
        status=CreditEvent.Status.REVOKED
    ).aggregate(points=Sum("points"), n=Count("id"))
    points = events["points"] or 0
    credit_part = Decimal(max(0, min(100, CREDIT_BASE + points)))
    w = (rule_value("score_weight_owner"), rule_value("score_weight_sector"), rule_value("score_weight_credit"))
    total_w = sum(w) or Decimal(1)
    score = _q1((w[0] * owner_part + w[1] * sector_part + w[2] * credit_part) / total_w)
    owner_part, sector_part, credit_part = _q1(owner_part), _q1(sector_part), _q1(credit_part)
    formula = (f"({_num(w[0])}×{owner_part} + {_num(w[1])}×{sector_part} + {_num(w[2])}×{credit_part})"
               f" ÷ {_num(total_w)} = {score}")
    return ScoreBreakdown(
        organisation_id=organisation_id, score=score, stars=stars_of(score), owner_part=owner_part,
        sector_part=sector_part, credit_part=credit_part, weights=w, dimension_avgs=dict(ratings.dimension_avgs),
        rating_count=ratings.rating_count, default_count=ratings.default_count, voided_count=ratings.voided_count,
        owner_mean=_q2(ratings.owner_mean), sector_count=ratings.sector_count, sector_mean=_q2(ratings.sector_mean),
        points_total=points, events_counted=events["n"], formula=formula,
    )


#: The five dimensions of the owners' rating (服务质量网上评议) the score keeps an average of.
SCORE_DIMENSIONS = (
    ("quality", "服务质量"),
    ("timeliness", "服务时效"),
    ("attitude", "服务态度"),
    ("fees", "服务收费"),
    ("conduct", "服务规范"),
)
DIMENSIONS = tuple(name for name, _label in SCORE_DIMENSIONS)


def stored_rating_inputs(*, organisation_id: int) -> RatingInputs:
    """The rating aggregates stored with the firm's last score (none yet: no ratings)."""
    from credit.models import CreditScore

    row = CreditScore.objects.filter(organisation_id=organisation_id).first()
    if row is None:
        return RatingInputs()
    return RatingInputs(
        rating_count=row.rating_count, default_count=row.default_count, voided_count=row.voided_count,
        owner_mean=row.owner_mean, sector_count=row.sector_count, sector_mean=row.sector_mean,
        dimension_avgs={d: getattr(row, f"{d}_avg") for d in DIMENSIONS},
    )


def sanction_summary(kind: str) -> str:
    """What the sanction table makes of an event of `kind`, in words: "暂停参与6个月",
    "警告", "清退，2年内不得入驻", for texts that tell a party what follows."""
    spec = sanction_for(kind)
    label = dict(CreditEvent.Sanction.choices)[spec.sanction]
    if spec.sanction == CreditEvent.Sanction.SUSPENSION:
        return f"{label}{spec.months}个月"
    if spec.sanction == CreditEvent.Sanction.REMOVAL:
        return f"{label}，{spec.ban_years}年内不得入驻" if spec.ban_years else str(label)
    return str(label)
