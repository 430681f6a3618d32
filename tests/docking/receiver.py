"""A real HTTP receiver on 127.0.0.1 in a thread: answers 500 to the first `fail` POSTs,
then 200, and keeps every request it got (headers and raw body)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, fail: int = 0, status_after: int = 200):
        self.fail = fail
        self.status_after = status_after
        self.received: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.lock:
                    outer.received.append({"headers": dict(self.headers), "body": body})
                    status = 500 if len(outer.received) <= outer.fail else outer.status_after
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"failing on purpose" if status >= 300 else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
