"""What supervision adds to the bureau's 待办 (a `market.extensions.todo_provider`): the
anti-avoidance cases waiting on an officer, each with its review deadline.

Registered in `SupervisionConfig.ready()`; the cases come from
`supervision.selectors_signals.signal_cases_pending`.
"""

from datetime import datetime

from django.urls import reverse

from market.extensions import TodoItem

TODO_LIMIT = 200


def case_todo_item(case, now: datetime) -> TodoItem:
    """A to-do item of one open case: review it by its deadline (`due_at`, counted from
    its detection `detected_at`, so it turns yellow at half time and red once late)."""
    return TodoItem(None, f"核查“{case.get_kind_display()}”线索", case.due_at, case.due_at < now,
                    url=reverse("supervision:signal_case", args=[case.pk]), subject=case.summary, starts=case.detected_at)


def signal_cases_todo(user, now: datetime) -> list[TodoItem]:
    """The open cases in the officer's scope (none for anyone else)."""
    from supervision.selectors_signals import signal_cases_pending

    return [case_todo_item(case, now) for case in signal_cases_pending(user=user)[:TODO_LIMIT]]
