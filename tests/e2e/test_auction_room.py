"""Two bidders in two browser contexts bid against each other while the owner watches."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def in_thread(fn):
    """Run ORM set-up off the Playwright thread (on-commit pushes use async_to_sync)."""
    out = []

    def run():
        try:
            out.append(fn())
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(60)
    return out[0]


def _live_auction():
    from bidding.models import Auction
    from tests.bidding.auction_support import auction_case

    case = auction_case(3)
    Auction.objects.filter(pk=case.auction.pk).update(ends_at=timezone.now() + timedelta(minutes=10),
                                                       extension_seconds=3)
    case.refresh()
    return case


def _ends_in(case, seconds: int):
    """A short auction with a short extension, so the close happens during the test; set
    once every browser is logged in (logins are slow on a loaded machine)."""
    from bidding.models import Auction

    Auction.objects.filter(pk=case.auction.pk).update(ends_at=timezone.now() + timedelta(seconds=seconds))


def test_two_bidders_and_the_watching_owner(browser, live_url, login):
    case = in_thread(_live_auction)
    url = f"{live_url}/requests/{case.request.code}/auction/"
    pages = {}
    for who, user in [("a", case.firms[0]), ("b", case.firms[1]), ("owner", case.owner)]:
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        login(page, user.username)
        pages[who] = page
    in_thread(lambda: _ends_in(case, 25))
    for page in pages.values():
        page.goto(url)
        expect(page.locator("#connection")).to_contain_text("已连接")
    a, b, owner = pages["a"], pages["b"], pages["owner"]
    expect(owner.locator("#bid-form")).to_have_count(0)
    expect(owner.locator("#watch-panel")).to_contain_text("只能观看")
    expect(a.locator("#countdown")).to_have_text(__import__("re").compile(r"^\d\d:\d\d$"))

    a.fill("#bid-amount", "9.9万")
    a.click("#bid-submit")
    # Before it goes, the bid is shown in capitals (大写) to confirm.
    expect(a.locator(".confirm-dialog")).to_contain_text("玖万玖仟元整")
    a.click("[data-confirm-ok]")
    expect(a.locator("#bid-feedback")).to_contain_text("出价成功")
    alias_a = a.locator("#my-alias").inner_text()
    expect(b.locator("#best-amount")).to_contain_text("99,000.00")
    expect(owner.locator("#ladder")).to_contain_text(alias_a)

    b.fill("#bid-amount", "8.3k")
    b.click("#bid-submit")
    expect(b.locator("#bid-feedback")).to_contain_text("只能用“元”或“万”作单位")
    b.fill("#bid-amount", "99000")
    b.click("#bid-submit")
    b.click("[data-confirm-ok]")
    expect(b.locator("#bid-feedback")).to_contain_text("降价幅度不足")
    b.fill("#bid-amount", "98,000.00")
    b.click("#bid-submit")
    b.click("[data-confirm-ok]")
    expect(b.locator("#bid-feedback")).to_contain_text("出价成功")
    expect(a.locator("#my-position")).to_contain_text("第 2 名")
    expect(b.locator("#my-position")).to_contain_text("第 1 名")
    expect(owner.locator("#best-amount")).to_contain_text("98,000.00")
    # Before close no page shows another bidder's name (each user's own firm is in the header).
    names = [f.organisation.name for f in case.firms]
    for page, own in [(a, names[0]), (b, names[1]), (owner, None)]:
        for name in names:
            if name != own:
                assert name not in page.content()

    # The third firm bids without a browser; then the clock runs out and everyone sees the result.
    def third():
        from tests.bidding.auction_support import bid

        return bid(case, case.firms[2], "97000.00")

    assert in_thread(third).accepted
    for page in pages.values():
        expect(page.locator("#result-panel")).to_be_visible(timeout=40_000)
        expect(page.locator("#result-summary")).to_contain_text(names[2])
        expect(page.locator("#auction-status")).to_have_text("已结束")
        # Everything in the room switches to the closed state: the request badge, the bid box.
        expect(page.locator("#request-status")).to_have_text("待确认结果")
    for page in (a, b):
        expect(page.locator("#bid-feedback")).not_to_contain_text("出价成功")
        expect(page.locator("#bid-feedback")).to_contain_text("竞价已结束")
        expect(page.locator("#bid-submit")).to_be_disabled()
    for context in {p.context for p in pages.values()}:
        context.close()
