"""Comparison selection (询比选取) through the selection-method interface: criteria published
and frozen with the announcement, sealed quotes with the SHA-256 shown to the firm, the
opening at the selection time, the panel's scores with reasons by the rule's deadline, the
ranking (ties: lower price, then earlier submission) and `request_select`."""

import hashlib
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Notification
from audit.selectors import chain_records, chain_verify
from bidding.models import (
    ComparisonCriteria,
    ComparisonItem,
    ComparisonOpening,
    ComparisonQuote,
    ComparisonScore,
)
from bidding.selectors_comparison import comparison_chain, comparison_todo
from bidding.services_comparison import (
    ItemInput,
    comparison_criteria_set,
    comparison_quote_submit,
    comparison_score_submit,
    comparisons_sweep_due,
)
from core.calendar import workday_due
from core.exceptions import InvalidState, NotAllowed, NotEligible, ValidationFailed
from market.lifecycle import request_chain
from market.models import ServiceRequest
from market.selection import method_get
from market.selectors import request_price
from market.services_requests import (
    request_publish,
    request_refresh,
    requests_sweep_due,
)
from market.services_results import request_confirm, request_decline
from tests.bidding.comparison_support import (
    CREDIT,
    close_signup,
    comparison_draft,
    open_now,
    pdf,
    quoted_request,
)
from tests.factories import restriction, UserFactory, bureau_user, firm_user, service_item

pytestmark = pytest.mark.django_db

S = ServiceRequest.Status



def _opening(req) -> ComparisonOpening:
    return ComparisonOpening.objects.get(request=req, round=req.publish_count)


def _sheet(req, points_by_code: dict[str, list]) -> dict:
    """A full sheet: for each firm code the points of each judged item, in item order."""
    opening = _opening(req)
    items = list(ComparisonItem.objects.filter(criteria__request=req, kind="judged").order_by("position"))
    sheet = {}
    for row in opening.record["quotes"]:
        for item, points in zip(items, points_by_code[row["code"]], strict=True):
            sheet[(row["quote_id"], item.pk)] = (str(points), f"{item.name}：依据响应文件评定{points}分。")
    return sheet


# ---------------------------------------------------------------------------------------
# Criteria


def test_weights_must_add_up_to_100_and_credit_may_be_one_item(owner):
    req = comparison_draft(owner)
    with pytest.raises(ValidationFailed) as exc:
        comparison_criteria_set(request_id=req.pk, user=owner, price_weight=60,
                                items=[ItemInput("服务方案", 30)], panel=[])
    assert exc.value.errors["items"] == ["价格分权重与各评审因素权重之和应为100，当前为90。"]
    with pytest.raises(ValidationFailed) as exc:
        comparison_criteria_set(request_id=req.pk, user=owner, price_weight=60, panel=[],
                                items=[ItemInput("信用一", 20, kind=CREDIT), ItemInput("信用二", 20, kind=CREDIT)])
    assert "信用评分只能作为一项评审因素。" in exc.value.errors["items"]
    with pytest.raises(ValidationFailed) as exc:
        comparison_criteria_set(request_id=req.pk, user=owner, price_weight="60.5", items=[], panel=[])
    assert "price_weight" in exc.value.errors
    # A price-only comparison is allowed (no scoring needed).
    criteria = comparison_criteria_set(request_id=req.pk, user=owner, price_weight=100, items=[], panel=[])
    assert criteria.price_weight == 100 and criteria.items.count() == 0


def test_panel_members_must_be_users_of_the_owner(owner, firm):
    req = comparison_draft(owner)
    with pytest.raises(ValidationFailed) as exc:
        comparison_criteria_set(request_id=req.pk, user=owner, price_weight=60, panel=[firm.pk],
                                items=[ItemInput("服务方案", 40)])
    assert exc.value.errors["panel"] == ["评审小组成员须为本单位的有效用户。"]


