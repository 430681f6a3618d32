"""Public pages: announcements, a request's announcement and sign-up, registry, catalogue,
document downloads and the dashboard."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import document_store
from market.models import Entry, Qualification, ServiceRequest, SignUp, StaffMember
from market.services_requests import (
    request_close_signup,
    request_draft_save,
    request_publish,
    signup_create,
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

LIST_URL = "/announcements/"
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "announcement-results"}


def detail_url(req: ServiceRequest) -> str:
    return reverse("market:request_detail", args=[req.code])


def signup_url(req: ServiceRequest) -> str:
    return reverse("market:request_signup", args=[req.code])


def pdf(name: str = "licence.pdf", size: int = 2048) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"0" * size, content_type="application/pdf")


def close_now(req: ServiceRequest) -> ServiceRequest:
    """Move the sign-up deadline into the past (as time passing would) and close sign-up."""
    past = timezone.now() - timedelta(minutes=1)
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=past)
    request_close_signup(request_id=req.pk)
    req.refresh_from_db()
    return req


# ---------------------------------------------------------------------------------------
# Announcement list


def test_list_shows_public_requests_and_hides_drafts(client, owner):
    public = published_request(owner=owner, title="袁州区某学校扩建工程环境影响评价")
    draft = request_draft(owner=owner, title="尚未发布的草稿项目")
    response = client.get(LIST_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert public.code in html and public.title in html
    assert draft.code not in html and draft.title not in html
    assert "报名中" in html  # status badge
    assert "100,000.00" in html  # ceiling


def test_list_filters_and_search(client, owner):
    draw = published_request(owner=owner, title="甲项目", method="draw")
    auction = published_request(owner=owner, title="乙项目", method="auction")
    other_owner = owner_user(region_code="360982")
    county = published_request(owner=other_owner, title="樟树市丙项目")

    html = client.get(LIST_URL, {"method": "auction"}).content.decode()
    assert auction.code in html and draw.code not in html

    html = client.get(LIST_URL, {"region": "360982"}).content.decode()
    assert county.code in html and draw.code not in html and auction.code not in html

    html = client.get(LIST_URL, {"q": draw.code}).content.decode()
    assert draw.code in html and auction.code not in html

    html = client.get(LIST_URL, {"q": "丙项目"}).content.decode()
    assert county.code in html and draw.code not in html

    html = client.get(LIST_URL, {"service_item": draw.service_item.code, "status": "published"}).content.decode()
    assert draw.code in html

    html = client.get(LIST_URL, {"status": "failed"}).content.decode()
    assert draw.code not in html and "没有符合条件的采购公告" in html


def test_list_ignores_invalid_filter_values(client, owner):
    req = published_request(owner=owner)
    response = client.get(LIST_URL, {"region": "999999", "method": "bogus", "page": "x"})
    assert response.status_code == 200
    assert req.code in response.content.decode()


def test_list_htmx_request_gets_only_the_results(client, owner):
    req = published_request(owner=owner)
    response = client.get(LIST_URL, {"q": req.code}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert req.code in html
    assert "<html" not in html and "<table" in html
    assert "HX-Request" in response["Vary"]


def test_list_shows_signup_count_of_current_round(client, owner):
    item = service_item()
    req = published_request(owner=owner, item=item)
    for _ in range(2):
        signup_create(request_id=req.pk, user=firm_user(item=item))
    response = client.get(LIST_URL)
    row = next(r for r in response.context["rows"] if r.pk == req.pk)
    assert row.signup_count == 2


def test_list_paginates_twenty_per_page(client, owner):
    for _ in range(21):
        published_request(owner=owner)
    first = client.get(LIST_URL)
    assert len(first.context["rows"]) == 20
    second = client.get(LIST_URL, {"page": 2})
    assert len(second.context["rows"]) == 1


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LIST_URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_query_count_does_not_grow_with_rows(client, owner):
    item = service_item()
    firm = firm_user(item=item)
    for _ in range(3):
        req = published_request(owner=owner, item=item)
        signup_create(request_id=req.pk, user=firm)
    few = _list_queries(client)
    other_owner = owner_user(region_code="360902")
    for _ in range(27):
        req = published_request(owner=other_owner, item=item)
        signup_create(request_id=req.pk, user=firm)
    assert ServiceRequest.objects.count() == 30
    many = _list_queries(client)
    assert few == many


# ---------------------------------------------------------------------------------------
# Request detail


def test_detail_shows_the_announcement(client, owner):
    req = published_request(owner=owner)
    item = req.service_item
    html = client.get(detail_url(req)).content.decode()
    for text in (
        req.code, req.title, req.scope, item.name, item.legal_basis.splitlines()[0], item.qualification_type.name,
        req.region.name, "财政性资金", "100,000.00", "随机选取", req.contact_name, req.contact_phone, "0795-12345",
        "随机选取承诺值 SHA-256", req.draw_commitment,
    ):
        assert text in html, text


def test_detail_hides_commitment_for_auctions(client, owner):
    req = published_request(owner=owner, method="auction")
    html = client.get(detail_url(req)).content.decode()
    assert "随机选取承诺值" not in html
    assert "竞价时长" in html


def test_detail_lists_exclusions(client, owner):
    item = service_item()
    excluded = firm_user(item=item)
    draft = request_draft(owner=owner, item=item)
    request_draft_save(user=owner, data={}, exclusions=[(excluded.organisation_id, "与业主存在隶属关系")],
                       request_id=draft.pk)
    req = request_publish(request_id=draft.pk, user=owner)
    html = client.get(detail_url(req)).content.decode()
    assert excluded.organisation.name in html
    assert "与业主存在隶属关系" in html


def test_draft_is_404_for_everyone_but_its_owner(client, owner):
    draft = request_draft(owner=owner)
    url = detail_url(draft)
    assert client.get(url).status_code == 404  # anonymous
    for outsider in (owner_user(), firm_user(), bureau_user()):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    colleague = owner_user()
    colleague.organisation = owner.organisation
    colleague.save()
    for insider in (owner, colleague):
        client.force_login(insider)
        response = client.get(url)
        assert response.status_code == 200
        assert "尚未发布" in response.content.decode()


def test_nonce_never_appears_in_any_page(client, owner, bureau):
    item = service_item()
    firm = firm_user(item=item)
    req = published_request(owner=owner, item=item)
    assert req.draw_nonce
    pages = [LIST_URL, detail_url(req), "/registry/", "/catalogue/"]
    for user in (None, owner, firm, bureau):
        client.logout()
        if user is not None:
            client.force_login(user)
        for url in pages:
            html = client.get(url).content.decode()
            assert req.draw_nonce not in html, (user, url)
            assert req.draw_nonce.upper() not in html
    client.force_login(firm)
    response = client.post(signup_url(req), HTTP_HX_REQUEST="true")
    assert req.draw_nonce not in response.content.decode()


def test_registrant_names_only_for_owner_and_bureau(client, owner, bureau):
    item = service_item()
    firm_a, firm_b = firm_user(item=item), firm_user(item=item)
    req = published_request(owner=owner, item=item)
    signup_create(request_id=req.pk, user=firm_a)
    name = firm_a.organisation.name
    for viewer in (owner, bureau):
        client.force_login(viewer)
        html = client.get(detail_url(req)).content.decode()
        assert name in html and "报名机构（本轮）" in html
    for viewer in (firm_b, owner_user()):
        client.force_login(viewer)
        response = client.get(detail_url(req))
        assert name not in response.content.decode()
        assert response.context["signup_count"] == 1
    client.logout()
    assert name not in client.get(detail_url(req)).content.decode()


def test_county_bureau_sees_names_only_in_its_county(client):
    item = service_item()
    owner = owner_user(region_code="360982")
    req = published_request(owner=owner, item=item)
    firm = firm_user(item=item)
    signup_create(request_id=req.pk, user=firm)
    client.force_login(bureau_user(region_code="360982"))
    assert firm.organisation.name in client.get(detail_url(req)).content.decode()
    client.force_login(bureau_user(region_code="360983"))
    assert firm.organisation.name not in client.get(detail_url(req)).content.decode()


def test_audit_trail_only_for_owner_and_bureau(client, owner, bureau):
    req = published_request(owner=owner)
    for viewer in (owner, bureau):
        client.force_login(viewer)
        response = client.get(detail_url(req))
        html = response.content.decode()
        assert "流程记录" in html
        assert "草稿 → 报名中" in html
        assert len(response.context["audit_rows"]) == 2  # created, published
    client.force_login(firm_user())
    assert "流程记录" not in client.get(detail_url(req)).content.decode()
    client.logout()
    assert "流程记录" not in client.get(detail_url(req)).content.decode()


def test_failed_request_shows_reason_after_lazy_deadline_check(client, owner):
    req = published_request(owner=owner)
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=timezone.now() - timedelta(minutes=1))
    html = client.get(detail_url(req)).content.decode()  # request_refresh moves it on
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.FAILED
    assert "流标原因" in html and req.closing_reason in html


def test_cancelled_request_shows_reason(client, owner):
    from market.services_requests import request_cancel

    req = published_request(owner=owner)
    request_cancel(request_id=req.pk, user=owner, reason="项目规划调整，暂缓实施")
    html = client.get(detail_url(req)).content.decode()
    assert "取消原因" in html and "项目规划调整，暂缓实施" in html


def test_list_never_moves_a_request_but_its_own_page_does(client, owner):
    """A GET writes nothing beyond the one object it shows: the city-wide sweep is beat's."""
    req = published_request(owner=owner)
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=timezone.now() - timedelta(minutes=1))
    client.get(LIST_URL)
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.PUBLISHED
    client.get(detail_url(req))
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.FAILED


