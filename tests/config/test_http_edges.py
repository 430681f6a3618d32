"""HTTP edges of the whole site: HEAD wherever GET, and /static/ paths that leave the folder."""

import asyncio

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/catalogue/", "/registry/", "/accounts/login/", "/healthz",
                                 "/api/v1/draws/", "/admin/login/"])
def test_head_is_answered_wherever_get_is(client, url):
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == got.status_code != 405
    assert head.content == b""
    if not got.streaming and got.has_header("Content-Length"):
        assert head["Content-Length"] == got["Content-Length"]


def test_head_on_a_post_only_view_is_refused_like_get(client):
    url = reverse("accounts:logout")
    assert client.get(url).status_code == 405
    assert client.head(url).status_code == 405


def test_head_keeps_the_length_of_the_body_it_does_not_send(client):
    """Straight from the middleware, without the test client's own HEAD body removal."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from config.middleware import HeadAsGetMiddleware

    seen = []

    def view(request):
        seen.append(request.method)
        return HttpResponse("宜春" * 10)

    response = HeadAsGetMiddleware(view)(RequestFactory().head("/"))
    assert seen == ["GET"] and response.content == b"" and response["Content-Length"] == "60"


async def asgi_call(method: str, path: str) -> tuple[int, bytes]:
    """One HTTP request through the whole ASGI application, as Daphne makes it."""
    from config.asgi import application

    sent = []
    received = asyncio.Queue()
    await received.put({"type": "http.request", "body": b"", "more_body": False})
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1),
             "server": ("127.0.0.1", 80)}

    async def send(message):
        sent.append(message)

    await asyncio.wait_for(application(scope, received.get, send), timeout=10)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/static/../x", "/static/../config/settings/base.py", "/static/%2e%2e/x",
                                  "/static/nope.css"])
async def test_a_static_path_outside_the_folder_is_not_found(path):
    status, _ = await asgi_call("GET", path)
    assert status == 404


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_head_through_the_asgi_stack():
    status, body = await asgi_call("GET", "/static/bidding/js/auction.js")
    assert status == 200 and body
    assert (await asgi_call("HEAD", "/static/bidding/js/auction.js"))[0] == 200
    status, body = await asgi_call("HEAD", "/catalogue/")
    assert status == 200 and body == b""
