"""Writes of comparison selection (询比选取), the fourth selection method.

- Criteria (`comparison_criteria_set`): the owner sets them on the draft — price weight,
  the price formula, quality items (judged by the panel, or the firm's credit score) whose
  weights add up to 100, and the panel (users of the owner's organisation; none: the
  owner's users score as one). Publication refuses a comparison request without valid
  criteria (`criteria_publish_errors`) and freezes them (`comparison_criteria_freeze`,
  recorded with the publication).
- Quotes (`comparison_quote_submit`): a registrant submits a quote and a response document
  before the sign-up deadline (also the quote deadline) and may replace them until then.
  Both are sealed (`bidding.seal`); the firm is shown the canonical quote text and the
  SHA-256 of it and of the document.
- Opening (`comparison_open`) at the selection time, lazily for the request shown or by the
  beat: too few quotes (the method's minimum) fails the request with nothing opened;
  otherwise every quote is decrypted, checked against its SHA-256 and published with price
  (and credit) points. With judged items the panel scores by the rule's deadline
  (`comparison_score_submit`, a written reason per score); then (or at once without judged
  items) the ranking goes to `request_select`. A deadline passed without every sheet fails
  the request (`comparison_lapse`).

Every step is appended to the audit chain `comparison:<request code>`, which holds only
digests until the opening; selection, failure and everything after go through the
lifecycle's own services.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_UP, Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Organisation, User
from accounts.services import notification_push, upload_check
from audit.services import record_append
from bidding import comparison as calc
from bidding import seal
from bidding.methods import COMPARISON
from bidding.models import (
    ComparisonCriteria,
    ComparisonItem,
    ComparisonOpening,
    ComparisonPanelist,
    ComparisonQuote,
    ComparisonScore,
)
from bidding.selectors_comparison import (
    comparison_chain,
    comparison_may_score,
    comparison_scorers,
    criteria_of,
)
from core.calendar import workday_due
from core.exceptions import (
    InvalidState,
    NotAllowed,
    NotEligible,
    NotFound,
    ValidationFailed,
    field_error,
)
from core.format import money, when
from core.locking import lock_rows
from core.rules import rule_int, rule_text, rule_value
from core.text import money_clean, text_clean
from credit.models import CreditScore
from credit.selectors import credit_score_compute
from market.lifecycle import S
from market.models import ServiceRequest, SignUp
from market.selection import method_get
from market.selectors import firm_eligibility
from market.services_requests import request_fail, request_select

ITEMS_MAX = 8
PANEL_MAX = 9
ITEM_NAME_MAX = 60
GUIDANCE_MAX = 500
REASON_MAX = 500
DUE_BATCH = 200
DOCUMENT_FIELD = "document"


def _lock(request_id: int) -> ServiceRequest:
    req = lock_rows(
        ServiceRequest.objects.select_related("owner", "service_item", "service_item__qualification_type")
        .filter(pk=request_id)
    ).first()
    if req is None or req.method != COMPARISON:
        raise NotFound("没有这个询比项目。")
    return req


# ---------------------------------------------------------------------------------------
# Criteria (评审标准)


@dataclass(frozen=True)
class ItemInput:
    """One quality item as the owner enters it."""

    name: str
    weight: object
    kind: str = ComparisonItem.Kind.JUDGED
    guidance: str = ""


def criteria_clean(*, price_weight, items: list[ItemInput], formula: str) -> tuple[int, list[dict]]:
    """Bound the criteria: a whole price weight 1–100, at most `ITEMS_MAX` items (each named,
    a whole weight 1–99, judged or credit, at most one credit item), weights adding up to
    exactly 100, a known formula. Raises ValidationFailed with every field's errors."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    weight = _whole(price_weight)
    if weight is None or not 1 <= weight <= 100:
        add("price_weight", "价格分权重应为1至100之间的整数。")
    if formula not in ComparisonCriteria.Formula.values:
        add("formula", "请选择价格分计算方法。")
    if len(items) > ITEMS_MAX:
        add("items", f"评审因素不能超过{ITEMS_MAX}项。")
    cleaned: list[dict] = []
    for position, item in enumerate(items[:ITEMS_MAX], 1):
        try:
            name = text_clean(item.name, field=f"item-{position}-name", label="评审因素名称",
                              max_length=ITEM_NAME_MAX, required=True, multiline=False)
            guidance = text_clean(item.guidance, field=f"item-{position}-guidance", label="评分标准",
                                  max_length=GUIDANCE_MAX)
        except ValidationFailed as exc:
            for field, messages in exc.errors.items():
                errors.setdefault(field, []).extend(messages)
            continue
        item_weight = _whole(item.weight)
        if item_weight is None or not 1 <= item_weight <= 99:
            add(f"item-{position}-weight", f"“{name}”的权重应为1至99之间的整数。")
        if item.kind not in ComparisonItem.Kind.values:
            add(f"item-{position}-kind", f"请选择“{name}”的计分方式。")
        cleaned.append({"position": position, "name": name, "weight": item_weight or 0, "kind": item.kind,
                        "guidance": guidance})
    if sum(1 for item in cleaned if item["kind"] == ComparisonItem.Kind.CREDIT) > 1:
        add("items", "信用评分只能作为一项评审因素。")
    names = [item["name"] for item in cleaned]
    if len(set(names)) != len(names):
        add("items", "评审因素名称不能重复。")
    if weight is not None and not errors:
        total = weight + sum(item["weight"] for item in cleaned)
        if total != 100:
            add("items", f"价格分权重与各评审因素权重之和应为100，当前为{total}。")
    if errors:
        raise ValidationFailed("评审标准不符合要求，请按提示修改。", errors=errors)
    return weight, cleaned