def test_unknown_code_is_404(client):
    assert client.get("/requests/YC-NOPE/").status_code == 404


# ---------------------------------------------------------------------------------------
# Sign-up


def test_firm_sees_signup_button_then_signed_up(client, owner):
    item = service_item()
    firm = firm_user(item=item)
    req = published_request(owner=owner, item=item)
    client.force_login(firm)
    html = client.get(detail_url(req)).content.decode()
    assert 'id="signup-panel"' in html and "报名参加" in html and f'hx-post="{signup_url(req)}"' in html
    response = client.post(signup_url(req), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "报名成功" in html and "已报名" in html and "<html" not in html
    assert SignUp.objects.filter(request=req, organisation=firm.organisation, round=1).count() == 1
    html = client.get(detail_url(req)).content.decode()
    assert "已报名" in html and "报名参加" not in html


def test_second_signup_is_409_with_reason_and_swapped(client, owner):
    item = service_item()
    firm = firm_user(item=item)
    req = published_request(owner=owner, item=item)
    signup_create(request_id=req.pk, user=firm)
    client.force_login(firm)
    response = client.post(signup_url(req), HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "您单位已报名本项目" in response.content.decode()
    assert response["HX-Retarget"] == "#signup-panel"
    assert response["HX-Reswap"] == "outerHTML"
    assert SignUp.objects.filter(request=req).count() == 1


@pytest.mark.parametrize(
    "make_firm, reason",
    [
        (lambda item: firm_user(item=item, approved=False), "尚未通过入驻审核"),
        (lambda item: firm_user(item=item, valid_until=timezone.localdate() - timedelta(days=1)), "已过期"),
    ],
)
def test_ineligible_firm_gets_403_with_reason(client, owner, make_firm, reason):
    item = service_item()
    firm = make_firm(item)
    req = published_request(owner=owner, item=item)
    client.force_login(firm)
    html = client.get(detail_url(req)).content.decode()
    assert reason in html  # shown before trying
    response = client.post(signup_url(req), HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert reason in response.content.decode()
    assert not SignUp.objects.filter(request=req).exists()


def test_signup_after_deadline_is_409_and_moves_request_on(client, owner):
    item = service_item()
    firm = firm_user(item=item)
    req = published_request(owner=owner, item=item)
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=timezone.now() - timedelta(seconds=1))
    client.force_login(firm)
    response = client.post(signup_url(req), HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    html = response.content.decode()
    assert "报名已截止" in html
    assert not SignUp.objects.filter(request=req).exists()
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.FAILED


def test_plain_post_signup_redirects_with_message(client, owner):
    item = service_item()
    firm = firm_user(item=item)
    req = published_request(owner=owner, item=item)
    client.force_login(firm)
    response = client.post(signup_url(req), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(req)
    assert "报名成功" in response.content.decode()
    response = client.post(signup_url(req), follow=True)
    assert "您单位已报名本项目" in response.content.decode()
    assert SignUp.objects.filter(request=req).count() == 1


def test_anonymous_cannot_sign_up(client, owner):
    req = published_request(owner=owner)
    def next_of(url: str) -> str:
        parts = urlsplit(url)
        assert parts.path == reverse("accounts:login")
        return parse_qs(parts.query)["next"][0]

    response = client.post(signup_url(req))
    assert response.status_code == 302 and next_of(response["Location"]) == detail_url(req)
    response = client.post(signup_url(req), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and next_of(response["HX-Redirect"]) == detail_url(req)
    assert not SignUp.objects.exists()


def test_owner_and_bureau_cannot_sign_up(client, owner, bureau):
    req = published_request(owner=owner)
    for user in (owner, bureau):
        client.force_login(user)
        response = client.post(signup_url(req))
        assert response.status_code == 403
        assert "无权" in response.content.decode()
    assert not SignUp.objects.exists()


def test_signup_requires_post_and_hides_drafts(client, owner):
    item = service_item()
    firm = firm_user(item=item)
    draft = request_draft(owner=owner, item=item)
    client.force_login(firm)
    assert client.get(signup_url(draft)).status_code == 405
    assert client.post(signup_url(draft)).status_code == 404
    assert not SignUp.objects.exists()


# ---------------------------------------------------------------------------------------
# Registry and catalogue


def test_registry_lists_approved_firms_with_qualifications(client):
    item = service_item()
    approved = firm_user(item=item)
    pending = firm_user(item=item, approved=False)
    expired = firm_user(item=item)
    Qualification.objects.filter(organisation=expired.organisation).update(
        valid_until=timezone.localdate() - timedelta(days=3)
    )
    html = client.get("/registry/").content.decode()
    assert approved.organisation.name in html and approved.organisation.uscc in html
    assert pending.organisation.name not in html
    assert item.qualification_type.name in html
    assert "已过期" in html


def test_registry_search_and_qualification_filter(client):
    item = service_item()
    firm = firm_user(item=item)
    other = firm_user(item=item)
    html = client.get("/registry/", {"q": firm.organisation.uscc}).content.decode()
    assert firm.organisation.name in html and other.organisation.name not in html
    html = client.get("/registry/", {"qualification": item.qualification_type.code}).content.decode()
    assert firm.organisation.name in html and other.organisation.name in html


def _registry_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/registry/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_registry_query_count_does_not_grow_with_firms(client):
    item = service_item()
    for _ in range(3):
        firm_user(item=item)
    few = _registry_queries(client)
    for _ in range(27):
        firm_user(item=item)
    many = _registry_queries(client)
    assert few == many


def test_registry_detail_shows_staff_without_contact_details(client):
    firm = firm_user()
    org = firm.organisation
    Entry.objects.filter(organisation=org).update(business_scope="环境影响评价；安全评价")
    StaffMember.objects.create(organisation=org, name="赵工", title="注册环境影响评价工程师", cert_no="HP-0001")
    html = client.get(f"/registry/{org.pk}/").content.decode()
    assert org.name in html and org.uscc in html and "李四" in html
    assert "赵工" in html and "注册环境影响评价工程师" in html
    assert org.phone not in html and org.email not in html
    assert "HP-0001" not in html


def test_registry_detail_is_404_for_unapproved_and_non_firms(client, owner):
    pending = firm_user(approved=False)
    assert client.get(f"/registry/{pending.organisation_id}/").status_code == 404
    assert client.get(f"/registry/{owner.organisation_id}/").status_code == 404


def test_catalogue_lists_items(client):
    item = service_item()
    html = client.get("/catalogue/").content.decode()
    assert item.code in html and item.name in html and item.fee_basis in html
    assert item.qualification_type.name in html


# ---------------------------------------------------------------------------------------
# Documents


def _licence_of(user):
    doc = document_store(upload=pdf("营业执照.pdf"), organisation=user.organisation, user=user)
    Entry.objects.filter(organisation=user.organisation).update(licence=doc)
    return doc


def test_document_download_for_its_firm_and_bureau(client, bureau):
    firm = firm_user()
    doc = _licence_of(firm)
    for user in (firm, bureau, bureau_user(region_code="360925")):
        client.force_login(user)
        response = client.get(f"/documents/{doc.pk}/")
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        assert "filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_document_download_is_404_for_others(client, owner):
    firm = firm_user()
    doc = _licence_of(firm)
    url = f"/documents/{doc.pk}/"
    assert client.get(url).status_code == 404  # anonymous
    for user in (firm_user(), owner):
        client.force_login(user)
        assert client.get(url).status_code == 404
    assert client.get("/documents/999999/").status_code == 404


def test_county_bureau_sees_only_its_countys_other_documents(client):
    owner = owner_user(region_code="360982")
    doc = document_store(upload=pdf("合同.pdf"), organisation=owner.organisation, user=owner)
    client.force_login(bureau_user(region_code="360982"))
    assert client.get(f"/documents/{doc.pk}/").status_code == 200
    client.force_login(bureau_user(region_code="360983"))
    assert client.get(f"/documents/{doc.pk}/").status_code == 404
    client.force_login(bureau_user())  # city staff
    assert client.get(f"/documents/{doc.pk}/").status_code == 200


# ---------------------------------------------------------------------------------------
# Dashboard


def test_dashboard_redirects_by_role(client, owner, bureau, django_user_model):
    assert client.get("/dashboard/")["Location"].startswith(reverse("accounts:login"))
    expectations = [
        (owner, "/owner/requests/"),
        (bureau, "/bureau/supervision/"),
        (firm_user(), "/firm/invitations/"),
        (firm_user(approved=False), "/entry/"),
        (django_user_model.objects.create_superuser("root", "root@example.com", "x-Pass-123"), "/admin/"),
    ]
    for user, target in expectations:
        client.force_login(user)
        response = client.get("/dashboard/")
        assert response.status_code == 302 and response["Location"] == target, user


def test_pages_render_role_navigation(client, owner, bureau):
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert "我的采购" in html and "发布需求" in html and 'id="unread-badge"' in html and 'data-user="1"' in html
    client.force_login(bureau)
    html = client.get("/").content.decode()
    assert "入驻审核" in html and "工作日历" in html and "我的采购" not in html
    client.force_login(firm_user())
    html = client.get("/").content.decode()
    assert "收到的邀请" in html and "入驻审核" not in html
    client.logout()
    html = client.get("/").content.decode()
    assert 'data-user="0"' in html and "登录" in html and "0795-12345" in html
    assert "htmx" in html and "js/app.js" in html and "css/app.css" in html
    assert "http://" not in html.replace("http://testserver", "") and "https://" not in html
