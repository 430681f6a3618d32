"""Issue story: an owner rates, the firm disputes, the bureau answers; a bureau officer
issues a suspension and the firm's sign-up is refused with the reason."""

import threading

import pytest
from django.db import connection
from playwright.sync_api import expect

from credit.models import CreditEvent
from market.models import SignUp
from ratings.models import Rating
from tests.factories import (
    bureau_user,
    firm_user,
    owner_user,
    published_request,
    service_item,
)
from tests.lifecycle_fixtures import completed_request

pytestmark = pytest.mark.e2e


def _in_thread(fn):
    """Run set-up in another thread: notifications pushed on commit use async_to_sync,
    which refuses to run in the thread where Playwright's event loop runs."""
    made, errors = [], []

    def go():
        try:
            made.append(fn())
        except Exception as exc:  # re-raised below
            errors.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=go)
    worker.start()
    worker.join(60)
    if errors:
        raise errors[0]
    return made[0]


def test_owner_rates_the_firm_disputes_the_bureau_answers(live_url, login, browser):
    req, owner, firm, officer = _in_thread(
        lambda: (*completed_request(region_code="360982"), bureau_user(region_code="360982")))
    url = f"{live_url}/ratings/{req.code}/"

    page = browser.new_context(locale="zh-CN").new_page()
    login(page, owner.username)
    page.goto(url)
    for name, value in [("quality", 2), ("timeliness", 1), ("attitude", 3), ("fees", 3), ("conduct", 2)]:
        page.check(f"#owner-rating input[name={name}][value='{value}']")
    page.check("#owner-rating input[name=overall][value=unsatisfied]")
    page.fill("#owner-rating textarea[name=comment]", "成果两次退回修改，超期12天。")
    page.click("#owner-rating button[value=owner_rate]")
    expect(page.locator("#owner-rating")).to_contain_text("不满意")
    expect(page.locator("#owner-rating")).to_contain_text("成果两次退回修改")

    firm_page = browser.new_context(locale="zh-CN").new_page()
    login(firm_page, firm.username)
    firm_page.goto(url)
    firm_page.fill("#owner-rating textarea[name=reason]", "延期系业主资料迟交，有函件为证。")
    firm_page.click("#owner-rating button[value=dispute]")
    expect(firm_page.locator("#owner-rating")).to_contain_text("异议处理中")

    bureau_page = browser.new_context(locale="zh-CN").new_page()
    login(bureau_page, officer.username)
    bureau_page.goto(f"{live_url}/ratings/")
    bureau_page.get_by_role("link", name=req.code).first.click()
    bureau_page.fill("#owner-rating textarea[name=answer]", "经核实，延期原因在业主，评价作废。")
    bureau_page.click("#owner-rating button[value=void]")
    expect(bureau_page.locator("#owner-rating")).to_contain_text("已作废")
    expect(bureau_page.locator("#owner-rating .dispute-result")).to_contain_text("经核实，延期原因在业主")

    rating = Rating.objects.get(request=req, side="owner")
    assert rating.status == Rating.Status.VOIDED
    assert CreditEvent.objects.get(cause_key=f"rating:{rating.pk}").status == CreditEvent.Status.REVOKED


def test_bureau_suspension_refuses_the_open_sign_up_with_the_reason(live_url, login, browser):
    def set_up():
        item = service_item()
        return (firm_user(item=item), published_request(owner=owner_user(region_code="360982"), item=item),
                bureau_user(region_code="360921"))

    firm, req, officer = _in_thread(set_up)

    firm_page = browser.new_context(locale="zh-CN").new_page()
    login(firm_page, firm.username)
    firm_page.goto(f"{live_url}/requests/{req.code}/")
    expect(firm_page.get_by_role("button", name="报名参加")).to_be_visible()

    bureau_page = browser.new_context(locale="zh-CN").new_page()
    login(bureau_page, officer.username)
    bureau_page.goto(f"{live_url}/bureau/credit/")
    bureau_page.select_option("select[name=organisation]", value=str(firm.organisation_id))
    bureau_page.select_option("select[name=kind]", value="overcharging")
    bureau_page.fill("textarea[name=description]", "在奉新县某项目中超标准收费。")
    bureau_page.set_input_files("input[name=evidence]", files=[
        {"name": "处理决定书.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n% evidence\n"}])
    bureau_page.click("#issue button[type=submit]")
    expect(bureau_page.locator("body")).to_contain_text("全市即时生效")
    expect(bureau_page.locator("body")).to_contain_text("暂停参与")

    # The firm's page still shows the button it loaded before; pressing it is refused.
    firm_page.get_by_role("button", name="报名参加").click()
    panel = firm_page.locator(".signup-panel.is-refused")
    expect(panel).to_contain_text("奉新县")
    expect(panel).to_contain_text("违规收费（收费乱）")
    assert not SignUp.objects.filter(request=req, organisation=firm.organisation).exists()
