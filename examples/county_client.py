#!/usr/bin/env python3
"""A county platform docking with the city platform, with the Python standard library only.

    python examples/county_client.py --base http://127.0.0.1:8000 --key yczj_xxxx.yyyy \
        --owner-uscc 91360982MA00000019 --listen 127.0.0.1:8765

It (1) subscribes to webhooks with a local receiver (http.server in a thread) that checks
every signature and drops repeated delivery ids, (2) pushes a request by the county's own id
(idempotent: run it twice, one request), (3) publishes it, (4) waits for the
`request.published` webhook, and (5) pulls results since a time and the request's OCDS
release. Each step is a function that `tests/docking/test_example_client.py` also calls.
"""

import argparse
import hashlib
import hmac
import json
import queue
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BEIJING = timezone(timedelta(hours=8))


class ApiError(Exception):
    def __init__(self, status: int, error: dict):
        self.status, self.code, self.message = status, error.get("code"), error.get("message")
        self.fields = error.get("fields") or {}
        super().__init__(f"{status} {self.code}: {self.message} {self.fields or ''}")


class Client:
    """`Authorization: Bearer <key>` JSON calls; errors raised as ApiError; 429 waited out."""

    def __init__(self, base: str, key: str):
        self.base, self.key = base.rstrip("/"), key

    def call(self, method: str, path: str, body=None) -> dict:
        data = None if body is None else json.dumps(body).encode("utf-8")
        for _ in range(5):
            request = urllib.request.Request(self.base + path, data=data, method=method, headers={
                "Authorization": f"Bearer {self.key}", "Content-Type": "application/json", "Accept": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    raw = response.read()
                    return json.loads(raw) if raw else {}
            except urllib.error.HTTPError as exc:
                payload = json.loads(exc.read() or b"{}")
                if exc.code == 429:  # rate limited: wait as told
                    time.sleep(min(int(exc.headers.get("Retry-After", "1")), 60))
                    continue
                raise ApiError(exc.code, payload.get("error", {})) from None
        raise ApiError(429, {"code": "rate_limited", "message": "多次限流"})


# ---------------------------------------------------------------------------------------
# Webhook receiver


def signature_ok(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """X-Yczjcs-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - stamp) > tolerance:
        return False
    expected = hmac.new(secret.encode("utf-8"), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


class Receiver:
    """Receives deliveries on host:port; verified, first-seen events go to `events`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.secret = ""
        self.events: queue.Queue[dict] = queue.Queue()
        self.seen: set[str] = set()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not signature_ok(outer.secret, self.headers.get("X-Yczjcs-Signature", ""), body):
                    self.send_response(401)
                    self.end_headers()
                    return
                event = json.loads(body)
                self.send_response(204)  # answer at once; the work is done elsewhere
                self.end_headers()
                if event["id"] not in outer.seen:  # a retry or a redelivery: already handled
                    outer.seen.add(event["id"])
                    outer.events.put(event)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}/yczjcs-webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, type_: str, code: str, timeout: float = 30) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                event = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            if event["type"] == type_ and event["data"].get("code") == code:
                return event
        raise TimeoutError(f"no {type_} for {code} within {timeout} s")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------
# The steps


def subscribe(client: Client, receiver: Receiver, events: list[str]) -> dict:
    sub = client.call("POST", "/api/v1/webhooks/", {"url": receiver.url, "events": events})
    receiver.secret = sub["secret"]  # shown only in this answer: keep it
    return sub


def weekday_after(day: datetime) -> datetime:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def deadlines(days: int) -> tuple[str, str]:
    """Sign-up closing 17:00 on a weekday about `days` ahead and selection 09:30 the next
    weekday, Beijing time. The platform checks the real calendar (holidays, 调休) and says
    which field to change when one is not a working day."""
    deadline = weekday_after(datetime.now(BEIJING) + timedelta(days=days - 1))
    selection = weekday_after(deadline)
    return (deadline.replace(hour=17, minute=0, second=0, microsecond=0).isoformat(),
            selection.replace(hour=9, minute=30, second=0, microsecond=0).isoformat())


def request_body(*, owner_uscc: str, service_item: str, title: str, days: int = 10) -> dict:
    signup_deadline, selection_at = deadlines(days)
    return {
        "owner": {"uscc": owner_uscc, "name": "樟树市交通运输局", "contact_name": "刘一", "phone": "0795-7330001"},
        "service_item": service_item,
        "title": title,
        "scope": "编制环境影响报告表并协助通过审批。",
        "funding": "fiscal",
        "ceiling": "100000.00",
        "method": "draw",
        "signup_deadline": signup_deadline,
        "selection_at": selection_at,
        "service_days": 30,
        "contact_name": "刘一",
        "contact_phone": "0795-7330001",
    }


def push(client: Client, external_id: str, body: dict, *, publish: bool = False) -> dict:
    suffix = "?publish=true" if publish else ""
    return client.call("PUT", f"/api/v1/requests/by-external-id/{external_id}/{suffix}", body)


def pull_results(client: Client, since: str) -> list[dict]:
    """Every result changed since `since`, following the cursor to the end."""
    from urllib.parse import quote, urlsplit

    rows, path = [], f"/api/v1/results/?since={quote(since)}"
    while path:
        page = client.call("GET", path)
        rows.extend(page["results"])
        nxt = urlsplit(page["next"]) if page.get("next") else None
        path = f"{nxt.path}?{nxt.query}" if nxt else None
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True, help="the county platform's key")
    parser.add_argument("--owner-uscc", required=True)
    parser.add_argument("--external-id", default=f"COUNTY-{int(time.time())}")
    parser.add_argument("--service-item", default="")
    parser.add_argument("--listen", default="127.0.0.1:0", help="host:port of the webhook receiver")
    args = parser.parse_args(argv)
    client = Client(args.base, args.key)
    host, _, port = args.listen.partition(":")
    receiver = Receiver(host, int(port or 0))
    started = datetime.now(BEIJING).isoformat()
    try:
        sub = subscribe(client, receiver, ["request.published", "request.selected", "request.status_changed"])
        print(f"subscribed #{sub['id']} → {receiver.url}")
        item = args.service_item or client.call("GET", "/api/v1/catalogue/?active=true")["results"][0]["code"]
        for days in range(10, 25):  # a holiday on the platform's calendar: try the next day
            body = request_body(owner_uscc=args.owner_uscc, service_item=item, title="县级平台推送的环评项目",
                                days=days)
            draft = push(client, args.external_id, body)
            print(f"pushed {args.external_id} → {draft['code']} ({draft['status_label']})")
            again = push(client, args.external_id, body)
            assert again["code"] == draft["code"], "the same external id is the same request"
            try:
                published = push(client, args.external_id, body, publish=True)
                break
            except ApiError as exc:
                if not {"signup_deadline", "selection_at"} & set(exc.fields):
                    raise
        print(f"published {published['code']}, commitment {published['commitment']}")
        event = receiver.wait_for("request.published", published["code"])
        print(f"webhook {event['type']} {event['id']} received and verified")
        results = pull_results(client, started)
        print(f"{len(results)} result(s) since {started}")
        release = client.call("GET", published["links"]["ocds"])["releases"][0]
        print(f"OCDS release {release['id']}: tender {release['tender']['status']}")
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        receiver.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
