"""The notification socket: live pushes, the poll fallback, refusal of anonymous users."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from accounts.consumers import NotificationConsumer
from accounts.services import notification_push
from tests.accounts.socket_support import LoggedIn as UserScope  # the user and a logged-in session

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@sync_to_async
def make_firm():
    from tests.factories import firm_user

    return firm_user()


@sync_to_async
def push(org, key):
    return notification_push(organisation=org, kind="invitation", title=f"采购邀请 {key}", url="/x/", dedupe_key=key)


async def test_pushes_a_new_notification_live():
    user = await make_firm()
    org = await sync_to_async(lambda: user.organisation)()
    comm = WebsocketCommunicator(UserScope(NotificationConsumer.as_asgi(), user), "/ws/notifications/")
    connected, _ = await comm.connect()
    assert connected
    hello = await comm.receive_json_from(timeout=3)
    assert hello == {"type": "hello", "unread": 0}
    await push(org, "k1")
    message = await comm.receive_json_from(timeout=3)
    assert message["type"] == "notification" and message["title"] == "采购邀请 k1" and message["unread"] == 1
    await comm.disconnect()


@override_settings(NOTIFICATION_POLL_SECONDS=0.2)
async def test_poll_delivers_an_entry_whose_push_was_lost():
    """An entry created by another process on the in-process layer is found by the poll."""
    from accounts.models import Notification

    user = await make_firm()
    org = await sync_to_async(lambda: user.organisation)()
    comm = WebsocketCommunicator(UserScope(NotificationConsumer.as_asgi(), user), "/ws/notifications/")
    await comm.connect()
    await comm.receive_json_from(timeout=3)
    # Written without the push, as another process's write would look to this one.
    await sync_to_async(Notification.objects.create)(organisation=org, kind="x", title="迟到的消息", dedupe_key="late")
    message = await comm.receive_json_from(timeout=3)
    assert message["title"] == "迟到的消息"
    await comm.disconnect()


async def test_refuses_anonymous_users():
    from django.contrib.auth.models import AnonymousUser

    comm = WebsocketCommunicator(UserScope(NotificationConsumer.as_asgi(), AnonymousUser()), "/ws/notifications/")
    connected, code = await comm.connect()
    assert not connected and code == 4401


async def test_full_stack_refuses_a_socket_without_session():
    from config.asgi import application

    comm = WebsocketCommunicator(application, "/ws/notifications/", headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await comm.connect()
    assert not connected


BAD_FRAMES = [
    {"text": "not json {"}, {"text": "[1, 2]"}, {"text": '"a string"'}, {"text": "x" * 5000},
    {"bytes": b"\x00\x01"}, {"text": '{"type": "no-such-type"}'}, {"text": '{"no": "type"}'},
]


async def test_bad_frames_are_refused_and_the_socket_stays_open():
    user = await make_firm()
    org = await sync_to_async(lambda: user.organisation)()
    comm = WebsocketCommunicator(UserScope(NotificationConsumer.as_asgi(), user), "/ws/notifications/")
    assert (await comm.connect())[0]
    await comm.receive_json_from(timeout=3)
    for frame in BAD_FRAMES:
        await comm.send_input({"type": "websocket.receive", **frame})
        answer = await comm.receive_json_from(timeout=3)
        assert answer["type"] == "rejected" and answer["code"] == "invalid" and answer["message"], frame
    # Still open and working: a ping is answered and a push arrives.
    await comm.send_json_to({"type": "ping"})
    assert await comm.receive_json_from(timeout=3) == {"type": "pong"}
    await push(org, "after-bad-frames")
    assert (await comm.receive_json_from(timeout=3))["title"] == "采购邀请 after-bad-frames"
    await comm.disconnect()


@override_settings(NOTIFICATION_POLL_SECONDS=0.1)
async def test_a_failed_inbox_read_costs_one_poll_not_the_socket(monkeypatch):
    from accounts.models import Notification

    user = await make_firm()
    org = await sync_to_async(lambda: user.organisation)()
    comm = WebsocketCommunicator(UserScope(NotificationConsumer.as_asgi(), user), "/ws/notifications/")
    assert (await comm.connect())[0]
    await comm.receive_json_from(timeout=3)
    failures = []
    real = NotificationConsumer.__dict__["_read"]

    async def flaky(self, last_id):
        if not failures:
            failures.append(last_id)
            raise RuntimeError("database is locked")
        return await real.__get__(self, type(self))(last_id)

    monkeypatch.setattr(NotificationConsumer, "_read", flaky)
    await sync_to_async(Notification.objects.create)(organisation=org, kind="x", title="读库失败之后", dedupe_key="flaky")
    assert (await comm.receive_json_from(timeout=3))["title"] == "读库失败之后"
    assert failures
    await comm.disconnect()


@override_settings(NOTIFICATION_POLL_SECONDS=60)  # what arrives comes from the broadcast, not the poll
async def test_a_fan_out_broadcast_reaches_only_the_listed_organisations_sockets():
    from accounts.services import notifications_push_many

    listed, other = await make_firm(), await make_firm()
    sockets = []
    for user in (listed, other):
        comm = WebsocketCommunicator(UserScope(NotificationConsumer.as_asgi(), user), "/ws/notifications/")
        assert (await comm.connect())[0]
        assert await comm.receive_json_from(timeout=3) == {"type": "hello", "unread": 0}
        sockets.append(comm)
    new = await sync_to_async(notifications_push_many)(
        organisation_ids=[listed.organisation_id], kind="invitation", title="采购邀请：批量", body="正文", url="/r/",
        dedupe_key="fanout:1",
    )
    assert new == [listed.organisation_id]
    message = await sockets[0].receive_json_from(timeout=3)
    assert {k: v for k, v in message.items() if k != "id"} == {
        "type": "notification", "unread": 1, "kind": "invitation", "title": "采购邀请：批量", "body": "正文", "url": "/r/",
    }
    assert await sockets[1].receive_nothing(timeout=1)
    # Pushed again (a retried fan-out): nothing new is written, nobody is told twice.
    assert await sync_to_async(notifications_push_many)(
        organisation_ids=[listed.organisation_id, other.organisation_id], kind="invitation", title="采购邀请：批量",
        dedupe_key="fanout:1",
    ) == [other.organisation_id]
    assert (await sockets[1].receive_json_from(timeout=3))["title"] == "采购邀请：批量"
    assert await sockets[0].receive_nothing(timeout=1)
    for comm in sockets:
        await comm.disconnect()
