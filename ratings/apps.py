from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = "服务评价"

    def ready(self) -> None:
        from market import extensions
        from ratings import audit_labels, pages

        extensions.panel_provider("firm")(pages.firm_comments_panel)
        extensions.row_decorator("registry")(pages.registry_latest_comment)
        extensions.todo_provider(pages.ratings_todo)
        audit_labels.register()  # how this app's audit records read (audit.timeline)
