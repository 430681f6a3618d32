"""What ratings add to market's pages (registered in `RatingsConfig.ready()`): a firm's
recent comments on its public page, its latest comment in the registry list, and the
ratings waiting on a user in its to-do list (待办)."""

from datetime import datetime

from market.extensions import Panel, TodoItem
from ratings.selectors import ratings_todo_items, recent_comments


def firm_comments_panel(firm, user) -> Panel:
    comments = recent_comments(organisation_ids=[firm.pk], per_firm=10).get(firm.pk, [])
    return Panel("ratings/partials/firm_comments.html", {"recent_comments": comments}, order=10)


def registry_latest_comment(rows: list, user) -> None:
    comments = recent_comments(organisation_ids=[r.pk for r in rows], per_firm=1)  # one query for the page
    for row in rows:
        row.recent_comments = comments.get(row.pk, [])


def ratings_todo(user, now: datetime) -> list[TodoItem]:
    return [TodoItem(request=req, action=action, due=due, overdue=bool(due and due < now), url=url)
            for req, action, due, url in ratings_todo_items(user=user, now=now)]