def _whole(value) -> int | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not number.is_finite() or number != number.to_integral_value() or abs(number) > 1000:
        return None
    return int(number)


def comparison_criteria_set(*, request_id: int, user, price_weight, items: list[ItemInput], panel: list[int],
                            formula: str = ComparisonCriteria.Formula.LOWEST_PRICE) -> ComparisonCriteria:
    """Set the criteria of the owner's comparison draft (replacing any set before), and
    the panel: `panel` are ids of users of the owner's organisation (at most `PANEL_MAX`;
    empty: the owner's users score as one). Audited in the comparison chain.

    Raises NotAllowed for another owner, InvalidState once the request is published (the
    criteria are frozen with the announcement), ValidationFailed for bad criteria.
    """
    weight, cleaned = criteria_clean(price_weight=price_weight, items=items, formula=formula)
    panel_ids = sorted(set(panel))
    with transaction.atomic():
        req = _lock(request_id)
        if user.organisation_id is None or req.owner_id != user.organisation_id:
            raise NotAllowed("只有项目业主可以设置评审标准。")
        if req.status != S.DRAFT:
            raise InvalidState("评审标准已随采购公告发布，不能再修改。")
        if len(panel_ids) > PANEL_MAX:
            raise field_error("panel", f"评审小组不能超过{PANEL_MAX}人。")
        members = list(User.objects.filter(pk__in=panel_ids, organisation_id=req.owner_id, is_active=True))
        if len(members) != len(panel_ids):
            raise field_error("panel", "评审小组成员须为本单位的有效用户。")
        now = timezone.now()
        criteria = ComparisonCriteria.objects.filter(request=req).first()
        if criteria is None:
            criteria = ComparisonCriteria(request=req)
        criteria.price_weight, criteria.formula = weight, formula
        criteria.updated_at, criteria.updated_by = now, user
        criteria.save()
        criteria.items.all().delete()
        ComparisonItem.objects.bulk_create([ComparisonItem(criteria=criteria, **item) for item in cleaned])
        criteria.panel.all().delete()
        ComparisonPanelist.objects.bulk_create([ComparisonPanelist(criteria=criteria, user=m) for m in members])
        record_append(chain=comparison_chain(req), kind="criteria", actor=user,
                      data={**criteria_public(criteria_of(request=req)), "panel": [m.username for m in members]})
    return criteria_of(request=req)


