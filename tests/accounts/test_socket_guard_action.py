"""The login check in a bid's own database trip: the full check first, then one plain
statement while nothing it read has changed; any change to the session row, the user's
password or active flag, the session's expiry or its time limits fails the next action."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.selectors import SESSION_STARTED_KEY
from accounts.socket_guard import SessionGuardMixin
from tests.factories import firm_user

pytestmark = pytest.mark.django_db
PASSWORD = "pass-Word-123"


def guard_of(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    guard = SessionGuardMixin()
    guard._auth_user_id, guard._auth_session_key = user.pk, client.cookies["sessionid"].value
    return guard, client


def test_after_a_full_check_the_next_actions_cost_one_statement():
    guard, _client = guard_of(firm_user())
    assert guard._auth_valid_for_action_sync()
    with CaptureQueriesContext(connection) as queries:
        assert guard._auth_valid_for_action_sync()
    assert len(queries) == 1


@pytest.mark.parametrize("change", ["password", "inactive", "session_gone", "session_expired"])
def test_a_change_since_the_last_check_fails_the_next_action(change):
    user = firm_user()
    guard, client = guard_of(user)
    assert guard._auth_valid_for_action_sync()
    session = Session.objects.filter(session_key=client.cookies["sessionid"].value)
    if change == "password":  # no signal, no broadcast: only the check can see it
        User.objects.filter(pk=user.pk).update(password=make_password("another-Pass-456"))
    elif change == "inactive":
        User.objects.filter(pk=user.pk).update(is_active=False)
    elif change == "session_gone":
        session.delete()
    else:
        session.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert not guard._auth_valid_for_action_sync()


def test_the_absolute_time_limit_is_checked_even_when_nothing_changed(settings):
    user = firm_user()
    guard, client = guard_of(user)
    store = Session.objects.get(session_key=client.cookies["sessionid"].value)
    data = store.get_decoded()
    data[SESSION_STARTED_KEY] = (timezone.now() - timedelta(seconds=100)).timestamp()
    Session.objects.filter(pk=store.pk).update(session_data=Session.objects.encode(data))
    settings.SESSION_MAX_AGE_SECONDS = 3600
    assert guard._auth_valid_for_action_sync()
    settings.SESSION_MAX_AGE_SECONDS = 60  # the same session row, now past its limit
    assert not guard._auth_valid_for_action_sync()
