"""The anti-avoidance cases in the bureau's 待办 (the provider wired at merge): a case
becomes an item with its review deadline, coloured like every other."""

from datetime import datetime, timedelta
from types import SimpleNamespace

from django.utils import timezone

from supervision.todo import case_todo_item

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.get_current_timezone())


def case(**kw):
    return SimpleNamespace(pk=7, summary="某业主直接选取占比 80%", detected_at=T0, due_at=T0 + timedelta(days=4),
                           get_kind_display=lambda: "直接选取占比高", **kw)


def test_a_case_is_an_item_to_review_by_its_deadline_from_its_detection():
    item = case_todo_item(case(), T0 + timedelta(days=1))
    assert (item.request, item.action, item.due, item.overdue, item.url, item.title, item.starts) == (
        None, "核查“直接选取占比高”线索", T0 + timedelta(days=4), False, "/bureau/signals/7/", "某业主直接选取占比 80%", T0)
    assert case_todo_item(case(), T0 + timedelta(days=5)).overdue
