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
    """No live process is left in the group `pid` (zombies aside: an orphaned pool process
    is reaped by PID 1, which in some containers takes its time)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
            return False
    return True


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
        assert "still running" not in run_log.read_text()  # both left on their own, within the grace
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in started_pids(run_log, "celery") + started_pids(run_log, "daphne"):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_ctrl_c_stops_a_ready_worker_and_daphne_on_their_own_within_ten_seconds(tmp_path):
    """Ctrl-C in a terminal: SIGINT to the foreground process group (run.sh and whatever it
    runs in the foreground; Daphne and the worker have sessions of their own). The worker
    is up (its log says ready) so its warm shutdown has a pool, a beat and a consumer to stop;
    it must finish within run.sh's grace, not be killed at its end."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(VAR_DIR=str(tmp_path), PORT=str(port), PY=sys.executable, RUN_DEMO="0", LOG_LEVEL="INFO")
    run_log, celery_log = tmp_path / "run.log", tmp_path / "celery.log"
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: answers(port), 60, "Daphne")
        wait_for(lambda: celery_log.exists() and " ready." in celery_log.read_text(errors="replace"), 60,
                 "the worker")
        groups = started_pids(run_log, "celery") + started_pids(run_log, "daphne")
        time.sleep(2)
        began = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(15)
        took = time.monotonic() - began
        assert took < 10, f"stopping took {took:.1f} s"
        assert all(gone(pid) for pid in groups)
        assert not answers(port)
        text = run_log.read_text()
        assert "stopped" in text and "still running" not in text
        assert "Warm shutdown" in celery_log.read_text(errors="replace")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in started_pids(run_log, "celery") + started_pids(run_log, "daphne"):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_a_child_deaf_to_sigterm_is_killed_when_the_grace_ends_by_the_clock(tmp_path):
    """STOP_GRACE is wall-clock time, not a count of short sleeps (which a busy machine
    stretches): a worker and a server that ignore SIGTERM are killed, whole groups, after
    the grace, and run.sh is gone soon after. A `sleep` that oversleeps by 0.25 s plays the
    busy machine: 20 rounds of "sleep 0.1" would take 7 s."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text("#!/bin/bash\ntrap '' TERM\n/bin/sleep 600 & wait\n")  # a child of its own, in its group
    slow_sleep = bin_dir / "sleep"
    slow_sleep.write_text('#!/bin/bash\nexec /bin/sleep "$(awk "BEGIN { print $1 + 0.25 }")"\n')
    for path in (fake, slow_sleep):
        path.chmod(0o755)
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(VAR_DIR=str(tmp_path), PORT=str(port), PY=str(fake), RUN_DEMO="0", STOP_GRACE="2",
               PATH=f"{bin_dir}:{os.environ['PATH']}")
    run_log = tmp_path / "run.log"
    proc = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(started_pids(run_log, "celery") + started_pids(run_log, "daphne")) == 2, 20,
                 "both started")
        groups = started_pids(run_log, "celery") + started_pids(run_log, "daphne")
        time.sleep(1)
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        took = time.monotonic() - began
        assert 2 <= took < 4, f"stopping took {took:.1f} s"
        text = run_log.read_text()
        assert "celery still running after 2 s: killed" in text and "daphne still running after 2 s: killed" in text
        assert all(gone(pid) for pid in groups)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in started_pids(run_log, "celery") + started_pids(run_log, "daphne"):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
