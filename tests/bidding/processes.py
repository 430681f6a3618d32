"""Real `daphne` and `celery` subprocesses on the test database (PostgreSQL) and Redis,
for the multi-process auction tests and the benchmark. Ports 8600–8699 only (or the hundred
from TEST_PORT_BASE, for a session given another range)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(int(os.environ.get("TEST_PORT_BASE", "8600")), int(os.environ.get("TEST_PORT_BASE", "8600")) + 100)


def free_port(taken: set[int] | None = None) -> int:
    for port in PORTS:
        if taken and port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def database_url() -> str:
    """The URL of the database the tests use (the test database, not the configured one)."""
    from django.db import connection

    d = connection.settings_dict
    user = d.get("USER") or "postgres"
    auth = f"{user}:{d['PASSWORD']}@" if d.get("PASSWORD") else f"{user}@"
    return f"postgresql://{auth}{d.get('HOST') or '127.0.0.1'}:{d.get('PORT') or 5432}/{d['NAME']}"


def child_env(**extra) -> dict:
    from django.conf import settings

    # The same secret key as this process, so the sessions it makes are valid there.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": database_url(),
           "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": settings.SECRET_KEY,
           "CELERY_TASK_ALWAYS_EAGER": "0", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    env.update(extra)
    return env


class Proc:
    def __init__(self, args: list[str], *, env: dict, log: Path, port: int | None = None):
        self.args, self.env, self.log, self.port = args, env, log, port
        self.popen: subprocess.Popen | None = None

    def start(self, wait: float = 30) -> "Proc":
        out = open(self.log, "ab")
        self.popen = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        if self.port is not None:
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if self.popen.poll() is not None:
                    raise RuntimeError(f"{self.args[:4]} exited: {self.log.read_text()[-2000:]}")
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", self.port)) == 0:
                        return self
                time.sleep(0.1)
            raise RuntimeError(f"{self.args[:4]} did not listen on {self.port}")
        return self

    def kill(self) -> None:
        """SIGKILL the process group: no graceful shutdown, as in a crash."""
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def cpu_s(self) -> float:
        """CPU time (user + system) the process has used so far, in seconds, from /proc."""
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mb(self) -> float:
        """Resident memory of the process (and its children), from /proc."""
        total = 0
        pids = [self.popen.pid]
        try:
            children = subprocess.run(["pgrep", "-g", str(self.popen.pid)], capture_output=True, text=True).stdout.split()
            pids = sorted({self.popen.pid, *map(int, children)})
        except Exception:
            pass
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024


def daphne(port: int, log: Path, *, args: tuple[str, ...] = (), **env) -> Proc:
    return Proc([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), *args, "config.asgi:application"],
                env=child_env(**env), log=log, port=port)


def celery_worker(log: Path, schedule: Path, **env) -> Proc:
    return Proc([sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--loglevel=WARNING",
                 "--concurrency=1", f"--schedule={schedule}"], env=child_env(**env), log=log)


def session_cookie(user) -> str:
    """A logged-in session for `user`, as the cookie header value."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"
