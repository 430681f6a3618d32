from django.apps import AppConfig


class DockingConfig(AppConfig):
    name = "docking"
    verbose_name = "开放接口与对接"

    def ready(self) -> None:
        from docking import listeners, schema_ext  # noqa: F401 — registers the OpenAPI extension

        listeners.connect()
        from docking import audit_labels

        audit_labels.register()  # how this app's audit records read (audit.timeline)
        from docking import tasks, webhooks

        webhooks.queue_with(tasks.delivery_queue)