def criteria_public(criteria: ComparisonCriteria) -> dict:
    """The criteria as published with the announcement (and recorded at publication)."""
    return {
        "price_weight": criteria.price_weight,
        "formula": criteria.formula,
        "formula_text": calc.FORMULA_TEXT[criteria.formula],
        "items": [{"position": i.position, "name": i.name, "kind": i.kind, "weight": i.weight,
                   "guidance": i.guidance} for i in criteria.items.all()],
        "panel_size": len(criteria.panel.all()),
    }


def criteria_publish_errors(request: ServiceRequest) -> dict[str, list[str]]:
    """Why a comparison request may not be published: no criteria, or criteria whose
    weights do not add up to 100 (the "method" field of the owner's form)."""
    criteria = criteria_of(request=request) if request.pk else None
    if criteria is None:
        return {"method": ["询比选取须先设置评审标准（价格分与各评审因素权重之和为100），请在采购需求页面点击“设置评审标准”。"]}
    total = criteria.price_weight + sum(i.weight for i in criteria.items.all())
    if total != 100:
        return {"method": [f"询比评审标准的权重之和应为100，当前为{total}，请修改评审标准。"]}
    return {}


def comparison_criteria_freeze(*, request: ServiceRequest, now: datetime) -> dict:
    """Freeze the criteria as the request is published (under its lock; each round keeps
    the criteria of the first publication). Returns what the publication record holds."""
    criteria = criteria_of(request=request)
    if criteria.frozen_at is None:
        ComparisonCriteria.objects.filter(pk=criteria.pk).update(frozen_at=now)
    public = criteria_public(criteria)
    canonical = json.dumps(public, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {"criteria": public, "criteria_hash": seal.sha256_text(canonical)}


# ---------------------------------------------------------------------------------------
# Quotes (密封报价)


@dataclass(frozen=True)
class QuoteReceipt:
    """What the firm is shown once, when it submits: the exact text whose SHA-256 it gets."""

    request_code: str
    round: int
    amount: Decimal
    text: str
    quote_sha256: str
    document_name: str
    document_size: int
    document_sha256: str
    submitted_at: datetime
    submissions: int


def quote_floor(request: ServiceRequest) -> Decimal | None:
    """The lowest acceptable quote: the request's floor, or the abnormally-low line (the
    rule's share of the ceiling) unless the owner allows abnormally low quotes."""
    floor = request.floor
    if not request.allow_abnormally_low:
        line = (request.ceiling * rule_value("abnormally_low_percent") / 100).quantize(calc.CENT, rounding=ROUND_UP)
        floor = max(floor or Decimal(0), line)
    return floor


def comparison_quote_submit(*, request_id: int, user, amount, document: UploadedFile | None) -> QuoteReceipt:
    """Submit (or replace) the user's firm's sealed quote and response document.

    Under the request's lock: the request is a published comparison whose sign-up (and
    quote) deadline has not passed, the firm signed up in this round and is eligible now,
    and the amount lies between the floor (or the abnormally-low line) and the ceiling.
    The amount, a fresh salt and the document's name are sealed; the document is stored
    encrypted; the chain records the two SHA-256 only. Raises ValidationFailed (fields
    "amount", "document"), NotAllowed, NotEligible, InvalidState.
    """
    org = user.organisation
    if org is None or not org.is_intermediary:
        raise NotAllowed("只有中介机构可以递交报价。")
    amount = money_clean(amount, field="amount", label="报价")
    if document is None:
        raise field_error(DOCUMENT_FIELD, "请上传响应文件。")
    try:
        _ext, document_sha256 = upload_check(upload=document)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, errors={DOCUMENT_FIELD: exc.errors.get("file", [exc.message])}) from None
    content = document.read()
    document.seek(0)
    name = (document.name or "file")[:200]
    with transaction.atomic():
        req = _lock(request_id)
        if req.status == S.DRAFT:
            raise NotFound("没有这个询比项目。")
        now = timezone.now()
        if req.status != S.PUBLISHED or req.signup_deadline is None or now >= req.signup_deadline:
            raise InvalidState("报价已截止（报价截止时间即报名截止时间）。")
        if not SignUp.objects.filter(request=req, organisation=org, round=req.publish_count).exists():
            raise NotAllowed("请先报名本项目，再递交报价。")
        verdict = firm_eligibility(organisation=org, request=req, at=now)
        if not verdict.ok:
            raise NotEligible(verdict.message, code=verdict.code)
        if amount > req.ceiling:
            raise field_error("amount", f"报价不得高于最高限价 {money(req.ceiling)}。")
        floor = quote_floor(req)
        if floor is not None and amount < floor:
            raise field_error("amount", f"报价不得低于 {money(floor)}（最低限价或异常低价线）。")
        salt = seal.salt_new()
        text = seal.quote_text(request_code=req.code, round=req.publish_count, firm_code=org.uscc, amount=amount,
                               document_sha256=document_sha256, salt=salt)
        quote_sha256 = seal.sha256_text(text)
        sealed = seal.seal(json.dumps({"amount": f"{amount:.2f}", "salt": salt, "document_name": name,
                                       "content_type": (document.content_type or "")[:100]}).encode())
        quote = lock_rows(ComparisonQuote.objects.filter(request=req, round=req.publish_count, organisation=org)).first()
        old_file = ""
        if quote is None:
            quote = ComparisonQuote(request=req, round=req.publish_count, organisation=org, submissions=0)
        else:
            old_file = quote.document_sealed.name
        quote.submitted_by, quote.submitted_at, quote.submissions = user, now, quote.submissions + 1
        quote.sealed, quote.quote_sha256 = sealed.decode("ascii"), quote_sha256
        quote.document_size, quote.document_sha256 = len(content), document_sha256
        quote.document_sealed.save(f"{uuid.uuid4().hex}.sealed", ContentFile(seal.seal(content)), save=False)
        quote.save()
        if old_file:
            storage = quote.document_sealed.storage
            transaction.on_commit(lambda: storage.delete(old_file))
        record_append(chain=comparison_chain(req), kind="quote", actor=user,
                      data={"uscc": org.uscc, "round": req.publish_count, "submission": quote.submissions,
                            "quote_hash": quote_sha256, "document_sha256": document_sha256,
                            "document_size": len(content)})
    return QuoteReceipt(request_code=req.code, round=quote.round, amount=amount, text=text, quote_sha256=quote_sha256,
                        document_name=name, document_size=len(content), document_sha256=document_sha256,
                        submitted_at=now, submissions=quote.submissions)


