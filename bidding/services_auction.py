"""Writes of the live reverse auction (网上竞价), protocol in PRODUCT.md "The live auction socket".

Every write locks the auction row (then the request row, for the request's audit chain:
the lock order is always auction → request), re-checks every rule under the lock, writes,
records in the request's chain and commits; the channel-layer broadcast is scheduled with
`transaction.on_commit`, so no client ever hears of a bid or a status that was not
committed. An `ack` is built from the committed row only after the transaction returns.

Time is handled without ETA tasks: the auction starts and closes when it is due, by
whichever comes first of the beat sweep (`auctions_sweep_due`), the lazy check on every bid
and socket message (`auction_advance`), and each socket's timer. The status check under the
row lock makes the close happen exactly once.

Equal amounts cannot happen: under the row lock every accepted bid is at least `min_step`
(> 0, a database constraint) below the best before it, so the accepted amounts fall strictly
in `seq` order; the unique (auction, amount) constraint is the database's backstop.

Idempotency: a `client_id` is one bid per firm and auction. The first answer — the `ack`
of an accepted bid (from the Bid row) or the `rejected` of a refused one (from the
BidRejection row) — is returned again for a repeat. Refusals that happen before the firm is
known (no valid client_id, a user without a firm) are not stored.
"""

import json
import logging
import secrets
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_UP, Decimal, InvalidOperation

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.utils import timezone

from audit.services import record_append
from bidding.methods import AUCTION
from bidding.models import Auction, Bid, Bidder, BidRejection
from core.format import money as money_text
from core.locking import lock_rows
from core.prepared import PreparedQuery, query_prepare
from core.rules import rule_int, rule_value
from market.lifecycle import S, request_chain
from market.models import ServiceRequest, SignUp
from market.selectors import firm_eligibility, firm_eligibility_expression
from market.services_requests import request_fail, request_select

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
AMOUNT_LIMIT = Decimal("1e12")  # the columns hold 12 integer digits
DUE_BATCH = 200

MESSAGES = {
    "not_live_scheduled": "竞价尚未开始，请在开始时间后出价。",
    "not_live_over": "竞价已结束，不再接受出价。",
    "not_eligible": "您单位未报名本项目，不能出价。",
    "invalid_amount": "报价须为大于0、最多两位小数的金额（元）。",
    "invalid_client_id": "出价缺少有效的 client_id（客户端生成的 UUID）。",
    "no_firm": "只有已报名本项目的中介机构可以出价；您当前只能观看。",
}


AUCTION_LAYER = "auctions"  # the channel layer alias of auction sockets (Redis pub/sub in production)


def auction_group(auction_id: int) -> str:
    """The channel-layer group of one auction's sockets."""
    return f"auction.{auction_id}"


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount.quantize(CENT)}"


def iso(at: datetime | None) -> str | None:
    return None if at is None else timezone.localtime(at).isoformat()


@dataclass
class BidAnswer:
    """The answer to one `bid` message: an `ack` or a `rejected`."""

    accepted: bool
    client_id: str | None
    seq: int | None = None
    code: str = ""
    message: str = ""
    events: list[dict] = field(default_factory=list)

    def as_message(self) -> dict:
        if self.accepted:
            return {"type": "ack", "client_id": self.client_id, "seq": self.seq}
        return {"type": "rejected", "client_id": self.client_id, "code": self.code, "message": self.message}


def _reject(client_id, code: str, message: str) -> BidAnswer:
    return BidAnswer(False, client_id, code=code, message=message)


# ---------------------------------------------------------------------------------------
# Events (the payloads of the protocol; names appear only in `result`)


def status_event(auction: Auction, *, version: int | None = None) -> dict:
    return {"type": "status", "version": version if version is not None else auction.version,
            "status": auction.status, "starts_at": iso(auction.starts_at), "ends_at": iso(auction.ends_at)}


