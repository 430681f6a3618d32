from django.apps import AppConfig


class BiddingConfig(AppConfig):
    name = "bidding"
    verbose_name = "报名与选取"

    def ready(self) -> None:
        from bidding import audit_labels, publication

        audit_labels.register()  # how this app's audit records read (audit.timeline)
        publication.register()  # the closed auction's bid ladder on the request page and in OCDS
