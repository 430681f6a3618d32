"""Audit records as rows a person reads: who, when (Beijing time), what, from which state to
which, why, and the documents — in Chinese, never an internal code.

The audit app knows nothing of the apps above it. Each app registers, from its
`AppConfig.ready()`, the chains it writes (by the chain name's prefix, `request` for
`request:<code>`, or by a whole chain name such as `credit:sanctions`): a title, a Chinese
label per record kind, its state labels, and optionally a one-line detail per kind built
from the record's data. Several apps may add kinds to one prefix (market and bidding both
write to `request:` chains). Documents are found in the data by their SHA-256 (any key
ending in `sha256`) and named by the resolvers registered with
`timeline_documents_register`.

A kind or state nobody registered is shown as "其他记录" / "—", never as its code;
`tests/audit/test_timeline.py` checks every kind written in the code is registered.
"""

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured

from audit.models import AuditRecord

BEIJING = ZoneInfo("Asia/Shanghai")
SYSTEM = "system"
UNKNOWN_KIND = "其他记录"

# A label is a string, or a function of the record (for kinds whose meaning depends on
# the data, such as a request's `transition`) that returns one.
Label = str | Callable[[AuditRecord], str]
Detail = Callable[[AuditRecord], str]


@dataclass(frozen=True)
class DocumentRef:
    name: str
    sha256: str
    url: str = ""


@dataclass
class _Chain:
    title: str = ""
    kinds: dict[str, Label] = field(default_factory=dict)
    states: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Detail] = field(default_factory=dict)
    reasons: dict[str, Detail] = field(default_factory=dict)


_CHAINS: dict[str, _Chain] = {}
_DOCUMENT_RESOLVERS: list[Callable[[Collection[str]], Mapping[str, DocumentRef]]] = []


def _merge(target: dict, new: Mapping, what: str, prefix: str) -> None:
    for key, value in new.items():
        if key in target and target[key] != value:
            raise ImproperlyConfigured(f"audit timeline: {what} {key!r} of {prefix!r} registered twice differently")
        target[key] = value


def timeline_register(
    *,
    prefix: str,
    title: str = "",
    kinds: Mapping[str, Label] | None = None,
    states: Mapping[str, Any] | None = None,
    details: Mapping[str, Detail] | None = None,
    reasons: Mapping[str, Detail] | None = None,
) -> None:
    """Register how the records of the chains named `prefix:…` (or the chain named exactly
    `prefix`) read: `kinds` {kind: label}, `states` {state: label}, `details` {kind: record →
    one line from its data}, `reasons` {kind: record → the reason to show} for kinds whose
    stored reason is not prose. Call from `AppConfig.ready()`; registering the same thing
    again is a no-op, a different label for a registered kind or state is an error."""
    entry = _CHAINS.setdefault(prefix, _Chain())
    if title:
        if entry.title and entry.title != title:
            raise ImproperlyConfigured(f"audit timeline: title of {prefix!r} registered twice differently")
        entry.title = title
    _merge(entry.kinds, kinds or {}, "kind", prefix)
    _merge(entry.states, states or {}, "state", prefix)
    _merge(entry.details, details or {}, "detail", prefix)
    _merge(entry.reasons, reasons or {}, "reason", prefix)


def timeline_documents_register(resolver: Callable[[Collection[str]], Mapping[str, DocumentRef]]) -> None:
    """Register a function that names documents: given SHA-256 values, it returns the
    ones it knows as {sha256: DocumentRef}. Registering the same function twice is a no-op."""
    if resolver not in _DOCUMENT_RESOLVERS:
        _DOCUMENT_RESOLVERS.append(resolver)


def _lookup(chain: str) -> list[_Chain]:
    """The registrations that apply to `chain`: its exact name first, then its prefix."""
    found = [_CHAINS[chain]] if chain in _CHAINS else []
    prefix = chain.split(":", 1)[0]
    if prefix != chain and prefix in _CHAINS:
        found.append(_CHAINS[prefix])
    return found


def chain_title(chain: str) -> str:
    """What a chain is about, in Chinese (e.g. 采购项目), or "" if nobody registered it."""
    return next((c.title for c in _lookup(chain) if c.title), "")


def kind_registered(chain: str, kind: str) -> bool:
    return any(kind in c.kinds for c in _lookup(chain))


# ---------------------------------------------------------------------------------------
# Formatting


def beijing(at: datetime) -> datetime:
    return at.astimezone(BEIJING)


