"""Reviewing an anti-avoidance case: idempotent detection, the review with its note
(bounded, audited in Chinese), a reviewed case hidden until new facts reopen it, county
scope, the pending selector for the bureau's 待办, and the pages (4xx on bad ids, no
detection on GET)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditRecord
from audit.timeline import timeline_rows
from core.calendar import workday_due
from core.exceptions import InvalidState, NotAllowed, NotFound, ValidationFailed
from supervision.models import SignalCase
from supervision.selectors_signals import signal_cases_pending
from supervision.services_signals import signal_case_review, signal_chain, signals_detect
from tests.factories import bureau_user, firm_user, owner_user
from tests.supervision.signals_support import rule_change, won

pytestmark = pytest.mark.django_db
K, ST = SignalCase.Kind, SignalCase.Status
COUNTY = "360982"  # 樟树市
OTHER_COUNTY = "360902"  # 袁州区


def repeat_case(owner=None, firm=None, n: int = 3) -> SignalCase:
    owner, firm = owner or owner_user(region_code=COUNTY), firm or firm_user()
    for _ in range(n):
        won(owner, firm)
    signals_detect(kinds=[K.REPEAT_PAIR])
    return SignalCase.objects.get(kind=K.REPEAT_PAIR, subject=f"pair:{owner.organisation_id}-{firm.organisation_id}")


def test_detection_twice_keeps_one_case_and_one_record():
    case = repeat_case()
    signals_detect(kinds=[K.REPEAT_PAIR])
    signals_detect()
    assert SignalCase.objects.filter(kind=K.REPEAT_PAIR).count() == 1
    assert list(AuditRecord.objects.filter(chain=signal_chain(case)).values_list("kind", flat=True)) == [
        "signal_case_opened"]
    case.refresh_from_db()
    assert case.due_at == workday_due(case.detected_at, 10)


def test_the_case_key_is_unique_in_the_database():
    from django.db import IntegrityError, transaction

    case = repeat_case()
    with pytest.raises(IntegrityError), transaction.atomic():
        SignalCase.objects.create(kind=case.kind, subject=case.subject, region_id=case.region_id, figure=1,
                                  figure_unit="次", threshold=1, rule_key="signal_repeat_wins", summary="x",
                                  fingerprint="x", detected_at=case.detected_at, last_seen_at=case.detected_at,
                                  due_at=case.due_at)


def test_a_reviewed_case_stays_hidden_until_a_new_fact_reopens_it():
    owner, firm, officer = owner_user(region_code=COUNTY), firm_user(), bureau_user()
    case = repeat_case(owner, firm)
    assert list(signal_cases_pending(user=officer)) == [case]
    signal_case_review(user=officer, case_id=case.pk, note="已约谈业主，系同一项目分期服务，情况属实。")
    assert list(signal_cases_pending(user=officer)) == []
    signals_detect()  # same facts: stays reviewed
    case.refresh_from_db()
    assert case.status == ST.REVIEWED and list(signal_cases_pending(user=officer)) == []
    fourth = won(owner, firm)  # a new fact
    signals_detect(kinds=[K.REPEAT_PAIR])
    case.refresh_from_db()
    assert case.status == ST.OPEN and case.figure == 4 and fourth.pk in case.request_ids
    assert list(signal_cases_pending(user=officer)) == [case]
    kinds = list(AuditRecord.objects.filter(chain=signal_chain(case)).order_by("seq").values_list("kind", flat=True))
    assert kinds == ["signal_case_opened", "signal_case_reviewed", "signal_case_reopened"]


def test_a_reviewed_case_whose_facts_only_shrink_stays_reviewed():
    owner, firm, officer = owner_user(region_code=COUNTY), firm_user(), bureau_user()
    case = repeat_case(owner, firm, n=4)
    signal_case_review(user=officer, case_id=case.pk, note="已核查。")
    from market.models import ServiceRequest
    from tests.supervision.signals_support import at

    ServiceRequest.objects.filter(pk=case.request_ids[0]).update(published_at=at(400))  # ages out of the period
    signals_detect(kinds=[K.REPEAT_PAIR])
    case.refresh_from_db()
    assert case.status == ST.REVIEWED and case.figure == 3


def test_the_review_is_audited_with_chinese_labels_and_the_note():
    officer = bureau_user()
    case = repeat_case()
    signal_case_review(user=officer, case_id=case.pk, note="已核查，未发现违规。")
    opened, reviewed = timeline_rows(chain=signal_chain(case))
    assert opened.action == "发现异常线索" and opened.change == "— → 待核查"
    assert reviewed.action == "行政审批局核查线索" and reviewed.change == "待核查 → 已核查"
    assert reviewed.reason == "已核查，未发现违规。" and "同一业主与机构反复成交" in reviewed.detail
    assert officer.display_name in reviewed.actor


def test_every_audit_kind_of_the_signals_has_a_chinese_label():
    from audit import timeline

    for kind in ("signal_case_opened", "signal_case_reopened", "signal_case_cleared", "signal_case_reviewed"):
        assert timeline.kind_registered("signal:1", kind)


@pytest.mark.parametrize("note, message", [("", "请填写核查意见。"), ("字" * 1001, "核查意见不能超过1000个字")])
def test_the_note_is_required_and_bounded(note, message):
    case = repeat_case()
    with pytest.raises(ValidationFailed) as info:
        signal_case_review(user=bureau_user(), case_id=case.pk, note=note)
    assert message in info.value.message
    case.refresh_from_db()
    assert case.status == ST.OPEN


def test_a_case_is_reviewed_once():
    officer = bureau_user()
    case = repeat_case()
    signal_case_review(user=officer, case_id=case.pk, note="已核查。")
    with pytest.raises(InvalidState):
        signal_case_review(user=officer, case_id=case.pk, note="再次核查。")


def test_county_staff_see_and_review_only_their_county():
    case = repeat_case(owner_user(region_code=COUNTY))
    other = repeat_case(owner_user(region_code=OTHER_COUNTY))
    county, elsewhere, city = bureau_user(region_code=COUNTY), bureau_user(region_code=OTHER_COUNTY), bureau_user()
    assert list(signal_cases_pending(user=county)) == [case]
    assert list(signal_cases_pending(user=elsewhere)) == [other]
    assert set(signal_cases_pending(user=city)) == {case, other}
    assert list(signal_cases_pending(user=owner_user())) == []
    with pytest.raises(NotFound):
        signal_case_review(user=elsewhere, case_id=case.pk, note="越权核查")
    with pytest.raises(NotAllowed):
        signal_case_review(user=firm_user(), case_id=case.pk, note="机构核查")
    signal_case_review(user=county, case_id=case.pk, note="县局已核查。")


def test_a_firm_pair_across_counties_is_the_city_bureaus():
    from tests.supervision.signals_support import auction_of

    a, b, c = firm_user(), firm_user(), firm_user()
    for code in (COUNTY, OTHER_COUNTY, COUNTY):
        auction_of(owner_user(region_code=code), [a, b, c], [(a, "98000.00"), (b, "97000.00")], ends_in=20)
    signals_detect(kinds=[K.LAST_MINUTE])
    case = SignalCase.objects.get(kind=K.LAST_MINUTE)
    assert case.region_id == "360900"
    assert list(signal_cases_pending(user=bureau_user(region_code=COUNTY))) == []
    assert list(signal_cases_pending(user=bureau_user())) == [case]


# ---------------------------------------------------------------------------------------
# Pages


def test_the_list_shows_cases_by_signal_in_chinese_and_a_get_never_detects(client):
    owner, firm = owner_user(region_code=COUNTY), firm_user()
    for _ in range(3):
        won(owner, firm)
    client.force_login(bureau_user())
    html = client.get(reverse("supervision:signal_cases")).content.decode()
    assert "没有符合条件的线索" in html  # nothing detected yet: the page did not run detection
    assert not SignalCase.objects.exists()
    signals_detect()
    html = client.get(reverse("supervision:signal_cases"), {"kind": K.REPEAT_PAIR}).content.decode()
    assert "同一业主与机构反复成交" in html and owner.organisation.name in html
    assert "repeat_pair" not in html.replace('value="repeat_pair"', "").replace("kind=repeat_pair", "")


def test_the_case_page_shows_facts_amounts_and_a_confirmed_review_form(client):
    owner, firm = owner_user(), firm_user()
    reqs = [won(owner, firm, contract_amount=Decimal("80000.00")) for _ in range(3)]
    signals_detect(kinds=[K.REPEAT_PAIR])
    case = SignalCase.objects.get(kind=K.REPEAT_PAIR)
    client.force_login(bureau_user())
    url = reverse("supervision:signal_case", kwargs={"pk": case.pk})
    html = client.get(url).content.decode()
    assert all(r.code in html for r in reqs) and "80,000.00 元" in html and "100,000.00 元" in html
    assert firm.organisation.name in html and "data-confirm=" in html and "同一业主与同一机构成交次数预警线" in html
    response = client.post(url, {"note": ""})
    assert response.status_code == 400 and "请填写核查意见" in response.content.decode()
    response = client.post(url, {"note": "已约谈业主。"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == ST.REVIEWED and case.review_note == "已约谈业主。"
    assert client.post(url, {"note": "再次"}).status_code == 409


@pytest.mark.parametrize("pk", ["abc", "0", "-1", "99999999", "9" * 30])
def test_bad_case_ids_are_404(client, pk):
    client.force_login(bureau_user())
    assert client.get(f"/bureau/signals/{pk}/").status_code == 404
    assert client.post(f"/bureau/signals/{pk}/", {"note": "x"}).status_code == 404


def test_a_case_outside_the_county_is_404_and_others_are_refused(client):
    case = repeat_case(owner_user(region_code=COUNTY))
    url = reverse("supervision:signal_case", kwargs={"pk": case.pk})
    client.force_login(bureau_user(region_code=OTHER_COUNTY))
    assert client.get(url).status_code == 404
    client.force_login(owner_user(region_code=COUNTY))
    assert client.get(url).status_code == 403
    assert client.get(reverse("supervision:signal_cases")).status_code == 403


def test_the_threshold_shown_is_the_rule_in_force_at_detection():
    rule_change("signal_repeat_wins", 2)
    case = repeat_case(n=2)
    assert case.threshold == 2 and "预警线2次" in case.summary
