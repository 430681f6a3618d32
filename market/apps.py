from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "market"
    verbose_name = "中介服务超市"
