"""Credit pages: public list and score breakdown, the firm's page and appeal, the bureau's
issue / revoke / answer pages and sanction table."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Document
from credit.models import CreditAppeal, CreditEvent, SanctionRule
from credit.services import credit_event_issue
from tests.credit.helpers import evidence_for
from tests.factories import bureau_user, firm_user

pytestmark = pytest.mark.django_db


def _issue(officer, firm, kind="overcharging"):
    return credit_event_issue(user=officer, organisation_id=firm.organisation_id, kind=kind,
                              description="超标准收费三万元", evidence=evidence_for(officer))


def test_public_credit_list_is_searchable_and_shows_event_rule_and_dates(client):
    officer = bureau_user(region_code="360921")
    listed, other = firm_user(), firm_user()
    _issue(officer, listed)
    _issue(officer, other, kind="collusion")
    html = client.get("/credit/").content.decode()
    assert listed.organisation.name in html and other.organisation.name in html
    assert "违规收费（收费乱）" in html and "暂停参与" in html and "奉新县" in html and "禁入至" in html
    html = client.get("/credit/", {"q": listed.organisation.uscc}).content.decode()
    assert listed.organisation.name in html and other.organisation.name not in html


def test_score_breakdown_page_shows_how_it_was_computed(client):
    firm = firm_user()
    _issue(bureau_user(), firm)
    html = client.get(f"/credit/firms/{firm.organisation_id}/").content.decode()
    assert "计算公式" in html, html
    assert "(5×80.0 + 3×80.0 + 2×70.0) ÷ 10 = 78.0" in html, html[html.find("score-breakdown"):][:3000]


def test_firm_sees_its_events_and_appeals_once(client):
    firm = firm_user()
    event = _issue(bureau_user(), firm)
    client.force_login(firm)
    html = client.get("/firm/credit/").content.decode()
    assert "超标准收费三万元" in html and "您单位正受信用限制：暂停参与" in html and "全市范围内不得报名" in html
    assert client.post(f"/firm/credit/events/{event.pk}/appeal/", {"reason": "收费符合合同"}).status_code == 302
    assert CreditAppeal.objects.get(event=event).reason == "收费符合合同"
    again = client.post(f"/firm/credit/events/{event.pk}/appeal/", {"reason": "再次"})
    assert again.status_code == 409 and "只能申诉一次" in again.content.decode()
    other = firm_user()
    client.force_login(other)
    assert client.post(f"/firm/credit/events/{event.pk}/appeal/", {"reason": "x"}).status_code == 403


def test_bureau_issues_an_event_with_evidence_upload(client):
    officer = bureau_user(region_code="360982")
    firm = firm_user()
    client.force_login(officer)
    assert "录入信用事件" in client.get("/bureau/credit/").content.decode()
    upload = SimpleUploadedFile("证据.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    response = client.post("/bureau/credit/", {"organisation": firm.organisation_id, "kind": "bribery",
                                               "description": "向业主工作人员行贿", "evidence": upload})
    event = CreditEvent.objects.get(organisation=firm.organisation)
    assert response.status_code == 302 and response.url == f"/bureau/credit/events/{event.pk}/"
    assert (event.region_id, event.sanction, event.officer) == ("360982", "removal", officer)
    html = client.get(response.url).content.decode()
    assert "证据.pdf" in html and event.evidence.sha256 in html


def test_issue_without_evidence_is_refused_and_writes_nothing(client):
    client.force_login(bureau_user())
    firm = firm_user()
    response = client.post("/bureau/credit/", {"organisation": firm.organisation_id, "kind": "collusion",
                                               "description": "串通"})
    assert response.status_code == 400 and "请上传证据材料" in response.content.decode()
    bad = SimpleUploadedFile("x.pdf", b"not a pdf", content_type="application/pdf")
    response = client.post("/bureau/credit/", {"organisation": firm.organisation_id, "kind": "collusion",
                                               "description": "串通", "evidence": bad})
    assert response.status_code == 400
    assert not CreditEvent.objects.exists() and not Document.objects.exists()


def test_bureau_answers_an_appeal_and_revokes_on_the_event_page(client):
    officer = bureau_user()
    firm = firm_user()
    event = _issue(officer, firm)
    client.force_login(firm)
    client.post(f"/firm/credit/events/{event.pk}/appeal/", {"reason": "不服"})
    client.force_login(officer)
    assert client.post(f"/bureau/credit/events/{event.pk}/", {"action": "reject", "answer": ""}).status_code == 400
    assert client.post(f"/bureau/credit/events/{event.pk}/", {"action": "reject", "answer": "维持"}).status_code == 302
    assert CreditAppeal.objects.get(event=event).status == "rejected"
    assert client.post(f"/bureau/credit/events/{event.pk}/", {"action": "revoke", "reason": "复核撤销"}).status_code == 302
    event.refresh_from_db()
    assert event.status == "revoked"
    assert "复核撤销" in client.get(f"/bureau/credit/events/{event.pk}/").content.decode()


def test_sanction_table_page_city_edits_county_reads(client):
    client.force_login(bureau_user(region_code="360921"))
    html = client.get("/bureau/credit/sanctions/").content.decode()
    assert "串通" in html and "保存" not in html
    assert client.post("/bureau/credit/sanctions/", {"kind": "collusion", "sanction": "removal", "months": 0,
                                                     "ban_years": 3, "points": -60, "severity": "grave",
                                                     "source": "依据"}).status_code == 403
    client.force_login(bureau_user())
    response = client.post("/bureau/credit/sanctions/", {"kind": "collusion", "sanction": "removal", "months": 0,
                                                         "ban_years": 3, "points": -60, "severity": "grave",
                                                         "source": "依据"})
    assert response.status_code == 302
    assert SanctionRule.objects.get(kind="collusion").ban_years == 3


def test_credit_pages_guard_roles(client):
    assert client.get("/firm/credit/").status_code == 302
    client.force_login(firm_user())
    assert client.get("/bureau/credit/").status_code == 403


def test_a_non_numeric_firm_id_is_a_400_with_a_message(client):
    from tests.factories import bureau_user

    client.force_login(bureau_user())
    response = client.post("/bureau/credit/", {"organisation": "abc", "kind": "collusion", "description": "x"})
    assert response.status_code == 400
    assert "请选择中介机构" in response.content.decode()
