"""Attachments (采购文件) and the clarification Q&A (答疑澄清) of an announcement."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Notification
from audit.selectors import chain_records
from market.services_requests import signup_create
from core.exceptions import InvalidState, NotAllowed, ValidationFailed
from market.lifecycle import request_chain
from market.services_announcement import attachment_add, clarification_answer, clarification_ask
from tests.factories import firm_user, owner_user, published_request, service_item

pytestmark = pytest.mark.django_db


def pdf(name="采购文件.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 tender file", content_type="application/pdf")


@pytest.fixture
def case():
    item = service_item()
    owner = owner_user()
    req = published_request(owner=owner, item=item)
    a, b, outsider = firm_user(item=item), firm_user(item=item), firm_user(item=item)
    signup_create(request_id=req.pk, user=a)
    signup_create(request_id=req.pk, user=b)
    return req, owner, a, b, outsider


def test_the_owner_attaches_a_file_everyone_can_download(client, case):
    req, owner, a, _b, _o = case
    attachment = attachment_add(user=owner, request_id=req.pk, title="采购需求书", upload=pdf())
    assert chain_records(chain=request_chain(req)).last().kind == "attachment"
    html = client.get(f"/requests/{req.code}/").content.decode()
    assert "采购需求书" in html
    assert client.get(f"/documents/{attachment.document_id}/").status_code == 200
    with pytest.raises(NotAllowed):
        attachment_add(user=a, request_id=req.pk, title="x", upload=pdf())
    with pytest.raises(ValidationFailed) as caught:
        attachment_add(user=owner, request_id=req.pk, title="", upload=pdf())
    assert "title" in caught.value.errors


def test_questions_are_asked_by_registrants_and_answers_seen_by_all_of_them(client, case):
    req, owner, a, b, outsider = case
    with pytest.raises(NotAllowed):
        clarification_ask(user=outsider, request_id=req.pk, question="能否延期？")
    with pytest.raises(ValidationFailed):
        clarification_ask(user=a, request_id=req.pk, question="问" * 501)
    item = clarification_ask(user=a, request_id=req.pk, question="服务范围是否含现场踏勘？")
    assert Notification.objects.filter(organisation=owner.organisation, kind="clarification").exists()
    with pytest.raises(NotAllowed):
        clarification_answer(user=a, clarification_id=item.pk, answer="是")
    clarification_answer(user=owner, clarification_id=item.pk, answer="含现场踏勘两次。")
    with pytest.raises(InvalidState):
        clarification_answer(user=owner, clarification_id=item.pk, answer="再答")
    assert Notification.objects.filter(organisation=b.organisation, kind="clarification").exists()
    client.force_login(b)
    html = client.get(f"/requests/{req.code}/").content.decode()
    assert "服务范围是否含现场踏勘？" in html and "含现场踏勘两次。" in html
    assert a.organisation.name not in html  # the asker is not shown to other registrants
    client.force_login(owner)
    assert a.organisation.name in client.get(f"/requests/{req.code}/").content.decode()
    client.force_login(outsider)
    assert "含现场踏勘两次。" not in client.get(f"/requests/{req.code}/").content.decode()


def test_asking_through_htmx_swaps_the_panel_and_keeps_the_text_on_error(client, case):
    req, _owner, a, _b, _o = case
    client.force_login(a)
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "clarifications"}
    too_long = "很" * 501
    response = client.post(f"/requests/{req.code}/clarifications/", {"question": too_long}, **htmx)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="clarifications"' in html and too_long in html and "不能超过500个字" in html
    assert html.count("不能超过500个字") == 1
    response = client.post(f"/requests/{req.code}/clarifications/", {"question": "是否需要驻场？"}, **htmx)
    assert response.status_code == 200 and "是否需要驻场？" in response.content.decode()
    assert "问题已提交" in response.content.decode()
