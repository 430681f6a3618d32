"""Pages of the life after selection: the lifecycle panel and its actions, permission
refusals with 4xx, downloads only for those who may see them, to-do and overdue pages,
the bureau's direct-pick policy and supervision pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from market.models import DirectPickPolicy, Objection, OverdueWarning, ServiceRequest
from market.services_requests import requests_sweep_due
from market.services_results import objection_lodge, result_deliver, termination_ask
from tests.factories import bureau_user, firm_user, owner_user
from tests.market.test_after_selection import (
    contracting,
    drawn,
    failed_twice,
    in_publicity,
    in_service,
    pdf,
    ranked,
    user_of,
)

pytestmark = pytest.mark.django_db
S = ServiceRequest.Status

def detail(req):
    return reverse("market:request_detail", args=[req.code])

def life(req, action):
    return reverse(f"market:life_{action}", args=[req.code])

def as_user(client, user):
    client.force_login(user)
    return client

def test_owner_sees_the_confirm_form_and_confirms(client, owner):
    req = drawn(owner)
    page = as_user(client, owner).get(detail(req)).content.decode()
    assert 'id="lifecycle-panel"' in page and 'data-action="confirm"' in page and "确认期限" in page
    response = client.post(life(req, "confirm"))
    assert response.status_code == 302 and response["Location"] == detail(req)
    req.refresh_from_db()
    assert req.status == S.PUBLICITY

def test_others_do_not_see_the_confirm_form_and_are_refused(client, owner):
    req = drawn(owner)
    firm = user_of(req.selected_firm)
    page = as_user(client, firm).get(detail(req)).content.decode()
    assert 'data-action="confirm"' not in page and "放弃中选" in page
    assert client.post(life(req, "confirm")).status_code == 403
    client.logout()
    assert 'data-action="confirm"' not in client.get(detail(req)).content.decode()
    assert client.post(life(req, "confirm")).status_code == 302  # to the login page
    req.refresh_from_db()
    assert req.status == S.AWAITING_CONFIRMATION

def test_objection_through_the_page_only_inside_publicity(client, owner):
    req = drawn(owner)
    objector = user_of(ranked(req)[2])
    as_user(client, objector)
    response = client.post(life(req, "object"), {"reason": "理由", "attachment": pdf()})
    assert response.status_code == 409 and "公示期内" in response.content.decode()
    req = in_publicity_of(req, owner)
    assert "提出质疑" in client.get(detail(req)).content.decode()
    response = client.post(life(req, "object"), {"reason": "资质存疑", "attachment": pdf("o.pdf")})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == S.OBJECTION
    # The bureau answers on the page, the objector reads the answer there.
    officer = bureau_user()
    objection = Objection.objects.get()
    as_user(client, officer)
    assert "答复质疑" in client.get(detail(req)).content.decode()
    response = client.post(life(req, "answer"), {"objection": objection.pk, "decision": "dismiss", "answer": "不成立，理由如下。"})
    assert response.status_code == 302
    page = as_user(client, objector).get(detail(req)).content.decode()
    assert "不成立，理由如下。" in page and "质疑不成立" in page

def in_publicity_of(req, owner):
    from market.services_results import request_confirm

    return request_confirm(request_id=req.pk, user=owner)

def test_county_bureau_out_of_scope_cannot_answer(client, owner):
    req = in_publicity(owner)
    objection = objection_lodge(request_id=req.pk, user=user_of(ranked(req)[1]), reason="r", attachment=pdf())
    response = as_user(client, bureau_user(region_code="360982")).post(
        life(req, "answer"), {"objection": objection.pk, "decision": "uphold", "answer": "x"})
    assert response.status_code == 403
    assert Objection.objects.get().status == Objection.Status.PENDING

def test_contract_above_the_price_is_refused_on_the_page(client, owner):
    req = contracting(owner)
    response = as_user(client, owner).post(life(req, "contract"), {"amount": "100000.01", "document": pdf()})
    assert response.status_code == 400 and "高于" in response.content.decode()
    req.refresh_from_db()
    assert req.contract_owner_document_id is None

def test_contract_delivery_acceptance_through_the_pages(client, owner):
    req = contracting(owner)
    as_user(client, owner)
    assert "上传签订的合同" in client.get(detail(req)).content.decode()
    assert client.post(life(req, "contract"), {"amount": "88000", "document": pdf()}).status_code == 302
    firm = user_of(req.selected_firm)
    as_user(client, firm)
    assert "上传盖章合同" in client.get(detail(req)).content.decode()
    assert client.post(life(req, "contract"), {"amount": "88000.00", "document": pdf()}).status_code == 302
    assert client.post(life(req, "deliver"), {"document": pdf("result.pdf")}).status_code == 302
    assert client.post(life(req, "accept")).status_code == 403
    as_user(client, owner)
    assert "验收通过" in client.get(detail(req)).content.decode()
    assert client.post(life(req, "accept")).status_code == 302
    req.refresh_from_db()
    assert req.status == S.COMPLETED

def test_termination_asked_and_granted_through_the_pages(client, owner):
    req = in_service(owner)
    as_user(client, owner)
    assert client.post(life(req, "terminate_ask"), {"reason": "违约", "evidence": pdf()}).status_code == 302
    ask = req.terminations.get()
    as_user(client, bureau_user())
    response = client.post(life(req, "terminate_decide"), {"termination": ask.pk, "decision": "grant", "answer": "属实"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == S.TERMINATED

# ---------------------------------------------------------------------------------------
# Downloads

def download(client, doc_id):
    return client.get(reverse("market:document_download", args=[doc_id]))

def test_contract_and_result_are_served_to_both_parties_and_the_bureau_only(client, owner):
    req = in_service(owner)
    req = result_deliver(request_id=req.pk, user=user_of(req.selected_firm), document=pdf("result.pdf"))
    firm = user_of(req.selected_firm)
    loser = user_of(ranked(req)[1])
    for doc_id in (req.contract_owner_document_id, req.contract_firm_document_id, req.result_document_id):
        assert download(as_user(client, owner), doc_id).status_code == 200
        assert download(as_user(client, firm), doc_id).status_code == 200
        assert download(as_user(client, bureau_user()), doc_id).status_code == 200
        assert download(as_user(client, loser), doc_id).status_code == 404
        assert download(as_user(client, owner_user()), doc_id).status_code == 404
        assert download(as_user(client, firm_user()), doc_id).status_code == 404
        client.logout()
        assert download(client, doc_id).status_code == 404

def test_objection_attachment_and_evidence_stay_with_their_uploader_and_the_bureau(client, owner):
    req = in_publicity(owner)
    objector = user_of(ranked(req)[2])
    objection = objection_lodge(request_id=req.pk, user=objector, reason="r", attachment=pdf())
    doc_id = objection.attachment_id
    assert download(as_user(client, objector), doc_id).status_code == 200
    assert download(as_user(client, bureau_user()), doc_id).status_code == 200
    assert download(as_user(client, user_of(req.selected_firm)), doc_id).status_code == 404
    assert download(as_user(client, owner_user()), doc_id).status_code == 404
    other = in_service(owner_user(region_code="360982"))
    ask = termination_ask(request_id=other.pk, user=user_of(other.owner), reason="r", evidence=pdf())
    assert download(as_user(client, bureau_user(region_code="360982")), ask.evidence_id).status_code == 200
    assert download(as_user(client, bureau_user(region_code="360983")), ask.evidence_id).status_code == 404
    assert download(as_user(client, firm_user()), ask.evidence_id).status_code == 404

# ---------------------------------------------------------------------------------------
# To-do, overdue, supervision pages

def test_todo_page_lists_what_waits_and_nav_links_it(client, owner):
    req = drawn(owner)
    page = as_user(client, owner).get(reverse("market:todo")).content.decode()
    assert req.code in page and "确认选取结果" in page and 'href="/todo/"' in page
    assert req.code not in as_user(client, owner_user()).get(reverse("market:todo")).content.decode()
    client.logout()
    assert client.get(reverse("market:todo")).status_code == 302

def test_overdue_page_shows_warnings_to_the_party_and_the_bureau(client, owner):
    req = drawn(owner)
    ServiceRequest.objects.filter(pk=req.pk).update(confirm_due=timezone.now() - timedelta(seconds=1))
    as_user(client, owner).get(detail(req))  # a page view records nothing against a party
    assert not OverdueWarning.objects.filter(request=req).exists()
    requests_sweep_due()  # the beat does
    assert OverdueWarning.objects.filter(request=req).count() == 1
    assert "业主未按期确认选取结果" in client.get(reverse("market:overdue")).content.decode()
    assert req.code in as_user(client, bureau_user()).get(reverse("market:overdue")).content.decode()
    assert req.code not in as_user(client, user_of(req.selected_firm)).get(reverse("market:overdue")).content.decode()

def test_bureau_sets_the_direct_pick_policy_city_staff_only(client):
    url = reverse("bidding:bureau_direct_pick_policies")
    county = bureau_user(region_code="360982")
    response = as_user(client, county).post(url, {"region": "360982", "funding": "own", "allowed": "1", "source": "x"})
    assert response.status_code == 403 and not DirectPickPolicy.objects.exists()
    as_user(client, bureau_user())
    response = client.post(url, {"region": "360982", "funding": "own", "allowed": "1", "source": "樟树市政府文件"})
    assert response.status_code == 302
    assert DirectPickPolicy.objects.get(region_id="360982", funding="own").allowed
    assert "樟树市政府文件" in client.get(url).content.decode()
    assert as_user(client, owner_user()).get(url).status_code == 403

def test_direct_pick_through_the_page_is_listed_for_supervision(client, owner):
    req, users = failed_twice(owner)
    as_user(client, owner)
    assert "直接选取" in client.get(detail(req)).content.decode()
    response = client.post(reverse("bidding:direct_pick", args=[req.code]), {"firm": users[0].organisation_id, "reason": ""})
    assert response.status_code == 400
    response = client.post(reverse("bidding:direct_pick", args=[req.code]), {"firm": users[0].organisation_id, "reason": "工期紧急"})
    assert response.status_code == 302
    page = as_user(client, bureau_user()).get(reverse("bidding:bureau_direct_picks")).content.decode()
    assert req.code in page and "工期紧急" in page
    assert req.code not in as_user(client, bureau_user(region_code="360982")).get(
        reverse("bidding:bureau_direct_picks")).content.decode()

# ---------------------------------------------------------------------------------------
# Forms keep what was typed; irreversible clicks confirm (issue 12)

def test_a_contract_amount_error_re_renders_the_page_in_place_with_the_amount_kept(client, owner):
    req = contracting(owner)
    response = as_user(client, owner).post(life(req, "contract"), {"amount": "100,000.01", "document": pdf()})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="contract-form"' in html and 'id="lifecycle-panel"' in html
    assert 'value="100,000.01"' in html and 'id="err-contract-amount"' in html
    assert html.count("不予接受") == 1  # beside its field, not twice
    assert "请重新选择合同文件" in html
    response = client.post(life(req, "contract"), {"amount": "8.3k", "document": pdf()})
    assert response.status_code == 400 and "只能用“元”或“万”作单位" in response.content.decode()

def test_a_contract_amount_typed_in_wan_is_understood_and_a_success_message_follows(client, owner):
    req = contracting(owner)
    response = as_user(client, owner).post(life(req, "contract"), {"amount": "8.3万", "document": pdf()}, follow=True)
    req.refresh_from_db()
    assert str(req.contract_amount) == "83000.00"
    assert "合同已上传" in response.content.decode()

def test_acceptance_confirms_with_a_summary_and_takes_an_optional_comment(client, owner):
    from audit.selectors import chain_records
    from market.lifecycle import request_chain
    from market.services_results import contract_upload, result_deliver

    req = contracting(owner)
    contract_upload(request_id=req.pk, user=owner, document=pdf(), amount="90000.00")
    firm = user_of(req.selected_firm)
    contract_upload(request_id=req.pk, user=firm, document=pdf(), amount="90000.00")
    result_deliver(request_id=req.pk, user=firm, document=pdf("result.pdf"))
    html = as_user(client, owner).get(detail(req)).content.decode()
    form = html[html.index('id="accept-form"') - 200:]
    assert 'data-confirm="验收通过"' in form and "90,000.00 元" in form and "不可撤回" in form
    too_long = "好" * 501
    response = client.post(life(req, "accept"), {"comment": too_long})
    assert response.status_code == 400 and too_long in response.content.decode()
    assert client.post(life(req, "accept"), {"comment": "成果符合要求"}).status_code == 302
    record = [r for r in chain_records(chain=request_chain(req)) if r.to_state == "completed"][-1]
    assert record.reason == "成果符合要求"

def test_confirming_the_result_asks_first_with_the_firm_and_the_price(client, owner):
    req = drawn(owner)
    html = as_user(client, owner).get(detail(req)).content.decode()
    start = html.index('data-confirm="确认选取结果"')
    summary = html[start:html.index(">", start)]
    assert req.selected_firm.name in summary and "100,000.00 元" in summary and "壹拾万元整" in summary
    assert "js/forms.js" in html
