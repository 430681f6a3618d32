"""Issue story: an owner publishes; the intermediary sees the invitation live and signs up."""

import pytest
from playwright.sync_api import expect

from market.models import ServiceRequest, SignUp
from tests.factories import firm_user, owner_user, service_item

pytestmark = pytest.mark.e2e


def test_owner_publishes_and_the_invited_firm_signs_up_live(live_url, login, browser):
    item = service_item()
    owner = owner_user()
    firm = firm_user(item=item)

    firm_page = browser.new_context(locale="zh-CN").new_page()
    login(firm_page, firm.username)
    firm_page.goto(f"{live_url}/firm/invitations/")
    expect(firm_page.locator("#invitation-list")).to_be_attached()
    firm_page.wait_for_timeout(500)  # let the notification socket connect

    owner_page = browser.new_context(locale="zh-CN").new_page()
    login(owner_page, owner.username)
    owner_page.goto(f"{live_url}/owner/requests/new/")
    owner_page.select_option("select[name=service_item]", value=str(item.pk))
    owner_page.fill("input[name=title]", "宜春市东风大街改造工程环评服务")
    owner_page.fill("textarea[name=scope]", "编制环境影响报告表，并配合审批部门技术审查。")
    owner_page.check("input[name=funding][value=fiscal]")
    owner_page.fill("input[name=service_days]", "30")
    owner_page.fill("input[name=ceiling]", "88000")
    owner_page.fill("input[name=contact_name]", "刘建华")
    owner_page.fill("input[name=contact_phone]", "0795-3221456")
    owner_page.click("button[value=publish]")
    expect(owner_page.locator("body")).to_contain_text("报名中")
    req = ServiceRequest.objects.get(title="宜春市东风大街改造工程环评服务")
    assert req.status == ServiceRequest.Status.PUBLISHED
    expect(owner_page.locator("body")).to_contain_text(req.code)

    # The invitation arrives on the firm's open page without a reload.
    toast = firm_page.locator("#toasts")
    expect(toast).to_contain_text("宜春市东风大街改造工程环评服务", timeout=15_000)
    expect(firm_page.locator("#invitation-list")).to_contain_text("宜春市东风大街改造工程环评服务")

    firm_page.goto(f"{live_url}/requests/{req.code}/")
    firm_page.get_by_role("button", name="报名参加").click()
    expect(firm_page.locator(".signup-panel.is-done")).to_contain_text("您单位已报名本项目")
    expect(firm_page.locator("#signup-count")).to_have_text("1")
    assert SignUp.objects.filter(request=req, organisation=firm.organisation).count() == 1
