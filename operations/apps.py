import atexit
import os

from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Operating the platform: request ids and structured logs, Prometheus metrics, backup
    checks. An adapter on top of the other apps; no other app imports it."""

    name = "operations"
    verbose_name = "运维"

    def ready(self):
        from operations import requestid

        requestid.connect_celery_signals()
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Multiprocess metrics: a process that exits takes its live gauges (open sockets)
            # out of the host's sum. (A SIGKILLed one cannot: empty the directory when the
            # host's processes restart.)
            from prometheus_client import multiprocess

            atexit.register(multiprocess.mark_process_dead, os.getpid())