# ---------------------------------------------------------------------------------------
# Opening (开标)


def _opening(req: ServiceRequest, *, lock: bool = False) -> ComparisonOpening | None:
    qs = ComparisonOpening.objects.filter(request=req, round=req.publish_count)
    return (lock_rows(qs) if lock else qs).first()


def _credit_score(org: Organisation) -> Decimal:
    """The firm's published credit score (the stored snapshot; computed when it has none)."""
    stored = CreditScore.objects.filter(organisation=org).values_list("score", flat=True).first()
    return stored if stored is not None else credit_score_compute(organisation_id=org.pk).score


def _reveal(req: ServiceRequest, quote: ComparisonQuote, now: datetime) -> str:
    """Decrypt `quote` into its public columns; "" when it checks, else why it does not."""
    try:
        payload = json.loads(seal.unseal(quote.sealed.encode("ascii")))
        with quote.document_sealed.open("rb") as handle:
            document = seal.unseal(handle.read())
    except (seal.SealBroken, OSError, ValueError):
        return "密封数据无法解密"
    amount = Decimal(payload["amount"])
    text = seal.quote_text(request_code=req.code, round=quote.round, firm_code=quote.organisation.uscc, amount=amount,
                           document_sha256=quote.document_sha256, salt=payload["salt"])
    quote.amount, quote.salt, quote.opened_at = amount, payload["salt"], now
    quote.document_name, quote.document_content_type = payload["document_name"], payload["content_type"]
    quote.save(update_fields=["amount", "salt", "opened_at", "document_name", "document_content_type"])
    if seal.sha256_text(text) != quote.quote_sha256:
        return "报价与递交时的 SHA-256 不符"
    if seal.sha256_bytes(document) != quote.document_sha256:
        return "响应文件与递交时的 SHA-256 不符"
    return ""


