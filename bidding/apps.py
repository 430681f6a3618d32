from django.apps import AppConfig


class BiddingConfig(AppConfig):
    """The selection methods: random draw, live auction, direct pick (and their records)."""

    name = "bidding"
    verbose_name = "选取方式"

    def ready(self) -> None:
        from bidding import methods
        from market import extensions, selection

        selection.register(methods.DrawMethod())
        selection.register(methods.AuctionMethod())
        selection.register(methods.DirectMethod())
        extensions.panel_provider("request")(methods.direct_pick_panel)
        extensions.todo_provider(methods.direct_pick_todo)
        extensions.todo_provider(methods.auction_todo)
