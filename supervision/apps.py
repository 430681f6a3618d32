"""运行效能网上监察: the bureau's supervision of the market — figures and charts with their
definitions, exports, warnings on steps that run late, anti-avoidance signals and the
bureau's to-do list. It reads every domain app below it and is read by none of them."""
from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """运行效能监察: statistics, warnings, anti-avoidance signals, the bureau's 待办."""

    name = "supervision"
    verbose_name = "运行效能监察"

    def ready(self) -> None:
        from core.events import listen
        from market import extensions
        from supervision import audit_labels, tasks_stats, todo

        extensions.todo_provider(todo.signal_cases_todo)  # anti-avoidance cases in the bureau's 待办

        audit_labels.register()  # how the anti-avoidance cases' audit records read (audit.timeline)

        # Statistics: each request's facts follow its status and its ratings (supervision.services_stats).
        listen("request.status_changed")(tasks_stats.on_request_status_changed)
        listen("rating.changed")(tasks_stats.on_request_status_changed)
