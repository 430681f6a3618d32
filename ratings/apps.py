from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "服务评价"

    def ready(self):
        # Ratings to give and disputes are work in every role's 待办 (market.selectors.todo_for).
        from market.selectors import todo_provider_register
        from ratings.selectors import rating_todo_items

        todo_provider_register(rating_todo_items)
