"""Issue 3 story in the browser: publish → sign-ups → the draw at its time (the lazy check
runs it when the page is read) → confirm → publicity → contract → delivery → completed,
and the result page's verify panel ticks."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from market.models import ServiceRequest
from tests.factories import firm_user, owner_user, service_item

pytestmark = pytest.mark.e2e

PDF = {"name": "文件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% e2e document\n"}


def _page_of(browser, login, username):
    page = browser.new_context(locale="zh-CN").new_page()
    login(page, username)
    return page


def test_a_drawn_request_runs_its_whole_life_online(live_url, login, browser):
    item = service_item()
    owner = owner_user()
    firms = [firm_user(item=item) for _ in range(3)]

    owner_page = _page_of(browser, login, owner.username)
    owner_page.goto(f"{live_url}/owner/requests/new/")
    owner_page.select_option("select[name=service_item]", value=str(item.pk))
    owner_page.fill("input[name=title]", "宜春市袁州大道改造工程环评服务")
    owner_page.fill("textarea[name=scope]", "编制环境影响报告表，并配合审批部门技术审查。")
    owner_page.check("input[name=funding][value=fiscal]")
    owner_page.fill("input[name=service_days]", "30")
    owner_page.fill("input[name=ceiling]", "88000")
    owner_page.fill("input[name=contact_name]", "刘建华")
    owner_page.fill("input[name=contact_phone]", "0795-3221456")
    owner_page.click("button[value=publish]")
    expect(owner_page.locator("body")).to_contain_text("报名中")
    req = ServiceRequest.objects.get(title="宜春市袁州大道改造工程环评服务")
    detail = f"{live_url}/requests/{req.code}/"

    firm_pages = {}
    for user in firms:
        page = _page_of(browser, login, user.username)
        page.goto(detail)
        page.get_by_role("button", name="报名参加").click()
        expect(page.locator(".signup-panel.is-done")).to_contain_text("您单位已报名本项目")
        firm_pages[user.organisation_id] = page

    # Time passes: sign-up closed and the selection time is reached. Reading the page runs the draw.
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(minutes=2),
                                                    selection_at=now - timedelta(minutes=1))
    owner_page.goto(detail)
    expect(owner_page.locator("#life-status")).to_have_text("待确认结果")
    req.refresh_from_db()
    winner_page = firm_pages[req.selected_firm_id]
    expect(owner_page.locator("#life-selected")).to_have_text(req.selected_firm.name)

    owner_page.get_by_role("button", name="确认选取结果").click()
    # An irreversible step asks first, with the firm and the price.
    expect(owner_page.locator(".confirm-dialog")).to_contain_text(req.selected_firm.name)
    owner_page.click("[data-confirm-ok]")
    expect(owner_page.locator("#life-status")).to_have_text("结果公示")
    expect(owner_page.locator("#life-publicity-end")).to_be_visible()

    # The publicity period ends; the next read moves the request to contracting.
    ServiceRequest.objects.filter(pk=req.pk).update(publicity_ends_at=timezone.now() - timedelta(seconds=1))
    owner_page.goto(detail)
    expect(owner_page.locator("#life-status")).to_have_text("合同签订")
    owner_page.fill(f"#{'lifecycle-panel'} input[name=amount]", "86000")
    owner_page.set_input_files("#lifecycle-panel input[name=document]", PDF)
    owner_page.get_by_role("button", name="上传合同").click()
    expect(owner_page.locator("body")).to_contain_text("合同已上传")

    winner_page.goto(detail)
    expect(winner_page.locator("#lifecycle-panel input[name=amount]")).to_have_value("86000.00")
    winner_page.set_input_files("#lifecycle-panel input[name=document]", PDF)
    winner_page.get_by_role("button", name="上传合同").click()
    expect(winner_page.locator("#life-status")).to_have_text("服务中")
    winner_page.set_input_files("#lifecycle-panel input[name=document]", {**PDF, "name": "成果文件.pdf"})
    winner_page.get_by_role("button", name="提交成果").click()
    expect(winner_page.locator("#life-status")).to_have_text("已交付")

    owner_page.goto(detail)
    owner_page.get_by_role("button", name="验收通过").click()
    owner_page.click("[data-confirm-ok]")
    expect(owner_page.locator("#life-status")).to_have_text("已验收")
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.COMPLETED

    # Anyone re-checks the draw in the browser.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{live_url}/requests/{req.code}/draw/")
    public.get_by_role("button", name="在浏览器中复核").click()
    expect(public.locator("[data-verify-result] [data-verify-ok]")).to_have_attribute("data-verify-ok", "true")
