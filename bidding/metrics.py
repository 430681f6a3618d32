"""Prometheus metrics of the live auction, updated on the hot path: a counter increment or a
histogram observation each, no I/O (served by `operations.metrics`). Per process; with
PROMETHEUS_MULTIPROC_DIR set, summed over the processes of a host."""

from prometheus_client import Counter, Gauge, Histogram

AUCTION_SOCKETS = Gauge("zjcs_auction_sockets", "Open auction websockets (this process).", multiprocess_mode="livesum")
BIDS_ACCEPTED = Counter("zjcs_bids_accepted", "Bids accepted (acknowledged after commit).")
BIDS_REFUSED = Counter("zjcs_bids_refused", "Bids refused, by refusal code.", ["code"])
BID_ACK_SECONDS = Histogram(
    "zjcs_bid_ack_seconds",
    "Time from a bid frame's arrival to its ack or rejection being sent.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def bid_answered(*, accepted: bool, code: str, seconds: float) -> None:
    if accepted:
        BIDS_ACCEPTED.inc()
    else:
        BIDS_REFUSED.labels(code or "unknown").inc()
    BID_ACK_SECONDS.observe(seconds)
