from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "market"
    verbose_name = "中介服务超市"

    def ready(self) -> None:
        from market import audit_labels

        audit_labels.register()  # how this app's audit records read (audit.timeline)
