"""The auction room page: who sees what; no bidder's name before close; the link."""

import pytest

from bidding.services_auction import auction_advance
from tests.bidding.auction_support import auction_case, bid, end_in
from tests.factories import bureau_user

pytestmark = pytest.mark.django_db


def _names(case):
    return [(f.organisation.name, f.organisation.uscc, f.username, f.display_name) for f in case.firms]


def test_bidder_page_shows_own_alias_and_no_other_identity(client):
    case = auction_case(3)
    for firm, amount in zip(case.firms, ["99000.00", "98000.00", "97000.00"]):
        assert bid(case, firm, amount).accepted
    client.force_login(case.firms[0])
    html = client.get(f"/requests/{case.request.code}/auction/").content.decode()
    assert 'data-role="bidder"' in html and "bid-form" in html
    for other in _names(case)[1:]:
        for token in other:
            assert token not in html
    detail = client.get(f"/requests/{case.request.code}/").content.decode()
    assert "进入竞价室" in detail
    for other in _names(case)[1:]:
        for token in other[:2]:
            assert token not in detail


def test_owner_bureau_and_public_watch_read_only(client):
    case = auction_case(3)
    url = f"/requests/{case.request.code}/auction/"
    for user, role in [(case.owner, "owner"), (bureau_user(), "bureau"), (None, "public")]:
        client.logout()
        if user:
            client.force_login(user)
        html = client.get(url).content.decode()
        assert f'data-role="{role}"' in html and "bid-form" not in html and "只能观看" in html


def test_result_with_names_after_close(client):
    case = auction_case(3)
    for firm, amount in zip(case.firms, ["99000.00", "98000.00", "97000.00"]):
        assert bid(case, firm, amount).accepted
    end_in(case, -1)
    auction_advance(auction_id=case.auction.pk)
    html = client.get(f"/requests/{case.request.code}/auction/").content.decode()
    for name, code, *_ in _names(case):
        assert name in html and code in html
    assert "97,000.00" in html


def test_a_firm_signed_up_for_an_auction_finds_it_in_its_todo():
    from market.selectors import todo_for
    from tests.bidding.auction_support import auction_case

    case = auction_case(3)
    items = [i for i in todo_for(user=case.firms[0]) if i.request.pk == case.request.pk]
    assert len(items) == 1 and items[0].url == f"/requests/{case.request.code}/auction/"
    assert items[0].due in (case.auction.starts_at, case.auction.ends_at)
