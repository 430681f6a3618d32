"""The supervision figures (运行效能统计), each with its definition, as tables that the page
draws (chart and table) and the exports write (Excel, CSV).

Every figure reads the pre-aggregated facts (`RequestStat`, one row per published request)
limited to the viewer's jurisdiction and the filters (ratings included: each row carries
its request's counted ratings); overdue steps read their own table through the same set of
requests. `public=True` is the city-wide set of the
public statistics page: aggregates only, never an owner's or a firm's name.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Aggregate, Case, Count, F, FloatField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth

from accounts.models import Region
from core.jurisdiction import bureau_filter
from market.lifecycle import Status
from market.models import OverdueWarning
from market.selection import method_choices
from ratings.models import Rating
from supervision.models_stats import STEPS, RequestStat

CENT = Decimal("0.01")


# ---------------------------------------------------------------------------------------
# Tables


@dataclass(frozen=True)
class Column:
    """A column: its Chinese header and the kind of its values — "text", "int", "money"
    (元, two decimals), "percent" (a fraction, shown as 12.34%), "days" (working days, one
    decimal), "number" (two decimals) or "date"."""

    header: str
    kind: str = "text"


@dataclass
class Table:
    """One table of figures: what the page shows under a chart and what an export writes.
    `chart` says how to draw it: {"type": "bar" | "line" | "pie", "x": column index of the
    categories, "series": column indexes, "unit": text, "stack": bool, and optionally "line":
    column indexes drawn as lines on a second axis of unit "unit2"}."""

    key: str
    title: str
    columns: list[Column]
    rows: list[tuple]
    definition: str = ""
    chart: dict | None = None
    footnotes: list[str] = field(default_factory=list)

    def chart_data(self) -> dict | None:
        """The chart's data for the page's script (categories, named series, unit)."""
        if not self.chart:
            return None
        x = self.chart["x"]
        series = []
        lines = self.chart.get("line", [])
        for index in [*self.chart["series"], *lines]:
            kind = self.columns[index].kind
            values = [_chart_value(row[index], kind) for row in self.rows]
            series.append({"name": self.columns[index].header, "data": values})
        return {"type": self.chart["type"], "categories": [str(row[x]) for row in self.rows], "series": series,
                "unit": self.chart.get("unit", ""), "stack": bool(self.chart.get("stack")),
                "line": [self.columns[i].header for i in lines], "unit2": self.chart.get("unit2", ""),
                "title": self.title}


def _chart_value(value, kind: str):
    if value is None:
        return None
    if kind == "percent":
        return float((Decimal(str(value)) * 100).quantize(CENT, rounding=ROUND_HALF_UP))
    if isinstance(value, Decimal):
        return float(value.quantize(CENT, rounding=ROUND_HALF_UP))
    return value


# ---------------------------------------------------------------------------------------
# Filters and the set of requests


@dataclass(frozen=True)
class StatFilters:
    """The page's filters, already validated (ids that exist and lie in the viewer's scope)."""

    region_id: str | None = None
    service_item_id: int | None = None
    method: str | None = None
    owner_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def stats_base(*, user=None, public: bool = False, filters: StatFilters | None = None) -> QuerySet[RequestStat]:
    """The facts the figures count: bureau officer `user`'s jurisdiction (city: all; county:
    its own region; anyone else: nothing), or the whole city with `public=True`; narrowed by
    `filters`."""
    qs = RequestStat.objects.all()
    if not public:
        qs = bureau_filter(qs, user=user)
    f = filters or StatFilters()
    lookups = {"region_id": f.region_id, "service_item_id": f.service_item_id, "method": f.method,
               "owner_id": f.owner_id, "published_on__gte": f.date_from, "published_on__lte": f.date_to}
    return qs.filter(**{key: value for key, value in lookups.items() if value not in (None, "")})


def _ratio(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _mean(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


_COUNTS = {
    "n_published": Count("pk"),
    "n_rounds": Sum("publish_count"),
    "n_failures": Sum("failure_count"),
    "n_signups": Sum("signups"),
    "n_dealt": Count("pk", filter=Q(dealt=True)),
    "n_ceiling_signed": Sum("ceiling", filter=Q(contract_amount__isnull=False)),
    "n_contracted": Sum("contract_amount"),
}


# ---------------------------------------------------------------------------------------
# The figures


def _summary_aggregates() -> dict:
    return {
        **_COUNTS,
        "with_firm": Count("pk", filter=Q(dealt=True, firm__isnull=False)),
        "outside": Count("pk", filter=Q(dealt=True, firm_outside=True)),
        "firms": Count("firm", distinct=True, filter=Q(dealt=True)),
        "outside_firms": Count("firm", distinct=True, filter=Q(dealt=True, firm_outside=True)),
    }


def figures_summary(qs: QuerySet[RequestStat], aggregated: dict | None = None) -> Table:
    """The headline figures, one per row, each with its definition (口径). `aggregated`: the
    values of `_summary_aggregates()` over `qs` when already computed (`figures_tables`)."""
    a = aggregated if aggregated is not None else qs.aggregate(**_summary_aggregates())
    saved = _money(a["n_ceiling_signed"]) - _money(a["n_contracted"])
    rows = [
        ("发布项目数", a["n_published"], "个", "统计期内首次发布的项目数；流标后重新发布的项目只计一次，草稿不计。"),
        ("发布轮次", a["n_rounds"] or 0, "次", "首次发布与流标后重新发布的次数之和。"),
        ("成交项目数", a["n_dealt"], "个", "结果公示期满、进入合同签订及以后阶段（含已终止合同）的项目数。"),
        ("成交率", _ratio(a["n_dealt"], a["n_published"]), "%", "成交项目数 ÷ 发布项目数。"),
        ("流标次数", a["n_failures"] or 0, "次", "报名或有效报价不足、无人可选等原因流标的次数（一个项目可流标多次）。"),
        ("流标率", _ratio(a["n_failures"], a["n_rounds"]), "%", "流标次数 ÷ 发布轮次。"),
        ("平均报名家数", _mean(a["n_signups"], a["n_published"]), "家", "各轮报名家数合计 ÷ 发布项目数。"),
        ("已签合同项目最高限价合计", _money(a["n_ceiling_signed"]), "元", "已签订合同（已录入合同金额）项目的最高限价之和。"),
        ("合同金额合计", _money(a["n_contracted"]), "元", "已签订合同项目的合同金额之和。"),
        ("节约资金", saved, "元", "Σ（最高限价 − 合同金额），仅计已签订合同的项目。"),
        ("节资率", _ratio(saved, a["n_ceiling_signed"]), "%", "Σ（最高限价 − 合同金额）÷ Σ最高限价，仅计已签订合同的项目。"),
        ("市外中介机构承接项目占比", _ratio(a["outside"], a["with_firm"]), "%",
         "成交项目中，由市外中介机构（统一社会信用代码所示登记机关不在宜春市）承接的项目所占比例。"),
        ("承接项目的中介机构中市外机构占比", _ratio(a["outside_firms"], a["firms"]), "%",
         "承接成交项目的中介机构（去重）中，市外登记机构所占比例。"),
    ]
    # One value column of mixed kinds: each row says its own (see `row_kinds`).
    return Table(
        key="summary", title="主要指标",
        columns=[Column("指标"), Column("数值", "mixed"), Column("单位"), Column("口径")],
        rows=rows,
        definition="统计范围：符合所选筛选条件、且首次发布日期在所选期间内的项目（未选即为全部）。",
    )


def row_kind(value, unit: str) -> str:
    """The kind of a summary value (the "mixed" column): percent, money, int or number."""
    if unit == "%":
        return "percent"
    if unit == "元":
        return "money"
    return "int" if isinstance(value, int) else "number"


def _month_label(day: date) -> str:
    return f"{day.year}年{day.month}月"


def figures_monthly(qs: QuerySet[RequestStat]) -> Table:
    """Requests published, deals and failures by month of first publication."""
    rows = [
        (_month_label(r["month"]), r["published"], r["dealt"], r["failures"] or 0, _money(r["contracted"]))
        for r in qs.annotate(month=TruncMonth("published_on")).values("month")
        .annotate(published=Count("pk"), dealt=Count("pk", filter=Q(dealt=True)), failures=Sum("failure_count"),
                  contracted=Sum("contract_amount")).order_by("month")
    ]
    return Table(
        key="monthly", title="按月发布与成交",
        columns=[Column("月份"), Column("发布项目数", "int"), Column("成交项目数", "int"), Column("流标次数", "int"),
                 Column("合同金额（元）", "money")],
        rows=rows, definition="按项目首次发布的月份归集；成交、流标与合同金额计入该项目首次发布的月份。",
        chart={"type": "bar", "x": 0, "series": [1, 2, 3], "unit": "个", "line": [4], "unit2": "元"},
    )


class Percentile(Aggregate):
    """PostgreSQL's continuous percentile: PERCENTILE_CONT(p) WITHIN GROUP (ORDER BY expr)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(values: list[int], fraction: float) -> float | None:
    """The continuous percentile (linear interpolation between the closest ranks), exactly
    as PostgreSQL's PERCENTILE_CONT computes it; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _step_aggregates() -> dict:
    """PostgreSQL: each step's count, median and 90th percentile as aggregates of one query."""
    aggregates = {}
    for name, _label in STEPS:
        aggregates[f"n_{name}"] = Count(f"days_{name}")
        aggregates[f"p50_{name}"] = Percentile(f"days_{name}", 0.5)
        aggregates[f"p90_{name}"] = Percentile(f"days_{name}", 0.9)
    return aggregates