def result_event(auction: Auction) -> dict:
    """The `result` message. Bidders excluded at close (restricted or otherwise ineligible
    at that moment) are not in the published ranking, and never the winner."""
    ranking = [{k: row[k] for k in ("alias", "name", "code", "amount")}
               for row in auction.ranking if not row.get("excluded")]
    winner = ranking[0] if auction.status == Auction.Status.CLOSED and ranking else None
    return {"type": "result", "version": auction.version, "winner": winner, "ranking": ranking}


_deferred = threading.local()


@contextmanager
def broadcasts_deferred():
    """Collect, instead of sending, the broadcasts that commits inside the block schedule.

    For callers running in an event loop's worker thread (the socket consumer): the
    thread is not held while the message goes to Redis; the caller sends the collected
    (group, message) pairs itself with `await layer.group_send(...)`. Only committed
    changes are ever collected, as `transaction.on_commit` is still what adds them.
    """
    _deferred.items = []
    try:
        yield _deferred.items
    finally:
        del _deferred.items


def _broadcast(auction_id: int, events: list[dict]) -> None:
    """Send `events` to every socket of the auction, on every process, after commit."""
    if not events:
        return
    events = list(events)

    def send() -> None:
        # Each event also goes pre-encoded: a process hands the same text to every socket.
        message = {"type": "auction.events", "events": events, "texts": [json.dumps(e) for e in events]}
        collected = getattr(_deferred, "items", None)
        if collected is not None:
            collected.append((auction_group(auction_id), message))
            return
        layer = get_channel_layer(AUCTION_LAYER)
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(auction_group(auction_id), message)
        except Exception as exc:  # a broken layer must not fail a committed bid; clients resync
            log.warning("auction %s broadcast failed: %s", auction_id, exc)

    transaction.on_commit(send)


# ---------------------------------------------------------------------------------------
# Creation (when sign-up closes)


def auction_default_step(*, ceiling: Decimal) -> Decimal:
    """The default minimum decrement: the rule `auction_default_step_percent` of the
    ceiling, rounded to the fen, at least 0.01 yuan."""
    step = (ceiling * rule_value("auction_default_step_percent") / 100).quantize(CENT)
    return max(step, CENT)


def auction_create(*, request: ServiceRequest, now: datetime) -> Auction:
    """Schedule the auction of `request`'s current round; idempotent per round.

    Precondition: inside a transaction holding the request's row lock, the request has just
    moved to `selecting` and its method is the auction. Starts at the selection time (or now,
    if that has passed) and lasts `auction_minutes`. The floor is the higher of the request's
    floor and the abnormally-low line (the rule `abnormally_low_percent` of the ceiling)
    unless the request allows abnormally low bids. Every registrant of the round gets an
    alias, numbered in a random order.
    """
    existing = Auction.objects.filter(request=request, round=request.publish_count).first()
    if existing is not None:
        return existing
    ceiling = request.ceiling
    floor = request.floor
    if not request.allow_abnormally_low:
        line = (ceiling * rule_value("abnormally_low_percent") / 100).quantize(CENT, rounding=ROUND_UP)
        floor = max(floor or Decimal(0), line)
    if floor is not None and floor >= ceiling:
        floor = ceiling - CENT if ceiling > CENT else None
    min_step = request.min_step or auction_default_step(ceiling=ceiling)
    starts_at = max(request.selection_at or now, now)
    auction = Auction.objects.create(
        request=request, round=request.publish_count, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=request.auction_minutes), ceiling=ceiling, floor=floor,
        min_step=min_step, extension_seconds=rule_int("auction_extension_seconds"),
    )
    firms = list(
        SignUp.objects.filter(request=request, round=request.publish_count).values_list("organisation_id", flat=True)
    )
    secrets.SystemRandom().shuffle(firms)
    Bidder.objects.bulk_create(
        [Bidder(auction=auction, organisation_id=org_id, number=i) for i, org_id in enumerate(firms, 1)]
    )
    record_append(
        chain=request_chain(request), kind="auction_scheduled", reason="安排网上竞价",
        data={"auction_status": auction.status, "auction": auction.pk, "round": auction.round, "starts_at": auction.starts_at,
              "ends_at": auction.ends_at, "ceiling": money(ceiling), "floor": money(floor),
              "min_step": money(min_step), "bidders": len(firms)},
    )
    return auction


