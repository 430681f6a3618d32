"""`scripts/run.sh` supervises: a dead worker is restarted (with a back-off) and never takes
Daphne down; SIGTERM stops everything within 10 s.

Real processes on a fresh VAR_DIR (nothing migrated: Daphne answers /healthz with 503 then,
which is an answer; the point is the processes). Runs once, in the default configuration
(skipped when DATABASE_URL is set: the matrix's SQLite pass runs it).
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from tests.bidding.processes import free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="run once, in the default configuration"),
]


def answers(port: int) -> bool:
    try:
        with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
            return True
    except HTTPError as exc:
        return exc.code == 503
    except OSError:
        return False


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def started_pids(log: Path, name: str) -> list[int]:
    text = log.read_text() if log.exists() else ""
    return [int(p) for p in re.findall(rf"{name} started \(pid (\d+)\)", text)]


def gone(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_run_sh_restarts_a_dead_worker_keeps_daphne_and_stops_within_ten_seconds(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(VAR_DIR=str(tmp_path), PORT=str(port), PY=sys.executable, RUN_DEMO="0")
    run_log = tmp_path / "run.log"
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: answers(port), 60, "Daphne")
        [worker] = wait_for(lambda: started_pids(run_log, "celery"), 10, "the worker")
        [daphne] = started_pids(run_log, "daphne")

        os.kill(worker, signal.SIGKILL)  # a crash
        second = wait_for(lambda: started_pids(run_log, "celery")[1:2], 20, "the worker's restart")[0]
        assert "restart 1 in 1 s" in run_log.read_text()
        assert answers(port) and started_pids(run_log, "daphne") == [daphne]  # Daphne untouched
        time.sleep(1)
        os.kill(second, signal.SIGKILL)  # again at once: the back-off doubles
        wait_for(lambda: started_pids(run_log, "celery")[2:3], 20, "the second restart")
        assert "restart 2 in 2 s" in run_log.read_text()
        assert gone(worker) and gone(second)  # nothing left of the dead ones (pool, beat)
        assert answers(port)

        groups = started_pids(run_log, "celery") + started_pids(run_log, "daphne")
        time.sleep(3)  # let the new worker get busy
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        took = time.monotonic() - began
        assert took < 10, f"stopping took {took:.1f} s"
        assert all(gone(pid) for pid in groups)
        assert not answers(port)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in started_pids(run_log, "celery") + started_pids(run_log, "daphne"):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