def test_publication_is_refused_without_criteria_and_freezes_them(owner):
    from tests.factories import request_draft

    bare = request_draft(owner=owner, method="comparison")
    with pytest.raises(ValidationFailed) as exc:
        request_publish(request_id=bare.pk, user=owner)
    assert "询比选取须先设置评审标准" in exc.value.errors["method"][0]
    assert ServiceRequest.objects.get(pk=bare.pk).status == S.DRAFT

    req = comparison_draft(owner)
    request_publish(request_id=req.pk, user=owner)
    criteria = ComparisonCriteria.objects.get(request=req)
    assert criteria.frozen_at is not None
    published = next(r for r in chain_records(chain=request_chain(req)) if r.data.get("transition") == "publish")
    assert published.data["criteria"]["price_weight"] == 60
    assert [i["name"] for i in published.data["criteria"]["items"]] == ["服务方案", "项目人员"]
    canonical = json.dumps(published.data["criteria"], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert published.data["criteria_hash"] == hashlib.sha256(canonical.encode()).hexdigest()
    with pytest.raises(InvalidState):
        comparison_criteria_set(request_id=req.pk, user=owner, price_weight=100, items=[], panel=[])
    assert chain_verify(chain=comparison_chain(req)).ok


# ---------------------------------------------------------------------------------------
# Sealed quotes


def test_the_firm_is_shown_the_hashed_text_and_both_sha256_and_nothing_is_stored_in_clear(owner, settings):
    req, (first, *_rest) = quoted_request(owner, [None, None, None])
    body = pdf(b"our technical proposal")
    raw = body.read()
    body.seek(0)
    receipt = comparison_quote_submit(request_id=req.pk, user=first, amount="87654.32", document=body)
    assert hashlib.sha256(receipt.text.encode("utf-8")).hexdigest() == receipt.quote_sha256
    assert hashlib.sha256(raw).hexdigest() == receipt.document_sha256
    lines = receipt.text.split("\n")
    assert lines[:5] == ["YCZJCS-QUOTE-v1", f"request={req.code}", "round=1", f"firm={first.organisation.uscc}",
                         "amount=87654.32"]
    assert lines[5] == f"document_sha256={receipt.document_sha256}" and len(lines[6]) == len("salt=") + 32

    quote = ComparisonQuote.objects.get(request=req, organisation=first.organisation)
    assert quote.amount is None and quote.salt == "" and quote.document_name == ""
    assert (quote.quote_sha256, quote.document_sha256) == (receipt.quote_sha256, receipt.document_sha256)
    # Neither the row nor the stored file holds the amount, the salt, the name or the document.
    row = json.dumps(list(ComparisonQuote.objects.filter(pk=quote.pk).values()), default=str)
    for secret in ("87654.32", "87654", lines[6][5:], "响应文件", "our technical proposal"):
        assert secret not in row
    with quote.document_sealed.open("rb") as handle:
        stored = handle.read()
    assert b"our technical proposal" not in stored and b"%PDF" not in stored
    # The chain holds only digests.
    records = [r for r in chain_records(chain=comparison_chain(req)) if r.kind == "quote"]
    assert records and "87654" not in json.dumps(records[-1].data)


def test_a_registrant_may_replace_its_quote_until_the_deadline(owner, django_capture_on_commit_callbacks):
    req, firms = quoted_request(owner, ["90000", "91000", "92000"])
    quote = ComparisonQuote.objects.get(request=req, organisation=firms[0].organisation)
    old_file, old_at = quote.document_sealed.name, quote.submitted_at
    storage = quote.document_sealed.storage
    with django_capture_on_commit_callbacks(execute=True):
        receipt = comparison_quote_submit(request_id=req.pk, user=firms[0], amount="85000", document=pdf(b"v2"))
    quote.refresh_from_db()
    assert quote.submissions == 2 and receipt.submissions == 2 and quote.submitted_at > old_at
    assert quote.quote_sha256 == receipt.quote_sha256 and quote.document_sealed.name != old_file
    assert not storage.exists(old_file)
    close_signup(req)
    with pytest.raises(InvalidState):
        comparison_quote_submit(request_id=req.pk, user=firms[0], amount="80000", document=pdf())


def test_quotes_are_bounded_and_only_registrants_may_quote(owner):
    req, firms = quoted_request(owner, [None, None, None])
    outsider = firm_user(item=req.service_item)
    with pytest.raises(NotAllowed):
        comparison_quote_submit(request_id=req.pk, user=outsider, amount="80000", document=pdf())
    with pytest.raises(ValidationFailed) as exc:
        comparison_quote_submit(request_id=req.pk, user=firms[0], amount="100000.01", document=pdf())
    assert exc.value.errors["amount"] == ["报价不得高于最高限价 100,000.00 元。"]
    with pytest.raises(ValidationFailed) as exc:  # below 60% of the ceiling: the abnormally-low line
        comparison_quote_submit(request_id=req.pk, user=firms[0], amount="59999.99", document=pdf())
    assert "60,000.00 元" in exc.value.errors["amount"][0]
    with pytest.raises(ValidationFailed) as exc:
        comparison_quote_submit(request_id=req.pk, user=firms[0], amount="80000", document=None)
    assert "document" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        fake = pdf()
        fake.name = "响应文件.exe"
        comparison_quote_submit(request_id=req.pk, user=firms[0], amount="80000", document=fake)
    assert "document" in exc.value.errors
    restriction(firms[1].organisation)
    with pytest.raises(NotEligible):
        comparison_quote_submit(request_id=req.pk, user=firms[1], amount="80000", document=pdf())
    assert not ComparisonQuote.objects.filter(request=req).exists()


# ---------------------------------------------------------------------------------------
# Opening, scoring, ranking, selection


def test_nothing_opens_before_the_selection_time_and_at_it_every_quote_is_published(owner):
    req, firms = quoted_request(owner, ["80000", "90000", "100000"])
    req = close_signup(req)
    assert req.status == S.SELECTING
    assert not ComparisonOpening.objects.filter(request=req).exists()
    assert not ComparisonQuote.objects.filter(request=req, amount__isnull=False).exists()
    assert not method_get("comparison").is_due(req, now=timezone.now())

    req = open_now(req)
    opening = _opening(req)
    assert opening.status == ComparisonOpening.Status.SCORING and req.status == S.SELECTING
    assert opening.scoring_due == workday_due(opening.opened_at, 3)
    rows = {row["code"]: row for row in opening.record["quotes"]}
    by_firm = [rows[f.organisation.uscc] for f in firms]
    assert [r["amount"] for r in by_firm] == ["80000.00", "90000.00", "100000.00"]
    assert [r["price_points"] for r in by_firm] == ["60.00", "53.33", "48.00"]
    assert opening.record["lowest"] == "80000.00"
    for row, quote in zip(by_firm, ComparisonQuote.objects.filter(request=req).order_by("submitted_at"), strict=True):
        assert row["quote_sha256"] == quote.quote_sha256 and quote.amount == Decimal(row["amount"])
    assert Notification.objects.filter(organisation=req.owner, kind="comparison_opened").exists()
    # A second lazy check or sweep does not open again.
    request_refresh(req)
    assert comparisons_sweep_due() == 0
    assert ComparisonOpening.objects.filter(request=req).count() == 1


def test_owner_scores_with_reasons_and_the_highest_total_is_selected_then_confirmed(owner, client):
    req, firms = quoted_request(owner, ["80000", "90000", "100000"])
    req = open_now(req)
    codes = [f.organisation.uscc for f in firms]
    # Totals: 60 + 20 + 6 = 86; 53.33 + 29 + 9 = 91.33; 48 + 30 + 10 = 88
    sheet = _sheet(req, {codes[0]: [20, 6], codes[1]: [29, 9], codes[2]: [30, 10]})
    with pytest.raises(NotAllowed):
        comparison_score_submit(request_id=req.pk, user=firms[0], sheet=sheet)
    comparison_score_submit(request_id=req.pk, user=owner, sheet=sheet)
    req.refresh_from_db()
    opening = _opening(req)
    assert opening.status == ComparisonOpening.Status.EVALUATED
    assert [(r["code"], r["total"]) for r in opening.result] == [(codes[1], "91.33"), (codes[2], "88.00"),
                                                                 (codes[0], "86.00")]
    assert req.status == S.AWAITING_CONFIRMATION and req.selected_firm == firms[1].organisation
    assert req.confirm_due is not None
    assert request_price(req) == Decimal("90000.00")
    assert method_get("comparison").ranking(req) == [codes[1], codes[2], codes[0]]
    assert ComparisonScore.objects.filter(opening=opening).count() == 6
    assert all(s.reason for s in ComparisonScore.objects.filter(opening=opening))
    with pytest.raises(InvalidState):  # final
        comparison_score_submit(request_id=req.pk, user=owner, sheet=sheet)
    release = client.get(f"/api/v1/requests/{req.code}/ocds/").json()["releases"][0]
    assert release["tender"]["awardCriteria"] == "ratedCriteria"
    assert "价格分60分" in release["tender"]["awardCriteriaDetails"]
    assert release["awards"][0]["value"] == {"amount": 90000.0, "currency": "CNY"}
    assert sorted(b["value"]["amount"] for b in release["bids"]["details"]) == [80000.0, 90000.0, 100000.0]
    assert {p["id"] for p in release["parties"] if "tenderer" in p["roles"]} == {f"CN-SAMR-{c}" for c in codes}
    request_confirm(request_id=req.pk, user=owner)
    req.refresh_from_db()
    assert req.status == S.PUBLICITY
    assert chain_verify(chain=comparison_chain(req)).ok
    kinds = [r.kind for r in chain_records(chain=comparison_chain(req))]
    assert kinds == ["criteria", "quote", "quote", "quote", "opened", "scored", "evaluated"]


def test_a_sheet_must_score_every_quote_and_item_within_bounds_with_a_reason(owner):
    req, firms = quoted_request(owner, ["80000", "90000", "100000"])
    req = open_now(req)
    codes = [f.organisation.uscc for f in firms]
    sheet = _sheet(req, {codes[0]: [20, 6], codes[1]: [29, 9], codes[2]: [30, 10]})
    (first_key, second_key, third_key, *_rest) = list(sheet)
    broken = {**sheet, first_key: ("31", "超出分值"), second_key: ("5", "  "), third_key: ("1.234", "三位小数")}
    with pytest.raises(ValidationFailed) as exc:
        comparison_score_submit(request_id=req.pk, user=owner, sheet=broken)
    assert set(exc.value.errors) == {f"points-{first_key[0]}-{first_key[1]}", f"reason-{second_key[0]}-{second_key[1]}",
                                     f"points-{third_key[0]}-{third_key[1]}"}
    del sheet[first_key]
    with pytest.raises(ValidationFailed):
        comparison_score_submit(request_id=req.pk, user=owner, sheet=sheet)
    assert not ComparisonScore.objects.exists()


def test_equal_totals_go_to_the_lower_price(owner):
    # Price weight 60: 80,000 → 60.00, 96,000 → 50.00. Judged: 20 + 5 against 30 + 5: both 85.00.
    req, firms = quoted_request(owner, ["96000", "80000", "100000"])
    req = open_now(req)
    codes = [f.organisation.uscc for f in firms]
    comparison_score_submit(request_id=req.pk, user=owner,
                            sheet=_sheet(req, {codes[0]: [30, 5], codes[1]: [20, 5], codes[2]: [10, 0]}))
    req.refresh_from_db()
    result = _opening(req).result
    assert [r["total"] for r in result[:2]] == ["85.00", "85.00"]
    assert [r["code"] for r in result] == [codes[1], codes[0], codes[2]]
    assert req.selected_firm == firms[1].organisation


def test_equal_totals_and_prices_go_to_the_earlier_submission(owner):
    # The first firm submitted earlier, then the second; the first replaces its quote last,
    # so its quote in force is the later one: the second firm wins the tie.
    req, firms = quoted_request(owner, ["90000", "90000", "99000"])
    comparison_quote_submit(request_id=req.pk, user=firms[0], amount="90000", document=pdf(b"again"))
    req = open_now(req)
    codes = [f.organisation.uscc for f in firms]
    comparison_score_submit(request_id=req.pk, user=owner,
                            sheet=_sheet(req, {codes[0]: [25, 8], codes[1]: [25, 8], codes[2]: [20, 5]}))
    req.refresh_from_db()
    result = _opening(req).result
    assert result[0]["total"] == result[1]["total"] and result[0]["amount"] == result[1]["amount"]
    assert [r["code"] for r in result[:2]] == [codes[1], codes[0]]
    assert req.selected_firm == firms[1].organisation


def test_a_firm_restricted_after_its_quote_is_skipped_at_selection_with_its_reason(owner):
    req, firms = quoted_request(owner, ["80000", "90000", "100000"])
    req = open_now(req)
    codes = [f.organisation.uscc for f in firms]
    restriction(firms[1].organisation)  # ranked first below
    comparison_score_submit(request_id=req.pk, user=owner,
                            sheet=_sheet(req, {codes[0]: [20, 6], codes[1]: [29, 9], codes[2]: [30, 10]}))
    req.refresh_from_db()
    assert _opening(req).result[0]["code"] == codes[1]
    assert req.selected_firm == firms[2].organisation and req.status == S.AWAITING_CONFIRMATION
    select = [r for r in chain_records(chain=request_chain(req)) if r.data.get("transition") == "select"][-1]
    assert select.data["skipped"][0]["code"] == codes[1]
    assert select.data["skipped"][0]["reason"]
    assert request_price(req) == Decimal("100000.00")  # the substitute's own quote


def test_a_declining_firm_is_replaced_by_the_next_in_the_comparison_ranking(owner):
    req, firms = quoted_request(owner, ["80000", "90000", "100000"])
    req = open_now(req)
    codes = [f.organisation.uscc for f in firms]
    comparison_score_submit(request_id=req.pk, user=owner,
                            sheet=_sheet(req, {codes[0]: [20, 6], codes[1]: [29, 9], codes[2]: [30, 10]}))
    request_decline(request_id=req.pk, user=firms[1], reason="项目负责人离职")
    req.refresh_from_db()
    assert req.selected_firm == firms[2].organisation
    assert request_price(req) == Decimal("100000.00")


def test_scoring_after_the_deadline_is_refused_and_the_request_fails(owner):
    req, firms = quoted_request(owner, ["80000", "90000", "100000"])
    req = open_now(req)
    codes = [f.organisation.uscc for f in firms]
    sheet = _sheet(req, {codes[0]: [20, 6], codes[1]: [29, 9], codes[2]: [30, 10]})
    ComparisonOpening.objects.filter(request=req).update(scoring_due=timezone.now() - timedelta(seconds=1))
    assert method_get("comparison").is_due(req, now=timezone.now())
    with pytest.raises(InvalidState) as exc:
        comparison_score_submit(request_id=req.pk, user=owner, sheet=sheet)
    assert "评审期限" in exc.value.message
    assert requests_sweep_due() >= 1  # the beat lapses it
    req.refresh_from_db()
    assert req.status == S.FAILED and "未在评审期限" in req.closing_reason
    assert _opening(req).status == ComparisonOpening.Status.LAPSED
    assert not ComparisonScore.objects.exists()


def test_the_scoring_deadline_is_a_rule(owner):
    from core.models import Rule

    Rule.objects.filter(key="comparison_scoring_workdays").update(value=5)
    req, _firms = quoted_request(owner, ["80000", "90000", "100000"])
    req = open_now(req)
    opening = _opening(req)
    assert opening.scoring_due == workday_due(opening.opened_at, 5)


def test_too_few_quotes_fail_the_request_and_nothing_is_opened(owner):
    req, _firms = quoted_request(owner, ["80000", "90000", None])  # three registrants, two quotes
    req = open_now(req)
    assert req.status == S.FAILED and "递交报价的机构2家，少于规定的3家" in req.closing_reason
    assert _opening(req).status == ComparisonOpening.Status.VOID
    assert not ComparisonQuote.objects.filter(request=req, amount__isnull=False).exists()


def test_a_panel_scores_each_and_items_take_the_mean(owner):
    second = UserFactory(organisation=owner.organisation)
    third = UserFactory(organisation=owner.organisation)  # not on the panel
    req, firms = quoted_request(owner, ["80000", "90000", "100000"], panel=(owner.pk, second.pk))
    req = open_now(req)
    codes = [f.organisation.uscc for f in firms]
    with pytest.raises(NotAllowed):
        comparison_score_submit(request_id=req.pk, user=third, sheet={})
    comparison_score_submit(request_id=req.pk, user=owner,
                            sheet=_sheet(req, {codes[0]: [20, 6], codes[1]: [29, 9], codes[2]: [30, 10]}))
    req.refresh_from_db()
    assert req.status == S.SELECTING and _opening(req).status == ComparisonOpening.Status.SCORING
    todo = [item.action for item in comparison_todo(second, timezone.now())]
    assert todo == ["询比评审打分"]
    comparison_score_submit(request_id=req.pk, user=second,
                            sheet=_sheet(req, {codes[0]: [30, 10], codes[1]: [20, 6], codes[2]: [21, 7]}))
    req.refresh_from_db()
    result = {r["code"]: r for r in _opening(req).result}
    # means: firm0 25 + 8 → 60 + 33 = 93; firm1 24.5 + 7.5 → 53.33 + 32 = 85.33; firm2 25.5 + 8.5 → 48 + 34 = 82
    assert [j["points"] for j in result[codes[0]]["judged"]] == ["25.00", "8.00"]
    assert (result[codes[0]]["total"], result[codes[1]]["total"], result[codes[2]]["total"]) == ("93.00", "85.33",
                                                                                              "82.00")
    assert req.selected_firm == firms[0].organisation


def test_credit_score_item_and_price_only_select_at_the_opening(owner):
    from credit.services import credit_score_refresh

    items = (ItemInput("信用评分", 10, kind=CREDIT),)
    req, firms = quoted_request(owner, ["80000", "90000", "100000"], price_weight=90, items=items)
    for user in firms:
        credit_score_refresh(organisation_id=user.organisation_id)
    req = open_now(req)
    opening = _opening(req)
    assert opening.status == ComparisonOpening.Status.EVALUATED and opening.scoring_due is None
    row = opening.record["quotes"][0]
    score = Decimal(row["credit_score"])
    assert Decimal(row["credit_points"]) == (score / 10).quantize(Decimal("0.01"))
    assert req.status == S.AWAITING_CONFIRMATION and req.selected_firm == firms[0].organisation


def test_todo_items_for_criteria_quotes_and_scoring(owner):
    item = service_item()
    from tests.factories import request_draft

    request_draft(owner=owner, method="comparison", item=item)
    assert [i.action for i in comparison_todo(owner, timezone.now())] == ["设置询比评审标准"]
    _req, firms = quoted_request(owner, ["80000", None, None])
    assert [i.action for i in comparison_todo(firms[1], timezone.now())] == ["递交询比报价与响应文件"]
    assert comparison_todo(firms[0], timezone.now()) == []


def test_the_bureau_sees_every_score_and_reason_and_a_firm_only_its_own(owner, client):
    req, firms = quoted_request(owner, ["80000", "90000", "100000"])
    req = open_now(req)
    codes = [f.organisation.uscc for f in firms]
    comparison_score_submit(request_id=req.pk, user=owner,
                            sheet=_sheet(req, {codes[0]: [20, 6], codes[1]: [29, 9], codes[2]: [30, 10]}))
    url = f"/requests/{req.code}/comparison/"
    client.force_login(bureau_user())
    html = client.get(url).content.decode()
    assert html.count("依据响应文件评定") == 6
    client.force_login(firms[0])
    html = client.get(url).content.decode()
    assert html.count("依据响应文件评定") == 2
    client.logout()
    html = client.get(url).content.decode()
    assert "依据响应文件评定" not in html and "91.33" in html  # totals are public, reasons are not