# ---------------------------------------------------------------------------------------
# Start and close


def _lock_request(auction: Auction) -> ServiceRequest:
    return lock_rows(
        ServiceRequest.objects.select_related("service_item", "service_item__qualification_type")
        .filter(pk=auction.request_id)
    ).get()


def _advance(auction: Auction, now: datetime) -> list[dict]:
    """Start and/or close a locked auction that is due. Returns the events to broadcast."""
    events: list[dict] = []
    if auction.status == Auction.Status.SCHEDULED and now >= auction.starts_at:
        auction.start()
        auction.save()
        req = _lock_request(auction)
        record_append(chain=request_chain(req), kind="auction_started", reason="网上竞价开始",
                      data={"auction": auction.pk, "auction_status": [Auction.Status.SCHEDULED, auction.status],
                            "version": auction.version})
        events.append(status_event(auction))
    if auction.status == Auction.Status.LIVE and now >= auction.ends_at:
        events.extend(_close(auction, now))
    elif auction.status == Auction.Status.SCHEDULED and now >= auction.ends_at:
        events.extend(_close(auction, now))
    return events


def _ranking(auction: Auction) -> list[dict]:
    """Each bidder's best bid, lowest first, the earlier bid first on equal amounts."""
    rows, seen = [], set()
    bids = Bid.objects.filter(auction=auction).select_related("organisation", "bidder").order_by("amount", "at", "seq")
    for bid in bids:
        if bid.organisation_id in seen:
            continue
        seen.add(bid.organisation_id)
        rows.append({"alias": bid.bidder.alias, "name": bid.organisation.name, "code": bid.organisation.uscc,
                     "amount": money(bid.amount), "seq": bid.seq, "at": iso(bid.at),
                     "organisation": bid.organisation_id})
    return rows


def _close(auction: Auction, now: datetime) -> list[dict]:
    """Close a locked auction whose end has passed. With fewer bidders than the rule's
    minimum it is void and the request fails (流标). Otherwise the ranking (each bidder's
    best bid, lowest first) goes to `request_select`, which skips a bidder restricted or
    otherwise ineligible at this moment (its row keeps the reason, and it is left out of the
    published result) and selects the first eligible one; the result names that firm."""
    ranking = _ranking(auction)
    minimum = rule_int("min_registrants")
    before = auction.status
    req = _lock_request(auction)
    if len(ranking) < minimum:
        auction.void(at=now, ranking=ranking)
        auction.save()
        record_append(chain=request_chain(req), kind="auction_void", reason="有效出价人数不足，竞价无效",
                      data={"auction": auction.pk, "auction_status": [before, auction.status],
                            "bidders": len(ranking), "minimum": minimum})
        if req.status == S.SELECTING:
            reason = f"竞价有效出价{len(ranking)}家，少于规定的{minimum}家，本次采购失败（流标）。"
            request_fail(request=req, reason=reason, now=now,
                         data={"method": AUCTION, "auction": auction.pk, "bidders": len(ranking), "minimum": minimum})
        return [status_event(auction, version=auction.version - 1), result_event(auction)]
    winner, skipped = None, []
    if req.status == S.SELECTING:
        winner, skipped = request_select(
            request=req, ranking=[row["code"] for row in ranking], now=now,
            data={"auction": auction.pk, "bidders": len(ranking), "lowest": ranking[0]["amount"]},
        )
    reasons = {entry["code"]: entry["reason"] for entry in skipped}
    for row in ranking:
        if row["code"] in reasons:
            row["excluded"] = reasons[row["code"]]
    auction.close(at=now, ranking=ranking)
    auction.save()
    record_append(chain=request_chain(req), kind="auction_closed", reason="网上竞价结束",
                  data={"auction": auction.pk, "auction_status": [before, auction.status],
                        "ranking": [(r["code"], r["amount"]) for r in ranking],
                        "winner": winner.uscc if winner else None, "excluded": skipped})
    return [status_event(auction, version=auction.version - 1), result_event(auction)]


