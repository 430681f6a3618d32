from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = "信用管理"

    def ready(self) -> None:
        from credit import audit_labels

        audit_labels.register()  # how this app's audit records read (audit.timeline)