def format_datetime(at: datetime | None) -> str:
    """`2026年12月3日 14:30`, Beijing time."""
    if at is None:
        return ""
    local = beijing(at)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def format_date(day: date | datetime | str | None) -> str:
    """`2026年12月3日` (a datetime is taken in Beijing time; an ISO string is parsed)."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        try:
            day = datetime.fromisoformat(day) if "T" in day else date.fromisoformat(day)
        except ValueError:
            return ""
    if isinstance(day, datetime):
        day = beijing(day) if day.tzinfo else day
        day = day.date()
    return f"{day.year}年{day.month}月{day.day}日"


def format_amount(value: Any) -> str:
    """`80,000.00 元` from a number or a decimal string; "" if it is not a number."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f} 元"
    except (InvalidOperation, ValueError):
        return ""


def format_actor(label: str) -> str:
    """The stored actor label (`name@organisation`, or `system`) for a reader."""
    if not label or label == SYSTEM:
        return "系统自动"
    name, sep, org = label.rpartition("@")
    return f"{name}（{org}）" if sep and name and org else label


# ---------------------------------------------------------------------------------------
# Rows


@dataclass(frozen=True)
class TimelineRow:
    seq: int
    at: datetime
    when: str
    actor: str
    action: str
    from_state: str
    to_state: str
    reason: str
    detail: str
    documents: tuple[DocumentRef, ...]
    hash: str

    @property
    def change(self) -> str:
        """`报名中 → 选取中`, `— → 草稿`, or "" when the state did not change."""
        if not (self.from_state or self.to_state) or self.from_state == self.to_state:
            return ""
        return f"{self.from_state or '—'} → {self.to_state or '—'}"


def _hashes(data: Any) -> list[str]:
    """SHA-256 values under keys ending in `sha256`, anywhere in the data."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and key.endswith("sha256") and isinstance(value, str) and len(value) == 64:
                found.append(value)
            elif isinstance(value, (dict, list)):
                found.extend(_hashes(value))
    elif isinstance(data, list):
        for value in data:
            found.extend(_hashes(value))
    return found


def _resolve(hashes: set[str]) -> dict[str, DocumentRef]:
    known: dict[str, DocumentRef] = {}
    for resolver in _DOCUMENT_RESOLVERS:
        missing = hashes - set(known)
        if not missing:
            break
        known.update(resolver(missing))
    return known


def _state(entries: list[_Chain], code: str) -> str:
    if not code:
        return ""
    for entry in entries:
        if code in entry.states:
            return str(entry.states[code])
    return "—"


def _action(entries: list[_Chain], rec: AuditRecord) -> str:
    for entry in entries:
        label = entry.kinds.get(rec.kind)
        if label is not None:
            text = label(rec) if callable(label) else label
            return str(text) if text else UNKNOWN_KIND
    return UNKNOWN_KIND


def _detail(entries: list[_Chain], rec: AuditRecord, which: str = "details") -> str:
    for entry in entries:
        describe = getattr(entry, which).get(rec.kind)
        if describe is not None:
            try:
                return str(describe(rec) or "")
            except (KeyError, TypeError, ValueError, AttributeError):
                return ""  # data of an older shape: show the record without its detail
    return rec.reason if which == "reasons" else ""


def timeline_rows(*, chain: str, records: Iterable[AuditRecord] | None = None) -> list[TimelineRow]:
    """The records of `chain` (or the given records of it, e.g. one credit event's) as
    display rows, oldest first. Two queries whatever the length: the records, and the
    documents named in them."""
    recs = list(records) if records is not None else list(AuditRecord.objects.filter(chain=chain).order_by("seq"))
    entries = _lookup(chain)
    per_record = [_hashes(rec.data) for rec in recs]
    documents = _resolve({h for hashes in per_record for h in hashes}) if any(per_record) else {}
    rows = []
    for rec, hashes in zip(recs, per_record):
        refs = tuple(documents.get(h) or DocumentRef(name="文件", sha256=h) for h in dict.fromkeys(hashes))
        rows.append(TimelineRow(
            seq=rec.seq, at=rec.at, when=format_datetime(rec.at), actor=format_actor(rec.actor_label),
            action=_action(entries, rec), from_state=_state(entries, rec.from_state),
            to_state=_state(entries, rec.to_state), reason=_detail(entries, rec, "reasons"),
            detail=_detail(entries, rec),
            documents=refs, hash=rec.hash,
        ))
    return rows