def auction_advance(*, auction_id: int, now: datetime | None = None, skip_locked: bool = False) -> Auction | None:
    """The lazy check: start or close the auction if it is due; exactly once, whoever
    calls first. With `skip_locked`, returns None at once when another process holds the
    row (it will do the work). Broadcasts the changes after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        auction = lock_rows(Auction.objects.filter(pk=auction_id), skip_locked=skip_locked).first()
        if auction is None:
            return None
        events = _advance(auction, now)
        _broadcast(auction.pk, events)
    return auction


def auctions_sweep_due(*, now: datetime | None = None) -> int:
    """Start and close every due auction (the beat sweep). Cheap (one indexed query) when
    none is due. Returns how many auctions were looked at."""
    from django.db.models import Q

    now = now or timezone.now()
    due = list(
        Auction.objects.filter(
            Q(status=Auction.Status.SCHEDULED, starts_at__lte=now) | Q(status=Auction.Status.LIVE, ends_at__lte=now)
        ).order_by("ends_at").values_list("pk", flat=True)[:DUE_BATCH]
    )
    for pk in due:
        auction_advance(auction_id=pk, now=now, skip_locked=True)
    return len(due)


# ---------------------------------------------------------------------------------------
# Bids


def _parse_client_id(client_id) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(client_id))
    except (ValueError, TypeError, AttributeError):
        return None


def _parse_amount(amount) -> Decimal | None:
    if isinstance(amount, bool) or not isinstance(amount, (str, int, float)):
        return None
    try:
        value = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        return None
    # Magnitude first: quantizing an absurd amount (1E+30) would itself raise.
    if not value.is_finite() or value <= 0 or value >= AMOUNT_LIMIT or value != value.quantize(CENT):
        return None
    return value.quantize(CENT)


# Process-local: (auction id, firm id) -> the firm's Bidder row (with its organisation), or
# None when the firm has no alias in the auction. Bidder rows are written once, when the
# auction is created, and never change, so this needs no invalidation; eligibility itself is
# never cached (see `_bid_context`).
_bidders: dict[tuple[int, int], Bidder | None] = {}
_UNSET = object()
_BIDDERS_MAX = 50_000


def bidders_forget() -> None:
    """Drop the cached Bidder rows and prepared statements (tests whose database rolls back
    and reuses ids)."""
    _bidders.clear()
    _contexts.clear()


def _bidder(auction: Auction, *, org_id: int) -> Bidder | None:
    key = (auction.pk, org_id)
    known = _bidders.get(key, _UNSET)  # one read: another bid thread may clear the dict
    if known is not _UNSET:
        return known
    bidder = Bidder.objects.filter(auction=auction, organisation_id=org_id).select_related("organisation").first()
    if len(_bidders) >= _BIDDERS_MAX:
        _bidders.clear()
    _bidders[key] = bidder
    return bidder


def _judge(auction: Auction, *, org_id: int, amount, now: datetime,
           eligible: bool) -> tuple[str, str, Bidder | None, Decimal | None]:
    """Every rule of a bid, under the auction's row lock. `eligible`: the firm's
    eligibility (entry, qualification, exclusion, credit) as read under the lock by
    `_bid_context`. Returns (code, message, bidder, amount); code "" means accepted."""
    if auction.status != Auction.Status.LIVE or now >= auction.ends_at:
        key = "not_live_scheduled" if auction.status == Auction.Status.SCHEDULED else "not_live_over"
        return "not_live", MESSAGES[key], None, None
    bidder = _bidder(auction, org_id=org_id)
    if bidder is None:
        return "not_eligible", MESSAGES["not_eligible"], None, None
    if not eligible or not bidder.organisation.is_intermediary:
        # The reason, read afresh (the refusal path only).
        verdict = firm_eligibility(organisation=bidder.organisation, request=auction.request, at=now)
        if not verdict.ok:
            code = "restricted" if verdict.code == "restricted" else "not_eligible"
            return code, f"您单位当前不能出价：{verdict.message}", bidder, None
    value = _parse_amount(amount)
    if value is None:
        return "invalid", MESSAGES["invalid_amount"], bidder, None
    if value > auction.ceiling:
        return "above_ceiling", f"报价不得高于最高限价 {money_text(auction.ceiling)}。", bidder, value
    if auction.best_amount is not None and value > auction.best_amount - auction.min_step:
        limit = auction.best_amount - auction.min_step
        return ("step_too_small",
                f"报价须比当前最低价 {money_text(auction.best_amount)}至少低 {money_text(auction.min_step)}，"
                f"即不高于 {money_text(limit)}。", bidder, value)
    if auction.floor is not None and value < auction.floor:
        return ("below_floor", f"报价不得低于 {money_text(auction.floor)}（最低限价或异常低价线）。", bidder, value)
    return "", "", bidder, value


def _attempt_allowed(*, auction_id: int, org_id: int, now: datetime) -> tuple[bool, int]:
    """Count this bid attempt of the firm in the auction — accepted or refused alike — and
    say whether it is within the rule `auction_max_bids_per_second` for the current second.
    The counter lives in the cache (Redis when several processes serve sockets), so a
    flood of refused bids costs neither a lock nor a row."""
    limit = rule_int("auction_max_bids_per_second")
    return _attempt_count(f"bid-attempts:{auction_id}:{org_id}:{int(now.timestamp())}") <= limit, limit


def _attempt_count(key: str) -> int:
    """Add one to the counter `key` (kept 5 s) and return it: one round trip on Redis."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full = backend.make_and_validate_key(key)
        # Django's Redis backend has no increment-or-create: its client's pipeline does it in
        # one trip (INCR creates the key at 1) where add + incr took two.
        pipe = backend._cache.get_client(full, write=True).pipeline(transaction=False)
        pipe.incr(full)
        pipe.expire(full, 5)
        return pipe.execute()[0]
    cache.add(key, 0, timeout=5)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=5)
        return 1


