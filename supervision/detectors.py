"""The detectors of the anti-avoidance signals: pure reads of the market's history.

Each detector takes the moment of the run and returns the candidates it raises now, with
the figure that raised each one and the rule it was measured against (`core.rules`,
read at each run, so a changed threshold changes the next run's outcome). Nothing here
writes; `supervision.services_signals.signals_detect` upserts the cases.

"Won" requests are those with a selected firm that neither failed nor were cancelled;
the statistics period (rule `signal_window_days`) runs back from the moment of the run.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import combinations

from django.db import connection
from django.db.models import Count, F, Q

from accounts.models import Organisation, Region
from bidding.models import Auction, Bid
from core.format import money
from core.rules import rule_int, rule_value
from market.lifecycle import S
from market.models import ServiceRequest, SignUp
from supervision.models import SignalCase

K = SignalCase.Kind
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
PRICE_METHODS = ("auction", "comparison")  # methods whose winning price comes from competition


@dataclass
class Candidate:
    """A case as one run sees it. `fact_keys` name the facts ("r:12" a request, "a:5" an
    auction); a reviewed case reopens only for a key it did not see."""

    kind: str
    subject: str
    region_id: str
    figure: Decimal
    figure_unit: str
    threshold: Decimal
    rule_key: str
    summary: str
    fact_keys: list[str]
    owner_id: int | None = None
    firm_ids: list[int] = field(default_factory=list)
    request_ids: list[int] = field(default_factory=list)
    facts: dict = field(default_factory=dict)


def _pct(part: int, whole: int) -> Decimal:
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


def _since(now: datetime) -> datetime:
    return now - timedelta(days=rule_int("signal_window_days"))


def _won():
    return ServiceRequest.objects.filter(selected_firm__isnull=False).exclude(status__in=[S.FAILED, S.CANCELLED])


def _city() -> str:
    return Region.objects.filter(level=Region.Level.CITY).values_list("pk", flat=True).first()


def _owner_regions(owner_ids: Iterable[int]) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in=set(owner_ids)).values_list("pk", "region_id"))


def _common_region(request_ids: Iterable[int]) -> str:
    """The one region of these requests, else the city (a case across counties is the
    city bureau's)."""
    regions = set(ServiceRequest.objects.filter(pk__in=list(request_ids)).values_list("region_id", flat=True))
    return regions.pop() if len(regions) == 1 else _city()


def _ids_by(qs, key: str) -> dict:
    out: dict = defaultdict(list)
    for group, pk in qs.values_list(key, "pk").order_by("pk"):
        out[group].append(pk)
    return out


# ---------------------------------------------------------------------------------------
# Owners


def _owner_share(*, now: datetime, kind: str, base, rule_key: str, what: str) -> list[Candidate]:
    """Owners whose share of direct picks among `base` reaches the rule `rule_key`."""
    minimum, share = rule_int("signal_min_sample"), rule_value(rule_key)
    rows = (base.values("owner_id").annotate(total=Count("id"), direct=Count("id", filter=Q(direct_pick=True)))
            .filter(total__gte=minimum, direct__gt=0))
    raised = [(r["owner_id"], r["total"], r["direct"]) for r in rows
              if Decimal(r["direct"]) * HUNDRED >= share * Decimal(r["total"])]
    if not raised:
        return []
    direct_ids = _ids_by(base.filter(owner_id__in=[o for o, _, _ in raised], direct_pick=True), "owner_id")
    regions = _owner_regions(o for o, _, _ in raised)
    days = rule_int("signal_window_days")
    out = []
    for owner_id, total, direct in raised:
        figure = _pct(direct, total)
        out.append(Candidate(
            kind=kind, subject=f"owner:{owner_id}", region_id=regions[owner_id], owner_id=owner_id,
            figure=figure, figure_unit="%", threshold=share, rule_key=rule_key,
            summary=f"近{days}日{what}{total}个，其中直接选取{direct}个，占{_plain(figure)}%（预警线{_plain(share)}%）",
            request_ids=direct_ids[owner_id], fact_keys=[f"r:{pk}" for pk in direct_ids[owner_id]],
            facts={"total": total, "direct": direct},
        ))
    return out


def direct_share(*, now: datetime) -> list[Candidate]:
    """Owners a high share of whose won requests were direct picks."""
    base = _won().filter(published_at__gte=_since(now))
    return _owner_share(now=now, kind=K.DIRECT_SHARE, base=base, rule_key="signal_direct_share_percent",
                        what="已选定中介机构的项目")


def failed_to_direct(*, now: datetime) -> list[Candidate]:
    """Owners a high share of whose failed (流标) requests ended as direct picks."""
    base = (ServiceRequest.objects.filter(published_at__gte=_since(now), failure_count__gt=0)
            .exclude(status=S.CANCELLED))
    return _owner_share(now=now, kind=K.FAILED_TO_DIRECT, base=base, rule_key="signal_failed_direct_percent",
                        what="流标过的项目")


def repeat_pair(*, now: datetime) -> list[Candidate]:
    """The same firm winning the same owner's requests again and again within the period."""
    wins = rule_int("signal_repeat_wins")
    base = _won().filter(published_at__gte=_since(now))
    rows = list(base.values("owner_id", "selected_firm_id").annotate(n=Count("id")).filter(n__gte=wins))
    if not rows:
        return []
    regions = _owner_regions(r["owner_id"] for r in rows)
    days = rule_int("signal_window_days")
    out = []
    for r in rows:
        owner_id, firm_id = r["owner_id"], r["selected_firm_id"]
        ids = list(base.filter(owner_id=owner_id, selected_firm_id=firm_id).order_by("pk").values_list("pk", flat=True))
        out.append(Candidate(
            kind=K.REPEAT_PAIR, subject=f"pair:{owner_id}-{firm_id}", region_id=regions[owner_id], owner_id=owner_id,
            firm_ids=[firm_id], figure=Decimal(len(ids)), figure_unit="次", threshold=Decimal(wins),
            rule_key="signal_repeat_wins",
            summary=f"近{days}日同一中介机构承接该业主项目{len(ids)}次（预警线{wins}次）",
            request_ids=ids, fact_keys=[f"r:{pk}" for pk in ids],
        ))
    return out


# ---------------------------------------------------------------------------------------
# Prices and bids


def near_ceiling(*, now: datetime) -> list[Candidate]:
    """Firms whose winning prices (contract amount, else the closed auction's best bid)
    in competitive methods sit just under the ceiling, again and again."""
    minimum = rule_int("signal_min_sample")
    gap, share = rule_value("signal_near_ceiling_gap_percent"), rule_value("signal_near_ceiling_share_percent")
    rows = list(_won().filter(published_at__gte=_since(now), method__in=PRICE_METHODS)
                .values("pk", "selected_firm_id", "ceiling", "contract_amount", "publish_count"))
    missing = [r["pk"] for r in rows if r["contract_amount"] is None]
    best: dict[int, tuple[int, Decimal, int]] = {}
    for request_id, round_, amount, firm_id in (
            Auction.objects.filter(request_id__in=missing, status=Auction.Status.CLOSED, best_amount__isnull=False)
            .values_list("request_id", "round", "best_amount", "best_bid__organisation_id")):
        best[request_id] = (round_, amount, firm_id)
    by_firm: dict[int, list[tuple[int, Decimal, Decimal]]] = defaultdict(list)
    for r in rows:
        price = r["contract_amount"]
        if price is None and r["pk"] in best:
            round_, amount, firm_id = best[r["pk"]]
            price = amount if round_ == r["publish_count"] and firm_id == r["selected_firm_id"] else None
        if price is not None:
            by_firm[r["selected_firm_id"]].append((r["pk"], r["ceiling"], price))
    days = rule_int("signal_window_days")
    out = []
    for firm_id, won in by_firm.items():
        near = [(pk, ceiling, price) for pk, ceiling, price in won if price * HUNDRED >= ceiling * (HUNDRED - gap)]
        if len(won) < minimum or not near or Decimal(len(near)) * HUNDRED < share * Decimal(len(won)):
            continue
        figure = _pct(len(near), len(won))
        ids = sorted(pk for pk, _, _ in near)
        out.append(Candidate(
            kind=K.NEAR_CEILING, subject=f"firm:{firm_id}", region_id=_common_region(ids), firm_ids=[firm_id],
            figure=figure, figure_unit="%", threshold=share, rule_key="signal_near_ceiling_share_percent",
            summary=(f"近{days}日竞价、询比成交{len(won)}个，其中{len(near)}个成交价在最高限价{_plain(gap)}%以内，"
                     f"占{_plain(figure)}%（预警线{_plain(share)}%）"),
            request_ids=ids, fact_keys=[f"r:{pk}" for pk in ids],
            facts={"prices": {str(pk): [str(c), str(p)] for pk, c, p in near}},
        ))
    return out


def _auction_bidders(auction_filter: Q) -> dict[int, dict[int, datetime]]:
    """{auction id: {firm id: its first bid}} of the auctions matching `auction_filter`."""
    first: dict[int, dict[int, datetime]] = defaultdict(dict)
    for auction_id, org_id, at in (Bid.objects.filter(auction__in=Auction.objects.filter(auction_filter))
                                   .values_list("auction_id", "organisation_id", "at").order_by("auction_id", "seq")):
        first[auction_id].setdefault(org_id, at)
    return first


def last_minute(*, now: datetime) -> list[Candidate]:
    """Pairs of firms whose bids, whenever both bid, come only in the auction's last
    moments (rule `signal_last_minute_seconds` before its final end)."""
    seconds = timedelta(seconds=rule_int("signal_last_minute_seconds"))
    times, share = rule_int("signal_together_auctions"), rule_value("signal_together_share_percent")
    # Void auctions too (too few bidders): their bids show the same behaviour.
    ends = dict(Auction.objects.filter(status__in=[Auction.Status.CLOSED, Auction.Status.VOID], ends_at__gte=_since(now))
                .values_list("pk", "ends_at"))
    common: dict[tuple[int, int], int] = defaultdict(int)
    together: dict[tuple[int, int], list[int]] = defaultdict(list)
    for auction_id, firsts in _auction_bidders(Q(pk__in=list(ends))).items():
        late = {org for org, at in firsts.items() if at >= ends[auction_id] - seconds}
        for pair in combinations(sorted(firsts), 2):
            common[pair] += 1
            if pair[0] in late and pair[1] in late:
                together[pair].append(auction_id)
    requests = dict(Auction.objects.filter(pk__in=[a for ids in together.values() for a in ids])
                    .values_list("pk", "request_id"))
    out = []
    for pair, auctions in together.items():
        if len(auctions) < times or Decimal(len(auctions)) * HUNDRED < share * Decimal(common[pair]):
            continue
        ids = sorted({requests[a] for a in auctions})
        out.append(Candidate(
            kind=K.LAST_MINUTE, subject=f"firms:{pair[0]}-{pair[1]}", region_id=_common_region(ids),
            firm_ids=list(pair), figure=Decimal(len(auctions)), figure_unit="场", threshold=Decimal(times),
            rule_key="signal_together_auctions",
            summary=(f"两家机构共同出价{common[pair]}场，其中{len(auctions)}场都在截止前"
                     f"{int(seconds.total_seconds())}秒内才首次出价（预警线{times}场、{_plain(share)}%）"),
            request_ids=ids, fact_keys=[f"a:{a}" for a in sorted(auctions)], facts={"common": common[pair]},
        ))
    return out


def ring(*, now: datetime) -> list[Candidate]:
    """Pairs of firms that sign up together again and again and never bid against each
    other: in every auction of those requests at most one of them bid, and at least one
    did (one bids, the other keeps it company: possible 围标/陪标)."""
    times = rule_int("signal_ring_signups")
    table = SignUp._meta.db_table
    sql = (f"SELECT a.organisation_id, b.organisation_id FROM {table} a JOIN {table} b "
           f"ON a.request_id = b.request_id AND a.round = b.round AND a.organisation_id < b.organisation_id "
           f"WHERE a.created_at >= %s AND b.created_at >= %s "
           f"GROUP BY a.organisation_id, b.organisation_id HAVING COUNT(DISTINCT a.request_id) >= %s")
    since = _since(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [since, since, times])
        pairs = [tuple(row) for row in cursor.fetchall()]
    if not pairs:
        return []
    firms = {f for pair in pairs for f in pair}
    rounds: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for org, request_id, round_ in (SignUp.objects.filter(organisation_id__in=firms, created_at__gte=since)
                                    .values_list("organisation_id", "request_id", "round")):
        rounds[org].add((request_id, round_))
    shared_all = set().union(*(rounds[a] & rounds[b] for a, b in pairs))
    auction_of = {(r, n): pk for pk, r, n in Auction.objects.filter(request_id__in={r for r, _ in shared_all})
                  .values_list("pk", "request_id", "round")}
    bidders = _auction_bidders(Q(pk__in=list(auction_of.values())))
    out = []
    for a, b in pairs:
        shared = sorted(rounds[a] & rounds[b])
        both = accompanied = 0
        for key in shared:
            firsts = bidders.get(auction_of.get(key), {})
            both += a in firsts and b in firsts
            accompanied += (a in firsts) != (b in firsts)
        if both or not accompanied:
            continue
        ids = sorted({r for r, _ in shared})
        out.append(Candidate(
            kind=K.RING, subject=f"firms:{a}-{b}", region_id=_common_region(ids), firm_ids=[a, b],
            figure=Decimal(len(ids)), figure_unit="个", threshold=Decimal(times), rule_key="signal_ring_signups",
            summary=(f"两家机构共同报名{len(ids)}个项目（预警线{times}个），其中{accompanied}场竞价只有一家出价，"
                     "从未相互竞价"),
            request_ids=ids, fact_keys=[f"r:{pk}" for pk in ids], facts={"accompanied": accompanied},
        ))
    return out


# ---------------------------------------------------------------------------------------
# After selection


def _per_owner(*, kind: str, rows: list[tuple[int, int, Decimal]], figure_of: Callable, unit: str,
               threshold: Decimal, rule_key: str, summary_of: Callable) -> list[Candidate]:
    """One case per owner from rows (owner id, request id, measure)."""
    by_owner: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for owner_id, pk, measure in rows:
        by_owner[owner_id].append((pk, measure))
    regions = _owner_regions(by_owner)
    out = []
    for owner_id, items in by_owner.items():
        ids = sorted(pk for pk, _ in items)
        figure = figure_of([m for _, m in items])
        out.append(Candidate(
            kind=kind, subject=f"owner:{owner_id}", region_id=regions[owner_id], owner_id=owner_id,
            figure=figure, figure_unit=unit, threshold=threshold, rule_key=rule_key,
            summary=summary_of(len(ids), figure), request_ids=ids, fact_keys=[f"r:{pk}" for pk in ids],
            facts={"measures": {str(pk): str(m) for pk, m in items}},
        ))
    return out


def late_contract(*, now: datetime) -> list[Candidate]:
    """Owners who upload the contract long after publicity ended (or still have not)."""
    days = rule_int("signal_contract_late_days")
    late = timedelta(days=days)
    qs = ServiceRequest.objects.filter(publicity_ends_at__gte=_since(now)).filter(
        Q(contract_owner_at__isnull=False, contract_owner_at__gt=F("publicity_ends_at") + late)
        | Q(contract_owner_at__isnull=True, status=S.CONTRACTING, publicity_ends_at__lt=now - late))
    rows = []
    for owner_id, pk, ended, uploaded in qs.values_list("owner_id", "pk", "publicity_ends_at", "contract_owner_at"):
        rows.append((owner_id, pk, Decimal(((uploaded or now) - ended).days)))
    return _per_owner(
        kind=K.LATE_CONTRACT, rows=rows, figure_of=max, unit="日", threshold=Decimal(days),
        rule_key="signal_contract_late_days",
        summary_of=lambda n, f: f"{n}个项目在结果公示结束{days}日后仍未上传合同或才上传，最长{_plain(f)}日（预警线{days}日）")


def fast_acceptance(*, now: datetime) -> list[Candidate]:
    """Owners who accept a delivered result within minutes (rule `signal_fast_accept_minutes`)."""
    minutes = rule_int("signal_fast_accept_minutes")
    qs = ServiceRequest.objects.filter(completed_at__gte=_since(now), delivered_at__isnull=False,
                                       completed_at__lt=F("delivered_at") + timedelta(minutes=minutes))
    rows = [(owner_id, pk, Decimal(max(0, int((done - delivered).total_seconds() // 60))))
            for owner_id, pk, delivered, done in qs.values_list("owner_id", "pk", "delivered_at", "completed_at")]
    return _per_owner(
        kind=K.FAST_ACCEPTANCE, rows=rows, figure_of=min, unit="分钟", threshold=Decimal(minutes),
        rule_key="signal_fast_accept_minutes",
        summary_of=lambda n, f: f"{n}个项目在交付后{minutes}分钟内即验收，最快{_plain(f)}分钟（预警线{minutes}分钟）")


def splitting(*, now: datetime) -> list[Candidate]:
    """化整为零: an owner publishing several requests of one service item, each just under
    the threshold (rule `signal_split_threshold_yuan` less `signal_split_gap_percent`),
    within `signal_split_days` of each other."""
    limit = rule_value("signal_split_threshold_yuan")
    low = limit * (HUNDRED - rule_value("signal_split_gap_percent")) / HUNDRED
    count, span = rule_int("signal_split_count"), timedelta(days=rule_int("signal_split_days"))
    qs = (ServiceRequest.objects.filter(published_at__gte=_since(now), ceiling__gte=low, ceiling__lt=limit)
          .exclude(status=S.CANCELLED))
    groups: dict[tuple[int, int], list[tuple[datetime, int, Decimal]]] = defaultdict(list)
    for owner_id, item_id, at, pk, ceiling in qs.values_list("owner_id", "service_item_id", "published_at", "pk",
                                                              "ceiling"):
        groups[(owner_id, item_id)].append((at, pk, ceiling))
    raised = {}
    for key, items in groups.items():
        items.sort()
        picked: set[int] = set()
        start = 0
        for end in range(len(items)):  # sliding window over publication times
            while items[end][0] - items[start][0] > span:
                start += 1
            if end - start + 1 >= count:
                picked |= {pk for _, pk, _ in items[start:end + 1]}
        if picked:
            raised[key] = [(pk, c) for _, pk, c in items if pk in picked]
    regions = _owner_regions(o for o, _ in raised)
    out = []
    for (owner_id, item_id), items in raised.items():
        ids = sorted(pk for pk, _ in items)
        total = sum((c for _, c in items), Decimal(0))
        out.append(Candidate(
            kind=K.SPLITTING, subject=f"item:{owner_id}-{item_id}", region_id=regions[owner_id], owner_id=owner_id,
            figure=Decimal(len(ids)), figure_unit="个", threshold=Decimal(count), rule_key="signal_split_count",
            summary=(f"同一服务事项{len(ids)}个项目最高限价均略低于{money(limit)}，合计{money(total)}"
                     f"（预警线{count}个）"),
            request_ids=ids, fact_keys=[f"r:{pk}" for pk in ids], facts={"total": str(total), "item_id": item_id},
        ))
    return out


DETECTORS: dict[str, Callable[..., list[Candidate]]] = {
    K.DIRECT_SHARE: direct_share,
    K.FAILED_TO_DIRECT: failed_to_direct,
    K.REPEAT_PAIR: repeat_pair,
    K.NEAR_CEILING: near_ceiling,
    K.LAST_MINUTE: last_minute,
    K.RING: ring,
    K.LATE_CONTRACT: late_contract,
    K.FAST_ACCEPTANCE: fast_acceptance,
    K.SPLITTING: splitting,
}
