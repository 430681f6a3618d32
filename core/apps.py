from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: what every app needs (exceptions, row locks, rules as data, the
    working-day calendar, jurisdiction, the written-answer model). Imports no other app."""

    name = "core"
    verbose_name = "基础规则"
