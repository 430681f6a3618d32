from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "服务评价"

    def ready(self) -> None:
        from ratings import audit_labels

        audit_labels.register()  # how this app's audit records read (audit.timeline)
