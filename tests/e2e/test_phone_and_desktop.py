"""Every role's day at 1366×768 and on a 390×844 phone: the auction room (the bid box first
and usable), a request form and the rating form with an error (kept, beside its field), a
restricted firm in the registry and on its invitations page, the menu in one row. Each
test saves a screenshot under var/screenshots/ (not committed) for a person to review."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def in_thread(fn):
    """Run ORM set-up off the Playwright thread (on-commit pushes use async_to_sync)."""
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
    worker.join(90)
    if errors:
        raise errors[0]
    return made[0]


def shot(page, name: str) -> Path:
    folder = Path(settings.VAR_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def new_page(browser, size: str):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=SIZES[size],
                                  is_mobile=size == "phone", has_touch=size == "phone")
    return context.new_page()


def no_sideways_scroll(page) -> None:
    """The page itself never scrolls sideways (wide tables scroll inside their box)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"


@pytest.mark.parametrize("size", SIZES)
def test_the_auction_room_puts_the_bid_box_first_and_it_works(browser, live_url, login, size):
    from bidding.models import Auction
    from tests.bidding.auction_support import auction_case

    def live():
        case = auction_case(3)
        Auction.objects.filter(pk=case.auction.pk).update(ends_at=timezone.now() + timedelta(minutes=10))
        case.refresh()
        return case

    case = in_thread(live)
    page = new_page(browser, size)
    login(page, case.firms[0].username)
    page.goto(f"{live_url}/requests/{case.request.code}/auction/")
    expect(page.locator("#connection")).to_contain_text("已连接")
    bid_box = page.locator("#bid-panel").bounding_box()
    ladder = page.locator("#ladder-panel").bounding_box()
    status = page.locator("#status-panel").bounding_box()
    if size == "phone":
        assert bid_box["y"] < status["y"] < ladder["y"]  # one column, the bid box on top
        assert bid_box["x"] >= 0 and bid_box["x"] + bid_box["width"] <= SIZES["phone"]["width"] + 1
    else:
        assert bid_box["x"] > status["x"]  # two columns on a desktop
    no_sideways_scroll(page)
    page.fill("#bid-amount", "9.9万")
    expect(page.locator("#bid-echo")).to_contain_text("玖万玖仟元整")
    page.click("#bid-submit")  # the button is not covered: the click lands on it
    expect(page.locator(".confirm-dialog")).to_contain_text("99,000.00 元")
    page.click("[data-confirm-ok]")
    expect(page.locator("#bid-feedback")).to_contain_text("出价成功")
    expect(page.locator("#best-amount")).to_contain_text("99,000.00")
    shot(page, f"auction-room-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_a_request_form_with_an_error_keeps_what_was_typed(browser, live_url, login, size):
    from tests.factories import owner_user, service_item

    owner, item = in_thread(lambda: (owner_user(), service_item()))
    page = new_page(browser, size)
    login(page, owner.username)
    page.goto(f"{live_url}/owner/requests/new/")
    page.select_option("select[name=service_item]", value=str(item.pk))
    page.fill("input[name=title]", "宜春市东风大街改造工程环评服务")
    page.fill("textarea[name=scope]", "编制环境影响报告表，并配合审批部门技术审查。")
    page.check("input[name=funding][value=fiscal]")
    page.fill("input[name=service_days]", "30")
    page.fill("input[name=ceiling]", "8.3k")
    expect(page.locator("#id_ceiling-echo")).to_contain_text("只能用“元”或“万”作单位")
    page.fill("input[name=contact_name]", "刘建华")
    page.fill("input[name=contact_phone]", "0795-3221456")
    page.click("button[value=save]")
    expect(page.locator("body")).to_contain_text("只能用“元”或“万”作单位")
    assert page.locator("text=最高限价只能用“元”或“万”作单位").count() == 1  # once, beside its field
    expect(page.locator("input[name=title]")).to_have_value("宜春市东风大街改造工程环评服务")
    expect(page.locator("input[name=ceiling]")).to_have_value("8.3k")
    no_sideways_scroll(page)
    shot(page, f"request-form-error-{size}")
    page.fill("input[name=ceiling]", "8.3万")
    expect(page.locator("#id_ceiling-echo")).to_contain_text("捌万叁仟元整")


@pytest.mark.parametrize("size", SIZES)
def test_the_rating_form_with_an_error_keeps_the_choices(browser, live_url, login, size):
    from tests.lifecycle_fixtures import completed_request

    req, owner, _firm = in_thread(completed_request)
    page = new_page(browser, size)
    login(page, owner.username)
    page.goto(f"{live_url}/ratings/{req.code}/")
    for name, value in [("quality", 5), ("timeliness", 4), ("attitude", 4), ("fees", 3)]:
        page.check(f"#owner-rating input[name={name}][value='{value}']")
    page.check("#owner-rating input[name=overall][value=satisfied]")
    page.fill("#owner-rating textarea[name=comment]", "响应及时")
    page.evaluate("document.querySelectorAll('#owner-rating input[required]').forEach(i => i.required = false)")
    page.click("#owner-rating button[value=owner_rate]")
    expect(page.locator("#err-owner-conduct")).to_contain_text("服务规范")
    expect(page.locator("#owner-rating input[name=quality][value='5']")).to_be_checked()
    expect(page.locator("#owner-rating input[name=fees][value='3']")).to_be_checked()
    expect(page.locator("#owner-rating textarea[name=comment]")).to_have_value("响应及时")
    assert page.locator("text=请为“服务规范”打1至5分。").count() == 1
    no_sideways_scroll(page)
    shot(page, f"rating-form-error-{size}")


@pytest.mark.parametrize("size", SIZES)
def test_a_restricted_firm_is_marked_in_the_registry_and_told_on_its_invitations(browser, live_url, login, size):
    from credit.services import credit_raise_declined
    from tests.factories import firm_user, published_request

    def set_up():
        firm_user()
        suspended = firm_user()
        credit_raise_declined(request=published_request(), organisation_id=suspended.organisation_id, round=1,
                              reason="项目负责人离职")
        return suspended

    suspended = in_thread(set_up)
    page = new_page(browser, size)
    page.goto(f"{live_url}/registry/")
    row = page.locator(f"#firm-{suspended.organisation_id}")
    expect(row).to_contain_text("暂停参与")
    expect(row).to_contain_text("中选后放弃中选资格")
    expect(row).to_be_visible()
    no_sideways_scroll(page)
    shot(page, f"registry-restricted-{size}")
    login(page, suspended.username)
    page.goto(f"{live_url}/firm/invitations/")
    expect(page.locator(".restriction")).to_contain_text("您单位正受信用限制：暂停参与")
    expect(page.locator(".restriction")).to_contain_text("项目负责人离职")
    expect(page.locator(".restriction")).to_contain_text("期满自动解除")
    no_sideways_scroll(page)
    shot(page, f"invitations-restricted-{size}")


def test_the_menu_fits_one_row_at_1366_for_every_role(browser, live_url, login):
    from tests.factories import bureau_user, firm_user, owner_user

    users = in_thread(lambda: [owner_user(), firm_user(), bureau_user(), None])
    page = new_page(browser, "desktop")
    for user in users:
        if user is not None:
            login(page, user.username)
        page.goto(f"{live_url}/")
        tops = page.eval_on_selector_all(".site-nav > .container > ul > li", "items => items.map(i => i.offsetTop)")
        assert len(set(tops)) == 1, (user, tops)
        page.context.clear_cookies()
    login(page, users[2].username)
    page.goto(f"{live_url}/")
    shot(page, "menu-bureau-desktop")
