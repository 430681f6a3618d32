"""Benchmark: the zero-setup Celery broker under concurrent producers and consumers.

Runs the same load against kombu's filesystem transport (the former default) and against
`config/broker.py` (kombu's SQLAlchemy transport on SQLite, with leases, the default now):
--producers processes each put --messages messages, --consumers processes take and
acknowledge them until the queue stays empty for 2 s. Counts what was lost, what was
delivered twice and how often a consumer's `get` raised (the filesystem transport's reader
can open a file its writer has not filled yet and read an empty message: that is what
killed the worker under `make run`).

Not a timed test: `.venv/bin/python bench/broker_stress.py [--rounds 3]`; the last line is
one JSON object (one entry per transport, summed over the rounds).
"""

import argparse
import json
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def connect(kind: str, where: str):
    from kombu import Connection

    if kind == "filesystem":
        folders = {name: f"{where}/{name}" for name in ("queue", "processed", "control")}
        return Connection("filesystem://", transport_options={
            "data_folder_in": folders["queue"], "data_folder_out": folders["queue"],
            "processed_folder": folders["processed"], "control_folder": folders["control"],
            "store_processed": False, "polling_interval": 0.05})
    return Connection(f"sqlite:///{where}/broker.sqlite3", transport="config.broker:Transport",
                      transport_options={"polling_interval": 0.05})


def produce(kind, where, producer, count):
    with connect(kind, where) as conn:
        queue = conn.SimpleQueue("stress")
        for i in range(count):
            queue.put({"producer": producer, "i": i})


def consume(kind, where, out):
    got, errors = [], 0
    with connect(kind, where) as conn:
        queue = conn.SimpleQueue("stress")
        last = time.monotonic()
        while time.monotonic() - last < 2:
            try:
                message = queue.get(timeout=0.2)
            except queue.Empty:
                continue
            except Exception:  # what a Celery worker would die on
                errors += 1
                last = time.monotonic()
                continue
            got.append((message.payload["producer"], message.payload["i"]))
            message.ack()
            last = time.monotonic()
    out.put((got, errors))


def run(kind, producers, messages, consumers):
    where = tempfile.mkdtemp(prefix=f"broker-{kind}-")
    for name in ("queue", "processed", "control"):
        Path(where, name).mkdir()
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    started = time.monotonic()
    procs = [ctx.Process(target=consume, args=(kind, where, out)) for _ in range(consumers)]
    procs += [ctx.Process(target=produce, args=(kind, where, p, messages)) for p in range(producers)]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=600) for _ in range(consumers)]
    for proc in procs:
        proc.join(60)
    seconds = time.monotonic() - started - 2  # the consumers' final idle wait
    shutil.rmtree(where, ignore_errors=True)
    got = [pair for result in results for pair in result[0]]
    sent = producers * messages
    return {"sent": sent, "received": len(got), "lost": sent - len(set(got)),
            "duplicates": len(got) - len(set(got)), "consumer_errors": sum(r[1] for r in results),
            "seconds": round(seconds, 1)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--producers", type=int, default=3)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    totals = {}
    for kind in ("filesystem", "sqlite"):
        total = {}
        for round_ in range(args.rounds):
            figures = run(kind, args.producers, args.messages, args.consumers)
            print(f"{kind} round {round_ + 1}: {figures}", flush=True)
            for key, value in figures.items():
                total[key] = round(total.get(key, 0) + value, 1)
        totals[kind] = total
    print(json.dumps(totals))


if __name__ == "__main__":
    main()
