import atexit
import os

from django.apps import AppConfig
from django.core import checks


class OperationsConfig(AppConfig):
    """Operating the platform: request ids and structured logs, Prometheus metrics, backup
    checks. An adapter on top of the other apps; no other app imports it."""

    name = "operations"
    verbose_name = "运维"

    def ready(self):
        from operations import requestid

        requestid.connect_celery_signals()
        checks.register(_metrics_networks_check)
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Multiprocess metrics: a process that exits takes its live gauges (open sockets)
            # out of the host's sum. (A SIGKILLed one cannot: empty the directory when the
            # host's processes restart.)
            from prometheus_client import multiprocess

            atexit.register(multiprocess.mark_process_dead, os.getpid())


def _metrics_networks_check(app_configs=None, **kwargs):
    """METRICS_ALLOWED_NETWORKS must parse, or /metrics would fail at its first scrape."""
    import ipaddress

    from django.conf import settings

    errors = []
    for item in getattr(settings, "METRICS_ALLOWED_NETWORKS", ()):
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            errors.append(checks.Error(f"METRICS_ALLOWED_NETWORKS: {item!r} is not an address or a network",
                                       id="operations.E001"))
    return errors