def comparison_open(*, request_id: int, now: datetime | None = None) -> ComparisonOpening | None:
    """Open the quotes of a due comparison (selecting, selection time passed); at most once
    per request and round (an existing opening is returned as it is).

    Fewer quotes than the method's minimum: nothing is decrypted, the opening is `void` and
    the request fails (流标). Otherwise every quote is decrypted and checked against the
    SHA-256 the firm was shown (a quote that fails is listed, unranked, with the reason),
    price and credit points are computed and published in `record`, and the panel has
    until `scoring_due` (the rule `comparison_scoring_workdays`); without judged items the
    ranking is selected at once. None for a request that is not a due comparison.
    """
    now = now or timezone.now()
    with transaction.atomic():
        req = lock_rows(ServiceRequest.objects.select_related("owner", "service_item").filter(pk=request_id)).first()
        if req is None:
            return None
        existing = _opening(req)
        if existing is not None:
            return existing
        if not (req.status == S.SELECTING and req.method == COMPARISON and req.selection_at is not None
                and req.selection_at <= now):
            return None
        criteria = criteria_of(request=req)
        quotes = list(ComparisonQuote.objects.filter(request=req, round=req.publish_count)
                      .select_related("organisation").order_by("submitted_at", "pk"))
        minimum = method_get(COMPARISON).minimum(req)
        opening = ComparisonOpening.objects.create(request=req, round=req.publish_count, opened_at=now,
                                                   record={"quotes": len(quotes), "minimum": minimum})
        if len(quotes) < minimum:
            return _void(req, opening, now, f"递交报价的机构{len(quotes)}家，少于规定的{minimum}家，报价不予开启，"
                                            "本次采购失败（流标）。")
        problems = {quote.pk: _reveal(req, quote, now) for quote in quotes}
        valid = [q for q in quotes if not problems[q.pk]]
        if len(valid) < minimum:
            return _void(req, opening, now, f"有效报价{len(valid)}家，少于规定的{minimum}家，本次采购失败（流标）。")
        lowest = min(q.amount for q in valid)
        credit_item = next((i for i in criteria.items.all() if i.kind == ComparisonItem.Kind.CREDIT), None)
        rows = []
        for quote in quotes:
            row = {
                "quote_id": quote.pk, "code": quote.organisation.uscc, "name": quote.organisation.name,
                "amount": f"{quote.amount:.2f}" if quote.amount is not None else None,
                "submitted_at": quote.submitted_at.isoformat(), "submissions": quote.submissions,
                "salt": quote.salt, "quote_sha256": quote.quote_sha256, "document_sha256": quote.document_sha256,
                "document_size": quote.document_size, "valid": not problems[quote.pk], "problem": problems[quote.pk],
            }
            if row["valid"]:
                row["price_points"] = str(calc.price_points(formula=criteria.formula, weight=criteria.price_weight,
                                                            lowest=lowest, amount=quote.amount))
                if credit_item is not None:
                    score = _credit_score(quote.organisation)
                    row["credit_score"] = str(score)
                    row["credit_points"] = str(calc.credit_points(weight=credit_item.weight, score=score))
            rows.append(row)
        judged = [i for i in criteria.items.all() if i.kind == ComparisonItem.Kind.JUDGED]
        opening.record = {"recipe": seal.RECIPE, "criteria": criteria_public(criteria), "lowest": f"{lowest:.2f}",
                          "minimum": minimum, "quotes": rows}
        opening.scoring_due = workday_due(now, rule_int("comparison_scoring_workdays")) if judged else None
        opening.save(update_fields=["record", "scoring_due"])
        record_append(chain=comparison_chain(req), kind="opened", actor=None,
                      data={"round": req.publish_count, "lowest": f"{lowest:.2f}", "scoring_due": opening.scoring_due,
                            "quotes": [{"code": r["code"], "amount": r["amount"], "quote_hash": r["quote_sha256"],
                                        "document_sha256": r["document_sha256"], "salt": r["salt"],
                                        "price_points": r.get("price_points"), "credit_points": r.get("credit_points"),
                                        "problem": r["problem"]} for r in rows]})
        _notify_opened(req, quotes, opening)
        if not judged:
            _evaluate(req, opening, criteria, now=now, actor=None)
        return opening


