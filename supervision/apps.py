from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """运行效能网上监察: statistics, warnings, anti-avoidance signals, the bureau's 待办."""

    name = "supervision"
    verbose_name = "运行效能监察"
