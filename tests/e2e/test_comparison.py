"""Comparison selection (询比选取) in the browser: the owner sets the criteria and publishes,
three firms sign up and submit sealed quotes (each shown the text it hashed and its
SHA-256), nothing is readable before the opening, the opening reveals every quote with the
hash its firm was shown, the owner scores each item with a reason, the highest total is
selected and the owner confirms it."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from market.models import ServiceRequest
from tests.factories import firm_user, owner_user, service_item

pytestmark = pytest.mark.e2e

TITLE = "宜春市明月山景区道路工程可行性研究询比"
AMOUNTS = ["78000.00", "82500.00", "90000.00"]


def _page_of(browser, login, username):
    page = browser.new_context(locale="zh-CN").new_page()
    login(page, username)
    return page


def test_owner_firms_and_opening_of_a_comparison_in_the_browser(live_url, login, browser):
    item = service_item()
    owner = owner_user()
    firms = [firm_user(item=item) for _ in range(3)]

    # The owner drafts a comparison request, sets its criteria, then publishes it.
    owner_page = _page_of(browser, login, owner.username)
    owner_page.goto(f"{live_url}/owner/requests/new/")
    owner_page.select_option("select[name=service_item]", value=str(item.pk))
    owner_page.fill("input[name=title]", TITLE)
    owner_page.fill("textarea[name=scope]", "编制项目可行性研究报告，并配合审批部门技术审查。")
    owner_page.check("input[name=funding][value=fiscal]")
    owner_page.check("input[name=method][value=comparison]")
    owner_page.fill("input[name=service_days]", "45")
    owner_page.fill("input[name=ceiling]", "100000")
    owner_page.fill("input[name=contact_name]", "刘建华")
    owner_page.fill("input[name=contact_phone]", "0795-3221456")
    owner_page.click("button[value=publish]")  # refused: no criteria yet
    expect(owner_page.locator("body")).to_contain_text("询比选取须先设置评审标准")
    owner_page.click("button[value=save]")
    req = ServiceRequest.objects.get(title=TITLE)
    detail = f"{live_url}/requests/{req.code}/"
    owner_page.goto(detail)
    owner_page.click("#comparison-criteria-link")
    owner_page.fill("input[name=price_weight]", "60")
    owner_page.fill("input[name=item-1-name]", "服务方案")
    owner_page.fill("input[name=item-1-weight]", "30")
    owner_page.fill("input[name=item-2-name]", "项目人员")
    owner_page.fill("input[name=item-2-weight]", "5")
    owner_page.get_by_role("button", name="保存评审标准").click()
    expect(owner_page.locator("#criteria-error")).to_contain_text("评审标准不符合要求")
    expect(owner_page.locator("body")).to_contain_text("价格分权重与各评审因素权重之和应为100，当前为95。")
    owner_page.fill("input[name=item-2-weight]", "10")
    owner_page.get_by_role("button", name="保存评审标准").click()
    expect(owner_page.locator("#comparison-panel")).to_contain_text("服务方案")
    owner_page.goto(f"{live_url}/owner/requests/{req.code}/edit/")
    owner_page.click("button[value=publish]")
    expect(owner_page.locator("body")).to_contain_text("报名中")
    expect(owner_page.locator("#comparison-panel")).to_contain_text("已随公告发布")

    # Each firm signs up and submits a sealed quote; it is shown what was hashed.
    receipts = {}
    for user, amount in zip(firms, AMOUNTS, strict=True):
        page = _page_of(browser, login, user.username)
        page.goto(detail)
        page.get_by_role("button", name="报名参加").click()
        expect(page.locator(".signup-panel.is-done")).to_contain_text("您单位已报名本项目")
        page.goto(detail)
        page.click("#comparison-quote-link")
        page.fill("input[name=amount]", amount)
        page.set_input_files("input[name=document]", {"name": "响应文件.pdf", "mimeType": "application/pdf",
                                                      "buffer": f"%PDF-1.4\n% {user.username}\n".encode()})
        page.get_by_role("button", name="密封递交").click()
        expect(page.locator("#quote-receipt")).to_contain_text("已加密密封")
        text = page.locator("#receipt-text").inner_text()
        shown = page.locator("#receipt-quote-sha256").inner_text().strip()
        assert f"amount={amount}" in text
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == shown
        receipts[user.organisation.uscc] = shown
        page.context.close()

    # Before the opening the owner sees no quote anywhere.
    owner_page.goto(f"{detail}comparison/")
    expect(owner_page.locator("#comparison-sealed")).to_be_visible()
    for amount in ("78,000.00", "82,500.00", "90,000.00"):
        expect(owner_page.locator("body")).not_to_contain_text(amount)

    # Time passes: sign-up closed and the opening time reached. Reading the page opens the quotes.
    now = timezone.now()
    ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(minutes=2),
                                                    selection_at=now - timedelta(minutes=1))
    owner_page.goto(f"{detail}comparison/")
    table = owner_page.locator("#comparison-quotes")
    for amount in ("78,000.00 元", "82,500.00 元", "90,000.00 元"):
        expect(table).to_contain_text(amount)
    for code, shown in receipts.items():
        expect(table.locator(f"tr[data-code='{code}'] [data-quote-sha256]")).to_have_text(shown)

    # The owner scores each item of each firm with a reason; the third firm's plan is best.
    owner_page.goto(detail)
    owner_page.click("#comparison-score-link")
    points = {firms[0].organisation.uscc: ("20", "6"), firms[1].organisation.uscc: ("22", "7"),
              firms[2].organisation.uscc: ("30", "10")}
    for code, (plan, staff) in points.items():
        section = owner_page.locator(f"#score-form section[data-code='{code}']")
        numbers = section.locator("input[type=number]")
        reasons = section.locator("textarea")
        numbers.nth(0).fill(plan)
        reasons.nth(0).fill(f"技术方案评定{plan}分：思路清晰程度与响应文件一致。")
        numbers.nth(1).fill(staff)
        reasons.nth(1).fill(f"项目人员评定{staff}分：按拟派人员资格证书计。")
    owner_page.get_by_role("button", name="提交评分").click()
    # Totals: 60 + 26 = 86.00; 56.73 + 29 = 85.73; 52 + 40 = 92.00 → the third firm.
    result = owner_page.locator("#comparison-result")
    expect(result).to_contain_text("92.00")
    expect(result.locator("tr.is-selected")).to_contain_text(firms[2].organisation.name)
    expect(owner_page.locator("#comparison-scores")).to_contain_text("思路清晰程度与响应文件一致")

    owner_page.goto(detail)
    expect(owner_page.locator("#life-status")).to_have_text("待确认结果")
    expect(owner_page.locator("#life-selected")).to_have_text(firms[2].organisation.name)
    owner_page.get_by_role("button", name="确认选取结果").click()
    expect(owner_page.locator(".confirm-dialog")).to_contain_text(firms[2].organisation.name)
    owner_page.click("[data-confirm-ok]")
    expect(owner_page.locator("#life-status")).to_have_text("结果公示")
    req.refresh_from_db()
    assert req.status == ServiceRequest.Status.PUBLICITY and req.selected_firm == firms[2].organisation