def _void(req: ServiceRequest, opening: ComparisonOpening, now: datetime, reason: str) -> ComparisonOpening:
    opening.void(at=now)
    opening.save()
    record_append(chain=comparison_chain(req), kind="void", actor=None, reason=reason, data=opening.record)
    request_fail(request=req, reason=reason, now=now, data={"comparison": opening.record})
    return opening


def _notify_opened(req: ServiceRequest, quotes: list[ComparisonQuote], opening: ComparisonOpening) -> None:
    url = f"/requests/{req.code}/comparison/"
    if opening.scoring_due is not None:
        notification_push(organisation=req.owner, kind="comparison_opened", title=f"询比已开标，请评审：{req.title}",
                          body=f"请于 {when(opening.scoring_due)} 前对各评审因素逐项打分并说明理由。", url=url,
                          dedupe_key=f"comparison-opened:{opening.pk}:owner")
    for quote in quotes:
        notification_push(organisation=quote.organisation, kind="comparison_opened", title=f"询比已开标：{req.title}",
                          body="全部报价及其 SHA-256 已公开，可核对您单位递交时获得的哈希值。", url=url,
                          dedupe_key=f"comparison-opened:{opening.pk}:{quote.organisation_id}")


# ---------------------------------------------------------------------------------------
# Scoring (评审打分) and the result


def _sheets_done(opening: ComparisonOpening, criteria: ComparisonCriteria) -> bool:
    scored = set(opening.scores.values_list("scorer_id", flat=True).distinct())
    panel = comparison_scorers(criteria)
    return bool(scored) and (not panel or set(panel) <= scored)


def _points_clean(raw, *, field: str, item: ComparisonItem) -> Decimal:
    try:
        points = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise field_error(field, f"请填写“{item.name}”的得分。") from None
    if not points.is_finite() or points != points.quantize(calc.CENT):
        raise field_error(field, f"“{item.name}”的得分最多保留两位小数。")
    if not 0 <= points <= item.weight:
        raise field_error(field, f"“{item.name}”的得分应在0至{item.weight}分之间。")
    return points


