"""Sockets notice when their login ends: logout, deactivation and a password change close
that user's sockets (code 4401) within seconds; a bid after logout is refused; a periodic
re-check catches what no broadcast told. Through the real ASGI application (Channels'
session and auth middleware), with the session cookie of a real login."""

import asyncio
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client, override_settings

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-Word-123"
ORIGIN = (b"origin", b"http://127.0.0.1")


@sync_to_async
def logged_in_client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


async def open_socket(client: Client, path: str) -> WebsocketCommunicator:
    from config.asgi import application

    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    comm = WebsocketCommunicator(application, path, headers=[ORIGIN, (b"cookie", cookie)])
    connected, code = await comm.connect(timeout=5)
    assert connected, code
    return comm


async def closed_with(comm: WebsocketCommunicator, timeout: float = 5.0):
    """Read until the server closes; return the close code."""
    while True:
        message = await comm.receive_output(timeout=timeout)
        if message["type"] == "websocket.close":
            return message.get("code")


@sync_to_async
def make_owner():
    from tests.factories import owner_user

    return owner_user()


async def test_logout_closes_the_notification_socket_with_4401():
    user = await make_owner()
    client = await logged_in_client(user)
    comm = await open_socket(client, "/ws/notifications/")
    assert (await comm.receive_json_from(timeout=5))["type"] == "hello"
    response = await sync_to_async(client.post)("/accounts/logout/")
    assert response.status_code == 302
    assert await closed_with(comm) == 4401


async def test_logout_of_one_session_leaves_the_users_other_sessions_open():
    user = await make_owner()
    office, laptop = await logged_in_client(user), await logged_in_client(user)
    office_socket = await open_socket(office, "/ws/notifications/")
    laptop_socket = await open_socket(laptop, "/ws/notifications/")
    for comm in (office_socket, laptop_socket):
        await comm.receive_json_from(timeout=5)
    await sync_to_async(office.post)("/accounts/logout/")
    assert await closed_with(office_socket) == 4401
    await laptop_socket.send_json_to({"type": "ping"})
    assert (await laptop_socket.receive_json_from(timeout=5)) == {"type": "pong"}
    await laptop_socket.disconnect()


async def test_deactivation_closes_every_socket_of_the_user():
    user = await make_owner()
    client_a, client_b = await logged_in_client(user), await logged_in_client(user)
    sockets = [await open_socket(c, "/ws/notifications/") for c in (client_a, client_b)]

    @sync_to_async
    def deactivate():
        user.is_active = False
        user.save(update_fields=["is_active"])

    await deactivate()
    for comm in sockets:
        assert await closed_with(comm) == 4401


async def test_a_password_change_closes_the_users_sockets():
    user = await make_owner()
    client = await logged_in_client(user)
    comm = await open_socket(client, "/ws/notifications/")
    await comm.receive_json_from(timeout=5)
    new = "A-much-longer-passphrase-2026"
    response = await sync_to_async(client.post)("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert await closed_with(comm) == 4401
    # The page that changed the password stays logged in (with a new session key) and can
    # open a new socket.
    again = await open_socket(client, "/ws/notifications/")
    assert (await again.receive_json_from(timeout=5))["type"] == "hello"
    await again.disconnect()


@override_settings(SOCKET_AUTH_RECHECK_SECONDS=0.3)
async def test_the_periodic_recheck_closes_a_socket_whose_session_vanished_without_a_word():
    """A logout in a process whose broadcast cannot reach this one (in-process layer): the
    session row is gone and nothing is sent; the periodic re-check finds it."""
    from django.contrib.sessions.models import Session

    user = await make_owner()
    client = await logged_in_client(user)
    comm = await open_socket(client, "/ws/notifications/")
    await comm.receive_json_from(timeout=5)
    key = client.cookies["sessionid"].value
    await sync_to_async(Session.objects.filter(session_key=key).delete)()
    assert await closed_with(comm, timeout=5) == 4401


# --- the auction socket -------------------------------------------------------------------


@sync_to_async
def make_case():
    from tests.bidding.auction_support import auction_case

    return auction_case(3)


async def snapshot(comm):
    while True:
        msg = await comm.receive_json_from(timeout=5)
        if msg["type"] == "snapshot":
            return msg


async def test_logout_closes_the_auction_socket_with_4401():
    case = await make_case()
    client = await logged_in_client(case.firms[0])
    comm = await open_socket(client, f"/ws/auctions/{case.auction.pk}/")
    assert (await snapshot(comm))["you"] is not None
    await sync_to_async(client.post)("/accounts/logout/")
    assert await closed_with(comm) == 4401


async def test_a_bid_after_logout_is_refused_and_the_socket_closed():
    """The logout happened where no broadcast reaches this socket: the bid's own re-check
    refuses it (nothing stored) and closes the socket."""
    from django.contrib.sessions.models import Session

    from bidding.models import Bid

    case = await make_case()
    client = await logged_in_client(case.firms[0])
    comm = await open_socket(client, f"/ws/auctions/{case.auction.pk}/")
    await snapshot(comm)
    # A bid while logged in is accepted.
    await comm.send_json_to({"type": "bid", "amount": "99000.00", "client_id": str(uuid.uuid4())})
    while (msg := await comm.receive_json_from(timeout=5))["type"] != "ack":
        pass
    await sync_to_async(Session.objects.filter(session_key=client.cookies["sessionid"].value).delete)()
    client_id = str(uuid.uuid4())
    await comm.send_json_to({"type": "bid", "amount": "98000.00", "client_id": client_id})
    while (msg := await comm.receive_json_from(timeout=5))["type"] != "rejected":
        pass
    assert msg["client_id"] == client_id and msg["code"] == "not_eligible" and "登录已失效" in msg["message"]
    assert await closed_with(comm) == 4401
    assert await sync_to_async(Bid.objects.filter(auction=case.auction).count)() == 1


async def test_an_anonymous_watcher_of_a_public_auction_is_left_alone():
    from config.asgi import application

    case = await make_case()
    comm = WebsocketCommunicator(application, f"/ws/auctions/{case.auction.pk}/", headers=[ORIGIN])
    connected, code = await comm.connect(timeout=5)
    if not connected:  # the request is not public: nothing to watch anonymously
        assert code in (4403, 4404)
        return
    await snapshot(comm)
    await asyncio.sleep(0.2)
    await comm.send_json_to({"type": "ping"})
    while (msg := await comm.receive_json_from(timeout=5))["type"] != "pong":
        pass
    await comm.disconnect()
