from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "用户与机构"

    def ready(self) -> None:
        from accounts import signals  # connects the authentication hooks

        signals.connect_user_saved()
