"""The zero-setup Celery broker (`config/broker.py`): SQLite through kombu's SQLAlchemy
transport, with leases. Several processes produce and consume at once; nothing is lost,
nothing is delivered twice, a consumer that dies gives its message back."""

import json
import multiprocessing as mp
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def connection(path: Path, **options):
    from kombu import Connection

    return Connection(f"sqlite:///{path}", transport="config.broker:Transport",
                      transport_options={"polling_interval": 0.05, **options})


def produce(path: str, producer: int, count: int) -> None:
    with connection(Path(path)) as conn:
        queue = conn.SimpleQueue("soak")
        for i in range(count):
            queue.put({"producer": producer, "i": i})
        queue.close()


def consume(path: str, out, idle_seconds: float) -> None:
    got = []
    with connection(Path(path)) as conn:
        queue = conn.SimpleQueue("soak")
        last = time.monotonic()
        while time.monotonic() - last < idle_seconds:
            try:
                message = queue.get(timeout=0.2)
            except queue.Empty:
                continue
            got.append((message.payload["producer"], message.payload["i"]))
            message.ack()
            last = time.monotonic()
        queue.close()
    out.put(got)


def take_and_die(path: str) -> None:
    """Take one message and die without acknowledging it (as a SIGKILLed worker)."""
    with connection(Path(path)) as conn:
        queue = conn.SimpleQueue("soak")
        queue.get(timeout=5)
        os._exit(0)


def test_concurrent_producers_and_consumers_lose_and_repeat_nothing(tmp_path):
    path = str(tmp_path / "broker.sqlite3")
    ctx = mp.get_context("fork")  # the children touch kombu only, never Django's database
    out = ctx.Queue()
    producers = [ctx.Process(target=produce, args=(path, p, 100)) for p in range(3)]
    consumers = [ctx.Process(target=consume, args=(path, out, 2.0)) for _ in range(2)]
    for proc in consumers + producers:
        proc.start()
    for proc in producers:
        proc.join(60)
        assert proc.exitcode == 0
    received = [pair for _ in consumers for pair in out.get(timeout=90)]
    for proc in consumers:
        proc.join(30)
    assert len(received) == 300
    assert set(received) == {(p, i) for p in range(3) for i in range(100)}  # none lost, none twice
    # Consumed rows are gone (kombu's own transport would keep all 300, flagged invisible).
    assert sqlite3.connect(path).execute("SELECT count(*) FROM kombu_message").fetchone() == (0,)


def test_a_message_taken_by_a_consumer_that_died_is_delivered_again(tmp_path):
    path = tmp_path / "broker.sqlite3"
    produce(str(path), 0, 1)
    proc = mp.get_context("fork").Process(target=take_and_die, args=(str(path),))
    proc.start()
    proc.join(60)
    with connection(path, visibility_timeout=0.5) as conn:
        queue = conn.SimpleQueue("soak")
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.2)  # leased by the dead consumer, not yet expired
        time.sleep(0.5)
        import config.broker

        config.broker.Channel._expired_checked = 0  # no need to wait for the next scan
        queue.channel._expired_checked = 0
        message = queue.get(timeout=15)
        assert message.payload == {"producer": 0, "i": 0}
        message.ack()
        queue.close()


def test_an_unacknowledged_message_is_given_back_at_a_warm_close(tmp_path):
    path = tmp_path / "broker.sqlite3"
    produce(str(path), 0, 2)
    with connection(path) as conn:
        queue = conn.SimpleQueue("soak")
        first = queue.get(timeout=5)
        requeued = queue.get(timeout=5)
        requeued.requeue()
        assert first.payload["i"] == 0
        queue.close()  # `first` never acknowledged
    with connection(path) as conn:
        queue = conn.SimpleQueue("soak")
        again = sorted(queue.get(timeout=5).payload["i"] for _ in range(2))
        assert again == [0, 1]
        queue.close()


def test_an_unreadable_message_is_dropped_and_the_next_one_delivered(tmp_path):
    path = tmp_path / "broker.sqlite3"
    produce(str(path), 0, 1)
    db = sqlite3.connect(path)
    queue_id = db.execute("SELECT id FROM kombu_queue WHERE name = 'soak'").fetchone()[0]
    # An empty payload ahead of the good one: what killed the worker on the filesystem transport.
    db.execute("UPDATE kombu_message SET id = id + 1")
    db.execute("INSERT INTO kombu_message (id, visible, payload, version, queue_id) VALUES (1, 1, '', 1, ?)",
               (queue_id,))
    db.commit()
    with connection(path) as conn:
        queue = conn.SimpleQueue("soak")
        assert queue.get(timeout=5).payload == {"producer": 0, "i": 0}
        queue.close()


def test_the_default_without_redis_is_this_transport(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.dev", VAR_DIR=str(tmp_path))
    code = ("import django; django.setup(); from config.celery import app; "
            "import json; print(json.dumps([app.conf.broker_url, app.conf.broker_transport]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [f"sqlite:///{tmp_path}/celery-broker.sqlite3",
                                                                 "config.broker:Transport"]