def comparison_score_submit(*, request_id: int, user, sheet: dict[tuple[int, int], tuple[object, object]]
                            ) -> ComparisonOpening:
    """The user's score sheet: for every opened, valid quote and every judged item,
    `sheet[(quote id, item id)] = (points, reason)` — points between 0 and the item's
    weight (two decimals at most), a written reason each. Written at once and final.

    Once every panelist has scored (without a panel: the first sheet), the ranking is
    computed and `request_select` chooses the first eligible firm. Raises NotAllowed
    (not a scorer), InvalidState (not scoring, deadline passed, sheet already given),
    ValidationFailed with an error per field ("points-<quote>-<item>", "reason-…").
    """
    now = timezone.now()
    with transaction.atomic():
        req = _lock(request_id)
        opening = _opening(req, lock=True) if req.status == S.SELECTING else None
        if opening is None or opening.status != ComparisonOpening.Status.SCORING:
            raise InvalidState("该项目当前不在询比评审阶段。")
        criteria = criteria_of(request=req)
        if not comparison_may_score(request=req, criteria=criteria, user=user):
            raise NotAllowed("只有项目业主指定的评审人员可以评审打分。")
        if opening.scoring_due is not None and now > opening.scoring_due:
            raise InvalidState(f"评审期限（{when(opening.scoring_due)}）已过，不能再打分。")
        panel = comparison_scorers(criteria)
        given = opening.scores.filter(scorer=user) if panel else opening.scores.all()
        if given.exists():
            raise InvalidState("评分已提交，不能修改。" if panel else "本单位已提交评分，不能修改。")
        judged = [i for i in criteria.items.all() if i.kind == ComparisonItem.Kind.JUDGED]
        quotes = _valid_quotes(opening)
        scores, errors = [], {}
        for quote in quotes:
            for item in judged:
                points_raw, reason_raw = sheet.get((quote.pk, item.pk), ("", ""))
                points = reason = None
                try:
                    points = _points_clean(points_raw, field=f"points-{quote.pk}-{item.pk}", item=item)
                except ValidationFailed as exc:
                    errors.update(exc.errors)
                try:
                    reason = text_clean(reason_raw, field=f"reason-{quote.pk}-{item.pk}", label="评分理由",
                                        max_length=REASON_MAX, required=True)
                except ValidationFailed as exc:
                    errors.update(exc.errors)
                if points is None or reason is None:
                    continue
                scores.append(ComparisonScore(opening=opening, scorer=user, quote=quote, item=item, points=points,
                                              reason=reason, scored_at=now))
        if errors:
            raise ValidationFailed("评分未提交：请为每家机构的每个评审因素填写得分和评分理由。", errors=errors)
        ComparisonScore.objects.bulk_create(scores)
        record_append(chain=comparison_chain(req), kind="scored", actor=user,
                      data={"scores": [{"code": s.quote.organisation.uscc, "item": s.item.name, "points": str(s.points),
                                        "reason": s.reason} for s in scores]})
        if _sheets_done(opening, criteria):
            _evaluate(req, opening, criteria, now=now, actor=user)
        return opening


def _valid_quotes(opening: ComparisonOpening) -> list[ComparisonQuote]:
    valid_ids = [row["quote_id"] for row in opening.record.get("quotes", []) if row.get("valid")]
    return list(ComparisonQuote.objects.filter(pk__in=valid_ids).select_related("organisation")
                .order_by("submitted_at", "pk"))


def comparison_result(opening: ComparisonOpening, criteria: ComparisonCriteria) -> list[dict]:
    """The ranking of an opening from its record and every sheet: per quote its price,
    credit and judged points (each item the panel's mean), total and position."""
    judged = [i for i in criteria.items.all() if i.kind == ComparisonItem.Kind.JUDGED]
    points: dict[tuple[int, int], list[Decimal]] = {}
    for quote_id, item_id, value in opening.scores.values_list("quote_id", "item_id", "points"):
        points.setdefault((quote_id, item_id), []).append(value)
    rows = {row["quote_id"]: row for row in opening.record["quotes"] if row.get("valid")}
    lines = [
        calc.Line(
            quote_id=quote_id, code=row["code"], amount=Decimal(row["amount"]),
            submitted_at=datetime.fromisoformat(row["submitted_at"]), price=Decimal(row["price_points"]),
            credit=Decimal(row.get("credit_points", "0")),
            judged=tuple(calc.mean_points(points[(quote_id, item.pk)]) for item in judged),
        )
        for quote_id, row in rows.items()
    ]
    return [
        {"position": position, "quote_id": line.quote_id, "code": line.code, "name": rows[line.quote_id]["name"],
         "amount": f"{line.amount:.2f}", "price_points": f"{line.price:.2f}",
         "credit_points": rows[line.quote_id].get("credit_points"),
         "judged": [{"item": item.name, "points": f"{value:.2f}"} for item, value in zip(judged, line.judged, strict=True)],
         "total": f"{line.total:.2f}", "submitted_at": rows[line.quote_id]["submitted_at"]}
        for position, line in enumerate(calc.rank(lines), 1)
    ]


