"""Reading and verifying audit chains and their published daily heads."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from audit.models import AuditRecord, ChainHead, DailyRoot
from audit.services import GENESIS, daily_root_digest, record_digest

# Days of the published heads are days in Beijing time, whatever the server's zone.
BEIJING = ZoneInfo("Asia/Shanghai")
BATCH = 5000

# The columns the hash covers, plus id; in the order `_walk` hands them out.
_FIELDS = ("id", "chain", "seq", "kind", "actor_label", "from_state", "to_state", "reason", "data", "at",
           "prev_hash", "hash")


def day_of(at: datetime) -> date:
    """The Beijing calendar day of an instant."""
    return at.astimezone(BEIJING).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Beijing calendar day as aware instants."""
    start = datetime.combine(day, time.min, tzinfo=BEIJING)
    return start, start + timedelta(days=1)


def chain_records(*, chain: str) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.filter(chain=chain).order_by("seq")


# ---------------------------------------------------------------------------------------
# Walking the chains


@dataclass(frozen=True)
class Break:
    """The first record where a chain does not hold."""

    id: int
    chain: str
    seq: int
    problem: str
    stored: str = ""
    expected: str = ""

    def describe(self) -> str:
        text = f"记录 id={self.id}，链 {self.chain}，第 {self.seq} 条：{self.problem}"
        if self.stored or self.expected:
            text += f"（库中 {self.stored or '—'}，应为 {self.expected or '—'}）"
        return text


@dataclass(frozen=True)
class AuditCheck:
    ok: bool
    records: int
    chains: int
    broken: Break | None = None


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    length: int
    broken_at: int | None = None
    detail: str = ""


def _walk(*, chain: str | None = None, batch: int = BATCH) -> Iterator[tuple]:
    """Every record (the `_FIELDS` columns) in (chain, seq) order, `batch` rows at a time.

    Keyset pagination on the unique (chain, seq) index: each query is an index range scan
    and memory stays one batch, on every database (MySQL drivers buffer whole results, so
    a single streamed query would not be constant memory there)."""
    qs = AuditRecord.objects.order_by("chain", "seq").values_list(*_FIELDS)
    if chain is not None:
        qs = qs.filter(chain=chain)
    cursor: tuple[str, int] | None = None
    while True:
        if cursor is None:
            rows = list(qs[:batch])
        else:
            current, seq = cursor
            rows = list(qs.filter(chain=current, seq__gt=seq)[:batch])
            if len(rows) < batch and chain is None:
                rows += list(qs.filter(chain__gt=current)[: batch - len(rows)])
        yield from rows
        if len(rows) < batch:
            return
        cursor = (rows[-1][1], rows[-1][2])


def chains_verify(*, chain: str | None = None, batch: int = BATCH) -> AuditCheck:
    """Recompute every link of every chain (or of `chain`) and report the first record
    that does not hold: a gap in the sequence (a record removed), a `prev_hash` that is not
    the previous record's hash (a record rewritten together with its own hash), or content
    that does not match its hash (a record edited). Constant memory.

    A chain's last records removed together leave no gap; the published daily heads
    (`heads_verify`) catch that."""
    records = chains = 0
    current, prev, expected = None, GENESIS, 1
    for pk, name, seq, kind, actor_label, from_state, to_state, reason, data, at, prev_hash, stored in _walk(
        chain=chain, batch=batch
    ):
        if name != current:
            current, prev, expected = name, GENESIS, 1
            chains += 1
        records += 1
        if seq != expected:
            missing = f"第 {expected} 条" if seq == expected + 1 else f"第 {expected}–{seq - 1} 条"
            return AuditCheck(False, records, chains, Break(pk, name, seq, f"缺少{missing}记录（被删除）"))
        if prev_hash != prev:
            return AuditCheck(False, records, chains, Break(
                pk, name, seq, "prev_hash 不是前一条记录的哈希（前一条被改写并重算了哈希）", prev_hash, prev))
        digest = record_digest(
            prev_hash=prev_hash, chain=name, seq=seq, kind=kind, actor_label=actor_label, from_state=from_state,
            to_state=to_state, reason=reason, data=data, at_iso=at.isoformat(),
        )
        if digest != stored:
            return AuditCheck(False, records, chains, Break(pk, name, seq, "记录内容与其哈希不符（内容被改动）",
                                                            stored, digest))
        prev = stored
        expected += 1
    return AuditCheck(True, records, chains)


def chain_verify(*, chain: str) -> ChainCheck:
    """Recompute every link of `chain`; report the first one that does not hold."""
    check = chains_verify(chain=chain)
    if check.ok:
        return ChainCheck(True, check.records)
    return ChainCheck(False, check.records, check.broken.seq, check.broken.problem)


# ---------------------------------------------------------------------------------------
# Daily heads


