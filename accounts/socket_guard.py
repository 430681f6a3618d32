"""Sockets that notice when their login ends.

A websocket keeps the user it was opened with; Django's session checks run only on HTTP
requests. `SessionGuardMixin` makes a consumer re-check its session and user against the
database (`accounts.selectors.session_login_valid`):

- when told to: logout, deactivation, a password change or any change to the user
  broadcast `auth.recheck` to the group `user.<id>` on the default channel layer after
  commit (`accounts.services.user_sockets_recheck`); one subscription per process and user
  (`_UserHub`) hands it to that user's local sockets, so a consumer needs no channel of
  its own (the auction socket has none);
- every SOCKET_AUTH_RECHECK_SECONDS (default 30, at most 60), which also covers a change
  made by a process whose broadcast cannot reach this one (the in-process layer);
- on demand: `auth_recheck()` before an action that must not outlive the login (a bid);
  `_auth_valid_for_action_sync()` in the action's own database trip, which after a full
  check has passed needs one plain statement as long as the session row and the user's
  password and active flag are unchanged (then only the expiry and the session's time
  limits are re-checked; a change of the user's privileges that asks for a second factor
  is caught by the full check at the next push or period).

A socket whose login is gone is closed with code 4401. Anonymous sockets (public watchers)
have nothing to re-check.
"""

from __future__ import annotations

import asyncio
import logging
import random

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from accounts.services import user_group

log = logging.getLogger(__name__)

CLOSE_CODE = 4401


class _UserHub:
    """One channel-layer subscription per (event loop, user) for all that user's sockets."""

    hubs: dict[tuple[int, int], _UserHub] = {}

    def __init__(self, user_id: int):
        self.user_id = user_id
        self.loop = asyncio.get_running_loop()
        self.members: set[SessionGuardMixin] = set()
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.task: asyncio.Task | None = None
        self.lock = asyncio.Lock()

    @classmethod
    def of(cls, user_id: int) -> _UserHub:
        loop = asyncio.get_running_loop()
        key = (id(loop), user_id)
        hub = cls.hubs.get(key)
        if hub is None or hub.loop is not loop:
            hub = cls.hubs[key] = cls(user_id)
        return hub

    async def join(self, member) -> None:
        self.members.add(member)
        if self.layer is None:
            return
        async with self.lock:
            if self.task is None:
                self.channel = await self.layer.new_channel()
                await self.layer.group_add(user_group(self.user_id), self.channel)
                self.task = asyncio.ensure_future(self._pump())

    async def leave(self, member) -> None:
        self.members.discard(member)
        async with self.lock:
            if not self.members and self.task is not None:
                self.task.cancel()
                self.task = None
                try:
                    await self.layer.group_discard(user_group(self.user_id), self.channel)
                except Exception:  # the group entry expires by itself
                    log.debug("group_discard failed for user %s", self.user_id, exc_info=True)
                self.hubs.pop((id(asyncio.get_running_loop()), self.user_id), None)

    async def _pump(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # the layer reconnects; the periodic re-check covers the gap
                log.warning("user %s: channel layer receive failed", self.user_id, exc_info=True)
                await asyncio.sleep(1.0)
                continue
            if event.get("type") == "auth.recheck":
                for member in list(self.members):
                    member._auth_wake()


class SessionGuardMixin:
    """Mix into an async websocket consumer; call `auth_guard_start()` after `accept()`,
    `auth_guard_stop()` in `disconnect()`, and `auth_recheck()` before a privileged action."""

    _auth_user_id: int | None = None
    _auth_closed = False

    async def auth_guard_start(self) -> None:
        user = self.scope.get("user")
        if user is None or not getattr(user, "is_authenticated", False):
            return
        session = self.scope.get("session")
        self._auth_user_id = user.pk
        self._auth_session_key = getattr(session, "session_key", None)
        self._auth_event = asyncio.Event()
        self._auth_hub = _UserHub.of(user.pk)
        await self._auth_hub.join(self)
        self._auth_task = asyncio.ensure_future(self._auth_loop())

    async def auth_guard_stop(self) -> None:
        task = getattr(self, "_auth_task", None)
        if task is not None:
            task.cancel()
        hub = getattr(self, "_auth_hub", None)
        if hub is not None:
            await hub.leave(self)

    async def auth_recheck(self, *, close: bool = True) -> bool:
        """Whether the socket's login is still valid; closes the socket (4401) if not and
        `close` is true. Always true for an anonymous socket."""
        if self._auth_user_id is None:
            return True
        if self._auth_closed:
            return False
        try:
            valid = await self._auth_valid()
        except Exception:  # a database hiccup must not log anybody out
            log.warning("socket login re-check failed for user %s", self._auth_user_id, exc_info=True)
            return True
        if not valid and close:
            await self.auth_close()
        return valid

    async def auth_close(self) -> None:
        if not self._auth_closed:
            self._auth_closed = True
            await self.close(code=CLOSE_CODE)

    def _auth_wake(self) -> None:
        self._auth_event.set()

    async def _auth_loop(self) -> None:
        period = min(float(getattr(settings, "SOCKET_AUTH_RECHECK_SECONDS", 30)), 60.0)
        try:
            while not self._auth_closed:
                try:
                    # Jitter spreads the re-checks of many sockets opened together.
                    await asyncio.wait_for(self._auth_event.wait(), timeout=period * random.uniform(0.8, 1.0))
                except asyncio.TimeoutError:
                    pass
                self._auth_event.clear()
                if not await self.auth_recheck():
                    return
        except asyncio.CancelledError:
            pass

    @database_sync_to_async
    def _auth_valid(self) -> bool:
        return self._auth_valid_sync()

    def _auth_valid_sync(self) -> bool:
        """`_auth_valid` for a caller already in a database thread: the full check."""
        from accounts.selectors import session_login_valid

        return session_login_valid(session_key=self._auth_session_key, user_id=self._auth_user_id)

    def _auth_valid_for_action_sync(self) -> bool:
        """The login check of an action (a bid), in the action's database thread: the full
        check the first time and whenever what it read has changed, else one statement."""
        from accounts.selectors import session_login_fingerprint, session_login_valid, session_times_ok

        fingerprint = session_login_fingerprint(session_key=self._auth_session_key, user_id=self._auth_user_id)
        known = getattr(self, "_auth_passed", None)
        if fingerprint is not None and known is not None and known[0] == fingerprint:
            return session_times_ok(known[1])
        self._auth_passed = None
        if not session_login_valid(session_key=self._auth_session_key, user_id=self._auth_user_id):
            return False
        if fingerprint is not None:
            from django.contrib.sessions.backends.db import SessionStore

            self._auth_passed = (fingerprint, SessionStore().decode(fingerprint[0]))
        return True
