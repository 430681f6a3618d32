"""GET /metrics: closed to the public, the platform's gauges, the hot-path counters."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from prometheus_client import REGISTRY

from operations.metrics import celery_queue_depths, metrics_exposition
from tests.operations.loops import run_in_own_loop


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


def gauge_line(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in the exposition")


@pytest.mark.django_db
class TestAccess:
    def test_closed_to_everyone_by_default(self, client):
        assert client.get("/metrics").status_code == 404

    @override_settings(METRICS_ALLOWED_NETWORKS=["10.0.0.0/24", "192.168.1.5"])
    def test_open_to_the_configured_addresses_only(self, client):
        assert client.get("/metrics", REMOTE_ADDR="10.0.0.77").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="192.168.1.5").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="192.168.1.6").status_code == 404
        assert client.get("/metrics", REMOTE_ADDR="not-an-address").status_code == 404

    @override_settings(METRICS_TOKEN="s3cret-token")
    def test_open_with_the_bearer_token(self, client):
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
        assert client.get("/metrics", HTTP_AUTHORIZATION="Basic s3cret-token").status_code == 403
        assert client.get("/metrics").status_code == 404

    def test_no_token_configured_refuses_any_token(self, client):
        assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403

    @override_settings(METRICS_ALLOWED_NETWORKS=["127.0.0.1"])
    def test_the_exposition_is_prometheus_text(self, client):
        response = client.get("/metrics")
        assert response["Content-Type"].startswith("text/plain; version=")
        body = response.content.decode()
        assert "# TYPE zjcs_http_requests_total counter" in body
        assert "zjcs_platform_up 1.0" in body


@pytest.mark.django_db
def test_platform_gauges_count_live_auctions_and_open_overdue_steps():
    from market.models import ServiceRequest
    from tests.bidding.auction_support import auction_case
    from tests.factories import published_request

    before = metrics_exposition().decode()
    auction_case(3)
    late = published_request()
    ServiceRequest.objects.filter(pk=late.pk).update(status=ServiceRequest.Status.AWAITING_CONFIRMATION,
                                                     confirm_due=timezone.now() - timedelta(hours=1))
    body = metrics_exposition().decode()
    assert gauge_line(body, 'zjcs_auctions{status="live"}') == gauge_line(before, 'zjcs_auctions{status="live"}') + 1
    assert gauge_line(body, 'zjcs_overdue_steps_open{step="confirm"}') == 1
    assert gauge_line(body, 'zjcs_overdue_steps_open{step="service"}') == 0
    # Done, the step stops counting.
    ServiceRequest.objects.filter(pk=late.pk).update(status=ServiceRequest.Status.PUBLICITY)
    assert gauge_line(metrics_exposition().decode(), 'zjcs_overdue_steps_open{step="confirm"}') == 0


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")
def test_queue_depth_is_read_from_the_redis_broker():
    import redis

    queue = f"zjcs-test-{uuid.uuid4().hex}"
    url = os.environ["REDIS_URL"]
    client = redis.Redis.from_url(url)
    try:
        client.rpush(queue, b"a", b"b")
        client.rpush(queue + "\x06\x166", b"c")  # kombu's list for priority 6
        with override_settings(CELERY_BROKER_URL=url, CELERY_TASK_DEFAULT_QUEUE=queue):
            assert celery_queue_depths() == {queue: 3}
    finally:
        client.delete(queue, queue + "\x06\x166")


def test_no_queue_depth_without_a_redis_broker():
    with override_settings(CELERY_BROKER_URL="filesystem://"):
        assert celery_queue_depths() is None


@pytest.mark.django_db(transaction=True)
def test_sockets_and_bids_are_counted_on_the_hot_path():
    from tests.bidding.auction_support import auction_case
    from tests.bidding.test_auction_socket import connect, receive_until, send_bid

    case = auction_case(3)

    async def scenario():
        sockets, accepted = sample("zjcs_auction_sockets"), sample("zjcs_bids_accepted_total")
        refused, acks = sample("zjcs_bids_refused_total", code="invalid"), sample("zjcs_bid_ack_seconds_count")
        comm, _ = await connect(case, case.firms[0])
        watcher, _ = await connect(case, None)
        assert sample("zjcs_auction_sockets") == sockets + 2
        await send_bid(comm, "99000.00")
        assert (await receive_until(comm, "ack"))[0]["type"] == "ack"
        await send_bid(comm, "abc")
        assert (await receive_until(comm, "rejected"))[0]["code"] == "invalid"
        assert sample("zjcs_bids_accepted_total") == accepted + 1
        assert sample("zjcs_bids_refused_total", code="invalid") == refused + 1
        assert sample("zjcs_bid_ack_seconds_count") == acks + 2
        await comm.disconnect()
        await watcher.disconnect()
        assert sample("zjcs_auction_sockets") == sockets

    run_in_own_loop(scenario())


def test_multiprocess_mode_sums_the_processes_of_a_host(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR: two processes' counters are summed; a process that exited
    takes its sockets with it."""
    code = (
        "import django, sys; django.setup();"
        "from bidding import metrics; from operations.metrics import metrics_exposition;"
        "metrics.AUCTION_SOCKETS.inc(int(sys.argv[1])); metrics.BIDS_ACCEPTED.inc(int(sys.argv[2]));"
        "print(metrics_exposition().decode()) if sys.argv[3] == 'show' else None"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, "-c", code, "5", "3", "quiet"], env=env, cwd=root, check=True)
    shown = subprocess.run([sys.executable, "-c", code, "2", "1", "show"], env=env, cwd=root, check=True,
                           capture_output=True, text=True).stdout
    assert gauge_line(shown, "zjcs_bids_accepted_total") == 4
    assert gauge_line(shown, "zjcs_auction_sockets") == 2


def test_a_malformed_allowed_network_is_a_startup_error(settings):
    from operations.apps import _metrics_networks_check

    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/24", "10.0.0.300"]
    assert [e.id for e in _metrics_networks_check()] == ["operations.E001"]
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/24", "::1"]
    assert _metrics_networks_check() == []
