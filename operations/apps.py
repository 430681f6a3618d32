from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Operating the platform: request ids and structured logs, Prometheus metrics, backup
    checks. An adapter on top of the other apps; no other app imports it."""

    name = "operations"
    verbose_name = "运维"

    def ready(self):
        from operations import requestid

        requestid.connect_celery_signals()