def _context_query(*, auction: Auction, org_id: int, cid: uuid.UUID, now: datetime):
    from django.db.models import Subquery

    mine = {"auction_id": auction.pk, "organisation_id": org_id, "client_id": cid}
    return Auction.objects.filter(pk=auction.pk).annotate(
        prior_seq=Subquery(Bid.objects.filter(**mine).values("seq")[:1]),
        prior_code=Subquery(BidRejection.objects.filter(**mine).values("code")[:1]),
        prior_message=Subquery(BidRejection.objects.filter(**mine).values("message")[:1]),
        eligible=firm_eligibility_expression(organisation_id=org_id, request=auction.request, at=now),
    ).values_list("prior_seq", "prior_code", "prior_message", "eligible")


# The bid context's statement per auction, compiled once per process (`core.prepared`);
# None where it could not be prepared (the ORM builds it at every bid instead).
_contexts: dict[tuple, PreparedQuery | None] = {}
_CONTEXT_SAMPLES = (
    {"org_id": -1, "cid": uuid.UUID(int=1), "now": datetime(2001, 1, 1, 4, tzinfo=UTC)},
    {"org_id": -2, "cid": uuid.UUID(int=2), "now": datetime(2002, 2, 2, 4, tzinfo=UTC)},
)


def _context_prepared(auction: Auction) -> PreparedQuery | None:
    # Keyed by everything the eligibility expression writes into the SQL as a constant: the
    # request (its exclusions) and the item's qualification and minimum grade.
    item = auction.request.service_item
    qtype = item.qualification_type
    key = (connection.alias, auction.pk, auction.request_id, item.qualification_type_id, item.min_grade,
           tuple(qtype.grades) if qtype is not None else None)
    # Read once into a local: another bid thread may clear the dict meanwhile.
    prepared = _contexts.get(key, _UNSET)
    if prepared is _UNSET:
        if len(_contexts) >= 1000:  # live auctions of a process: far fewer
            _contexts.clear()
        prepared = _contexts[key] = query_prepare(
            lambda **inputs: _context_query(auction=auction, **inputs), _CONTEXT_SAMPLES)
    return prepared


