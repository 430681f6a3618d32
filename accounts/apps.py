from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与机构"

    def ready(self) -> None:
        from accounts import audit_labels, signals  # signals: the authentication hooks

        signals.connect_user_saved()
        audit_labels.register()  # how this app's audit records read (audit.timeline)
