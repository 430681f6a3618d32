"""Credit events: raised once per cause, issued by the bureau with evidence, appealed,
revoked, expiring by themselves; the sanction table; the audit chain."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Notification
from audit.selectors import chain_records, chain_verify
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from credit.models import CreditAppeal, CreditEvent, SanctionRule
from credit.selectors import credit_restriction, public_credit_list, sanction_for
from credit.services import (
    credit_appeal_answer,
    credit_appeal_file,
    credit_chain,
    credit_event_issue,
    credit_event_raise,
    credit_event_revoke,
    credit_events_expire_due,
    credit_raise_contract_unsigned,
    credit_raise_false_materials,
    credit_raise_service_overdue,
    sanction_rule_set,
)
from credit.tasks import credit_sweep
from tests.credit.helpers import evidence_for
from tests.factories import bureau_user, firm_user, published_request

pytestmark = pytest.mark.django_db


def test_sanction_table_is_seeded_with_the_product_defaults():
    from credit.sanctions import SANCTION_DEFAULTS

    assert SanctionRule.objects.count() == 11 == len(SANCTION_DEFAULTS)
    declined = SanctionRule.objects.get(kind="declined")
    assert (declined.sanction, declined.months) == ("suspension", 6)
    collusion = SanctionRule.objects.get(kind="collusion")
    assert (collusion.sanction, collusion.ban_years) == ("removal", 2)
    assert SanctionRule.objects.get(kind="red_list").points > 0


def test_a_cause_raises_its_event_once():
    firm = firm_user()
    req = published_request()
    first, created = credit_raise_service_overdue(request=req, organisation_id=firm.organisation_id)
    again, created_again = credit_raise_service_overdue(request=req, organisation_id=firm.organisation_id)
    assert created and not created_again and first.pk == again.pk
    assert CreditEvent.objects.filter(organisation=firm.organisation).count() == 1
    assert first.sanction == "warning" and first.kind == "服务逾期" and first.rule_source
    records = chain_records(chain=credit_chain(firm.organisation_id))
    assert [r.kind for r in records] == ["credit_event"]
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditEvent.objects.create(organisation=firm.organisation, kind="x", sanction="warning", points=-5, rule_source="x",
                                   region_id="360900", starts_at=timezone.now(), cause_key=first.cause_key)


def test_automatic_kinds_follow_the_sanction_table():
    firm = firm_user()
    req = published_request()
    unsigned, _ = credit_raise_contract_unsigned(request=req, organisation_id=firm.organisation_id)
    assert unsigned.sanction == "suspension" and 180 <= (unsigned.ends_at - unsigned.starts_at).days <= 185
    false, _ = credit_raise_false_materials(request=req, organisation_id=firm.organisation_id, objection_id=7)
    assert false.sanction == "removal" and false.ends_at is None
    assert 729 <= (false.ban_until - false.starts_at).days <= 731
    assert credit_restriction(organisation_id=firm.organisation_id).sanction == "removal"


def test_bureau_edits_the_sanction_table_city_staff_only():
    city = bureau_user()
    with pytest.raises(NotAllowed):
        sanction_rule_set(user=bureau_user(region_code="360921"), kind="overcharging", sanction="suspension",
                          months=3, ban_years=0, points=-15, severity="serious", source="依据")
    with pytest.raises(ValidationFailed):
        sanction_rule_set(user=city, kind="overcharging", sanction="suspension", months=0, ban_years=0, points=-15,
                          severity="serious", source="依据")
    sanction_rule_set(user=city, kind="overcharging", sanction="suspension", months=3, ban_years=0, points=-15,
                      severity="serious", source="新依据")
    assert sanction_for("overcharging").months == 3
    firm = firm_user()
    event = credit_event_issue(user=city, organisation_id=firm.organisation_id, kind="overcharging",
                               description="超标准收费", evidence=evidence_for(city))
    assert 89 <= (event.ends_at - event.starts_at).days <= 92 and event.points == -15
    assert chain_verify(chain="credit:sanctions").ok


def test_bureau_issues_with_evidence_only_bureau_kinds():
    officer = bureau_user(region_code="360921")
    firm = firm_user()
    with pytest.raises(ValidationFailed) as err:
        credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind="collusion",
                           description="串通投标", evidence=None)
    assert "evidence" in err.value.errors
    with pytest.raises(ValidationFailed) as err:
        credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind="declined",
                           description="x", evidence=evidence_for(officer))
    assert "kind" in err.value.errors
    with pytest.raises(NotAllowed):
        credit_event_issue(user=firm, organisation_id=firm.organisation_id, kind="collusion", description="x",
                           evidence=None)
    event = credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind="collusion",
                               description="与他人串通投标", evidence=evidence_for(officer))
    assert (event.region_id, event.officer, event.sanction) == ("360921", officer, "removal")
    assert event.evidence.sha256
    assert Notification.objects.filter(organisation=firm.organisation, kind="credit").exists()
    assert "奉新县" in credit_restriction(organisation_id=firm.organisation_id).message


def test_red_list_adds_points_and_restricts_nothing():
    officer = bureau_user()
    firm = firm_user()
    event = credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind="red_list",
                               description="服务优质，年度考核优秀", evidence=evidence_for(officer))
    assert event.sanction == "commendation" and event.points > 0
    assert credit_restriction(organisation_id=firm.organisation_id) is None
    assert firm.organisation.credit_score.credit_part == 100


def test_firm_appeals_once_and_the_bureau_answers():
    officer = bureau_user(region_code="360921")
    firm = firm_user()
    event = credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind="overcharging",
                               description="超标准收费", evidence=evidence_for(officer))
    with pytest.raises(NotAllowed):
        credit_appeal_file(user=firm_user(), event_id=event.pk, reason="不服")
    appeal = credit_appeal_file(user=firm, event_id=event.pk, reason="收费符合合同约定")
    event.refresh_from_db()
    assert event.status == "disputed" and appeal.answer_due > timezone.now()
    assert credit_restriction(organisation_id=firm.organisation_id) is not None  # an appeal does not suspend
    with pytest.raises(InvalidState):
        credit_appeal_file(user=firm, event_id=event.pk, reason="再次")
    with pytest.raises(NotAllowed):
        credit_appeal_answer(user=bureau_user(region_code="360982"), event_id=event.pk, uphold=True, answer="x")
    credit_appeal_answer(user=officer, event_id=event.pk, uphold=False, answer="经核查，收费超出标准，维持。")
    event.refresh_from_db()
    assert event.status == "active"
    assert CreditAppeal.objects.get(event=event).status == "rejected"
    kinds = [r.kind for r in chain_records(chain=credit_chain(firm.organisation_id))]
    assert kinds == ["credit_event", "credit_appealed", "credit_appeal_answered"]
    assert chain_verify(chain=credit_chain(firm.organisation_id)).ok


def test_upheld_appeal_revokes_the_event_and_lifts_the_restriction():
    officer = bureau_user()
    firm = firm_user()
    event = credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind="bribery",
                               description="行贿", evidence=evidence_for(officer))
    credit_appeal_file(user=firm, event_id=event.pk, reason="系他人冒名")
    credit_appeal_answer(user=officer, event_id=event.pk, uphold=True, answer="经公安机关核实系冒名，撤销。")
    event.refresh_from_db()
    assert event.status == "revoked"
    assert credit_restriction(organisation_id=firm.organisation_id) is None


def test_bureau_revokes_with_a_reason_and_the_event_stays_visible():
    officer = bureau_user(region_code="360921")
    firm = firm_user()
    event = credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind="collusion",
                               description="串通", evidence=evidence_for(officer))
    with pytest.raises(ValidationFailed):
        credit_event_revoke(user=officer, event_id=event.pk, reason="")
    with pytest.raises(NotAllowed):
        credit_event_revoke(user=bureau_user(region_code="360982"), event_id=event.pk, reason="越权")
    credit_event_revoke(user=bureau_user(), event_id=event.pk, reason="复核后证据不足")
    event.refresh_from_db()
    assert (event.status, event.status_reason) == ("revoked", "复核后证据不足")
    assert credit_restriction(organisation_id=firm.organisation_id) is None
    with pytest.raises(InvalidState):
        credit_event_revoke(user=officer, event_id=event.pk, reason="again")


def test_restrictions_lift_by_themselves_and_the_firm_is_told():
    firm = firm_user()
    req = published_request()
    event, _ = credit_raise_contract_unsigned(request=req, organisation_id=firm.organisation_id,
                                              at=timezone.now() - timedelta(days=200))
    # The selector ignores the ended event before any sweep has run.
    assert credit_restriction(organisation_id=firm.organisation_id) is None
    credit_sweep()
    event.refresh_from_db()
    assert event.status == "expired"
    assert Notification.objects.filter(organisation=firm.organisation, title__contains="到期解除").count() == 1
    assert credit_events_expire_due() == 0  # idempotent
    assert [r.kind for r in chain_records(chain=credit_chain(firm.organisation_id))][-1] == "credit_expired"


def test_public_list_shows_sanctions_in_force_and_removals_for_their_ban():
    officer = bureau_user()
    removed, suspended, lifted = firm_user(), firm_user(), firm_user()
    removal = credit_event_issue(user=officer, organisation_id=removed.organisation_id, kind="fake_qualification",
                                 description="资质证书造假", evidence=evidence_for(officer))
    credit_event_issue(user=officer, organisation_id=suspended.organisation_id, kind="overcharging",
                       description="超标准收费", evidence=evidence_for(officer))
    req = published_request()
    credit_raise_contract_unsigned(request=req, organisation_id=lifted.organisation_id,
                                   at=timezone.now() - timedelta(days=200))
    listed = set(public_credit_list().values_list("organisation_id", flat=True))
    assert listed == {removed.organisation_id, suspended.organisation_id}
    assert list(public_credit_list(q=removed.organisation.uscc)) == [removal]
    later = timezone.now() + timedelta(days=365 * 2 + 2)
    assert removed.organisation_id not in set(public_credit_list(at=later).values_list("organisation_id", flat=True))
    assert credit_restriction(organisation_id=removed.organisation_id, at=later) is not None  # removal stays


def test_raise_requires_a_cause_key():
    firm = firm_user()
    with pytest.raises(ValueError):
        credit_event_raise(organisation_id=firm.organisation_id, kind="declined", cause_key="", region_id="360900",
                           description="x")
