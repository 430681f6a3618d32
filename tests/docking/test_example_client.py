"""examples/county_client.py against a live server: push, publish, receive the signed
webhook, pull the results and the OCDS release."""

import importlib.util
import pathlib

import pytest

from docking.models import ExternalRequest
from market.models import ServiceRequest
from tests.docking.support import county_platform, key_for
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db(transaction=True)
PATH = pathlib.Path(__file__).resolve().parents[2] / "examples" / "county_client.py"


def load_example():
    spec = importlib.util.spec_from_file_location("county_client", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def server():
    """The project's WSGI application on a loopback port, in a thread (a live server)."""
    import threading
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from django.core.wsgi import get_wsgi_application

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    httpd = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=Server, handler_class=Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_example_client_docks_a_county_end_to_end(server, capsys, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.2
    example = load_example()
    key = key_for(county_platform("360982"), "read,requests:write,webhooks", county="360982")
    owner = make_uscc()
    code = example.main(["--base", server, "--key", key, "--owner-uscc", owner, "--external-id", "ZS-EX-1"])
    captured = capsys.readouterr()
    out = captured.out
    assert code == 0, out + captured.err
    req = ServiceRequest.objects.get()
    assert req.status == "published" and req.owner.uscc == owner and req.region_id == "360982"
    assert ExternalRequest.objects.get().external_id == "ZS-EX-1"
    assert "received and verified" in out and f"published {req.code}" in out and "tender active" in out


def test_the_example_receiver_refuses_a_bad_signature_and_drops_repeats():
    import json
    import time
    import urllib.error
    import urllib.request

    example = load_example()
    receiver = example.Receiver()
    receiver.secret = "s3cret"
    try:
        body = json.dumps({"id": "d1", "type": "request.published", "data": {"code": "C1"}}).encode()
        from docking.webhooks import signature

        good = signature(secret="s3cret", timestamp=int(time.time()), body=body)
        for header in (good, good):
            request = urllib.request.Request(receiver.url, data=body, headers={"X-Yczjcs-Signature": header})
            assert urllib.request.urlopen(request, timeout=5).status == 204
        tampered = good[:-1] + ("1" if good.endswith("0") else "0")  # one character that really differs
        bad = urllib.request.Request(receiver.url, data=body, headers={"X-Yczjcs-Signature": tampered})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(bad, timeout=5)
        assert receiver.wait_for("request.published", "C1", timeout=5)["id"] == "d1"
        assert receiver.events.empty()  # the repeat was dropped
    finally:
        receiver.close()