def _bid_context(*, auction: Auction, org_id: int, cid: uuid.UUID, raw_id, now: datetime) -> tuple[BidAnswer | None, bool]:
    """In one statement, under the auction's lock: the answer already given to this firm's
    bid `cid` (if any) and whether the firm is eligible at `now` (entry, qualification,
    exclusion, credit: `firm_eligibility_expression`). Read afresh at every bid, never
    cached (only the statement's text is), so a credit event committed before the bid takes
    effect at once, whichever process issued it."""
    prepared = _context_prepared(auction)
    if prepared is not None:
        seq, code, message, eligible = prepared.rows(org_id=org_id, cid=cid, now=now)[0]
    else:
        seq, code, message, eligible = _context_query(auction=auction, org_id=org_id, cid=cid, now=now).get()
    eligible = bool(eligible)
    if seq is not None:
        return BidAnswer(True, raw_id, seq=seq), eligible
    if code is not None:
        return _reject(raw_id, code, message), eligible
    return None, eligible


def _first_answer(*, auction_id: int, org_id: int, cid: uuid.UUID, raw_id) -> BidAnswer | None:
    """The answer already given to this firm's bid `cid` in this auction, if any."""
    seq = Bid.objects.filter(auction_id=auction_id, organisation_id=org_id, client_id=cid).values_list(
        "seq", flat=True).first()
    if seq is not None:
        return BidAnswer(True, raw_id, seq=seq)
    prior = BidRejection.objects.filter(auction_id=auction_id, organisation_id=org_id, client_id=cid).values_list(
        "code", "message").first()
    return None if prior is None else _reject(raw_id, *prior)


