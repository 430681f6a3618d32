from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demonstration data and logins of `make run`: one consistent history made through
    the services of every app, so it sits on top of them all."""

    name = "demo"
    verbose_name = "演示数据"