def _step_percentiles(qs: QuerySet[RequestStat], aggregated: dict | None = None
                      ) -> dict[str, tuple[int, float | None, float | None]]:
    names = [name for name, _label in STEPS]
    if connection.vendor == "postgresql":
        a = aggregated if aggregated is not None else qs.aggregate(**_step_aggregates())
        return {name: (a[f"n_{name}"], a[f"p50_{name}"], a[f"p90_{name}"]) for name in names}
    found = {}
    for name in names:  # other databases: the percentiles in Python, from the step's values
        values = list(qs.filter(**{f"days_{name}__isnull": False}).values_list(f"days_{name}", flat=True))
        found[name] = (len(values), percentile(values, 0.5), percentile(values, 0.9))
    return found


def _days(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def figures_steps(qs: QuerySet[RequestStat], aggregated: dict | None = None) -> Table:
    """Working days spent in each step, median and 90th percentile (`aggregated`: the values
    of `_step_aggregates()` over `qs` when already computed)."""
    found = _step_percentiles(qs, aggregated)
    rows = [(label, found[name][0], _days(found[name][1]), _days(found[name][2])) for name, label in STEPS]
    return Table(
        key="steps", title="各环节用时（工作日）",
        columns=[Column("环节"), Column("已完成项目数", "int"), Column("中位数（工作日）", "days"),
                 Column("90%分位数（工作日）", "days")],
        rows=rows,
        definition=(
            "每个项目在各环节所用的工作日数（按工作日历扣除节假日、计入调休上班日；起止在同一天为 0），"
            "只计已走完该环节的项目。发布→选取：选中结果那一轮的发布至选取结果产生；选取→确认：至业主确认结果"
            "（含递补）；确认→签订合同：至双方上传合同；签订合同→交付：至中介机构交付服务成果；交付→验收：至业主验收。"
            "中位数与 90% 分位数按线性插值计算。"
        ),
        chart={"type": "bar", "x": 0, "series": [2, 3], "unit": "工作日"},
    )


def _grouped(qs: QuerySet[RequestStat], key: str) -> list[dict]:
    return list(qs.values(key).annotate(**_COUNTS).order_by(key))


def _group_row(label: str, a: dict) -> tuple:
    saved = _money(a["n_ceiling_signed"]) - _money(a["n_contracted"])
    return (label, a["n_published"], a["n_dealt"], _ratio(a["n_dealt"], a["n_published"]),
            _ratio(a["n_failures"], a["n_rounds"]), _mean(a["n_signups"], a["n_published"]), _money(a["n_contracted"]), saved,
            _ratio(saved, a["n_ceiling_signed"]))


def _group_columns(first: str) -> list[Column]:
    return [Column(first), Column("发布项目数", "int"), Column("成交项目数", "int"), Column("成交率", "percent"),
            Column("流标率", "percent"), Column("平均报名家数", "number"), Column("合同金额（元）", "money"),
            Column("节约资金（元）", "money"), Column("节资率", "percent")]


GROUP_DEFINITION = "口径同“主要指标”：成交率 = 成交项目数 ÷ 发布项目数；流标率 = 流标次数 ÷ 发布轮次；节资率 = Σ（最高限价 − 合同金额）÷ Σ最高限价。"


def figures_regions(qs: QuerySet[RequestStat]) -> Table:
    """The figures by the request's region (项目所在区划)."""
    regions = list(Region.objects.values_list("code", "name"))  # in the regions' own order
    names = dict(regions)
    order = {code: i for i, (code, _name) in enumerate(regions)}
    groups = sorted(_grouped(qs, "region_id"), key=lambda a: order.get(a["region_id"], 999))
    return Table(key="regions", title="按区划统计", columns=_group_columns("区划"),
                 rows=[_group_row(names.get(a["region_id"], a["region_id"]), a) for a in groups],
                 definition=GROUP_DEFINITION + "按项目所在区划归集。",
                 chart={"type": "bar", "x": 0, "series": [1, 2], "unit": "个"})


def figures_methods(qs: QuerySet[RequestStat]) -> Table:
    """The figures by selection method (选取方式)."""
    labels = dict(method_choices())
    return Table(key="methods", title="按选取方式统计", columns=_group_columns("选取方式"),
                 rows=[_group_row(labels.get(a["method"], "其他方式"), a) for a in _grouped(qs, "method")],
                 definition=GROUP_DEFINITION,
                 chart={"type": "pie", "x": 0, "series": [1], "unit": "个"})


def _overdue_open() -> Q:
    """An overdue step is still open while the request waits in that step."""
    step, s = OverdueWarning.Step, Status
    return (
        Q(step=step.CONFIRM, request__status=s.AWAITING_CONFIRMATION, request__confirm_due=F("due_at"))
        | Q(step=step.CONTRACT_OWNER, request__status=s.CONTRACTING, request__contract_owner_document__isnull=True)
        | Q(step=step.CONTRACT_FIRM, request__status=s.CONTRACTING)
        | Q(step=step.SERVICE, request__status=s.IN_SERVICE)
        | Q(step=step.OBJECTION_ANSWER, request__status=s.OBJECTION)
    )


def figures_overdue(qs: QuerySet[RequestStat]) -> Table:
    """Overdue steps (逾期预警) by party at fault and step, open and closed."""
    counts = {
        r["step"]: (r["open"], r["total"])
        for r in OverdueWarning.objects.filter(request_id__in=qs.values("request_id"))
        .annotate(is_open=Case(When(_overdue_open(), then=Value(1)), default=Value(0)))
        .values("step").annotate(open=Sum("is_open"), total=Count("pk"))
    }
    parties = dict(OverdueWarning.Party.choices)
    step_party = {
        OverdueWarning.Step.CONFIRM: "owner", OverdueWarning.Step.CONTRACT_OWNER: "owner",
        OverdueWarning.Step.CONTRACT_FIRM: "firm", OverdueWarning.Step.SERVICE: "firm",
        OverdueWarning.Step.OBJECTION_ANSWER: "bureau",
    }
    rows = []
    for step, label in OverdueWarning.Step.choices:
        party = step_party[step]
        is_open, total = counts.get(step, (0, 0))
        rows.append((str(parties[party]), str(label), is_open or 0, total - (is_open or 0), total))
    return Table(
        key="overdue", title="逾期环节（按责任方）",
        columns=[Column("责任方"), Column("逾期环节"), Column("未办结", "int"), Column("已办结", "int"),
                 Column("合计", "int")],
        rows=rows,
        definition=("平台在期限届满仍未办理时记录的逾期预警。未办结：项目仍停留在该环节（业主仍未确认、合同仍未签订、"
                    "服务仍未交付、质疑仍未答复）；已办结：逾期后已办理或项目已转入其他状态。"),
        chart={"type": "bar", "x": 1, "series": [2, 3], "unit": "次", "stack": True},
    )


def _rating_aggregates() -> dict:
    """Each side's counted ratings by overall grade (and the owner's default 满意 apart), as
    conditional counts: they ride on the scan of the headline figures."""
    aggregates = {}
    for overall in Rating.Overall.values:
        aggregates[f"r_owner_{overall}"] = Count("pk", filter=Q(rating_owner=overall, rating_owner_default=False))
        aggregates[f"r_firm_{overall}"] = Count("pk", filter=Q(rating_firm=overall))
    aggregates["r_owner_default"] = Count("pk", filter=Q(rating_owner_default=True))
    return aggregates


def figures_ratings(qs: QuerySet[RequestStat], aggregated: dict | None = None) -> Table:
    """The distribution of counted ratings (voided ones excluded), by side, read from the
    requests' facts (each carries its sides' counted ratings). `aggregated`: the values of
    `_rating_aggregates()` over `qs` when already computed (`figures_tables`)."""
    a = aggregated if aggregated is not None else qs.aggregate(**_rating_aggregates())
    rows = [(str(label), a[f"r_owner_{overall}"], a[f"r_firm_{overall}"]) for overall, label in Rating.Overall.choices]
    rows.append(("默认满意（逾期未评）", a["r_owner_default"], 0))
    return Table(
        key="ratings", title="服务评价分布",
        columns=[Column("评价等级"), Column("业主评价中介机构（次）", "int"), Column("中介机构评价业主（次）", "int")],
        rows=rows,
        definition="有效评价（不含异议成立后作废的评价）按总体评价等级计数；业主逾期未评、平台记为满意的默认评价单列。",
        chart={"type": "pie", "x": 0, "series": [1], "unit": "次"},
    )


# ---------------------------------------------------------------------------------------
# The page and the detail list


def figures_tables(*, user=None, public: bool = False, filters: StatFilters | None = None) -> list[Table]:
    """Every table of the supervision page (bureau) or the public statistics page."""
    qs = stats_base(user=user, public=public, filters=filters)
    # The headline figures and the ratings come from one scan (on PostgreSQL the steps'
    # percentiles too).
    steps = _step_aggregates() if connection.vendor == "postgresql" else {}
    a = qs.aggregate(**_summary_aggregates(), **_rating_aggregates(), **steps)
    tables = [figures_summary(qs, a), figures_monthly(qs), figures_steps(qs, a if steps else None), figures_regions(qs),
              figures_methods(qs)]
    if not public:
        tables.append(figures_overdue(qs))
    tables.append(figures_ratings(qs, a))
    return tables


DETAIL_COLUMNS = [
    Column("项目编号"), Column("项目名称"), Column("项目所在区划"), Column("服务事项"), Column("选取方式"),
    Column("项目业主"), Column("首次发布日期", "date"), Column("状态"), Column("最高限价（元）", "money"),
    Column("合同金额（元）", "money"), Column("节约资金（元）", "money"), Column("报名家数", "int"),
    Column("发布轮次", "int"), Column("流标次数", "int"), Column("承接中介机构"), Column("市外机构"),
    *[Column(f"{label}（工作日）", "int") for _name, label in STEPS],
]


def figures_detail_rows(qs: QuerySet[RequestStat]) -> Iterator[tuple]:
    """One row per request (`DETAIL_COLUMNS`), streamed: the export of the full list."""
    methods = {code: str(label) for code, label in method_choices()}
    statuses = {value: str(label) for value, label in Status.choices}  # translated once, not per row
    fields = ("request__code", "request__title", "region__name", "service_item__name", "method", "owner__name",
              "published_on", "status", "ceiling", "contract_amount", "signups", "publish_count", "failure_count",
              "firm__name", "firm_outside", *[f"days_{name}" for name, _label in STEPS])
    for r in qs.order_by("published_on", "request_id").values_list(*fields).iterator(chunk_size=5000):
        (code, title, region, item, method, owner, day, status, ceiling, amount, signups, rounds, failures, firm,
         outside, *days) = r
        saved = ceiling - amount if amount is not None else None
        yield (code, title, region, item, methods.get(method, "其他方式"), owner, day, statuses.get(status, ""),
               ceiling, amount, saved, signups, rounds, failures, firm or "",
               "" if outside is None else ("是" if outside else "否"), *days)


def detail_table(qs: QuerySet[RequestStat]) -> Table:
    """The full list as a table (rows streamed, not materialised)."""
    return Table(key="requests", title="项目明细", columns=DETAIL_COLUMNS, rows=figures_detail_rows(qs))  # type: ignore[arg-type]