def bid_place(*, auction_id: int, user, amount, client_id) -> BidAnswer:
    """Place one bid (one short transaction) and return its answer.

    First, before any lock: every attempt of the firm, accepted or refused, counts against
    `auction_max_bids_per_second`; past it the attempt is refused (`rate_limited`, not
    stored, so the same `client_id` may be sent again later) unless it repeats a bid already
    answered. Then under the auction's row lock: a repeated `client_id` gets its first
    answer; the auction is started/closed if due; then, in this order, the rules: live and
    before `ends_at` (`not_live`); the firm has an alias (signed up in this round) and is
    eligible now (`restricted` for a credit restriction, else `not_eligible`); a valid
    amount (`invalid`); at or below the ceiling (`above_ceiling`); at least `min_step` below
    the best (`step_too_small`); not below the floor or the abnormally-low line
    (`below_floor`).
    An accepted bid gets the next `seq`, becomes the best, raises the version, moves the end
    to `extension_seconds` after it when it falls in the last `extension_seconds`, and is
    appended to the request's chain. Returns after commit; broadcasts after commit.
    Never raises for a refused bid.
    """
    raw_id = None if client_id is None else str(client_id)[:64]
    cid = _parse_client_id(client_id)
    if cid is None:
        return _reject(raw_id, "invalid", MESSAGES["invalid_client_id"])
    org_id = getattr(user, "organisation_id", None) if getattr(user, "is_authenticated", False) else None
    if not org_id:
        return _reject(raw_id, "not_eligible", MESSAGES["no_firm"])
    now = timezone.now()
    allowed, limit = _attempt_allowed(auction_id=auction_id, org_id=org_id, now=now)
    if not allowed:
        # A repeat of an answered bid still gets its first answer; anything else waits.
        first = _first_answer(auction_id=auction_id, org_id=org_id, cid=cid, raw_id=raw_id)
        return first or _reject(raw_id, "rate_limited", f"出价过于频繁：每秒最多出价{limit}次，请稍后再试。")
    with transaction.atomic():
        auction = lock_rows(Auction.objects.filter(pk=auction_id)).first()
        if auction is None:
            return _reject(raw_id, "invalid", "竞价不存在。")
        # The request (its chain, its item's qualification) locked after the auction, in
        # the order every writer of both takes them; one plain statement each instead of
        # one joining four tables and building four objects.
        req = _lock_request(auction)
        auction.request = req
        now = timezone.now()  # after the lock: the bid's time is its place in the order
        first, eligible = _bid_context(auction=auction, org_id=org_id, cid=cid, raw_id=raw_id, now=now)
        if first is not None:
            return first
        events = _advance(auction, now)
        code, message, bidder, value = _judge(auction, org_id=org_id, amount=amount, now=now, eligible=eligible)
        if code:
            BidRejection.objects.create(auction=auction, organisation_id=org_id, client_id=cid, code=code,
                                        message=message[:200], at=now)
            _broadcast(auction.pk, events)
            return _reject(raw_id, code, message)
        seq = auction.bid_count + 1
        bid = Bid.objects.create(auction=auction, seq=seq, bidder=bidder, organisation_id=org_id, user=user,
                                 amount=value, client_id=cid, at=now)
        extended = auction.ends_at - now < timedelta(seconds=auction.extension_seconds)
        if extended:
            auction.ends_at = now + timedelta(seconds=auction.extension_seconds)
        auction.bid_count = seq
        auction.best_amount = value
        auction.best_bid = bid
        auction.version += 1
        auction.save(update_fields=["bid_count", "best_amount", "best_bid", "version", "ends_at"])
        record_append(
            chain=request_chain(req), kind="bid", reason=f"{bidder.alias}报价{money_text(value)}",
            data={"auction": auction.pk, "seq": seq, "alias": bidder.alias, "amount": money(value),
                  "firm": bidder.organisation.uscc, "user": user.pk, "client_id": str(cid),
                  "extended_to": auction.ends_at if extended else None},
        )
        events.append({"type": "bid", "version": auction.version, "seq": seq, "alias": bidder.alias,
                       "amount": money(value), "at": iso(now), "ends_at": iso(auction.ends_at)})
        _broadcast(auction.pk, events)
    return BidAnswer(True, raw_id, seq=seq, events=events)


def auction_refresh(*, request: ServiceRequest, now: datetime | None = None) -> bool:
    """The lazy check from a page read: advance the current round's auction if it is due.
    Returns whether anything was due."""
    now = now or timezone.now()
    auction = Auction.objects.filter(request=request, round=request.publish_count).only(
        "pk", "status", "starts_at", "ends_at").first()
    if auction is None or not auction_is_due(auction, now):
        return False
    auction_advance(auction_id=auction.pk, now=now)
    return True


def auction_due_for(*, request: ServiceRequest, now: datetime) -> bool:
    """Whether the auction of the request's current round must start or close now (one query)."""
    auction = Auction.objects.filter(request=request, round=request.publish_count).only(
        "pk", "status", "starts_at", "ends_at").first()
    return auction is not None and auction_is_due(auction, now)


def auction_is_due(auction: Auction, now: datetime) -> bool:
    return (auction.status == Auction.Status.SCHEDULED and now >= auction.starts_at) or (
        auction.status == Auction.Status.LIVE and now >= auction.ends_at
    )