def day_heads(*, day: date, chain: str | None = None) -> tuple[dict[str, tuple[int, str]], int]:
    """The heads of the chains that grew on `day` (Beijing): {chain: (count, head_hash)},
    the head being the chain's highest record stamped that day; and the number of records
    stamped that day. Memory grows with the chains active that day, not with history."""
    start, end = day_bounds(day)
    qs = AuditRecord.objects.filter(at__gte=start, at__lt=end)
    if chain is not None:
        qs = qs.filter(chain=chain)
    heads: dict[str, tuple[int, str]] = {}
    records = 0
    for name, seq, digest in qs.values_list("chain", "seq", "hash").iterator(chunk_size=BATCH):
        records += 1
        known = heads.get(name)
        if known is None or seq > known[0]:
            heads[name] = (seq, digest)
    return heads, records


@dataclass(frozen=True)
class HeadsCheck:
    ok: bool
    days: int
    heads: int
    problem: str = ""


def _compare(day: date, derived: dict, published: dict) -> str:
    for name in sorted(set(derived) | set(published)):
        mine, theirs = derived.get(name), published.get(name)
        if mine == theirs:
            continue
        if theirs is None:
            return f"{day} 链 {name}：记录中有当日链头（第 {mine[0]} 条 {mine[1]}），但当日未公布"
        if mine is None:
            return f"{day} 链 {name}：公布的链头（第 {theirs[0]} 条 {theirs[1]}）在记录中已不存在"
        return (f"{day} 链 {name}：公布的链头为第 {theirs[0]} 条 {theirs[1]}，"
                f"由记录重算为第 {mine[0]} 条 {mine[1]}")
    return ""


def heads_verify(*, chain: str | None = None) -> HeadsCheck:
    """Recompute every published day from the records and compare: each day's chain heads
    (of `chain` only, if given), and, for all chains, each day's root from its published
    heads and the previous root, and the days being consecutive.

    Guarantee: passing means the records' hashes, as they are now, are the ones published
    on each day; together with `chains_verify` (the records match their hashes) no
    published record was changed, removed or inserted since."""
    if chain is not None:
        return _chain_heads_verify(chain)
    days = heads = 0
    prev_day, prev_root = None, GENESIS
    for root in DailyRoot.objects.order_by("day").iterator():
        days += 1
        if prev_day is not None and root.day != prev_day + timedelta(days=1):
            return HeadsCheck(False, days, heads, f"{prev_day} 之后缺少 {prev_day + timedelta(days=1)} 的根哈希")
        if root.prev_root != prev_root:
            return HeadsCheck(False, days, heads, f"{root.day} 的前一日根哈希 {root.prev_root} 不是 {prev_root}")
        published = {c: (n, h) for c, n, h in ChainHead.objects.filter(day=root.day).values_list(
            "chain", "count", "head_hash")}
        heads += len(published)
        recomputed = daily_root_digest(day=root.day, prev_root=root.prev_root,
                                       heads=[(c, n, h) for c, (n, h) in published.items()])
        if recomputed != root.root:
            return HeadsCheck(False, days, heads, f"{root.day} 的根哈希 {root.root} 与公布的链头不符（应为 {recomputed}）")
        derived, records = day_heads(day=root.day)
        problem = _compare(root.day, derived, published)
        if problem:
            return HeadsCheck(False, days, heads, problem)
        if records != root.records:
            return HeadsCheck(False, days, heads, f"{root.day} 公布的新增记录数为 {root.records}，记录中为 {records}")
        prev_day, prev_root = root.day, root.root
    return HeadsCheck(True, days, heads)


def _chain_heads_verify(chain: str) -> HeadsCheck:
    """One chain: its heads derived from its records (one pass, grouped by day) against
    the ones published for it, over the days published so far."""
    last = DailyRoot.objects.order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return HeadsCheck(True, 0, 0)
    derived: dict[date, tuple[int, str]] = {}
    for _pk, _name, seq, *_rest, at, _prev, digest in _walk(chain=chain):
        day = day_of(at)
        if day <= last and (day not in derived or seq > derived[day][0]):
            derived[day] = (seq, digest)
    published = {d: (n, h) for d, n, h in ChainHead.objects.filter(chain=chain).values_list(
        "day", "count", "head_hash")}
    for day in sorted(set(derived) | set(published)):
        problem = _compare(day, {chain: derived[day]} if day in derived else {},
                           {chain: published[day]} if day in published else {})
        if problem:
            return HeadsCheck(False, len(published), len(published), problem)
    return HeadsCheck(True, len(published), len(published))


def roots_published() -> QuerySet[DailyRoot]:
    """Every published day, newest first."""
    return DailyRoot.objects.order_by("-day")


def chain_heads_published(*, chain: str) -> QuerySet[ChainHead]:
    """The published heads of one chain, newest first (one per day on which it grew)."""
    return ChainHead.objects.filter(chain=chain).order_by("-day")


def day_heads_published(*, day: date) -> QuerySet[ChainHead]:
    """The heads published for one day, by chain name."""
    return ChainHead.objects.filter(day=day).order_by("chain")
