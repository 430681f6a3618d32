from django.apps import AppConfig


class BiddingConfig(AppConfig):
    """The selection methods: random draw, live auction, direct pick, comparison (and their records)."""

    name = "bidding"
    verbose_name = "选取方式"

    def ready(self) -> None:
        from bidding import audit_labels, methods, publication
        from bidding.selectors_comparison import comparison_todo
        from market import extensions, selection

        selection.register(methods.DrawMethod())
        selection.register(methods.AuctionMethod())
        selection.register(methods.DirectMethod())
        selection.register(methods.ComparisonMethod())
        extensions.panel_provider("request")(methods.direct_pick_panel)
        extensions.todo_provider(methods.direct_pick_todo)
        extensions.todo_provider(comparison_todo)
        extensions.todo_provider(methods.auction_todo)
        audit_labels.register()  # how this app's audit records read (audit.timeline)
        publication.register()  # the closed auction's bid ladder on the request page and in OCDS
