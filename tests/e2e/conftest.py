"""Browser tests: Playwright driving Debian's chromium against a Daphne live server.

The server is Daphne in a forked process (daphne.testing.DaphneProcess) serving the real
ASGI application, websockets included, on the test database.
"""

import os
import shutil
from functools import partial

import pytest

# Playwright's sync API runs an event loop in the main thread; the ORM calls the tests make
# to set up data are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def _application():
    # Module-level callable so the forked process builds its own application.
    from channels.routing import get_default_application

    return get_default_application()


def _child_setup():
    # The child is forked from a test process that may have run async tests: it inherits
    # the parent's connection objects, channel layers (queues bound to the parent's event
    # loops) and asgiref's sync-to-async executor (whose thread does not exist here).
    # Drop them all so the child builds its own.
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync
    from channels.layers import channel_layers
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        conn.connection = None
    channel_layers.backends = {}
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


@pytest.fixture
def live_url(transactional_db, settings):
    """The address of a Daphne process serving the platform on the test database."""
    from daphne.testing import DaphneProcess
    from django.db import connections

    if connections["default"].vendor == "sqlite" and connections["default"].is_in_memory_db():
        pytest.fail("browser tests need a file or server database")
    connections.close_all()
    process = DaphneProcess("127.0.0.1", partial(_application), setup=_child_setup)
    process.start()
    if not process.ready.wait(timeout=20):
        process.terminate()
        pytest.fail("Daphne did not start")
    url = f"http://127.0.0.1:{process.port.value}"
    yield url
    process.terminate()
    process.join(10)


@pytest.fixture
def login(live_url):
    """Log a Playwright page in as `username` through the real login form."""

    def do(page, username: str, password: str = "pass-Word-123"):
        page.goto(f"{live_url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return do
