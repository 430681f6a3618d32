from django.apps import AppConfig


class BiddingConfig(AppConfig):
    name = "bidding"
    verbose_name = "报名与选取"