def _evaluate(req: ServiceRequest, opening: ComparisonOpening, criteria: ComparisonCriteria, *, now: datetime,
              actor) -> None:
    result = comparison_result(opening, criteria)
    opening.evaluate(at=now, result=result)
    opening.save()
    ranking = [row["code"] for row in result]
    record_append(chain=comparison_chain(req), kind="evaluated", actor=actor,
                  data={"ranking": [{"code": r["code"], "total": r["total"], "amount": r["amount"]} for r in result]})
    request_select(request=req, ranking=ranking, actor=actor, now=now,
                   data={"comparison_round": opening.round, "totals": {r["code"]: r["total"] for r in result}})


def comparison_lapse(*, request_id: int, now: datetime | None = None) -> ComparisonOpening | None:
    """The scoring deadline passed without every sheet: the opening lapses and the request
    fails (流标) — the owner may publish it again. Idempotent; None when nothing is due."""
    now = now or timezone.now()
    with transaction.atomic():
        req = lock_rows(ServiceRequest.objects.select_related("owner").filter(pk=request_id)).first()
        if req is None or req.status != S.SELECTING or req.method != COMPARISON:
            return None
        opening = _opening(req, lock=True)
        if (opening is None or opening.status != ComparisonOpening.Status.SCORING or opening.scoring_due is None
                or opening.scoring_due >= now):
            return None
        opening.lapse(at=now)
        opening.save()
        reason = (f"评审人员未在评审期限（开标后{rule_text('comparison_scoring_workdays')}，"
                  f"{when(opening.scoring_due)}）前完成评审打分，本次采购失败（流标）。")
        record_append(chain=comparison_chain(req), kind="lapsed", actor=None, reason=reason,
                      data={"scoring_due": opening.scoring_due})
        request_fail(request=req, reason=reason, now=now, data={"comparison_round": opening.round})
        return opening


# ---------------------------------------------------------------------------------------
# When due: the lazy check of one request, and the beat


def comparison_due(*, request: ServiceRequest, now: datetime) -> bool:
    """Whether a selecting comparison has work now: opening at its time, or lapsing."""
    if request.status != S.SELECTING or request.method != COMPARISON:
        return False
    opening = (ComparisonOpening.objects.filter(request=request, round=request.publish_count)
               .values("status", "scoring_due").first())
    if opening is None:
        return request.selection_at is not None and request.selection_at <= now
    return (opening["status"] == ComparisonOpening.Status.SCORING and opening["scoring_due"] is not None
            and opening["scoring_due"] < now)


def comparison_advance(*, request: ServiceRequest, now: datetime) -> None:
    if _opening(request) is None:
        comparison_open(request_id=request.pk, now=now)
    else:
        comparison_lapse(request_id=request.pk, now=now)


def comparisons_sweep_due(*, now: datetime | None = None) -> int:
    """Open every due comparison and lapse every scoring past its deadline (the beat).
    Two queries when nothing is due; returns how many requests were looked at."""
    now = now or timezone.now()
    same_round = ComparisonOpening.objects.filter(request=OuterRef("pk"), round=OuterRef("publish_count"))
    to_open = list(ServiceRequest.objects.filter(status=S.SELECTING, method=COMPARISON, selection_at__lte=now)
                   .exclude(Exists(same_round)).order_by("selection_at", "pk").values_list("pk", flat=True)[:DUE_BATCH])
    for pk in to_open:
        comparison_open(request_id=pk, now=now)
    to_lapse = list(ComparisonOpening.objects.filter(status=ComparisonOpening.Status.SCORING, scoring_due__lt=now)
                    .values_list("request_id", flat=True)[:DUE_BATCH])
    for pk in to_lapse:
        comparison_lapse(request_id=pk, now=now)
    return len(to_open) + len(to_lapse)
