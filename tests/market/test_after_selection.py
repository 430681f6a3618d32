"""The request's life after selection: publicity, objections, contract, service, delivery,
acceptance, termination, overdue warnings, and direct pick."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Notification, Organisation
from audit.selectors import chain_records, chain_verify
from bidding.models import Draw
from bidding.services_direct import direct_pick_policy_set, request_direct_pick
from core.calendar import workday_due
from core.exceptions import InvalidState, NotAllowed, NotEligible, ValidationFailed
from core.models import Rule
from credit.models import CreditEvent
from credit.services import credit_event_raise
from market.lifecycle import request_chain
from market.models import (
    DirectPickPolicy,
    Objection,
    OverdueWarning,
    ServiceRequest,
    TerminationRequest,
)
from market.selectors import overdue_warnings_for, todo_for
from market.services_requests import (
    request_publish,
    request_refresh,
    requests_sweep_due,
    signup_create,
)
from market.services_results import (
    contract_upload,
    objection_answer,
    objection_lodge,
    publicity_end,
    request_accept,
    request_confirm,
    request_decline,
    requests_overdue_sweep,
    result_deliver,
    termination_ask,
    termination_decide,
)
from tests.factories import (
    bureau_user,
    firm_user,
    owner_user,
    published_request,
    request_draft,
    service_item,
)

pytestmark = pytest.mark.django_db
S = ServiceRequest.Status


def pdf(name: str = "contract.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test document", content_type="application/pdf")


def user_of(org: Organisation):
    return org.users.first()


def ranked(req: ServiceRequest) -> list[Organisation]:
    codes = [e["code"] for e in Draw.objects.get(request=req).record["ranking"]]
    orgs = {o.uscc: o for o in Organisation.objects.filter(uscc__in=codes)}
    return [orgs[c] for c in codes]


def drawn(owner, n: int = 4) -> ServiceRequest:
    item = service_item()
    req = published_request(owner=owner, item=item)
    for _ in range(n):
        signup_create(request_id=req.pk, user=firm_user(item=item))
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(hours=2),
                                                    selection_at=now - timedelta(hours=1))
    requests_sweep_due()
    req.refresh_from_db()
    assert req.status == S.AWAITING_CONFIRMATION
    return req


def in_publicity(owner, n: int = 4) -> ServiceRequest:
    req = drawn(owner, n)
    return request_confirm(request_id=req.pk, user=owner)


def end_publicity(req: ServiceRequest) -> ServiceRequest:
    ServiceRequest.objects.filter(pk=req.pk).update(publicity_ends_at=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()
    req.refresh_from_db()
    return req


def contracting(owner) -> ServiceRequest:
    req = end_publicity(in_publicity(owner))
    assert req.status == S.CONTRACTING
    return req


def in_service(owner) -> ServiceRequest:
    req = contracting(owner)
    contract_upload(request_id=req.pk, user=owner, document=pdf(), amount="90000.00")
    return contract_upload(request_id=req.pk, user=user_of(req.selected_firm), document=pdf(), amount="90000.00")


# ---------------------------------------------------------------------------------------
# Confirmation and publicity


def test_selection_sets_a_confirmation_deadline_from_the_rule(owner):
    req = drawn(owner)
    assert req.confirm_due == workday_due(req.status_changed_at, 3)


def test_confirm_starts_publicity_for_the_rules_working_days(owner):
    Rule.objects.filter(key="publicity_workdays").update(value=Decimal(5))
    req = in_publicity(owner)
    assert req.status == S.PUBLICITY
    assert req.publicity_ends_at == workday_due(req.status_changed_at, 5)


def test_publicity_ends_by_the_sweep_into_contracting_with_the_contract_deadline(owner):
    req = contracting(owner)
    assert req.contract_due.date() == (timezone.localtime(req.publicity_ends_at) + timedelta(days=10)).date()
    assert chain_records(chain=request_chain(req)).last().data["transition"] == "end_publicity"
    assert chain_verify(chain=request_chain(req)).ok


def test_publicity_ends_lazily_when_the_request_is_read(owner):
    req = in_publicity(owner)
    ServiceRequest.objects.filter(pk=req.pk).update(publicity_ends_at=timezone.now() - timedelta(seconds=1))
    req.refresh_from_db()
    assert request_refresh(req).status == S.CONTRACTING


def test_publicity_end_before_its_time_changes_nothing(owner):
    req = in_publicity(owner)
    assert publicity_end(request_id=req.pk).status == S.PUBLICITY


# ---------------------------------------------------------------------------------------
# Objections (质疑)


def test_a_registrant_objects_inside_publicity_and_publicity_pauses(owner):
    req = in_publicity(owner)
    objector = ranked(req)[2]
    objection = objection_lodge(request_id=req.pk, user=user_of(objector), reason="中选机构资质存疑", attachment=pdf("o.pdf"))
    req.refresh_from_db()
    assert req.status == S.OBJECTION
    assert objection.attachment.sha256 and objection.against == ranked(req)[0]
    assert req.publicity_remaining_seconds > 0
    assert objection.answer_due == workday_due(objection.filed_at, 5)


def test_objection_outside_publicity_is_refused(owner):
    req = drawn(owner)
    objector = ranked(req)[2]
    with pytest.raises(InvalidState):
        objection_lodge(request_id=req.pk, user=user_of(objector), reason="理由", attachment=pdf())
    req = request_confirm(request_id=req.pk, user=owner)
    ServiceRequest.objects.filter(pk=req.pk).update(publicity_ends_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(InvalidState):  # publicity over, even before the sweep moved it on
        objection_lodge(request_id=req.pk, user=user_of(objector), reason="理由", attachment=pdf())
    assert not Objection.objects.exists()


def test_only_registrants_other_than_the_winner_object_with_reason_and_attachment(owner):
    req = in_publicity(owner)
    with pytest.raises(NotAllowed):
        objection_lodge(request_id=req.pk, user=firm_user(), reason="理由", attachment=pdf())
    with pytest.raises(NotAllowed):
        objection_lodge(request_id=req.pk, user=user_of(req.selected_firm), reason="理由", attachment=pdf())
    with pytest.raises(ValidationFailed):
        objection_lodge(request_id=req.pk, user=user_of(ranked(req)[1]), reason="  ", attachment=pdf())
    with pytest.raises(ValidationFailed):
        objection_lodge(request_id=req.pk, user=user_of(ranked(req)[1]), reason="理由", attachment=None)
    with pytest.raises(ValidationFailed):
        objection_lodge(request_id=req.pk, user=user_of(ranked(req)[1]), reason="理由",
                        attachment=SimpleUploadedFile("x.exe", b"MZ..."))


def test_upheld_objection_disqualifies_the_winner_and_restarts_publicity_for_the_next(owner):
    req = in_publicity(owner)
    order = ranked(req)
    objection = objection_lodge(request_id=req.pk, user=user_of(order[2]), reason="理由", attachment=pdf())
    county = bureau_user(region_code="360982")
    with pytest.raises(NotAllowed):  # a county officer outside the request's region
        objection_answer(objection_id=objection.pk, user=county, uphold=True, answer="成立")
    officer = bureau_user()
    with pytest.raises(ValidationFailed):
        objection_answer(objection_id=objection.pk, user=officer, uphold=True, answer="")
    objection_answer(objection_id=objection.pk, user=officer, uphold=True, answer="经核查，质疑成立。")
    req.refresh_from_db()
    objection.refresh_from_db()
    assert objection.status == Objection.Status.UPHELD and objection.answer == "经核查，质疑成立。"
    assert req.status == S.PUBLICITY and req.selected_firm == order[1]
    assert req.publicity_ends_at == workday_due(req.status_changed_at, 3)
    assert Notification.objects.filter(organisation=order[2], kind="objection_answered", body="经核查，质疑成立。").exists()
    assert Draw.objects.filter(request=req).count() == 1
    with pytest.raises(InvalidState):
        objection_answer(objection_id=objection.pk, user=officer, uphold=False, answer="再答")


def test_dismissed_objection_resumes_publicity_with_the_time_it_had_left(owner):
    req = in_publicity(owner)
    left = timedelta(hours=20)
    ServiceRequest.objects.filter(pk=req.pk).update(publicity_ends_at=timezone.now() + left)
    objection = objection_lodge(request_id=req.pk, user=user_of(ranked(req)[3]), reason="理由", attachment=pdf())
    objection_answer(objection_id=objection.pk, user=bureau_user(), uphold=False, answer="质疑不成立。")
    req.refresh_from_db()
    assert req.status == S.PUBLICITY and req.selected_firm == ranked(req)[0]
    remaining = req.publicity_ends_at - timezone.now()
    assert left - timedelta(minutes=1) < remaining <= left


# ---------------------------------------------------------------------------------------
# Contract, service, delivery, acceptance


def test_contract_amount_above_the_price_is_refused(owner):
    req = contracting(owner)
    with pytest.raises(ValidationFailed) as refused:
        contract_upload(request_id=req.pk, user=owner, document=pdf(), amount="100000.01")
    assert "amount" in refused.value.errors
    req.refresh_from_db()
    assert req.contract_amount is None and req.contract_owner_document_id is None


def test_owner_then_firm_upload_the_contract_and_the_service_starts(owner):
    req = contracting(owner)
    firm = user_of(req.selected_firm)
    with pytest.raises(InvalidState):  # the firm signs after the owner
        contract_upload(request_id=req.pk, user=firm, document=pdf(), amount="90000")
    with pytest.raises(NotAllowed):
        contract_upload(request_id=req.pk, user=user_of(ranked(req)[1]), document=pdf(), amount="90000")
    contract_upload(request_id=req.pk, user=owner, document=pdf(), amount="90000")
    with pytest.raises(ValidationFailed):
        contract_upload(request_id=req.pk, user=firm, document=pdf(), amount="80000")
    after = contract_upload(request_id=req.pk, user=firm, document=pdf(), amount="90000.00")
    assert after.status == S.IN_SERVICE and after.contract_amount == Decimal("90000.00")
    assert after.service_ends_at - after.service_starts_at == timedelta(days=after.service_days)


def test_firm_delivers_and_owner_accepts(owner):
    req = in_service(owner)
    with pytest.raises(NotAllowed):
        result_deliver(request_id=req.pk, user=owner, document=pdf("r.pdf"))
    with pytest.raises(InvalidState):
        request_accept(request_id=req.pk, user=owner)
    req = result_deliver(request_id=req.pk, user=user_of(req.selected_firm), document=pdf("r.pdf"))
    assert req.status == S.DELIVERED and req.result_document.sha256
    with pytest.raises(NotAllowed):
        request_accept(request_id=req.pk, user=user_of(req.selected_firm))
    req = request_accept(request_id=req.pk, user=owner)
    assert req.status == S.COMPLETED and req.completed_at
    assert chain_verify(chain=request_chain(req)).ok


def test_termination_for_breach_asked_by_owner_decided_by_bureau(owner):
    req = in_service(owner)
    with pytest.raises(NotAllowed):
        termination_ask(request_id=req.pk, user=user_of(req.selected_firm), reason="x", evidence=pdf())
    ask = termination_ask(request_id=req.pk, user=owner, reason="逾期未提交成果", evidence=pdf("e.pdf"))
    with pytest.raises(InvalidState):
        termination_ask(request_id=req.pk, user=owner, reason="again", evidence=pdf())
    with pytest.raises(NotAllowed):
        termination_decide(termination_id=ask.pk, user=owner, grant=True, answer="x")
    termination_decide(termination_id=ask.pk, user=bureau_user(), grant=True, answer="违约属实，终止合同。")
    req.refresh_from_db()
    assert req.status == S.TERMINATED
    assert TerminationRequest.objects.get(pk=ask.pk).status == TerminationRequest.Status.UPHELD
    assert CreditEvent.objects.filter(organisation=req.selected_firm, cause_key=f"terminated:{req.code}").count() == 1


def test_refused_termination_leaves_the_service_running(owner):
    req = in_service(owner)
    ask = termination_ask(request_id=req.pk, user=owner, reason="理由", evidence=pdf())
    termination_decide(termination_id=ask.pk, user=bureau_user(), grant=False, answer="证据不足。")
    req.refresh_from_db()
    assert req.status == S.IN_SERVICE


# ---------------------------------------------------------------------------------------
# Overdue warnings


def test_owner_not_confirming_is_warned_once(owner):
    req = drawn(owner)
    ServiceRequest.objects.filter(pk=req.pk).update(confirm_due=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()
    requests_sweep_due()
    requests_overdue_sweep()
    warnings = OverdueWarning.objects.filter(request=req)
    assert warnings.count() == 1
    warning = warnings.get()
    assert (warning.step, warning.party, warning.organisation) == ("confirm", "owner", req.owner)
    req.refresh_from_db()
    assert req.status == S.AWAITING_CONFIRMATION  # the state does not change
    assert Notification.objects.filter(organisation=req.owner, kind="overdue").count() == 1
    assert list(overdue_warnings_for(user=owner)) == [warning]
    assert list(overdue_warnings_for(user=bureau_user())) == [warning]
    assert list(overdue_warnings_for(user=user_of(req.selected_firm))) == []


@pytest.mark.parametrize("uploaded", [False, True])
def test_contract_overdue_is_against_the_party_that_did_not_sign(owner, uploaded):
    req = contracting(owner)
    if uploaded:
        contract_upload(request_id=req.pk, user=owner, document=pdf(), amount="1000")
    ServiceRequest.objects.filter(pk=req.pk).update(contract_due=timezone.now() - timedelta(seconds=1))
    assert requests_overdue_sweep() == 1
    assert requests_overdue_sweep() == 0
    warning = OverdueWarning.objects.get(request=req)
    assert warning.organisation == (req.selected_firm if uploaded else req.owner)


def test_service_past_its_period_and_unanswered_objection_are_warned(owner):
    req = in_service(owner)
    ServiceRequest.objects.filter(pk=req.pk).update(service_ends_at=timezone.now() - timedelta(seconds=1))
    req.refresh_from_db()
    request_refresh(req)  # a page view records nothing against a party: the beat does
    assert not OverdueWarning.objects.filter(request=req).exists()
    requests_sweep_due()
    assert OverdueWarning.objects.get(request=req).step == "service"
    other = in_publicity(owner_user())
    objection = objection_lodge(request_id=other.pk, user=user_of(ranked(other)[1]), reason="理由", attachment=pdf())
    Objection.objects.filter(pk=objection.pk).update(answer_due=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()
    warning = OverdueWarning.objects.get(request=other)
    assert (warning.step, warning.party, warning.organisation) == ("objection_answer", "bureau", None)


# ---------------------------------------------------------------------------------------
# To-do lists


def test_each_party_sees_what_waits_on_it(owner):
    req = contracting(owner)
    firm = user_of(req.selected_firm)
    assert [(t.request, t.action) for t in todo_for(user=owner)] == [(req, "上传签订的合同")]
    assert todo_for(user=owner)[0].due == req.contract_due
    assert [t.action for t in todo_for(user=firm)] == ["等待业主上传合同后签订"]
    contract_upload(request_id=req.pk, user=owner, document=pdf(), amount="1000")
    assert todo_for(user=owner) == []
    assert [t.action for t in todo_for(user=firm)] == ["上传盖章合同"]
    other = in_publicity(owner_user())
    objection_lodge(request_id=other.pk, user=user_of(ranked(other)[1]), reason="理由", attachment=pdf())
    items = todo_for(user=bureau_user())
    assert [t.request for t in items] == [other] and "质疑" in items[0].action
    assert todo_for(user=bureau_user(region_code="360982")) == []


# ---------------------------------------------------------------------------------------
# Credit through one function; decline


def test_credit_event_raise_is_idempotent_per_cause(firm):
    org = firm.organisation
    first, created = credit_event_raise(organisation_id=org.pk, kind="service_overdue", cause_key="c:1",
                                        region_id="360900", description="d")
    again, created_again = credit_event_raise(organisation_id=org.pk, kind="service_overdue", cause_key="c:1",
                                              region_id="360900", description="d")
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(ValueError):
        credit_event_raise(organisation_id=org.pk, kind="service_overdue", cause_key="", region_id="360900",
                           description="d")


# ---------------------------------------------------------------------------------------
# Direct pick (直接选取)


def failed_twice(owner) -> tuple[ServiceRequest, list]:
    item = service_item()
    req = published_request(owner=owner, item=item)
    users = [firm_user(item=item), firm_user(item=item)]
    for u in users:
        signup_create(request_id=req.pk, user=u)
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()
    req.refresh_from_db()
    assert req.status == S.FAILED and req.failure_count == 1
    with pytest.raises(InvalidState):  # not after the first failure
        request_direct_pick(request_id=req.pk, user=owner, firm_id=users[0].organisation_id, reason="急需")
    from core.calendar import workday_shift
    from market.services_requests import request_republish

    deadline = workday_shift(timezone.now(), 4)
    request_republish(request_id=req.pk, user=owner, signup_deadline=deadline, selection_at=workday_shift(deadline, 1))
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()
    req.refresh_from_db()
    assert req.status == S.FAILED and req.failure_count == 2
    return req, users


def test_after_the_second_failure_the_owner_picks_a_registrant_directly_with_a_reason(owner):
    req, users = failed_twice(owner)
    with pytest.raises(ValidationFailed):
        request_direct_pick(request_id=req.pk, user=owner, firm_id=users[0].organisation_id, reason="")
    with pytest.raises(ValidationFailed):  # not a registrant
        request_direct_pick(request_id=req.pk, user=owner, firm_id=firm_user().organisation_id, reason="急需")
    with pytest.raises(NotAllowed):
        request_direct_pick(request_id=req.pk, user=owner_user(), firm_id=users[0].organisation_id, reason="急需")
    credit_event_raise(organisation_id=users[1].organisation_id, kind="collusion", cause_key="x", region_id="360900",
                       description="串通", at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(NotEligible):  # the credit check at the direct-pick door
        request_direct_pick(request_id=req.pk, user=owner, firm_id=users[1].organisation_id, reason="急需")
    picked = request_direct_pick(request_id=req.pk, user=owner, firm_id=users[0].organisation_id, reason="工期紧急")
    assert picked.status == S.AWAITING_CONFIRMATION and picked.selected_firm == users[0].organisation
    assert picked.direct_pick and picked.direct_pick_reason == "工期紧急" and picked.confirm_due
    last = chain_records(chain=request_chain(req)).last()
    assert last.data["transition"] == "select" and last.reason == "工期紧急" and last.data["route"] == "after_failures"
    assert request_confirm(request_id=req.pk, user=owner).status == S.PUBLICITY


def test_declining_a_direct_pick_fails_the_request_and_sanctions_the_decliner(owner):
    req, users = failed_twice(owner)
    request_direct_pick(request_id=req.pk, user=owner, firm_id=users[0].organisation_id, reason="工期紧急")
    after = request_decline(request_id=req.pk, user=users[0], reason="无法承接")
    assert after.status == S.FAILED and after.failure_count == 3
    assert CreditEvent.objects.filter(organisation=users[0].organisation, kind="中选后放弃中选资格").count() == 1


def test_publishing_for_direct_pick_needs_the_policy_and_the_pick_follows_sign_up(owner):
    draft = request_draft(owner=owner, method="direct")
    with pytest.raises(ValidationFailed) as refused:
        request_publish(request_id=draft.pk, user=owner)
    assert "method" in refused.value.errors
    with pytest.raises(NotAllowed):  # county staff may not set the policy
        direct_pick_policy_set(user=bureau_user(region_code="360982"), region_code="360900", funding="fiscal",
                               allowed=True, source="文件")
    city = bureau_user()
    policy = direct_pick_policy_set(user=city, region_code="360900", funding="fiscal", allowed=True, source="市政府文件")
    assert DirectPickPolicy.objects.get().allowed and policy.updated_by == city
    assert chain_records(chain="direct-pick-policy").count() == 1
    req = request_publish(request_id=draft.pk, user=owner)
    one = firm_user(item=req.service_item)
    signup_create(request_id=req.pk, user=one)
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=timezone.now() - timedelta(seconds=1))
    requests_sweep_due()
    req.refresh_from_db()
    assert req.status == S.SELECTING  # one valid registrant is enough to pick from
    picked = request_direct_pick(request_id=req.pk, user=owner, firm_id=one.organisation_id, reason="唯一报名")
    assert picked.direct_pick and picked.status == S.AWAITING_CONFIRMATION


# ---------------------------------------------------------------------------------------
# Credit events raised by the lifecycle


def test_firm_not_signing_and_service_overdue_raise_credit_events_once(owner):
    req = contracting(owner)
    contract_upload(request_id=req.pk, user=owner, document=pdf(), amount="1000")
    ServiceRequest.objects.filter(pk=req.pk).update(contract_due=timezone.now() - timedelta(seconds=1))
    requests_overdue_sweep()
    requests_overdue_sweep()
    assert CreditEvent.objects.filter(organisation=req.selected_firm, kind_code="contract_unsigned").count() == 1

    late = in_service(owner_user())
    ServiceRequest.objects.filter(pk=late.pk).update(service_ends_at=timezone.now() - timedelta(seconds=1))
    requests_overdue_sweep()
    requests_overdue_sweep()
    assert CreditEvent.objects.filter(organisation=late.selected_firm, kind_code="service_overdue").count() == 1


def test_owner_not_confirming_raises_no_credit_event_against_the_firm(owner):
    req = drawn(owner, 4)
    ServiceRequest.objects.filter(pk=req.pk).update(confirm_due=timezone.now() - timedelta(seconds=1))
    requests_overdue_sweep()
    assert not CreditEvent.objects.filter(organisation=req.selected_firm).exists()


@pytest.mark.parametrize("false_materials", [False, True])
def test_objection_upheld_for_false_materials_raises_a_removal(owner, false_materials):
    req = in_publicity(owner)
    order = ranked(req)
    objection = objection_lodge(request_id=req.pk, user=user_of(order[2]), reason="业绩造假", attachment=pdf())
    objection_answer(objection_id=objection.pk, user=bureau_user(), uphold=True, answer="经核查属实。",
                     false_materials=false_materials)
    events = CreditEvent.objects.filter(organisation=order[0], kind_code="false_materials")
    assert events.count() == (1 if false_materials else 0)
    if false_materials:
        assert events.get().sanction == CreditEvent.Sanction.REMOVAL


def test_completed_request_page_links_to_its_ratings(client, owner):
    from market import services_results as life

    req = in_service(owner)
    life.result_deliver(request_id=req.pk, user=user_of(req.selected_firm), document=pdf("result.pdf"))
    life.request_accept(request_id=req.pk, user=owner)
    page = client.get(f"/requests/{req.code}/").content.decode()
    assert f"/ratings/{req.code}/" in page


def test_a_firm_restricted_after_selection_cannot_sign_the_contract(owner):
    from credit.services import credit_event_raise

    req = contracting(owner)
    credit_event_raise(organisation_id=req.selected_firm_id, kind="collusion", cause_key="late-collusion",
                       region_id="360921", description="串通")
    with pytest.raises(NotEligible) as refused:
        contract_upload(request_id=req.pk, user=owner, document=pdf(), amount="1000")
    assert refused.value.code == "restricted" and "奉新县" in refused.value.message
    req.refresh_from_db()
    assert req.status == S.CONTRACTING and req.contract_owner_document_id is None
