"""Prometheus metrics of the notification socket (served by `operations.metrics`)."""

from prometheus_client import Gauge

NOTIFICATION_SOCKETS = Gauge("zjcs_notification_sockets", "Open notification websockets (this process).",
                             multiprocess_mode="livesum")
