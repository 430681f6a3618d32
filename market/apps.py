from django.apps import AppConfig


class MarketConfig(AppConfig):
    """Catalogue, registry, service requests and their lifecycle."""

    name = "market"
    verbose_name = "中介服务超市"

    def ready(self) -> None:
        from core.events import listen
        from market import audit_labels, tasks

        listen("request.published")(tasks.on_request_published)
        audit_labels.register()  # how this app's audit records read (audit.timeline)
