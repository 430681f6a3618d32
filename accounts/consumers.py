"""The notification socket: live inbox pushes for a logged-in user's organisation."""

import asyncio
import bisect
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from accounts.metrics import NOTIFICATION_SOCKETS
from accounts.services import NOTIFICATIONS_GROUP, org_group
from accounts.socket_guard import SessionGuardMixin

log = logging.getLogger(__name__)

MAX_FRAME = 4096


class NotificationConsumer(SessionGuardMixin, AsyncJsonWebsocketConsumer):
    """`/ws/notifications/`: sends {"type": "notification", ...} for each new inbox entry.

    Group events carry only an id; the consumer reads the row itself. Besides its
    organisation's group, every socket joins NOTIFICATIONS_GROUP, through which a fan-out
    (invitations to thousands of firms) tells, per batch, which organisations have news. A poll loop re-reads
    the inbox every NOTIFICATION_POLL_SECONDS, so an entry created by another process on
    the in-process channel layer (no Redis) still arrives, a few seconds later; a failed
    read costs one round of the poll, never the loop. Reads are serialised, so an entry
    found by the poll and by a push at once is sent once.

    Client to server: `ping` (answered `pong`). Anything else — binary, above MAX_FRAME
    characters, not JSON, not an object, an unknown type — is answered, as on the auction
    socket, with {"type": "rejected", "code": "invalid", "message": <Chinese>}; nothing a
    client sends closes the socket. It closes with 4401 when its login ends
    (`accounts.socket_guard`).
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.organisation_id:
            await self.close(code=4401)
            return
        self.organisation_id = user.organisation_id
        self._reading = asyncio.Lock()
        self.group = org_group(self.organisation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.channel_layer.group_add(NOTIFICATIONS_GROUP, self.channel_name)
        await self.accept()
        await self.auth_guard_start()
        NOTIFICATION_SOCKETS.inc()
        self.counted = True
        self.last_id = await self._latest_id()
        await self.send_json({"type": "hello", "unread": await self._unread()})
        self._poller = asyncio.ensure_future(self._poll())

    async def disconnect(self, code):
        await self.auth_guard_stop()
        if getattr(self, "counted", False):
            self.counted = False
            NOTIFICATION_SOCKETS.dec()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.channel_layer.group_discard(NOTIFICATIONS_GROUP, self.channel_name)
        poller = getattr(self, "_poller", None)
        if poller is not None:
            poller.cancel()

    async def websocket_receive(self, message):
        text = message.get("text")
        if text is None:
            await self._reject("只接受 JSON 文本消息。")
            return
        if len(text) > MAX_FRAME:
            await self._reject("消息过大，已拒绝。")
            return
        try:
            content = json.loads(text)
        except ValueError:
            await self._reject("消息不是有效的 JSON。")
            return
        if not isinstance(content, dict):
            await self._reject("消息须为 JSON 对象。")
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._reject("未知的消息类型。")

    async def _reject(self, message: str):
        await self.send_json({"type": "rejected", "code": "invalid", "message": message})

    async def notification_created(self, event):
        # No separate close_old_connections hop: `_read` is a database_sync_to_async call,
        # which does that in the database thread itself.
        try:
            await self._flush()
        except Exception:  # the poll will find the entry
            log.exception("notification socket: reading the inbox failed")

    async def notifications_created(self, event):
        """A fan-out batch (`accounts.services.notifications_broadcast`): every socket gets
        it, and only those whose organisation is in the sorted list re-read their inbox."""
        listed = event.get("organisations") or []
        at = bisect.bisect_left(listed, self.organisation_id)
        if at < len(listed) and listed[at] == self.organisation_id:
            await self.notification_created(event)

    async def _poll(self):
        while True:
            try:
                await asyncio.sleep(settings.NOTIFICATION_POLL_SECONDS)
                await self._flush()
            except asyncio.CancelledError:
                return
            except Exception:  # e.g. the database busy past its timeout: try again next round
                log.exception("notification socket: reading the inbox failed")

    async def _flush(self):
        async with self._reading:
            rows, unread = await self._read(self.last_id)
            for row in rows:
                self.last_id = max(self.last_id, row["id"])
                await self.send_json({"type": "notification", "unread": unread, **row})

    @database_sync_to_async
    def _latest_id(self) -> int:
        from accounts.models import Notification

        last = Notification.objects.filter(organisation_id=self.organisation_id).order_by("-id").values_list("id", flat=True).first()
        return last or 0

    @database_sync_to_async
    def _read(self, last_id: int) -> tuple[list[dict], int]:
        """The entries after `last_id` (at most 50) and, when there are any, the unread
        count: one trip to the database thread (a fan-out wakes thousands of sockets)."""
        from accounts.models import Notification

        rows = list(
            Notification.objects.filter(organisation_id=self.organisation_id, id__gt=last_id)
            .order_by("id")
            .values("id", "kind", "title", "body", "url")[:50]
        )
        return rows, (self._unread_sync() if rows else 0)

    @database_sync_to_async
    def _unread(self) -> int:
        return self._unread_sync()

    def _unread_sync(self) -> int:
        from accounts.models import Notification

        return Notification.objects.filter(organisation_id=self.organisation_id, read_at__isnull=True).count()
